package ledger

import (
	"context"
	"errors"
	"fmt"

	"github.com/google/uuid"

	"github.com/fapiao/fapiao/domain"
	"github.com/fapiao/fapiao/eventstore"
)

// EINV-5's monthly quota spans every account, so, like invoice numbers
// (reserve.go), it has streams of its own: "quota-YYYY-MM", appended with
// the expected revision. Before an electronic InvoiceIssued is appended to
// its account, its amount is taken from the month's quota (QuotaUsed); of
// two issues racing for the last of it, one append loses, folds the stream
// again and is refused with EINV-5. A use whose issue is then not recorded
// because its number was taken is given back (QuotaReleased). If the
// process stops between the use and the issue, the use stays: the quota
// is then under-used, never exceeded; a retry of the same issue finds its
// own use and takes nothing more.

// QuotaStream is the stream of a month's quota.
func QuotaStream(month string) string { return QuotaStreamPrefix + month }

// quotaState is a month's quota folded from its stream, with the hash that
// the next event chains to.
type quotaState struct {
	q        *domain.Quota
	lastHash string
}

func (l *Ledger) loadQuota(ctx context.Context, month string) (quotaState, error) {
	st := quotaState{q: domain.NewQuota(month)}
	stream := QuotaStream(month)
	for r, err := range l.store.ReadStream(ctx, stream, 0) {
		if errors.Is(err, eventstore.ErrStreamNotFound) {
			break
		}
		if err != nil {
			return st, fmt.Errorf("ledger: read %s: %w", stream, err)
		}
		e, err := domain.DecodeEvent(r.Type, r.Data)
		if err != nil {
			return st, fmt.Errorf("ledger: %s@%d: %w", stream, r.Revision, err)
		}
		m, err := eventstore.ParseMetadata(r.Metadata)
		if err != nil {
			return st, fmt.Errorf("ledger: %s@%d: %w", stream, r.Revision, err)
		}
		if err := st.q.Fold(e); err != nil {
			return st, fmt.Errorf("ledger: %s@%d: %w", stream, r.Revision, err)
		}
		st.lastHash = m.Hash
	}
	return st, nil
}

// Quota returns the month's quota as it stands in the log (EINV-5).
func (l *Ledger) Quota(ctx context.Context, month string) (*domain.Quota, error) {
	if err := domain.CheckMonth(month); err != nil {
		return nil, err
	}
	st, err := l.loadQuota(ctx, month)
	return st.q, err
}

// QuotaRequest is finance setting a month's quota (EINV-5).
type QuotaRequest struct {
	Month, Amount  string
	Actor          eventstore.Actor
	IdempotencyKey string // optional: derives the event's ID
	CorrelationID  string // generated when empty
}

// SetQuota sets a month's quota (EINV-5). It answers the quota as it stands
// after the change and the log position of the change (0 when nothing
// changed).
func (l *Ledger) SetQuota(ctx context.Context, req QuotaRequest) (*domain.Quota, eventstore.Position, error) {
	month, amount := req.Month, req.Amount
	if err := domain.CheckMonth(month); err != nil {
		return nil, 0, err
	}
	c := l.prepare(Request{AccountID: "quota", Actor: req.Actor, IdempotencyKey: req.IdempotencyKey, CorrelationID: req.CorrelationID})
	var pos eventstore.Position
	err := l.appendQuota(ctx, month, func(q *domain.Quota, now eventstore.Metadata) ([]domain.Event, error) {
		return domain.DecideSetQuota(q, amount, now.OccurredAt)
	}, c, "quota-set", &pos)
	if err != nil {
		return nil, 0, err
	}
	q, err := l.Quota(ctx, month)
	return q, pos, err
}

