package domain

import (
	"time"

	"github.com/google/uuid"
)

// Decide asks to return an issued invoice (RETURN-1) stating, for
// vat_special, whether it was certified and then the red-letter information
// form number (RETURN-2); it may ask for an exchange (RETURN-6).
func (c RequestReturn) Decide(a *Account, env Env) ([]Event, error) {
	reason, msg := cleanText(c.Reason, 500)
	if msg != "" {
		return nil, fieldErr("RETURN-1", "reason", "reason %s", msg)
	}
	inv, err := invoiceFor(a, c.InvoiceID, "RETURN-1")
	if err != nil {
		return nil, err
	}
	switch inv.Status {
	case Issued:
	case UnderReview:
		return nil, stateErr("RETURN-1", "the application is still under review (开票申请审核中) and nothing was issued yet; cancel the application instead of returning it")
	case Issuing:
		return nil, stateErr("RETURN-1", "the invoice is being issued (开票中) and cannot be returned yet; to stop it, open a ticket (提交工单) quickly and support will cancel it")
	default:
		return nil, stateErr("RETURN-1", "the invoice is %s; only an issued invoice can be returned", inv.Status)
	}
	form, msg := cleanText(c.RedLetterFormNumber, 100)
	switch {
	case inv.Title.Type == VATSpecial && c.CertifiedUnstated:
		return nil, fieldErr("RETURN-2", "certified", "say whether the vat_special invoice was certified (已认证): certified true or false")
	case inv.Title.Type != VATSpecial && c.Certified:
		return nil, fieldErr("RETURN-2", "certified", "only a vat_special invoice (增值税专用发票) can have been certified")
	case c.Certified && msg != "":
		return nil, fieldErr("RETURN-2", "red_letter_form_number", "a certified invoice needs the red-letter information form number (红字信息表编号): red_letter_form_number %s", msg)
	case !c.Certified && form != "":
		return nil, fieldErr("RETURN-2", "red_letter_form_number", "a red-letter information form is only for a certified vat_special invoice")
	}
	var addrID *uuid.UUID
	if c.Exchange && c.AddressID != nil {
		if a.address(*c.AddressID) == nil {
			return nil, stateErr("RETURN-6", "address %s is not one of the account's mailing addresses; pick one of them for the exchange", *c.AddressID)
		}
		id := *c.AddressID
		addrID = &id
	}
	return []Event{ReturnRequested{
		InvoiceID:           inv.ID,
		Reason:              reason,
		Certified:           c.Certified,
		RedLetterFormNumber: form,
		Exchange:            c.Exchange,
		AddressID:           addrID,
		RequestedAt:         env.Now,
	}}, nil
}

// Decide records the paper that came back (RETURN-3): complete paper moves the
// return to paper_received; incomplete paper is noted and the return waits.
func (c ReceiveReturnPaper) Decide(a *Account, env Env) ([]Event, error) {
	note := ""
	if c.Note != "" {
		var msg string
		if note, msg = cleanText(c.Note, 500); msg != "" && note != "" {
			return nil, fieldErr("RETURN-3", "note", "note %s", msg)
		}
	}
	inv, err := invoiceFor(a, c.InvoiceID, "RETURN-3")
	if err != nil {
		return nil, err
	}
	if inv.Status != ReturnRequestedState {
		return nil, stateErr("RETURN-3", "the invoice is %s; paper is recorded only for a requested return", inv.Status)
	}
	return []Event{ReturnPaperReceived{InvoiceID: inv.ID, Complete: c.Complete, Note: note, ReceivedAt: env.Now}}, nil
}

// Decide refuses a return with a reason (RETURN-3); the invoice stays issued.
func (c RejectReturn) Decide(a *Account, env Env) ([]Event, error) {
	reason, msg := cleanText(c.Reason, 500)
	if msg != "" {
		return nil, fieldErr("RETURN-3", "reason", "reason %s", msg)
	}
	inv, err := invoiceFor(a, c.InvoiceID, "RETURN-3")
	if err != nil {
		return nil, err
	}
	if inv.Status != ReturnRequestedState && inv.Status != PaperReceived {
		return nil, stateErr("RETURN-3", "the invoice is %s; there is no return to reject", inv.Status)
	}
	return []Event{ReturnRejected{InvoiceID: inv.ID, Reason: reason, RejectedAt: env.Now}}, nil
}

