package esdb_test

import (
	"context"
	"encoding/json"
	"testing"

	"github.com/google/uuid"
	"github.com/stretchr/testify/require"

	"github.com/fapiao/fapiao/eventstore"
	"github.com/fapiao/fapiao/eventstore/esdb"
	"github.com/fapiao/fapiao/eventstore/esdb/esdbtest"
)

// TestCheckOnFake: the EventStoreDB check reads each stream against the
// global log, through the server's protocol.
func TestCheckOnFake(t *testing.T) {
	t.Parallel()
	srv := esdbtest.New(t)
	s, err := esdb.Open(srv.URL())
	require.NoError(t, err)
	t.Cleanup(func() { _ = s.Close() })
	ctx := context.Background()
	for i := range 5 {
		stream := []string{"account-a", "account-b"}[i%2]
		_, err := s.Append(ctx, stream, eventstore.Any, eventstore.EventData{ID: uuid.New(), Type: "T", Data: json.RawMessage(`{}`), Metadata: json.RawMessage(`{}`)})
		require.NoError(t, err)
	}
	var c eventstore.Checker = s
	rep, err := c.Check(ctx, false)
	require.NoError(t, err)
	require.True(t, rep.OK(), "%v", rep.Damage)
	require.Equal(t, []string{"streams: 2, each read by itself against the global log's 5 events"}, rep.What)
	rep, err = c.Check(ctx, true)
	require.NoError(t, err)
	require.True(t, rep.OK())
}
