package projections

import (
	"slices"
	"time"

	"github.com/google/uuid"

	"github.com/fapiao/fapiao/domain"
)

// PendingConfirmation is a red-letter confirmation waiting for an answer:
// the read model RED-3's expiry scheduler and finance's work list read.
type PendingConfirmation struct {
	AccountID string
	ID        uuid.UUID
	InvoiceID uuid.UUID
	Status    domain.ConfirmationStatus
	ExpiresAt time.Time
}

// indexConfirmation keeps the pending index in step with a confirmation
// event the fold just applied; the caller holds the write lock.
func (p *Projections) indexConfirmation(av *accountView, ev domain.Event) {
	var id uuid.UUID
	switch e := ev.(type) {
	case domain.RedLetterConfirmationEntered:
		id = e.ConfirmationID
	case domain.RedLetterConfirmationConfirmed:
		id = e.ConfirmationID
	case domain.RedLetterConfirmationRefused:
		id = e.ConfirmationID
	case domain.RedLetterConfirmationWithdrawn:
		id = e.ConfirmationID
	case domain.RedLetterConfirmationExpired:
		id = e.ConfirmationID
	default:
		return
	}
	cf := av.acc.Confirmation(id)
	if cf == nil || !cf.Pending() || cf.ExpiresAt == nil {
		delete(p.pending, id)
		return
	}
	if p.pending == nil {
		p.pending = map[uuid.UUID]PendingConfirmation{}
	}
	p.pending[id] = PendingConfirmation{AccountID: av.acc.ID, ID: id, InvoiceID: cf.InvoiceID, Status: cf.Status, ExpiresAt: *cf.ExpiresAt}
}

// PendingConfirmations lists the pending confirmations across accounts,
// earliest deadline first; with due set, only those whose deadline is at
// or before it (RED-3), and with account set only that account's.
func (p *Projections) PendingConfirmations(account string, due *time.Time) []PendingConfirmation {
	p.mu.RLock()
	defer p.mu.RUnlock()
	var out []PendingConfirmation
	for _, pc := range p.pending {
		if account != "" && pc.AccountID != account {
			continue
		}
		if due != nil && pc.ExpiresAt.After(*due) {
			continue
		}
		out = append(out, pc)
	}
	slices.SortFunc(out, func(a, b PendingConfirmation) int {
		if c := a.ExpiresAt.Compare(b.ExpiresAt); c != 0 {
			return c
		}
		return slices.Compare(a.ID[:], b.ID[:])
	})
	return out
}

// InvoiceConfirmations returns copies of an invoice's confirmations in
// entry order; ok=false when the account has no such invoice.
func (p *Projections) InvoiceConfirmations(acc string, invoiceID uuid.UUID) ([]domain.Confirmation, bool) {
	p.mu.RLock()
	defer p.mu.RUnlock()
	av, ok := p.accounts[acc]
	if !ok || av.acc.Invoices[invoiceID] == nil {
		return nil, false
	}
	cfs := av.acc.InvoiceConfirmations(invoiceID)
	out := make([]domain.Confirmation, len(cfs))
	for i, cf := range cfs {
		out[i] = *cf
	}
	return out, true
}

// Confirmation returns a copy of one confirmation of the account.
func (p *Projections) Confirmation(acc string, id uuid.UUID) (domain.Confirmation, bool) {
	p.mu.RLock()
	defer p.mu.RUnlock()
	av, ok := p.accounts[acc]
	if !ok {
		return domain.Confirmation{}, false
	}
	cf := av.acc.Confirmation(id)
	if cf == nil {
		return domain.Confirmation{}, false
	}
	return *cf, true
}
