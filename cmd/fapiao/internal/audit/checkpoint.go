package audit

import (
	"context"
	"fmt"
	"io"

	"golang.org/x/mod/sumdb/note"
	"golang.org/x/mod/sumdb/tlog"

	"github.com/fapiao/fapiao/eventstore"
	"github.com/fapiao/fapiao/eventstore/transparency"
)

// CheckpointResult says what VerifyCheckpoint compared.
type CheckpointResult struct {
	Checkpoint transparency.Checkpoint
	// Size and Root are the current log's tree.
	Size int64
	Root tlog.Hash
	// FirstDiff is the leaf index where the log departs from the
	// checkpoint, -1 when it does not or when it could not be located.
	FirstDiff int64
}

// VerifyCheckpoint proves that the log still extends a checkpoint an
// auditor kept: the note's signature must be v's, the Merkle tree of the
// log's first N events (recomputed from the log, with tlog) must have the
// checkpoint's root, and a consistency proof from N to the log's current
// size must check. Otherwise it returns an error wrapping ErrInvariant.
//
// A root alone cannot say where a log changed. stored, when not nil, is
// the tree the server kept beside the store (serve --signing-key): if its
// first N leaves give the checkpoint's root, the signature vouches for
// them, and comparing them with the log's names the first rewritten
// position — even when every chain hash was recomputed.
func VerifyCheckpoint(ctx context.Context, store eventstore.Store, signed []byte, v note.Verifier, stored *transparency.Tree, w io.Writer) (CheckpointResult, error) {
	res := CheckpointResult{FirstDiff: -1}
	cp, err := transparency.OpenCheckpoint(signed, v)
	if err != nil {
		return res, fmt.Errorf("%w: %w", ErrInvariant, err)
	}
	res.Checkpoint = cp
	fmt.Fprintf(w, "checkpoint %s: %d events, root %s: signature good\n", cp.Origin, cp.N, cp.Hash)

	tree := transparency.New()
	if err := transparency.Build(ctx, store, tree, 0); err != nil {
		return res, fmt.Errorf("audit: the log's tree: %w", err)
	}
	res.Size = tree.Size()
	if res.Root, err = tree.Root(res.Size); err != nil {
		return res, err
	}
	if res.Size >= cp.N {
		root, err := tree.Root(cp.N)
		if err != nil {
			return res, err
		}
		if root == cp.Hash {
			proof, err := tree.ProveConsistency(max(cp.N, 1), res.Size)
			if cp.N > 0 && err == nil {
				err = tlog.CheckTree(proof, res.Size, res.Root, cp.N, cp.Hash)
			}
			if cp.N > 0 && err != nil {
				return res, fmt.Errorf("audit: consistency from %d to %d: %w", cp.N, res.Size, err)
			}
			fmt.Fprintf(w, "the log holds %d events (root %s): its first %d give the checkpoint's root, and it extends the checkpoint\n", res.Size, res.Root, cp.N)
			return res, nil
		}
		fmt.Fprintf(w, "CHECKPOINT NOT EXTENDED\n  checkpoint: %d events, root %s\n  the log:    its first %d events give root %s\n", cp.N, cp.Hash, cp.N, root)
	} else {
		fmt.Fprintf(w, "CHECKPOINT NOT EXTENDED\n  checkpoint: %d events, root %s\n  the log:    holds only %d events: events were removed\n", cp.N, cp.Hash, res.Size)
	}
	res.FirstDiff = locate(tree, cp, stored, w)
	if res.FirstDiff >= 0 && res.FirstDiff < tree.Size() {
		describeLeaf(ctx, store, tree, res.FirstDiff, w)
	}
	return res, fmt.Errorf("%w: the log does not extend the checkpoint of %d events: history was rewritten or removed", ErrInvariant, cp.N)
}

// locate compares the log's leaves with the stored tree's, once the stored
// tree is shown to be the checkpoint's, and prints the first difference.
func locate(tree *transparency.Tree, cp transparency.Checkpoint, stored *transparency.Tree, w io.Writer) int64 {
	if stored == nil || stored.Size() < cp.N {
		fmt.Fprintf(w, "  first differing position: unknown (no tree kept beside the store covers the checkpoint)\n")
		return -1
	}
	if root, err := stored.Root(cp.N); err != nil || root != cp.Hash {
		fmt.Fprintf(w, "  first differing position: unknown (the tree kept beside the store does not give the checkpoint's root either)\n")
		return -1
	}
	for i := range cp.N {
		want, err := stored.Leaf(i)
		if err != nil {
			fmt.Fprintf(w, "  first differing position: unknown (%v)\n", err)
			return -1
		}
		pos, _ := stored.Position(i)
		if i >= tree.Size() {
			fmt.Fprintf(w, "  first differing position: %d (leaf %d): missing from the log\n", pos, i)
			return i
		}
		got, err := tree.Leaf(i)
		if err != nil || got != want {
			logPos, _ := tree.Position(i)
			fmt.Fprintf(w, "  first differing position: %d (leaf %d)\n  checkpoint's leaf hash: %s\n  the log's leaf hash:    %s (of the event now at position %d)\n", pos, i, want, got, logPos)
			return i
		}
	}
	fmt.Fprintf(w, "  first differing position: unknown (the kept tree matches the log on every leaf)\n")
	return -1
}

// describeLeaf names the event the log now holds at leaf i.
func describeLeaf(ctx context.Context, store eventstore.Store, tree *transparency.Tree, i int64, w io.Writer) {
	var after eventstore.Position
	if i > 0 {
		after, _ = tree.Position(i - 1)
	}
	for r, err := range store.ReadAll(ctx, after) {
		if err == nil {
			fmt.Fprintf(w, "  the event now there:    %s revision %d, %s, id %s\n", r.Stream, r.Revision, r.Type, r.ID)
		}
		return
	}
}
