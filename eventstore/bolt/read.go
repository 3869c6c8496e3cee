package bolt

import (
	"bytes"
	"context"
	"encoding/binary"
	"fmt"
	"iter"
	"sync/atomic"

	bbolt "go.etcd.io/bbolt"

	"github.com/fapiao/fapiao/eventstore"
	"github.com/fapiao/fapiao/eventstore/internal/chunked"
)

// Reads copy events out in chunks, one read transaction each, and yield
// them outside it: a slow consumer then neither pins an old snapshot (which
// would stop bbolt reusing pages and block remapping) nor holds up Close.
const (
	chunkEvents = 1000
	chunkBytes  = 4 << 20
)

// ReadStream implements eventstore.Store. It checks what it reads against
// the stream's head and the log: revisions contiguous up to the head, each
// index entry pointing at a record of this stream and revision. A damaged
// index is then an error wrapping eventstore.ErrCorrupt, not a stream that
// silently looks shorter (which the ledger would retry for ever).
func (s *Store) ReadStream(ctx context.Context, stream string, from uint64) iter.Seq2[eventstore.Record, error] {
	return func(yield func(eventstore.Record, error) bool) {
		prefix := appendStreamPrefix(nil, stream)
		first := true
		for {
			if err := s.readable(ctx); err != nil {
				yield(eventstore.Record{}, err)
				return
			}
			var chunk []eventstore.Record
			found := true
			err := guard(fmt.Sprintf("bolt: read stream %q from revision %d", stream, from), func() error {
				return s.db.View(func(tx *bbolt.Tx) error {
					hv := tx.Bucket(bucketHeads).Get([]byte(stream))
					if hv == nil {
						if first {
							found = false
							return nil
						}
						return corruptf("bolt: stream %q: its head vanished while reading", stream)
					}
					if len(hv) != 8 {
						return corruptf("bolt: stream %q: head entry is %d bytes, not 8", stream, len(hv))
					}
					head := binary.BigEndian.Uint64(hv)
					// A reader that is up to date (the ledger catching up
					// before each command) needs no seek in the index.
					if head < from {
						return nil
					}
					var err error
					chunk, err = readStreamChunk(tx, stream, prefix, from, head)
					return err
				})
			})
			if err != nil {
				yield(eventstore.Record{}, s.noteDamage(mapDBErr(err)))
				return
			}
			if !found {
				yield(eventstore.Record{}, eventstore.ErrStreamNotFound)
				return
			}
			first = false
			if !chunked.YieldAll(ctx, chunk, yield) || !chunkFull(chunk) {
				return
			}
			from = chunk[len(chunk)-1].Revision + 1
		}
	}
}

// readStreamChunk reads the stream's events from revision from (at most
// head, its last revision) and checks each against the index and the log.
func readStreamChunk(tx *bbolt.Tx, stream string, prefix []byte, from, head uint64) ([]eventstore.Record, error) {
	log := tx.Bucket(bucketLog)
	c := tx.Bucket(bucketRevs).Cursor()
	var chunk []eventstore.Record
	var dec chunkDecoder
	size := 0
	want := from
	seek := binary.BigEndian.AppendUint64(append([]byte(nil), prefix...), from)
	for k, rv := c.Seek(seek); k != nil && bytes.HasPrefix(k, prefix) && len(k) == len(prefix)+8; k, rv = c.Next() {
		rev := binary.BigEndian.Uint64(k[len(prefix):])
		if rev != want || rev > head {
			return nil, corruptf("bolt: stream %q: index holds revision %d where %d belongs (head %d)", stream, rev, want, head)
		}
		if len(rv) != revValueLen {
			return nil, corruptf("bolt: stream %q revision %d: index entry is %d bytes, not %d", stream, rev, len(rv), revValueLen)
		}
		pos := uint64FromKey(rv[:8])
		v := log.Get(rv[:8])
		if v == nil {
			return nil, corruptf("bolt: stream %q revision %d: index points at position %d, which the log does not hold", stream, rev, pos)
		}
		r, err := dec.decode(pos, v)
		if err != nil {
			return nil, fmt.Errorf("bolt: stream %q revision %d, position %d: %w", stream, rev, pos, err)
		}
		if r.Stream != stream || r.Revision != rev || !bytes.Equal(r.ID[:], rv[8:]) {
			return nil, corruptf("bolt: stream %q revision %d: index points at position %d, which holds %q revision %d", stream, rev, pos, r.Stream, r.Revision)
		}
		chunk = append(chunk, r)
		want++
		size += len(r.Data) + len(r.Metadata)
		if len(chunk) == chunkEvents || size >= chunkBytes {
			return chunk, nil
		}
	}
	if want != head+1 {
		return nil, corruptf("bolt: stream %q: head says revision %d but the index ends before revision %d", stream, head, want)
	}
	return chunk, nil
}

// ReadAll implements eventstore.Store.
func (s *Store) ReadAll(ctx context.Context, after eventstore.Position) iter.Seq2[eventstore.Record, error] {
	return func(yield func(eventstore.Record, error) bool) {
		var ra readahead
		for {
			if err := s.readable(ctx); err != nil {
				yield(eventstore.Record{}, err)
				return
			}
			chunk, err := s.readAllChunk(after, &ra)
			if err != nil {
				yield(eventstore.Record{}, err)
				return
			}
			if !chunked.YieldAll(ctx, chunk, yield) || !chunkFull(chunk) {
				return
			}
			after = chunk[len(chunk)-1].Position
		}
	}
}

