// Package storetest is the contract every eventstore.Store passes. A backend
// runs it from its own tests:
//
//	storetest.Run(t, func(t *testing.T) eventstore.Store { … }, storetest.Features{…})
//
// The cases assume only what EventStoreDB guarantees, so the same suite runs
// against the embedded store and the EventStoreDB adapter: positions are
// increasing but not contiguous unless Features says so, the log may hold
// other tests' events (each case uses streams with a unique suffix and
// filters the global log by them), and event data is JSON.
//
// Beyond EventStoreDB the suite asks two things of every adapter: a read or
// subscription ended by a cancelled context yields an error that
// errors.Is(err, context.Canceled), and one ended by Close yields one that
// errors.Is(err, eventstore.ErrClosed).
package storetest

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/stretchr/testify/require"

	"github.com/fapiao/fapiao/eventstore"
)

// Features is what a backend declares it guarantees beyond the common
// contract; the suite checks each declared guarantee instead of skipping.
type Features struct {
	// Contiguous: consecutive events in the global log have consecutive
	// positions (the embedded store). EventStoreDB's are byte offsets.
	Contiguous bool
	// Persistent: events survive a restart. Reopen must then be set.
	Persistent bool
	// Reopen closes s and opens the same log again (a restart).
	Reopen func(t *testing.T, s eventstore.Store) eventstore.Store
	// LargeEventBytes is the data size of the large-event case; zero means
	// 1 MiB.
	LargeEventBytes int
}

// wait bounds every wait in the suite: a broken store fails a case instead
// of hanging the test binary.
const wait = 30 * time.Second

// Run runs the contract suite. newStore is called once per case; the suite
// closes what it returns when the case ends (newStore's own t.Cleanup, e.g.
// removing a temp dir, runs after that).
func Run(t *testing.T, newStore func(t *testing.T) eventstore.Store, f Features) {
	if f.Persistent && f.Reopen == nil {
		t.Fatal("storetest: Features.Persistent needs Features.Reopen")
	}
	open := func(t *testing.T) eventstore.Store {
		s := newStore(t)
		var once sync.Once
		t.Cleanup(func() { once.Do(func() { _ = s.Close() }) })
		return s
	}
	cases := []struct {
		name string
		run  func(t *testing.T, s eventstore.Store, f Features)
	}{
		{"Ordering", testOrdering},
		{"ExpectedRevision", testExpectedRevision},
		{"RacingWriters", testRacingWriters},
		{"FailureIsolated", testFailureIsolated},
		{"Idempotent", testIdempotent},
		{"AppendKeepsNothing", testAppendKeepsNothing},
		{"PositionsIncreaseAcrossStreams", testPositions},
		{"ReadStreamFrom", testReadStreamFrom},
		{"ReadAllAfter", testReadAllAfter},
		{"MissingStream", testMissingStream},
		{"Subscribe", testSubscribe},
		{"SubscribeResumeExclusive", testSubscribeResume},
		{"Cancelled", testCancelled},
		{"LargeEvent", testLargeEvent},
		{"Closed", testClosed},
		{"Reopen", testReopen},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			c.run(t, open(t), f)
		})
	}
}

// stream returns a stream name no other case or run uses.
func stream(t *testing.T, kind string) string {
	return fmt.Sprintf("storetest_%s-%s", kind, strings.ReplaceAll(uuid.NewString(), "-", ""))
}

// streamOf returns a new stream (named as stream does) holding n events,
// and the events.
func streamOf(t *testing.T, s eventstore.Store, kind string, n int) (string, []eventstore.EventData) {
	t.Helper()
	name := stream(t, kind)
	es := Events(n, "before")
	if n > 0 {
		appendOK(t, s, name, eventstore.NoStream, es...)
	}
	return name, es
}

// Events returns n new events whose data says which they are
// ({"tag":tag,"n":i,…}), for the contract cases and the stores' own tests.
func Events(n int, tag string) []eventstore.EventData {
	es := make([]eventstore.EventData, n)
	for i := range es {
		es[i] = eventstore.EventData{
			ID:       uuid.New(),
			Type:     "StoretestHappened",
			Data:     json.RawMessage(fmt.Sprintf(`{"tag":%q,"n":%d,"note":"lorem ipsum dolor sit amet"}`, tag, i)),
			Metadata: json.RawMessage(`{"schema_version":1,"actor":{"role":"test","id":"storetest"}}`),
		}
	}
	return es
}

