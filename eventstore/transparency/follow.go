package transparency

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/fapiao/fapiao/eventstore"
)

// resubscribe paces the follower's resubscriptions: the first retry is
// quick, later ones slow down to at most 2 s.
var resubscribe = eventstore.Backoff{Min: 50 * time.Millisecond, Max: 2 * time.Second}

// syncEvery is the live fsync cadence.
const syncEvery = time.Second

// RecordHash is the chain hash in a record's metadata (its top-level
// "hash" member): the leaf's data.
func RecordHash(r eventstore.Record) (string, error) {
	if h, ok := trailingHash(r.Metadata); ok {
		return h, nil
	}
	var m struct {
		Hash string `json:"hash"`
	}
	if err := json.Unmarshal(r.Metadata, &m); err != nil {
		return "", fmt.Errorf("transparency: event at position %d: metadata: %w", r.Position, err)
	}
	return m.Hash, nil
}

// hashMember is how the envelope ends: eventstore.Metadata's last field.
const hashMember = `"hash":"`

// trailingHash reads the hash of metadata that ends in "hash":"<64 hex>"},
// as every envelope fapiao writes does, without decoding the rest (decoding
// was three quarters of building a tree). It gives what json.Unmarshal
// gives: that member closes the top-level object (a nested one would end
// in "}}"), and Go's decoder keeps the last of duplicate keys.
func trailingHash(meta []byte) (string, bool) {
	meta = bytes.TrimRight(meta, " \t\r\n")
	const n = len(hashMember) + 64 + 2
	if len(meta) < n+1 || !bytes.HasSuffix(meta, []byte(`"}`)) || !bytes.HasPrefix(meta[len(meta)-n:], []byte(hashMember)) {
		return "", false
	}
	h := meta[len(meta)-66 : len(meta)-2]
	for _, c := range h {
		if !('0' <= c && c <= '9' || 'a' <= c && c <= 'f') {
			return "", false
		}
	}
	// The member must follow "{" or ",", not sit inside a string.
	before := bytes.TrimRight(meta[:len(meta)-n], " \t\r\n")
	if len(before) == 0 {
		return "", false
	}
	switch before[len(before)-1] {
	case '{', ',':
		return string(h), true
	}
	return "", false
}

// appendRecord adds r as the next leaf.
func appendRecord(t *Tree, r eventstore.Record) error {
	h, err := RecordHash(r)
	if err != nil {
		return err
	}
	if err := t.Append(r.Position, h); err != nil {
		return fmt.Errorf("transparency: event at position %d: %w", r.Position, err)
	}
	return nil
}

// Build appends to t the log's events after t's last leaf until t has
// limit leaves (0: the whole log).
func Build(ctx context.Context, store eventstore.Store, t *Tree, limit int64) error {
	after, err := t.LastPosition()
	if err != nil {
		return err
	}
	if limit > 0 && t.Size() >= limit {
		return nil
	}
	for r, err := range store.ReadAll(ctx, after) {
		if err != nil {
			return fmt.Errorf("transparency: read the log after position %d: %w", after, err)
		}
		if err := appendRecord(t, r); err != nil {
			return err
		}
		after = r.Position
		if limit > 0 && t.Size() >= limit {
			break
		}
	}
	return ctx.Err()
}

// Reconcile checks the tree's last leaf against the log: the log must hold
// an event at that leaf's position, right after the previous leaf's, with
// the same hash. A tree that does not match (a log restored, replaced or
// rewritten under it) is cut to empty, to be rebuilt from the log; its
// files are the server's own cache, the log is the source. A tree kept
// from before a rewrite is still what `fapiao verify --checkpoint` uses to
// name the first rewritten position, so keep a copy when in doubt.
func Reconcile(ctx context.Context, store eventstore.Store, t *Tree) (rebuilt bool, err error) {
	n := t.Size()
	if n == 0 {
		return false, nil
	}
	var after uint64
	if n >= 2 {
		if after, err = t.Position(n - 2); err != nil {
			return false, err
		}
	}
	want, err := t.Position(n - 1)
	if err != nil {
		return false, err
	}
	leaf, err := t.Leaf(n - 1)
	if err != nil {
		return false, err
	}
	match := false
	for r, err := range store.ReadAll(ctx, after) {
		if err != nil {
			return false, fmt.Errorf("transparency: read the log at position %d: %w", want, err)
		}
		h, herr := RecordHash(r)
		got, lerr := LeafHash(h)
		match = herr == nil && lerr == nil && r.Position == want && got == leaf
		break
	}
	if match {
		return false, nil
	}
	return true, t.Truncate(0)
}

// Follow keeps t up to date with the log: it subscribes after t's last
// leaf, appends every event, fsyncs the tree when caught up and at least
// every second while live, calls caughtUp (if not nil) each time the
// subscription catches up, and resubscribes with backoff when it drops. It
// returns ctx's error when ctx ends, and only then.
func Follow(ctx context.Context, store eventstore.Store, t *Tree, log *slog.Logger, caughtUp func()) error {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	try := 0
	for {
		before := t.Size()
		err := followOnce(ctx, store, t, caughtUp)
		if ctx.Err() != nil {
			return ctx.Err()
		}
		if t.Size() != before {
			try = 0
		}
		if err == nil {
			err = errors.New("subscription ended")
		}
		backoff := resubscribe.Delay(try)
		try++
		log.Warn("transparency: the tree's subscription dropped; resubscribing", "size", t.Size(), "retry_in", backoff, "err", err)
		if err := eventstore.Sleep(ctx, backoff, nil); err != nil {
			return err
		}
	}
}

func followOnce(ctx context.Context, store eventstore.Store, t *Tree, caughtUp func()) error {
	after, err := t.LastPosition()
	if err != nil {
		return err
	}
	synced := time.Now()
	for m, err := range store.Subscribe(ctx, after) {
		if err != nil {
			return err
		}
		if m.CaughtUp {
			if err := t.Sync(); err != nil {
				return err
			}
			synced = time.Now()
			if caughtUp != nil {
				caughtUp()
			}
			continue
		}
		if err := appendRecord(t, m.Record); err != nil {
			if errors.Is(err, ErrOutOfOrder) {
				continue // delivered again after a resubscription
			}
			return err
		}
		if time.Since(synced) >= syncEvery {
			if err := t.Sync(); err != nil {
				return err
			}
			synced = time.Now()
		}
	}
	return ctx.Err()
}