func (s *Store) readAllChunk(after eventstore.Position, ra *readahead) ([]eventstore.Record, error) {
	var chunk []eventstore.Record
	err := s.viewChunk(after, ra, false, nil, func(c []eventstore.Record) error {
		chunk = c
		return nil
	})
	return chunk, err
}

// viewChunk reads the chunk of the log after position after in one read
// transaction and calls fn with it inside. Lent, the records' Data and
// Metadata are the mapped file's bytes, valid only until fn returns;
// otherwise they are copies the caller may keep. fn's error is returned
// as it is.
// A lent read passes buf, reused for the chunk when it is large enough
// (its records are lent too: valid only until fn returns).
func (s *Store) viewChunk(after eventstore.Position, ra *readahead, lend bool, buf []eventstore.Record, fn func([]eventstore.Record) error) error {
	// Sized from the last committed position: growing the slice by
	// appending allocated (and had the collector scan) about three times
	// the records' headers. A commit meanwhile only makes it grow again.
	var chunk []eventstore.Record
	if last := s.last.Load(); last > after {
		if n := min(last-after, chunkEvents); uint64(cap(buf)) >= n {
			chunk = buf[:0]
		} else {
			chunk = make([]eventstore.Record, 0, n)
		}
	}
	var fnErr error
	err := guard(fmt.Sprintf("bolt: read the log after position %d", after), func() error {
		return s.db.View(func(tx *bbolt.Tx) error {
			c := tx.Bucket(bucketLog).Cursor()
			dec := chunkDecoder{lend: lend}
			size := 0
			var last []byte
			want := after + 1
			for k, v := c.Seek(appendUint64(nil, after+1)); k != nil; k, v = c.Next() {
				if len(k) != 8 {
					return corruptf("bolt: log key after position %d is %d bytes, not 8", want-1, len(k))
				}
				pos := uint64FromKey(k)
				if pos != want {
					// bolt's positions are 1, 2, 3, …: a gap is a lost record
					// or a damaged key.
					return corruptf("bolt: log holds position %d where %d belongs", pos, want)
				}
				want++
				r, err := dec.decode(pos, v)
				if err != nil {
					return fmt.Errorf("bolt: position %d: %w", pos, err)
				}
				chunk = append(chunk, r)
				last = v
				size += len(r.Data) + len(r.Metadata)
				if len(chunk) == chunkEvents || size >= chunkBytes {
					break
				}
			}
			ra.prefetch(s.db, tx, last)
			if lend {
				lentSink.Store(uint32(dec.sink)) // the touches are not optimised away
			}
			fnErr = fn(chunk)
			// A replay reads the whole file once: every page it touched would
			// stay in the resident set (and in the server's peak RSS) though
			// the records were copied out. Every releaseEvery bytes, let go.
			if s.sinceRelease.Add(int64(size)) >= releaseEvery {
				s.sinceRelease.Store(0)
				releaseMapped(s.db, tx)
			}
			return nil
		})
	})
	if fnErr != nil {
		return fnErr
	}
	return s.noteDamage(mapDBErr(err))
}

// lentSink keeps what lent reads touched.
var lentSink atomic.Uint32

// LendAll reads the log after position after like ReadAll, with its
// checks, but lends the records instead of copying them: fn gets a chunk
// at a time inside the chunk's read transaction, and each record's Data
// and Metadata are the mapped file's bytes, valid only until fn returns.
// A bulk fold that decodes every event inside fn and keeps none of the
// bytes is spared ReadAll's copy of the whole log (a rebuild's largest
// allocation). Every page a record lies on has been read once before fn
// sees it, under the fault guard. The chunk's slice is lent as well (one
// for the whole read: at a million records, its headers were 120 MB of
// allocation). fn's error ends the read and is returned as it is.
func (s *Store) LendAll(ctx context.Context, after eventstore.Position, fn func([]eventstore.Record) error) error {
	var ra readahead
	var buf []eventstore.Record
	for {
		if err := s.readable(ctx); err != nil {
			return err
		}
		var n int
		var next eventstore.Position
		full := false
		err := s.viewChunk(after, &ra, true, buf, func(chunk []eventstore.Record) error {
			n, full = len(chunk), chunkFull(chunk)
			if n == 0 {
				return nil
			}
			next = chunk[n-1].Position
			err := fn(chunk)
			clear(chunk) // nothing kept alive, nor pointing into the map
			buf = chunk[:0]
			return err
		})
		if err != nil || n == 0 || !full {
			return err
		}
		after = next
	}
}

// releaseEvery is how many bytes of log a scan reads before the pages of
// the mapped file are released from the resident set.
const releaseEvery = 16 << 20

// Subscribe implements eventstore.Store. It reads the log in chunks like
// ReadAll; once a read finds nothing new it signals caught-up and waits for
// the writer's next commit, so live events arrive without polling.
func (s *Store) Subscribe(ctx context.Context, after eventstore.Position) iter.Seq2[eventstore.Message, error] {
	var ra readahead
	return chunked.Follow(ctx, after, chunked.Watched(s.watch, s.last.Load, func(after eventstore.Position) ([]eventstore.Record, error) {
		return s.readAllChunk(after, &ra)
	}))
}

// readable says why a read cannot go on, if it cannot.
func (s *Store) readable(ctx context.Context) error {
	if s.isClosed() {
		return eventstore.ErrClosed
	}
	return ctxErr(ctx)
}

// chunkFull reports whether a read stopped at a chunk limit, so more may follow.
func chunkFull(chunk []eventstore.Record) bool {
	if len(chunk) >= chunkEvents {
		return true
	}
	size := 0
	for _, r := range chunk {
		size += len(r.Data) + len(r.Metadata)
	}
	return size >= chunkBytes
}
