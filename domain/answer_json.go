package domain

import (
	"encoding/json"

	"github.com/google/uuid"

	"github.com/fapiao/fapiao/internal/jsonscan"
)

// An answer (the invoice or statement a command changed) was written with
// json.Marshal, whose reflection was the largest single cost left in a
// command answered that way. AppendInvoiceJSON and AppendStatementJSON
// write the very bytes json.Marshal writes, field by field in declaration
// order, without reflection. TestAnswerJSONIsMarshal compares them with
// json.Marshal on every field, filled at random (odd strings, instants
// and exponents) and on the golden events' values; FuzzAnswerJSON on
// arbitrary strings. A field added to Invoice or Statement fails that
// test until it is written here.

// AppendInvoiceJSON appends inv as json.Marshal(inv) writes it. The error
// is json.Marshal's when it refuses (an instant outside years 0–9999):
// then b is returned unchanged.
func AppendInvoiceJSON(b []byte, inv *Invoice) ([]byte, error) {
	w := answerWriter{jsonscan.Writer{B: b, V1: true}}
	w.invoice(inv)
	if w.Bad {
		return marshalAppend(b, inv)
	}
	return w.B, nil
}

// AppendStatementJSON appends s as json.Marshal(s) writes it; the error as
// AppendInvoiceJSON's.
func AppendStatementJSON(b []byte, s *Statement) ([]byte, error) {
	w := answerWriter{jsonscan.Writer{B: b, V1: true}}
	w.statement(s)
	if w.Bad {
		return marshalAppend(b, s)
	}
	return w.B, nil
}

// marshalAppend is the definition, for what the writer declines.
func marshalAppend(b []byte, v any) ([]byte, error) {
	j, err := json.Marshal(v)
	if err != nil {
		return b, err
	}
	return append(b, j...), nil
}

// answerWriter appends JSON as json.Marshal does; Bad is set when a value
// needs json.Marshal (its error, which the writer does not reproduce).
type answerWriter struct{ jsonscan.Writer }

func (w *answerWriter) money(k string, m Money) {
	w.Key(k)
	WriteMoneyJSON(&w.Writer, m)
}

// WriteMoneyJSON writes m as its JSON form does ("1234.50"): domain's
// answer writer and api's share it.
func WriteMoneyJSON(w *jsonscan.Writer, m Money) {
	w.B = append(m.AppendFixed(append(w.B, '"')), '"')
}

// optID writes an omitempty *uuid.UUID member.
func (w *answerWriter) optID(k string, u *uuid.UUID) {
	if u != nil {
		w.Key(k)
		w.ID(*u)
	}
}

func (w *answerWriter) invoice(inv *Invoice) {
	w.Open("id")
	w.ID(inv.ID)
	w.Str("account_id", inv.AccountID)
	w.Str("status", string(inv.Status))
	w.money("amount", inv.Amount)
	w.money("kingsoft", inv.Kingsoft)
	w.money("marketplace", inv.Marketplace)
	w.Key("statements")
	w.Strings(inv.Statements)
	w.Key("title")
	if inv.Title == nil {
		w.B = append(w.B, "null"...)
	} else {
		WriteTitleJSON(&w.Writer, inv.Title)
	}
	w.Key("address")
	if inv.Address == nil {
		w.B = append(w.B, "null"...)
	} else {
		WriteAddressJSON(&w.Writer, inv.Address)
	}
	w.Str("medium", string(inv.Medium))
	if len(inv.Emails) > 0 {
		w.Key("emails")
		w.Strings(inv.Emails)
	}
	w.Key("requested_at")
	w.Instant(inv.RequestedAt)
	w.OptStr("sla_due", inv.SLADue)
	w.optID("exchange_of", inv.ExchangeOf)
	WriteIssueJSON(&w.Writer, &inv.Issue)
	if s := inv.Shipment; s != nil {
		w.Key("shipment")
		w.Open("courier")
		w.String(s.Courier)
		w.Str("tracking_number", s.TrackingNumber)
		w.Key("shipped_at")
		w.Instant(s.ShippedAt)
		w.Key("late")
		w.Bool(s.Late)
		w.B = append(w.B, '}')
	}
	if len(inv.DeliveredTo) > 0 {
		w.Key("delivered_to")
		w.Strings(inv.DeliveredTo)
	}
	if inv.Return != nil {
		w.Key("return")
		w.ret(inv.Return)
	}
	if f := inv.ExchangeFailure; f != nil {
		w.Key("exchange_failure")
		w.Open("reason")
		w.String(f.Reason)
		w.Str("code", f.Code)
		w.Key("at")
		w.Instant(f.At)
		w.B = append(w.B, '}')
	}
	w.OptStr("reject_reason", inv.RejectReason)
	w.OptStr("cancelled_by", string(inv.CancelledBy))
	w.Key("updated_at")
	w.Instant(inv.UpdatedAt)
	// omitzero: Money's IsZero.
	if !inv.Raised.IsZero() {
		w.money("raised", inv.Raised)
	}
	if !inv.OffsetAmount.IsZero() {
		w.money("offset_amount", inv.OffsetAmount)
	}
	if !inv.RedFlushedAmount.IsZero() {
		w.money("red_flushed_amount", inv.RedFlushedAmount)
	}
	if len(inv.PartialRedFlushes) > 0 {
		w.Key("partial_red_flushes")
		w.B = append(w.B, '[')
		for i := range inv.PartialRedFlushes {
			if i > 0 {
				w.B = append(w.B, ',')
			}
			w.partialRedFlush(&inv.PartialRedFlushes[i])
		}
		w.B = append(w.B, ']')
	}
	if inv.DeficitSince != 0 {
		w.Key("deficit_since")
		w.B = appendUint(w.B, inv.DeficitSince)
	}
	w.B = append(w.B, '}')
}

