package ledger

import (
	"context"
	"errors"
	"fmt"

	"github.com/fapiao/fapiao/domain"
	"github.com/fapiao/fapiao/eventstore"
)

// Load returns a private copy of the account's current state
// (domain.Account.Clone: read it or fold into it, never write through its
// pointers, which it shares until a fold changes them). An account
// with no events is returned empty (Version 0), not as an error: every
// valid ID names an account that may simply not have begun.
func (l *Ledger) Load(ctx context.Context, accountID string) (*domain.Account, error) {
	if !domain.ValidAccountID(accountID) {
		return nil, fmt.Errorf("%w: %q", ErrInvalidAccountID, accountID)
	}
	defer l.locks.lock(accountID).Unlock()
	f, err := l.current(ctx, accountID)
	if err != nil {
		return nil, err
	}
	return f.acc.Clone(), nil
}

// current returns the account's folded state, caught up with its stream.
// The caller holds the account's lock. The cached state is reused and only
// the events after it are read: other ledgers (replicas, the CLI) may have
// written since.
func (l *Ledger) current(ctx context.Context, accountID string) (*folded, error) {
	f := l.cache.get(accountID)
	cached := f != nil
	if !cached {
		f = &folded{acc: domain.NewAccount(accountID), stream: StreamName(accountID)}
	}
	if err := l.catchUp(ctx, f); err != nil {
		// A half-applied catch-up is not worth keeping: fold again next time.
		l.cache.drop(accountID)
		return nil, err
	}
	if !cached {
		// A cached f is caught up in place and get moved it to the front
		// already: putting it again would only take the cache's lock twice
		// per command. (If another account's put evicted it meanwhile,
		// the next command folds it again.)
		l.cache.put(accountID, f)
	}
	return f, nil
}

// catchUp folds the events of f's stream from revision f.acc.Version on.
// It runs before every command, and almost always reads nothing: its
// state and the callback handed to the store's iterator are kept in f
// (a range loop's body and the variables it captures were four
// allocations a command).
func (l *Ledger) catchUp(ctx context.Context, f *folded) error {
	if l.lens != nil && f.acc.Version > 0 && ctx.Err() == nil {
		if n, ok := l.lens.StreamLen(f.stream); ok && n == f.acc.Version {
			return nil // nothing past the cached state (seglog answers without a read)
		}
	}
	c := &f.catchUp
	*c = catchUpRun{f: f}
	if f.yield == nil {
		f.yield = c.yield
	}
	l.store.ReadStream(ctx, f.stream, f.acc.Version)(f.yield)
	if c.err != nil {
		return c.err
	}
	c.g.flush(f.acc)
	return nil
}

// streamLener is a store that says how many events a stream holds
// without reading them (seglog.Store.StreamLen).
type streamLener interface {
	StreamLen(stream string) (uint64, bool)
}

// catchUpRun is a catch-up's state.
type catchUpRun struct {
	f   *folded
	g   idemGroup
	err error
}

func (c *catchUpRun) yield(r eventstore.Record, err error) bool {
	if errors.Is(err, eventstore.ErrStreamNotFound) && c.f.acc.Version == 0 {
		return false // a new account
	}
	if err != nil {
		c.err = fmt.Errorf("ledger: read %s: %w", c.f.stream, err)
		return false
	}
	if err := fold(c.f, r, &c.g); err != nil {
		c.err = err
		return false
	}
	return true
}

// fold applies one stored record to f.
func fold(f *folded, r eventstore.Record, g *idemGroup) error {
	if r.Revision != f.acc.Version {
		return fmt.Errorf("ledger: %s: expected revision %d, read %d", r.Stream, f.acc.Version, r.Revision)
	}
	e, err := domain.DecodeEvent(r.Type, r.Data)
	if err != nil {
		return fmt.Errorf("ledger: %s@%d: %w", r.Stream, r.Revision, err)
	}
	m, err := eventstore.ParseMetadata(r.Metadata)
	if err != nil {
		return fmt.Errorf("ledger: %s@%d: metadata: %w", r.Stream, r.Revision, err)
	}
	if err := f.acc.Fold(e); err != nil {
		return fmt.Errorf("ledger: %s@%d: %w", r.Stream, r.Revision, err)
	}
	if f.acc.Version != r.Revision+1 {
		return fmt.Errorf("ledger: %s@%d: fold left version %d", r.Stream, r.Revision, f.acc.Version)
	}
	f.lastHash = m.Hash
	g.add(f.acc, m, r.Revision)
	return nil
}

// idemGroup collects the consecutive records one keyed command appended
// (same idempotency key and correlation), so the account remembers the
// command once with its whole revision range (APP-6).
type idemGroup struct {
	actor                  eventstore.Actor // whose key: its scope (idemScope)
	key, hash, correlation string
	first, last            uint64
	open                   bool
}

func (g *idemGroup) add(acc *domain.Account, m eventstore.Metadata, rev uint64) {
	if g.open && m.IdempotencyKey == g.key && m.CorrelationID == g.correlation && m.Actor == g.actor {
		g.last = rev
		return
	}
	g.flush(acc)
	if m.IdempotencyKey == "" {
		return
	}
	*g = idemGroup{actor: m.Actor, key: m.IdempotencyKey, hash: m.RequestHash, correlation: m.CorrelationID, first: rev, last: rev, open: true}
}

func (g *idemGroup) flush(acc *domain.Account) {
	if g.open {
		acc.Remember(idemScope(acc.ID, g.actor), g.key, g.hash, g.first, g.last)
		g.open = false
	}
}
