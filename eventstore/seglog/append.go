package seglog

import (
	"context"
	"fmt"
	"hash/crc32"
	"sync"

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
	if err == nil {
		err = s.q.Admit(ctx, func() error {
			if s.opts.ReadOnly {
				return fmt.Errorf("seglog: append to %q: %w", stream, eventstore.ErrReadOnly)
			}
			return nil
		})
	}
	if err != nil {
		return eventstore.AppendResult{}, err
	}
	// The events go to the writer encoded (encoded here, by each appending
	// goroutine, not by the one writer): each as its ID and, in Data, its
	// record's tail. The queue and the expected-revision decision read
	// only IDs; the writer only copies the tails.
	enc := encodedPool.Get().(*encoded)
	defer enc.release()
	return s.q.Submit(ctx, stream, expected, enc.encode(stream, events), size)
}

// AppendAtomic implements eventstore.AtomicAppender: the parts go to the
// writer as one request and are staged in one group, all of them or none
// (a group is all-or-nothing on disk too: one CRC, and recovery drops a
// torn group whole). The ledger appends an issued invoice's number
// reservation with the account's events this way: one group commit
// instead of two in a row.
func (s *Store) AppendAtomic(ctx context.Context, parts []eventstore.StreamAppend) ([]eventstore.AppendResult, error) {
	if len(parts) == 0 {
		return nil, fmt.Errorf("seglog: an atomic append of no streams")
	}
	total := 0
	for i, p := range parts {
		size, err := checkAppend(p.Stream, p.Events)
		if err != nil {
			return nil, err
		}
		if len(p.Events) == 0 {
			return nil, fmt.Errorf("seglog: atomic append to %q: no events", p.Stream)
		}
		for _, q := range parts[:i] {
			if q.Stream == p.Stream {
				return nil, fmt.Errorf("seglog: atomic append: stream %q twice", p.Stream)
			}
		}
		total += size
	}
	if total > maxAppendBytes {
		return nil, fmt.Errorf("seglog: atomic append: %d bytes in one append, over the limit of %d", total, maxAppendBytes)
	}
	if err := s.q.Admit(ctx, func() error {
		if s.opts.ReadOnly {
			return fmt.Errorf("seglog: atomic append: %w", eventstore.ErrReadOnly)
		}
		return nil
	}); err != nil {
		return nil, err
	}
	// Most often two parts (the ledger's account and its reservation):
	// their encodings stay on the stack.
	var encsBuf [4]*encoded
	var encBuf [4]eventstore.StreamAppend
	encs, enc := encsBuf[:0], encBuf[:0]
	for _, p := range parts {
		e := encodedPool.Get().(*encoded)
		encs = append(encs, e)
		enc = append(enc, eventstore.StreamAppend{Stream: p.Stream, Expected: p.Expected, Events: e.encode(p.Stream, p.Events)})
	}
	defer func() {
		for _, e := range encs {
			e.release()
		}
	}()
	return s.q.SubmitAtomic(ctx, enc, total)
}

// stageAtomic stages an atomic append's parts (r and r.More): first every
// part is decided against its stream, and a refusal of any answers them all
// with it and stages nothing; then each part is staged (decided again, to
// the same answer: the streams are distinct, so staging one leaves the
// others as they were). Called by the writer under ix.mu.
func (s *Store) stageAtomic(r *groupcommit.Request) {
	// An atomic append is most often two parts (the ledger's account and
	// its reservation): the parts and their streams stay on the stack.
	var (
		pbuf [4]*groupcommit.Request
		sbuf [4]*streamIndex
	)
	parts := append(append(pbuf[:0], r), r.More...)
	sts := sbuf[:0]
	for _, p := range parts {
		st := s.ix.streams[p.Stream]
		sts = append(sts, st)
		cur, exists := uint64(0), st != nil && len(st.entries) > 0
		if exists {
			cur = uint64(len(st.entries) - 1)
		}
		if _, _, reject, _ := groupcommit.Decide(p, cur, exists, st); reject != nil {
			for _, q := range parts {
				q.Res, q.Err = eventstore.AppendResult{}, reject
			}
			return
		}
	}
	// Each part's stream as looked up above: staging one part neither
	// adds nor replaces another's (the streams are distinct).
	for i, p := range parts {
		p.Res, p.Err = s.stage(p, sts[i])
	}
}

// encoded is an append's events as the writer takes them. Pooled: the
// writer is done with them once Submit returns.
type encoded struct {
	events []eventstore.EventData
	tails  []byte
	ends   []int
	enc    encoder
}

var encodedPool = sync.Pool{New: func() any { return new(encoded) }}

// maxPooledTails bounds the encoding buffer a pooled encoded keeps.
const maxPooledTails = 1 << 20

func (e *encoded) release() {
	// The events hold an ID and a slice of e.tails, nothing else: kept
	// in the pool, they pin only what e pins already, and are written
	// over by the next encode (clearing them was a write of every event
	// again, with the collector's barriers while it marks).
	if cap(e.tails) > maxPooledTails {
		clear(e.events)
		e.tails = nil // one huge append does not pin its buffer in the pool
	}
	encodedPool.Put(e)
}

// encode returns events with each one's Data replaced by its encoded tail
// (appendTail) and the rest but the ID left out.
func (e *encoded) encode(stream string, events []eventstore.EventData) []eventstore.EventData {
	e.tails, e.ends = e.tails[:0], e.ends[:0]
	for i := range events {
		e.tails = e.enc.appendTail(e.tails, stream, &events[i])
		e.ends = append(e.ends, len(e.tails))
	}
	e.events = e.events[:0]
	start := 0
	for i, end := range e.ends {
		e.events = append(e.events, eventstore.EventData{ID: events[i].ID, Data: e.tails[start:end:end]})
		start = end
	}
	return e.events
}

// stage checks one append against its stream (as left by the appends before
// it in the same group) and, if it holds, adds its records to the group and
// its entries to the index, uncommitted. st is r's stream in the index
// (nil for a new one), looked up by the caller. Called by the writer
// under ix.mu.
func (s *Store) stage(r *groupcommit.Request, st *streamIndex) (eventstore.AppendResult, error) {
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
		st = s.ix.newStream(r.Stream, len(r.Events))
		s.ix.streamsGen++
	}
	w := &s.w
	w.staged = append(w.staged, st)
	rev := uint64(len(st.entries))
	r.First, r.Contiguous = w.next, true
	for i := range r.Events {
		e := &r.Events[i] // ID and encoded tail (Append)
		n := recordBodyLen(r.Stream, rev, e.Data)
		// Offsets are relative to the payload until the group is placed.
		off := len(w.buf) - groupHeadLen + uvarintLen(uint64(n))
		w.buf = appendRecord(w.buf, r.Stream, rev, (*[16]byte)(&e.ID), e.Data)
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
