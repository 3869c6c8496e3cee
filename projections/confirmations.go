package projections

import (
	"slices"
	"time"

	"github.com/google/uuid"

	"github.com/fapiao/fapiao/domain"
)

// PendingConfirmation is an open red-letter confirmation (RED-4: pending,
// or confirmed / not required and not yet used): the read model RED-3's
// expiry scheduler (the pending ones) and finance's work list read.
type PendingConfirmation struct {
	AccountID string
	ID        uuid.UUID
	InvoiceID uuid.UUID
	Status    domain.ConfirmationStatus
	EnteredBy domain.Side
	Amount    domain.Money
	// ExpiresAt is RED-3's deadline; zero for one that is not pending.
	ExpiresAt time.Time
}

// Pending reports whether it still waits for an answer (RED-2).
func (pc PendingConfirmation) Pending() bool {
	return pc.Status == domain.ConfirmationPendingBuyer || pc.Status == domain.ConfirmationPendingSeller
}

// Actions are what role may do to it now (domain.Confirmation.Actions).
func (pc PendingConfirmation) Actions(r domain.Role) []string {
	cf := domain.Confirmation{Status: pc.Status, EnteredBy: pc.EnteredBy}
	return cf.Actions(r)
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
	if cf == nil || !cf.Open() {
		delete(p.pending, id)
		return
	}
	if p.pending == nil {
		p.pending = map[uuid.UUID]PendingConfirmation{}
	}
	pc := PendingConfirmation{AccountID: av.acc.ID, ID: id, InvoiceID: cf.InvoiceID, Status: cf.Status, EnteredBy: cf.EnteredBy, Amount: cf.Amount}
	if cf.Pending() && cf.ExpiresAt != nil {
		pc.ExpiresAt = *cf.ExpiresAt
	}
	p.pending[id] = pc
}

// unindexUsed drops the confirmation a red invoice, whole or partial, just
// used (RED-5); nil for a paper red-flush.
func (p *Projections) unindexUsed(id *uuid.UUID) {
	if id != nil {
		delete(p.pending, *id)
	}
}

// PendingConfirmations lists the pending confirmations across accounts,
// earliest deadline first; with due set, only those whose deadline is at
// or before it (RED-3), and with account set only that account's.
func (p *Projections) PendingConfirmations(account string, due *time.Time) []PendingConfirmation {
	return p.openConfirmations(account, func(pc PendingConfirmation) bool {
		return pc.Pending() && (due == nil || !pc.ExpiresAt.After(*due))
	})
}

// OpenConfirmations lists the open confirmations across accounts (RED-4):
// the pending ones, earliest deadline first, then those ready for their red
// invoice; with account set only that account's.
func (p *Projections) OpenConfirmations(account string) []PendingConfirmation {
	return p.openConfirmations(account, func(PendingConfirmation) bool { return true })
}

func (p *Projections) openConfirmations(account string, keep func(PendingConfirmation) bool) []PendingConfirmation {
	p.mu.RLock()
	defer p.mu.RUnlock()
	var out []PendingConfirmation
	for _, pc := range p.pending {
		if (account == "" || pc.AccountID == account) && keep(pc) {
			out = append(out, pc)
		}
	}
	slices.SortFunc(out, func(a, b PendingConfirmation) int {
		if a.Pending() != b.Pending() {
			if a.Pending() {
				return -1
			}
			return 1
		}
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