// WriteTitleJSON writes t as w's definition writes it (json.Marshal or
// JSON v2, see jsonscan.Writer): domain's answer writer and api's share it.
func WriteTitleJSON(w *jsonscan.Writer, t *Title) {
	w.Open("type")
	w.String(string(t.Type))
	w.Str("holder", string(t.Holder))
	w.Key("name")
	writeText(w, t.Name)
	w.OptStr("taxpayer_id", t.TaxpayerID)
	w.OptStr("registered_address", t.RegisteredAddress)
	w.OptStr("registered_phone", t.RegisteredPhone)
	w.OptStr("bank_name", t.BankName)
	w.OptStr("bank_account", t.BankAccount)
	w.B = append(w.B, '}')
}

// WriteIssueJSON writes is's members after others (Issue is embedded),
// as WriteTitleJSON writes a title.
func WriteIssueJSON(w *jsonscan.Writer, is *Issue) {
	w.OptStr("invoice_code", is.InvoiceCode)
	w.OptStr("invoice_number", is.InvoiceNumber)
	w.OptStr("issued_on", is.IssuedOn)
	w.OptStr("issuer", is.Issuer)
	w.OptStr("tax_rate", is.TaxRate)
	writeOptMoney(w, "net_amount", is.NetAmount)
	writeOptMoney(w, "tax_amount", is.TaxAmount)
}

// writeOptMoney writes an omitempty *Money member.
func writeOptMoney(w *jsonscan.Writer, k string, m *Money) {
	if m != nil {
		w.Key(k)
		w.B = append(m.AppendFixed(append(w.B, '"')), '"')
	}
}

// WriteAddressJSON writes a as WriteTitleJSON writes a title.
func WriteAddressJSON(w *jsonscan.Writer, a *Address) {
	w.Open("recipient")
	writeText(w, a.Recipient)
	w.Str("phone", a.Phone)
	w.Key("province")
	writeText(w, a.Province)
	w.Key("city")
	writeText(w, a.City)
	if a.District != "" {
		w.Key("district")
		writeText(w, a.District)
	}
	w.Key("street")
	writeText(w, a.Street)
	w.Str("postal_code", a.PostalCode)
	w.B = append(w.B, '}')
}

// writeText is w.String for text that is mostly not ASCII (names and
// addresses in Chinese): a string both definitions write as itself (Plain,
// and no DEL, which JSON v2's writer declines) is copied after one pass of
// utf8.ValidString, instead of being decoded rune by rune; any other goes
// to w.String.
func writeText(w *jsonscan.Writer, s string) {
	if plainText(s, &answerASCII) {
		w.B = append(append(append(w.B, '"'), s...), '"')
		return
	}
	w.String(s)
}

func (w *answerWriter) ret(r *Return) {
	w.Open("reason")
	w.String(r.Reason)
	w.Key("certified")
	w.Bool(r.Certified)
	w.OptStr("red_letter_form_number", r.RedLetterFormNumber)
	w.Key("exchange")
	w.Bool(r.Exchange)
	w.optID("address_id", r.AddressID)
	w.Key("requested_at")
	w.Instant(r.RequestedAt)
	if r.PaperComplete != nil {
		w.Key("paper_complete")
		w.Bool(*r.PaperComplete)
	}
	w.OptStr("paper_note", r.PaperNote)
	w.OptStr("rejected_reason", r.RejectedReason)
	w.OptStr("red_invoice_code", r.RedInvoiceCode)
	w.OptStr("red_invoice_number", r.RedInvoiceNumber)
	w.optID("red_confirmation_id", r.RedConfirmationID)
	w.optID("exchange_invoice_id", r.ExchangeInvoiceID)
	w.B = append(w.B, '}')
}

