package bolt_test

import (
	"context"
	"encoding/json"
	"fmt"
	"path/filepath"
	"testing"

	"github.com/google/uuid"
	"github.com/stretchr/testify/require"

	"github.com/fapiao/fapiao/eventstore"
	"github.com/fapiao/fapiao/eventstore/bolt"
)

// TestReadRecord: one event by position is the record ReadAll gives there;
// a position the log does not hold is not found, not an error.
func TestReadRecord(t *testing.T) {
	ctx := context.Background()
	s, err := bolt.Open(filepath.Join(t.TempDir(), "fapiao.db"))
	require.NoError(t, err)
	defer s.Close()
	for i := range 5 {
		_, err := s.Append(ctx, fmt.Sprintf("account-acc-%d", i%2), eventstore.Any, eventstore.EventData{
			ID: uuid.New(), Type: "TestEvent", Data: json.RawMessage(fmt.Sprintf(`{"n":%d}`, i)), Metadata: json.RawMessage(`{"hash":"x"}`),
		})
		require.NoError(t, err)
	}
	for r, err := range s.ReadAll(ctx, eventstore.Start) {
		require.NoError(t, err)
		got, ok, err := s.ReadRecord(ctx, r.Position)
		require.NoError(t, err)
		require.True(t, ok)
		require.Equal(t, r, got)
	}
	for _, pos := range []eventstore.Position{0, 6, 1 << 40} {
		_, ok, err := s.ReadRecord(ctx, pos)
		require.NoError(t, err)
		require.False(t, ok, "position %d", pos)
	}
	require.NoError(t, s.Close())
	_, _, err = s.ReadRecord(ctx, 1)
	require.ErrorIs(t, err, eventstore.ErrClosed)
}
