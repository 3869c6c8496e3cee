package domain

import (
	"encoding/binary"
	"time"
	"unicode/utf8"

	"github.com/google/uuid"

	"github.com/fapiao/fapiao/internal/jsonscan"
)

// Every event the ledger writes was marshalled by reflection and then made
// canonical for its hash by a second pass over the bytes. EventEncoder
// writes the events of the everyday path, both forms in one go: the stored
// bytes exactly as json.Marshal writes them (members in declaration order)
// and the canonical form (members sorted by key). Each value is written
// once into an arena and placed in both. It declines (ok false) on any
// string jsonscan.Plain refuses, on an instant json.Marshal would refuse,
// and on the types it does not know; EncodeEvent is then the way.
// TestEventEncoderIsTheDefinition (ledger) compares both forms with
// encoding/json and the event store's canonical pass on every golden event
// and on random ones.

// EventEncoder writes events' JSON and canonical JSON. Its zero value is
// ready; it is not safe for concurrent use.
type EventEncoder struct {
	arena []byte
	ok    bool
	// canonOnly: EncodeCommand wants the canonical form alone, so objects
	// skip their stored form.
	canonOnly bool
	// Stored's last instant and its decoded form (stored_form.go).
	instIn, instOut time.Time
	instSet         bool
	// shapes are the canonical member orders of the objects written
	// lately (object): an event's objects have the same keys every time,
	// so their order is looked up instead of sorted again.
	shapes    [maxShapes]shape
	nextShape int
}

// shape is one object's keys as object is given them ("" for an omitted
// member) and the indices of the present ones sorted by key.
type shape struct {
	keys   [16]string
	n      int // len of the member list; 0: an empty slot
	order  [16]uint8
	sorted int // how many members order holds
}

// maxShapes bounds EventEncoder.shapes: the everyday events and commands
// write a dozen kinds of object.
const maxShapes = 16

// member is an object member: its key and its value in the stored and the
// canonical form (the same bytes but for objects).
type member struct {
	key  string
	s, c []byte
}

func m(key string, v []byte) member { return member{key, v, v} }

// Encode returns e's type, its stored JSON (a new slice, as json.Marshal's)
// and its canonical form, which stays valid until the next Encode. ok is
// false when the encoder does not write e; then nothing else is meaningful.
func (x *EventEncoder) Encode(e Event) (typ string, data, canonical []byte, ok bool) {
	typ, data, canonical, ok = x.EncodeInPlace(e)
	if !ok {
		return "", nil, nil, false
	}
	return typ, append([]byte(nil), data...), canonical, true
}

// EncodeInPlace is Encode with the stored JSON in the encoder's buffer
// too, valid until the next Encode: for a caller that copies it
// (eventstore.SealData puts the copy in the envelope's allocation).
func (x *EventEncoder) EncodeInPlace(e Event) (typ string, data, canonical []byte, ok bool) {
	x.arena, x.ok = x.arena[:0], true
	var s, c []byte
	switch v := e.(type) {
	case StatementPosted:
		s, c = x.object(m("month", x.str(v.Month)), x.lines(v.Lines), m("posted_at", x.instant(v.PostedAt)))
	case InvoiceRequested:
		s, c = x.invoiceRequested(&v)
	case TitleSubmitted:
		ts, tc := x.title(&v.Title)
		s, c = x.object(m("title_id", x.id(v.TitleID)), member{"title", ts, tc}, m("submitted_at", x.instant(v.SubmittedAt)))
	case TitleApproved:
		s, c = x.object(m("title_id", x.id(v.TitleID)), m("automatic", x.boolean(v.Automatic)), m("approved_at", x.instant(v.ApprovedAt)))
	case AddressAdded:
		as, ac := x.address(&v.Address)
		s, c = x.object(m("address_id", x.id(v.AddressID)), member{"address", as, ac}, m("default", x.boolean(v.Default)))
	case InvoiceApproved:
		s, c = x.object(m("invoice_id", x.id(v.InvoiceID)), m("approved_at", x.instant(v.ApprovedAt)))
	case InvoiceRejected:
		s, c = x.object(m("invoice_id", x.id(v.InvoiceID)), m("reason", x.str(v.Reason)), m("rejected_at", x.instant(v.RejectedAt)))
	case InvoiceShipped:
		s, c = x.object(m("invoice_id", x.id(v.InvoiceID)), m("courier", x.str(v.Courier)), m("tracking_number", x.str(v.TrackingNumber)),
			m("shipped_at", x.instant(v.ShippedAt)), m("late", x.boolean(v.Late)))
	case InvoiceCancelled:
		ms := []member{m("invoice_id", x.id(v.InvoiceID)), m("by", x.str(string(v.By))), {}, m("cancelled_at", x.instant(v.CancelledAt))}
		if v.Ticket != "" {
			ms[2] = m("ticket", x.str(v.Ticket))
		}
		s, c = x.object(ms...)
	case InvoiceIssued:
		if v.Medium != "" || len(v.DeliveredTo) > 0 {
			return "", nil, nil, false // electronic: rare, left to encoding/json
		}
		s, c = x.object(m("invoice_id", x.id(v.InvoiceID)), m("invoice_code", x.str(v.InvoiceCode)), m("invoice_number", x.str(v.InvoiceNumber)),
			m("issued_on", x.str(v.IssuedOn)), m("issuer", x.str(v.Issuer)), m("tax_rate", x.str(v.TaxRate)),
			m("net_amount", x.money(v.NetAmount)), m("tax_amount", x.money(v.TaxAmount)), m("issued_at", x.instant(v.IssuedAt)))
	default:
		return "", nil, nil, false
	}
	if !x.ok {
		return "", nil, nil, false
	}
	return e.EventType(), s, c, true
}

