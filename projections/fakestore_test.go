package projections

import (
	"context"
	"errors"
	"iter"
	"sync"
	"sync/atomic"

	"github.com/fapiao/fapiao/eventstore"
)

// fakeStore is a read-only log for the read side: ReadAll and Subscribe over
// fixed records, live records added with add, and subscriptions that drop
// after dropAfter events (once each entry) to test resumption.
type fakeStore struct {
	mu      sync.Mutex
	records []eventstore.Record
	changed chan struct{}
	// drops lists, for successive subscriptions, after how many events each
	// yields an error; a subscription beyond the list never drops.
	drops []int
	subs  int
	// overlap makes every resubscription start one record early, as a
	// store with an inclusive resume would.
	overlap bool
	// yielded counts the records handed out by reads and subscriptions.
	yielded atomic.Int64
}

var errDropped = errors.New("fake: subscription dropped")

func newFakeStore(records []eventstore.Record) *fakeStore {
	return &fakeStore{records: records, changed: make(chan struct{})}
}

func (s *fakeStore) add(rs ...eventstore.Record) {
	s.mu.Lock()
	s.records = append(s.records, rs...)
	close(s.changed)
	s.changed = make(chan struct{})
	s.mu.Unlock()
}

// after returns the records after pos and a channel closed on the next add.
func (s *fakeStore) after(pos eventstore.Position) ([]eventstore.Record, <-chan struct{}) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for i, r := range s.records {
		if r.Position > pos {
			return s.records[i:len(s.records):len(s.records)], s.changed
		}
	}
	return nil, s.changed
}

func (s *fakeStore) Append(context.Context, string, eventstore.ExpectedRevision, ...eventstore.EventData) (eventstore.AppendResult, error) {
	return eventstore.AppendResult{}, errors.New("fake: read-only")
}

func (s *fakeStore) ReadStream(context.Context, string, uint64) iter.Seq2[eventstore.Record, error] {
	return func(yield func(eventstore.Record, error) bool) {
		yield(eventstore.Record{}, eventstore.ErrStreamNotFound)
	}
}

func (s *fakeStore) ReadAll(ctx context.Context, after eventstore.Position) iter.Seq2[eventstore.Record, error] {
	return func(yield func(eventstore.Record, error) bool) {
		rs, _ := s.after(after)
		for _, r := range rs {
			if ctx.Err() != nil {
				yield(eventstore.Record{}, ctx.Err())
				return
			}
			s.yielded.Add(1)
			if !yield(r, nil) {
				return
			}
		}
	}
}

func (s *fakeStore) Subscribe(ctx context.Context, after eventstore.Position) iter.Seq2[eventstore.Message, error] {
	s.mu.Lock()
	drop := -1
	if s.subs < len(s.drops) {
		drop = s.drops[s.subs]
	}
	if s.overlap && s.subs > 0 {
		for i, r := range s.records {
			if r.Position == after && i > 0 {
				after = s.records[i-1].Position
			}
		}
	}
	s.subs++
	s.mu.Unlock()
	return func(yield func(eventstore.Message, error) bool) {
		sent, caughtUp := 0, false
		for {
			rs, changed := s.after(after)
			for _, r := range rs {
				if sent == drop {
					yield(eventstore.Message{}, errDropped)
					return
				}
				s.yielded.Add(1)
				if !yield(eventstore.Message{Record: r}, nil) {
					return
				}
				sent++
				after = r.Position
			}
			if !caughtUp {
				caughtUp = true
				if !yield(eventstore.Message{CaughtUp: true}, nil) {
					return
				}
			}
			select {
			case <-ctx.Done():
				yield(eventstore.Message{}, ctx.Err())
				return
			case <-changed:
			}
		}
	}
}

func (s *fakeStore) Close() error { return nil }

// lendingStore lends its records as bolt.Store.LendAll does, a few at a
// time, from one buffer that it overwrites once fn returns: a fold that
// kept any of a lent record's bytes would read the poison.
type lendingStore struct {
	*fakeStore
	chunk int
	lent  atomic.Int64 // chunks lent
}

func (s *lendingStore) LendAll(ctx context.Context, after eventstore.Position, fn func([]eventstore.Record) error) error {
	recs, _ := s.after(after)
	return lendChunks(ctx, recs, s.chunk, func(chunk []eventstore.Record) error {
		s.lent.Add(1)
		return fn(chunk)
	})
}

// lendChunks lends recs to fn chunk records at a time, their bytes copied
// into one buffer that is overwritten with 0xff once fn returns (empty
// metadata stays nil, as the store holds it).
func lendChunks(ctx context.Context, recs []eventstore.Record, chunk int, fn func([]eventstore.Record) error) error {
	var buf []byte
	out := make([]eventstore.Record, 0, chunk)
	for len(recs) > 0 {
		if err := ctx.Err(); err != nil {
			return err
		}
		n := min(chunk, len(recs))
		buf, out = buf[:0], out[:0]
		for _, r := range recs[:n] {
			buf = append(buf, r.Data...)
			buf = append(buf, r.Metadata...)
		}
		off := 0
		for _, r := range recs[:n] {
			d, m := len(r.Data), len(r.Metadata)
			if r.Metadata != nil {
				r.Metadata = buf[off+d : off+d+m : off+d+m]
			}
			r.Data = buf[off : off+d : off+d]
			off += d + m
			out = append(out, r)
		}
		recs = recs[n:]
		err := fn(out)
		for i := range buf {
			buf[i] = 0xff
		}
		if err != nil {
			return err
		}
	}
	return nil
}
