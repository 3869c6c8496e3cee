package bolt

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"unsafe"

	"github.com/google/uuid"
	"github.com/stretchr/testify/require"
	bbolt "go.etcd.io/bbolt"
	"golang.org/x/sys/unix"

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
		require.NotZero(t, ra.to)
		require.LessOrEqual(t, ra.to, int(tx.Size()), "the window ends at the map's end")

		ra.to = 1 << 40 // as if far ahead already
		ra.prefetch(s.db, tx, v)
		require.Equal(t, 1<<40, ra.to, "asked again too early")
		return nil
	}))
}

// TestMappedIsTheFile guards the madvise calls on bbolt upgrades: the
// address bbolt exports (db.Info().Data) and tx.Size() must still describe
// its map of the file, page-aligned, with the values a read returns inside
// it, and both advices must succeed on it and leave the bytes as they were.
func TestMappedIsTheFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "map.db")
	s, err := Open(path)
	require.NoError(t, err)
	defer s.Close()
	data := []byte(`"` + strings.Repeat("y", 64<<10) + `"`)
	for range 4 {
		_, err = s.Append(t.Context(), "s", eventstore.Any, eventstore.EventData{ID: uuid.New(), Type: "T", Data: data})
		require.NoError(t, err)
	}
	file, err := os.ReadFile(path)
	require.NoError(t, err)

	require.NoError(t, s.db.View(func(tx *bbolt.Tx) error {
		m := mapped(s.db, tx)
		require.Equal(t, int(tx.Size()), len(m))
		require.Greater(t, len(m), 4*len(data), "the map holds the records")
		require.LessOrEqual(t, len(m), len(file))
		require.True(t, bytes.Equal(file[:len(m)], m), "db.Info().Data no longer addresses the file's map")
		require.Zero(t, mapAddr(m)%uintptr(os.Getpagesize()), "the map starts on a page")

		_, v := tx.Bucket(bucketLog).Cursor().First()
		require.NotNil(t, v)
		off := int(uintptr(unsafe.Pointer(unsafe.SliceData(v))) - mapAddr(m))
		require.True(t, off > 0 && off+len(v) <= len(m), "a value read lies outside the map")

		require.NoError(t, unix.Madvise(m, unix.MADV_WILLNEED))
		require.NoError(t, unix.Madvise(m[:len(m)&^(os.Getpagesize()-1)], unix.MADV_DONTNEED))
		releaseMapped(s.db, tx)
		require.True(t, bytes.Equal(file[:len(m)], m), "the pages came back changed after MADV_DONTNEED")
		return nil
	}))
}

// mapAddr is the address of m's first byte.
func mapAddr(m []byte) uintptr { return uintptr(unsafe.Pointer(unsafe.SliceData(m))) }
