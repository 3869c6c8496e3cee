package storetest

import (
	"bytes"
	"errors"
	"testing"

	"github.com/stretchr/testify/require"
	"golang.org/x/sync/errgroup"

	"github.com/fapiao/fapiao/eventstore"
)

func testOrdering(t *testing.T, s eventstore.Store, _ Features) {
	name := stream(t, "ordering")
	var all []eventstore.EventData
	var last eventstore.AppendResult
	exp := eventstore.NoStream
	for _, n := range []int{1, 2, 5} {
		es := Events(n, "ordering")
		res := appendOK(t, s, name, exp, es...)
		all = append(all, es...)
		require.Equal(t, uint64(len(all)-1), res.NextExpectedRevision)
		if res.FirstPosition != 0 {
			require.Equal(t, res.Position, res.FirstPosition+uint64(n-1), "consecutive positions end at the last event's")
			got := readAllOf(t, s, res.FirstPosition-1, name)
			require.Len(t, got, n, "the events from FirstPosition on are this append's")
			for i, r := range got {
				require.Equal(t, res.FirstPosition+uint64(i), r.Position)
			}
		}
		if len(all) > n {
			require.Greater(t, res.Position, last.Position)
		}
		last = res
		exp = eventstore.Exact(res.NextExpectedRevision)
	}
	got := requireStream(t, s, name, all)
	require.Equal(t, last.Position, got[len(got)-1].Position, "the result's position is the last event's")
}

func testExpectedRevision(t *testing.T, s eventstore.Store, _ Features) {
	cases := []struct {
		name     string
		existing int // events in the stream before the append
		expected eventstore.ExpectedRevision
		ok       bool
	}{
		{"AnyOnMissing", 0, eventstore.Any, true},
		{"AnyOnExisting", 2, eventstore.Any, true},
		{"NoStreamOnMissing", 0, eventstore.NoStream, true},
		{"NoStreamOnExisting", 2, eventstore.NoStream, false},
		{"StreamExistsOnMissing", 0, eventstore.StreamExists, false},
		{"StreamExistsOnExisting", 2, eventstore.StreamExists, true},
		{"ExactOnLast", 2, eventstore.Exact(1), true},
		{"ExactBehind", 2, eventstore.Exact(0), false},
		{"ExactAhead", 2, eventstore.Exact(5), false},
		{"ExactOnMissing", 0, eventstore.Exact(0), false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			name, before := streamOf(t, s, "expect", c.existing)
			es := Events(1, "append")
			res, err := s.Append(ctx(t), name, c.expected, es...)
			got, rerr := readStream(t, s, name, 0)
			if c.ok {
				require.NoError(t, err)
				require.Equal(t, uint64(c.existing), res.NextExpectedRevision)
				require.NoError(t, rerr)
				requireEvents(t, append(before, es...), got, name, 0)
				require.Equal(t, got[len(got)-1].Position, res.Position)
				return
			}
			requireWrong(t, err, name, c.expected, int64(c.existing)-1)
			if c.existing == 0 {
				require.ErrorIs(t, rerr, eventstore.ErrStreamNotFound, "a refused append writes nothing")
				return
			}
			require.NoError(t, rerr)
			requireEvents(t, before, got, name, 0)
		})
	}
}

// testRacingWriters has many writers compete for each next revision of one
// stream, as ledger's command handlers do for one account.
func testRacingWriters(t *testing.T, s eventstore.Store, _ Features) {
	const writers, last = 50, 100
	name := stream(t, "race")
	appendOK(t, s, name, eventstore.NoStream, Events(1, "seed")...)

	type win struct {
		rev uint64
		id  [16]byte
	}
	wins := make(chan win, writers*last) // each writer wins at most last times
	var g errgroup.Group
	for range writers {
		g.Go(func() error {
			rev := uint64(0)
			for rev < last {
				e := Events(1, "race")
				res, err := s.Append(ctx(t), name, eventstore.Exact(rev), e...)
				var wrong *eventstore.WrongExpectedVersionError
				switch {
				case err == nil:
					if res.NextExpectedRevision != rev+1 {
						return errors.New("a won race reported the wrong revision")
					}
					wins <- win{res.NextExpectedRevision, e[0].ID}
					rev = res.NextExpectedRevision
				case errors.As(err, &wrong):
					if !wrong.ActualExists || wrong.Actual <= rev {
						return errors.New("a lost race reported a stream that had not moved")
					}
					rev = wrong.Actual
				default:
					return err
				}
			}
			return nil
		})
	}
	require.NoError(t, g.Wait())
	close(wins)

	winner := map[uint64][16]byte{}
	for w := range wins {
		_, dup := winner[w.rev]
		require.False(t, dup, "two writers won revision %d", w.rev)
		winner[w.rev] = w.id
	}
	require.Len(t, winner, last)
	got, err := readStream(t, s, name, 0)
	require.NoError(t, err)
	require.Len(t, got, last+1)
	for i, r := range got {
		require.Equal(t, uint64(i), r.Revision)
		if i > 0 {
			require.Equal(t, winner[uint64(i)], [16]byte(r.ID), "revision %d holds the winner's event", i)
		}
	}
}