// EncodeCommand returns the canonical JSON of the everyday commands (the
// ledger fingerprints commands with it), valid until the next call; ok is
// false for the others and for strings jsonscan.Plain refuses.
func (x *EventEncoder) EncodeCommand(cmd Command) (canonical []byte, ok bool) {
	x.arena, x.ok, x.canonOnly = x.arena[:0], true, true
	defer func() { x.canonOnly = false }()
	var c []byte
	switch v := cmd.(type) {
	case PostStatement:
		_, c = x.object(m("month", x.str(v.Month)), x.lines(v.Lines))
	case RequestInvoice:
		var emails member
		if len(v.Emails) > 0 {
			emails = m("Emails", x.strs(v.Emails))
		}
		_, c = x.object(m("Statements", x.strs(v.Statements)), m("AddressID", x.id(v.AddressID)), m("Agree", x.boolean(v.Agree)),
			x.omitEmpty("Medium", string(v.Medium)), emails)
	case SubmitTitle:
		_, tc := x.title(&v.Title)
		_, c = x.object(member{"Title", tc, tc})
	case AddAddress:
		_, ac := x.address(&v.Address)
		_, c = x.object(member{"Address", ac, ac}, m("Default", x.boolean(v.Default)))
	case ApproveInvoice:
		_, c = x.object(m("InvoiceID", x.id(v.InvoiceID)))
	case RejectInvoice:
		_, c = x.object(m("InvoiceID", x.id(v.InvoiceID)), m("Reason", x.str(v.Reason)))
	case IssueInvoice:
		_, c = x.object(m("InvoiceID", x.id(v.InvoiceID)), m("InvoiceCode", x.str(v.InvoiceCode)), m("InvoiceNumber", x.str(v.InvoiceNumber)),
			m("IssuedOn", x.str(v.IssuedOn)), m("TaxRate", x.str(v.TaxRate)))
	case ShipInvoice:
		_, c = x.object(m("InvoiceID", x.id(v.InvoiceID)), m("Courier", x.str(v.Courier)), m("TrackingNumber", x.str(v.TrackingNumber)))
	case CancelInvoice:
		_, c = x.object(m("InvoiceID", x.id(v.InvoiceID)), m("By", x.str(string(v.By))), m("Ticket", x.str(v.Ticket)))
	default:
		return nil, false
	}
	return c, x.ok
}

func (x *EventEncoder) invoiceRequested(v *InvoiceRequested) (s, c []byte) {
	if v.Medium != "" || len(v.Emails) > 0 {
		x.ok = false // electronic applications: rare, left to encoding/json
		return nil, nil
	}
	var exchange member
	if v.ExchangeOf != nil {
		exchange = m("exchange_of", x.id(*v.ExchangeOf))
	}
	ts, tc := x.title(&v.Title)
	as, ac := x.address(&v.Address)
	return x.object(m("invoice_id", x.id(v.InvoiceID)), m("statements", x.strs(v.Statements)), m("amount", x.money(v.Amount)),
		m("kingsoft", x.money(v.Kingsoft)), m("marketplace", x.money(v.Marketplace)), member{"title", ts, tc}, member{"address", as, ac},
		m("address_id", x.id(v.AddressID)), m("requested_at", x.instant(v.RequestedAt)), m("sla_due", x.str(v.SLADue)), exchange)
}

