package domain

import (
	"bytes"
	"encoding/binary"
	"hash/maphash"
	"strings"
	"sync/atomic"

	"github.com/fapiao/fapiao/internal/jsonscan"
	"github.com/google/uuid"
)

// After StatementPosted, the invoice events are most of a replay's decoding:
// InvoiceRequested (with its title and address snapshots), InvoiceIssued,
// InvoiceShipped, InvoiceRedFlushed walk their members with a switch on
// each key (jsonscan.Members), reading UUIDs, amounts and instants in
// place with the methods json itself would call; InvoiceApproved and
// InvoiceCancelled, a few members each, keep a field table.

// fastInvoiceRequested walks the members with a switch on the key
// (jsonscan.Members) rather than a Field table: the table's interfaces sent the
// event and its title's and address's tables to the heap, three objects of
// ≈ 1.3 KB a request, and a request is, after a statement, the event a
// rebuild decodes most. Strict as the table: an unknown key, a duplicate, a
// null or an escape declines, and json decodes.
func fastInvoiceRequested(data []byte) (e InvoiceRequested, ok bool) {
	s := jsonscan.New(data)
	ok = s.MembersIn(requestedKeys, func(key []byte) (bit uint64, ok bool) {
		switch string(key) {
		case "invoice_id":
			bit, ok = 1<<0, readID(&s, &e.InvoiceID)
		case "statements":
			bit, ok = 1<<1, s.Strings(&e.Statements)
			if ok && len(e.Statements) == 1 {
				e.Statements = oneMonth(e.Statements[0])
			}
		case "amount":
			bit, ok = 1<<2, readMoney(&s, &e.Amount)
		case "kingsoft":
			bit, ok = 1<<3, readMoney(&s, &e.Kingsoft)
		case "marketplace":
			bit, ok = 1<<4, readMoney(&s, &e.Marketplace)
		case "title":
			bit, ok = 1<<5, requestTitles.read(&s, &e.Title, readTitle)
		case "address":
			bit, ok = 1<<6, requestAddresses.read(&s, &e.Address, readAddress)
		case "address_id":
			bit, ok = 1<<7, readID(&s, &e.AddressID)
		case "requested_at":
			bit, ok = 1<<8, s.Time(&e.RequestedAt)
		case "sla_due":
			bit = 1 << 9
			e.SLADue, ok = lastSLADue.read(&s)
		case "exchange_of":
			bit = 1 << 10
			e.ExchangeOf = new(uuid.UUID)
			ok = readID(&s, e.ExchangeOf)
		case "medium":
			bit = 1 << 11
			var m string
			m, ok = s.Word(mediums)
			e.Medium = Medium(m)
		case "emails":
			bit, ok = 1<<12, s.Strings(&e.Emails)
		}
		return bit, ok
	})
	return e, ok && s.End()
}

// The members' keys in the order the ledger writes them (the events'
// fields' order), for jsonscan.MembersIn: a key where it is expected is
// matched as it stands instead of scanned.
var (
	requestedKeys = jsonscan.NewKeys("invoice_id", "statements", "amount", "kingsoft", "marketplace", "title", "address",
		"address_id", "requested_at", "sla_due", "exchange_of", "medium", "emails")
	titleKeys = jsonscan.NewKeys("type", "holder", "name", "taxpayer_id", "registered_address", "registered_phone",
		"bank_name", "bank_account")
	addressKeys    = jsonscan.NewKeys("recipient", "phone", "province", "city", "district", "street", "postal_code")
	issuedKeys     = jsonscan.NewKeys("invoice_id", "invoice_code", "invoice_number", "issued_on", "issuer", "tax_rate", "net_amount", "tax_amount", "issued_at", "medium", "delivered_to")
	shippedKeys    = jsonscan.NewKeys("invoice_id", "courier", "tracking_number", "shipped_at", "late")
	redFlushedKeys = jsonscan.NewKeys("invoice_id", "red_invoice_code", "red_invoice_number", "red_amount", "red_flushed_at",
		"red_issued_on", "confirmation_id", "red_letter_form_number")
)

