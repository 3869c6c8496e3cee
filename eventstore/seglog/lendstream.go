package seglog

import (
	"context"
	"slices"
	"strings"
	"sync"

	"github.com/fapiao/fapiao/eventstore"
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
	all := s.ix.sortedNames()
	var names []string
	s.ix.mu.RLock()
	defer s.ix.mu.RUnlock()
	for i, _ := slices.BinarySearch(all, max(prefix, after)); i < len(all) && len(names) < limit; i++ {
		name := all[i]
		if !strings.HasPrefix(name, prefix) {
			break // past the names with prefix, which sort together
		}
		if st := s.ix.streams[name]; name > after && st != nil && st.committed > 0 {
			names = append(names, name)
		}
	}
	return names, nil
}

// sortedNames is every stream's name in order, sorted again only once a
// stream has come or gone: a per-account build asks for the names a page
// at a time, and scanning and sorting the whole index for each page made
// listing n accounts cost n²/page.
type sortedNames struct {
	mu   sync.Mutex
	list []string
	gen  uint64 // index.streamsGen when list was made
}

// sortedNames returns the index's stream names in order, as of the call;
// the list is shared and never changed: it must not be written to.
func (ix *index) sortedNames() []string {
	ix.names.mu.Lock()
	defer ix.names.mu.Unlock()
	ix.mu.RLock()
	gen := ix.streamsGen
	if ix.names.list != nil && ix.names.gen == gen {
		ix.mu.RUnlock()
		return ix.names.list
	}
	list := make([]string, 0, len(ix.streams))
	for name := range ix.streams {
		list = append(list, name)
	}
	ix.mu.RUnlock()
	slices.Sort(list)
	ix.names.list, ix.names.gen = list, gen
	return list
}

// LendStream hands fn the records of stream at positions up to upTo (the
// caller's snapshot of the log), in revision order, a chunk at a time. The
// records are ReadStream's, which are copies: fn may keep them, though a
// caller written for bolt's loan keeps nothing once fn returns. buf is
// reused for the chunks. A stream with no events is
// eventstore.ErrStreamNotFound; fn's error ends the read and is returned
// as it is.
func (s *Store) LendStream(ctx context.Context, stream string, upTo eventstore.Position, buf []eventstore.Record, fn func([]eventstore.Record) error) error {
	buf = buf[:0]
	for r, err := range s.ReadStream(ctx, stream, 0) {
		if err != nil {
			return err
		}
		if r.Position > upTo {
			break // appended after the snapshot; so is the rest
		}
		buf = append(buf, r)
		if len(buf) == chunkEvents {
			if err := fn(buf); err != nil {
				return err
			}
			clear(buf)
			buf = buf[:0]
		}
	}
	if len(buf) > 0 {
		return fn(buf)
	}
	return nil
}

var _ eventstore.StreamLender = (*Store)(nil)