// testFailureIsolated sends appends that fail together with appends that
// succeed; a backend that batches must answer each on its own.
func testFailureIsolated(t *testing.T, s eventstore.Store, _ Features) {
	const n = 40
	shared := stream(t, "isolated-shared")
	type outcome struct {
		own bool
		err error
	}
	out := make(chan outcome, 2*n)
	var g errgroup.Group
	for range n {
		g.Go(func() error {
			_, err := s.Append(ctx(t), shared, eventstore.NoStream, Events(1, "shared")...)
			out <- outcome{false, err}
			return nil
		})
		g.Go(func() error {
			_, err := s.Append(ctx(t), stream(t, "isolated-own"), eventstore.NoStream, Events(2, "own")...)
			out <- outcome{true, err}
			return nil
		})
	}
	require.NoError(t, g.Wait())
	close(out)
	won := 0
	for o := range out {
		if o.own {
			require.NoError(t, o.err)
			continue
		}
		if o.err == nil {
			won++
			continue
		}
		requireWrong(t, o.err, shared, eventstore.NoStream, 0)
	}
	require.Equal(t, 1, won, "exactly one NoStream append to the shared stream wins")
	got, err := readStream(t, s, shared, 0)
	require.NoError(t, err)
	require.Len(t, got, 1)
}

// testIdempotent follows EventStoreDB: re-appending the same event IDs with
// the same expectation returns the first result and writes nothing.
func testIdempotent(t *testing.T, s eventstore.Store, _ Features) {
	cases := []struct {
		name     string
		existing int
		expected eventstore.ExpectedRevision
		moveOn   bool // the stream gets another event before the retry
	}{
		{"NoStream", 0, eventstore.NoStream, false},
		{"Exact", 2, eventstore.Exact(1), false},
		{"ExactAfterStreamMovedOn", 2, eventstore.Exact(1), true},
		{"Any", 0, eventstore.Any, false},
		{"AnyOnExisting", 2, eventstore.Any, false},
		{"AnyAfterStreamMovedOn", 2, eventstore.Any, true},
		{"StreamExists", 2, eventstore.StreamExists, false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			name, before := streamOf(t, s, "idem", c.existing)
			es := Events(3, "idem")
			first := appendOK(t, s, name, c.expected, es...)
			want := append(before, es...)
			if c.moveOn {
				later := Events(1, "later")
				appendOK(t, s, name, eventstore.Any, later...)
				want = append(want, later...)
			}
			again := appendOK(t, s, name, c.expected, es...)
			require.Equal(t, first, again, "a retry returns the first result")
			requireStream(t, s, name, want)
		})
	}
	// An append that is not a retry of the first — other IDs at the same
	// revision, or the same IDs at another — is refused, and the stream
	// keeps only the first.
	notRetries := []struct {
		name     string
		stream   string
		expected eventstore.ExpectedRevision
		otherIDs bool
	}{
		{"OtherIDsAtSameRevision", "idem-other", eventstore.NoStream, true},
		{"SameIDsAtOtherRevision", "idem-shifted", eventstore.Exact(0), false},
	}
	for _, c := range notRetries {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			name := stream(t, c.stream)
			es := Events(2, "first")
			appendOK(t, s, name, eventstore.NoStream, es...)
			second := es
			if c.otherIDs {
				second = Events(2, "other")
			}
			_, err := s.Append(ctx(t), name, c.expected, second...)
			requireWrong(t, err, name, c.expected, 1)
			requireStream(t, s, name, es)
		})
	}
}

// testAppendKeepsNothing: once Append (or AppendAtomic) has answered, the
// store keeps nothing of the events it was given: the caller writes over
// their bytes (the ledger reuses its buffers) and the log still reads back
// what was appended.
func testAppendKeepsNothing(t *testing.T, s eventstore.Store, _ Features) {
	scribble := func(es []eventstore.EventData) {
		for _, e := range es {
			for i := range e.Data {
				e.Data[i] = 'x'
			}
			for i := range e.Metadata {
				e.Metadata[i] = 'x'
			}
		}
	}
	own := func(es []eventstore.EventData) []eventstore.EventData {
		out := make([]eventstore.EventData, len(es))
		for i, e := range es {
			out[i] = e
			out[i].Data, out[i].Metadata = bytes.Clone(e.Data), bytes.Clone(e.Metadata)
		}
		return out
	}
	name := stream(t, "keepsnothing")
	want := Events(3, "keepsnothing")
	given := own(want)
	appendOK(t, s, name, eventstore.NoStream, given...)
	scribble(given)
	requireStream(t, s, name, want)

	at, ok := s.(eventstore.AtomicAppender)
	if !ok {
		return
	}
	names := []string{stream(t, "keepsnothing"), stream(t, "keepsnothing")}
	wants := [][]eventstore.EventData{Events(2, "keepsnothing-a"), Events(1, "keepsnothing-b")}
	parts := make([]eventstore.StreamAppend, len(names))
	for i := range names {
		parts[i] = eventstore.StreamAppend{Stream: names[i], Expected: eventstore.NoStream, Events: own(wants[i])}
	}
	_, err := at.AppendAtomic(ctx(t), parts)
	require.NoError(t, err)
	for i := range parts {
		scribble(parts[i].Events)
		requireStream(t, s, names[i], wants[i])
	}
}
