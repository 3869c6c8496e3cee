package bolt

import (
	"bytes"
	"context"
	"encoding/binary"
	"fmt"
	"sync"

	bbolt "go.etcd.io/bbolt"

	"github.com/fapiao/fapiao/eventstore"
)

// A build of read models that folds one stream at a time (projections'
// per-account rebuild) reads the log through the per-stream index instead
// of in log order: its working set is then one stream, not every stream
// the log touched since its last write. These reads are read-only
// additions beside ReadStream and LendAll.

// StreamNames returns up to limit names of the streams that start with
// prefix and sort after after ("" for the first), in name order, from
// the heads bucket.
func (s *Store) StreamNames(ctx context.Context, prefix, after string, limit int) ([]string, error) {
	if err := s.readable(ctx); err != nil {
		return nil, err
	}
	var names []string
	err := guard(fmt.Sprintf("bolt: list streams %q after %q", prefix, after), func() error {
		return s.db.View(func(tx *bbolt.Tx) error {
			c := tx.Bucket(bucketHeads).Cursor()
			seek := []byte(max(prefix, after))
			for k, _ := c.Seek(seek); k != nil && len(names) < limit; k, _ = c.Next() {
				if !bytes.HasPrefix(k, []byte(prefix)) {
					break
				}
				if string(k) == after {
					continue
				}
				names = append(names, string(k))
			}
			return nil
		})
	})
	return names, s.noteDamage(mapDBErr(err))
}

// LendStream lends the records of stream at positions up to upTo (the
// caller's snapshot of the log: a record appended later is not lent), in
// revision order, a chunk at a time, each inside its read transaction as
// LendAll does: Data and Metadata are lent (the pages read for the chunk,
// reused for the next), valid only until fn returns. It checks what
// ReadStream checks: revisions
// contiguous from 0, each index entry pointing at a record of this stream
// and revision. buf is reused for the chunks when large enough. A stream
// with no head is eventstore.ErrStreamNotFound. fn's error ends the read
// and is returned as it is.
//
// The records lie where the log put them, across the whole file: each is
// read with pread (leafReader), not through the map, and so are the
// stream's index entries and its head (pageCursor).
func (s *Store) LendStream(ctx context.Context, stream string, upTo eventstore.Position, parts eventstore.LendParts, buf []eventstore.Record, fn func([]eventstore.Record) error) error {
	prefix := appendStreamPrefix(nil, stream)
	from := uint64(0)
	ap := leafArenas.Get().(*[]byte)
	defer leafArenas.Put(ap)
	arena := *ap
	defer func() { *ap = arena[:0] }()
	for {
		if err := s.readable(ctx); err != nil {
			return err
		}
		var fnErr error
		more, found := false, true
		err := guard(fmt.Sprintf("bolt: lend stream %q from revision %d", stream, from), func() error {
			return s.db.View(func(tx *bbolt.Tx) error {
				lr, err := newLeafReader(s, tx, arena)
				if err != nil {
					return err
				}
				defer func() { arena = lr.arena }()
				hk, hv, err := newIndexCursor(tx, lr, bucketHeads).seek([]byte(stream))
				if err != nil {
					return fmt.Errorf("bolt: stream %q: reading its head: %w", stream, err)
				}
				if hv == nil || string(hk) != stream {
					found = false
					return nil
				}
				if len(hv) != 8 {
					return corruptf("bolt: stream %q: head entry is %d bytes, not 8", stream, len(hv))
				}
				head := binary.BigEndian.Uint64(hv)
				chunk, size, err := lendStreamChunk(tx, lr, stream, prefix, from, head, upTo, buf[:0])
				if err != nil {
					return err
				}
				if s.sinceRelease.Add(int64(len(chunk))*lentRecordWeight) >= releaseEvery {
					s.sinceRelease.Store(0)
					releaseMapped(s.db, tx)
				}
				if len(chunk) > 0 {
					more = len(chunk) == chunkEvents || size >= chunkBytes
					from = chunk[len(chunk)-1].Revision + 1
					if parts != eventstore.LendWhole { // bolt holds JSON alone: LendForms is LendData
						for i := range chunk {
							chunk[i].Metadata = nil
						}
					}
					fnErr = fn(chunk)
					clear(chunk)
					buf = chunk[:0]
				}
				return nil
			})
		})
		if fnErr != nil {
			return fnErr
		}
		if err := s.noteDamage(mapDBErr(err)); err != nil {
			return err
		}
		if !found {
			return eventstore.ErrStreamNotFound
		}
		if !more {
			return nil
		}
	}
}

