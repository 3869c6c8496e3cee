package bolt_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/uuid"
	"github.com/stretchr/testify/require"

	"github.com/fapiao/fapiao/eventstore"
	"github.com/fapiao/fapiao/eventstore/bolt"
	"github.com/fapiao/fapiao/eventstore/bolt/bolttest"
	"github.com/fapiao/fapiao/eventstore/storetest"
)

func open(t *testing.T, path string, opts ...bolt.Options) *bolt.Store {
	t.Helper()
	s, err := bolt.Open(path, opts...)
	require.NoError(t, err)
	return s
}

func TestContract(t *testing.T) {
	storetest.Run(t, func(t *testing.T) eventstore.Store {
		return open(t, filepath.Join(t.TempDir(), "fapiao.db"))
	}, storetest.Features{
		Contiguous: true,
		Persistent: true,
		Reopen: func(t *testing.T, s eventstore.Store) eventstore.Store {
			b := s.(*bolt.Store)
			require.NoError(t, b.Close())
			return open(t, b.Path())
		},
	})
}

// TestStreamLenderContract: LendStream reads each record's pages with
// pread (small records many to a leaf, large ones on overflow pages, a log
// with branch pages) and lends what ReadStream reads.
func TestStreamLenderContract(t *testing.T) {
	storetest.RunStreamLender(t, func(t *testing.T) eventstore.Store {
		return open(t, filepath.Join(t.TempDir(), "fapiao.db"))
	})
}

func event(n int) eventstore.EventData {
	return eventstore.EventData{
		ID:       uuid.New(),
		Type:     "Tested",
		Data:     json.RawMessage(fmt.Sprintf(`{"n":%d}`, n)),
		Metadata: json.RawMessage(`{}`),
	}
}

func TestPositionsStartAtOneAndSurviveReopen(t *testing.T) {
	path := filepath.Join(t.TempDir(), "fapiao.db")
	s := open(t, path)
	require.Equal(t, eventstore.Start, s.LastPosition())
	res, err := s.Append(t.Context(), "a", eventstore.NoStream, event(0), event(1))
	require.NoError(t, err)
	require.Equal(t, eventstore.AppendResult{NextExpectedRevision: 1, Position: 2, FirstPosition: 1}, res)
	require.Equal(t, eventstore.Position(2), s.LastPosition())
	require.NoError(t, s.Close())
	require.NoError(t, s.Close(), "closing twice is harmless")

	s = open(t, path)
	defer s.Close()
	require.Equal(t, eventstore.Position(2), s.LastPosition())
	res, err = s.Append(t.Context(), "b", eventstore.NoStream, event(2))
	require.NoError(t, err)
	require.Equal(t, eventstore.AppendResult{NextExpectedRevision: 0, Position: 3, FirstPosition: 3}, res)
}

func TestAppendRejectsWhatCannotBeStored(t *testing.T) {
	s := open(t, filepath.Join(t.TempDir(), "fapiao.db"))
	defer s.Close()
	noID := event(0)
	noID.ID = uuid.Nil
	noType := event(0)
	noType.Type = ""
	cases := map[string]struct {
		stream string
		e      eventstore.EventData
	}{
		"empty stream": {"", event(0)},
		"nil ID":       {"s", noID},
		"no type":      {"s", noType},
	}
	for name, c := range cases {
		t.Run(name, func(t *testing.T) {
			_, err := s.Append(t.Context(), c.stream, eventstore.Any, c.e)
			require.Error(t, err)
		})
	}
	require.Equal(t, eventstore.Start, s.LastPosition())
}

func TestEmptyAppendReportsTheStream(t *testing.T) {
	s := open(t, filepath.Join(t.TempDir(), "fapiao.db"))
	defer s.Close()
	_, err := s.Append(t.Context(), "a", eventstore.NoStream, event(0), event(1))
	require.NoError(t, err)
	res, err := s.Append(t.Context(), "a", eventstore.Exact(1))
	require.NoError(t, err)
	require.Equal(t, eventstore.AppendResult{NextExpectedRevision: 1, Position: 2}, res)
	_, err = s.Append(t.Context(), "a", eventstore.Exact(0))
	require.ErrorIs(t, err, eventstore.ErrWrongExpectedVersion)
}

