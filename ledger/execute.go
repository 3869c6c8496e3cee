package ledger

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"time"

	"github.com/google/uuid"

	"github.com/fapiao/fapiao/domain"
	"github.com/fapiao/fapiao/eventstore"
)

// Execute decides req's command on the account's current state and appends
// the events. A race lost to another writer is decided again on the new
// state, up to MaxRetries times (then ErrConflict). Rule violations come
// back as *domain.RuleError; errors wrapping eventstore.ErrUnavailable mean
// the store could not be reached and nothing is known to be written.
func (l *Ledger) Execute(ctx context.Context, req Request) (Result, error) {
	if !ValidAccountID(req.AccountID) {
		return Result{}, fmt.Errorf("%w: %q", ErrInvalidAccountID, req.AccountID)
	}
	if req.Command == nil {
		return Result{}, ErrNoCommand
	}
	c := l.prepare(req)
	unlock := l.locks.lock(req.AccountID)
	defer unlock()
	for attempt := 0; ; attempt++ {
		res, err := l.attempt(ctx, c)
		if !errors.Is(err, eventstore.ErrWrongExpectedVersion) {
			return res, err
		}
		// Someone else wrote to the account: what we folded is stale.
		l.cache.drop(req.AccountID)
		if attempt >= l.maxRetries {
			return Result{}, fmt.Errorf("%w (account %s, %d attempts): %w", ErrConflict, req.AccountID, attempt+1, err)
		}
		if err := backoff(ctx, attempt); err != nil {
			return Result{}, err
		}
	}
}

// command is a request with everything its attempts must agree on.
type command struct {
	Request
	key string // the idempotency key, or one made up for this call
}

func (l *Ledger) prepare(req Request) command {
	c := command{Request: req, key: req.IdempotencyKey}
	if c.key == "" {
		// Retries within this call derive the same IDs; another call is
		// another command.
		c.key = "call:" + uuid.NewString()
	} else if c.RequestHash == "" {
		c.RequestHash = commandHash(req.Command)
	}
	if c.CorrelationID == "" {
		c.CorrelationID = uuid.NewString()
	}
	return c
}

