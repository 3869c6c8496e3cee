package seglog

import (
	"fmt"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/fapiao/fapiao/eventstore"
	"github.com/fapiao/fapiao/eventstore/storetest"
)

// TestCheckpointInChunks: a checkpoint is written out in chunks (encode);
// whatever their size it is the same bytes, and it decodes to the index it
// was taken of.
func TestCheckpointInChunks(t *testing.T) {
	s, err := Open(filepath.Join(t.TempDir(), "log"), Options{NoSync: true, SegmentBytes: 64 << 10})
	require.NoError(t, err)
	defer s.Close()
	for i := range 2000 {
		_, err := s.Append(t.Context(), fmt.Sprint("s", i%37), eventstore.Any, storetest.Events(1+i%3, fmt.Sprint(i))...)
		require.NoError(t, err)
	}
	s.ix.mu.RLock()
	sn := s.snapshotLocked()
	s.ix.mu.RUnlock()

	write := func(chunk int) []byte {
		defer func(old int) { checkpointChunk = old }(checkpointChunk)
		checkpointChunk = chunk
		f, err := os.Create(filepath.Join(t.TempDir(), "ckpt"))
		require.NoError(t, err)
		defer f.Close()
		require.NoError(t, sn.encode(f, f))
		b, err := os.ReadFile(f.Name())
		require.NoError(t, err)
		return b
	}
	whole := write(64 << 20)
	require.Greater(t, len(whole), 100*100, "many chunks of 100 bytes")
	require.Equal(t, whole, write(100), "written in chunks of 100 bytes")
	require.Equal(t, whole, write(1), "a chunk a value")

	got, err := decodeCheckpoint(whole)
	require.NoError(t, err)
	require.Equal(t, sn.next, got.next)
	require.Equal(t, sn.segs, got.segs)
	require.Equal(t, sn.names, got.names)
	require.Equal(t, sn.locs, got.locs)
	require.Len(t, got.streams, len(sn.streams))
	for i := range sn.streams {
		require.Equal(t, sn.streams[i], got.streams[i], sn.names[i])
	}
}