// paperReceived returns an invoice whose complete paper came back.
func paperReceived(a *Account, id uuid.UUID) (*Invoice, error) {
	inv, err := invoiceFor(a, id, "RETURN-3")
	if err != nil {
		return nil, err
	}
	if inv.Status != PaperReceived {
		return nil, stateErr("RETURN-3", "the invoice is %s; a return completes only after the complete paper invoice was received", inv.Status)
	}
	return inv, nil
}

// VoidAllowed reports whether RETURN-4 allows voiding inv at now: issued in
// the same calendar month (Asia/Shanghai) and not certified.
func VoidAllowed(inv *Invoice, now time.Time) bool {
	if inv.Return != nil && inv.Return.Certified {
		return false
	}
	return len(inv.IssuedOn) >= 7 && inv.IssuedOn[:7] == BusinessMonth(now)
}

// Decide voids a returned invoice (RETURN-4): only in its issue month and
// when uncertified. The statements are available again (RETURN-5) and an
// exchange is applied for at once (RETURN-6).
func (c VoidInvoice) Decide(a *Account, env Env) ([]Event, error) {
	inv, err := paperReceived(a, c.InvoiceID)
	if err != nil {
		return nil, err
	}
	if inv.Return != nil && inv.Return.Certified {
		return nil, stateErr("RETURN-4", "a certified invoice cannot be voided; red-flush it (红冲) with the red invoice's code and number")
	}
	if !VoidAllowed(inv, env.Now) {
		return nil, stateErr("RETURN-4", "the invoice was issued on %s; a void (作废) is possible only within the same calendar month — red-flush it (红冲) instead", inv.IssuedOn)
	}
	return completeReturn(a, env, inv, InvoiceVoided{InvoiceID: inv.ID, VoidedAt: env.Now}), nil
}

// Decide red-flushes a returned invoice (RETURN-4, RETURN-6): the red invoice
// reverses the whole amount. Statements become available (RETURN-5) and an
// exchange is applied for at once.
func (c RedFlushInvoice) Decide(a *Account, env Env) ([]Event, error) {
	if !invoiceCodePattern.MatchString(c.RedInvoiceCode) {
		return nil, fieldErr("RETURN-4", "red_invoice_code", "red_invoice_code must be 10 or 12 digits")
	}
	if !invoiceNumberPattern.MatchString(c.RedInvoiceNumber) {
		return nil, fieldErr("RETURN-4", "red_invoice_number", "red_invoice_number must be 8 digits")
	}
	inv, err := paperReceived(a, c.InvoiceID)
	if err != nil {
		return nil, err
	}
	if o := a.numberUsedBy(c.RedInvoiceCode, c.RedInvoiceNumber); o != nil {
		return nil, stateErr("ISSUE-2", "invoice code %s number %s is already used by invoice %s; enter the red invoice's own code and number", c.RedInvoiceCode, c.RedInvoiceNumber, o.ID)
	}
	return completeReturn(a, env, inv, InvoiceRedFlushed{
		InvoiceID:        inv.ID,
		RedInvoiceCode:   c.RedInvoiceCode,
		RedInvoiceNumber: c.RedInvoiceNumber,
		RedAmount:        inv.Amount,
		RedFlushedAt:     env.Now,
	}), nil
}

// completeReturn appends RETURN-6's exchange to a completed return: a new
// application over the same statements with the account's current approved
// title and the chosen address (or the default). Without an approved title
// or any address the return completes without the exchange; the statements
// are then simply available and the customer applies again (RETURN-5).
func completeReturn(a *Account, env Env, inv *Invoice, done Event) []Event {
	evs := []Event{done}
	if inv.Return == nil || !inv.Return.Exchange {
		return evs
	}
	title := a.ApprovedTitle()
	var addr *SavedAddress
	if inv.Return.AddressID != nil {
		addr = a.address(*inv.Return.AddressID)
	}
	if addr == nil {
		addr = a.DefaultAddress()
	}
	if title == nil || addr == nil {
		return evs
	}
	of := inv.ID
	return append(evs, newRequest(a, env, inv.Statements, title.Title, addr, &of))
}
