package bolt_test

import (
	"context"
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

	damaged := bolttest.BreakLogBranches(t, path, pages)
	require.Positive(t, damaged)

	_, err := s.Append(context.Background(), "new", eventstore.NoStream, event(1000))
	require.ErrorIs(t, err, eventstore.ErrCorrupt)
	require.ErrorIs(t, s.Damage(), eventstore.ErrCorrupt)
	_, err = s.Append(context.Background(), "other", eventstore.NoStream, event(1001))
	require.ErrorIs(t, err, eventstore.ErrCorrupt)
	require.Contains(t, err.Error(), "refused, the store is damaged")
}
