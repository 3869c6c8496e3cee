package domain

import (
	"time"

	"github.com/google/uuid"
)

// invoiceFor returns the invoice or a NotFound error under code.
func invoiceFor(a *Account, id uuid.UUID, code string) (*Invoice, error) {
	inv := a.Invoices[id]
	if inv == nil {
		return nil, notFoundErr(code, "no invoice %s", id)
	}
	return inv, nil
}

// Decide cancels an application (CANCEL-1): the customer while under_review;
// support, with a ticket, while issuing. The statements are released.
func (c CancelInvoice) Decide(a *Account, env Env) ([]Event, error) {
	// The ticket is optional for the customer but, when given, is stored in
	// the event like support's: the same text rules apply.
	ticket, msg := cleanText(c.Ticket, 100)
	if msg != "" && (c.By == RoleSupport || ticket != "") {
		return nil, fieldErr("CANCEL-1", "ticket", "ticket %s: support cancels against the customer's ticket", msg)
	}
	inv, err := invoiceFor(a, c.InvoiceID, "CANCEL-1")
	if err != nil {
		return nil, err
	}
	switch inv.Status {
	case Issued, ReturnRequestedState, PaperReceived:
		return nil, stateErr("CANCEL-1", "the invoice is already issued and cannot be cancelled; request a return (退票) instead")
	case Rejected, Cancelled, Voided, RedFlushed:
		return nil, stateErr("CANCEL-1", "the application is already %s", inv.Status)
	}
	switch c.By {
	case RoleCustomer:
		if inv.Status != UnderReview {
			return nil, stateErr("CANCEL-1", "the invoice is being issued (开票中) and can no longer be cancelled here; open a ticket (提交工单) quickly and support will cancel it")
		}
	case RoleSupport:
		if inv.Status != Issuing {
			return nil, stateErr("CANCEL-1", "support cancels only applications being issued (开票中); the customer cancels an application under review")
		}
	default:
		return nil, stateErr("CANCEL-1", "only the customer or support may cancel an application")
	}
	return settle(a, env, []Event{InvoiceCancelled{InvoiceID: inv.ID, By: c.By, Ticket: ticket, CancelledAt: env.Now}}), nil
}

func underReview(a *Account, id uuid.UUID) (*Invoice, error) {
	inv, err := invoiceFor(a, id, "REVIEW-1")
	if err != nil {
		return nil, err
	}
	if inv.Status != UnderReview {
		return nil, stateErr("REVIEW-1", "the application is %s; only an application under review can be approved or rejected", inv.Status)
	}
	return inv, nil
}

// Decide approves an application (REVIEW-1): it moves to issuing.
func (c ApproveInvoice) Decide(a *Account, env Env) ([]Event, error) {
	inv, err := underReview(a, c.InvoiceID)
	if err != nil {
		return nil, err
	}
	return []Event{InvoiceApproved{InvoiceID: inv.ID, ApprovedAt: env.Now}}, nil
}

// Decide rejects an application with a reason (REVIEW-1); the statements
// are released.
func (c RejectInvoice) Decide(a *Account, env Env) ([]Event, error) {
	reason, msg := cleanText(c.Reason, 500)
	if msg != "" {
		return nil, fieldErr("REVIEW-1", "reason", "reason %s", msg)
	}
	inv, err := underReview(a, c.InvoiceID)
	if err != nil {
		return nil, err
	}
	return settle(a, env, []Event{InvoiceRejected{InvoiceID: inv.ID, Rejection: Rejection{Reason: reason, RejectedAt: env.Now}}}), nil
}

