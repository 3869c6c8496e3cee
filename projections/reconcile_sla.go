package projections

import (
	"time"

	"github.com/fapiao/fapiao/domain"
	"github.com/google/uuid"
)

// SLAReport is REC-3. Late lists applications not shipped within SHIP-1:
// those shipped late whose due date falls in the month, and every live
// application still unshipped after its due date as of the report's time,
// whatever its month (an open breach stays open). WaitingForPaper lists the
// returns whose paper has not arrived (status return_requested).
type SLAReport struct {
	Late            []SLAItem `json:"late"`
	WaitingForPaper []SLAItem `json:"waiting_for_paper"`
}

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
}

func (p *Projections) slaReport(month string, now time.Time) SLAReport {
	r := SLAReport{Late: []SLAItem{}, WaitingForPaper: []SLAItem{}}
	for ref, id := range p.refID {
		inv := p.refAcc[ref].acc.Invoices[id]
		if inv == nil {
			continue
		}
		item := SLAItem{Account: inv.AccountID, InvoiceID: inv.ID, Status: inv.Status, RequestedAt: inv.RequestedAt, SLADue: inv.SLADue}
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
