package seglog_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/google/uuid"
	"golang.org/x/sync/errgroup"

	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"

	"github.com/fapiao/fapiao/eventstore"
	"github.com/fapiao/fapiao/eventstore/seglog"
	"github.com/fapiao/fapiao/eventstore/storetest"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

func open(t testing.TB, dir string, opts ...seglog.Options) *seglog.Store {
	t.Helper()
	s, err := seglog.Open(dir, opts...)
	require.NoError(t, err)
	return s
}

func TestContract(t *testing.T) {
	storetest.Run(t, func(t *testing.T) eventstore.Store {
		// Small segments, so the suite also crosses segment boundaries.
		return open(t, filepath.Join(t.TempDir(), "log"), seglog.Options{SegmentBytes: 256 << 10})
	}, storetest.Features{
		Contiguous: true,
		Persistent: true,
		Reopen: func(t *testing.T, s eventstore.Store) eventstore.Store {
			l := s.(*seglog.Store)
			require.NoError(t, l.Close())
			return open(t, l.Path(), seglog.Options{SegmentBytes: 256 << 10})
		},
	})
}

// TestStreamLenderContract: LendStream hands out what ReadStream reads,
// across segments (small ones).
func TestStreamLenderContract(t *testing.T) {
	storetest.RunStreamLender(t, func(t *testing.T) eventstore.Store {
		return open(t, filepath.Join(t.TempDir(), "log"), seglog.Options{SegmentBytes: 256 << 10})
	})
}

func event(n int) eventstore.EventData {
	return eventstore.EventData{ID: uuid.New(), Type: "Tested",
		Data: json.RawMessage(fmt.Sprintf(`{"n":%d}`, n)), Metadata: json.RawMessage(`{}`)}
}

func TestPositionsAndFirstPositionSurviveReopen(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "log")
	s := open(t, dir)
	res, err := s.Append(t.Context(), "a", eventstore.NoStream, event(0), event(1))
	require.NoError(t, err)
	require.Equal(t, eventstore.AppendResult{NextExpectedRevision: 1, Position: 2, FirstPosition: 1}, res)
	retry, err := s.Append(t.Context(), "a", eventstore.NoStream, event(5))
	require.ErrorIs(t, err, eventstore.ErrWrongExpectedVersion)
	require.Zero(t, retry)
	require.NoError(t, s.Close())
	require.NoError(t, s.Close(), "closing twice is harmless")

	s = open(t, dir)
	defer s.Close()
	require.Equal(t, eventstore.Position(2), s.LastPosition())
	res, err = s.Append(t.Context(), "b", eventstore.NoStream, event(2))
	require.NoError(t, err)
	require.Equal(t, eventstore.AppendResult{NextExpectedRevision: 0, Position: 3, FirstPosition: 3}, res)
	commits, events := s.BatchStats()
	require.Equal(t, uint64(1), commits)
	require.Equal(t, uint64(1), events)
}

// TestReadOnlyBesideAWriter: an audit job opens the log read-only while the
// writer holds it, sees what was committed when it opened, and cannot append.
func TestReadOnlyBesideAWriter(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "log")
	w := open(t, dir)
	defer w.Close()
	_, err := w.Append(t.Context(), "a", eventstore.NoStream, event(0), event(1))
	require.NoError(t, err)

	r := open(t, dir, seglog.Options{ReadOnly: true})
	defer r.Close()
	_, err = w.Append(t.Context(), "a", eventstore.Exact(1), event(2))
	require.NoError(t, err)
	n := 0
	for rec, err := range r.ReadStream(t.Context(), "a", 0) {
		require.NoError(t, err)
		require.Equal(t, uint64(n), rec.Revision)
		n++
	}
	require.Equal(t, 2, n, "the read-only view is the log as it was at open")
	_, err = r.Append(t.Context(), "a", eventstore.Any, event(3))
	require.Error(t, err)
	problems, err := r.Problems()
	require.NoError(t, err)
	require.Empty(t, problems)

	_, err = seglog.Open(filepath.Join(t.TempDir(), "none"), seglog.Options{ReadOnly: true})
	require.Error(t, err, "a read-only open creates nothing")
}

// holder: the test binary holds a store open for TestSecondProcessFailsFast.
var holder = storetest.Lock{
	Env:    "FAPIAO_SEGLOG_TEST_HOLD",
	Holder: "TestHoldLock",
	Open:   func(path string) (io.Closer, error) { return seglog.Open(path) },
}