func (w *answerWriter) partialRedFlush(p *PartialRedFlush) {
	if p.RedInvoiceCode != "" {
		w.Open("red_invoice_code")
		w.String(p.RedInvoiceCode)
		w.Key("red_invoice_number")
	} else {
		w.Open("red_invoice_number")
	}
	w.String(p.RedInvoiceNumber)
	w.OptStr("red_letter_form_number", p.RedLetterFormNumber)
	w.money("amount", p.Amount)
	w.money("net_amount", p.NetAmount)
	w.money("tax_amount", p.TaxAmount)
	w.OptStr("issued_on", p.IssuedOn)
	w.optID("confirmation_id", p.ConfirmationID)
	w.Key("red_flushed_at")
	w.Instant(p.At)
	w.B = append(w.B, '}')
}

func (w *answerWriter) statement(s *Statement) {
	w.Open("month")
	w.String(s.Month)
	w.Key("lines")
	if s.Lines == nil {
		w.B = append(w.B, "null"...)
	} else {
		w.B = append(w.B, '[')
		for i := range s.Lines {
			if i > 0 {
				w.B = append(w.B, ',')
			}
			w.line(&s.Lines[i])
		}
		w.B = append(w.B, ']')
	}
	w.Key("buckets")
	w.Open("kingsoft")
	WriteMoneyJSON(&w.Writer, s.Buckets.Kingsoft)
	w.money("marketplace", s.Buckets.Marketplace)
	w.money("merchant", s.Buckets.Merchant)
	w.money("offline", s.Buckets.Offline)
	w.money("deductions", s.Buckets.Deductions)
	w.B = append(w.B, '}')
	w.Str("status", string(s.Status))
	w.Key("invoice_id")
	w.ID(s.InvoiceID)
	w.Key("posted_at")
	w.Instant(s.PostedAt)
	w.Key("free")
	w.split(true, s.Free)
	if len(s.Holds) > 0 {
		w.Key("holds")
		w.B = append(w.B, '[')
		for i := range s.Holds {
			if i > 0 {
				w.B = append(w.B, ',')
			}
			h := &s.Holds[i]
			w.Open("invoice_id")
			w.ID(h.InvoiceID)
			w.Key("held")
			w.split(true, h.Held)
			w.Key("applied")
			w.split(true, h.Applied)
			w.B = append(w.B, '}')
		}
		w.B = append(w.B, ']')
	}
	if len(s.Offsets) > 0 {
		w.Key("offsets")
		w.B = append(w.B, '[')
		for i := range s.Offsets {
			if i > 0 {
				w.B = append(w.B, ',')
			}
			o := &s.Offsets[i]
			w.Open("invoice_id")
			w.ID(o.InvoiceID)
			w.split(false, o.Split) // embedded: its members inline
			w.B = append(w.B, '}')
		}
		w.B = append(w.B, ']')
	}
	w.Key("adjusted")
	w.split(true, s.Adjusted)
	w.B = append(w.B, '}')
}

// split writes a Split as an object, or with braces false its members
// after others (an embedded Split).
func (w *answerWriter) split(braces bool, s Split) {
	if braces {
		w.Open("kingsoft")
	} else {
		w.Key("kingsoft")
	}
	WriteMoneyJSON(&w.Writer, s.Kingsoft)
	w.money("marketplace", s.Marketplace)
	if braces {
		w.B = append(w.B, '}')
	}
}

func (w *answerWriter) line(l *StatementLine) {
	w.Open("line_id")
	w.String(l.LineID)
	w.Str("product", l.Product)
	w.Str("billing_mode", string(l.BillingMode))
	w.Str("purchased_at", l.PurchasedAt)
	w.Str("channel", string(l.Channel))
	w.OptStr("merchant", l.Merchant)
	w.money("amount", l.Amount)
	w.money("voucher", l.Voucher)
	w.money("coupon", l.Coupon)
	w.money("gift_balance", l.GiftBalance)
	w.B = append(w.B, '}')
}

func appendUint(b []byte, v uint64) []byte {
	var d [20]byte
	i := len(d)
	for {
		i--
		d[i] = byte('0' + v%10)
		v /= 10
		if v == 0 {
			break
		}
	}
	return append(b, d[i:]...)
}
