package domain

import (
	"time"

	"github.com/google/uuid"
	"github.com/shopspring/decimal"
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
	if inv.IsElectronic() {
		// EINV-4: no paper, no certification; the red-letter
		// confirmation's deducted says it.
		if c.Certified || form != "" {
			return nil, fieldErr("RETURN-2", "certified", "an electronic invoice is not certified on paper: say deducted (已抵扣) in the red-letter confirmation instead")
		}
		c.CertifiedUnstated = false
	}
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
	if inv.IsElectronic() {
		return nil, stateErr("EINV-4", "an electronic invoice has no paper to return; it is reversed by a red invoice against a red-letter confirmation")
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
	return []Event{ReturnRejected{InvoiceID: inv.ID, Rejection: Rejection{Reason: reason, RejectedAt: env.Now}}}, nil
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
	if inv := a.Invoices[c.InvoiceID]; inv != nil && inv.IsElectronic() {
		return nil, stateErr("EINV-4", "an electronic invoice is never voided (作废); reverse it by a red invoice (红冲) against a red-letter confirmation")
	}
	inv, err := paperReceived(a, c.InvoiceID)
	if err != nil {
		return nil, err
	}
	if inv.Return != nil && inv.Return.Certified {
		return nil, stateErr("RETURN-4", "a certified invoice cannot be voided; red-flush it (红冲) with the red invoice's code and number")
	}
	if inv.RedFlushedAmount.IsPositive() {
		return nil, stateErr("DEF-5", "the invoice was already red-flushed in part (%s); it is never voided — red-flush the rest (%s)", inv.RedFlushedAmount, inv.Rest())
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
	if inv := a.Invoices[c.InvoiceID]; inv != nil && inv.IsElectronic() {
		return c.decideElectronic(a, env, inv)
	}
	if c.ConfirmationID != nil {
		return nil, fieldErr("RED-1", "confirmation_id", "red-letter confirmations are for electronic invoices; a paper red-flush records the red invoice's code and number")
	}
	if !validInvoiceCode(c.RedInvoiceCode) {
		return nil, fieldErr("RETURN-4", "red_invoice_code", "red_invoice_code must be 10 or 12 digits")
	}
	if !validInvoiceNumber(c.RedInvoiceNumber) {
		return nil, fieldErr("RETURN-4", "red_invoice_number", "red_invoice_number must be 8 digits")
	}
	amount, err := c.amount()
	if err != nil {
		return nil, err
	}
	form := ""
	if c.RedLetterFormNumber != "" {
		var msg string
		if form, msg = cleanText(c.RedLetterFormNumber, 100); msg != "" {
			return nil, fieldErr("DEF-5", "red_letter_form_number", "red_letter_form_number %s", msg)
		}
	}
	if amount != nil {
		inv, err := invoiceFor(a, c.InvoiceID, "DEF-5")
		if err != nil {
			return nil, err
		}
		if !(inv.Status == PaperReceived && amount.Equal(inv.Rest())) {
			return c.decidePaperPart(a, env, inv, *amount, form)
		}
	}
	inv, err := paperReceived(a, c.InvoiceID)
	if err != nil {
		return nil, err
	}
	if o := a.numberUsedBy(c.RedInvoiceCode, c.RedInvoiceNumber); o != nil {
		return nil, stateErr("ISSUE-2", "invoice code %s number %s is already used by invoice %s; enter the red invoice's own code and number", c.RedInvoiceCode, c.RedInvoiceNumber, o.ID)
	}
	// A later whole red-flush reverses the rest (DEF-5).
	return completeReturn(a, env, inv, InvoiceRedFlushed{
		InvoiceID:           inv.ID,
		RedInvoiceCode:      c.RedInvoiceCode,
		RedInvoiceNumber:    c.RedInvoiceNumber,
		RedAmount:           inv.Rest(),
		RedFlushedAt:        env.Now,
		RedLetterFormNumber: form,
	}), nil
}

// amount reads a partial red-flush's amount (DEF-5); nil for the whole rest.
func (c RedFlushInvoice) amount() (*Money, error) {
	if c.Amount == "" {
		return nil, nil
	}
	m, err := ParseMoney(c.Amount)
	if err != nil || !m.IsPositive() {
		return nil, fieldErr("DEF-5", "amount", "amount must be above zero with at most two decimals, like \"100.00\"")
	}
	return &m, nil
}

// decidePaperPart red-flushes part of an issued paper invoice, at most what
// it owes (DEF-5), with the red invoice's code and number and the
// red-letter information form number (红字信息表). The invoice stays issued;
// a red-flush of all it has left (a deficit of the whole rest) completes it.
func (c RedFlushInvoice) decidePaperPart(a *Account, env Env, inv *Invoice, amount Money, form string) ([]Event, error) {
	if inv.Status != Issued {
		return nil, stateErr("DEF-5", "the invoice is %s; finance red-flushes part of an issued invoice only (a returned one is red-flushed whole, for %s)", inv.Status, inv.Rest())
	}
	owed := inv.Deficit()
	switch {
	case !owed.IsPositive():
		return nil, stateErr("DEF-5", "the invoice owes nothing (no deficit); a partial red-flush clears only what a refund after invoicing left owed")
	case amount.Cmp(owed) > 0:
		return nil, stateErr("DEF-5", "the invoice owes %s; a partial red-flush of %s is more than that", owed, amount)
	}
	if form == "" {
		return nil, fieldErr("DEF-5", "red_letter_form_number", "a partial red-flush of a paper invoice needs the red-letter information form number (红字信息表编号)")
	}
	if o := a.numberUsedBy(c.RedInvoiceCode, c.RedInvoiceNumber); o != nil {
		return nil, stateErr("ISSUE-2", "invoice code %s number %s is already used by invoice %s; enter the red invoice's own code and number", c.RedInvoiceCode, c.RedInvoiceNumber, o.ID)
	}
	if amount.Equal(inv.Rest()) {
		return completeReturn(a, env, inv, InvoiceRedFlushed{
			InvoiceID: inv.ID, RedInvoiceCode: c.RedInvoiceCode, RedInvoiceNumber: c.RedInvoiceNumber,
			RedAmount: amount, RedFlushedAt: env.Now, RedLetterFormNumber: form,
		}), nil
	}
	net, tax := Tax(amount, inv.rate())
	return []Event{InvoicePartlyRedFlushed{
		InvoiceID: inv.ID, RedInvoiceCode: c.RedInvoiceCode, RedInvoiceNumber: c.RedInvoiceNumber,
		RedLetterFormNumber: form, RedAmount: amount, NetAmount: net, TaxAmount: tax, RedFlushedAt: env.Now,
	}}, nil
}

// rate is the invoice's tax rate as issued (ISSUE-1), the default if unknown.
func (inv *Invoice) rate() decimal.Decimal {
	if r, ok := ParseTaxRate(inv.TaxRate); ok && r.IsPositive() {
		return r
	}
	return DefaultTaxRate
}

// decideElectronic red-flushes an electronic invoice against a confirmed or
// not-required confirmation (RED-5): a 20-digit red number (EINV-2's form),
// no code, dated today unless given, for the confirmation's amount. A red
// invoice for the whole remaining amount makes the invoice red_flushed.
func (c RedFlushInvoice) decideElectronic(a *Account, env Env, inv *Invoice) ([]Event, error) {
	if c.RedInvoiceCode != "" {
		return nil, fieldErr("EINV-2", "red_invoice_code", "an electronic red invoice has no invoice code: leave red_invoice_code out")
	}
	on := c.IssuedOn
	if on == "" {
		on = BusinessDate(env.Now)
	} else if _, err := ParseDate(on); err != nil {
		return nil, fieldErr("RED-5", "issued_on", "issued_on must be a date YYYY-MM-DD")
	}
	if err := checkElectronicNumber("red_invoice_number", c.RedInvoiceNumber, on); err != nil {
		return nil, err
	}
	if c.ConfirmationID == nil {
		return nil, stateErr("RED-5", "an electronic invoice is red-flushed only against a red-letter confirmation (红字确认单): give confirmation_id")
	}
	cf := a.confirmation(*c.ConfirmationID)
	switch {
	case cf == nil || cf.InvoiceID != inv.ID:
		return nil, stateErr("RED-5", "no red-letter confirmation %s for this invoice", *c.ConfirmationID)
	case cf.Used:
		return nil, stateErr("RED-5", "the red-letter confirmation %s was already used for a red invoice", cf.ID)
	case !cf.Usable():
		return nil, stateErr("RED-5", "the red-letter confirmation is %s; the red invoice needs a confirmed or not_required one", cf.Status)
	}
	if inv.Status != Issued && inv.Status != ReturnRequestedState {
		return nil, stateErr("RED-5", "the invoice is %s; only an issued invoice is red-flushed", inv.Status)
	}
	if on < inv.IssuedOn {
		return nil, fieldErr("RED-5", "issued_on", "the red invoice's date %s is before the invoice's %s", on, inv.IssuedOn)
	}
	if today := BusinessDate(env.Now); on > today {
		return nil, fieldErr("RED-5", "issued_on", "issued_on %s is in the future (today is %s)", on, today)
	}
	amount, err := c.amount()
	if err != nil {
		return nil, err
	}
	if amount != nil && !amount.Equal(cf.Amount) {
		return nil, fieldErr("RED-5", "amount", "the red invoice's amount is its confirmation's, %s", cf.Amount)
	}
	rest := inv.Rest()
	if cf.Amount.Cmp(rest) > 0 {
		return nil, stateErr("RED-6", "the confirmation's %s is more than the %s left of the invoice", cf.Amount, rest)
	}
	if o := a.numberUsedBy("", c.RedInvoiceNumber); o != nil {
		return nil, stateErr("ISSUE-2", "invoice number %s is already used by invoice %s; enter the red invoice's own number", c.RedInvoiceNumber, o.ID)
	}
	id := cf.ID
	if cf.Amount.Cmp(rest) < 0 {
		// RED-6, DEF-5: a part, for a service stopped or an allowance, and
		// at most what the invoice still owes (offsets may have cleared
		// some since the confirmation was entered).
		if cf.Reason == ReasonIssuingError {
			return nil, stateErr("RED-6", "an issuing error (开票有误) reverses the whole invoice; a part is only for service_terminated or sales_allowance")
		}
		if owed := inv.Deficit(); cf.Amount.Cmp(owed) > 0 {
			return nil, stateErr("RED-6", "the invoice owes %s now; a partial red invoice of %s is more than that — withdraw the confirmation and enter one for at most %s", owed, cf.Amount, owed)
		}
		net, tax := Tax(cf.Amount, inv.rate())
		return []Event{InvoicePartlyRedFlushed{
			InvoiceID: inv.ID, RedInvoiceNumber: c.RedInvoiceNumber, RedAmount: cf.Amount, NetAmount: net, TaxAmount: tax,
			RedIssuedOn: on, ConfirmationID: &id, RedFlushedAt: env.Now,
		}}, nil
	}
	return completeReturn(a, env, inv, InvoiceRedFlushed{
		InvoiceID:        inv.ID,
		RedInvoiceNumber: c.RedInvoiceNumber,
		RedAmount:        cf.Amount,
		RedFlushedAt:     env.Now,
		RedIssuedOn:      on,
		ConfirmationID:   &id,
	}), nil
}

// completeReturn appends RETURN-6's exchange to a completed return: a new
// application over the same statements, in the same medium (the same
// emails for electronic), with the account's current approved title and,
// for paper, the chosen address (or the default). Without an approved
// title, or without any address for paper, the return still completes and
// an ExchangeFailed records why; the statements are then available and the
// customer applies again (RETURN-5).
func completeReturn(a *Account, env Env, inv *Invoice, done Event) []Event {
	// DEF-4 and DEF-3: the release clears what it owed and frees what offset
	// it; statements now available offset other deficits first.
	evs := settle(a, env, []Event{done})
	if inv.Return == nil || !inv.Return.Exchange {
		return evs
	}
	fail := func(reason string) []Event {
		return append(evs, ExchangeFailed{InvoiceID: inv.ID, Reason: reason, Code: "APP-1", FailedAt: env.Now})
	}
	title := a.ApprovedTitle()
	if title == nil {
		return fail("no approved invoice title (发票抬头) when the return completed; add one and apply again")
	}
	// The exchange is for what is left of the statements once released and
	// settled (APP-3): a refund after invoicing is reissued for less.
	after := a.Clone()
	for _, e := range evs {
		after.Apply(e)
	}
	var months []string
	for _, m := range inv.Statements {
		// Its released part is available even when another holder keeps
		// a part DEF-4 freed (the statement then shows that holder).
		if s := after.Statements[m]; s != nil && s.Free.Total().IsPositive() {
			months = append(months, m)
		}
	}
	if len(months) == 0 {
		return append(evs, ExchangeFailed{InvoiceID: inv.ID, Code: "DEF-3", FailedAt: env.Now,
			Reason: "nothing of the statements is left to invoice: refunds took it or it offset a deficit (欠票冲抵)"})
	}
	a = after
	of := inv.ID
	if inv.IsElectronic() {
		e := newRequest(a, env, months, title.Title, nil, &of)
		return append(evs, electronicRequest(e, env, inv.Emails))
	}
	var addr *SavedAddress
	if inv.Return.AddressID != nil {
		addr = a.address(*inv.Return.AddressID)
	}
	if addr == nil {
		addr = a.DefaultAddress()
	}
	if addr == nil {
		return fail("no mailing address (收票地址) when the return completed; add one and apply again")
	}
	return append(evs, newRequest(a, env, months, title.Title, addr, &of))
}
