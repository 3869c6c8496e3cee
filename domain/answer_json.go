package domain

import (
	"encoding/json"
	"time"
	"unicode/utf8"

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
	w := answerWriter{b: b}
	w.invoice(inv)
	if w.bad {
		return marshalAppend(b, inv)
	}
	return w.b, nil
}

// AppendStatementJSON appends s as json.Marshal(s) writes it; the error as
// AppendInvoiceJSON's.
func AppendStatementJSON(b []byte, s *Statement) ([]byte, error) {
	w := answerWriter{b: b}
	w.statement(s)
	if w.bad {
		return marshalAppend(b, s)
	}
	return w.b, nil
}

// marshalAppend is the definition, for what the writer declines.
func marshalAppend(b []byte, v any) ([]byte, error) {
	j, err := json.Marshal(v)
	if err != nil {
		return b, err
	}
	return append(b, j...), nil
}

// answerWriter appends JSON; bad is set when a value needs json.Marshal
// (its error, which the writer does not reproduce).
type answerWriter struct {
	b   []byte
	bad bool
}

// key writes the member's key: ',' unless it opens the object, then
// "key":.
func (w *answerWriter) key(first bool, k string) {
	if !first {
		w.b = append(w.b, ',')
	}
	w.b = append(w.b, '"')
	w.b = append(w.b, k...)
	w.b = append(w.b, '"', ':')
}

func (w *answerWriter) str(s string) { w.b = appendJSONString(w.b, s) }

func (w *answerWriter) strs(vs []string) {
	if vs == nil {
		w.b = append(w.b, "null"...)
		return
	}
	w.b = append(w.b, '[')
	for i, v := range vs {
		if i > 0 {
			w.b = append(w.b, ',')
		}
		w.str(v)
	}
	w.b = append(w.b, ']')
}

func (w *answerWriter) id(u uuid.UUID) { w.b = jsonscan.AppendQuotedUUID(w.b, u) }

func (w *answerWriter) money(m Money) {
	w.b = append(m.AppendFixed(append(w.b, '"')), '"')
}

func (w *answerWriter) boolean(v bool) {
	if v {
		w.b = append(w.b, "true"...)
	} else {
		w.b = append(w.b, "false"...)
	}
}

// instant writes t as time.Time's MarshalJSON does; an instant it refuses
// marks the writer bad.
func (w *answerWriter) instant(t time.Time) {
	b, err := t.AppendText(append(w.b, '"'))
	if err != nil {
		w.bad = true
		return
	}
	w.b = append(b, '"')
}

// optStr writes an omitempty string member.
func (w *answerWriter) optStr(k, v string) {
	if v != "" {
		w.key(false, k)
		w.str(v)
	}
}

// optID writes an omitempty *uuid.UUID member.
func (w *answerWriter) optID(k string, u *uuid.UUID) {
	if u != nil {
		w.key(false, k)
		w.id(*u)
	}
}

