package domain

import (
	"time"
)

// The ledger folds the events it decides into its cached account, and the
// cache must hold exactly what a fold of the log gives (the next command
// is decided on it). It used to decode each event from the JSON it had
// just written. A decided event and its decoded form are equal but not
// identical: an instant decoded from "+08:00" has a zone of the offset
// alone (or time.Local's) where the clock gave Asia/Shanghai, an amount
// decoded from "12.30" has exponent -2 whatever the sum that made it had,
// an empty omitempty slice comes back nil, and a slice shared with the
// command comes back a copy of its own. Stored makes those differences
// directly, with the decoder's own parsers for instants and amounts, and
// copies every slice and pointer; strings are shared (the encoder wrote
// them as they are). TestStoredFormIsTheDecodedForm compares it with
// DecodeEvent of the encoded bytes on random command sequences and on
// random events of odd instants, zones and exponents.

// Stored returns e as DecodeEvent gives it back from the bytes Encode
// wrote for it. It is meant for an event Encode has just written (ok
// true): its strings are then all plain, which Stored does not check
// again. ok is false for the types Encode does not write, and for an
// event whose amounts or instants would not decode (a negative amount):
// DecodeEvent then says why.
func (x *EventEncoder) Stored(e Event) (Event, bool) {
	x.ok = true
	out, ok := x.stored(e)
	if !ok || !x.ok {
		return nil, false
	}
	return out, true
}

func (x *EventEncoder) stored(e Event) (Event, bool) {
	switch v := e.(type) {
	case StatementPosted:
		if v.Lines != nil {
			lines := make([]StatementLine, len(v.Lines))
			for i, l := range v.Lines {
				l.Amount, l.Voucher, l.Coupon, l.GiftBalance = x.storedMoney(l.Amount), x.storedMoney(l.Voucher), x.storedMoney(l.Coupon), x.storedMoney(l.GiftBalance)
				lines[i] = l
			}
			v.Lines = lines
		}
		v.PostedAt = x.storedInstant(v.PostedAt)
		return v, true
	case InvoiceRequested:
		if v.Medium != "" || len(v.Emails) > 0 {
			return nil, false
		}
		v.Emails = nil // omitempty: an empty list is not written
		if len(v.Statements) == 1 {
			v.Statements = oneMonth(v.Statements[0]) // as the decoder shares it
		} else if v.Statements != nil {
			v.Statements = append(make([]string, 0, len(v.Statements)), v.Statements...)
		}
		v.Amount, v.Kingsoft, v.Marketplace = x.storedMoney(v.Amount), x.storedMoney(v.Kingsoft), x.storedMoney(v.Marketplace)
		v.RequestedAt = x.storedInstant(v.RequestedAt)
		if v.ExchangeOf != nil {
			id := *v.ExchangeOf
			v.ExchangeOf = &id
		}
		return v, true
	case TitleSubmitted:
		v.SubmittedAt = x.storedInstant(v.SubmittedAt)
		return v, true
	case TitleApproved:
		v.ApprovedAt = x.storedInstant(v.ApprovedAt)
		return v, true
	case AddressAdded:
		return v, true
	case InvoiceApproved:
		v.ApprovedAt = x.storedInstant(v.ApprovedAt)
		return v, true
	case InvoiceRejected:
		v.RejectedAt = x.storedInstant(v.RejectedAt)
		return v, true
	case InvoiceShipped:
		v.ShippedAt = x.storedInstant(v.ShippedAt)
		return v, true
	case InvoiceCancelled:
		v.CancelledAt = x.storedInstant(v.CancelledAt)
		return v, true
	case InvoiceIssued:
		if v.Medium != "" || len(v.DeliveredTo) > 0 {
			return nil, false
		}
		v.DeliveredTo = nil
		v.NetAmount, v.TaxAmount = x.storedMoney(v.NetAmount), x.storedMoney(v.TaxAmount)
		v.IssuedAt = x.storedInstant(v.IssuedAt)
		return v, true
	}
	return nil, false
}

// storedMoney is m as the decoder reads the amount Encode wrote: its
// two-decimal text through Money's UnmarshalJSON.
func (x *EventEncoder) storedMoney(m Money) Money {
	// Most amounts are zero or already in hundredths: the decoder would
	// give its shared zero, or decimal.New(c, -2), a big.Int of one word
	// equal to m's own (math/big keeps its numbers normalised), so m
	// serves without a new decimal.
	if m.IsZero() {
		return zeroFen // every zero is written "0.00"
	}
	if c, e, ok := m.small(); ok && e == -2 && c > 0 {
		return m
	}
	var buf [32]byte
	b := append(m.AppendFixed(append(buf[:0], '"')), '"')
	var out Money
	if err := out.UnmarshalJSON(b); err != nil {
		x.ok = false // a negative amount: DecodeEvent refuses it too
	}
	return out
}

// storedInstant is t as the decoder reads the instant Encode wrote:
// through time.Time's UnmarshalJSON. The instants of one command are
// mostly one (the ledger's clock), so the last one is remembered.
func (x *EventEncoder) storedInstant(t time.Time) time.Time {
	if x.instSet && t == x.instIn {
		return x.instOut
	}
	var buf [48]byte
	b, err := t.AppendText(append(buf[:0], '"'))
	var out time.Time
	if err != nil || out.UnmarshalJSON(append(b, '"')) != nil {
		x.ok = false
		return t
	}
	x.instIn, x.instOut, x.instSet = t, out, true
	return out
}
