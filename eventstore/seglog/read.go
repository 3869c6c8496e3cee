package seglog

import (
	"context"
	"errors"
	"fmt"
	"iter"
	"os"

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
	f   *os.File
	loc loc
}

// ReadStream implements eventstore.Store.
func (s *Store) ReadStream(ctx context.Context, stream string, from uint64) iter.Seq2[eventstore.Record, error] {
	return func(yield func(eventstore.Record, error) bool) {
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
			chunk, err := s.readSpans(spans)
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
		spans[i] = span{pos: e.pos, f: s.ix.segs[l.seg].f, loc: l}
	}
	return spans, true
}

// ReadAll implements eventstore.Store.
func (s *Store) ReadAll(ctx context.Context, after eventstore.Position) iter.Seq2[eventstore.Record, error] {
	return func(yield func(eventstore.Record, error) bool) {
		for {
			if err := s.readable(ctx); err != nil {
				yield(eventstore.Record{}, err)
				return
			}
			chunk, err := s.readAllChunk(after)
			if err != nil {
				yield(eventstore.Record{}, err)
				return
			}
			if !chunked.YieldAll(ctx, chunk, yield) || len(chunk) == 0 {
				return
			}
			after = chunk[len(chunk)-1].Position
		}
	}
}

// readAllChunk reads the committed records after a position, up to a chunk.
func (s *Store) readAllChunk(after eventstore.Position) ([]eventstore.Record, error) {
	s.ix.mu.RLock()
	last := s.last.Load()
	var spans []span
	size := 0
	for pos := after + 1; pos <= last && len(spans) < chunkEvents && size < chunkBytes; pos++ {
		l := s.ix.locs[pos-1]
		spans = append(spans, span{pos: pos, f: s.ix.segs[l.seg].f, loc: l})
		size += int(l.n)
	}
	s.ix.mu.RUnlock()
	return s.readSpans(spans)
}

// readSpans reads records, one read for each run of records lying close
// together in one file (a log scan reads whole groups at a time). The
// records alias one buffer per run, which is never reused.
func (s *Store) readSpans(spans []span) ([]eventstore.Record, error) {
	out := make([]eventstore.Record, 0, len(spans))
	names := make(interner)
	for i := 0; i < len(spans); {
		j := i + 1
		start := int64(spans[i].loc.off)
		end := start + int64(spans[i].loc.n)
		for j < len(spans) && spans[j].f == spans[i].f {
			o := int64(spans[j].loc.off)
			if o < end || o-end > maxGap {
				break
			}
			end = o + int64(spans[j].loc.n)
			j++
		}
		buf := make([]byte, end-start)
		if _, err := spans[i].f.ReadAt(buf, start); err != nil {
			return nil, s.readErr(err)
		}
		for _, sp := range spans[i:j] {
			o := int64(sp.loc.off) - start
			r, ok := decodeRecord(sp.pos, buf[o:o+int64(sp.loc.n):o+int64(sp.loc.n)], names)
			if !ok {
				return nil, fmt.Errorf("%w: record at position %d does not decode", ErrCorrupt, sp.pos)
			}
			out = append(out, r)
		}
		i = j
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
	return chunked.Follow(ctx, after, func(after eventstore.Position) ([]eventstore.Record, <-chan struct{}, error) {
		changed, closed := s.watch()
		if closed {
			return nil, nil, eventstore.ErrClosed
		}
		if after >= s.last.Load() {
			return nil, changed, nil
		}
		chunk, err := s.readAllChunk(after)
		return chunk, changed, err
	})
}

// readable says why a read cannot go on, if it cannot.
func (s *Store) readable(ctx context.Context) error {
	if s.isClosed() {
		return eventstore.ErrClosed
	}
	return ctxErr(ctx)
}
