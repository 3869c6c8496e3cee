package api

import (
	"time"
	"unicode/utf8"

	"github.com/google/uuid"

	"github.com/fapiao/fapiao/domain"
	"github.com/fapiao/fapiao/internal/jsonscan"
)

// appendInvoiceOut appends v as encode (json.Marshal) writes it, without
// reflection: a command's answer is an invoice, encoded while the ledger
// holds the account, and json.Marshal was ≈ 5 % of a POST's server CPU
// (docs/performance.md, "The mix, 30 Nov, fourth round"). It writes the
// fields of an invoice as most are (strings that need no escape, instants
// of years 0–9999 in whole-minute zones, no shipment, return, exchange
// failure or partial red-flushes); any other invoice is handed to encode,
// the definition. TestInvoiceOutIsEncodes holds the two equal on random
// invoices of every shape, and fails for a field added to invoiceOut and
// not written here.
func appendInvoiceOut(b []byte, v *invoiceOut) ([]byte, error) {
	if v.Shipment == nil && v.Return == nil && v.ExchangeFailure == nil && len(v.PartialRedFlushes) == 0 {
		w := outWriter{b: b}
		w.invoice(v)
		if !w.bad {
			return w.b, nil
		}
	}
	j, err := encode(v)
	if err != nil {
		return b, err
	}
	return append(b, j...), nil
}

// outWriter appends JSON as encode does; bad is set for a value it does
// not write (then the whole answer is encode's).
type outWriter struct {
	b   []byte
	bad bool
}

func (w *outWriter) key(k string) { w.b = append(append(append(w.b, ',', '"'), k...), '"', ':') }

func (w *outWriter) str(k, s string) {
	w.key(k)
	w.quote(s)
}

func (w *outWriter) optStr(k, s string) {
	if s != "" {
		w.str(k, s)
	}
}

// quote appends s quoted, or marks the writer bad when s needs an escape
// or is not plain UTF-8 (U+2028 and U+2029 included: left to encode).
func (w *outWriter) quote(s string) {
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			if c < 0x20 || c == '"' || c == '\\' || c == 0x7f {
				w.bad = true
				return
			}
			i++
			continue
		}
		r, n := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError || r == '\u2028' || r == '\u2029' {
			w.bad = true
			return
		}
		i += n
	}
	w.b = append(append(append(w.b, '"'), s...), '"')
}

func (w *outWriter) strs(k string, vs []string, omitEmpty bool) {
	if omitEmpty && len(vs) == 0 {
		return
	}
	w.key(k)
	w.b = append(w.b, '[')
	for i, s := range vs {
		if i > 0 {
			w.b = append(w.b, ',')
		}
		w.quote(s)
	}
	w.b = append(w.b, ']')
}

func (w *outWriter) money(k string, m domain.Money) {
	w.key(k)
	w.b = append(m.AppendFixed(append(w.b, '"')), '"')
}

func (w *outWriter) optMoney(k string, m *domain.Money) {
	if m != nil {
		w.money(k, *m)
	}
}

func (w *outWriter) id(k string, u uuid.UUID) {
	w.key(k)
	w.b = jsonscan.AppendQuotedUUID(w.b, u)
}

// instant writes t in RFC 3339 with its nanoseconds, as encode does for
// the years it accepts and zones of whole minutes.
func (w *outWriter) instant(k string, t time.Time) {
	_, off := t.Zone()
	if y := t.Year(); y < 0 || y > 9999 || off%60 != 0 {
		w.bad = true
		return
	}
	w.key(k)
	w.b = append(t.AppendFormat(append(w.b, '"'), time.RFC3339Nano), '"')
}

func (w *outWriter) invoice(v *invoiceOut) {
	w.b = append(w.b, `{"id":`...)
	w.b = jsonscan.AppendQuotedUUID(w.b, v.ID)
	w.str("account_id", v.AccountID)
	w.str("status", string(v.Status))
	w.money("amount", v.Amount)
	w.money("kingsoft", v.Kingsoft)
	w.money("marketplace", v.Marketplace)
	w.strs("statements", v.Statements, false)
	w.key("title")
	w.title(&v.Title)
	w.str("medium", string(v.Medium))
	if v.Address != nil {
		w.key("address")
		w.address(v.Address)
	}
	w.strs("emails", v.Emails, true)
	w.instant("requested_at", v.RequestedAt)
	w.optStr("sla_due", v.SLADue)
	if v.ExchangeOf != nil {
		w.id("exchange_of", *v.ExchangeOf)
	}
	w.optStr("invoice_code", v.InvoiceCode)
	w.optStr("invoice_number", v.InvoiceNumber)
	w.optStr("issued_on", v.IssuedOn)
	w.optStr("issuer", v.Issuer)
	w.optStr("tax_rate", v.TaxRate)
	w.optMoney("net_amount", v.NetAmount)
	w.optMoney("tax_amount", v.TaxAmount)
	w.strs("delivered_to", v.DeliveredTo, true)
	w.optMoney("deficit", v.Deficit)
	w.optMoney("red_flushed_amount", v.RedFlushedAmount)
	w.optStr("reject_reason", v.RejectReason)
	w.optStr("cancelled_by", string(v.CancelledBy))
	w.instant("updated_at", v.UpdatedAt)
	w.strs("actions", v.Actions, false)
	w.b = append(w.b, '}')
}

func (w *outWriter) title(t *domain.Title) {
	w.b = append(w.b, `{"type":`...)
	w.quote(string(t.Type))
	w.str("holder", string(t.Holder))
	w.str("name", t.Name)
	w.optStr("taxpayer_id", t.TaxpayerID)
	w.optStr("registered_address", t.RegisteredAddress)
	w.optStr("registered_phone", t.RegisteredPhone)
	w.optStr("bank_name", t.BankName)
	w.optStr("bank_account", t.BankAccount)
	w.b = append(w.b, '}')
}

func (w *outWriter) address(a *domain.Address) {
	w.b = append(w.b, `{"recipient":`...)
	w.quote(a.Recipient)
	w.str("phone", a.Phone)
	w.str("province", a.Province)
	w.str("city", a.City)
	w.optStr("district", a.District)
	w.str("street", a.Street)
	w.str("postal_code", a.PostalCode)
	w.b = append(w.b, '}')
}
