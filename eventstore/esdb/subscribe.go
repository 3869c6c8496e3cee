package esdb

import (
	"context"
	"errors"
	"fmt"
	"iter"
	"time"

	client "github.com/EventStore/EventStore-Client-Go/v4/esdb"

	"github.com/fapiao/fapiao/eventstore"
)

// Subscribe yields the events of the store's streams with position > after,
// one caught-up signal, then live events. The client never resumes a dropped
// subscription, so Subscribe does: from the last position it delivered
// (exclusive), with backoff, for up to the store's outage limit.
func (s *Store) Subscribe(ctx context.Context, after eventstore.Position) iter.Seq2[eventstore.Message, error] {
	return func(yield func(eventstore.Message, error) bool) {
		st := subState{last: after}
		var downSince time.Time
		try := 0
		for {
			st.progress = false
			gone, err := s.subscribeOnce(ctx, &st, yield)
			if errors.Is(err, errStop) {
				return
			}
			if !gone {
				yield(eventstore.Message{}, err)
				return
			}
			if st.progress || downSince.IsZero() {
				downSince, try = time.Now(), 0
			}
			if time.Since(downSince) > s.maxOutage {
				yield(eventstore.Message{}, fmt.Errorf("esdb: subscription down for %v: %w", s.maxOutage, err))
				return
			}
			if werr := s.sleep(ctx, s.backoff.Delay(try)); werr != nil {
				yield(eventstore.Message{}, s.wrapWait(werr, err))
				return
			}
			try++
		}
	}
}

// subState is what a subscription carries across resubscriptions.
type subState struct {
	last     eventstore.Position // last position delivered
	caughtUp bool                // the caught-up signal was yielded
	progress bool                // this attempt received something
}

// subscribeOnce runs one server subscription until it drops or the consumer
// stops (errStop). gone reports a drop worth resubscribing after.
func (s *Store) subscribeOnce(ctx context.Context, st *subState, yield func(eventstore.Message, error) bool) (gone bool, err error) {
	c, err := s.conn(ctx)
	if err != nil {
		if errors.Is(err, eventstore.ErrUnavailable) {
			return true, err
		}
		if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
			return false, fmt.Errorf("esdb: %w", err)
		}
		return false, err
	}
	var from client.AllPosition = client.Start{}
	if st.last > 0 {
		from = client.Position{Commit: st.last, Prepare: st.last}
	}
	var sub *client.Subscription
	err = protect(func() error {
		var err error
		sub, err = c.c.SubscribeToAll(ctx, client.SubscribeToAllOptions{
			From:   from,
			Filter: s.filter(),
		})
		return err
	})
	// Receiving does not touch the client's shared state: the call is over.
	c.leave()
	if err != nil {
		out, gone := s.classify(ctx, err)
		if gone {
			s.discard(c)
		}
		return gone, out
	}
	defer sub.Close()
	for {
		ev, err := recv(sub)
		switch {
		case err != nil:
			return s.dropped(ctx, c, err)
		case ev.SubscriptionDropped != nil:
			return s.dropped(ctx, c, ev.SubscriptionDropped.Error)
		case ev.EventAppeared != nil:
			st.progress = true
			r := toRecord(ev.EventAppeared)
			if r.Position <= st.last {
				continue // already delivered before a resubscription
			}
			st.last = r.Position
			if !yield(eventstore.Message{Record: r}, nil) {
				return false, errStop
			}
		case ev.CaughtUp != nil:
			st.progress = true
			if !st.caughtUp {
				st.caughtUp = true
				if !yield(eventstore.Message{CaughtUp: true}, nil) {
					return false, errStop
				}
			}
		default: // checkpoints, fell-behind
			st.progress = true
		}
	}
}

func (s *Store) dropped(ctx context.Context, c *conn, err error) (bool, error) {
	if err == nil {
		err = errors.New("subscription dropped")
	}
	out, gone := s.classify(ctx, err)
	if gone {
		s.discard(c)
	}
	return gone, out
}

func recv(sub *client.Subscription) (ev *client.SubscriptionEvent, err error) {
	err = protect(func() error {
		ev = sub.Recv()
		return nil
	})
	return ev, err
}

// filter is the server-side form of keep.
func (s *Store) filter() *client.SubscriptionFilter {
	if len(s.prefixes) == 0 {
		return &client.SubscriptionFilter{Type: client.StreamFilterType, Regex: userStreams}
	}
	return &client.SubscriptionFilter{Type: client.StreamFilterType, Prefixes: s.prefixes}
}
