package seglog

import (
	"context"
	"fmt"
	"hash/crc32"

	"github.com/google/uuid"

	"github.com/fapiao/fapiao/eventstore"
	"github.com/fapiao/fapiao/eventstore/internal/groupcommit"
)

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
	return s.q.Submit(ctx, stream, expected, events, size)
}

// stage checks one append against its stream (as left by the appends before
// it in the same group) and, if it holds, adds its records to the group and
// its entries to the index, uncommitted. Called by the writer under ix.mu.
func (s *Store) stage(r *groupcommit.Request) (eventstore.AppendResult, error) {
	st := s.ix.streams[r.Stream]
	cur, exists := uint64(0), st != nil && len(st.entries) > 0
	if exists {
		cur = uint64(len(st.entries) - 1)
	}
	if write, res, reject, _ := groupcommit.Decide(r, cur, exists, st); !write {
		return res, reject
	}
	if len(r.Events) == 0 {
		if !exists {
			return eventstore.AppendResult{}, nil
		}
		return eventstore.AppendResult{NextExpectedRevision: cur, Position: st.entries[cur].pos}, nil
	}

	if st == nil {
		st = &streamIndex{}
		s.ix.streams[r.Stream] = st
	}
	w := &s.w
	w.staged = append(w.staged, st)
	rev := uint64(len(st.entries))
	r.First, r.Contiguous = w.next, true
	for i := range r.Events {
		e := &r.Events[i]
		n := recordBodyLen(r.Stream, rev, e)
		// Offsets are relative to the payload until the group is placed.
		off := len(w.buf) - groupHeadLen + uvarintLen(uint64(n))
		w.buf = appendRecord(w.buf, r.Stream, rev, e)
		s.ix.locs = append(s.ix.locs, loc{off: uint32(off), n: uint32(n)})
		st.entries = append(st.entries, entry{pos: w.next, id: e.ID})
		w.next++
		rev++
	}
	return eventstore.AppendResult{NextExpectedRevision: rev - 1, Position: w.next - 1}, nil
}

// RevisionOf implements groupcommit.Stream: the ID among the stream's last
// IdempotencyWindow events. A nil stream has none.
func (st *streamIndex) RevisionOf(id uuid.UUID) (uint64, bool, error) {
	if st == nil {
		return 0, false, nil
	}
	for i, n := len(st.entries)-1, 0; i >= 0 && n < groupcommit.IdempotencyWindow; i, n = i-1, n+1 {
		if st.entries[i].id == id {
			return uint64(i), true, nil
		}
	}
	return 0, false, nil
}

// At implements groupcommit.Stream.
func (st *streamIndex) At(rev uint64) (uuid.UUID, eventstore.Position, bool, error) {
	if st == nil || rev >= uint64(len(st.entries)) {
		return uuid.Nil, 0, false, nil
	}
	e := st.entries[rev]
	return e.id, e.pos, true, nil
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
func ctxErr(ctx context.Context) error { return groupcommit.CtxErr(ctx) }
