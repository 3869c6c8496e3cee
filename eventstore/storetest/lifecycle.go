package storetest

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/fapiao/fapiao/eventstore"
)

// testClosed: after Close every operation fails with ErrClosed, and a live
// subscription ends.
func testClosed(t *testing.T, s eventstore.Store, _ Features) {
	name := stream(t, "closed")
	res := appendOK(t, s, name, eventstore.NoStream, Events(1, "closed")...)

	done := subscribeCaughtUp(t, s, ctx(t), res.Position)
	require.NoError(t, s.Close())
	requireEnds(t, done, eventstore.ErrClosed)

	_, err := s.Append(ctx(t), name, eventstore.Any, Events(1, "after")...)
	require.ErrorIs(t, err, eventstore.ErrClosed, "Append")
	_, err = readStream(t, s, name, 0)
	require.ErrorIs(t, err, eventstore.ErrClosed, "ReadStream")
	for _, err := range s.ReadAll(ctx(t), eventstore.Start) {
		require.ErrorIs(t, err, eventstore.ErrClosed, "ReadAll")
		break
	}
	n := 0
	for _, err := range s.Subscribe(ctx(t), eventstore.Start) {
		require.ErrorIs(t, err, eventstore.ErrClosed, "Subscribe")
		n++
	}
	require.Equal(t, 1, n, "Subscribe on a closed store yields one error")
}

// testReopen: a persistent store keeps its events, revisions and positions
// across a restart and goes on from them.
func testReopen(t *testing.T, s eventstore.Store, f Features) {
	if !f.Persistent {
		return // nothing is promised across a restart
	}
	name := stream(t, "reopen")
	es := Events(3, "reopen")
	res := appendOK(t, s, name, eventstore.NoStream, es...)

	s = f.Reopen(t, s)
	t.Cleanup(func() { _ = s.Close() })
	got := requireStream(t, s, name, es)
	require.Equal(t, res.Position, got[2].Position)

	again := appendOK(t, s, name, eventstore.NoStream, es...)
	require.Equal(t, res, again, "a retry after a restart is still recognised")
	more := Events(1, "more")
	next := appendOK(t, s, name, eventstore.Exact(2), more...)
	require.Equal(t, uint64(3), next.NextExpectedRevision)
	require.Greater(t, next.Position, res.Position)
	all := readAllOf(t, s, eventstore.Start, name)
	requireEvents(t, append(es, more...), all, name, 0)
}