// Decide records the issued invoice: paper (ISSUE-1) or electronic
// (EINV-2), refusing a number this account already used (ISSUE-2; the
// ledger checks the rest of the ledger). The statements become invoiced.
func (c IssueInvoice) Decide(a *Account, env Env) ([]Event, error) {
	electronic := false
	if inv := a.Invoices[c.InvoiceID]; inv != nil {
		electronic = inv.IsElectronic()
	}
	if electronic {
		if c.InvoiceCode != "" {
			return nil, fieldErr("EINV-2", "invoice_code", "an electronic invoice has no invoice code: leave invoice_code out")
		}
		if _, err := ParseDate(c.IssuedOn); err != nil {
			return nil, fieldErr("ISSUE-1", "issued_on", "issued_on must be a date YYYY-MM-DD")
		}
		if err := checkElectronicNumber("invoice_number", c.InvoiceNumber, c.IssuedOn); err != nil {
			return nil, err
		}
	} else {
		if !validInvoiceCode(c.InvoiceCode) {
			return nil, fieldErr("ISSUE-1", "invoice_code", "invoice_code must be 10 or 12 digits")
		}
		if !validInvoiceNumber(c.InvoiceNumber) {
			return nil, fieldErr("ISSUE-1", "invoice_number", "invoice_number must be 8 digits")
		}
		if _, err := ParseDate(c.IssuedOn); err != nil {
			return nil, fieldErr("ISSUE-1", "issued_on", "issued_on must be a date YYYY-MM-DD")
		}
	}
	rate := env.TaxRate
	if c.TaxRate != "" {
		r, ok := ParseTaxRate(c.TaxRate)
		if !ok {
			return nil, fieldErr("ISSUE-1", "tax_rate", "tax_rate must be a fraction between 0 and 1 with at most 4 decimals, like 0.06")
		}
		rate = r
	}
	if !rate.IsPositive() {
		rate = DefaultTaxRate
	}
	inv, err := invoiceFor(a, c.InvoiceID, "ISSUE-1")
	if err != nil {
		return nil, err
	}
	if inv.Status != Issuing {
		return nil, stateErr("ISSUE-1", "the invoice is %s; only an approved application (issuing) can be issued", inv.Status)
	}
	if applied := BusinessDate(inv.RequestedAt); c.IssuedOn < applied {
		return nil, fieldErr("ISSUE-1", "issued_on", "issued_on %s is before the application date %s", c.IssuedOn, applied)
	}
	if today := BusinessDate(env.Now); c.IssuedOn > today {
		return nil, fieldErr("ISSUE-1", "issued_on", "issued_on %s is in the future (today is %s)", c.IssuedOn, today)
	}
	if o := a.numberUsedBy(c.InvoiceCode, c.InvoiceNumber); o != nil {
		return nil, stateErr("ISSUE-2", "invoice code %s number %s is already used by invoice %s; enter the code and number printed on this invoice", c.InvoiceCode, c.InvoiceNumber, o.ID)
	}
	net, tax := Tax(inv.Amount, rate)
	e := InvoiceIssued{
		InvoiceID:     inv.ID,
		InvoiceCode:   c.InvoiceCode,
		InvoiceNumber: c.InvoiceNumber,
		IssuedOn:      c.IssuedOn,
		Issuer:        env.Issuer,
		TaxRate:       lastTaxRate.of([]byte(rate.String())), // one string a rate, as decoded
		NetAmount:     net,
		TaxAmount:     tax,
		IssuedAt:      env.Now,
	}
	if electronic {
		// EINV-2: issuing delivers it, to the application's addresses.
		e.Medium, e.DeliveredTo = Electronic, inv.Emails
	}
	return []Event{e}, nil
}

// numberUsedBy returns the invoice of this account whose code and number, or
// whose red invoice's code and number (RETURN-4), are code and number: a red
// invoice is an invoice too, so ISSUE-2 covers both.
func (a *Account) numberUsedBy(code, number string) *Invoice {
	for _, id := range a.invoiceIDs() {
		o := a.Invoices[id]
		if o.InvoiceCode == code && o.InvoiceNumber == number {
			return o
		}
		if o.Return != nil && o.Return.RedInvoiceCode == code && o.Return.RedInvoiceNumber == number {
			return o
		}
		for _, p := range o.PartialRedFlushes {
			if p.RedInvoiceCode == code && p.RedInvoiceNumber == number {
				return o
			}
		}
	}
	return nil
}

// Decide records the shipment of an issued invoice (SHIP-1); it is late when
// shipped (Asia/Shanghai date) after the SLA due date.
func (c ShipInvoice) Decide(a *Account, env Env) ([]Event, error) {
	courier, msg := cleanText(c.Courier, 100)
	if msg != "" {
		return nil, fieldErr("SHIP-1", "courier", "courier %s", msg)
	}
	tracking, msg := cleanText(c.TrackingNumber, 100)
	if msg != "" {
		return nil, fieldErr("SHIP-1", "tracking_number", "tracking_number %s", msg)
	}
	inv, err := invoiceFor(a, c.InvoiceID, "SHIP-1")
	if err != nil {
		return nil, err
	}
	if inv.IsElectronic() {
		return nil, stateErr("EINV-2", "an electronic invoice is delivered by email when it is issued; there is nothing to ship")
	}
	if inv.Status != Issued {
		return nil, stateErr("SHIP-1", "the invoice is %s; only an issued invoice can be shipped", inv.Status)
	}
	if inv.Shipment != nil {
		return nil, stateErr("SHIP-1", "the invoice was already shipped by %s, tracking %s", inv.Shipment.Courier, inv.Shipment.TrackingNumber)
	}
	return []Event{InvoiceShipped{
		InvoiceID:      inv.ID,
		Courier:        courier,
		TrackingNumber: tracking,
		ShippedAt:      env.Now,
		Late:           IsLate(inv.SLADue, env.Now),
	}}, nil
}

// IsLate reports whether shipping at t breaks the SLA due date (SHIP-1).
func IsLate(slaDue string, t time.Time) bool {
	return slaDue != "" && BusinessDate(t) > slaDue
}
