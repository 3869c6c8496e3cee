package bolt

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"math/rand/v2"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/uuid"
	"github.com/stretchr/testify/require"
	bbolt "go.etcd.io/bbolt"

	"github.com/fapiao/fapiao/eventstore"
)

// TestLeafReaderIsGet: a lookup through leafReader (pages read with pread,
// branch pages kept) finds every key of the log as bbolt's Get does, with
// the same value, and no value where Get finds none; so does a second
// transaction after more commits (the kept branch pages are the first
// one's).
func TestLeafReaderIsGet(t *testing.T) {
	s, err := Open(filepath.Join(t.TempDir(), "fapiao.db"))
	require.NoError(t, err)
	defer s.Close()
	n := 0
	for round := range 2 {
		for i := range 30 {
			batch := make([]eventstore.EventData, 200)
			for j := range batch {
				data := fmt.Sprintf(`{"n":%d}`, n)
				if n%97 == 0 {
					data = fmt.Sprintf(`{"big":%q}`, strings.Repeat("y", 9000+n))
				}
				batch[j] = eventstore.EventData{ID: uuid.New(), Type: "T", Data: []byte(data), Metadata: []byte(`{}`)}
				n++
			}
			_, err := s.Append(t.Context(), fmt.Sprintf("s-%d", i%7), eventstore.Any, batch...)
			require.NoError(t, err)
		}
		err := s.db.View(func(tx *bbolt.Tx) error {
			lr, err := newLeafReader(s, tx, nil)
			require.NoError(t, err)
			require.NotZero(t, lr.root, "round %d: the log is one inline page", round)
			log := tx.Bucket(bucketLog)
			for pos := uint64(0); pos <= uint64(n)+3; pos++ {
				key := binary.BigEndian.AppendUint64(nil, pos)
				got, err := lr.get(key)
				require.NoError(t, err)
				want := log.Get(key)
				require.True(t, bytes.Equal(got, want) && (got == nil) == (want == nil), "round %d, position %d", round, pos)
			}
			// Out of order too: the kept leaf and branch path must not
			// answer for a key outside them.
			for _, p := range rand.Perm(n + 4) {
				key := binary.BigEndian.AppendUint64(nil, uint64(p))
				got, err := lr.get(key)
				require.NoError(t, err)
				want := log.Get(key)
				require.True(t, bytes.Equal(got, want) && (got == nil) == (want == nil), "round %d, position %d out of order", round, p)
			}
			return nil
		})
		require.NoError(t, err)
	}
}
