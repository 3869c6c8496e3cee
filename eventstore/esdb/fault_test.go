package esdb_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/stretchr/testify/require"

	"github.com/fapiao/fapiao/eventstore"
	"github.com/fapiao/fapiao/eventstore/esdb"
	"github.com/fapiao/fapiao/eventstore/esdb/esdbtest"
	"github.com/fapiao/fapiao/eventstore/storetest"
)

// bound is how long a test waits for something before it fails.
const bound = 20 * time.Second

func testCtx(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(t.Context(), bound)
	t.Cleanup(cancel)
	return ctx
}

func readAll(t *testing.T, s eventstore.Store, stream string) []eventstore.Record {
	t.Helper()
	var out []eventstore.Record
	for r, err := range s.ReadStream(testCtx(t), stream, 0) {
		require.NoError(t, err)
		out = append(out, r)
	}
	return out
}

// collect runs a subscription in the background and hands its messages
// and its final error over channels.
func collect(ctx context.Context, s eventstore.Store, after eventstore.Position) (<-chan eventstore.Message, <-chan error) {
	msgs, errs := make(chan eventstore.Message, 100), make(chan error, 1)
	go func() {
		defer close(errs)
		for m, err := range s.Subscribe(ctx, after) {
			if err != nil {
				errs <- err
				return
			}
			msgs <- m
		}
	}()
	return msgs, errs
}

func next(t *testing.T, msgs <-chan eventstore.Message, errs <-chan error) eventstore.Message {
	t.Helper()
	select {
	case m := <-msgs:
		return m
	case err := <-errs:
		t.Fatalf("subscription ended: %v", err)
	case <-time.After(bound):
		t.Fatal("no subscription message")
	}
	return eventstore.Message{}
}

// TestSubscriptionSurvivesRestart stops the server under a live
// subscription, writes nothing while it is down (appends fail), restarts it
// and checks the subscriber then sees exactly the new events.
func TestSubscriptionSurvivesRestart(t *testing.T) {
	srv := esdbtest.New(t)
	s := open(t, srv.URL(), esdb.WithAppendRetries(1))
	t.Cleanup(func() { _ = s.Close() })
	ctx := testCtx(t)
	first := storetest.Events(3, "fault")
	_, err := s.Append(ctx, "account-r", eventstore.NoStream, first...)
	require.NoError(t, err)

	msgs, errs := collect(ctx, s, eventstore.Start)
	for i := range first {
		require.Equal(t, first[i].ID, next(t, msgs, errs).Record.ID)
	}
	require.True(t, next(t, msgs, errs).CaughtUp)

	srv.Stop()
	_, err = s.Append(ctx, "account-r", eventstore.Exact(2), storetest.Events(1, "fault")...)
	require.ErrorIs(t, err, eventstore.ErrUnavailable, "an append to a stopped server")
	require.NoError(t, srv.Restart())
	require.NoError(t, s.WaitReady(ctx))

	second := storetest.Events(2, "fault")
	_, err = s.Append(ctx, "account-r", eventstore.Exact(2), second...)
	require.NoError(t, err)
	_, err = s.Append(ctx, "account-r", eventstore.Exact(4), storetest.Events(1, "fault")...)
	require.NoError(t, err)
	for i := range second {
		m := next(t, msgs, errs)
		require.False(t, m.CaughtUp, "caught-up is signalled once")
		require.Equal(t, second[i].ID, m.Record.ID, "event %d after the restart", i)
		require.Equal(t, uint64(3+i), m.Record.Revision)
	}
	m := next(t, msgs, errs)
	require.Equal(t, uint64(5), m.Record.Revision, "no loss, no duplicate")
	require.Len(t, readAll(t, s, "account-r"), 6)
}

// TestServerDownAtStart opens a store on a server that is not up: calls fail
// with ErrUnavailable, WaitReady retries until the server comes up, and the
// store then works without being reopened.
func TestServerDownAtStart(t *testing.T) {
	srv := esdbtest.NewDown(t)
	s := open(t, srv.URL(), esdb.WithAppendRetries(2))
	t.Cleanup(func() { _ = s.Close() })
	ctx := testCtx(t)

	_, err := s.Append(ctx, "account-d", eventstore.NoStream, storetest.Events(1, "fault")...)
	require.ErrorIs(t, err, eventstore.ErrUnavailable)
	for _, err := range s.ReadStream(ctx, "account-d", 0) {
		require.ErrorIs(t, err, eventstore.ErrUnavailable)
	}
	short, cancel := context.WithTimeout(ctx, 300*time.Millisecond)
	err = s.WaitReady(short)
	cancel()
	require.ErrorIs(t, err, context.DeadlineExceeded)
	require.ErrorIs(t, err, eventstore.ErrUnavailable, "the wait says why")

	ready := make(chan error, 1)
	go func() { ready <- s.WaitReady(ctx) }()
	require.NoError(t, srv.Restart())
	require.NoError(t, <-ready)

	es := storetest.Events(2, "fault")
	res, err := s.Append(ctx, "account-d", eventstore.NoStream, es...)
	require.NoError(t, err)
	require.Equal(t, uint64(1), res.NextExpectedRevision)
	require.Len(t, readAll(t, s, "account-d"), 2)
}