// TestHoldLock is the helper process of TestSecondProcessFailsFast; run
// normally it does nothing.
func TestHoldLock(t *testing.T) { holder.Hold(t) }

func TestSecondProcessFailsFast(t *testing.T) {
	holder.SecondProcessFailsFast(t, filepath.Join(t.TempDir(), "log"))
}

// TestGroupCommit: concurrent appends all land, in position order for a
// subscriber, which each commit wakes.
func TestGroupCommit(t *testing.T) {
	s := open(t, filepath.Join(t.TempDir(), "log"))
	defer s.Close()
	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	seen := make(chan eventstore.Position, 256)
	go func() {
		for m, err := range s.Subscribe(ctx, eventstore.Start) {
			if err != nil {
				close(seen)
				return
			}
			if !m.CaughtUp {
				seen <- m.Record.Position
			}
		}
	}()
	const writers = 64
	var g errgroup.Group
	for i := range writers {
		g.Go(func() error {
			_, err := s.Append(t.Context(), fmt.Sprint("w", i), eventstore.NoStream, event(i))
			return err
		})
	}
	require.NoError(t, g.Wait())
	commits, events := s.BatchStats()
	require.Equal(t, uint64(writers), events)
	// How many share a commit depends on the machine's timing; the
	// benchmark reports it (events/commit). Never more commits than appends.
	require.LessOrEqual(t, commits, uint64(writers))
	for i := range writers {
		select {
		case pos := <-seen:
			require.Equal(t, eventstore.Position(i+1), pos)
		case <-time.After(10 * time.Second):
			t.Fatalf("subscriber saw %d of %d events", i, writers)
		}
	}
	cancel()
	for range seen {
	}
}

// TestReadsFormat1: a log written before the envelope codec (format 1, raw
// records; testdata/v1log, with what that build read back) reads back the
// same bytes, takes appends (in a new format-2 segment) and checks clean.
func TestReadsFormat1(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "log")
	require.NoError(t, os.CopyFS(dir, os.DirFS("testdata/v1log")))
	golden, err := os.ReadFile("testdata/v1log.golden.jsonl")
	require.NoError(t, err)
	type rec struct {
		Position uint64
		Stream   string
		Revision uint64
		ID       uuid.UUID
		Type     string
		Data     []byte
		Metadata []byte
	}
	var want []rec
	for line := range bytes.Lines(golden) {
		var r rec
		require.NoError(t, json.Unmarshal(line, &r))
		want = append(want, r)
	}
	require.Len(t, want, 40)
	readAll := func(s *seglog.Store) []rec {
		var got []rec
		for r, err := range s.ReadAll(t.Context(), eventstore.Start) {
			require.NoError(t, err)
			got = append(got, rec{r.Position, r.Stream, r.Revision, r.ID, r.Type, []byte(r.Data), []byte(r.Metadata)})
		}
		return got
	}
	for i := range want {
		if len(want[i].Data) == 0 {
			want[i].Data = []byte{}
		}
		if len(want[i].Metadata) == 0 {
			want[i].Metadata = []byte{}
		}
	}

	ro := open(t, dir, seglog.Options{ReadOnly: true})
	require.Equal(t, want, readAll(ro))
	require.NoError(t, ro.Close())

	s := open(t, dir, seglog.Options{SegmentBytes: 4 << 10})
	require.Equal(t, want, readAll(s))
	var stream []rec
	for r, err := range s.ReadStream(t.Context(), "account-v1-1", 0) {
		require.NoError(t, err)
		stream = append(stream, rec{r.Position, r.Stream, r.Revision, r.ID, r.Type, []byte(r.Data), []byte(r.Metadata)})
	}
	require.Len(t, stream, 13)
	require.Equal(t, want[1], stream[0])
	res, err := s.Append(t.Context(), "account-v1-1", eventstore.Exact(12), event(41))
	require.NoError(t, err)
	require.Equal(t, eventstore.Position(41), res.Position)
	require.NoError(t, s.Close())

	s = open(t, dir, seglog.Options{SegmentBytes: 4 << 10})
	defer s.Close()
	got := readAll(s)
	require.Len(t, got, 41)
	require.Equal(t, want, got[:40])
	requireChecked(t, dir, 41, 5) // the appends in a new segment after the format-1 ones
}

