package projections

import (
	"context"
	"errors"
	"iter"
	"log/slog"
	"time"

	"github.com/fapiao/fapiao/eventstore"
)

// Resubscription backoff: the first retry is quick, later ones slow down to
// at most maxBackoff so that a store coming back is noticed within seconds.
const (
	minBackoff = 50 * time.Millisecond
	maxBackoff = 2 * time.Second
)

// Run keeps p live: it subscribes to the log after p.Position(), applies
// every record, marks p ready when the subscription has caught up, and when
// the subscription drops resubscribes from the last applied position (with
// backoff, capped at 2 s). Nothing is lost and nothing applied twice:
// resumption is exclusive of the position, and Apply refuses a position it
// has passed. Run returns ctx's error when ctx ends, and only then.
func Run(ctx context.Context, store eventstore.Store, p *Projections, log *slog.Logger) error {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	backoff := minBackoff
	for {
		progressed, err := runOnce(ctx, store, p, log)
		if ctx.Err() != nil {
			return ctx.Err()
		}
		if progressed {
			backoff = minBackoff
		}
		if err == nil {
			err = errors.New("subscription ended")
		}
		log.Warn("projections: subscription dropped; resubscribing",
			"position", p.Position(), "retry_in", backoff, "err", err)
		t := time.NewTimer(backoff)
		select {
		case <-ctx.Done():
			t.Stop()
			return ctx.Err()
		case <-t.C:
		}
		backoff = min(2*backoff, maxBackoff)
	}
}

// runOnce follows one subscription until it drops. progressed reports
// whether it applied anything or caught up, which resets the backoff.
func runOnce(ctx context.Context, store eventstore.Store, p *Projections, log *slog.Logger) (bool, error) {
	from := p.Position()
	if !p.started() {
		from = eventstore.Start
	}
	applied := p.applied.Load()
	progressed := false
	err := p.consume(ctx,
		func(ctx context.Context) iter.Seq2[eventstore.Message, error] { return store.Subscribe(ctx, from) },
		nil,
		func() {
			progressed = true
			if !p.ready.Swap(true) {
				log.Info("projections: caught up", "position", p.Position())
			}
		},
		func(err error) error {
			if errors.Is(err, ErrOutOfOrder) {
				log.Debug("projections: skipping a record already applied", "err", err)
			} else {
				log.Error("projections: record not folded", "err", err)
			}
			return nil
		})
	return progressed || p.applied.Load() != applied, err
}

// started reports whether any record was applied: before that, Position()
// is Start and a subscription must read from the beginning.
func (p *Projections) started() bool { return p.applied.Load() > 0 }

// Replay rebuilds the read models from the start of the log (AUD-2),
// applying records until stop reports true for one; that record and the rest
// are not applied. A nil stop replays everything. It folds through Apply,
// the same path as the live projections; records that cannot be folded are
// kept as faults (Reconcile reports them) and do not end the replay.
func Replay(ctx context.Context, store eventstore.Store, stop func(eventstore.Record) bool) (*Projections, error) {
	p := New()
	err := p.consume(ctx,
		func(ctx context.Context) iter.Seq2[eventstore.Message, error] {
			return messages(store.ReadAll(ctx, eventstore.Start))
		},
		stop, nil,
		func(err error) error {
			if errors.Is(err, ErrOutOfOrder) {
				return err
			}
			return nil // kept as a fault
		})
	if err == nil {
		err = ctx.Err()
	}
	if err != nil {
		return nil, err
	}
	return p, nil
}

// messages turns a read into subscription messages.
func messages(records iter.Seq2[eventstore.Record, error]) iter.Seq2[eventstore.Message, error] {
	return func(yield func(eventstore.Message, error) bool) {
		for r, err := range records {
			if !yield(eventstore.Message{Record: r}, err) || err != nil {
				return
			}
		}
	}
}

// AfterPosition is a Replay stop: the state as of position pos, the record
// at pos included.
func AfterPosition(pos eventstore.Position) func(eventstore.Record) bool {
	return func(r eventstore.Record) bool { return r.Position > pos }
}

// AfterTime is a Replay stop: the state as of instant t, by the events'
// business time (metadata occurred_at, from the ledger's clock), every
// event that occurred at t included. A record whose time cannot be read
// stops the replay: it cannot be placed before t.
func AfterTime(t time.Time) func(eventstore.Record) bool {
	return func(r eventstore.Record) bool {
		at, ok := OccurredAt(r.Metadata)
		return !ok || at.After(t)
	}
}