func (w *answerWriter) invoice(inv *Invoice) {
	w.b = append(w.b, '{')
	w.key(true, "id")
	w.id(inv.ID)
	w.key(false, "account_id")
	w.str(inv.AccountID)
	w.key(false, "status")
	w.str(string(inv.Status))
	w.key(false, "amount")
	w.money(inv.Amount)
	w.key(false, "kingsoft")
	w.money(inv.Kingsoft)
	w.key(false, "marketplace")
	w.money(inv.Marketplace)
	w.key(false, "statements")
	w.strs(inv.Statements)
	w.key(false, "title")
	w.title(&inv.Title)
	w.key(false, "address")
	w.address(&inv.Address)
	w.key(false, "medium")
	w.str(string(inv.Medium))
	if len(inv.Emails) > 0 {
		w.key(false, "emails")
		w.strs(inv.Emails)
	}
	w.key(false, "requested_at")
	w.instant(inv.RequestedAt)
	w.optStr("sla_due", inv.SLADue)
	w.optID("exchange_of", inv.ExchangeOf)
	w.optStr("invoice_code", inv.InvoiceCode)
	w.optStr("invoice_number", inv.InvoiceNumber)
	w.optStr("issued_on", inv.IssuedOn)
	w.optStr("issuer", inv.Issuer)
	w.optStr("tax_rate", inv.TaxRate)
	if inv.NetAmount != nil {
		w.key(false, "net_amount")
		w.money(*inv.NetAmount)
	}
	if inv.TaxAmount != nil {
		w.key(false, "tax_amount")
		w.money(*inv.TaxAmount)
	}
	if s := inv.Shipment; s != nil {
		w.key(false, "shipment")
		w.b = append(w.b, '{')
		w.key(true, "courier")
		w.str(s.Courier)
		w.key(false, "tracking_number")
		w.str(s.TrackingNumber)
		w.key(false, "shipped_at")
		w.instant(s.ShippedAt)
		w.key(false, "late")
		w.boolean(s.Late)
		w.b = append(w.b, '}')
	}
	if len(inv.DeliveredTo) > 0 {
		w.key(false, "delivered_to")
		w.strs(inv.DeliveredTo)
	}
	if inv.Return != nil {
		w.key(false, "return")
		w.ret(inv.Return)
	}
	if f := inv.ExchangeFailure; f != nil {
		w.key(false, "exchange_failure")
		w.b = append(w.b, '{')
		w.key(true, "reason")
		w.str(f.Reason)
		w.key(false, "code")
		w.str(f.Code)
		w.key(false, "at")
		w.instant(f.At)
		w.b = append(w.b, '}')
	}
	w.optStr("reject_reason", inv.RejectReason)
	w.optStr("cancelled_by", string(inv.CancelledBy))
	w.key(false, "updated_at")
	w.instant(inv.UpdatedAt)
	// omitzero: Money's IsZero.
	if !inv.Raised.IsZero() {
		w.key(false, "raised")
		w.money(inv.Raised)
	}
	if !inv.OffsetAmount.IsZero() {
		w.key(false, "offset_amount")
		w.money(inv.OffsetAmount)
	}
	if !inv.RedFlushedAmount.IsZero() {
		w.key(false, "red_flushed_amount")
		w.money(inv.RedFlushedAmount)
	}
	if len(inv.PartialRedFlushes) > 0 {
		w.key(false, "partial_red_flushes")
		w.b = append(w.b, '[')
		for i := range inv.PartialRedFlushes {
			if i > 0 {
				w.b = append(w.b, ',')
			}
			w.partialRedFlush(&inv.PartialRedFlushes[i])
		}
		w.b = append(w.b, ']')
	}
	if inv.DeficitSince != 0 {
		w.key(false, "deficit_since")
		w.b = appendUint(w.b, inv.DeficitSince)
	}
	w.b = append(w.b, '}')
}

func (w *answerWriter) title(t *Title) {
	w.b = append(w.b, '{')
	w.key(true, "type")
	w.str(string(t.Type))
	w.key(false, "holder")
	w.str(string(t.Holder))
	w.key(false, "name")
	w.str(t.Name)
	w.optStr("taxpayer_id", t.TaxpayerID)
	w.optStr("registered_address", t.RegisteredAddress)
	w.optStr("registered_phone", t.RegisteredPhone)
	w.optStr("bank_name", t.BankName)
	w.optStr("bank_account", t.BankAccount)
	w.b = append(w.b, '}')
}

func (w *answerWriter) address(a *Address) {
	w.b = append(w.b, '{')
	w.key(true, "recipient")
	w.str(a.Recipient)
	w.key(false, "phone")
	w.str(a.Phone)
	w.key(false, "province")
	w.str(a.Province)
	w.key(false, "city")
	w.str(a.City)
	w.optStr("district", a.District)
	w.key(false, "street")
	w.str(a.Street)
	w.key(false, "postal_code")
	w.str(a.PostalCode)
	w.b = append(w.b, '}')
}