// backoff waits a little, more after each lost race, with jitter so that
// racing writers do not collide again in lockstep.
func backoff(ctx context.Context, attempt int) error {
	d := min(time.Millisecond<<attempt, 50*time.Millisecond)
	t := time.NewTimer(rand.N(d) + time.Millisecond/4)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// attempt is one load–decide–append round. The caller holds the lock.
func (l *Ledger) attempt(ctx context.Context, c command) (Result, error) {
	f, err := l.current(ctx, c.AccountID)
	if err != nil {
		return Result{}, err
	}
	if c.IdempotencyKey != "" {
		first, seen, err := f.acc.CheckIdempotency(c.IdempotencyKey, c.RequestHash)
		if err != nil {
			return Result{}, err
		}
		if seen {
			return l.replay(ctx, f, first)
		}
	}
	now := l.clock.Now()
	ids := &idSource{accountID: c.AccountID, key: c.key}
	events, err := c.Command.Decide(f.acc, domain.Env{
		Now:      now,
		Issuer:   l.issuer,
		TaxRate:  l.taxRate,
		Calendar: l.calendar(),
		NewID:    ids.next,
	})
	if err != nil {
		return Result{}, err
	}
	if len(events) == 0 {
		return Result{Account: f.acc.Clone()}, nil
	}
	meta := c.metadata(now)
	if err := l.reserveInvoiceNumbers(ctx, c, meta, events); err != nil {
		return Result{}, err
	}
	batch, hash, err := seal(c, meta, f, events)
	if err != nil {
		return Result{}, err
	}
	expected := eventstore.NoStream
	if f.acc.Version > 0 {
		expected = eventstore.Exact(f.acc.Version - 1)
	}
	stream := StreamName(c.AccountID)
	res, err := l.store.Append(ctx, stream, expected, batch...)
	if err != nil {
		return Result{}, fmt.Errorf("ledger: append to %s: %w", stream, err)
	}
	// Only now, with the events durable, does the cached state move on. It
	// folds the events as stored (decoded from their JSON), so the cache
	// holds exactly what a fresh fold of the log would give.
	first := f.acc.Version
	for _, e := range batch {
		stored, err := domain.DecodeEvent(e.Type, e.Data)
		if err != nil {
			l.cache.drop(c.AccountID)
			return Result{}, fmt.Errorf("ledger: appended %s to %s but cannot decode it: %w", e.Type, stream, err)
		}
		f.acc.Apply(stored)
	}
	f.lastHash = hash
	if c.IdempotencyKey != "" {
		f.acc.Remember(c.IdempotencyKey, c.RequestHash, first, f.acc.Version-1)
	}
	return Result{
		Records:  l.records(ctx, stream, first, batch, res),
		Position: res.Position,
		Account:  f.acc.Clone(),
	}, nil
}

func (c command) metadata(now time.Time) eventstore.Metadata {
	return eventstore.Metadata{
		OccurredAt:     now,
		Actor:          c.Actor,
		CorrelationID:  c.CorrelationID,
		CausationID:    derivedID(c.AccountID, c.key, "command", 0).String(),
		IdempotencyKey: c.IdempotencyKey,
		RequestHash:    c.RequestHash,
		SchemaVersion:  domain.EventSchemaVersion,
	}
}

// seal encodes events for the account's stream, each with its link in the
// hash chain, and returns them with the last hash.
func seal(c command, meta eventstore.Metadata, f *folded, events []domain.Event) ([]eventstore.EventData, string, error) {
	stream := StreamName(c.AccountID)
	prev := f.lastHash
	batch := make([]eventstore.EventData, len(events))
	for i, e := range events {
		typ, data, err := domain.EncodeEvent(e)
		if err != nil {
			return nil, "", err
		}
		rev := f.acc.Version + uint64(i)
		raw, hash, err := eventstore.SealHash(meta, prev, stream, rev, typ, data)
		if err != nil {
			return nil, "", fmt.Errorf("ledger: seal %s@%d: %w", stream, rev, err)
		}
		batch[i] = eventstore.EventData{ID: derivedID(c.AccountID, c.key, "event", i), Type: typ, Data: data, Metadata: raw}
		prev = hash
	}
	return batch, prev, nil
}

// records builds the Records of an append. The store reports only the last
// event's position; positions need not be contiguous (EventStoreDB's are
// byte offsets), so for several events they are read back. If that read
// fails the write still stands: the earlier positions are left 0.
func (l *Ledger) records(ctx context.Context, stream string, first uint64, batch []eventstore.EventData, res eventstore.AppendResult) []eventstore.Record {
	recs := make([]eventstore.Record, len(batch))
	for i, e := range batch {
		recs[i] = eventstore.Record{Stream: stream, Revision: first + uint64(i), ID: e.ID, Type: e.Type, Data: e.Data, Metadata: e.Metadata}
	}
	recs[len(recs)-1].Position = res.Position
	if len(batch) == 1 {
		return recs
	}
	for r, err := range l.store.ReadStream(ctx, stream, first) {
		if err != nil || r.Revision >= first+uint64(len(recs)) {
			break
		}
		if i := r.Revision - first; recs[i].ID == r.ID {
			recs[i].Position = r.Position
		}
	}
	return recs
}

// replay answers a retried keyed command with what it wrote the first time.
func (l *Ledger) replay(ctx context.Context, f *folded, first domain.IdempotentResult) (Result, error) {
	stream := StreamName(f.acc.ID)
	res := Result{Account: f.acc.Clone(), Replayed: true}
	for r, err := range l.store.ReadStream(ctx, stream, first.FirstRevision) {
		if err != nil {
			return Result{}, fmt.Errorf("ledger: replay from %s: %w", stream, err)
		}
		if r.Revision > first.LastRevision {
			break
		}
		res.Records = append(res.Records, r)
	}
	if n := len(res.Records); n > 0 {
		res.Position = res.Records[n-1].Position
	}
	return res, nil
}
