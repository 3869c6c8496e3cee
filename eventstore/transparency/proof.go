package transparency

import (
	"errors"
	"fmt"

	"golang.org/x/mod/sumdb/tlog"
)

// InclusionProof proves that the event at Position, whose chain hash is
// EventHash, is leaf Index of the tree of Size leaves (the answer of GET
// /v1/proofs/inclusion). Hashes are base64, as in checkpoints.
type InclusionProof struct {
	Position  uint64      `json:"position"`
	Index     int64       `json:"index"`
	Size      int64       `json:"size"`
	EventHash string      `json:"event_hash"`
	LeafHash  tlog.Hash   `json:"leaf_hash"`
	Hashes    []tlog.Hash `json:"hashes"`
}

// ConsistencyProof proves that the tree of To leaves extends the tree of
// From leaves (the answer of GET /v1/proofs/consistency).
type ConsistencyProof struct {
	From   int64       `json:"from"`
	To     int64       `json:"to"`
	Hashes []tlog.Hash `json:"hashes"`
}

// CheckInclusion checks p against a checkpoint already opened with
// OpenCheckpoint, with nothing else: the leaf hash is recomputed from the
// event hash and the path from it must end in the checkpoint's root. An
// auditor holding the event itself should also compare EventHash with the
// event's recomputed chain hash (fapiao verify-proof --event does).
func CheckInclusion(p InclusionProof, cp Checkpoint) error {
	if p.Size != cp.N {
		return fmt.Errorf("transparency: the proof is for a tree of %d, the checkpoint's has %d", p.Size, cp.N)
	}
	leaf, err := LeafHash(p.EventHash)
	if err != nil {
		return err
	}
	if leaf != p.LeafHash {
		return errors.New("transparency: leaf_hash is not the hash of event_hash")
	}
	if err := tlog.CheckRecord(tlog.RecordProof(p.Hashes), cp.N, cp.Hash, p.Index, leaf); err != nil {
		return fmt.Errorf("transparency: inclusion of leaf %d in the checkpoint's tree of %d: %w", p.Index, cp.N, err)
	}
	return nil
}

// CheckConsistency checks that newer's tree extends older's, by p.
func CheckConsistency(p ConsistencyProof, older, newer Checkpoint) error {
	if p.From != older.N || p.To != newer.N {
		return fmt.Errorf("transparency: the proof is from %d to %d, the checkpoints are of %d and %d", p.From, p.To, older.N, newer.N)
	}
	if older.Origin != newer.Origin {
		return fmt.Errorf("transparency: checkpoints of two logs (%q, %q)", older.Origin, newer.Origin)
	}
	if err := tlog.CheckTree(tlog.TreeProof(p.Hashes), newer.N, newer.Hash, older.N, older.Hash); err != nil {
		return fmt.Errorf("transparency: the tree of %d does not extend the tree of %d: %w", newer.N, older.N, err)
	}
	return nil
}