func (w *answerWriter) ret(r *Return) {
	w.b = append(w.b, '{')
	w.key(true, "reason")
	w.str(r.Reason)
	w.key(false, "certified")
	w.boolean(r.Certified)
	w.optStr("red_letter_form_number", r.RedLetterFormNumber)
	w.key(false, "exchange")
	w.boolean(r.Exchange)
	w.optID("address_id", r.AddressID)
	w.key(false, "requested_at")
	w.instant(r.RequestedAt)
	if r.PaperComplete != nil {
		w.key(false, "paper_complete")
		w.boolean(*r.PaperComplete)
	}
	w.optStr("paper_note", r.PaperNote)
	w.optStr("rejected_reason", r.RejectedReason)
	w.optStr("red_invoice_code", r.RedInvoiceCode)
	w.optStr("red_invoice_number", r.RedInvoiceNumber)
	w.optID("red_confirmation_id", r.RedConfirmationID)
	w.optID("exchange_invoice_id", r.ExchangeInvoiceID)
	w.b = append(w.b, '}')
}

func (w *answerWriter) partialRedFlush(p *PartialRedFlush) {
	w.b = append(w.b, '{')
	first := true
	if p.RedInvoiceCode != "" {
		w.key(true, "red_invoice_code")
		w.str(p.RedInvoiceCode)
		first = false
	}
	w.key(first, "red_invoice_number")
	w.str(p.RedInvoiceNumber)
	w.optStr("red_letter_form_number", p.RedLetterFormNumber)
	w.key(false, "amount")
	w.money(p.Amount)
	w.key(false, "net_amount")
	w.money(p.NetAmount)
	w.key(false, "tax_amount")
	w.money(p.TaxAmount)
	w.optStr("issued_on", p.IssuedOn)
	w.optID("confirmation_id", p.ConfirmationID)
	w.key(false, "red_flushed_at")
	w.instant(p.At)
	w.b = append(w.b, '}')
}

func (w *answerWriter) statement(s *Statement) {
	w.b = append(w.b, '{')
	w.key(true, "month")
	w.str(s.Month)
	w.key(false, "lines")
	if s.Lines == nil {
		w.b = append(w.b, "null"...)
	} else {
		w.b = append(w.b, '[')
		for i := range s.Lines {
			if i > 0 {
				w.b = append(w.b, ',')
			}
			w.line(&s.Lines[i])
		}
		w.b = append(w.b, ']')
	}
	w.key(false, "buckets")
	w.b = append(w.b, '{')
	w.key(true, "kingsoft")
	w.money(s.Buckets.Kingsoft)
	w.key(false, "marketplace")
	w.money(s.Buckets.Marketplace)
	w.key(false, "merchant")
	w.money(s.Buckets.Merchant)
	w.key(false, "offline")
	w.money(s.Buckets.Offline)
	w.key(false, "deductions")
	w.money(s.Buckets.Deductions)
	w.b = append(w.b, '}')
	w.key(false, "status")
	w.str(string(s.Status))
	w.key(false, "invoice_id")
	w.id(s.InvoiceID)
	w.key(false, "posted_at")
	w.instant(s.PostedAt)
	w.key(false, "free")
	w.split(true, s.Free)
	if len(s.Holds) > 0 {
		w.key(false, "holds")
		w.b = append(w.b, '[')
		for i := range s.Holds {
			if i > 0 {
				w.b = append(w.b, ',')
			}
			h := &s.Holds[i]
			w.b = append(w.b, '{')
			w.key(true, "invoice_id")
			w.id(h.InvoiceID)
			w.key(false, "held")
			w.split(true, h.Held)
			w.key(false, "applied")
			w.split(true, h.Applied)
			w.b = append(w.b, '}')
		}
		w.b = append(w.b, ']')
	}
	if len(s.Offsets) > 0 {
		w.key(false, "offsets")
		w.b = append(w.b, '[')
		for i := range s.Offsets {
			if i > 0 {
				w.b = append(w.b, ',')
			}
			o := &s.Offsets[i]
			w.b = append(w.b, '{')
			w.key(true, "invoice_id")
			w.id(o.InvoiceID)
			w.split(false, o.Split) // embedded: its members inline
			w.b = append(w.b, '}')
		}
		w.b = append(w.b, ']')
	}
	w.key(false, "adjusted")
	w.split(true, s.Adjusted)
	w.b = append(w.b, '}')
}

