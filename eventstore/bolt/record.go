package bolt

import (
	"context"
	"fmt"

	bbolt "go.etcd.io/bbolt"

	"github.com/fapiao/fapiao/eventstore"
)

// ReadRecord returns the event at position pos; ok is false when the log
// holds none there. One key lookup, where ReadAll would decode a chunk of
// up to chunkEvents records to give the first (a Merkle proof's read).
func (s *Store) ReadRecord(ctx context.Context, pos eventstore.Position) (r eventstore.Record, ok bool, err error) {
	if err := s.readable(ctx); err != nil {
		return r, false, err
	}
	err = guard(fmt.Sprintf("bolt: read position %d", pos), func() error {
		return s.db.View(func(tx *bbolt.Tx) error {
			v := tx.Bucket(bucketLog).Get(appendUint64(nil, pos))
			if v == nil {
				return nil
			}
			// One block the size of the stored value holds the record's
			// bytes, instead of a chunk's slab.
			dec := chunkDecoder{block: make([]byte, len(v))}
			var err error
			if r, err = dec.decode(pos, v); err != nil {
				return fmt.Errorf("bolt: position %d: %w", pos, err)
			}
			ok = true
			return nil
		})
	})
	return r, ok, s.noteDamage(mapDBErr(err))
}
