package seglog

import (
	"context"
	"errors"
	"fmt"
	"iter"
	"os"
	"sync"

	"github.com/fapiao/fapiao/eventstore"
	"github.com/fapiao/fapiao/eventstore/internal/chunked"
)

// Reads take the locations of a chunk of records under the index's lock
// and read the bytes outside it, so neither a slow consumer nor a slow disk
// holds up the writer.
const (
	chunkEvents = 1000
	chunkBytes  = 4 << 20
	// maxGap is the most bytes between two records that a read spans
	// rather than splitting in two: group headers and length prefixes.
	maxGap = 256
)

// span is one record to read.
type span struct {
	pos eventstore.Position
	seg *segment
	ver uint32
	loc loc
}

// readRun is the run of spans from i that one read takes: the records that
// follow spans[i] in its file, in order, each at most gap bytes after the
// one before. It returns the end of the run (exclusive) and the bytes
// [start, end) of the file to read.
func readRun(spans []span, i int, gap int64) (j int, start, end int64) {
	j = i + 1
	start = int64(spans[i].loc.off)
	end = start + int64(spans[i].loc.n)
	for j < len(spans) && spans[j].seg == spans[i].seg {
		o := int64(spans[j].loc.off)
		if o < end || o-end > gap {
			break
		}
		end = o + int64(spans[j].loc.n)
		j++
	}
	return j, start, end
}

// readRunAt reads the run of spans from i (readRun) into *buf, grown as
// needed, and returns the run's end, its offset in the file and its bytes.
//
// A read-only store's runs are its mapping's bytes (inPlace), not read.
func (s *Store) readRunAt(buf *[]byte, spans []span, i int, gap int64) (j int, start int64, b []byte, err error) {
	j, start, end := readRun(spans, i, gap)
	if m := spans[i].seg.inPlace(s); end <= int64(len(m)) {
		return j, start, m[start:end:end], nil
	}
	if int64(cap(*buf)) < end-start {
		*buf = make([]byte, end-start)
	}
	b = (*buf)[:end-start]
	if _, err := spans[i].seg.f.ReadAt(b, start); err != nil {
		return 0, 0, nil, s.readErr(err)
	}
	return j, start, b, nil
}

// runRecords hands out spans' records in order, reading each run of
// records that lie close together in one file at once (readRunAt): the
// walk the chunk reader and the lender share. A value on the caller's
// stack; b is buf's, valid until the next run is read.
type runRecords struct {
	s     *Store
	buf   *[]byte
	spans []span
	gap   int64
	i, j  int // spans[i:j] are the rest of the run read into b
	start int64
	b     []byte
}

// each calls fn with every span and its record's bytes, in order, inside
// s.reading (the bytes may be a mapping's: fn must copy what it keeps).
func (rr *runRecords) each(fn func(sp span, rec []byte) error) error {
	return rr.s.reading(func() error {
		for {
			sp, rec, ok, err := rr.next()
			if err != nil || !ok {
				return err
			}
			if err := fn(sp, rec); err != nil {
				return err
			}
		}
	})
}

// next returns the next span and its record's bytes, ok false after the
// last.
func (rr *runRecords) next() (sp span, rec []byte, ok bool, err error) {
	if rr.i == rr.j {
		if rr.j == len(rr.spans) {
			return span{}, nil, false, nil
		}
		if rr.j, rr.start, rr.b, err = rr.s.readRunAt(rr.buf, rr.spans, rr.i, rr.gap); err != nil {
			return span{}, nil, false, err
		}
	}
	sp = rr.spans[rr.i]
	rr.i++
	o := int64(sp.loc.off) - rr.start
	return sp, rr.b[o : o+int64(sp.loc.n)], true, nil
}

// chunkReader is one read's state between its chunks: the read buffer
// (records are decoded out of it, so it is reused) and the names.
type chunkReader struct {
	buf   []byte
	names *interner
	// ratio is decoded bytes per stored byte in the last chunk, to size
	// the next chunk's buffer.
	ratio float64
	// half reads the first half of a chunk read in two.
	half *chunkReader
}