// split writes a Split as an object, or with braces false its members
// after others (an embedded Split).
func (w *answerWriter) split(braces bool, s Split) {
	if braces {
		w.b = append(w.b, '{')
	}
	w.key(braces, "kingsoft")
	w.money(s.Kingsoft)
	w.key(false, "marketplace")
	w.money(s.Marketplace)
	if braces {
		w.b = append(w.b, '}')
	}
}

func (w *answerWriter) line(l *StatementLine) {
	w.b = append(w.b, '{')
	w.key(true, "line_id")
	w.str(l.LineID)
	w.key(false, "product")
	w.str(l.Product)
	w.key(false, "billing_mode")
	w.str(string(l.BillingMode))
	w.key(false, "purchased_at")
	w.str(l.PurchasedAt)
	w.key(false, "channel")
	w.str(string(l.Channel))
	w.optStr("merchant", l.Merchant)
	w.key(false, "amount")
	w.money(l.Amount)
	w.key(false, "voucher")
	w.money(l.Voucher)
	w.key(false, "coupon")
	w.money(l.Coupon)
	w.key(false, "gift_balance")
	w.money(l.GiftBalance)
	w.b = append(w.b, '}')
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

// appendJSONString appends s quoted as encoding/json writes a string with
// HTML escaping (json.Marshal): '"', '\\' and the control characters
// escaped (\b \f \n \r \t short, the others \u00XX), '<', '>' and '&' as
// \u003c…, invalid UTF-8 as \ufffd, U+2028 and U+2029 as \u2028 and
// \u2029; everything else as it is.
func appendJSONString(b []byte, s string) []byte {
	// The common case: nothing to escape, one copy.
	i := 0
	for i < len(s) && s[i] < utf8.RuneSelf && htmlSafe[s[i]] {
		i++
	}
	if i == len(s) {
		b = append(b, '"')
		b = append(b, s...)
		return append(b, '"')
	}
	return appendJSONStringFrom(b, s, i)
}

// htmlSafe says which ASCII bytes json.Marshal writes as they are.
var htmlSafe = func() (t [utf8.RuneSelf]bool) {
	for c := 0x20; c < utf8.RuneSelf; c++ {
		t[c] = c != '"' && c != '\\' && c != '<' && c != '>' && c != '&'
	}
	return t
}()

// appendJSONStringFrom is appendJSONString past s[:i], which needs no
// escape.
func appendJSONStringFrom(b []byte, s string, i int) []byte {
	const hex = "0123456789abcdef"
	b = append(b, '"')
	start := 0
	for i < len(s) {
		c := s[i]
		if c < utf8.RuneSelf {
			if htmlSafe[c] {
				i++
				continue
			}
			b = append(b, s[start:i]...)
			switch c {
			case '\\', '"':
				b = append(b, '\\', c)
			case '\b':
				b = append(b, '\\', 'b')
			case '\f':
				b = append(b, '\\', 'f')
			case '\n':
				b = append(b, '\\', 'n')
			case '\r':
				b = append(b, '\\', 'r')
			case '\t':
				b = append(b, '\\', 't')
			default:
				b = append(b, '\\', 'u', '0', '0', hex[c>>4], hex[c&0xF])
			}
			i++
			start = i
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size == 1 {
			b = append(b, s[start:i]...)
			b = append(b, `\ufffd`...)
			i++
			start = i
			continue
		}
		if r == '\u2028' || r == '\u2029' {
			b = append(b, s[start:i]...)
			b = append(b, '\\', 'u', '2', '0', '2', hex[r&0xF])
			i += size
			start = i
			continue
		}
		i += size
	}
	b = append(b, s[start:]...)
	return append(b, '"')
}
