package domain

import (
	"bytes"
	"time"

	"github.com/google/uuid"
)

// After StatementPosted, the invoice events are most of a replay's decoding:
// InvoiceRequested (with its title and address snapshots), InvoiceIssued,
// InvoiceShipped, InvoiceApproved, InvoiceCancelled. They are read the same
// way as StatementPosted (decode_statement.go): the exact shape the ledger
// writes in one pass, anything else to json.Unmarshal, each value through
// the method encoding/json itself would call (UnmarshalText for UUIDs,
// UnmarshalJSON for instants and amounts).

// fastOr decodes with fast, falling back to encoding/json when it declines.
func fastOr[E Event](fast func([]byte) (E, bool)) func([]byte) (Event, error) {
	return func(data []byte) (Event, error) {
		if e, ok := fast(data); ok {
			return e, nil
		}
		return decodeAs[E](data)
	}
}

// once refuses a second sight of a member (duplicate keys go to json).
type once uint32

func (o *once) first(bit uint) bool {
	if *o&(1<<bit) != 0 {
		return false
	}
	*o |= 1 << bit
	return true
}

// end reports whether nothing but space follows.
func (s *jscan) end() bool {
	s.space()
	return s.i == len(s.b)
}

func (s *jscan) text(dst *string) bool { return textAs(s, dst) }

func textAs[T ~string](s *jscan, dst *T) bool {
	t, ok := s.str()
	if ok {
		*dst = T(t[1 : len(t)-1])
	}
	return ok
}

func (s *jscan) id(dst *uuid.UUID) bool {
	t, ok := s.str()
	return ok && dst.UnmarshalText(t[1:len(t)-1]) == nil
}

func (s *jscan) instant(dst *time.Time) bool {
	t, ok := s.str()
	return ok && dst.UnmarshalJSON(t) == nil
}

func (s *jscan) money(dst *Money) bool {
	t, ok := s.str()
	return ok && dst.UnmarshalJSON(t) == nil
}

func (s *jscan) boolean(dst *bool) bool {
	s.space()
	switch {
	case bytes.HasPrefix(s.b[s.i:], []byte("true")):
		*dst, s.i = true, s.i+len("true")
	case bytes.HasPrefix(s.b[s.i:], []byte("false")):
		*dst, s.i = false, s.i+len("false")
	default:
		return false
	}
	return true
}

// texts reads an array of strings; [] gives an empty, non-nil slice, as
// json does.
func (s *jscan) texts(dst *[]string) bool {
	if !s.byte('[') {
		return false
	}
	out := []string{}
	if !s.byte(']') {
		for {
			var v string
			if !s.text(&v) {
				return false
			}
			out = append(out, v)
			if s.byte(',') {
				continue
			}
			if !s.byte(']') {
				return false
			}
			break
		}
	}
	*dst = out
	return true
}

func (s *jscan) title(t *Title) bool {
	var seen once
	return s.object(func(key []byte) bool {
		switch string(key) {
		case "type":
			return seen.first(0) && textAs(s, &t.Type)
		case "holder":
			return seen.first(1) && textAs(s, &t.Holder)
		case "name":
			return seen.first(2) && s.text(&t.Name)
		case "taxpayer_id":
			return seen.first(3) && s.text(&t.TaxpayerID)
		case "registered_address":
			return seen.first(4) && s.text(&t.RegisteredAddress)
		case "registered_phone":
			return seen.first(5) && s.text(&t.RegisteredPhone)
		case "bank_name":
			return seen.first(6) && s.text(&t.BankName)
		case "bank_account":
			return seen.first(7) && s.text(&t.BankAccount)
		}
		return false
	})
}

func (s *jscan) address(a *Address) bool {
	var seen once
	return s.object(func(key []byte) bool {
		switch string(key) {
		case "recipient":
			return seen.first(0) && s.text(&a.Recipient)
		case "phone":
			return seen.first(1) && s.text(&a.Phone)
		case "province":
			return seen.first(2) && s.text(&a.Province)
		case "city":
			return seen.first(3) && s.text(&a.City)
		case "district":
			return seen.first(4) && s.text(&a.District)
		case "street":
			return seen.first(5) && s.text(&a.Street)
		case "postal_code":
			return seen.first(6) && s.text(&a.PostalCode)
		}
		return false
	})
}

