package seglog

import (
	"context"
	"fmt"
	"hash/crc32"
	"sync"

	"github.com/google/uuid"

	"github.com/fapiao/fapiao/eventstore"
)

// request is one Append waiting for the writer. Requests are pooled.
type request struct {
	ctx      context.Context
	stream   string
	expected eventstore.ExpectedRevision
	events   []eventstore.EventData
	size     int

	res eventstore.AppendResult
	// first is the position of the first event when the events sit at
	// consecutive positions first … res.Position (contiguous).
	first      eventstore.Position
	contiguous bool
	err        error
	done       chan struct{} // capacity 1: the writer never blocks answering
}

var requestPool = sync.Pool{New: func() any { return &request{done: make(chan struct{}, 1)} }}

func (r *request) release() {
	r.ctx, r.events, r.err = nil, nil, nil
	r.first, r.contiguous = 0, false
	requestPool.Put(r)
}

// Append implements eventstore.Store. The append joins the writer's next
// group and returns once that group is durable (or failed). FirstPosition
// is set whenever the events sit at consecutive positions: always when
// this append wrote them, and on a retry of events that one append wrote.
func (s *Store) Append(ctx context.Context, stream string, expected eventstore.ExpectedRevision, events ...eventstore.EventData) (eventstore.AppendResult, error) {
	size, err := checkAppend(stream, events)
	if err != nil {
		return eventstore.AppendResult{}, err
	}
	if err := ctxErr(ctx); err != nil {
		return eventstore.AppendResult{}, err
	}
	if s.isClosed() {
		return eventstore.AppendResult{}, eventstore.ErrClosed
	}
	if s.opts.ReadOnly {
		return eventstore.AppendResult{}, fmt.Errorf("seglog: append to %q: %w", stream, eventstore.ErrReadOnly)
	}
	r := requestPool.Get().(*request)
	r.ctx, r.stream, r.expected, r.events, r.size = ctx, stream, expected, events, size
	select {
	case s.reqs <- r:
	case <-s.quit:
		r.release()
		return eventstore.AppendResult{}, eventstore.ErrClosed
	case <-ctx.Done():
		r.release()
		return eventstore.AppendResult{}, ctx.Err()
	}
	// Not watching ctx from here on: the writer may already be writing this
	// append, and "cancelled" for a write that happened would mislead.
	select {
	case <-r.done:
	case <-s.writerDone:
		select {
		case <-r.done:
		default:
			// Queued after the writer's last look: never written. r stays
			// referenced by the channel buffer, so it is not pooled.
			return eventstore.AppendResult{}, eventstore.ErrClosed
		}
	}
	res, err := r.res, r.err
	if err == nil && r.contiguous && len(events) > 0 {
		res.FirstPosition = r.first
	}
	r.release()
	return res, err
}

// stage checks one append against its stream (as left by the appends before
// it in the same group) and, if it holds, adds its records to the group and
// its entries to the index, uncommitted. Called by the writer under ix.mu.
func (s *Store) stage(r *request) (eventstore.AppendResult, error) {
	st := s.ix.streams[r.stream]
	cur, exists := uint64(0), st != nil && len(st.entries) > 0
	if exists {
		cur = uint64(len(st.entries) - 1)
	}
	wrong := func() error {
		return &eventstore.WrongExpectedVersionError{Stream: r.stream, Expected: r.expected, Actual: cur, ActualExists: exists}
	}
	// EventStoreDB's rules, in its order: a retry of events already written
	// right after the expected revision succeeds without writing.
	switch {
	case r.expected.IsAny(), r.expected.IsStreamExists():
		if r.expected.IsStreamExists() && !exists {
			return eventstore.AppendResult{}, wrong()
		}
		if len(r.events) > 0 && exists {
			if rev, ok := st.revisionOf(r.events[0].ID); ok {
				if res, ok := st.writtenAt(rev, r); ok {
					return res, nil
				}
				return eventstore.AppendResult{}, wrong()
			}
		}
	default:
		// NoStream is "expected revision -1": following revisions start at 0.
		next := uint64(0)
		if rev, ok := r.expected.Revision(); ok {
			if !exists || rev > cur {
				return eventstore.AppendResult{}, wrong()
			}
			next = rev + 1
		}
		if exists && next <= cur {
			if len(r.events) > 0 {
				if res, ok := st.writtenAt(next, r); ok {
					return res, nil
				}
			}
			return eventstore.AppendResult{}, wrong()
		}
	}
	if len(r.events) == 0 {
		if !exists {
			return eventstore.AppendResult{}, nil
		}
		return eventstore.AppendResult{NextExpectedRevision: cur, Position: st.entries[cur].pos}, nil
	}

	if st == nil {
		st = &streamIndex{}
		s.ix.streams[r.stream] = st
	}
	w := &s.w
	w.staged = append(w.staged, st)
	rev := uint64(len(st.entries))
	r.first, r.contiguous = w.next, true
	for i := range r.events {
		e := &r.events[i]
		n := recordBodyLen(r.stream, rev, e)
		// Offsets are relative to the payload until the group is placed.
		off := len(w.buf) - groupHeadLen + uvarintLen(uint64(n))
		w.buf = appendRecord(w.buf, r.stream, rev, e)
		s.ix.locs = append(s.ix.locs, loc{off: uint32(off), n: uint32(n)})
		st.entries = append(st.entries, entry{pos: w.next, id: e.ID})
		w.next++
		rev++
	}
	return eventstore.AppendResult{NextExpectedRevision: rev - 1, Position: w.next - 1}, nil
}

// revisionOf finds an event ID among the stream's last idempotencyWindow events.
func (st *streamIndex) revisionOf(id uuid.UUID) (uint64, bool) {
	for i, n := len(st.entries)-1, 0; i >= 0 && n < idempotencyWindow; i, n = i-1, n+1 {
		if st.entries[i].id == id {
			return uint64(i), true
		}
	}
	return 0, false
}

// writtenAt reports whether r's events already sit in the stream at
// revisions from, from+1, … and if so the result their append had (and, in
// r, whether their positions are consecutive).
func (st *streamIndex) writtenAt(from uint64, r *request) (eventstore.AppendResult, bool) {
	var res eventstore.AppendResult
	r.contiguous = true
	for i := range r.events {
		rev := from + uint64(i)
		if rev >= uint64(len(st.entries)) || st.entries[rev].id != r.events[i].ID {
			return res, false
		}
		pos := st.entries[rev].pos
		if i == 0 {
			r.first = pos
		} else if pos != res.Position+1 {
			r.contiguous = false
		}
		res = eventstore.AppendResult{NextExpectedRevision: rev, Position: pos}
	}
	return res, true
}

// maxAppendBytes bounds one append: the index keeps offsets in 32 bits, so
// a segment (and the group that may fill one alone) stays under 4 GiB.
const maxAppendBytes = 1 << 30

// checkAppend is eventstore.CheckAppend with the log's size limit.
func checkAppend(stream string, events []eventstore.EventData) (int, error) {
	size, err := eventstore.CheckAppend("seglog", stream, events)
	if err == nil && size > maxAppendBytes {
		err = fmt.Errorf("seglog: append to %q: %d bytes in one append, over the limit of %d", stream, size, maxAppendBytes)
	}
	return size, err
}

func crcOf(b []byte) uint32 { return crc32.Checksum(b, crcTable) }

// ctxErr is ctx.Err() without the lock for contexts that can never end.
func ctxErr(ctx context.Context) error {
	if ctx.Done() == nil {
		return nil
	}
	return ctx.Err()
}
