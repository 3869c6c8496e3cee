// Package logcopy moves whole logs between stores, event for event: the
// canonical export (AUD-4), the import of an export, and migrate from one
// store to another. IDs, streams, revisions, order and hashes are kept;
// every copy is verified with audit.Verify at the end, and a re-run skips
// what the target already has.
package logcopy

import (
	"context"
	"errors"
	"fmt"
	"iter"

	"github.com/google/uuid"

	"github.com/fapiao/fapiao/cmd/fapiao/internal/audit"
	"github.com/fapiao/fapiao/cmd/fapiao/internal/progress"
	"github.com/fapiao/fapiao/eventstore"
)

// maxCopyBatch bounds the events of one append when copying a log: large
// enough that a stream's history goes in a few appends, small enough to
// stay far below any store's message size.
const maxCopyBatch = 500

// CopyResult counts what a copy did.
type CopyResult struct {
	// Copied events were appended to the target; Skipped ones were already
	// there (an earlier, interrupted run) with the same IDs.
	Copied, Skipped int
}

// ErrTargetDiffers: the target holds an event the source does not have at
// that place. A copy refuses to go on: merging two logs is not a migration.
var ErrTargetDiffers = errors.New("logcopy: the target store holds different events")

// copier appends records to a target keeping their streams, revisions, IDs,
// types, data and metadata (hash chains included). It appends with exact
// expected revisions (NoStream for revision 0), so a concurrent writer on
// the target makes it fail instead of interleaving, and it is resumable: the
// target's existing events are read once, and source records already there
// are skipped after checking their IDs.
type copier struct {
	target eventstore.Store
	// have holds, per stream, the IDs the target had when the copy began.
	have map[string][]uuid.UUID
	// next is each stream's next revision in the target, as far as known.
	next map[string]uint64
	// hashes is the last verified hash of each stream of the source.
	hashes map[string]string

	batch  []eventstore.EventData
	stream string
	first  uint64
	res    CopyResult
}

func newCopier(ctx context.Context, target eventstore.Store) (*copier, error) {
	c := &copier{target: target, have: map[string][]uuid.UUID{}, next: map[string]uint64{}, hashes: map[string]string{}}
	for r, err := range target.ReadAll(ctx, eventstore.Start) {
		if err != nil {
			return nil, fmt.Errorf("logcopy: read the target: %w", err)
		}
		if r.Revision != uint64(len(c.have[r.Stream])) {
			return nil, fmt.Errorf("%w: %s@%d follows revision %d in the target's log", ErrTargetDiffers, r.Stream, r.Revision, len(c.have[r.Stream]))
		}
		c.have[r.Stream] = append(c.have[r.Stream], r.ID)
	}
	for s, ids := range c.have {
		c.next[s] = uint64(len(ids))
	}
	return c, nil
}

// copyTo copies records into to, resuming where an earlier run stopped,
// and shows the events done on meter (may be nil); a copy that stops on an
// error says it was interrupted.
func copyTo(ctx context.Context, to eventstore.Store, records iter.Seq2[eventstore.Record, error], meter *progress.Meter) (CopyResult, error) {
	c, err := newCopier(ctx, to)
	if err != nil {
		return CopyResult{}, err
	}
	note := func(r CopyResult) string {
		return fmt.Sprintf("events (copied %d, already there %d)", r.Copied, r.Skipped)
	}
	res, err := c.run(ctx, records, func(r CopyResult) { meter.Update(int64(r.Copied+r.Skipped), note(r)) })
	if err != nil {
		meter.Finish(int64(res.Copied+res.Skipped), note(res)+": interrupted")
		return res, err
	}
	meter.Finish(int64(res.Copied+res.Skipped), note(res))
	return res, nil
}

// run copies records in their order, calling step after each.
func (c *copier) run(ctx context.Context, records iter.Seq2[eventstore.Record, error], step func(CopyResult)) (CopyResult, error) {
	for r, err := range records {
		if err != nil {
			return c.res, err
		}
		if err := c.add(ctx, r); err != nil {
			return c.res, err
		}
		if step != nil {
			step(c.res)
		}
	}
	if err := c.flush(ctx); err != nil {
		return c.res, err
	}
	if step != nil {
		step(c.res)
	}
	return c.res, nil
}

func (c *copier) add(ctx context.Context, r eventstore.Record) error {
	// A log whose chain is broken is refused before anything of it is
	// written: the copy must not launder an altered event into a fresh file.
	hash, err := eventstore.VerifyLink(r, c.hashes[r.Stream])
	if err != nil {
		return fmt.Errorf("%w: the source: %w (run fapiao verify on it)", audit.ErrInvariant, err)
	}
	c.hashes[r.Stream] = hash
	if have := c.have[r.Stream]; r.Revision < uint64(len(have)) {
		if have[r.Revision] != r.ID {
			return fmt.Errorf("%w: %s@%d is event %s in the target, %s in the source", ErrTargetDiffers, r.Stream, r.Revision, have[r.Revision], r.ID)
		}
		c.res.Skipped++
		return nil
	}
	if r.Stream != c.stream || len(c.batch) >= maxCopyBatch {
		if err := c.flush(ctx); err != nil {
			return err
		}
	}
	// After the flush above the batch, if any, is of this stream.
	want := c.next[r.Stream] + uint64(len(c.batch))
	if r.Revision != want {
		return fmt.Errorf("%w: %s@%d comes where the target expects revision %d", ErrTargetDiffers, r.Stream, r.Revision, want)
	}
	if len(c.batch) == 0 {
		c.stream, c.first = r.Stream, r.Revision
	}
	c.batch = append(c.batch, eventstore.EventData{ID: r.ID, Type: r.Type, Data: r.Data, Metadata: r.Metadata})
	return nil
}

func (c *copier) flush(ctx context.Context) error {
	if len(c.batch) == 0 {
		return nil
	}
	expected := eventstore.NoStream
	if c.first > 0 {
		expected = eventstore.Exact(c.first - 1)
	}
	if _, err := c.target.Append(ctx, c.stream, expected, c.batch...); err != nil {
		return fmt.Errorf("logcopy: append %d events to %s at revision %d: %w", len(c.batch), c.stream, c.first, err)
	}
	c.next[c.stream] = c.first + uint64(len(c.batch))
	c.res.Copied += len(c.batch)
	c.batch = c.batch[:0]
	c.stream = ""
	return nil
}
