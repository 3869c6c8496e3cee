// Package chunked is how the embedded stores (bolt, seglog, memstore) serve
// reads: a log read in bounded chunks, yielded record by record, and a
// subscription that follows the committed log by chunks and waits for the
// next commit when it has caught up.
package chunked

import (
	"context"
	"iter"

	"github.com/fapiao/fapiao/eventstore"
)

// Chunk reads the committed records after a position, a bounded chunk of
// them (none when there are none yet), and returns with them a channel
// closed at the next commit, taken before the read so that a commit
// between the read and the wait cannot be missed. A closed store answers
// eventstore.ErrClosed.
type Chunk func(after eventstore.Position) ([]eventstore.Record, <-chan struct{}, error)

// Follow is eventstore.Store's Subscribe over a store's committed log:
// catch-up, one CaughtUp message, then live records, woken by the commit
// channel rather than by polling. ctx is checked before each record, so a
// cancelled subscription ends promptly and says so.
func Follow(ctx context.Context, after eventstore.Position, read Chunk) iter.Seq2[eventstore.Message, error] {
	return func(yield func(eventstore.Message, error) bool) {
		caughtUp := false
		for {
			if err := ctxErr(ctx); err != nil {
				yield(eventstore.Message{}, err)
				return
			}
			chunk, changed, err := read(after)
			if err != nil {
				yield(eventstore.Message{}, err)
				return
			}
			for _, r := range chunk {
				if err := ctxErr(ctx); err != nil {
					yield(eventstore.Message{}, err)
					return
				}
				if !yield(eventstore.Message{Record: r}, nil) {
					return
				}
				after = r.Position
			}
			if len(chunk) > 0 {
				continue
			}
			if !caughtUp {
				caughtUp = true
				if !yield(eventstore.Message{CaughtUp: true}, nil) {
					return
				}
				continue // the consumer may have taken a while: look again
			}
			select {
			case <-changed:
			case <-ctx.Done():
				yield(eventstore.Message{}, ctx.Err())
				return
			}
		}
	}
}

// Watched is the Chunk of a store that signals its commits: watch returns
// a channel closed at the next commit and whether the store is closed,
// last the position of the last committed record, and read a chunk after
// a position that last says is there. The watch is taken before the read,
// so a commit in between is not missed; a caught-up subscriber reads
// nothing until it is woken.
func Watched(watch func() (<-chan struct{}, bool), last func() eventstore.Position, read func(after eventstore.Position) ([]eventstore.Record, error)) Chunk {
	return func(after eventstore.Position) ([]eventstore.Record, <-chan struct{}, error) {
		changed, closed := watch()
		if closed {
			return nil, nil, eventstore.ErrClosed
		}
		if after >= last() {
			return nil, changed, nil
		}
		chunk, err := read(after)
		return chunk, changed, err
	}
}

// YieldAll yields a chunk, checking ctx before each record so a cancelled
// read ends promptly and says so rather than looking complete. It reports
// whether the consumer wants more.
func YieldAll(ctx context.Context, chunk []eventstore.Record, yield func(eventstore.Record, error) bool) bool {
	for _, r := range chunk {
		if err := ctxErr(ctx); err != nil {
			yield(eventstore.Record{}, err)
			return false
		}
		if !yield(r, nil) {
			return false
		}
	}
	return true
}

// ctxErr is ctx.Err() without the lock for contexts that can never end.
func ctxErr(ctx context.Context) error {
	if ctx.Done() == nil {
		return nil
	}
	return ctx.Err()
}
