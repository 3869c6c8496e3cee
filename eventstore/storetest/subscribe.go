package storetest

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/stretchr/testify/require"
	"golang.org/x/sync/errgroup"

	"github.com/fapiao/fapiao/eventstore"
)

// prompt is how soon a subscription must end once its context is
// cancelled or its store closed.
const prompt = 5 * time.Second

// requireEnds waits for a subscription goroutine's last error and checks it.
func requireEnds(t *testing.T, done <-chan error, want error) {
	t.Helper()
	select {
	case err := <-done:
		if err != nil {
			require.ErrorIs(t, err, want)
		}
	case <-time.After(prompt):
		t.Fatalf("the subscription did not end within %s", prompt)
	}
}

// subscribeCaughtUp subscribes after pos and returns once the subscription
// has caught up; the channel then gets the error it ends with (nil if none).
func subscribeCaughtUp(t *testing.T, s eventstore.Store, c context.Context, pos eventstore.Position) <-chan error {
	t.Helper()
	done := make(chan error, 1)
	caughtUp := make(chan struct{}, 1)
	go func() {
		var last error
		for m, err := range s.Subscribe(c, pos) {
			if err != nil {
				last = err
				continue
			}
			if m.CaughtUp {
				caughtUp <- struct{}{}
			}
		}
		done <- last
	}()
	select {
	case <-caughtUp:
	case err := <-done:
		t.Fatalf("the subscription ended before catching up: %v", err)
	}
	return done
}

// testSubscribe: catch-up, then caught-up, then live, while a writer
// appends throughout; every event of the stream arrives once, in order.
func testSubscribe(t *testing.T, s eventstore.Store, _ Features) {
	const pre, during, live = 30, 30, 10
	name := stream(t, "sub")
	anchor := appendOK(t, s, name, eventstore.NoStream, Events(1, "anchor")...)
	preEvents := Events(pre, "pre")
	for _, e := range preEvents {
		appendOK(t, s, name, eventstore.Any, e)
	}

	c, cancel := context.WithCancel(ctx(t))
	defer cancel()
	type seen struct {
		id       uuid.UUID
		rev      uint64
		caughtUp bool
	}
	msgs := make(chan seen, pre+during+live+1)
	caughtUp := make(chan struct{})
	liveWritten := make(chan []eventstore.EventData, 1)
	duringEvents := Events(during, "during")
	liveEvents := Events(live, "live")

	var g errgroup.Group
	g.Go(func() error { // the concurrent writer
		for _, e := range duringEvents {
			if _, err := s.Append(c, name, eventstore.Any, e); err != nil {
				return err
			}
		}
		select { // these are written only once the subscriber is live
		case <-caughtUp:
		case <-c.Done():
			return c.Err()
		}
		for _, e := range liveEvents {
			if _, err := s.Append(c, name, eventstore.Any, e); err != nil {
				return err
			}
		}
		liveWritten <- liveEvents
		return nil
	})
	g.Go(func() error { // the subscriber
		defer close(msgs)
		prev := anchor.Position
		sawCaughtUp := false
		got := 0
		for m, err := range s.Subscribe(c, anchor.Position) {
			if err != nil {
				return err
			}
			if m.CaughtUp {
				if sawCaughtUp {
					return errors.New("caught-up signalled twice")
				}
				sawCaughtUp = true
				close(caughtUp)
				msgs <- seen{caughtUp: true}
				continue
			}
			if m.Record.Position <= prev {
				return fmt.Errorf("position %d after %d", m.Record.Position, prev)
			}
			prev = m.Record.Position
			if m.Record.Stream != name {
				continue
			}
			msgs <- seen{id: m.Record.ID, rev: m.Record.Revision}
			if got++; got == pre+during+live {
				return nil
			}
		}
		return errors.New("the subscription ended early")
	})
	require.NoError(t, g.Wait())

	var order []seen
	for m := range msgs {
		order = append(order, m)
	}
	var ids []uuid.UUID
	caughtAt := -1
	for i, m := range order {
		if m.caughtUp {
			caughtAt = i
			continue
		}
		require.Equal(t, uint64(len(ids)+1), m.rev, "revisions arrive in order, without gaps or repeats")
		ids = append(ids, m.id)
	}
	require.GreaterOrEqual(t, caughtAt, pre, "events written before subscribing come before caught-up")
	for i, e := range preEvents {
		require.Equal(t, e.ID, ids[i])
	}
	for i, e := range duringEvents {
		require.Equal(t, e.ID, ids[pre+i])
	}
	for i, e := range <-liveWritten {
		require.Equal(t, e.ID, ids[pre+during+i])
	}
	require.LessOrEqual(t, caughtAt, pre+during, "the live events come after caught-up")
}

func testSubscribeResume(t *testing.T, s eventstore.Store, _ Features) {
	name := stream(t, "resume")
	es := Events(5, "resume")
	var pos []eventstore.Position
	for _, e := range es {
		pos = append(pos, appendOK(t, s, name, eventstore.Any, e).Position)
	}
	c, cancel := context.WithCancel(ctx(t))
	defer cancel()
	var got []uuid.UUID
	for m, err := range s.Subscribe(c, pos[2]) {
		require.NoError(t, err)
		if m.CaughtUp {
			break
		}
		require.Greater(t, m.Record.Position, pos[2])
		if m.Record.Stream == name {
			got = append(got, m.Record.ID)
		}
	}
	require.Equal(t, []uuid.UUID{es[3].ID, es[4].ID}, got, "resuming is exclusive of the position")
}