func (x *EventEncoder) title(t *Title) (s, c []byte) {
	return x.object(m("type", x.str(string(t.Type))), m("holder", x.str(string(t.Holder))), m("name", x.str(t.Name)),
		x.omitEmpty("taxpayer_id", t.TaxpayerID), x.omitEmpty("registered_address", t.RegisteredAddress),
		x.omitEmpty("registered_phone", t.RegisteredPhone), x.omitEmpty("bank_name", t.BankName), x.omitEmpty("bank_account", t.BankAccount))
}

func (x *EventEncoder) address(a *Address) (s, c []byte) {
	return x.object(m("recipient", x.str(a.Recipient)), m("phone", x.str(a.Phone)), m("province", x.str(a.Province)),
		m("city", x.str(a.City)), x.omitEmpty("district", a.District), m("street", x.str(a.Street)), m("postal_code", x.str(a.PostalCode)))
}

// lines is the member "lines": its array in both forms.
func (x *EventEncoder) lines(ls []StatementLine) member {
	if ls == nil {
		return m("lines", x.raw("null"))
	}
	var ss [8][2][]byte // each line, stored and canonical
	if len(ls) > len(ss) {
		x.ok = false // a long statement: left to encoding/json
		return member{}
	}
	for i := range ls {
		l := &ls[i]
		ss[i][0], ss[i][1] = x.object(m("line_id", x.str(l.LineID)), m("product", x.str(l.Product)), m("billing_mode", x.str(string(l.BillingMode))),
			m("purchased_at", x.str(l.PurchasedAt)), m("channel", x.str(string(l.Channel))), x.omitEmpty("merchant", l.Merchant),
			m("amount", x.money(l.Amount)), m("voucher", x.money(l.Voucher)), m("coupon", x.money(l.Coupon)), m("gift_balance", x.money(l.GiftBalance)))
	}
	var out [2][]byte
	for form := range out {
		if form == 0 && x.canonOnly {
			continue
		}
		start := len(x.arena)
		x.arena = append(x.arena, '[')
		for i := range ls {
			if i > 0 {
				x.arena = append(x.arena, ',')
			}
			x.arena = append(x.arena, ss[i][form]...)
		}
		x.arena = append(x.arena, ']')
		out[form] = x.arena[start:len(x.arena):len(x.arena)]
	}
	return member{"lines", out[0], out[1]}
}

// object writes an object of the members with a key (omitted ones have
// none): in the order given (the struct's, as json.Marshal writes it) and
// sorted by key (the canonical form; the stored form is nil while
// EncodeCommand runs). At most 16 members.
func (x *EventEncoder) object(ms ...member) (s, c []byte) {
	var order [16]uint8
	n := 0
	for i := range ms {
		if ms[i].key != "" {
			order[n] = uint8(i)
			n++
		}
	}
	if !x.canonOnly {
		s = x.members(ms, order[:n], false)
	}
	if sh := x.shapeOf(ms); sh != nil {
		return s, x.members(ms, sh.order[:sh.sorted], true)
	}
	for i := 1; i < n; i++ { // a handful of members: insertion sort of their indices
		for j := i; j > 0 && keyLess(ms[order[j]].key, ms[order[j-1]].key); j-- {
			order[j], order[j-1] = order[j-1], order[j]
		}
	}
	if len(ms) <= len(shape{}.keys) {
		sh := &x.shapes[x.nextShape]
		x.nextShape = (x.nextShape + 1) % maxShapes
		sh.n, sh.order, sh.sorted = len(ms), order, n
		for i := range ms {
			sh.keys[i] = ms[i].key
		}
	}
	return s, x.members(ms, order[:n], true)
}

// shapeOf returns the remembered shape of an object with ms's keys (the
// same keys, present and omitted alike, in the same places), or nil.
func (x *EventEncoder) shapeOf(ms []member) *shape {
	for k := range x.shapes {
		sh := &x.shapes[k]
		if sh.n != len(ms) {
			continue
		}
		same := true
		for i := range ms {
			if sh.keys[i] != ms[i].key {
				same = false
				break
			}
		}
		if same {
			return sh
		}
	}
	return nil
}

// keyLess is a < b, most often decided by the first byte.
func keyLess(a, b string) bool {
	if a[0] != b[0] {
		return a[0] < b[0]
	}
	return a < b
}

// members writes {"key":value,...} of the members in order, their
// canonical values or their stored ones.
func (x *EventEncoder) members(ms []member, order []uint8, canonical bool) []byte {
	start := len(x.arena)
	x.arena = append(x.arena, '{')
	for i, k := range order {
		if i > 0 {
			x.arena = append(x.arena, ',')
		}
		mb := &ms[k]
		x.arena = append(x.arena, '"')
		x.arena = append(x.arena, mb.key...)
		x.arena = append(x.arena, '"', ':')
		if canonical {
			x.arena = append(x.arena, mb.c...)
		} else {
			x.arena = append(x.arena, mb.s...)
		}
	}
	x.arena = append(x.arena, '}')
	return x.arena[start:len(x.arena):len(x.arena)]
}