// appendQuota decides on the month's quota and appends the events with the
// expected revision, deciding again on a lost race. IDs derive from the
// command's key and kind, so a retried append is recognised by the store.
func (l *Ledger) appendQuota(ctx context.Context, month string, decide func(*domain.Quota, eventstore.Metadata) ([]domain.Event, error), c command, kind string, pos *eventstore.Position) error {
	stream := QuotaStream(month)
	for attempt := 0; ; attempt++ {
		st, err := l.loadQuota(ctx, month)
		if err != nil {
			return err
		}
		meta := c.metadata(l.clock.Now())
		events, err := decide(st.q, meta)
		if err != nil || len(events) == 0 {
			return err
		}
		batch := make([]eventstore.EventData, len(events))
		prev := st.lastHash
		for i, e := range events {
			typ, data, err := domain.EncodeEvent(e)
			if err != nil {
				return err
			}
			rev := st.q.Version + uint64(i)
			raw, hash, err := eventstore.SealHash(meta, prev, stream, rev, typ, data)
			if err != nil {
				return fmt.Errorf("ledger: seal %s@%d: %w", stream, rev, err)
			}
			// The revision is part of the ID: an append decided again on a
			// newer state is another append, one retried on the same state
			// is recognised by the store.
			batch[i] = eventstore.EventData{ID: derivedID(c.AccountID, c.key, kind+"|"+month, int(rev)), Type: typ, Data: data, Metadata: raw}
			prev = hash
		}
		expected := eventstore.NoStream
		if st.q.Version > 0 {
			expected = eventstore.Exact(st.q.Version - 1)
		}
		res, err := l.store.Append(ctx, stream, expected, batch...)
		if err == nil {
			if pos != nil {
				*pos = res.Position
			}
			return nil
		}
		if !errors.Is(err, eventstore.ErrWrongExpectedVersion) {
			return fmt.Errorf("ledger: append to %s: %w", stream, err)
		}
		if attempt >= 4*l.maxRetries {
			return fmt.Errorf("%w (%s, %d attempts): %w", ErrConflict, stream, attempt+1, err)
		}
		if err := backoff(ctx, min(attempt, 5)); err != nil {
			return err
		}
	}
}

// quotaUse is one electronic issue's claim on its month's quota.
type quotaUse struct {
	month     string
	invoiceID uuid.UUID
	amount    domain.Money
}

// quotaUses lists the quota the events take: each electronic blue invoice
// takes its amount from the month of its issued_on (EINV-5).
func quotaUses(events []domain.Event) []quotaUse {
	var uses []quotaUse
	for _, e := range events {
		iss, ok := e.(domain.InvoiceIssued)
		if p, isPtr := e.(*domain.InvoiceIssued); isPtr {
			iss, ok = *p, true
		}
		if !ok || iss.Medium != domain.Electronic || len(iss.IssuedOn) < 7 {
			continue
		}
		uses = append(uses, quotaUse{month: iss.IssuedOn[:7], invoiceID: iss.InvoiceID, amount: iss.NetAmount.Add(iss.TaxAmount)})
	}
	return uses
}

// takeQuota takes each use from its month's quota, or refuses with EINV-5
// having taken none (the uses taken before the refusal are given back).
func (l *Ledger) takeQuota(ctx context.Context, c command, uses []quotaUse) error {
	for i, u := range uses {
		err := l.appendQuota(ctx, u.month, func(q *domain.Quota, meta eventstore.Metadata) ([]domain.Event, error) {
			return domain.DecideUseQuota(q, c.AccountID, u.invoiceID, u.amount, meta.OccurredAt)
		}, c, "quota-use|"+u.invoiceID.String(), nil)
		if err != nil {
			l.releaseQuota(ctx, c, uses[:i])
			return err
		}
	}
	return nil
}

// releaseQuota gives uses back; a failure here leaves the quota under-used,
// never exceeded, so it is not reported to the caller.
func (l *Ledger) releaseQuota(ctx context.Context, c command, uses []quotaUse) {
	for _, u := range uses {
		_ = l.appendQuota(ctx, u.month, func(q *domain.Quota, meta eventstore.Metadata) ([]domain.Event, error) {
			return domain.DecideReleaseQuota(q, u.invoiceID, meta.OccurredAt), nil
		}, c, "quota-release|"+u.invoiceID.String(), nil)
	}
}
