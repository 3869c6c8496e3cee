package domain

import (
	"github.com/fapiao/fapiao/internal/jsonscan"
	"github.com/google/uuid"
)

// After StatementPosted, the invoice events are most of a replay's decoding:
// InvoiceRequested (with its title and address snapshots), InvoiceIssued,
// InvoiceShipped, InvoiceApproved, InvoiceCancelled. They are read the same
// way (decode_statement.go): one field table each, in the order the ledger
// writes the members; UUIDs and amounts are kept as raw tokens and decoded
// once the object is read, with the methods json itself would call.

func fastInvoiceRequested(data []byte) (InvoiceRequested, bool) {
	var e InvoiceRequested
	var id, amount, kingsoft, marketplace, addressID, exchangeOf []byte
	title, address := titleFields(&e.Title), addressFields(&e.Address)
	ok := jsonscan.Decode(data,
		jsonscan.Raw("invoice_id", &id),
		jsonscan.Strings("statements", &e.Statements),
		jsonscan.Raw("amount", &amount),
		jsonscan.Raw("kingsoft", &kingsoft),
		jsonscan.Raw("marketplace", &marketplace),
		jsonscan.Object("title", title[:]...),
		jsonscan.Object("address", address[:]...),
		jsonscan.Raw("address_id", &addressID),
		jsonscan.Time("requested_at", &e.RequestedAt),
		jsonscan.String("sla_due", &e.SLADue),
		jsonscan.Raw("exchange_of", &exchangeOf),
		jsonscan.String("medium", (*string)(&e.Medium)),
		jsonscan.Strings("emails", &e.Emails),
	) &&
		idOf(id, &e.InvoiceID) && idOf(addressID, &e.AddressID) &&
		moneyOf(amount, &e.Amount) && moneyOf(kingsoft, &e.Kingsoft) && moneyOf(marketplace, &e.Marketplace)
	if ok && exchangeOf != nil {
		e.ExchangeOf = new(uuid.UUID)
		ok = idOf(exchangeOf, e.ExchangeOf)
	}
	return e, ok
}

func fastInvoiceIssued(data []byte) (InvoiceIssued, bool) {
	var e InvoiceIssued
	var id, net, tax []byte
	ok := jsonscan.Decode(data,
		jsonscan.Raw("invoice_id", &id),
		jsonscan.String("invoice_code", &e.InvoiceCode),
		jsonscan.String("invoice_number", &e.InvoiceNumber),
		jsonscan.String("issued_on", &e.IssuedOn),
		jsonscan.String("issuer", &e.Issuer),
		jsonscan.String("tax_rate", &e.TaxRate),
		jsonscan.Raw("net_amount", &net),
		jsonscan.Raw("tax_amount", &tax),
		jsonscan.Time("issued_at", &e.IssuedAt),
		jsonscan.String("medium", (*string)(&e.Medium)),
		jsonscan.Strings("delivered_to", &e.DeliveredTo),
	) && idOf(id, &e.InvoiceID) && moneyOf(net, &e.NetAmount) && moneyOf(tax, &e.TaxAmount)
	return e, ok
}

func fastInvoiceShipped(data []byte) (InvoiceShipped, bool) {
	var e InvoiceShipped
	ok := fastInvoiceEvent(data, &e.InvoiceID,
		jsonscan.String("courier", &e.Courier),
		jsonscan.String("tracking_number", &e.TrackingNumber),
		jsonscan.Time("shipped_at", &e.ShippedAt),
		jsonscan.Bool("late", &e.Late),
	)
	return e, ok
}

func fastInvoiceApproved(data []byte) (InvoiceApproved, bool) {
	var e InvoiceApproved
	ok := fastInvoiceEvent(data, &e.InvoiceID, jsonscan.Time("approved_at", &e.ApprovedAt))
	return e, ok
}

func fastInvoiceCancelled(data []byte) (InvoiceCancelled, bool) {
	var e InvoiceCancelled
	ok := fastInvoiceEvent(data, &e.InvoiceID,
		jsonscan.String("by", (*string)(&e.By)),
		jsonscan.String("ticket", &e.Ticket),
		jsonscan.Time("cancelled_at", &e.CancelledAt),
	)
	return e, ok
}

// fastInvoiceEvent reads one of the small invoice events: the invoice_id
// the ledger writes first, then at most four fields.
func fastInvoiceEvent(data []byte, invoiceID *uuid.UUID, fields ...jsonscan.Field) bool {
	var id []byte
	var all [1 + 4]jsonscan.Field
	if len(fields) >= len(all) {
		return false
	}
	all[0] = jsonscan.Raw("invoice_id", &id)
	for i, f := range fields { // not copy: escape analysis would send the events to the heap
		all[1+i] = f
	}
	return jsonscan.Decode(data, all[:1+len(fields)]...) && idOf(id, invoiceID)
}

