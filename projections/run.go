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
//
// A views file on disk (Open) that is empty or of another views version is
// first rebuilt beside (Rebuild) and swapped in; the old one serves until
// then. A file renamed over p's path by `fapiao views rebuild` is noticed
// within a second or two and switched to the same way.
func Run(ctx context.Context, store eventstore.Store, p *Projections, log *slog.Logger) error {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	if !p.temp && (p.Stale() != "" || !p.started()) {
		if p.started() {
			p.ready.Store(true) // the old file serves meanwhile
		}
		for backoff := minBackoff; ; backoff = min(2*backoff, maxBackoff) {
			err := p.rebuildBeside(ctx, store, log)
			if ctx.Err() != nil {
				return ctx.Err()
			}
			if err == nil {
				break
			}
			log.Error("projections: rebuilding the views failed; retrying", "retry_in", backoff, "err", err)
			select {
			case <-ctx.Done():
				return ctx.Err()
			case <-time.After(backoff):
			}
		}
	}
	backoff := minBackoff
	for {
		runCtx, stop := context.WithCancel(ctx)
		swapped := make(chan struct{})
		if !p.temp {
			go p.watchPath(runCtx, stop, swapped)
		}
		progressed, err := runOnce(runCtx, store, p, log)
		stop()
		if ctx.Err() != nil {
			return ctx.Err()
		}
		select {
		case <-swapped:
			if err := p.switchFile(log); err != nil {
				log.Error("projections: not switching to the views file renamed over ours", "path", p.path, "err", err)
			}
			continue
		default:
		}
		if progressed {
			backoff = minBackoff
		}
		if err == nil {
			err = errors.New("subscription ended")
		}
		log.Warn("projections: subscription dropped; resubscribing",
			"position", p.Position(), "retry_in", backoff, "err", err)
		if err := eventstore.Sleep(ctx, backoff, nil); err != nil {
			return err
		}
		backoff = min(2*backoff, maxBackoff)
	}
}

// watchInterval is how often Run looks for a views file renamed over its own.
var watchInterval = time.Second

// watchPath closes swapped and stops the subscription when another file
// sits at p's path (`fapiao views rebuild` renamed it there).
func (p *Projections) watchPath(ctx context.Context, stop func(), swapped chan struct{}) {
	t := time.NewTicker(watchInterval)
	defer t.Stop()
	p.mu.RLock()
	ino := p.ino
	p.mu.RUnlock()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		if now := inode(p.path); now != 0 && now != ino {
			close(swapped)
			stop()
			return
		}
	}
}

// switchFile swaps in the file now at p's path, between two subscriptions.
func (p *Projections) switchFile(log *slog.Logger) error {
	p.wmu.Lock()
	defer p.wmu.Unlock()
	from := p.Position()
	if err := p.swapTo(p.path); err != nil {
		return err
	}
	log.Info("projections: switched to the rebuilt views file", "path", p.path, "position_before", from, "position", p.Position())
	return nil
}

// rebuildBeside rebuilds p's file from the log beside it and swaps it in.
func (p *Projections) rebuildBeside(ctx context.Context, store eventstore.Store, log *slog.Logger) error {
	why := p.Stale()
	if why == "" {
		why = "empty"
	}
	log.Info("projections: rebuilding the views from the log", "path", p.path, "why", why)
	started := time.Now()
	pos, err := Rebuild(ctx, store, p.path, p.opts)
	if err != nil {
		return err
	}
	if err := p.switchFile(log); err != nil {
		return err
	}
	log.Info("projections: views rebuilt", "position", pos, "took", time.Since(started).Round(time.Millisecond))
	return nil
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
		}, false, nil)
	return progressed || p.applied.Load() != applied, err
}

// Replay rebuilds the read models from the start of the log (AUD-2),
// applying records until stop reports true for one; that record and the rest
// are not applied. A nil stop replays everything. It folds through Apply,
// the same path as the live projections; records that cannot be folded are
// kept as faults (Reconcile reports them) and do not end the replay.
//
// The projections live in a temporary views file: Close them when done.
func Replay(ctx context.Context, store eventstore.Store, stop func(eventstore.Record) bool) (*Projections, error) {
	p, err := newTemp(Options{})
	if err != nil {
		return nil, err
	}
	p.exclusive = true
	err = p.foldLog(ctx, store, eventstore.Start, stop)
	p.exclusive = false
	if err != nil {
		p.Close()
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

// CatchUp applies what the log holds after p.Position(), up to its end as
// read now, in big batches: a job that reads a views file (reconcile
// --views) brings it up to date first without a subscription.
func CatchUp(ctx context.Context, store eventstore.Store, p *Projections) error {
	from := p.Position()
	if !p.started() {
		from = eventstore.Start
	}
	return p.foldLog(ctx, store, from, nil)
}

// lender is a store that lends a bulk read its records inside the read
// transaction instead of copying them out (eventstore/bolt). Only a
// private build (Rebuild, Replay) borrows: its fold keeps none of a
// record's bytes once the event is decoded.
type lender interface {
	LendAll(ctx context.Context, after eventstore.Position, fn func([]eventstore.Record) error) error
}

// byAccount lets a private build from the start fold account by account
// on a store that lends streams (byaccount.go); a variable for the tests,
// which compare it with the log-order build.
var byAccount = true

// foldLog folds the log after from into p in bulk, to its end or to the
// record stop reports (not applied). A record that cannot be folded is kept
// as a fault (Reconcile reports it) and does not end the fold.
func (p *Projections) foldLog(ctx context.Context, store eventstore.Store, from eventstore.Position, stop func(eventstore.Record) bool) error {
	if sl, ok := store.(eventstore.StreamLender); ok && p.exclusive && stop == nil && from == eventstore.Start && !p.started() && byAccount {
		err := p.buildByAccount(ctx, store, sl)
		if !errors.Is(err, errCrossAccount) {
			return err
		}
		// An id in two accounts: only the log's order says which one
		// holds it.
		if err := p.reset(); err != nil {
			return err
		}
	}
	var lend lendSource
	if l, ok := store.(lender); ok && p.exclusive {
		lend = func(ctx context.Context, fn func([]eventstore.Record) error) error { return l.LendAll(ctx, from, fn) }
	}
	err := p.consume(ctx,
		func(ctx context.Context) iter.Seq2[eventstore.Message, error] {
			return messages(store.ReadAll(ctx, from))
		},
		stop, nil,
		func(err error) error {
			if errors.Is(err, ErrOutOfOrder) {
				return err
			}
			return nil // kept as a fault
		}, true, lend)
	if err == nil {
		err = ctx.Err()
	}
	return err
}
