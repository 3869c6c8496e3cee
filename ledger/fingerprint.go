package ledger

import (
	"crypto/sha256"
	"encoding/hex"

	"github.com/google/uuid"

	"github.com/fapiao/fapiao/domain"
	"github.com/fapiao/fapiao/internal/jsonscan"
)

// A keyed command without a request hash is fingerprinted by commandHash:
// its document marshalled by reflection, then made canonical, then hashed
// (9 % of a command's CPU). For the commands that come most often the
// canonical bytes are written here directly, members in sorted order, and
// hashed. Strings go in as they are only when jsonscan.Plain says encoding/json
// and the canonical form both write them so; anything else declines and
// the definition runs. TestCommandFingerprintIsTheDefinition compares the
// two on random commands of every type written here.

// canonWriter appends canonical JSON; ok turns false for good when a
// string would need escaping.
type canonWriter struct {
	b  []byte
	ok bool
}

func (w *canonWriter) raw(s string) { w.b = append(w.b, s...) }

func (w *canonWriter) str(s string) {
	if !jsonscan.Plain(s) {
		w.ok = false
		return
	}
	w.b = append(w.b, '"')
	w.b = append(w.b, s...)
	w.b = append(w.b, '"')
}

func (w *canonWriter) id(u uuid.UUID) { w.b = jsonscan.AppendQuotedUUID(w.b, u) }

func (w *canonWriter) money(m domain.Money) {
	w.b = append(m.AppendFixed(append(w.b, '"')), '"')
}

func (w *canonWriter) boolean(v bool) {
	if v {
		w.raw("true")
	} else {
		w.raw("false")
	}
}

// strs writes a slice as encoding/json does: nil is null.
func (w *canonWriter) strs(ss []string) {
	if ss == nil {
		w.raw("null")
		return
	}
	w.b = append(w.b, '[')
	for i, s := range ss {
		if i > 0 {
			w.b = append(w.b, ',')
		}
		w.str(s)
	}
	w.b = append(w.b, ']')
}

// appendCommandCanonical appends the canonical form of commandHash's
// document {"type": typeName(cmd), "command": cmd} for the command types
// it knows, or reports false.
func appendCommandCanonical(b []byte, cmd domain.Command) ([]byte, bool) {
	w := canonWriter{b: b, ok: true}
	w.raw(`{"command":`)
	switch c := cmd.(type) {
	case domain.PostStatement:
		w.raw(`{"lines":`)
		w.lines(c.Lines)
		w.raw(`,"month":`)
		w.str(c.Month)
	case domain.RequestInvoice:
		w.raw(`{"AddressID":`)
		w.id(c.AddressID)
		w.raw(`,"Agree":`)
		w.boolean(c.Agree)
		if len(c.Emails) > 0 {
			w.raw(`,"Emails":`)
			w.strs(c.Emails)
		}
		if c.Medium != "" {
			w.raw(`,"Medium":`)
			w.str(string(c.Medium))
		}
		w.raw(`,"Statements":`)
		w.strs(c.Statements)
	case domain.ApproveInvoice:
		w.raw(`{"InvoiceID":`)
		w.id(c.InvoiceID)
	case domain.RejectInvoice:
		w.raw(`{"InvoiceID":`)
		w.id(c.InvoiceID)
		w.raw(`,"Reason":`)
		w.str(c.Reason)
	case domain.IssueInvoice:
		w.raw(`{"InvoiceCode":`)
		w.str(c.InvoiceCode)
		w.raw(`,"InvoiceID":`)
		w.id(c.InvoiceID)
		w.raw(`,"InvoiceNumber":`)
		w.str(c.InvoiceNumber)
		w.raw(`,"IssuedOn":`)
		w.str(c.IssuedOn)
		w.raw(`,"TaxRate":`)
		w.str(c.TaxRate)
	case domain.ShipInvoice:
		w.raw(`{"Courier":`)
		w.str(c.Courier)
		w.raw(`,"InvoiceID":`)
		w.id(c.InvoiceID)
		w.raw(`,"TrackingNumber":`)
		w.str(c.TrackingNumber)
	case domain.CancelInvoice:
		w.raw(`{"By":`)
		w.str(string(c.By))
		w.raw(`,"InvoiceID":`)
		w.id(c.InvoiceID)
		w.raw(`,"Ticket":`)
		w.str(c.Ticket)
	default:
		return b, false
	}
	w.raw(`},"type":`)
	w.str(typeName(cmd))
	w.raw(`}`)
	return w.b, w.ok
}

// lines writes a statement's lines, members sorted.
func (w *canonWriter) lines(ls []domain.StatementLine) {
	if ls == nil {
		w.raw("null")
		return
	}
	w.b = append(w.b, '[')
	for i, l := range ls {
		if i > 0 {
			w.b = append(w.b, ',')
		}
		w.raw(`{"amount":`)
		w.money(l.Amount)
		w.raw(`,"billing_mode":`)
		w.str(string(l.BillingMode))
		w.raw(`,"channel":`)
		w.str(string(l.Channel))
		w.raw(`,"coupon":`)
		w.money(l.Coupon)
		w.raw(`,"gift_balance":`)
		w.money(l.GiftBalance)
		w.raw(`,"line_id":`)
		w.str(l.LineID)
		if l.Merchant != "" {
			w.raw(`,"merchant":`)
			w.str(l.Merchant)
		}
		w.raw(`,"product":`)
		w.str(l.Product)
		w.raw(`,"purchased_at":`)
		w.str(l.PurchasedAt)
		w.raw(`,"voucher":`)
		w.money(l.Voucher)
		w.b = append(w.b, '}')
	}
	w.b = append(w.b, ']')
}

// commandHashFast is commandHash for the commands appendCommandCanonical
// writes, or false.
func commandHashFast(cmd domain.Command) (string, bool) {
	buf := hashBufPool.Get().(*[]byte)
	defer hashBufPool.Put(buf)
	c, ok := appendCommandCanonical((*buf)[:0], cmd)
	if cap(c) <= 64<<10 {
		*buf = c[:0]
	}
	if !ok {
		return "", false
	}
	sum := sha256.Sum256(c)
	return hex.EncodeToString(sum[:]), true
}