// titleWords are the words a title's type and holder hold.
var titleWords = []string{string(VATGeneral), string(VATSpecial), string(HolderCompany), string(HolderIndividual)}

// mediums are the words an application's medium holds.
var mediums = []string{string(Paper), string(Electronic)}

// readID and readMoney read a UUID and an amount from a plain string, with
// the methods json would call.
func readID(s *jsonscan.Scanner, dst *uuid.UUID) bool {
	t, ok := s.Token()
	return ok && parseID(t[1:len(t)-1], dst)
}

// parseID is dst.UnmarshalText(t) == nil, the canonical form
// (xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx, either case) read here, where
// uuid's parser is a good part of decoding the small invoice events
// (docs/performance.md). Any other form, and any form it declines, goes to
// UnmarshalText, which leaves dst as it was on an error, as here.
func parseID(t []byte, dst *uuid.UUID) bool {
	if len(t) == 36 && t[8] == '-' && t[13] == '-' && t[18] == '-' && t[23] == '-' {
		p := (*[36]byte)(t) // constant offsets below: no bounds checks
		bad := byte(0)
		pair := func(i int) byte {
			hi, lo := hexValue[p[i]], hexValue[p[i+1]]
			bad |= hi | lo
			return hi<<4 | lo
		}
		id := uuid.UUID{
			pair(0), pair(2), pair(4), pair(6),
			pair(9), pair(11),
			pair(14), pair(16),
			pair(19), pair(21),
			pair(24), pair(26), pair(28), pair(30), pair(32), pair(34),
		}
		if bad <= 0x0f {
			*dst = id
			return true
		}
	}
	return dst.UnmarshalText(t) == nil
}

// hexValue is a byte's value as a hex digit of either case, 0xff if it is
// none.
var hexValue = func() (t [256]byte) {
	for i := range t {
		switch c := byte(i); {
		case c >= '0' && c <= '9':
			t[i] = c - '0'
		case c >= 'a' && c <= 'f':
			t[i] = c - 'a' + 10
		case c >= 'A' && c <= 'F':
			t[i] = c - 'A' + 10
		default:
			t[i] = 0xff
		}
	}
	return t
}()

func readMoney(s *jsonscan.Scanner, dst *Money) bool {
	t, ok := s.Digits()
	if !ok {
		if t, ok = s.Token(); !ok {
			return false
		}
	}
	if m, ok := amountOf(t[1 : len(t)-1]); ok {
		*dst = m
		return true
	}
	return dst.UnmarshalJSON(t) == nil
}

// amountOf is the Money that UnmarshalJSON makes of a plain amount (the
// text between the quotes), read and checked in one pass where
// UnmarshalJSON checks it (isAmount), then reads it again (plainAmount):
// a statement line holds four amounts. false for anything isAmount
// declines, which UnmarshalJSON then reads as it does.
func amountOf(t []byte) (Money, bool) {
	var v int64
	i := 0
	for ; i < len(t) && t[i]-'0' <= 9; i++ {
		v = v*10 + int64(t[i]-'0')
	}
	if i == 0 || i > 16 || t[0] == '0' && i > 1 {
		return Money{}, false // no integer part, too many digits or a leading zero
	}
	if i == len(t) {
		return packed(v, 0), true
	}
	decimals := len(t) - i - 1
	if t[i] != '.' || decimals < 1 || decimals > 2 {
		return Money{}, false
	}
	for _, c := range t[i+1:] {
		if c-'0' > 9 {
			return Money{}, false
		}
		v = v*10 + int64(c-'0')
	}
	return packed(v, int32(-decimals)), true
}

// objectMemo keeps objects decoded lately by their exact bytes, for the
// members of an event that repeat from event to event: an account's
// applications mostly carry the same title and address, and reading them
// (fifteen members, a string or two allocated for each object) was most
// of decoding an InvoiceRequested. Where the document goes on with the
// very bytes of an object kept, it is that object: a JSON value ends where
// its bytes say, whatever follows, and decoding depends on nothing but the
// bytes, so the value kept is what decoding them again would give, and the
// scanner moves past them. Only an object that decoded is kept, so the same
// documents are accepted and declined. A small table indexed by a hash of
// the document's next bytes; a collision costs a decoding, never a wrong
// value. The strings kept are shared, as strings may be; decoders on
// several goroutines share the table.
type objectMemo[T any] struct {
	slots [memoSlots]atomic.Pointer[memoEntry[T]]
}