// leafArenas hold the pages LendStream reads, from one stream to the next
// (a new arena for each stream was zeroed each time: 7 % of a build's CPU).
var leafArenas = sync.Pool{New: func() any { return new([]byte) }}

// lentRecordWeight is what a record LendStream reads counts towards the
// release of the mapped pages (releaseEvery). Its leaf, its index entry
// and its head are read with pread (leafReader, pageCursor); only the
// buckets' roots, on the root bucket's page, and a small store's inline
// buckets are read through the map. A file the kernel read ahead sits in
// the page cache in large folios, and a fault maps the whole folio (up to
// 2 MiB around one page): while the index was read through the map, its
// pages were released every 256 records to keep serve's cold start on a
// cached 1M-event file under 200 MiB resident (docs/performance.md,
// "Mapped pages and the page cache"). Now every 16 Ki records.
const lentRecordWeight = 1 << 10

// lendStreamChunk is readStreamChunk lending, up to position upTo.
func lendStreamChunk(tx *bbolt.Tx, lr *leafReader, stream string, prefix []byte, from, head uint64, upTo eventstore.Position, chunk []eventstore.Record) ([]eventstore.Record, int, error) {
	c := newIndexCursor(tx, lr, bucketRevs)
	dec := chunkDecoder{lend: true}
	size := 0
	want := from
	defer func() { lentSink.Store(uint32(dec.sink)) }() // the touches are not optimised away
	seek := binary.BigEndian.AppendUint64(append([]byte(nil), prefix...), from)
	k, rv, err := c.seek(seek)
	for ; err == nil && k != nil && bytes.HasPrefix(k, prefix) && len(k) == len(prefix)+8; k, rv, err = c.next() {
		rev := binary.BigEndian.Uint64(k[len(prefix):])
		if rev != want || rev > head {
			return nil, 0, corruptf("bolt: stream %q: index holds revision %d where %d belongs (head %d)", stream, rev, want, head)
		}
		if len(rv) != revValueLen {
			return nil, 0, corruptf("bolt: stream %q revision %d: index entry is %d bytes, not %d", stream, rev, len(rv), revValueLen)
		}
		pos := uint64FromKey(rv[:8])
		if pos > upTo {
			// Appended after the caller's snapshot; so is the rest.
			return chunk, size, nil
		}
		v, err := lr.get(rv[:8])
		if err != nil {
			return nil, 0, fmt.Errorf("bolt: stream %q revision %d, position %d: %w", stream, rev, pos, err)
		}
		if v == nil {
			return nil, 0, corruptf("bolt: stream %q revision %d: index points at position %d, which the log does not hold", stream, rev, pos)
		}
		r, err := dec.decode(pos, v)
		if err != nil {
			return nil, 0, fmt.Errorf("bolt: stream %q revision %d, position %d: %w", stream, rev, pos, err)
		}
		if r.Stream != stream || r.Revision != rev || !bytes.Equal(r.ID[:], rv[8:]) {
			return nil, 0, corruptf("bolt: stream %q revision %d: index points at position %d, which holds %q revision %d", stream, rev, pos, r.Stream, r.Revision)
		}
		chunk = append(chunk, r)
		want++
		size += len(r.Data) + len(r.Metadata)
		if len(chunk) == chunkEvents || size >= chunkBytes {
			return chunk, size, nil
		}
	}
	if err != nil {
		return nil, 0, fmt.Errorf("bolt: stream %q: reading the index from revision %d: %w", stream, want, err)
	}
	if want != head+1 {
		return nil, 0, corruptf("bolt: stream %q: head says revision %d but the index ends before revision %d", stream, head, want)
	}
	return chunk, size, nil
}

var _ eventstore.StreamLender = (*Store)(nil)
