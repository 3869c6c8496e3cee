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
// event the fold just applied.
func (b *batch) indexConfirmation(av *accountView, ev domain.Event) error {
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
		return nil
	}
	cf := av.acc.Confirmation(id)
	if cf == nil || !cf.Open() {
		return b.setPending(id, nil)
	}
	pc := PendingConfirmation{AccountID: av.acc.ID, ID: id, InvoiceID: cf.InvoiceID, Status: cf.Status, EnteredBy: cf.EnteredBy, Amount: cf.Amount}
	if cf.Pending() && cf.ExpiresAt != nil {
		pc.ExpiresAt = *cf.ExpiresAt
	}
	return b.setPending(id, encodePending(pc))
}

// setPending puts a pending entry, or deletes it when v is nil; a
// detached batch (a per-account build's worker) keeps the last one for
// each confirmation instead (byaccount.go).
func (b *batch) setPending(id uuid.UUID, v []byte) error {
	if b.tx == nil {
		if b.idx.pending == nil {
			b.idx.pending = map[uuid.UUID][]byte{}
		}
		b.idx.pending[id] = v
		return nil
	}
	if v == nil {
		return storage(b.tx.Bucket(bktPending).Delete(id[:]))
	}
	return storage(b.tx.Bucket(bktPending).Put(id[:], v))
}

// unindexUsed drops the confirmation a red invoice, whole or partial, just
// used (RED-5); nil for a paper red-flush.
func (b *batch) unindexUsed(id *uuid.UUID) error {
	if id != nil {
		return b.setPending(*id, nil)
	}
	return nil
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
	var out []PendingConfirmation
	err := p.read(func(r *reader) error {
		var err error
		out, err = r.pending(account, keep)
		return err
	})
	p.logReadErr("confirmations", err)
	sortConfirmations(out)
	return out
}

// pending lists the open confirmations kept, in no order.
func (r *reader) pending(account string, keep func(PendingConfirmation) bool) ([]PendingConfirmation, error) {
	var out []PendingConfirmation
	err := r.tx.Bucket(bktPending).ForEach(func(_, v []byte) error {
		pc, err := decodePending(v)
		if err != nil {
			return err
		}
		if (account == "" || pc.AccountID == account) && keep(pc) {
			out = append(out, pc)
		}
		return nil
	})
	return out, err
}

func sortConfirmations(out []PendingConfirmation) {
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
}

// InvoiceConfirmations returns copies of an invoice's confirmations in
// entry order; ok=false when the account has no such invoice.
func (p *Projections) InvoiceConfirmations(acc string, invoiceID uuid.UUID) ([]domain.Confirmation, bool) {
	var out []domain.Confirmation
	p.withAccount("invoice confirmations", acc, func(av *accountView) {
		if av.acc.Invoices[invoiceID] == nil {
			return
		}
		cfs := av.acc.InvoiceConfirmations(invoiceID)
		out = make([]domain.Confirmation, len(cfs))
		for i, cf := range cfs {
			out[i] = *cf
		}
	})
	return out, out != nil
}

// Confirmation returns a copy of one confirmation of the account.
func (p *Projections) Confirmation(acc string, id uuid.UUID) (domain.Confirmation, bool) {
	var out domain.Confirmation
	found := false
	p.withAccount("confirmation", acc, func(av *accountView) {
		if cf := av.acc.Confirmation(id); cf != nil {
			out, found = *cf, true
		}
	})
	return out, found
}