type memoEntry[T any] struct {
	raw []byte
	v   T
}

// memoSlots is the table's size (a power of two); memoHashed how many of
// the next bytes choose the slot.
const (
	memoSlots  = 256
	memoHashed = 96
)

var memoSeed = maphash.MakeSeed()

var (
	requestTitles    objectMemo[Title]
	requestAddresses objectMemo[Address]
)

// read reads the value at s into dst: the kept one if the document goes on
// with its bytes, else with decode (and keeps it when it decodes).
func (m *objectMemo[T]) read(s *jsonscan.Scanner, dst *T, decode func(*jsonscan.Scanner, *T) bool) bool {
	rest := s.Rest()
	slot := &m.slots[maphash.Bytes(memoSeed, rest[:min(len(rest), memoHashed)])&(memoSlots-1)]
	if e := slot.Load(); e != nil && bytes.HasPrefix(rest, e.raw) {
		*dst = e.v
		s.Advance(len(e.raw))
		return true
	}
	var v T
	if !decode(s, &v) {
		return false
	}
	*dst = v
	slot.Store(&memoEntry[T]{raw: bytes.Clone(rest[:len(rest)-len(s.Rest())]), v: v})
	return true
}

// readTitle and readAddress are titleFields and addressFields walked with a
// switch (see fastInvoiceRequested).
func readTitle(s *jsonscan.Scanner, t *Title) bool {
	return s.MembersIn(titleKeys, func(key []byte) (bit uint64, ok bool) {
		var v string
		switch string(key) {
		case "type", "holder":
			v, ok = s.Word(titleWords)
		default:
			v, ok = s.Str()
		}
		switch string(key) {
		case "type":
			bit, t.Type = 1<<0, TitleType(v)
		case "holder":
			bit, t.Holder = 1<<1, Holder(v)
		case "name":
			bit, t.Name = 1<<2, v
		case "taxpayer_id":
			bit, t.TaxpayerID = 1<<3, v
		case "registered_address":
			bit, t.RegisteredAddress = 1<<4, v
		case "registered_phone":
			bit, t.RegisteredPhone = 1<<5, v
		case "bank_name":
			bit, t.BankName = 1<<6, v
		case "bank_account":
			bit, t.BankAccount = 1<<7, v
		}
		return bit, ok
	})
}

// readAddress reads the seven members' texts first and makes their strings
// from one allocation (packStrings): an address is kept or dropped whole,
// and seven strings an InvoiceRequested were its decoding's largest share
// of allocations.
func readAddress(s *jsonscan.Scanner, a *Address) bool {
	var raw [7][]byte
	ok := s.MembersIn(addressKeys, func(key []byte) (bit uint64, ok bool) {
		var i int
		switch string(key) {
		case "recipient":
			i = 0
		case "phone":
			i = 1
		case "province":
			i = 2
		case "city":
			i = 3
		case "district":
			i = 4
		case "street":
			i = 5
		case "postal_code":
			i = 6
		default:
			return 0, false
		}
		raw[i], ok = s.Text()
		return 1 << i, ok
	})
	if ok {
		packStrings(raw[:], &a.Recipient, &a.Phone, &a.Province, &a.City, &a.District, &a.Street, &a.PostalCode)
	}
	return ok
}

// packStrings sets each of dst to the text in raw at its index, all of
// them slices of one new string.
func packStrings(raw [][]byte, dst ...*string) {
	n := 0
	for _, r := range raw {
		n += len(r)
	}
	if n == 0 {
		return // every text empty: dst stays "", as string(r) would give
	}
	var b strings.Builder
	b.Grow(n)
	for _, r := range raw {
		b.Write(r)
	}
	all, at := b.String(), 0
	for i, r := range raw {
		*dst[i] = all[at : at+len(r)]
		at += len(r)
	}
}

