package projections

import (
	"context"

	"github.com/fapiao/fapiao/eventstore"
)

// WaitFor returns once Position() >= pos (read-your-writes: a GET waits for
// the position its caller's command answered with), or with ctx's error.
// Apply wakes the waiters by closing a channel; nothing polls.
func (p *Projections) WaitFor(ctx context.Context, pos eventstore.Position) error {
	if p.reached(pos) {
		return nil
	}
	// While anyone waits, the live fold commits what it folds at once
	// rather than at the end of its commit interval (consume); the poke
	// wakes a batch already held open.
	p.waiters.Add(1)
	defer p.waiters.Add(-1)
	for {
		// Take the channel before reading the position: an Apply that
		// advances after the read closes this very channel.
		p.notifyMu.Lock()
		if p.notify == nil {
			p.notify = make(chan struct{})
		}
		ch := p.notify
		p.notifyMu.Unlock()
		if p.reached(pos) {
			return nil
		}
		select {
		case p.waiting <- struct{}{}:
		default:
		}
		select {
		case <-ch:
		case <-ctx.Done():
			return ctx.Err()
		}
	}
}

// reached reports whether Position() >= pos. Position 0 (Start) is always
// reached: it asks for nothing.
func (p *Projections) reached(pos eventstore.Position) bool {
	return p.pos.Load() >= pos
}
