package projections

import (
	"fmt"
	"strings"
	"time"

	"github.com/fapiao/fapiao/domain"
	"github.com/fapiao/fapiao/eventstore"
	"github.com/google/uuid"
)

// Apply folds one record into the read models. Records of streams other than
// "account-<id>" only advance the position. Positions must increase: a
// record at or before Position() is refused with ErrOutOfOrder and changes
// nothing. A record that cannot be decoded or folded still advances the
// position (the log cannot be re-read around it); the error is returned and
// kept, and Reconcile reports it.
func (p *Projections) Apply(r eventstore.Record) error {
	id, isAccount := accountID(r.Stream)
	var ev domain.Event
	var err error
	if isAccount {
		// Decoding dominates the cost of a fold; it needs no lock.
		ev, err = domain.DecodeEvent(r.Type, r.Data)
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.applyDecoded(r, id, isAccount, ev, err)
}

// applyDecoded is Apply after decoding; the caller holds the write lock.
func (p *Projections) applyDecoded(r eventstore.Record, id string, isAccount bool, ev domain.Event, decodeErr error) error {
	if err := p.checkOrder(r.Position); err != nil {
		return err
	}
	defer p.advance(r.Position)
	if !isAccount {
		return nil
	}
	if decodeErr != nil {
		return p.addFault(r, decodeErr)
	}
	p.lastMeta = r.Metadata
	if err := p.fold(p.account(id), r.Position, ev); err != nil {
		return p.addFault(r, err)
	}
	return nil
}

// accountID extracts the account ID from an account stream's name.
func accountID(stream string) (string, bool) {
	id, ok := strings.CutPrefix(stream, accountStreamPrefix)
	return id, ok && id != ""
}

func (p *Projections) account(id string) *accountView {
	av := p.accounts[id]
	if av == nil {
		av = &accountView{acc: domain.NewAccount(id), holders: map[string][]uuid.UUID{}}
		p.accounts[id] = av
	}
	return av
}

func (p *Projections) addFault(r eventstore.Record, err error) error {
	err = fmt.Errorf("projections: %s@%d (%s, position %d): %w", r.Stream, r.Revision, r.Type, r.Position, err)
	p.nFaults++
	if len(p.faults) < maxFaults {
		p.faults = append(p.faults, fault{Position: r.Position, Stream: r.Stream, Type: r.Type, Err: err.Error()})
	}
	return err
}

// fold applies ev to the account with the command side's fold, then updates
// the indexes from the result. A panic in the fold (an event the aggregate
// cannot take, such as a forged one) becomes an error.
func (p *Projections) fold(av *accountView, pos eventstore.Position, ev domain.Event) (err error) {
	defer func() {
		if v := recover(); v != nil {
			err = fmt.Errorf("fold panicked: %v", v)
		}
	}()
	av.acc.Apply(ev)
	switch e := ev.(type) {
	case domain.StatementPosted:
		dropLines(av.acc, e.Month)
		return nil
	case domain.InvoiceRequested:
		if inv := av.acc.Invoices[e.InvoiceID]; inv != nil {
			p.internInvoice(inv)
		}
		return p.indexInvoice(av, pos, e)
	case domain.InvoiceIssued:
		if inv := av.acc.Invoices[e.InvoiceID]; inv != nil {
			p.internInvoice(inv)
		}
	case domain.InvoiceShipped:
		if inv := av.acc.Invoices[e.InvoiceID]; inv != nil {
			p.internInvoice(inv)
		}
	case domain.InvoiceVoided:
		return p.closeInvoice(av, e.InvoiceID, e.VoidedAt, domain.Voided)
	case domain.InvoiceRedFlushed:
		p.unindexUsed(e.ConfirmationID)
		return p.closeInvoice(av, e.InvoiceID, e.RedFlushedAt, domain.RedFlushed)
	case domain.InvoicePartlyRedFlushed:
		// The invoice stays issued; its confirmation is used (RED-5).
		p.unindexUsed(e.ConfirmationID)
		return p.updateStatus(av, e.InvoiceID)
	case domain.RedLetterConfirmationEntered, domain.RedLetterConfirmationConfirmed, domain.RedLetterConfirmationRefused,
		domain.RedLetterConfirmationWithdrawn, domain.RedLetterConfirmationExpired:
		p.indexConfirmation(av, ev)
		return nil
	}
	if id, ok := invoiceIDOf(ev); ok {
		return p.updateStatus(av, id)
	}
	return nil
}

// dropLines lets go of a statement's lines once the fold has summarised
// them into its buckets: no query answers with lines (only a command's
// answer does, from the ledger's own state), and at three lines a month
// they were about a third of the read models' heap.
func dropLines(a *domain.Account, month string) {
	if st := a.Statements[month]; st != nil {
		st.Lines = nil
	}
}

// indexInvoice adds a new application to the invoice index and records the
// statements it holds.
func (p *Projections) indexInvoice(av *accountView, pos eventstore.Position, e domain.InvoiceRequested) error {
	if _, dup := p.byID[e.InvoiceID]; dup {
		return fmt.Errorf("invoice %s requested twice", e.InvoiceID)
	}
	inv := av.acc.Invoices[e.InvoiceID]
	if inv == nil {
		return fmt.Errorf("the fold kept no invoice %s", e.InvoiceID)
	}
	ref := int32(len(p.refPos))
	p.refPos = append(p.refPos, pos)
	p.refStatus = append(p.refStatus, codeOf(inv.Status))
	p.refAcc = append(p.refAcc, av)
	p.refID = append(p.refID, e.InvoiceID)
	p.byID[e.InvoiceID] = ref
	av.refs = append(av.refs, ref)
	if liveStatus(inv.Status) {
		// From the event, not from the fold's result: REC-1 must see what
		// the log says, even if the fold lost it.
		for _, m := range e.Statements {
			av.holders[m] = append(av.holders[m], e.InvoiceID)
		}
	}
	return nil
}

// updateStatus copies an invoice's new status into the index and releases
// its statements when it stops being live.
func (p *Projections) updateStatus(av *accountView, id uuid.UUID) error {
	ref, ok := p.byID[id]
	if !ok || p.refAcc[ref] != av {
		return fmt.Errorf("event for unknown invoice %s", id)
	}
	inv := av.acc.Invoices[id]
	if inv == nil {
		return fmt.Errorf("the fold lost invoice %s", id)
	}
	old := p.refStatus[ref].status()
	p.refStatus[ref] = codeOf(inv.Status)
	if liveStatus(old) && !liveStatus(inv.Status) {
		for _, m := range inv.Statements {
			av.holders[m] = removeID(av.holders[m], id)
			if len(av.holders[m]) == 0 {
				delete(av.holders, m)
			}
		}
	}
	return nil
}

func (p *Projections) closeInvoice(av *accountView, id uuid.UUID, at time.Time, want domain.InvoiceStatus) error {
	if err := p.updateStatus(av, id); err != nil {
		return err
	}
	ref := p.byID[id]
	if got := p.refStatus[ref].status(); got != want {
		return fmt.Errorf("invoice %s is %s after the event that makes it %s", id, got, want)
	}
	p.closings = append(p.closings, closing{ref: ref, status: want, at: at})
	return nil
}

// liveStatus is domain.Invoice.Live for a bare status.
func liveStatus(s domain.InvoiceStatus) bool {
	inv := domain.Invoice{Status: s}
	return inv.Live()
}

func removeID(ids []uuid.UUID, id uuid.UUID) []uuid.UUID {
	for i, x := range ids {
		if x == id {
			return append(ids[:i], ids[i+1:]...)
		}
	}
	return ids
}

// invoiceIDOf returns the invoice an invoice-lifecycle event is about.
func invoiceIDOf(ev domain.Event) (uuid.UUID, bool) {
	switch e := ev.(type) {
	case domain.InvoiceRequested:
		return e.InvoiceID, true
	case domain.InvoiceCancelled:
		return e.InvoiceID, true
	case domain.InvoiceApproved:
		return e.InvoiceID, true
	case domain.InvoiceRejected:
		return e.InvoiceID, true
	case domain.InvoiceIssued:
		return e.InvoiceID, true
	case domain.InvoiceShipped:
		return e.InvoiceID, true
	case domain.ReturnRequested:
		return e.InvoiceID, true
	case domain.ReturnPaperReceived:
		return e.InvoiceID, true
	case domain.ReturnRejected:
		return e.InvoiceID, true
	case domain.InvoiceVoided:
		return e.InvoiceID, true
	case domain.InvoiceRedFlushed:
		return e.InvoiceID, true
	case domain.ExchangeFailed:
		return e.InvoiceID, true
	}
	return uuid.Nil, false
}