// The value writers append to the arena and return what they wrote, capped
// so that later appends never reach into it.

func (x *EventEncoder) raw(v string) []byte {
	start := len(x.arena)
	x.arena = append(x.arena, v...)
	return x.arena[start:len(x.arena):len(x.arena)]
}

func (x *EventEncoder) str(v string) []byte {
	if !plainText(v, &plainASCII) {
		x.ok = false
	}
	start := len(x.arena)
	x.arena = append(x.arena, '"')
	x.arena = append(x.arena, v...)
	x.arena = append(x.arena, '"')
	return x.arena[start:len(x.arena):len(x.arena)]
}

// omitEmpty is the member of an omitempty string: none when it is empty.
func (x *EventEncoder) omitEmpty(key, v string) member {
	if v == "" {
		return member{}
	}
	return m(key, x.str(v))
}

func (x *EventEncoder) strs(vs []string) []byte {
	if vs == nil {
		return x.raw("null")
	}
	start := len(x.arena)
	x.arena = append(x.arena, '[')
	for i, v := range vs {
		if i > 0 {
			x.arena = append(x.arena, ',')
		}
		x.str(v)
	}
	x.arena = append(x.arena, ']')
	return x.arena[start:len(x.arena):len(x.arena)]
}

func (x *EventEncoder) id(u uuid.UUID) []byte {
	start := len(x.arena)
	x.arena = jsonscan.AppendQuotedUUID(x.arena, u)
	return x.arena[start:len(x.arena):len(x.arena)]
}

func (x *EventEncoder) money(v Money) []byte {
	start := len(x.arena)
	x.arena = append(v.AppendFixed(append(x.arena, '"')), '"')
	return x.arena[start:len(x.arena):len(x.arena)]
}

func (x *EventEncoder) boolean(v bool) []byte {
	if v {
		return x.raw("true")
	}
	return x.raw("false")
}

// instant writes t as time.Time's MarshalJSON does (RFC 3339 with
// nanoseconds, digits and punctuation only).
func (x *EventEncoder) instant(t time.Time) []byte {
	start := len(x.arena)
	b, err := t.AppendText(append(x.arena, '"'))
	if err != nil {
		x.ok = false
		return nil
	}
	x.arena = append(b, '"')
	return x.arena[start:len(x.arena):len(x.arena)]
}

// plainText is jsonscan.Plain(s) (with ascii plainASCII) in fewer
// instructions for text that is not ASCII: the ASCII bytes by a table, the
// rest checked as UTF-8 by one utf8.ValidString and searched for U+2028
// and U+2029 (E2 80 A8/A9: in valid UTF-8, E2 is always a rune's first
// byte), where Plain decodes rune by rune. ascii says which ASCII bytes
// are plain; bytes from 0x80 up must be false in it.
// TestPlainTextIsPlain holds it to jsonscan.Plain.
func plainText(s string, ascii *[256]bool) bool {
	i := 0
	// Eight bytes at a time while none is anything but printable ASCII
	// other than the quote, the backslash, '<', '>', '&' and DEL (plain
	// in either table); the bytes from the first word that has one are
	// the table's.
	for ; i+8 <= len(s); i += 8 {
		if jsonscan.WordNotPlain(binary.LittleEndian.Uint64(stringBytes(s[i:i+8]))) != 0 {
			break
		}
	}
	for i < len(s) && ascii[s[i]] {
		i++
	}
	if i == len(s) {
		return true
	}
	rest := s[i:]
	if rest[0] < utf8.RuneSelf || !utf8.ValidString(rest) {
		return false
	}
	for j := 0; j < len(rest); j++ {
		switch c := rest[j]; {
		case c < utf8.RuneSelf:
			if !ascii[c] {
				return false
			}
		case c == 0xE2:
			if rest[j+1] == 0x80 && (rest[j+2] == 0xA8 || rest[j+2] == 0xA9) {
				return false
			}
		}
	}
	return true
}

// plainASCII says which ASCII bytes jsonscan.Plain passes: all but the
// control characters, the quote, the backslash and '<', '>' and '&'
// (DEL passes). answerASCII is plainASCII without DEL: what both of
// jsonscan.Writer's definitions write as itself.
var plainASCII, answerASCII = func() (p, a [256]bool) {
	for c := 0x20; c < utf8.RuneSelf; c++ {
		p[c] = c != '"' && c != '\\' && c != '<' && c != '>' && c != '&'
		a[c] = p[c] && c != 0x7f
	}
	return p, a
}()