// requireChecked says the checker finds nothing wrong in the log at dir,
// and events records in segments segments.
func requireChecked(t *testing.T, dir string, events uint64, segments int) {
	t.Helper()
	rep, err := seglog.Check(dir)
	require.NoError(t, err)
	require.Empty(t, rep.Problems)
	require.Equal(t, events, rep.Events)
	require.Equal(t, segments, rep.Segments)
}

// TestReadsFormat2: a log written by format 2 (tokens; testdata/v2log,
// written by the build before format 3, its statements among them) reads
// back as it was written; appends go to a new segment of this format, a
// statement there in its form; and the checker finds nothing wrong.
func TestReadsFormat2(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "log")
	require.NoError(t, os.CopyFS(dir, os.DirFS("testdata/v2log")))
	golden, err := os.ReadFile("testdata/v2log.golden.jsonl")
	require.NoError(t, err)
	var want []eventstore.Record
	for line := range bytes.Lines(golden) {
		var r struct {
			Position       uint64
			Stream         string
			Revision       uint64
			ID             uuid.UUID
			Type           string
			Data, Metadata []byte
		}
		require.NoError(t, json.Unmarshal(line, &r))
		want = append(want, eventstore.Record{Position: r.Position, Stream: r.Stream, Revision: r.Revision, ID: r.ID, Type: r.Type, Data: r.Data, Metadata: r.Metadata})
	}
	require.Len(t, want, 30)
	readAll := func(s *seglog.Store) []eventstore.Record {
		var got []eventstore.Record
		for r, err := range s.ReadAll(t.Context(), eventstore.Start) {
			require.NoError(t, err)
			got = append(got, r)
		}
		return got
	}

	ro := open(t, dir, seglog.Options{ReadOnly: true})
	require.Equal(t, want, readAll(ro))
	require.NoError(t, ro.Close())

	s := open(t, dir, seglog.Options{SegmentBytes: 4 << 10})
	require.Equal(t, want, readAll(s))
	statement := want[0]
	require.Equal(t, "StatementPosted", statement.Type)
	statement.ID = uuid.New()
	res, err := s.Append(t.Context(), "account-v2-0", eventstore.Any, eventstore.EventData{ID: statement.ID, Type: statement.Type, Data: statement.Data, Metadata: statement.Metadata})
	require.NoError(t, err)
	require.Equal(t, eventstore.Position(31), res.Position)
	var forms int
	require.NoError(t, s.LendStream(t.Context(), "account-v2-0", res.Position, eventstore.LendForms, nil, func(chunk []eventstore.Record) error {
		for _, r := range chunk {
			if r.Form == eventstore.FormStatement {
				forms++
				require.Equal(t, res.Position, r.Position, "only the statement appended by this format is in its form")
			}
		}
		return nil
	}))
	require.Equal(t, 1, forms)
	require.NoError(t, s.Close())

	s = open(t, dir, seglog.Options{SegmentBytes: 4 << 10})
	defer s.Close()
	got := readAll(s)
	require.Len(t, got, 31)
	require.Equal(t, want, got[:30])
	require.Equal(t, statement.Data, got[30].Data)
	requireChecked(t, dir, 31, 3) // the append in a new segment after the format-2 ones
}

// TestReadStreamAtTheEndIsCheap: the ledger catches a cached account up
// before every command, a read that finds nothing new; it must not pay
// for a read buffer (it allocated one of 4 KiB each time).
func TestReadStreamAtTheEndIsCheap(t *testing.T) {
	s := open(t, filepath.Join(t.TempDir(), "log"), seglog.Options{NoSync: true})
	defer s.Close()
	_, err := s.Append(t.Context(), "a", eventstore.NoStream, event(0), event(1))
	require.NoError(t, err)
	ctx := t.Context()
	read := func() {
		for _, err := range s.ReadStream(ctx, "a", 2) {
			require.NoError(t, err)
			t.Fatal("read an event past the stream's end")
		}
	}
	allocs := testing.AllocsPerRun(100, read)
	require.Zero(t, allocs, "allocations of a read that finds nothing")
}

// TestStreamLen: a stream's length without a read, none for an unknown
// stream or a closed store, and without an allocation.
func TestStreamLen(t *testing.T) {
	s := open(t, filepath.Join(t.TempDir(), "log"), seglog.Options{NoSync: true})
	_, ok := s.StreamLen("a")
	require.False(t, ok, "an unknown stream")
	_, err := s.Append(t.Context(), "a", eventstore.NoStream, event(0), event(1))
	require.NoError(t, err)
	n, ok := s.StreamLen("a")
	require.True(t, ok)
	require.Equal(t, uint64(2), n)
	_, err = s.Append(t.Context(), "a", eventstore.Exact(1), event(2))
	require.NoError(t, err)
	n, _ = s.StreamLen("a")
	require.Equal(t, uint64(3), n)
	require.Zero(t, testing.AllocsPerRun(100, func() { s.StreamLen("a") }))
	require.NoError(t, s.Close())
	_, ok = s.StreamLen("a")
	require.False(t, ok, "a closed store")
}

