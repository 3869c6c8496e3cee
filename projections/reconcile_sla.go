package projections

import (
	"slices"
	"time"

	"github.com/fapiao/fapiao/domain"
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

func (p *Projections) slaReport(month string, now time.Time) SLAReport {
	r := SLAReport{Late: []SLAItem{}, WaitingForPaper: []SLAItem{}, LateElectronic: []SLAItem{}, ExpiringConfirmations: []ConfirmationItem{}}
	for ref, id := range p.refID {
		inv := p.refAcc[ref].acc.Invoices[id]
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
					r.LateElectronic = append(r.LateElectronic, item)
				}
			case inv.Live() && overdue(inv.SLADue, now):
				r.LateElectronic = append(r.LateElectronic, item)
			}
			continue
		}
		switch {
		case inv.Shipment != nil:
			if inv.Shipment.Late && len(inv.SLADue) >= 7 && inv.SLADue[:7] == month {
				at := inv.Shipment.ShippedAt
				item.ShippedAt = &at
				r.Late = append(r.Late, item)
			}
		case inv.Live() && overdue(inv.SLADue, now):
			r.Late = append(r.Late, item)
		}
		if inv.Status == domain.ReturnRequestedState && inv.Return != nil {
			at := inv.Return.RequestedAt
			item.ShippedAt = nil
			item.ReturnRequestedAt = &at
			r.WaitingForPaper = append(r.WaitingForPaper, item)
		}
	}
	if !now.IsZero() {
		for _, pc := range p.pending {
			if pc.Pending() && pc.ExpiresAt.Sub(now) <= ExpiringWithin {
				r.ExpiringConfirmations = append(r.ExpiringConfirmations, ConfirmationItem{
					Account: pc.AccountID, ConfirmationID: pc.ID, InvoiceID: pc.InvoiceID, Status: pc.Status, ExpiresAt: pc.ExpiresAt})
			}
		}
		slices.SortFunc(r.ExpiringConfirmations, func(a, b ConfirmationItem) int {
			if c := a.ExpiresAt.Compare(b.ExpiresAt); c != 0 {
				return c
			}
			return slices.Compare(a.ConfirmationID[:], b.ConfirmationID[:])
		})
	}
	return r
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
