package main

import (
	"context"
	"encoding/json"
	"fmt"

	"golang.org/x/mod/sumdb/note"

	"github.com/fapiao/fapiao/eventstore"
	"github.com/fapiao/fapiao/eventstore/transparency"
)

// maxProofFile bounds a proof or event file.
const maxProofFile = 1 << 20

// runVerifyProof is fapiao verify-proof: checks a proof from GET
// /v1/proofs/… offline, with the public key and checkpoints only, no store.
func runVerifyProof(_ context.Context, e *env, args []string) error {
	var key, cpFile, oldFile, proofFile, eventFile string
	fs := newFlagSet(e, "verify-proof", "--key PUBKEY --checkpoint FILE --proof FILE [--event FILE] [--old-checkpoint FILE]")
	fs.StringVar(&key, "key", "", "the public `key` line (or a file holding it)")
	fs.StringVar(&cpFile, "checkpoint", "", "the signed checkpoint `file` the proof is against (for a consistency proof, the newer)")
	fs.StringVar(&oldFile, "old-checkpoint", "", "for a consistency proof: the older checkpoint `file`")
	fs.StringVar(&proofFile, "proof", "", "the proof `file`: the JSON answer of /v1/proofs/inclusion or /v1/proofs/consistency")
	fs.StringVar(&eventFile, "event", "", "for an inclusion proof: the event `file` (JSON, as /v1/events or fapiao export give it); its hash is recomputed from its content")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if key == "" || cpFile == "" || proofFile == "" {
		return usagef("--key, --checkpoint and --proof are required")
	}
	v, err := transparency.ParseVerifierKey(key)
	if err != nil {
		return err
	}
	cp, err := openCheckpointFile(cpFile, v)
	if err != nil {
		return err
	}
	raw, err := readSmallFile(proofFile, maxProofFile)
	if err != nil {
		return fmt.Errorf("--proof: %w", err)
	}
	var kind struct {
		EventHash *string `json:"event_hash"`
		From      *int64  `json:"from"`
	}
	if err := json.Unmarshal(raw, &kind); err != nil {
		return fmt.Errorf("--proof: not JSON: %w", err)
	}
	switch {
	case kind.EventHash != nil:
		if oldFile != "" {
			return usagef("--old-checkpoint is for a consistency proof; this is an inclusion proof")
		}
		return checkInclusionFile(e, raw, cp, eventFile)
	case kind.From != nil:
		if oldFile == "" {
			return usagef("a consistency proof needs --old-checkpoint (the checkpoint of its from size)")
		}
		if eventFile != "" {
			return usagef("--event is for an inclusion proof")
		}
		old, err := openCheckpointFile(oldFile, v)
		if err != nil {
			return err
		}
		var p transparency.ConsistencyProof
		if err := json.Unmarshal(raw, &p); err != nil {
			return fmt.Errorf("--proof: %w", err)
		}
		if err := transparency.CheckConsistency(p, old, cp); err != nil {
			return err
		}
		fmt.Fprintf(e.stdout, "consistency proof good: the log of %d events (root %s) extends the log of %d (root %s), both signed by %s\n", cp.N, cp.Hash, old.N, old.Hash, cp.Origin)
		return nil
	}
	return fmt.Errorf("--proof: neither an inclusion proof (event_hash) nor a consistency proof (from)")
}

func checkInclusionFile(e *env, raw []byte, cp transparency.Checkpoint, eventFile string) error {
	var p transparency.InclusionProof
	if err := json.Unmarshal(raw, &p); err != nil {
		return fmt.Errorf("--proof: %w", err)
	}
	if eventFile != "" {
		if err := checkEventMatches(eventFile, p); err != nil {
			return err
		}
	}
	if err := transparency.CheckInclusion(p, cp); err != nil {
		return err
	}
	fmt.Fprintf(e.stdout, "inclusion proof good: the event at position %d (hash %s) is leaf %d of the log of %d events signed by %s\n", p.Position, p.EventHash, p.Index, cp.N, cp.Origin)
	if eventFile != "" {
		fmt.Fprintf(e.stdout, "and %s is that event: its content gives that hash\n", eventFile)
	}
	return nil
}

// checkEventMatches recomputes the event's chain hash from its content and
// requires it, and its position, to be the proof's.
func checkEventMatches(path string, p transparency.InclusionProof) error {
	raw, err := readSmallFile(path, maxProofFile)
	if err != nil {
		return fmt.Errorf("--event: %w", err)
	}
	var r eventstore.Record
	if err := json.Unmarshal(raw, &r); err != nil {
		return fmt.Errorf("--event: not an event: %w", err)
	}
	m, err := eventstore.ParseMetadata(r.Metadata)
	if err != nil {
		return fmt.Errorf("--event: metadata: %w", err)
	}
	hash, err := eventstore.VerifyLink(r, m.PrevHash)
	if err != nil {
		return fmt.Errorf("--event: %w", err)
	}
	if hash != p.EventHash || r.Position != p.Position {
		return fmt.Errorf("--event: the event at position %d has hash %s; the proof is for position %d, hash %s", r.Position, hash, p.Position, p.EventHash)
	}
	return nil
}

// openCheckpointFile reads a signed checkpoint and checks its signature.
func openCheckpointFile(path string, v note.Verifier) (transparency.Checkpoint, error) {
	signed, err := readSmallFile(path, maxCheckpointFile)
	if err != nil {
		return transparency.Checkpoint{}, err
	}
	cp, err := transparency.OpenCheckpoint(signed, v)
	if err != nil {
		return transparency.Checkpoint{}, fmt.Errorf("%s: %w", path, err)
	}
	return cp, nil
}
