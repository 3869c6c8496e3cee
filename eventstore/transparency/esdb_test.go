package transparency_test

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"golang.org/x/mod/sumdb/tlog"

	"github.com/fapiao/fapiao/eventstore"
	"github.com/fapiao/fapiao/eventstore/esdb"
	"github.com/fapiao/fapiao/eventstore/esdb/esdbtest"
	"github.com/fapiao/fapiao/eventstore/transparency"
)

// TestFollowOnEventStoreDB: on EventStoreDB (its protocol fake), whose
// positions are byte offsets, the followed tree numbers the events 0, 1,
// 2, … all the same, finds each by its position, keeps up with live
// appends, and has the root the same log has on any store.
func TestFollowOnEventStoreDB(t *testing.T) {
	srv := esdbtest.New(t)
	s, err := esdb.Open(srv.URL())
	require.NoError(t, err)
	defer s.Close()
	appendFixed(t, s, 0, 20)

	ctx, cancel := context.WithCancel(context.Background())
	tree := transparency.New()
	done := make(chan error, 1)
	go func() { done <- transparency.Follow(ctx, s, tree, nil, nil) }()
	defer func() { cancel(); <-done }()
	waitSize(t, tree, 20)
	appendFixed(t, s, 20, 31) // live
	waitSize(t, tree, 31)

	want := transparency.New()
	require.NoError(t, transparency.Build(context.Background(), fixedLog(t, 31), want, 0))
	for _, n := range []int64{1, 20, 31} {
		a, err := want.Root(n)
		require.NoError(t, err)
		b, err := tree.Root(n)
		require.NoError(t, err)
		require.Equal(t, a, b, "size %d", n)
	}
	var i int64
	var prev eventstore.Position
	for r, err := range s.ReadAll(context.Background(), eventstore.Start) {
		require.NoError(t, err)
		require.Greater(t, r.Position, prev+1, "the fake's positions are sparse")
		idx, ok, err := tree.Index(r.Position)
		require.NoError(t, err)
		require.True(t, ok)
		require.Equal(t, i, idx)
		i, prev = i+1, r.Position
	}
	rebuilt, err := transparency.Reconcile(context.Background(), s, tree)
	require.NoError(t, err)
	require.False(t, rebuilt)

	// A server restart drops the subscription: nothing is lost or doubled.
	srv.Stop()
	require.NoError(t, srv.Restart())
	appendFixed(t, s, 31, 40)
	waitSize(t, tree, 40)
	time.Sleep(50 * time.Millisecond) // room for a wrongly repeated event to arrive
	require.Equal(t, int64(40), tree.Size())
	want = transparency.New()
	require.NoError(t, transparency.Build(context.Background(), fixedLog(t, 40), want, 0))
	a, err := want.Root(40)
	require.NoError(t, err)
	b, err := tree.Root(40)
	require.NoError(t, err)
	require.Equal(t, a, b)
	require.NotEqual(t, tlog.Hash{}, b)
}

func waitSize(t *testing.T, tree *transparency.Tree, n int64) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for tree.Size() < n {
		require.False(t, time.Now().After(deadline), "the tree holds %d events, want %d", tree.Size(), n)
		time.Sleep(5 * time.Millisecond)
	}
}
