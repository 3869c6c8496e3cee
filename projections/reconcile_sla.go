package projections

import (
	"cmp"
	"slices"
	"time"

	"github.com/fapiao/fapiao/domain"
	"github.com/fapiao/fapiao/eventstore"
	"github.com/google/uuid"
)

// SLAReport is REC-3. Late lists applications not shipped within SHIP-1:
// those shipped late whose due date falls in the month, and every live
// application still unshipped after its due date as of the report's time,
// whatever its month (an open breach stays open). WaitingForPaper lists the
// returns whose paper has not arrived (status return_requested).
//
// LateElectronic lists electronic applications not issued within EINV-3
// (issued late with the due date in the month, or still not issued after
// it), ExpiringConfirmations the red-letter confirmations still pending
// whose 72-hour deadline (RED-3) falls within a day of the report's time.
type SLAReport struct {
	Late                  []SLAItem          `json:"late"`
	WaitingForPaper       []SLAItem          `json:"waiting_for_paper"`
	LateElectronic        []SLAItem          `json:"late_electronic"`
	ExpiringConfirmations []ConfirmationItem `json:"expiring_confirmations"`
}

// ConfirmationItem is a pending red-letter confirmation in the SLA report.
type ConfirmationItem struct {
	Account        string                    `json:"account"`
	ConfirmationID uuid.UUID                 `json:"confirmation_id"`
	InvoiceID      uuid.UUID                 `json:"invoice_id"`
	Status         domain.ConfirmationStatus `json:"status"`
	ExpiresAt      time.Time                 `json:"expires_at"`
}

// ExpiringWithin is how far ahead REC-3 lists confirmations about to expire.
const ExpiringWithin = 24 * time.Hour

// SLAItem is one application in the SLA report.
type SLAItem struct {
	Account     string               `json:"account"`
	InvoiceID   uuid.UUID            `json:"invoice_id"`
	Status      domain.InvoiceStatus `json:"status"`
	RequestedAt time.Time            `json:"requested_at"`
	SLADue      string               `json:"sla_due,omitempty"`
	ShippedAt   *time.Time           `json:"shipped_at,omitempty"`
	// ReturnRequestedAt is when the customer asked to return it (waiting for paper).
	ReturnRequestedAt *time.Time `json:"return_requested_at,omitempty"`
	// IssuedOn is when a late electronic invoice was issued (EINV-3).
	IssuedOn string `json:"issued_on,omitempty"`
}

// slaWalk gathers REC-3 over a walk of the accounts; the lists are put in
// the log order of the applications at the end.
type slaWalk struct {
	late, waiting, lateE []slaAt
}

type slaAt struct {
	pos  eventstore.Position
	item SLAItem
}

func newSLAReport() *slaWalk { return &slaWalk{} }

func (w *slaWalk) addAccount(av *accountView, refs []invoiceRef, month string, now time.Time) {
	for _, ref := range refs {
		inv := av.acc.Invoices[ref.id]
		if inv == nil {
			continue
		}
		item := SLAItem{Account: inv.AccountID, InvoiceID: inv.ID, Status: inv.Status, RequestedAt: inv.RequestedAt, SLADue: inv.SLADue}
		if inv.IsElectronic() {
			// EINV-3 instead of SHIP-1; no paper to wait for (EINV-4).
			switch {
			case inv.IssuedOn != "":
				if inv.IssuedOn > inv.SLADue && len(inv.SLADue) >= 7 && inv.SLADue[:7] == month {
					item.IssuedOn = inv.IssuedOn
					w.lateE = append(w.lateE, slaAt{ref.pos, item})
				}
			case inv.Live() && overdue(inv.SLADue, now):
				w.lateE = append(w.lateE, slaAt{ref.pos, item})
			}
			continue
		}
		switch {
		case inv.Shipment != nil:
			if inv.Shipment.Late && len(inv.SLADue) >= 7 && inv.SLADue[:7] == month {
				at := inv.Shipment.ShippedAt
				item.ShippedAt = &at
				w.late = append(w.late, slaAt{ref.pos, item})
			}
		case inv.Live() && overdue(inv.SLADue, now):
			w.late = append(w.late, slaAt{ref.pos, item})
		}
		if inv.Status == domain.ReturnRequestedState && inv.Return != nil {
			at := inv.Return.RequestedAt
			item.ShippedAt = nil
			item.ReturnRequestedAt = &at
			w.waiting = append(w.waiting, slaAt{ref.pos, item})
		}
	}
}

func inLogOrder(xs []slaAt) []SLAItem {
	slices.SortFunc(xs, func(a, b slaAt) int { return cmp.Compare(a.pos, b.pos) })
	out := make([]SLAItem, len(xs))
	for i, x := range xs {
		out[i] = x.item
	}
	return out
}

// finishSLA orders the lists and adds the confirmations about to expire.
func (r *reader) finishSLA(w *slaWalk, now time.Time) (SLAReport, error) {
	rep := SLAReport{Late: inLogOrder(w.late), WaitingForPaper: inLogOrder(w.waiting), LateElectronic: inLogOrder(w.lateE), ExpiringConfirmations: []ConfirmationItem{}}
	if now.IsZero() {
		return rep, nil
	}
	pcs, err := r.pending("", func(pc PendingConfirmation) bool {
		return pc.Pending() && pc.ExpiresAt.Sub(now) <= ExpiringWithin
	})
	if err != nil {
		return rep, err
	}
	for _, pc := range pcs {
		rep.ExpiringConfirmations = append(rep.ExpiringConfirmations, ConfirmationItem{
			Account: pc.AccountID, ConfirmationID: pc.ID, InvoiceID: pc.InvoiceID, Status: pc.Status, ExpiresAt: pc.ExpiresAt})
	}
	slices.SortFunc(rep.ExpiringConfirmations, func(a, b ConfirmationItem) int {
		if c := a.ExpiresAt.Compare(b.ExpiresAt); c != 0 {
			return c
		}
		return slices.Compare(a.ConfirmationID[:], b.ConfirmationID[:])
	})
	return rep, nil
}

// overdue reports whether now is past the end of the due date (Asia/Shanghai).
func overdue(due string, now time.Time) bool {
	if due == "" || now.IsZero() {
		return false
	}
	d, err := time.ParseInLocation(time.DateOnly, due, domain.Shanghai())
	if err != nil {
		return false
	}
	return !now.Before(d.AddDate(0, 0, 1))
}
