package bolt

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"runtime/debug"

	"github.com/google/uuid"
	bbolt "go.etcd.io/bbolt"

	"github.com/fapiao/fapiao/eventstore"
	"github.com/fapiao/fapiao/eventstore/internal/groupcommit"
)

// Batch bounds: enough to amortise an fsync many times over, small enough
// that one batch neither holds much memory nor delays its first append long.
var groupLimits = groupcommit.Limits{Events: 8192, Bytes: 32 << 20}

// errNothingWritten rolls back a transaction in which every append was
// rejected, sparing an fsync.
var errNothingWritten = errors.New("bolt: nothing written")

// writeGroup is the writer's commit (groupcommit.Queue runs it, always in
// the same goroutine): one transaction for the group.
func (s *Store) writeGroup(group []*groupcommit.Request) {
	// A damaged page met while writing must fail the batch, not the process.
	debug.SetPanicOnFault(true)
	s.arena = s.commit(group, s.arena[:0])
}

// commit writes a batch in one transaction and sets each request's answer.
// It returns the arena for reuse: bbolt needs keys and values to stay put
// until the commit, so they are all carved out of one growing buffer.
func (s *Store) commit(batch []*groupcommit.Request, arena []byte) []byte {
	last := s.last.Load()
	w := batchWriter{pos: last, arena: arena}
	if err := s.Damage(); err != nil {
		for _, r := range batch {
			r.Res, r.Err = eventstore.AppendResult{}, err
		}
		return arena
	}
	err := guard("bolt: commit to "+s.path, func() error {
		return s.db.Update(func(tx *bbolt.Tx) error {
			w.bind(tx)
			for _, r := range batch {
				if err := ctxErr(r.Ctx); err != nil {
					r.Err = err
					continue
				}
				var err error
				r.Contiguous = false
				r.Res, r.Err, err = w.append(r)
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
			r.Res, r.Err = eventstore.AppendResult{}, err
		}
	default:
		err = fmt.Errorf("%w: bolt: commit to %s: %v", eventstore.ErrUnavailable, s.path, mapDBErr(err))
		for _, r := range batch {
			r.Res, r.Err = eventstore.AppendResult{}, err
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
	stream           boltStream // the stream of the append being decided
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
func (w *batchWriter) append(r *groupcommit.Request) (res eventstore.AppendResult, reject, fatal error) {
	start := len(w.arena)
	w.arena = append(w.arena, r.Stream...)
	streamKey := w.carve(start)
	start = len(w.arena)
	w.arena = appendStreamPrefix(w.arena, r.Stream)
	prefix := w.carve(start)

	cur, exists := uint64(0), false
	if v := w.heads.Get(streamKey); v != nil {
		cur, exists = binary.BigEndian.Uint64(v), true
	}
	w.stream = boltStream{w: w, prefix: prefix, cur: cur}
	if write, res, reject, fatal := groupcommit.Decide(r, cur, exists, &w.stream); !write {
		return res, reject, fatal
	}

	if len(r.Events) == 0 {
		return w.head(prefix, cur, exists)
	}
	rev := uint64(0)
	if exists {
		rev = cur + 1
	}
	r.First, r.Contiguous = w.pos+1, true
	for i := range r.Events {
		e := &r.Events[i]
		w.pos++
		start := len(w.arena)
		w.arena = appendUint64(w.arena, w.pos)
		posKey := w.carve(start)
		start = len(w.arena)
		w.arena = appendRecord(w.arena, r.Stream, rev, e)
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

// boltStream is groupcommit.Stream over the batch's transaction: the
// stream with key prefix, whose last revision is cur.
type boltStream struct {
	w      *batchWriter
	prefix []byte
	cur    uint64
}

// RevisionOf finds an event ID among the stream's last IdempotencyWindow
// events.
func (st *boltStream) RevisionOf(id uuid.UUID) (uint64, bool, error) {
	c := st.w.revs.Cursor()
	key := appendUint64(append(make([]byte, 0, len(st.prefix)+8), st.prefix...), st.cur)
	k, v := c.Seek(key)
	for n := 0; n < groupcommit.IdempotencyWindow && k != nil && len(k) == len(st.prefix)+8 && bytes.HasPrefix(k, st.prefix); n++ {
		if len(v) == revValueLen && bytes.Equal(v[8:], id[:]) {
			return binary.BigEndian.Uint64(k[len(st.prefix):]), true, nil
		}
		k, v = c.Prev()
	}
	return 0, false, nil
}

// At returns the ID and position of the event at revision rev.
func (st *boltStream) At(rev uint64) (uuid.UUID, eventstore.Position, bool, error) {
	key := appendUint64(append(make([]byte, 0, len(st.prefix)+8), st.prefix...), rev)
	v := st.w.revs.Get(key)
	if v == nil {
		return uuid.Nil, 0, false, nil
	}
	if len(v) != revValueLen {
		return uuid.Nil, 0, false, errCorrupt
	}
	return uuid.UUID(v[8:]), uint64FromKey(v[:8]), true, nil
}

func (w *batchWriter) positionOf(prefix []byte, rev uint64) (eventstore.Position, error) {
	key := appendUint64(append(make([]byte, 0, len(prefix)+8), prefix...), rev)
	v := w.revs.Get(key)
	if len(v) != revValueLen {
		return 0, errCorrupt
	}
	return uint64FromKey(v[:8]), nil
}
