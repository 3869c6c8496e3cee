package memstore

import (
	"context"
	"iter"

	"github.com/fapiao/fapiao/eventstore"
	"github.com/fapiao/fapiao/eventstore/internal/chunked"
)

// chunk bounds how many records a read copies under the lock at once, so a
// slow consumer never holds the lock while it works.
const chunk = 256

// ReadStream implements eventstore.Store.
func (s *Store) ReadStream(ctx context.Context, stream string, from uint64) iter.Seq2[eventstore.Record, error] {
	return func(yield func(eventstore.Record, error) bool) {
		first := true
		for {
			if err := ctx.Err(); err != nil {
				yield(eventstore.Record{}, err)
				return
			}
			batch, found, err := s.streamChunk(stream, from)
			if err != nil {
				yield(eventstore.Record{}, err)
				return
			}
			if first && !found {
				yield(eventstore.Record{}, eventstore.ErrStreamNotFound)
				return
			}
			first = false
			for _, r := range batch {
				if !yield(r, nil) {
					return
				}
			}
			if len(batch) < chunk {
				return
			}
			from = batch[len(batch)-1].Revision + 1
		}
	}
}

func (s *Store) streamChunk(stream string, from uint64) ([]eventstore.Record, bool, error) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	if s.closed {
		return nil, false, eventstore.ErrClosed
	}
	revs, found := s.streams[stream]
	if !found || from >= uint64(len(revs)) {
		return nil, found, nil
	}
	revs = revs[from:min(uint64(len(revs)), from+chunk)]
	out := make([]eventstore.Record, len(revs))
	for i, idx := range revs {
		out[i] = cloneRecord(s.log[idx])
	}
	return out, true, nil
}

// ReadAll implements eventstore.Store.
func (s *Store) ReadAll(ctx context.Context, after eventstore.Position) iter.Seq2[eventstore.Record, error] {
	return func(yield func(eventstore.Record, error) bool) {
		for {
			if err := ctx.Err(); err != nil {
				yield(eventstore.Record{}, err)
				return
			}
			batch, _, err := s.allChunk(after)
			if err != nil {
				yield(eventstore.Record{}, err)
				return
			}
			for _, r := range batch {
				if !yield(r, nil) {
					return
				}
			}
			if len(batch) < chunk {
				return
			}
			after = batch[len(batch)-1].Position
		}
	}
}

// allChunk copies the records after a position and returns the channel that
// the next commit closes, taken under the same lock so no commit is missed.
func (s *Store) allChunk(after eventstore.Position) ([]eventstore.Record, <-chan struct{}, error) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	if s.closed {
		return nil, nil, eventstore.ErrClosed
	}
	if after >= uint64(len(s.log)) {
		return nil, s.changed, nil
	}
	recs := s.log[after:min(uint64(len(s.log)), after+chunk)]
	out := make([]eventstore.Record, len(recs))
	for i, r := range recs {
		out[i] = cloneRecord(r)
	}
	return out, s.changed, nil
}

// Subscribe implements eventstore.Store: catch-up, one CaughtUp message, then
// live events, woken by the commit channel rather than by polling.
func (s *Store) Subscribe(ctx context.Context, after eventstore.Position) iter.Seq2[eventstore.Message, error] {
	return chunked.Follow(ctx, after, s.allChunk)
}