// TestAppendAtomic: the parts of an atomic append land in one group
// commit, each as its Append would (revisions, consecutive positions, a
// retry recognised); a refusal of any part writes none; a stream twice is
// refused before anything is queued; a reopened store reads them all.
func TestAppendAtomic(t *testing.T) {
	ctx := t.Context()
	dir := filepath.Join(t.TempDir(), "log")
	s := open(t, dir, seglog.Options{NoSync: true})
	e0 := event(0)
	_, err := s.Append(ctx, "acc", eventstore.NoStream, e0)
	require.NoError(t, err)
	commits0, _ := s.BatchStats()
	accEvents := []eventstore.EventData{event(1), event(2)}
	resEvent := []eventstore.EventData{event(3)}
	parts := []eventstore.StreamAppend{
		{Stream: "acc", Expected: eventstore.Exact(0), Events: accEvents},
		{Stream: "number-1", Expected: eventstore.NoStream, Events: resEvent},
	}
	res, err := s.AppendAtomic(ctx, parts)
	require.NoError(t, err)
	commits1, _ := s.BatchStats()
	require.Equal(t, commits0+1, commits1, "one group commit for both streams")
	require.Len(t, res, 2)
	require.Equal(t, uint64(2), res[0].NextExpectedRevision)
	require.Equal(t, res[0].FirstPosition+1, res[0].Position)
	require.Equal(t, uint64(0), res[1].NextExpectedRevision)
	require.Equal(t, res[1].FirstPosition, res[1].Position)
	require.Equal(t, res[0].Position+1, res[1].Position, "the parts in order, one after the other")

	// The same append again is a retry of both: the same answers, nothing written.
	again, err := s.AppendAtomic(ctx, parts)
	require.NoError(t, err)
	require.Equal(t, res, again)
	n, _ := s.StreamLen("acc")
	require.Equal(t, uint64(3), n)

	// One part refused: nothing of the other is written.
	_, err = s.AppendAtomic(ctx, []eventstore.StreamAppend{
		{Stream: "acc", Expected: eventstore.Exact(2), Events: []eventstore.EventData{event(4)}},
		{Stream: "number-1", Expected: eventstore.NoStream, Events: []eventstore.EventData{event(5)}},
	})
	var wrong *eventstore.WrongExpectedVersionError
	require.ErrorAs(t, err, &wrong)
	require.Equal(t, "number-1", wrong.Stream)
	n, _ = s.StreamLen("acc")
	require.Equal(t, uint64(3), n, "the account part of a refused atomic append")
	_, err = s.AppendAtomic(ctx, []eventstore.StreamAppend{
		{Stream: "new-1", Expected: eventstore.NoStream, Events: []eventstore.EventData{event(6)}},
		{Stream: "acc", Expected: eventstore.Exact(7), Events: []eventstore.EventData{event(7)}},
	})
	require.ErrorAs(t, err, &wrong)
	_, ok := s.StreamLen("new-1")
	require.False(t, ok, "a new stream of a refused atomic append")

	_, err = s.AppendAtomic(ctx, []eventstore.StreamAppend{
		{Stream: "x", Expected: eventstore.Any, Events: []eventstore.EventData{event(8)}},
		{Stream: "x", Expected: eventstore.Any, Events: []eventstore.EventData{event(9)}},
	})
	require.Error(t, err)
	_, ok = s.StreamLen("x")
	require.False(t, ok, "a stream named twice")

	require.NoError(t, s.Close())
	_, err = s.AppendAtomic(ctx, parts)
	require.ErrorIs(t, err, eventstore.ErrClosed)
	s = open(t, dir, seglog.Options{NoSync: true})
	defer s.Close()
	var got []uuid.UUID
	for r, err := range s.ReadAll(ctx, eventstore.Start) {
		require.NoError(t, err)
		got = append(got, r.ID)
	}
	require.Equal(t, []uuid.UUID{e0.ID, accEvents[0].ID, accEvents[1].ID, resEvent[0].ID}, got)
}
