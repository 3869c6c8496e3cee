package api

import (
	"time"

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
		w := outWriter{jsonscan.Writer{B: b}}
		w.invoice(v)
		if !w.Bad {
			return w.B, nil
		}
	}
	j, err := encode(v)
	if err != nil {
		return b, err
	}
	return append(b, j...), nil
}

// outWriter appends JSON as encode (JSON v2) does; Bad is set for a value
// it does not write (then the whole answer is encode's).
type outWriter struct{ jsonscan.Writer }

func (w *outWriter) money(k string, m domain.Money) {
	w.Key(k)
	domain.WriteMoneyJSON(&w.Writer, m)
}

func (w *outWriter) optMoney(k string, m *domain.Money) {
	if m != nil {
		w.money(k, *m)
	}
}

// optStrs writes an omitempty list of strings: none when it is empty.
func (w *outWriter) optStrs(k string, vs []string) {
	if len(vs) > 0 {
		w.Key(k)
		w.Strings(vs)
	}
}

// instant writes t as encode does, for the zones of whole minutes (others
// are left to encode).
func (w *outWriter) instant(k string, t time.Time) {
	if _, off := t.Zone(); off%60 != 0 {
		w.Bad = true
		return
	}
	w.Key(k)
	w.Instant(t)
}

func (w *outWriter) invoice(v *invoiceOut) {
	w.Open("id")
	w.ID(v.ID)
	w.Str("account_id", v.AccountID)
	w.Str("status", string(v.Status))
	w.money("amount", v.Amount)
	w.money("kingsoft", v.Kingsoft)
	w.money("marketplace", v.Marketplace)
	w.Key("statements")
	w.Strings(v.Statements)
	w.Key("title")
	domain.WriteTitleJSON(&w.Writer, &v.Title)
	w.Str("medium", string(v.Medium))
	if v.Address != nil {
		w.Key("address")
		domain.WriteAddressJSON(&w.Writer, v.Address)
	}
	w.optStrs("emails", v.Emails)
	w.instant("requested_at", v.RequestedAt)
	w.OptStr("sla_due", v.SLADue)
	if v.ExchangeOf != nil {
		w.Key("exchange_of")
		w.ID(*v.ExchangeOf)
	}
	domain.WriteIssueJSON(&w.Writer, &v.Issue)
	w.optStrs("delivered_to", v.DeliveredTo)
	w.optMoney("deficit", v.Deficit)
	w.optMoney("red_flushed_amount", v.RedFlushedAmount)
	w.OptStr("reject_reason", v.RejectReason)
	w.OptStr("cancelled_by", string(v.CancelledBy))
	w.instant("updated_at", v.UpdatedAt)
	w.Key("actions")
	w.Strings(v.Actions)
	w.B = append(w.B, '}')
}
