package projections

import "github.com/fapiao/fapiao/domain"

// Every invoice of an account carries the same title and address snapshots,
// every issued invoice the same issuer and tax rate: decoded, each is a new
// copy of the same bytes. The fold keeps one copy of each such string
// (strings are immutable, so sharing them is safe). Only values that repeat
// are interned; unique ones (IDs, invoice and tracking numbers) would only
// grow the table.

// maxIntern bounds the table: past it, new strings are kept as decoded.
const maxIntern = 1 << 20

// intern returns the table's copy of s, adding s if there is room.
func (p *Projections) intern(s string) string {
	if s == "" {
		return ""
	}
	if c, ok := p.strings[s]; ok {
		return c
	}
	if len(p.strings) < maxIntern {
		p.strings[s] = s
	}
	return s
}

// internInvoice shares the repeated strings of an invoice the fold just
// created or issued.
func (p *Projections) internInvoice(inv *domain.Invoice) {
	t := &inv.Title
	t.Type = domain.TitleType(p.intern(string(t.Type)))
	t.Holder = domain.Holder(p.intern(string(t.Holder)))
	for _, f := range []*string{&t.Name, &t.TaxpayerID, &t.RegisteredAddress, &t.RegisteredPhone, &t.BankName, &t.BankAccount} {
		*f = p.intern(*f)
	}
	a := &inv.Address
	for _, f := range []*string{&a.Recipient, &a.Phone, &a.Province, &a.City, &a.District, &a.Street, &a.PostalCode} {
		*f = p.intern(*f)
	}
	for i, m := range inv.Statements {
		inv.Statements[i] = p.intern(m)
	}
	inv.SLADue = p.intern(inv.SLADue)
	inv.InvoiceCode = p.intern(inv.InvoiceCode)
	inv.Issuer = p.intern(inv.Issuer)
	inv.TaxRate = p.intern(inv.TaxRate)
	inv.IssuedOn = p.intern(inv.IssuedOn)
	if inv.Shipment != nil {
		inv.Shipment.Courier = p.intern(inv.Shipment.Courier)
	}
}
