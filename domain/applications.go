package domain

import (
	"slices"

	"github.com/google/uuid"
)

// SLABusinessDays is SHIP-1's shipping deadline in business days.
const SLABusinessDays = 3

func (env Env) calendar() *Calendar {
	if env.Calendar != nil {
		return env.Calendar
	}
	return DefaultCalendar()
}

// Decide applies for an invoice over whole statements, checking in
// DOMAIN.md's order: APP-4 (agreement; with the statements' own form),
// APP-1 (title, then address), APP-2 (each statement), APP-1 (a total above
// zero); then APP-3 (amount),
// APP-5 (paper, mainland: addresses are mainland by ADDR-1) and APP-7 (the
// statements become reserved). An absent AddressID means the default address.
func (c RequestInvoice) Decide(a *Account, env Env) ([]Event, error) {
	if !c.Agree {
		return nil, fieldErr("APP-4", "agree", "tick the agreement (agree: true) to apply")
	}
	medium, emails, err := c.delivery()
	if err != nil {
		return nil, err
	}
	if len(c.Statements) == 0 {
		return nil, fieldErr("APP-2", "statements", "pick at least one monthly statement")
	}
	for i, m := range c.Statements {
		if !ValidMonth(m) {
			return nil, fieldErr("APP-2", "statements["+itoa(i)+"]", "%q is not a month: use YYYY-MM", m)
		}
		if slices.Contains(c.Statements[:i], m) {
			return nil, fieldErr("APP-2", "statements["+itoa(i)+"]", "statement %s is picked twice", m)
		}
	}
	title := a.ApprovedTitle()
	if title == nil {
		if cur := a.CurrentTitle(); cur != nil {
			return nil, stateErr("APP-1", "the invoice title is still pending review by finance; apply once it is approved")
		}
		return nil, stateErr("APP-1", "add an invoice title (发票抬头) before applying")
	}
	// An address ID that is not one of the account's current addresses
	// breaks APP-1 like having none: the account's state lacks what the
	// application needs (422), it is not a missing resource of the path.
	// An electronic invoice needs no address (EINV-1).
	var addr *SavedAddress
	if medium == Paper {
		addr = a.DefaultAddress()
		if c.AddressID != uuid.Nil {
			addr = a.address(c.AddressID)
		}
		switch {
		case len(a.Addresses) == 0:
			return nil, stateErr("APP-1", "add a mailing address (收票地址) before applying")
		case addr == nil:
			return nil, stateErr("APP-1", "address %s is not one of the account's mailing addresses; pick one of them", c.AddressID)
		}
	}
	for _, m := range c.Statements {
		s := a.Statements[m]
		switch {
		case s == nil:
			return nil, stateErr("APP-2", "there is no statement for %s; a month's statement is posted from day 3 of the next month — pick one of the statements listed", m)
		case s.Status == StatementOffset:
			return nil, stateErr("APP-2", "the statement for %s was used to offset an invoice deficit (欠票冲抵); nothing of it is left to invoice", m)
		case s.Status != StatementAvailable && !s.Free.Total().IsPositive():
			return nil, stateErr("APP-2", "the statement for %s is already %s in another application; each statement is invoiced once", m, s.Status)
		// A held statement with an available part: DEF-4 freed it, and
		// it is applied for on its own (APP-7's exception, APP-3).
		case !s.Free.Total().IsPositive():
			return nil, stateErr("APP-2", "the statement for %s has nothing invoiceable", m)
		}
	}
	// Last, as DOMAIN.md orders the checks: a customer who picked a
	// reserved statement is told APP-2 whatever the rest of the balance.
	// Every picked statement has a positive available part (above), so
	// with no statement's available part below zero (the tally) the total
	// is positive without summing it.
	if a.someFreeNegative() && !a.Available().IsPositive() {
		if b := a.Balance(); b.Deficit.IsPositive() {
			// DEF-3: say why, and what clears it.
			return nil, stateErr("APP-1", "the invoiceable amount is zero while an invoice deficit (欠票) of %s is owed after refunds; later statements offset it, or finance red-flushes part of the invoice", b.Deficit)
		}
		return nil, stateErr("APP-1", "the invoiceable amount is zero; there is nothing to invoice")
	}
	e := newRequest(a, env, c.Statements, title.Title, addr, nil)
	if medium == Electronic {
		e = electronicRequest(e, env, emails)
	}
	return []Event{e}, nil
}

// delivery checks EINV-1: the medium, and emails for electronic instead of
// an address; paper takes no emails.
func (c RequestInvoice) delivery() (Medium, []string, error) {
	switch c.Medium {
	case "", Paper:
		if len(c.Emails) > 0 {
			return "", nil, fieldErr("EINV-1", "emails", "a paper invoice is mailed to an address; emails are for an electronic invoice (medium: electronic)")
		}
		return Paper, nil, nil
	case Electronic:
		if c.AddressID != uuid.Nil {
			return "", nil, fieldErr("EINV-1", "address_id", "an electronic invoice is delivered by email and takes no mailing address")
		}
		emails, err := CheckEmails(c.Emails)
		return Electronic, emails, err
	}
	return "", nil, fieldErr("EINV-1", "medium", "medium is paper or electronic, not %q", c.Medium)
}

// electronicRequest turns a request into an electronic one: emails instead
// of an address, and EINV-3's due date instead of SHIP-1's.
func electronicRequest(e InvoiceRequested, env Env, emails []string) InvoiceRequested {
	e.Medium = Electronic
	e.Emails = emails
	e.SLADue = env.calendar().EInvoiceDue(e.RequestedAt)
	return e
}

// newRequest builds the InvoiceRequested of an application (or of an
// exchange, RETURN-6) over statements the caller checked.
func newRequest(a *Account, env Env, months []string, title Title, addr *SavedAddress, exchangeOf *uuid.UUID) InvoiceRequested {
	ms := slices.Clone(months)
	slices.Sort(ms)
	var k, mk Money
	for _, m := range ms {
		// APP-3: what is available of it, less any part that offset a deficit.
		f := a.Statements[m].Free
		k = k.Add(f.Kingsoft)
		mk = mk.Add(f.Marketplace)
	}
	e := InvoiceRequested{
		InvoiceID:   env.NewID(),
		Statements:  ms,
		Amount:      k.Add(mk),
		Kingsoft:    k,
		Marketplace: mk,
		Title:       title,
		RequestedAt: env.Now,
		SLADue:      env.calendar().SLADue(env.Now),
		ExchangeOf:  exchangeOf,
	}
	if addr != nil {
		e.Address, e.AddressID = addr.Address, addr.ID
	}
	return e
}