// The return, void, rejection, title and address events are a smaller share
// of a replay each, but together through encoding/json they were a fifth of
// its decoding (reflection, a second validation pass): read the same way.

func fastReturnRequested(data []byte) (ReturnRequested, bool) {
	var e ReturnRequested
	var id, addressID []byte
	ok := jsonscan.Decode(data,
		jsonscan.Raw("invoice_id", &id),
		jsonscan.String("reason", &e.Reason),
		jsonscan.Bool("certified", &e.Certified),
		jsonscan.String("red_letter_form_number", &e.RedLetterFormNumber),
		jsonscan.Bool("exchange", &e.Exchange),
		jsonscan.Raw("address_id", &addressID),
		jsonscan.Time("requested_at", &e.RequestedAt),
	) && idOf(id, &e.InvoiceID)
	if ok && addressID != nil {
		e.AddressID = new(uuid.UUID)
		ok = idOf(addressID, e.AddressID)
	}
	return e, ok
}

func fastReturnPaperReceived(data []byte) (ReturnPaperReceived, bool) {
	var e ReturnPaperReceived
	ok := fastInvoiceEvent(data, &e.InvoiceID,
		jsonscan.Bool("complete", &e.Complete),
		jsonscan.String("note", &e.Note),
		jsonscan.Time("received_at", &e.ReceivedAt),
	)
	return e, ok
}

func fastReturnRejected(data []byte) (ReturnRejected, bool) {
	var e ReturnRejected
	ok := fastRejection(data, &e.InvoiceID, &e.Rejection)
	return e, ok
}

func fastInvoiceRejected(data []byte) (InvoiceRejected, bool) {
	var e InvoiceRejected
	ok := fastRejection(data, &e.InvoiceID, &e.Rejection)
	return e, ok
}

// fastRejection reads an application's or a return's rejection.
func fastRejection(data []byte, invoiceID *uuid.UUID, r *Rejection) bool {
	return fastInvoiceEvent(data, invoiceID,
		jsonscan.String("reason", &r.Reason),
		jsonscan.Time("rejected_at", &r.RejectedAt),
	)
}

func fastInvoiceVoided(data []byte) (InvoiceVoided, bool) {
	var e InvoiceVoided
	ok := fastInvoiceEvent(data, &e.InvoiceID, jsonscan.Time("voided_at", &e.VoidedAt))
	return e, ok
}

func fastAddressAdded(data []byte) (AddressAdded, bool) {
	var e AddressAdded
	var id []byte
	address := addressFields(&e.Address)
	ok := jsonscan.Decode(data,
		jsonscan.Raw("address_id", &id),
		jsonscan.Object("address", address[:]...),
		jsonscan.Bool("default", &e.Default),
	) && idOf(id, &e.AddressID)
	return e, ok
}

func fastTitleSubmitted(data []byte) (TitleSubmitted, bool) {
	var e TitleSubmitted
	var id []byte
	title := titleFields(&e.Title)
	ok := jsonscan.Decode(data,
		jsonscan.Raw("title_id", &id),
		jsonscan.Object("title", title[:]...),
		jsonscan.Time("submitted_at", &e.SubmittedAt),
	) && idOf(id, &e.TitleID)
	return e, ok
}

func fastTitleApproved(data []byte) (TitleApproved, bool) {
	var e TitleApproved
	var id []byte
	ok := jsonscan.Decode(data,
		jsonscan.Raw("title_id", &id),
		jsonscan.Bool("automatic", &e.Automatic),
		jsonscan.Time("approved_at", &e.ApprovedAt),
	) && idOf(id, &e.TitleID)
	return e, ok
}

// titleFields and addressFields describe the title and address that
// InvoiceRequested, TitleSubmitted and AddressAdded carry. They return
// arrays, not a Field or a slice: the caller keeps them on its stack, and
// with them the event they point into (a returned slice would send both
// to the heap).
func titleFields(t *Title) [8]jsonscan.Field {
	return [...]jsonscan.Field{
		jsonscan.String("type", (*string)(&t.Type)),
		jsonscan.String("holder", (*string)(&t.Holder)),
		jsonscan.String("name", &t.Name),
		jsonscan.String("taxpayer_id", &t.TaxpayerID),
		jsonscan.String("registered_address", &t.RegisteredAddress),
		jsonscan.String("registered_phone", &t.RegisteredPhone),
		jsonscan.String("bank_name", &t.BankName),
		jsonscan.String("bank_account", &t.BankAccount),
	}
}

func addressFields(a *Address) [7]jsonscan.Field {
	return [...]jsonscan.Field{
		jsonscan.String("recipient", &a.Recipient),
		jsonscan.String("phone", &a.Phone),
		jsonscan.String("province", &a.Province),
		jsonscan.String("city", &a.City),
		jsonscan.String("district", &a.District),
		jsonscan.String("street", &a.Street),
		jsonscan.String("postal_code", &a.PostalCode),
	}
}
