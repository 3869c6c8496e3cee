package storetest

import (
	"context"
	"encoding/json"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/fapiao/fapiao/eventstore"
)

func testPositions(t *testing.T, s eventstore.Store, f Features) {
	names := []string{stream(t, "pos-a"), stream(t, "pos-b"), stream(t, "pos-c")}
	var want []eventstore.EventData
	var results []eventstore.AppendResult
	for i := range 30 {
		e := Events(1, "pos")
		res := appendOK(t, s, names[i%3], eventstore.Any, e...)
		if i > 0 {
			prev := results[i-1].Position
			require.Greater(t, res.Position, prev, "append %d", i)
			if f.Contiguous {
				require.Equal(t, prev+1, res.Position, "contiguous positions")
			}
		}
		want = append(want, e...)
		results = append(results, res)
	}
	got := readAllOf(t, s, results[0].Position, names...)
	require.Len(t, got, len(want)-1, "ReadAll after the first event's position excludes it")
	for i, r := range got {
		require.Equal(t, want[i+1].ID, r.ID)
		require.Equal(t, results[i+1].Position, r.Position)
		require.Equal(t, names[(i+1)%3], r.Stream)
		require.Equal(t, uint64((i+1)/3), r.Revision)
	}
	if f.Contiguous {
		// One append of several events takes consecutive positions too.
		res := appendOK(t, s, names[0], eventstore.Any, Events(4, "batch")...)
		require.Equal(t, results[len(results)-1].Position+4, res.Position)
	}
}

func testReadStreamFrom(t *testing.T, s eventstore.Store, _ Features) {
	name := stream(t, "from")
	es := Events(10, "from")
	appendOK(t, s, name, eventstore.NoStream, es...)
	for _, from := range []uint64{0, 1, 4, 9, 10, 100} {
		got, err := readStream(t, s, name, from)
		require.NoError(t, err, "from %d", from)
		if from >= 10 {
			require.Empty(t, got, "from %d", from)
			continue
		}
		requireEvents(t, es[from:], got, name, from)
	}
}

func testReadAllAfter(t *testing.T, s eventstore.Store, _ Features) {
	name := stream(t, "all")
	var pos []eventstore.Position
	es := Events(5, "all")
	for _, e := range es {
		pos = append(pos, appendOK(t, s, name, eventstore.Any, e).Position)
	}
	for i := range es {
		got := readAllOf(t, s, pos[i], name)
		requireEvents(t, es[i+1:], got, name, uint64(i+1))
	}
	got := readAllOf(t, s, eventstore.Start, name)
	requireEvents(t, es, got, name, 0)

	// Stopping an iteration early is allowed and ends it.
	n := 0
	for _, err := range s.ReadAll(ctx(t), pos[0]-1) {
		require.NoError(t, err)
		n++
		break
	}
	require.Equal(t, 1, n)
}

func testMissingStream(t *testing.T, s eventstore.Store, _ Features) {
	name := stream(t, "missing")
	for _, from := range []uint64{0, 3} {
		var errs []error
		for r, err := range s.ReadStream(ctx(t), name, from) {
			require.Error(t, err, "a missing stream yields no record, got %+v", r)
			errs = append(errs, err)
		}
		require.Len(t, errs, 1, "a missing stream yields one error")
		require.ErrorIs(t, errs[0], eventstore.ErrStreamNotFound)
	}
	// Other streams sharing a prefix do not make it exist.
	appendOK(t, s, name+"x", eventstore.NoStream, Events(1, "x")...)
	_, err := readStream(t, s, name, 0)
	require.ErrorIs(t, err, eventstore.ErrStreamNotFound)
	_, err = readStream(t, s, name[:len(name)-1], 0)
	require.ErrorIs(t, err, eventstore.ErrStreamNotFound)
}

func testLargeEvent(t *testing.T, s eventstore.Store, f Features) {
	size := f.LargeEventBytes
	if size == 0 {
		size = 1 << 20
	}
	blob := strings.Repeat("0123456789abcdef", size/16)
	e := Events(1, "large")[0]
	e.Data = json.RawMessage(`{"blob":"` + blob + `"}`)
	name := stream(t, "large")
	res := appendOK(t, s, name, eventstore.NoStream, e)
	small := Events(1, "after-large")
	appendOK(t, s, name, eventstore.Exact(0), small...)

	got, err := readStream(t, s, name, 0)
	require.NoError(t, err)
	require.Len(t, got, 2)
	require.Equal(t, e.ID, got[0].ID)
	require.Equal(t, len(e.Data), len(got[0].Data))
	require.JSONEq(t, string(e.Data), string(got[0].Data))
	all := readAllOf(t, s, res.Position-1, name)
	requireEvents(t, []eventstore.EventData{e, small[0]}, all, name, 0)
}

// testCancelled: a cancelled context ends reads and subscriptions and says
// so, so that a cut-short read never looks complete.
func testCancelled(t *testing.T, s eventstore.Store, _ Features) {
	name := stream(t, "cancel")
	first := appendOK(t, s, name, eventstore.NoStream, Events(20, "cancel")...)
	before := first.Position - 1
	cancelled, cancel := context.WithCancel(t.Context())
	cancel()

	t.Run("BeforeRead", func(t *testing.T) {
		reads := map[string]func(func(error) bool){
			"ReadStream": func(y func(error) bool) {
				for _, err := range s.ReadStream(cancelled, name, 0) {
					if !y(err) {
						return
					}
				}
			},
			"ReadAll": func(y func(error) bool) {
				for _, err := range s.ReadAll(cancelled, before) {
					if !y(err) {
						return
					}
				}
			},
			"Subscribe": func(y func(error) bool) {
				for _, err := range s.Subscribe(cancelled, before) {
					if !y(err) {
						return
					}
				}
			},
		}
		for op, read := range reads {
			var errs []error
			read(func(err error) bool {
				errs = append(errs, err)
				return err == nil && len(errs) < 1000
			})
			require.NotEmpty(t, errs, "%s with a cancelled context yields its error", op)
			last := errs[len(errs)-1]
			require.ErrorIs(t, last, context.Canceled, "%s", op)
			if op != "Subscribe" {
				require.Len(t, errs, 1, "%s with a cancelled context yields no record", op)
			}
		}
	})

	t.Run("DuringRead", func(t *testing.T) {
		c, cancel := context.WithCancel(ctx(t))
		defer cancel()
		n := 0
		for _, err := range s.ReadStream(c, name, 0) {
			n++
			if n == 1 {
				require.NoError(t, err)
				cancel()
				continue
			}
			if err != nil {
				require.ErrorIs(t, err, context.Canceled)
			}
			require.Less(t, n, 100, "the read goes on after its context was cancelled")
		}
	})

	t.Run("LiveSubscription", func(t *testing.T) {
		c, cancel := context.WithCancel(ctx(t))
		defer cancel()
		done := subscribeCaughtUp(t, s, c, first.Position)
		cancel()
		requireEnds(t, done, context.Canceled)
	})
}
