package bolt_test

import (
	"context"
	"encoding/binary"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/fapiao/fapiao/eventstore"
	"github.com/fapiao/fapiao/eventstore/bolt/bolttest"
)

// TestCorruptWriteRefusesFurtherWrites: a page damaged under an open store
// (the log's branch pages sent far outside the map) makes the next commit
// fail with ErrCorrupt instead of crashing the process; the store then
// reports the damage and refuses every later append without trying.
func TestCorruptWriteRefusesFurtherWrites(t *testing.T) {
	path := filepath.Join(t.TempDir(), "fapiao.db")
	s := open(t, path)
	for i := range 300 {
		_, err := s.Append(context.Background(), "s", eventstore.Any, event(i))
		require.NoError(t, err)
	}
	require.NoError(t, s.Close())
	pages := bolttest.Pages(t, path)
	s = open(t, path)
	defer s.Close()

	f, err := os.OpenFile(path, os.O_RDWR, 0)
	require.NoError(t, err)
	damaged := 0
	for _, p := range bolttest.Find(pages, bolttest.KindBranch) {
		elems := make([]byte, 16*p.Count)
		_, err := f.ReadAt(elems, p.Offset+16)
		require.NoError(t, err)
		if binary.LittleEndian.Uint32(elems[4:]) != 8 {
			continue // not the log's
		}
		for i := range p.Count {
			bolttest.XOR(t, path, p.Offset+16+int64(16*i)+8+2, 0x40)
		}
		damaged++
	}
	require.NoError(t, f.Close())
	require.Positive(t, damaged)

	_, err = s.Append(context.Background(), "new", eventstore.NoStream, event(1000))
	require.ErrorIs(t, err, eventstore.ErrCorrupt)
	require.ErrorIs(t, s.Damage(), eventstore.ErrCorrupt)
	_, err = s.Append(context.Background(), "other", eventstore.NoStream, event(1001))
	require.ErrorIs(t, err, eventstore.ErrCorrupt)
	require.Contains(t, err.Error(), "refused, the store is damaged")
}
