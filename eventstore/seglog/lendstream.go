package seglog

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"sync"

	"github.com/fapiao/fapiao/eventstore"
	"github.com/fapiao/fapiao/eventstore/internal/lenprefix"
)

// A build of read models that folds one stream at a time (projections'
// per-account rebuild) reads the log through the per-stream index; these
// are read-only additions beside ReadStream. The log's positions are 1, 2,
// 3, … (locs is by position).

// StreamNames returns up to limit names of the streams that start with
// prefix and sort after after ("" for the first), in name order.
func (s *Store) StreamNames(ctx context.Context, prefix, after string, limit int) ([]string, error) {
	if err := s.readable(ctx); err != nil {
		return nil, err
	}
	all := s.ix.sortedNames(prefix)
	var names []string
	s.ix.mu.RLock()
	defer s.ix.mu.RUnlock()
	for i, _ := slices.BinarySearch(all, after); i < len(all) && len(names) < limit; i++ {
		name := all[i]
		if st := s.ix.streams[name]; name > after && st != nil && st.committed > 0 {
			names = append(names, name)
		}
	}
	return names, nil
}

// sortedNames is the names of the streams with one prefix, in order,
// sorted again only once a stream has come or gone or another prefix is
// asked for: a per-account build asks for the names a page at a time, and
// scanning and sorting the whole index for each page made listing n
// accounts cost n²/page. Only the prefix's names are sorted: on the 1M
// log the accounts are 10 000 of 146 000 streams (the rest are invoice
// numbers' reservations), and the first page waited for the whole sort.
type sortedNames struct {
	mu     sync.Mutex
	list   []string
	prefix string
	gen    uint64 // index.streamsGen when list was made
}

// sortedNames returns the index's stream names with prefix in order, as of
// the call; the list is shared and never changed: it must not be written
// to.
func (ix *index) sortedNames(prefix string) []string {
	ix.names.mu.Lock()
	defer ix.names.mu.Unlock()
	ix.mu.RLock()
	gen := ix.streamsGen
	if ix.names.list != nil && ix.names.gen == gen && ix.names.prefix == prefix {
		ix.mu.RUnlock()
		return ix.names.list
	}
	list := []string{}
	for name := range ix.streams {
		if strings.HasPrefix(name, prefix) {
			list = append(list, name)
		}
	}
	ix.mu.RUnlock()
	slices.Sort(list)
	ix.names.list, ix.names.prefix, ix.names.gen = list, prefix, gen
	return list
}

// LendStream lends fn the records of stream at positions up to upTo (the
// caller's snapshot of the log), in revision order, a chunk at a time:
// Data and Metadata lie in an arena that the next chunk reuses, valid only
// until fn returns, as bolt's loan is. Stream is the caller's own string
// and Type one of a pooled table's, so a record keeps no allocation of its
// own. It checks that each record read is the stream's and revision's the
// index says. buf is reused for the chunks. A stream with no events is
// eventstore.ErrStreamNotFound; fn's error ends the read and is returned
// as it is.
//
// A rebuild reads every account this way: ReadStream's fresh arena, record
// slice and span list for each stream were 0.9 KB of garbage an event, and
// the collections they caused were most of what a rebuild on the log cost
// beyond one on bolt (docs/performance.md, "Rebuild on the segmented log").
func (s *Store) LendStream(ctx context.Context, stream string, upTo eventstore.Position, parts eventstore.LendParts, buf []eventstore.Record, fn func([]eventstore.Record) error) error {
	l := lenders.Get().(*lender)
	defer l.release()
	l.meta, l.forms = parts == eventstore.LendWhole, parts == eventstore.LendForms
	from := 0
	for {
		if err := s.readable(ctx); err != nil {
			return err
		}
		spans, more, found := s.lendSpans(stream, from, upTo, l.spans[:0])
		l.spans = spans
		if !found {
			return eventstore.ErrStreamNotFound
		}
		if len(spans) == 0 {
			return nil
		}
		chunk, err := l.read(s, stream, uint64(from), spans, buf[:0])
		if err != nil {
			return err
		}
		err = fn(chunk)
		clear(chunk) // the pooled arena is not kept alive through buf
		buf = chunk[:0]
		if err != nil || !more {
			return err
		}
		from += len(spans)
	}
}

// lendSpans appends to spans the records of stream from revision from, up
// to position upTo, a chunk's worth (chunkEvents, or chunkBytes stored);
// more says the stream has records after them for a next chunk.
func (s *Store) lendSpans(stream string, from int, upTo eventstore.Position, spans []span) (_ []span, more, found bool) {
	s.ix.mu.RLock()
	defer s.ix.mu.RUnlock()
	st := s.ix.streams[stream]
	if st == nil || st.committed == 0 {
		return spans, false, false
	}
	size := 0
	for i := from; i < st.committed; i++ {
		if len(spans) == chunkEvents || size >= chunkBytes {
			return spans, true, true
		}
		e := st.entries[i]
		if e.pos > upTo {
			break // appended after the snapshot; so is the rest
		}
		l := s.ix.locs[e.pos-1]
		seg := s.ix.segs[l.seg]
		spans = append(spans, span{pos: e.pos, seg: seg, ver: seg.version, loc: l})
		size += int(l.n)
	}
	return spans, false, true
}