// TestLostAppendAnswer commits an append whose answer never arrives: the
// store's retry (and a caller's) carries the same IDs and finds the write
// already done, so the log holds one copy.
func TestLostAppendAnswer(t *testing.T) {
	cases := []struct {
		name    string
		retries int
	}{
		{"StoreRetries", 4},
		{"CallerRetries", 0},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			srv := esdbtest.New(t)
			s := open(t, srv.URL(), esdb.WithAppendRetries(c.retries))
			t.Cleanup(func() { _ = s.Close() })
			ctx := testCtx(t)
			es := storetest.Events(3, "fault")

			srv.DropNextAppendAnswer()
			res, err := s.Append(ctx, "account-l", eventstore.NoStream, es...)
			if c.retries == 0 {
				require.ErrorIs(t, err, eventstore.ErrUnavailable)
				res, err = s.Append(ctx, "account-l", eventstore.NoStream, es...)
			}
			require.NoError(t, err)
			require.Equal(t, uint64(2), res.NextExpectedRevision)
			again, err := s.Append(ctx, "account-l", eventstore.NoStream, es...)
			require.NoError(t, err)
			require.Equal(t, res, again)

			got := readAll(t, s, "account-l")
			require.Len(t, got, 3, "one copy in the log")
			require.Equal(t, res.Position, got[2].Position)
			require.Equal(t, 1, srv.Appends(), "the retries wrote nothing")
		})
	}
}

// TestIdempotentAnswerWithoutPosition: an older server answers an
// idempotent re-append without a position; the store reads it back.
func TestIdempotentAnswerWithoutPosition(t *testing.T) {
	srv := esdbtest.New(t)
	srv.IdempotentWithoutPosition(true)
	s := open(t, srv.URL())
	t.Cleanup(func() { _ = s.Close() })
	ctx := testCtx(t)
	es := storetest.Events(2, "fault")
	first, err := s.Append(ctx, "account-i", eventstore.NoStream, es...)
	require.NoError(t, err)
	_, err = s.Append(ctx, "account-i", eventstore.Exact(1), storetest.Events(1, "fault")...)
	require.NoError(t, err)
	again, err := s.Append(ctx, "account-i", eventstore.NoStream, es...)
	require.NoError(t, err)
	require.Equal(t, first, again)
}

// TestSubscriptionGivesUp: a subscription to a server that stays down ends
// with ErrUnavailable after the outage limit.
func TestSubscriptionGivesUp(t *testing.T) {
	srv := esdbtest.New(t)
	s := open(t, srv.URL(), esdb.WithMaxOutage(300*time.Millisecond))
	t.Cleanup(func() { _ = s.Close() })
	msgs, errs := collect(testCtx(t), s, eventstore.Start)
	require.True(t, next(t, msgs, errs).CaughtUp)
	srv.Stop()
	select {
	case err := <-errs:
		require.ErrorIs(t, err, eventstore.ErrUnavailable)
	case <-time.After(bound):
		t.Fatal("the subscription did not give up")
	}
}

