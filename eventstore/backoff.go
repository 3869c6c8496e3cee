package eventstore

import (
	"context"
	"time"
)

// Backoff is how long a client waits before it tries again: Min before the
// first retry, doubling with each failed one, never more than Max. The
// esdb store waits for its server with it, and subscribers (the
// transparency tree's follower) resubscribe with it.
type Backoff struct {
	Min, Max time.Duration
}

// Delay is the wait before retry number try, counted from 0.
func (b Backoff) Delay(try int) time.Duration {
	d := b.Min
	for range min(try, 62) {
		d *= 2
		if d >= b.Max || d <= 0 {
			return b.Max
		}
	}
	return min(d, b.Max)
}

// Sleep waits d before a retry: nil once d has passed, ctx's error if ctx
// ends first, ErrClosed if closed does (a nil closed never does).
func Sleep(ctx context.Context, d time.Duration, closed <-chan struct{}) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	case <-closed:
		return ErrClosed
	}
}
