package bolt

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"runtime/debug"

	bbolt "go.etcd.io/bbolt"

	"github.com/fapiao/fapiao/eventstore"
)

// Batch bounds: enough to amortise an fsync many times over, small enough
// that one batch neither holds much memory nor delays its first append long.
const (
	maxBatchEvents = 8192
	maxBatchBytes  = 32 << 20
)

// errNothingWritten rolls back a transaction in which every append was
// rejected, sparing an fsync.
var errNothingWritten = errors.New("bolt: nothing written")

// writer is the only goroutine that writes. It takes the first pending
// append, drains every other one already waiting, commits them in one
// transaction and answers them all. There is no timer: under load the queue
// fills while a commit runs, so batches grow by themselves.
func (s *Store) writer() {
	defer close(s.writerDone)
	// A damaged page met while writing must fail the batch, not the process.
	debug.SetPanicOnFault(true)
	batch := make([]*request, 0, 256)
	var arena []byte
	for {
		batch = batch[:0]
		select {
		case r := <-s.reqs:
			batch = append(batch, r)
		case <-s.quit:
			s.refuseQueued()
			return
		}
		events, size := len(batch[0].events), batch[0].size
	drain:
		for events < maxBatchEvents && size < maxBatchBytes {
			select {
			case r := <-s.reqs:
				batch = append(batch, r)
				events += len(r.events)
				size += r.size
			default:
				break drain
			}
		}
		arena = s.commit(batch, arena[:0])
		for i, r := range batch {
			r.done <- struct{}{}
			batch[i] = nil
		}
	}
}

// refuseQueued answers the appends still queued at Close.
func (s *Store) refuseQueued() {
	for {
		select {
		case r := <-s.reqs:
			r.err = eventstore.ErrClosed
			r.done <- struct{}{}
		default:
			return
		}
	}
}

// commit writes a batch in one transaction and sets each request's answer.
// It returns the arena for reuse: bbolt needs keys and values to stay put
// until the commit, so they are all carved out of one growing buffer.
func (s *Store) commit(batch []*request, arena []byte) []byte {
	last := s.last.Load()
	w := batchWriter{pos: last, arena: arena}
	if err := s.Damage(); err != nil {
		for _, r := range batch {
			r.res, r.err = eventstore.AppendResult{}, err
		}
		return arena
	}
	err := guard("bolt: commit to "+s.path, func() error {
		return s.db.Update(func(tx *bbolt.Tx) error {
			w.bind(tx)
			for _, r := range batch {
				if err := ctxErr(r.ctx); err != nil {
					r.err = err
					continue
				}
				var err error
				r.contiguous = false
				r.res, r.err, err = w.append(r)
				if err != nil {
					return err
				}
			}
			if w.pos == last {
				return errNothingWritten
			}
			return nil
		})
	})
	switch {
	case err == nil:
		s.commits.Add(1)
		s.committed.Add(w.pos - last)
		s.publish(w.pos)
	case errors.Is(err, errNothingWritten):
	case errors.Is(err, eventstore.ErrCorrupt):
		// Nothing of the batch is committed (bbolt rolled it back), and
		// nothing more will be: the file needs an operator.
		err = s.noteDamage(fmt.Errorf("bolt: commit to %s: %w", s.path, err))
		for _, r := range batch {
			r.res, r.err = eventstore.AppendResult{}, err
		}
	default:
		err = fmt.Errorf("%w: bolt: commit to %s: %v", eventstore.ErrUnavailable, s.path, mapDBErr(err))
		for _, r := range batch {
			r.res, r.err = eventstore.AppendResult{}, err
		}
	}
	return w.arena
}

// batchWriter applies appends inside one write transaction. Each append
// sees the state left by the appends before it in the same batch.
type batchWriter struct {
	log, revs, heads *bbolt.Bucket
	pos              eventstore.Position // last position written
	arena            []byte
}

func (w *batchWriter) bind(tx *bbolt.Tx) {
	w.log = tx.Bucket(bucketLog)
	w.revs = tx.Bucket(bucketRevs)
	w.heads = tx.Bucket(bucketHeads)
	// The log's keys only ever grow, so a split page is never written to
	// again: fill it (bbolt's default of half leaves the log file, and what
	// a replay maps into memory, twice the size of the events). FillPercent
	// is not persisted; it applies to this transaction.
	w.log.FillPercent = logFillPercent
}

// logFillPercent is how full the log bucket's pages are left when split.
const logFillPercent = 1.0

// carve appends to the arena and returns the appended part.
func (w *batchWriter) carve(start int) []byte { return w.arena[start:len(w.arena):len(w.arena)] }