// fastInvoiceIssued and fastInvoiceShipped, on the common path of every
// invoice, are walked with a switch too (see fastInvoiceRequested); the
// members that hold one value for a whole provider (its name as issuer,
// the tax rate, the courier) share the last string decoded.
//
// Its number and date, kept together by the invoice, share one allocation
// (packStrings).
func fastInvoiceIssued(data []byte) (e InvoiceIssued, ok bool) {
	s := jsonscan.New(data)
	var raw [2][]byte // invoice_number, issued_on
	ok = s.MembersIn(issuedKeys, func(key []byte) (bit uint64, ok bool) {
		switch string(key) {
		case "invoice_id":
			bit, ok = 1<<0, readID(&s, &e.InvoiceID)
		case "invoice_code":
			bit = 1 << 1
			e.InvoiceCode, ok = lastCode.read(&s)
		case "invoice_number":
			bit = 1 << 2
			raw[0], ok = s.Text()
		case "issued_on":
			bit = 1 << 3
			raw[1], ok = s.Text()
		case "issuer":
			bit = 1 << 4
			e.Issuer, ok = lastIssuer.read(&s)
		case "tax_rate":
			bit = 1 << 5
			e.TaxRate, ok = lastTaxRate.read(&s)
		case "net_amount":
			bit, ok = 1<<6, readMoney(&s, &e.NetAmount)
		case "tax_amount":
			bit, ok = 1<<7, readMoney(&s, &e.TaxAmount)
		case "issued_at":
			bit, ok = 1<<8, s.Time(&e.IssuedAt)
		case "medium":
			bit = 1 << 9
			var m string
			m, ok = s.Word(mediums)
			e.Medium = Medium(m)
		case "delivered_to":
			bit, ok = 1<<10, s.Strings(&e.DeliveredTo)
		}
		return bit, ok
	})
	if !ok || !s.End() {
		return e, false
	}
	packStrings(raw[:], &e.InvoiceNumber, &e.IssuedOn)
	return e, true
}

func fastInvoiceShipped(data []byte) (e InvoiceShipped, ok bool) {
	s := jsonscan.New(data)
	ok = s.MembersIn(shippedKeys, func(key []byte) (bit uint64, ok bool) {
		switch string(key) {
		case "invoice_id":
			bit, ok = 1<<0, readID(&s, &e.InvoiceID)
		case "courier":
			bit = 1 << 1
			e.Courier, ok = lastCourier.read(&s)
		case "tracking_number":
			bit = 1 << 2
			e.TrackingNumber, ok = s.Str()
		case "shipped_at":
			bit, ok = 1<<3, s.Time(&e.ShippedAt)
		case "late":
			bit = 1 << 4
			e.Late, ok = s.Bool()
		}
		return bit, ok
	})
	return e, ok && s.End()
}

// recentTable keeps values made lately from texts, for members that mostly
// repeat a few values: a text equal to one kept gives the same value,
// without a new one of its own. It is a small table indexed by a hash of
// the text, one value a slot, the newest replacing the slot's. One value
// (the last) was enough while a rebuild decoded the log in log order;
// folding account by account, each worker walks its account's whole
// history, so a due date or an invoice code changed at nearly every event
// and each made a string anew (≈ 190 000 at a million events). The values
// kept are never changed, so decoders on several goroutines share a table
// safely.
type recentTable[V any] struct{ slots []atomic.Pointer[recent[V]] }

type recent[V any] struct {
	text string
	v    V
}

// newRecentTable is a table of n slots, a power of two: a few for a
// member that holds one value for a whole provider (issuer, tax rate,
// courier), more than the values of years for dates and codes.
func newRecentTable[V any](n int) *recentTable[V] {
	return &recentTable[V]{slots: make([]atomic.Pointer[recent[V]], n)}
}

// get returns the value kept for text, if its slot holds it.
func (t *recentTable[V]) get(text []byte) (v V, ok bool) {
	if e := t.slots[textHash(text)&uint64(len(t.slots)-1)].Load(); e != nil && e.text == string(text) {
		return e.v, true
	}
	return v, false
}