func fastInvoiceRequested(data []byte) (InvoiceRequested, bool) {
	var e InvoiceRequested
	var seen once
	s := jscan{b: data}
	ok := s.object(func(key []byte) bool {
		switch string(key) {
		case "invoice_id":
			return seen.first(0) && s.id(&e.InvoiceID)
		case "statements":
			return seen.first(1) && s.texts(&e.Statements)
		case "amount":
			return seen.first(2) && s.money(&e.Amount)
		case "kingsoft":
			return seen.first(3) && s.money(&e.Kingsoft)
		case "marketplace":
			return seen.first(4) && s.money(&e.Marketplace)
		case "title":
			return seen.first(5) && s.title(&e.Title)
		case "address":
			return seen.first(6) && s.address(&e.Address)
		case "address_id":
			return seen.first(7) && s.id(&e.AddressID)
		case "requested_at":
			return seen.first(8) && s.instant(&e.RequestedAt)
		case "sla_due":
			return seen.first(9) && s.text(&e.SLADue)
		case "exchange_of":
			var id uuid.UUID
			if !seen.first(10) || !s.id(&id) {
				return false
			}
			e.ExchangeOf = &id
			return true
		case "medium":
			return seen.first(11) && textAs(&s, &e.Medium)
		case "emails":
			return seen.first(12) && s.texts(&e.Emails)
		}
		return false
	})
	return e, ok && s.end()
}

func fastInvoiceIssued(data []byte) (InvoiceIssued, bool) {
	var e InvoiceIssued
	var seen once
	s := jscan{b: data}
	ok := s.object(func(key []byte) bool {
		switch string(key) {
		case "invoice_id":
			return seen.first(0) && s.id(&e.InvoiceID)
		case "invoice_code":
			return seen.first(1) && s.text(&e.InvoiceCode)
		case "invoice_number":
			return seen.first(2) && s.text(&e.InvoiceNumber)
		case "issued_on":
			return seen.first(3) && s.text(&e.IssuedOn)
		case "issuer":
			return seen.first(4) && s.text(&e.Issuer)
		case "tax_rate":
			return seen.first(5) && s.text(&e.TaxRate)
		case "net_amount":
			return seen.first(6) && s.money(&e.NetAmount)
		case "tax_amount":
			return seen.first(7) && s.money(&e.TaxAmount)
		case "issued_at":
			return seen.first(8) && s.instant(&e.IssuedAt)
		case "medium":
			return seen.first(9) && textAs(&s, &e.Medium)
		case "delivered_to":
			return seen.first(10) && s.texts(&e.DeliveredTo)
		}
		return false
	})
	return e, ok && s.end()
}

func fastInvoiceShipped(data []byte) (InvoiceShipped, bool) {
	var e InvoiceShipped
	var seen once
	s := jscan{b: data}
	ok := s.object(func(key []byte) bool {
		switch string(key) {
		case "invoice_id":
			return seen.first(0) && s.id(&e.InvoiceID)
		case "courier":
			return seen.first(1) && s.text(&e.Courier)
		case "tracking_number":
			return seen.first(2) && s.text(&e.TrackingNumber)
		case "shipped_at":
			return seen.first(3) && s.instant(&e.ShippedAt)
		case "late":
			return seen.first(4) && s.boolean(&e.Late)
		}
		return false
	})
	return e, ok && s.end()
}

func fastInvoiceApproved(data []byte) (InvoiceApproved, bool) {
	var e InvoiceApproved
	var seen once
	s := jscan{b: data}
	ok := s.object(func(key []byte) bool {
		switch string(key) {
		case "invoice_id":
			return seen.first(0) && s.id(&e.InvoiceID)
		case "approved_at":
			return seen.first(1) && s.instant(&e.ApprovedAt)
		}
		return false
	})
	return e, ok && s.end()
}

func fastInvoiceCancelled(data []byte) (InvoiceCancelled, bool) {
	var e InvoiceCancelled
	var seen once
	s := jscan{b: data}
	ok := s.object(func(key []byte) bool {
		switch string(key) {
		case "invoice_id":
			return seen.first(0) && s.id(&e.InvoiceID)
		case "by":
			return seen.first(1) && textAs(&s, &e.By)
		case "ticket":
			return seen.first(2) && s.text(&e.Ticket)
		case "cancelled_at":
			return seen.first(3) && s.instant(&e.CancelledAt)
		}
		return false
	})
	return e, ok && s.end()
}
