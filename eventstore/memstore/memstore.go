// Package memstore is an in-memory eventstore.Store: one mutex, slices, and a
// channel closed on every commit to wake subscribers. It keeps the same
// append rules as the durable backends (expected revision, idempotent
// re-append of the same event IDs), so tests of other packages can use it as
// a fake instead of a mock. Nothing survives the process.
package memstore

import (
	"context"
	"sync"

	"github.com/google/uuid"

	"github.com/fapiao/fapiao/eventstore"
)

// Store is an in-memory event log, safe for concurrent use.
type Store struct {
	mu      sync.RWMutex
	log     []eventstore.Record // log[i].Position == i+1
	streams map[string][]int    // stream → indexes into log, by revision
	ids     map[uuid.UUID]int   // event ID → index of its first write
	changed chan struct{}       // closed and replaced on every commit
	closed  bool
}

var _ eventstore.Store = (*Store)(nil)

// New returns an empty store.
func New() *Store {
	return &Store{
		streams: map[string][]int{},
		ids:     map[uuid.UUID]int{},
		changed: make(chan struct{}),
	}
}

// LastPosition returns the position of the last event written (Start if none).
func (s *Store) LastPosition() eventstore.Position {
	s.mu.RLock()
	defer s.mu.RUnlock()
	return eventstore.Position(len(s.log))
}

// Close implements eventstore.Store. It wakes every subscriber, which then
// ends with ErrClosed.
func (s *Store) Close() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if !s.closed {
		s.closed = true
		close(s.changed)
	}
	return nil
}

// Append implements eventstore.Store.
func (s *Store) Append(ctx context.Context, stream string, expected eventstore.ExpectedRevision, events ...eventstore.EventData) (eventstore.AppendResult, error) {
	if err := checkAppend(stream, events); err != nil {
		return eventstore.AppendResult{}, err
	}
	if err := ctx.Err(); err != nil {
		return eventstore.AppendResult{}, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return eventstore.AppendResult{}, eventstore.ErrClosed
	}
	revs := s.streams[stream]
	exists := len(revs) > 0
	cur := uint64(0) // the last revision, when exists
	if exists {
		cur = uint64(len(revs)) - 1
	}
	wrong := &eventstore.WrongExpectedVersionError{Stream: stream, Expected: expected, Actual: cur, ActualExists: exists}

	// EventStoreDB's rules: a retry of events already written right after
	// the expected revision succeeds without writing anything.
	switch {
	case expected.IsAny(), expected.IsStreamExists():
		if expected.IsStreamExists() && !exists {
			return eventstore.AppendResult{}, wrong
		}
		if len(events) > 0 && exists {
			if i, ok := s.ids[events[0].ID]; ok && s.log[i].Stream == stream {
				if res, ok := s.writtenAt(revs, s.log[i].Revision, events); ok {
					return res, nil
				}
				return eventstore.AppendResult{}, wrong
			}
		}
	default:
		next := uint64(0) // NoStream is "expected revision -1"
		if rev, ok := expected.Revision(); ok {
			if !exists || rev > cur {
				return eventstore.AppendResult{}, wrong
			}
			next = rev + 1
		}
		if exists && next <= cur {
			if len(events) > 0 {
				if res, ok := s.writtenAt(revs, next, events); ok {
					return res, nil
				}
			}
			return eventstore.AppendResult{}, wrong
		}
	}

	if len(events) == 0 {
		if !exists {
			return eventstore.AppendResult{}, nil
		}
		return eventstore.AppendResult{NextExpectedRevision: cur, Position: s.log[revs[cur]].Position}, nil
	}
	for _, e := range events {
		i := len(s.log)
		s.log = append(s.log, eventstore.Record{
			Position: eventstore.Position(i + 1),
			Stream:   stream,
			Revision: uint64(len(revs)),
			ID:       e.ID,
			Type:     e.Type,
			Data:     clone(e.Data),
			Metadata: clone(e.Metadata),
		})
		revs = append(revs, i)
		if _, seen := s.ids[e.ID]; !seen {
			s.ids[e.ID] = i
		}
	}
	s.streams[stream] = revs
	close(s.changed)
	s.changed = make(chan struct{})
	last := s.log[len(s.log)-1]
	first := last.Position - eventstore.Position(len(events)-1)
	return eventstore.AppendResult{NextExpectedRevision: last.Revision, Position: last.Position, FirstPosition: first}, nil
}

// writtenAt reports whether events already sit in the stream at revisions
// from, from+1, … and if so the result their first append had.
func (s *Store) writtenAt(revs []int, from uint64, events []eventstore.EventData) (eventstore.AppendResult, bool) {
	var res eventstore.AppendResult
	for i := range events {
		rev := from + uint64(i)
		if rev >= uint64(len(revs)) {
			return res, false
		}
		r := s.log[revs[rev]]
		if r.ID != events[i].ID {
			return res, false
		}
		res = eventstore.AppendResult{NextExpectedRevision: rev, Position: r.Position}
	}
	// Written by one append, the events sit at consecutive positions.
	if first := s.log[revs[from]].Position; res.Position == first+uint64(len(events)-1) {
		res.FirstPosition = first
	}
	return res, true
}

func checkAppend(stream string, events []eventstore.EventData) error {
	_, err := eventstore.CheckAppend("memstore", stream, events)
	return err
}

// clone copies caller-owned bytes so that later changes by the caller (or
// by a reader) cannot alter the log.
func clone(b []byte) []byte {
	if b == nil {
		return nil
	}
	return append([]byte(nil), b...)
}

func cloneRecord(r eventstore.Record) eventstore.Record {
	r.Data = clone(r.Data)
	r.Metadata = clone(r.Metadata)
	return r
}