// put keeps v for text, in place of its slot's value.
func (t *recentTable[V]) put(text string, v V) {
	t.slots[textHash(stringBytes(text))&uint64(len(t.slots)-1)].Store(&recent[V]{text, v})
}

// lastString is a recentTable of strings: the value is its text.
type lastString struct{ recentTable[string] }

func newLastString(n int) *lastString { return &lastString{*newRecentTable[string](n)} }

var (
	lastIssuer, lastTaxRate, lastCourier = newLastString(16), newLastString(16), newLastString(16)
	lastCode                             = newLastString(1024)
	lastSLADue                           = newLastString(4096) // a due date is shared by every application of a day
)

func (l *lastString) read(s *jsonscan.Scanner) (string, bool) {
	t, ok := s.Token()
	if !ok {
		return "", false
	}
	return l.of(t[1 : len(t)-1]), true
}

// of returns t as a string, the one it gave last for the same text. (get
// written out: as a method of the generic table it was 3 % slower for a
// decoder on the ledger's path.)
func (l *lastString) of(t []byte) string {
	if e := l.slots[textHash(t)&uint64(len(l.slots)-1)].Load(); e != nil && e.v == string(t) {
		return e.v
	}
	v := string(t)
	l.put(v, v)
	return v
}

// oneMonth returns the list of the one month m (an application's most
// common list of statements), the same list for every invoice of that
// month while the table's slot holds it: a cached account keeps one list
// an invoice, and these were an eighth of what the collector marked in
// the ledger's cache. No one writes an invoice's list in place.
func oneMonth(m string) []string {
	if l, ok := lastMonth.get(stringBytes(m)); ok {
		return l
	}
	l := []string{m}
	lastMonth.put(m, l)
	return l
}

var lastMonth = newRecentTable[[]string](1024)

// textHash mixes t's length, first eight and last eight bytes (the dates
// and codes it sees differ in their last bytes). Only a slot depends on
// it: a collision costs a string, never a wrong one.
func textHash(t []byte) uint64 {
	var head, tail uint64
	if len(t) >= 8 {
		head, tail = binary.LittleEndian.Uint64(t), binary.LittleEndian.Uint64(t[len(t)-8:])
	} else {
		for i, c := range t {
			head |= uint64(c) << (8 * i)
		}
	}
	h := head*0x9E3779B97F4A7C15 ^ tail*0xC2B2AE3D27D4EB4F ^ uint64(len(t))
	h ^= h >> 32 // the texts differ in their last bytes, the words' high bits
	h *= 0x165667B19E3779F9
	return h ^ h>>29
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

// fastInvoiceRedFlushed: one month in twenty of a generated log ends in a
// red-flush, and through encoding/json its event cost a replay as much
// decoding as every InvoiceIssued. Walked with a switch, as
// fastInvoiceRequested.
func fastInvoiceRedFlushed(data []byte) (e InvoiceRedFlushed, ok bool) {
	s := jsonscan.New(data)
	ok = s.MembersIn(redFlushedKeys, func(key []byte) (bit uint64, ok bool) {
		switch string(key) {
		case "invoice_id":
			bit, ok = 1<<0, readID(&s, &e.InvoiceID)
		case "red_invoice_code":
			bit = 1 << 1
			e.RedInvoiceCode, ok = s.Str()
		case "red_invoice_number":
			bit = 1 << 2
			e.RedInvoiceNumber, ok = s.Str()
		case "red_amount":
			bit, ok = 1<<3, readMoney(&s, &e.RedAmount)
		case "red_flushed_at":
			bit, ok = 1<<4, s.Time(&e.RedFlushedAt)
		case "red_issued_on":
			bit = 1 << 5
			e.RedIssuedOn, ok = s.Str()
		case "confirmation_id":
			bit = 1 << 6
			e.ConfirmationID = new(uuid.UUID)
			ok = readID(&s, e.ConfirmationID)
		case "red_letter_form_number":
			bit = 1 << 7
			e.RedLetterFormNumber, ok = s.Str()
		}
		return bit, ok
	})
	return e, ok && s.End()
}
