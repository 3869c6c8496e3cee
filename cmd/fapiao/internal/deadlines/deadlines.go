// Package deadlines writes the events of time-driven rules (DESIGN.md,
// "Deadlines are events"): RED-3's expiry of a red-letter confirmation
// still pending 72 hours after entry. The domain decides the expiry from
// now; this scheduler only reads the due confirmations from the read model
// and sends each one's ExpireConfirmation through the ledger.
//
// It is idempotent across replicas and restarts: each expiry is a command
// with the idempotency key "expire:<confirmation id>", so its event's ID is
// derived from the account and that key alone (the same on every server),
// and a second writer finds the confirmation expired (no events) or the key
// used (a replay). The event records the deadline itself, not when it was
// written, so a replay gives exactly the state the live fold gave.
package deadlines

import (
	"context"
	"log/slog"
	"time"

	"github.com/fapiao/fapiao/domain"
	"github.com/fapiao/fapiao/eventstore"
	"github.com/fapiao/fapiao/ledger"
	"github.com/fapiao/fapiao/projections"
)

// DefaultInterval is how often the scheduler looks for due deadlines: well
// within RED-3's "at most a minute late".
const DefaultInterval = 10 * time.Second

// Actor is who the scheduler's events name in their metadata.
var Actor = eventstore.Actor{Role: "system", ID: "deadline-scheduler"}

// Scheduler expires due confirmations. Zero Interval: DefaultInterval; nil
// Log: slog.Default().
type Scheduler struct {
	Ledger      *ledger.Ledger
	Projections *projections.Projections
	Clock       ledger.Clock
	Interval    time.Duration
	Log         *slog.Logger
}

// Run ticks at once (a restart catches up on deadlines that passed while
// the server was down) and then every Interval until ctx ends.
func (s *Scheduler) Run(ctx context.Context) {
	every := s.Interval
	if every <= 0 {
		every = DefaultInterval
	}
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		s.Tick(ctx)
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

// Tick expires every confirmation due now and returns how many expiry
// appends succeeded: 0 for those another writer had written before, though
// two replicas racing may both be answered for the one identical append.
func (s *Scheduler) Tick(ctx context.Context) int {
	log := s.Log
	if log == nil {
		log = slog.Default()
	}
	now := s.Clock.Now()
	n := 0
	for _, pc := range s.Projections.PendingConfirmations("", &now) {
		if ctx.Err() != nil {
			return n
		}
		res, err := s.Ledger.Execute(ctx, ledger.Request{
			AccountID:      pc.AccountID,
			Command:        domain.ExpireConfirmation{ConfirmationID: pc.ID},
			Actor:          Actor,
			IdempotencyKey: Key(pc.ID.String()),
		})
		switch {
		case err != nil:
			// Not due by the ledger's reading, a lost race, an outage: the
			// next tick tries again.
			log.Warn("red-letter confirmation expiry not written", "account", pc.AccountID, "confirmation", pc.ID, "err", err)
		case !res.Replayed && len(res.Records) > 0:
			n++
			log.Info("red-letter confirmation expired (RED-3)", "account", pc.AccountID, "confirmation", pc.ID,
				"deadline", pc.ExpiresAt, "late", now.Sub(pc.ExpiresAt).Round(time.Second))
		}
	}
	return n
}

// Key is the idempotency key of a confirmation's expiry.
func Key(confirmationID string) string { return "expire:" + confirmationID }