// append applies one request. reject is the request's own failure (nothing
// of it written); fatal aborts the whole transaction.
func (w *batchWriter) append(r *request) (res eventstore.AppendResult, reject, fatal error) {
	start := len(w.arena)
	w.arena = append(w.arena, r.stream...)
	streamKey := w.carve(start)
	start = len(w.arena)
	w.arena = appendStreamPrefix(w.arena, r.stream)
	prefix := w.carve(start)

	cur, exists := uint64(0), false
	if v := w.heads.Get(streamKey); v != nil {
		cur, exists = binary.BigEndian.Uint64(v), true
	}
	wrong := func() error {
		return &eventstore.WrongExpectedVersionError{Stream: r.stream, Expected: r.expected, Actual: cur, ActualExists: exists}
	}

	// EventStoreDB's rules, in its order: a retry of events already written
	// right after the expected revision succeeds without writing.
	switch {
	case r.expected.IsAny(), r.expected.IsStreamExists():
		if r.expected.IsStreamExists() && !exists {
			return res, wrong(), nil
		}
		if len(r.events) > 0 && exists {
			if rev, ok := w.revisionOf(r.events[0].ID, prefix, cur); ok {
				if res, ok, err := w.writtenAt(prefix, rev, r); err != nil || ok {
					return res, nil, err
				}
				return res, wrong(), nil
			}
		}
	default:
		// NoStream is "expected revision -1": following revisions start at 0.
		next := uint64(0)
		if rev, ok := r.expected.Revision(); ok {
			if !exists || rev > cur {
				return res, wrong(), nil
			}
			next = rev + 1
		}
		if exists && next <= cur {
			if len(r.events) > 0 {
				if res, ok, err := w.writtenAt(prefix, next, r); err != nil || ok {
					return res, nil, err
				}
			}
			return res, wrong(), nil
		}
	}

	if len(r.events) == 0 {
		return w.head(prefix, cur, exists)
	}
	rev := uint64(0)
	if exists {
		rev = cur + 1
	}
	r.first, r.contiguous = w.pos+1, true
	for i := range r.events {
		e := &r.events[i]
		w.pos++
		start := len(w.arena)
		w.arena = appendUint64(w.arena, w.pos)
		posKey := w.carve(start)
		start = len(w.arena)
		w.arena = appendRecord(w.arena, r.stream, rev, e)
		if err := w.log.Put(posKey, w.carve(start)); err != nil {
			return res, nil, err
		}
		start = len(w.arena)
		w.arena = appendUint64(append(w.arena, prefix...), rev)
		revKey := w.carve(start)
		start = len(w.arena)
		w.arena = append(append(w.arena, posKey...), e.ID[:]...)
		if err := w.revs.Put(revKey, w.carve(start)); err != nil {
			return res, nil, err
		}
		rev++
	}
	start = len(w.arena)
	w.arena = appendUint64(w.arena, rev-1)
	if err := w.heads.Put(streamKey, w.carve(start)); err != nil {
		return res, nil, err
	}
	return eventstore.AppendResult{NextExpectedRevision: rev - 1, Position: w.pos}, nil, nil
}

// head answers an append of no events: the stream's state as it is.
func (w *batchWriter) head(prefix []byte, cur uint64, exists bool) (res eventstore.AppendResult, reject, fatal error) {
	if !exists {
		return res, nil, nil
	}
	pos, err := w.positionOf(prefix, cur)
	return eventstore.AppendResult{NextExpectedRevision: cur, Position: pos}, nil, err
}

// idempotencyWindow is how far back in a stream an append with Any or
// StreamExists looks for its first event's ID. EventStoreDB too remembers
// recent event IDs only (a bounded cache); a global ID index would cost
// every append a random B-tree write, about a third of its pages.
const idempotencyWindow = 4096

// revisionOf finds an event ID among the last idempotencyWindow events of
// the stream whose last revision is cur.
func (w *batchWriter) revisionOf(id [16]byte, prefix []byte, cur uint64) (uint64, bool) {
	c := w.revs.Cursor()
	key := appendUint64(append(make([]byte, 0, len(prefix)+8), prefix...), cur)
	k, v := c.Seek(key)
	for n := 0; n < idempotencyWindow && k != nil && len(k) == len(prefix)+8 && bytes.HasPrefix(k, prefix); n++ {
		if len(v) == revValueLen && bytes.Equal(v[8:], id[:]) {
			return binary.BigEndian.Uint64(k[len(prefix):]), true
		}
		k, v = c.Prev()
	}
	return 0, false
}

// writtenAt reports whether r's events already sit in the stream at
// revisions from, from+1, … and if so the result their append had (and, in
// r, whether their positions are consecutive).
func (w *batchWriter) writtenAt(prefix []byte, from uint64, r *request) (eventstore.AppendResult, bool, error) {
	var res eventstore.AppendResult
	events := r.events
	key := make([]byte, 0, len(prefix)+8)
	r.contiguous = true
	for i := range events {
		key = appendUint64(append(key[:0], prefix...), from+uint64(i))
		v := w.revs.Get(key)
		if v == nil {
			return res, false, nil
		}
		if len(v) != revValueLen {
			return res, false, errCorrupt
		}
		if !bytes.Equal(v[8:], events[i].ID[:]) {
			return res, false, nil
		}
		pos := uint64FromKey(v[:8])
		if i == 0 {
			r.first = pos
		} else if pos != res.Position+1 {
			r.contiguous = false
		}
		res = eventstore.AppendResult{NextExpectedRevision: from + uint64(i), Position: pos}
	}
	return res, true, nil
}

func (w *batchWriter) positionOf(prefix []byte, rev uint64) (eventstore.Position, error) {
	key := appendUint64(append(make([]byte, 0, len(prefix)+8), prefix...), rev)
	v := w.revs.Get(key)
	if len(v) != revValueLen {
		return 0, errCorrupt
	}
	return uint64FromKey(v[:8]), nil
}