func newChunkReader() *chunkReader { return &chunkReader{names: newInterner(), ratio: 2.5} }

// ReadStream implements eventstore.Store.
func (s *Store) ReadStream(ctx context.Context, stream string, from uint64) iter.Seq2[eventstore.Record, error] {
	return func(yield func(eventstore.Record, error) bool) {
		var cr *chunkReader
		for {
			if err := s.readable(ctx); err != nil {
				yield(eventstore.Record{}, err)
				return
			}
			spans, found := s.streamSpans(stream, from)
			if !found {
				yield(eventstore.Record{}, eventstore.ErrStreamNotFound)
				return
			}
			if len(spans) == 0 {
				// Nothing new: the ledger's catch-up of a cached account
				// asks this before every command, so it allocates nothing.
				return
			}
			if cr == nil {
				cr = newChunkReader()
			}
			chunk, err := s.readSpans(spans, cr)
			if err != nil {
				yield(eventstore.Record{}, err)
				return
			}
			if !chunked.YieldAll(ctx, chunk, yield) || len(spans) < chunkEvents {
				return
			}
			from = chunk[len(chunk)-1].Revision + 1
		}
	}
}

func (s *Store) streamSpans(stream string, from uint64) ([]span, bool) {
	s.ix.mu.RLock()
	defer s.ix.mu.RUnlock()
	st := s.ix.streams[stream]
	if st == nil || st.committed == 0 {
		return nil, false
	}
	if from >= uint64(st.committed) {
		return nil, true
	}
	es := st.entries[from:min(uint64(st.committed), from+chunkEvents)]
	spans := make([]span, len(es))
	for i, e := range es {
		l := s.ix.locs[e.pos-1]
		seg := s.ix.segs[l.seg]
		spans[i] = span{pos: e.pos, seg: seg, ver: seg.version, loc: l}
	}
	return spans, true
}

// ReadAll implements eventstore.Store. A goroutine reads and decodes the
// next chunk while the caller consumes this one: a replay's projections
// and the log's decoding run on two cores. The goroutine ends before the
// iteration returns.
func (s *Store) ReadAll(ctx context.Context, after eventstore.Position) iter.Seq2[eventstore.Record, error] {
	return func(yield func(eventstore.Record, error) bool) {
		type result struct {
			chunk []eventstore.Record
			err   error
		}
		ahead := make(chan result, 1)
		stop := make(chan struct{})
		var wg sync.WaitGroup
		wg.Go(func() {
			defer close(ahead)
			cr := newChunkReader()
			for {
				var res result
				if res.err = s.readable(ctx); res.err == nil {
					res.chunk, res.err = s.readAllChunk(after, cr)
				}
				select {
				case ahead <- res:
				case <-stop:
					return
				}
				if res.err != nil || len(res.chunk) == 0 {
					return
				}
				after = res.chunk[len(res.chunk)-1].Position
			}
		})
		defer func() {
			close(stop)
			wg.Wait()
		}()
		for res := range ahead {
			if res.err != nil {
				yield(eventstore.Record{}, res.err)
				return
			}
			if !chunked.YieldAll(ctx, res.chunk, yield) {
				return
			}
		}
	}
}

// readAllChunk reads the committed records after a position, up to a chunk.
func (s *Store) readAllChunk(after eventstore.Position, cr *chunkReader) ([]eventstore.Record, error) {
	s.ix.mu.RLock()
	last := s.last.Load()
	var spans []span
	size := 0
	for pos := after + 1; pos <= last && len(spans) < chunkEvents && size < chunkBytes; pos++ {
		l := s.ix.locs[pos-1]
		seg := s.ix.segs[l.seg]
		spans = append(spans, span{pos: pos, seg: seg, ver: seg.version, loc: l})
		size += int(l.n)
	}
	s.ix.mu.RUnlock()
	if len(spans) < 2*minSplit {
		return s.readSpans(spans, cr)
	}
	// Two halves decoded at once: on two cores a replay's read keeps
	// ahead of its consumer.
	if cr.half == nil {
		cr.half = newChunkReader()
	}
	mid := len(spans) / 2
	all := make([]eventstore.Record, len(spans))
	var ferr error
	var wg sync.WaitGroup
	wg.Go(func() { _, ferr = s.readSpansTo(all[:0:mid], spans[:mid], cr.half) })
	_, err := s.readSpansTo(all[mid:mid], spans[mid:], cr)
	wg.Wait()
	if ferr != nil {
		return nil, ferr
	}
	if err != nil {
		return nil, err
	}
	return all, nil
}