func ctx(t *testing.T) context.Context {
	c, cancel := context.WithTimeout(t.Context(), wait)
	t.Cleanup(cancel)
	return c
}

func appendOK(t *testing.T, s eventstore.Store, name string, exp eventstore.ExpectedRevision, es ...eventstore.EventData) eventstore.AppendResult {
	t.Helper()
	res, err := s.Append(ctx(t), name, exp, es...)
	require.NoError(t, err, "append %d events to %s expecting %s", len(es), name, exp)
	return res
}

// readStream reads a whole stream from a revision.
func readStream(t *testing.T, s eventstore.Store, name string, from uint64) ([]eventstore.Record, error) {
	t.Helper()
	var out []eventstore.Record
	for r, err := range s.ReadStream(ctx(t), name, from) {
		if err != nil {
			return out, err
		}
		out = append(out, r)
	}
	return out, nil
}

// requireStream reads a whole stream and requires that it holds exactly
// want, from revision 0; it returns the records read.
func requireStream(t *testing.T, s eventstore.Store, name string, want []eventstore.EventData) []eventstore.Record {
	t.Helper()
	got, err := readStream(t, s, name, 0)
	require.NoError(t, err)
	requireEvents(t, want, got, name, 0)
	return got
}

// ReadAll is the whole log of s, for the tests of the packages above the
// stores (the ledger's, the jobs').
func ReadAll(t testing.TB, s eventstore.Store) []eventstore.Record {
	t.Helper()
	var out []eventstore.Record
	for r, err := range s.ReadAll(context.Background(), eventstore.Start) {
		require.NoError(t, err)
		out = append(out, r)
	}
	return out
}

// readAllOf reads the global log after a position, keeping the events of
// the given streams (other tests may write to the same log). It also checks
// that positions increase over everything read.
func readAllOf(t *testing.T, s eventstore.Store, after eventstore.Position, streams ...string) []eventstore.Record {
	t.Helper()
	var out []eventstore.Record
	prev := after
	for r, err := range s.ReadAll(ctx(t), after) {
		require.NoError(t, err)
		require.Greater(t, r.Position, prev, "ReadAll positions must increase (after %d)", after)
		prev = r.Position
		for _, name := range streams {
			if r.Stream == name {
				out = append(out, r)
			}
		}
	}
	return out
}

// requireEvents checks records against what was appended.
func requireEvents(t *testing.T, want []eventstore.EventData, got []eventstore.Record, name string, firstRev uint64) {
	t.Helper()
	require.Len(t, got, len(want))
	for i, r := range got {
		require.Equal(t, name, r.Stream)
		require.Equal(t, firstRev+uint64(i), r.Revision, "revision of record %d", i)
		require.Equal(t, want[i].ID, r.ID, "ID of record %d", i)
		require.Equal(t, want[i].Type, r.Type)
		require.JSONEq(t, string(want[i].Data), string(r.Data))
		require.JSONEq(t, string(want[i].Metadata), string(r.Metadata))
		if i > 0 {
			require.Greater(t, r.Position, got[i-1].Position)
		}
	}
}

// requireWrong checks a wrong-expected-version error and its fields.
// actual < 0 means the stream has no events.
func requireWrong(t *testing.T, err error, name string, exp eventstore.ExpectedRevision, actual int64) {
	t.Helper()
	require.ErrorIs(t, err, eventstore.ErrWrongExpectedVersion)
	var w *eventstore.WrongExpectedVersionError
	require.True(t, errors.As(err, &w), "error %v is not a *WrongExpectedVersionError", err)
	require.Equal(t, name, w.Stream)
	require.Equal(t, exp, w.Expected)
	require.Equal(t, actual >= 0, w.ActualExists, "ActualExists")
	if actual >= 0 {
		require.Equal(t, uint64(actual), w.Actual, "Actual")
	}
}
