package seglog

import (
	"context"
	"slices"
	"strings"

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
	var names []string
	s.ix.mu.RLock()
	for name, st := range s.ix.streams {
		if st.committed > 0 && name > after && strings.HasPrefix(name, prefix) {
			names = append(names, name)
		}
	}
	s.ix.mu.RUnlock()
	slices.Sort(names)
	return names[:min(limit, len(names))], nil
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
