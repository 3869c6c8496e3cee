package bolt

import (
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/uuid"
	"github.com/stretchr/testify/require"
	bbolt "go.etcd.io/bbolt"

	"github.com/fapiao/fapiao/eventstore"
)

// TestReadaheadWindow checks the prefetch window: it starts at the value
// read, stays inside the map, and is not asked for again until the scan
// nears its end.
func TestReadaheadWindow(t *testing.T) {
	s, err := Open(filepath.Join(t.TempDir(), "ra.db"))
	require.NoError(t, err)
	defer s.Close()
	// Big enough that the log is not an inline bucket, whose values bbolt
	// may hold outside the map.
	data := []byte(`"` + strings.Repeat("x", 8<<10) + `"`)
	_, err = s.Append(t.Context(), "s", eventstore.NoStream, eventstore.EventData{ID: uuid.New(), Type: "T", Data: data})
	require.NoError(t, err)

	require.NoError(t, s.db.View(func(tx *bbolt.Tx) error {
		var nilRA *readahead
		nilRA.prefetch(s.db, tx, []byte("x")) // a read without readahead: no-op

		_, v := tx.Bucket(bucketLog).Cursor().First()
		require.NotNil(t, v)
		var ra readahead
		ra.prefetch(s.db, tx, nil)
		require.Zero(t, ra.to, "nothing read, nothing asked")
		ra.prefetch(s.db, tx, []byte("not in the map"))
		require.Zero(t, ra.to)

		ra.prefetch(s.db, tx, v)
		size := uintptr(tx.Size())
		require.NotZero(t, ra.to)
		require.LessOrEqual(t, ra.to, size, "the window ends at the map's end")

		ra.to = 1 << 40 // as if far ahead already
		ra.prefetch(s.db, tx, v)
		require.Equal(t, uintptr(1<<40), ra.to, "asked again too early")
		return nil
	}))
}