// lender is one LendStream's buffers, pooled from one stream to the next.
type lender struct {
	spans []span
	buf   []byte // the bytes read, decoded out of
	arena []byte // the records' Data and Metadata, lent
	types *interner
	td    tailDecoder
	meta  bool // lend the records' metadata (LendWhole)
	forms bool // lend a statement in its form (LendForms)
}

var lenders = sync.Pool{New: func() any { return &lender{types: newInterner()} }}

// lendMaxGap is maxGap for LendStream: the most bytes between two of a
// stream's records that one read spans. An account's events of a month
// often lie a few KiB apart (in the 1M bench log, 864 000 records of
// accounts take 335 000 reads at 256 bytes, 234 000 at 4 KiB, for 30 %
// more bytes copied): a read saved is worth more than the copy.
const lendMaxGap = 4 << 10

// maxLendArena is the largest arena a lender keeps for the next stream.
const maxLendArena = 16 << 20

func (l *lender) release() {
	if cap(l.arena) > maxLendArena {
		l.arena = nil
	}
	if cap(l.buf) > maxLendArena {
		l.buf = nil
	}
	lenders.Put(l)
}

// read reads and decodes spans, the records of stream from revision rev
// on, appending them to out. Records lying close together in one file are
// read at once, as readSpansTo does.
func (l *lender) read(s *Store, stream string, rev uint64, spans []span, out []eventstore.Record) ([]eventstore.Record, error) {
	arena := l.arena[:0]
	if arena == nil {
		arena = make([]byte, 0, 64<<10) // non-nil: empty Data reads as empty, not absent
	}
	rr := runRecords{s: s, buf: &l.buf, spans: spans, gap: lendMaxGap}
	err := rr.each(func(sp span, rec []byte) error {
		r, a, ok := l.decode(sp, rec, stream, rev, arena)
		if arena = a; !ok {
			return fmt.Errorf("%w: record at position %d does not decode as revision %d of stream %q", ErrCorrupt, sp.pos, rev, stream)
		}
		out = append(out, r)
		rev++
		return nil
	})
	l.arena = arena
	if err != nil {
		return nil, err
	}
	return out, nil
}

// decode is decodeRecord for a record known to be revision rev of stream:
// it reports false unless the body says so, and takes the names from the
// caller and the lender's table rather than making strings.
func (l *lender) decode(sp span, body []byte, stream string, rev uint64, arena []byte) (eventstore.Record, []byte, bool) {
	d := lenprefix.Decoder{Buf: body}
	r := eventstore.Record{Position: sp.pos, Stream: stream}
	name := d.Bytes()
	r.Revision = d.Uvarint()
	copy(r.ID[:], d.Take(16))
	if d.Bad || string(name) != stream || r.Revision != rev {
		return r, arena, false
	}
	kind := byte(kindRaw)
	if sp.ver != rawVersion {
		k := d.Take(1)
		if d.Bad {
			return r, arena, false
		}
		kind = k[0]
	}
	switch kind {
	case kindRaw:
		typ, data, meta := d.Bytes(), d.Bytes(), d.Bytes()
		if d.Bad || len(d.Buf) != 0 {
			return r, arena, false
		}
		r.Type = l.types.get(typ)
		if !l.meta {
			r.Data, _, arena = appendRecordBytes(arena, data, nil)
			return r, arena, true
		}
		r.Data, r.Metadata, arena = appendRecordBytes(arena, data, meta)
		return r, arena, true
	case kindEnvelope:
		l.td.stream, l.td.n = name, 0
		out, typ, data, meta, ok := l.td.decode(arena, d.Buf, l.meta)
		if !ok {
			return r, arena, false
		}
		if tok := d.Buf[0]; tok >= tokDict && tok < tokDictExt {
			r.Type = dictionary[tok-tokDict] // fapiao's event types: no lookup
		} else {
			r.Type = l.types.get(typ)
		}
		r.Data, r.Metadata = data, meta
		return r, out, true
	case kindStatement:
		if sp.ver < formatVersion {
			return r, arena, false
		}
		r.Type = statementType
		if l.forms {
			f := lenprefix.Decoder{Buf: d.Buf}
			form := f.Bytes()
			if f.Bad {
				return r, arena, false
			}
			n := len(arena)
			arena = append(arena, form...) // the read buffer is the next run's
			r.Data, r.Form = arena[n:len(arena):len(arena)], eventstore.FormStatement
			return r, arena, true
		}
		out, data, meta, ok := decodeStatement(arena, name, d.Buf, l.meta)
		if !ok {
			return r, arena, false
		}
		r.Data, r.Metadata = data, meta
		return r, out, true
	}
	return r, arena, false
}

var _ eventstore.StreamLender = (*Store)(nil)