// TestWriteFailureIsUnavailable makes the commit fail (the file may not grow)
// and checks that the append says so, nothing of it is visible, and the
// store goes on working.
func TestWriteFailureIsUnavailable(t *testing.T) {
	s := open(t, filepath.Join(t.TempDir(), "fapiao.db"), bolt.Options{MaxSize: 1 << 20})
	defer s.Close()
	_, err := s.Append(t.Context(), "a", eventstore.NoStream, event(0))
	require.NoError(t, err)

	big := event(1)
	big.Data = json.RawMessage(`"` + strings.Repeat("x", 2<<20) + `"`)
	_, err = s.Append(t.Context(), "a", eventstore.Exact(0), big)
	require.ErrorIs(t, err, eventstore.ErrUnavailable)
	require.Equal(t, eventstore.Position(1), s.LastPosition())

	res, err := s.Append(t.Context(), "a", eventstore.Exact(0), event(2))
	require.NoError(t, err)
	require.Equal(t, eventstore.AppendResult{NextExpectedRevision: 1, Position: 2, FirstPosition: 2}, res)
	var n int
	for r, err := range s.ReadAll(t.Context(), eventstore.Start) {
		require.NoError(t, err)
		require.NotEqual(t, big.ID, r.ID)
		n++
	}
	require.Equal(t, 2, n)
}

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

// holder: the test binary holds a store open for TestSecondProcessFailsFast.
var holder = storetest.Lock{
	Env:    "FAPIAO_BOLT_TEST_HOLD",
	Holder: "TestHoldLock",
	Open:   func(path string) (io.Closer, error) { return bolt.Open(path) },
}

// TestHoldLock is the helper process of TestSecondProcessFailsFast; run
// normally it does nothing.
func TestHoldLock(t *testing.T) { holder.Hold(t) }

func TestSecondProcessFailsFast(t *testing.T) {
	holder.SecondProcessFailsFast(t, filepath.Join(t.TempDir(), "fapiao.db"))
}

func TestClosedStoreRefusesQueuedAppends(t *testing.T) {
	s := open(t, filepath.Join(t.TempDir(), "fapiao.db"))
	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	errs := make(chan error, 64)
	for i := range 64 {
		go func() {
			_, err := s.Append(ctx, fmt.Sprintf("s-%d", i), eventstore.NoStream, event(i))
			errs <- err
		}()
	}
	require.NoError(t, s.Close())
	for range 64 {
		if err := <-errs; err != nil {
			require.ErrorIs(t, err, eventstore.ErrClosed)
		}
	}
}

// TestAppendReportsFirstPosition: an append that writes its events reports
// where the first went; so does an idempotent retry of it; a retry of
// events written by separate appends, with another stream's event between
// them, does not claim consecutive positions.
func TestAppendReportsFirstPosition(t *testing.T) {
	s := open(t, filepath.Join(t.TempDir(), "first.db"))
	defer s.Close()
	ctx := context.Background()
	_, err := s.Append(ctx, "other", eventstore.Any, event(100))
	require.NoError(t, err)

	evs := []eventstore.EventData{event(1), event(2), event(3)}
	res, err := s.Append(ctx, "s", eventstore.NoStream, evs...)
	require.NoError(t, err)
	first := res.FirstPosition
	require.Equal(t, res.Position-2, first)
	var got []eventstore.Position
	for r, err := range s.ReadStream(ctx, "s", 0) {
		require.NoError(t, err)
		got = append(got, r.Position)
	}
	require.Equal(t, []eventstore.Position{first, first + 1, first + 2}, got)

	again, err := s.Append(ctx, "s", eventstore.NoStream, evs...)
	require.NoError(t, err)
	require.Equal(t, res, again, "an idempotent retry reports the first result, FirstPosition included")

	// t: two appends with another stream's event between them.
	a, b := event(4), event(5)
	_, err = s.Append(ctx, "t", eventstore.NoStream, a)
	require.NoError(t, err)
	_, err = s.Append(ctx, "other", eventstore.Any, event(101))
	require.NoError(t, err)
	_, err = s.Append(ctx, "t", eventstore.Exact(0), b)
	require.NoError(t, err)
	res, err = s.Append(ctx, "t", eventstore.NoStream, a, b)
	require.NoError(t, err, "an idempotent retry of both")
	require.Zero(t, res.FirstPosition, "their positions are not consecutive")

	res, err = s.Append(ctx, "s", eventstore.Any)
	require.NoError(t, err)
	require.Zero(t, res.FirstPosition, "no events")
	res, err = s.Append(ctx, "s", eventstore.Exact(7), event(6))
	require.Error(t, err)
	require.Zero(t, res.FirstPosition)
}

// TestReadStreamFromPastTheEnd: reading a stream from its next revision or
// beyond yields nothing (and no error); from its last, that event.
func TestReadStreamFromPastTheEnd(t *testing.T) {
	s := open(t, filepath.Join(t.TempDir(), "end.db"))
	defer s.Close()
	ctx := context.Background()
	_, err := s.Append(ctx, "s", eventstore.NoStream, event(0), event(1))
	require.NoError(t, err)
	for _, tt := range []struct {
		from uint64
		want []uint64
	}{{1, []uint64{1}}, {2, nil}, {3, nil}, {1 << 63, nil}} {
		var got []uint64
		for r, err := range s.ReadStream(ctx, "s", tt.from) {
			require.NoError(t, err)
			got = append(got, r.Revision)
		}
		require.Equal(t, tt.want, got, "from %d", tt.from)
	}
}