// TestGlobalLogFiltered: ReadAll and Subscribe keep the store's prefixes
// and drop system events and other applications' streams.
func TestGlobalLogFiltered(t *testing.T) {
	srv := esdbtest.New(t)
	s, err := esdb.Open(srv.URL(), esdb.WithStreamPrefixes("account-", "invoice-number-"))
	require.NoError(t, err)
	t.Cleanup(func() { _ = s.Close() })
	ctx := testCtx(t)
	for _, name := range []string{"other-1", "account-1", "$internal", "invoice-number-INV-7", "accounts"} {
		_, err := s.Append(ctx, name, eventstore.Any, storetest.Events(1, "fault")...)
		require.NoError(t, err)
	}
	var seen []string
	var prev eventstore.Position
	for r, err := range s.ReadAll(ctx, eventstore.Start) {
		require.NoError(t, err)
		require.Greater(t, r.Position, prev)
		prev = r.Position
		seen = append(seen, r.Stream)
	}
	want := []string{"account-1", "invoice-number-INV-7"}
	require.Equal(t, want, seen)

	msgs, errs := collect(ctx, s, eventstore.Start)
	for _, name := range want {
		require.Equal(t, name, next(t, msgs, errs).Record.Stream)
	}
	require.True(t, next(t, msgs, errs).CaughtUp)
	require.Equal(t, 6, srv.EventCount(), "the log also holds the fake's $settings event")

	// Without prefixes the store knows no application's names: it keeps
	// every stream but the system's.
	all, err := esdb.Open(srv.URL())
	require.NoError(t, err)
	t.Cleanup(func() { _ = all.Close() })
	seen = nil
	for r, err := range all.ReadAll(ctx, eventstore.Start) {
		require.NoError(t, err)
		seen = append(seen, r.Stream)
	}
	want = []string{"other-1", "account-1", "invoice-number-INV-7", "accounts"}
	require.Equal(t, want, seen)
	msgs, errs = collect(ctx, all, eventstore.Start)
	for _, name := range want {
		require.Equal(t, name, next(t, msgs, errs).Record.Stream)
	}
	require.True(t, next(t, msgs, errs).CaughtUp)
}

// TestWrongExpectedVersionFields checks the fields the store parses from
// the client's report.
func TestWrongExpectedVersionFields(t *testing.T) {
	srv := esdbtest.New(t)
	s := open(t, srv.URL())
	t.Cleanup(func() { _ = s.Close() })
	ctx := testCtx(t)
	_, err := s.Append(ctx, "account-w", eventstore.NoStream, storetest.Events(13, "fault")...)
	require.NoError(t, err)
	_, err = s.Append(ctx, "account-w", eventstore.Exact(3), storetest.Events(1, "fault")...)
	var w *eventstore.WrongExpectedVersionError
	require.True(t, errors.As(err, &w), "%v", err)
	require.Equal(t, eventstore.WrongExpectedVersionError{
		Stream: "account-w", Expected: eventstore.Exact(3), Actual: 12, ActualExists: true,
	}, *w)
}

func TestAppendNeedsIDs(t *testing.T) {
	srv := esdbtest.New(t)
	s := open(t, srv.URL())
	t.Cleanup(func() { _ = s.Close() })
	es := storetest.Events(1, "fault")
	es[0].ID = uuid.Nil
	_, err := s.Append(testCtx(t), "account-n", eventstore.Any, es...)
	require.ErrorContains(t, err, "no ID")
}

func TestOpenURLs(t *testing.T) {
	cases := []struct {
		url string
		ok  bool
	}{
		{"esdb://localhost:2113?tls=false", true},
		{"esdb://admin:changeit@localhost:2113", true},
		{"esdb://admin:changeit@localhost:2113?tlsVerifyCert=false&maxDiscoverAttempts=3", true},
		{"esdb+discover://cluster.example:2113", true},
		{"http://localhost:2113", false},
		{"esdb://", false},
		{"esdb://host:port", false},
	}
	for _, c := range cases {
		s, err := esdb.Open(c.url) // Open does not connect
		if !c.ok {
			require.Error(t, err, c.url)
			continue
		}
		require.NoError(t, err, c.url)
		require.NoError(t, s.Close())
	}
}

// TestDeadlinesOnStalledServer: a server that does not answer holds a call
// only until the caller's deadline.
func TestDeadlinesOnStalledServer(t *testing.T) {
	srv := esdbtest.New(t)
	s := open(t, srv.URL())
	t.Cleanup(func() { _ = s.Close() })
	require.NoError(t, s.WaitReady(testCtx(t)))
	srv.Stall(true)
	t.Cleanup(func() { srv.Stall(false) })

	calls := []struct {
		name string
		run  func(ctx context.Context) error
	}{
		{"Append", func(ctx context.Context) error {
			_, err := s.Append(ctx, "account-s", eventstore.Any, storetest.Events(1, "fault")...)
			return err
		}},
		{"ReadStream", func(ctx context.Context) error {
			for _, err := range s.ReadStream(ctx, "account-s", 0) {
				return err
			}
			return nil
		}},
		{"Subscribe", func(ctx context.Context) error {
			for _, err := range s.Subscribe(ctx, eventstore.Start) {
				return err
			}
			return nil
		}},
	}
	for _, c := range calls {
		t.Run(c.name, func(t *testing.T) {
			ctx, cancel := context.WithTimeout(t.Context(), 200*time.Millisecond)
			defer cancel()
			start := time.Now()
			err := c.run(ctx)
			require.ErrorIs(t, err, context.DeadlineExceeded)
			require.Less(t, time.Since(start), 5*time.Second)
		})
	}
}