// minSplit is the fewest records in each half of a chunk decoded in two.
const minSplit = 128

// readSpans reads records, one read for each run of records lying close
// together in one file (a log scan reads whole groups at a time), and
// decodes them into one new buffer for the chunk, which is never reused.
func (s *Store) readSpans(spans []span, cr *chunkReader) ([]eventstore.Record, error) {
	return s.readSpansTo(make([]eventstore.Record, 0, len(spans)), spans, cr)
}

// readSpansTo is readSpans appending to out.
func (s *Store) readSpansTo(out []eventstore.Record, spans []span, cr *chunkReader) ([]eventstore.Record, error) {
	total := 0
	for _, sp := range spans {
		total += int(sp.loc.n)
	}
	// Sized as the last chunk decoded: growing it is correct (records
	// keep the old array), only slower, and too much is zeroed for nothing.
	// The slack is small: a ledger's catch-up or reservation check reads
	// one or two records, and a 4 KiB margin was most of what it allocated.
	arena := make([]byte, 0, int(cr.ratio*1.05*float64(total))+256)
	rr := runRecords{s: s, buf: &cr.buf, spans: spans, gap: maxGap}
	err := rr.each(func(sp span, rec []byte) error {
		r, a, ok := decodeRecord(sp.pos, rec, sp.ver, cr.names, arena)
		if arena = a; !ok {
			return fmt.Errorf("%w: record at position %d does not decode", ErrCorrupt, sp.pos)
		}
		out = append(out, r)
		return nil
	})
	if err != nil {
		return nil, err
	}
	if total > 0 {
		cr.ratio = float64(len(arena)) / float64(total)
	}
	return out, nil
}

// readErr says ErrClosed for a read that lost its file to Close.
func (s *Store) readErr(err error) error {
	if s.isClosed() || errors.Is(err, os.ErrClosed) {
		return eventstore.ErrClosed
	}
	return fmt.Errorf("seglog: read: %w", err)
}

// Subscribe implements eventstore.Store. It reads the log in chunks like
// ReadAll; once a read finds nothing new it signals caught-up and waits for
// the writer's next commit, so live events arrive without polling.
func (s *Store) Subscribe(ctx context.Context, after eventstore.Position) iter.Seq2[eventstore.Message, error] {
	cr := newChunkReader()
	return chunked.Follow(ctx, after, chunked.Watched(s.watch, s.last.Load, func(after eventstore.Position) ([]eventstore.Record, error) {
		return s.readAllChunk(after, cr)
	}))
}

// readable says why a read cannot go on, if it cannot.
func (s *Store) readable(ctx context.Context) error {
	if s.isClosed() {
		return eventstore.ErrClosed
	}
	return ctxErr(ctx)
}

// StreamLen reports how many events the stream holds (the revision its
// next event takes) and whether it exists and the store is open, without
// reading anything. The ledger asks it before each command to learn that
// its cached account has nothing to catch up with; ReadStream's iterator
// cost an allocation and a closure's calls to say the same.
func (s *Store) StreamLen(stream string) (uint64, bool) {
	if s.isClosed() {
		return 0, false
	}
	s.ix.mu.RLock()
	defer s.ix.mu.RUnlock()
	st := s.ix.streams[stream]
	if st == nil || st.committed == 0 {
		return 0, false
	}
	return uint64(st.committed), true
}
