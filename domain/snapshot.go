package domain

import (
	"encoding/binary"
	"errors"
	"fmt"
	"iter"
	"math"
	"math/big"
	"time"

	"github.com/google/uuid"
	"github.com/shopspring/decimal"
)

// A snapshot is an Account's folded state in a compact binary form, for
// read models kept on disk (the projections' views file): decoding it gives
// back the same state the fold had, field for field, so that folding more
// events into it is the same as folding them into the original. JSON would
// not do: it loses nil against empty, a Money's exponent and a time's zone.
//
// Every field of every type reachable from Account is written, in
// declaration order; TestSnapshotRoundTripsEveryField fills each one by
// reflection and fails when a new field is not carried.

// SnapshotVersion names the encoding; a reader refuses any other. 2: the
// idempotency table is carried by digest (IdemDigest), an invoice's title
// and address as optional values. 3: an invoice's title and address
// carried before in the snapshot are a reference to it (snapRef).
const SnapshotVersion = 3

// ErrSnapshot is returned for bytes that are not a snapshot of this version.
var ErrSnapshot = errors.New("domain: malformed account snapshot")

// AppendSnapshot appends the snapshot of a to dst.
func AppendSnapshot(dst []byte, a *Account) []byte {
	c := snapCodec{b: dst, oneByte: 0x80}
	v := uint64(SnapshotVersion)
	c.uint(&v)
	c.account(a)
	return c.b
}

// DecodeSnapshot reads a snapshot made by AppendSnapshot.
func DecodeSnapshot(b []byte) (*Account, error) {
	c := snapCodec{b: b, decoding: true}
	var v uint64
	if c.uint(&v); c.err == nil && v != SnapshotVersion {
		return nil, fmt.Errorf("%w: version %d, want %d", ErrSnapshot, v, SnapshotVersion)
	}
	a := &Account{}
	c.account(a)
	if c.err == nil && len(c.b) != 0 {
		c.err = fmt.Errorf("%w: %d bytes left over", ErrSnapshot, len(c.b))
	}
	if c.err != nil {
		return nil, c.err
	}
	a.adopt()
	return a, nil
}

// snapCodec carries an Account either way, so that the encoding is
// described once: encoding, each method appends the field *p to b;
// decoding, it reads the field from b into *p, which starts as the zero
// value (nil collections and pointers stay nil when the bytes say so). A
// decoding error sticks, and every later read gives a zero value.
//
// Each kind of field is one method holding both of its directions. The
// encoding side is the hot one (the views write accounts on every commit):
// the kinds most fields are stay inlined there, as they were in a writer
// of its own; only a collection or an optional value costs one more call.
type snapCodec struct {
	b        []byte
	decoding bool
	err      error
	// oneByte is 0x80 when encoding and 0 when decoding: a string shorter
	// than it is appended in place, its length in one byte; any other, and
	// every read, takes one call. (One comparison rather than two keeps
	// string within the inliner's budget.)
	oneByte int
	// lastTitle and lastAddress are the invoice title and address decoded
	// last, which the next equal one shares (invoiceTitle), as the fold
	// shares them (sharedTitle).
	lastTitle   *Title
	lastAddress *Address
	// titles and addresses are the invoice titles and addresses carried
	// in full so far, numbered in that order (snapRef).
	titles    []*Title
	addresses []*Address
}

func (c *snapCodec) fail(what string) {
	if c.err == nil {
		c.err = fmt.Errorf("%w: bad %s", ErrSnapshot, what)
	}
	c.b = nil
}

// The methods of the kinds most fields are (uint, bool, string, uuid) are
// written to be inlined when encoding: the common case is appended in
// place, the rest is one call.

func (c *snapCodec) uint(p *uint64) {
	if c.decoding || *p >= 0x80 {
		c.uintSlow(p)
		return
	}
	c.b = append(c.b, byte(*p))
}

func (c *snapCodec) uintSlow(p *uint64) {
	if c.decoding {
		*p = c.readUvarint()
		return
	}
	c.b = binary.AppendUvarint(c.b, *p)
}

func (c *snapCodec) readUvarint() uint64 {
	v, n := binary.Uvarint(c.b)
	if n <= 0 {
		c.fail("number")
		return 0
	}
	c.b = c.b[n:]
	return v
}

func (c *snapCodec) readVarint() int64 {
	v, n := binary.Varint(c.b)
	if n <= 0 {
		c.fail("number")
		return 0
	}
	c.b = c.b[n:]
	return v
}

func (c *snapCodec) readByte() byte {
	if len(c.b) == 0 {
		c.fail("byte")
		return 0
	}
	v := c.b[0]
	c.b = c.b[1:]
	return v
}

// readBytes returns the next n bytes, which alias the input.
func (c *snapCodec) readBytes(n uint64) []byte {
	if n > uint64(len(c.b)) {
		c.fail("length")
		return nil
	}
	v := c.b[:n]
	c.b = c.b[n:]
	return v
}

func (c *snapCodec) bool(p *bool) {
	if c.decoding {
		c.readBool(p)
		return
	}
	c.b = append(c.b, boolByte(*p))
}

func boolByte(v bool) byte {
	if v {
		return 1
	}
	return 0
}

func (c *snapCodec) readBool(p *bool) {
	switch c.readByte() {
	case 0:
		*p = false
	case 1:
		*p = true
	default:
		c.fail("bool")
	}
}

func (c *snapCodec) string(p *string) {
	if len(*p) < c.oneByte {
		c.b = append(append(c.b, byte(len(*p))), *p...)
	} else {
		c.stringSlow(p)
	}
}

func (c *snapCodec) stringSlow(p *string) {
	if c.decoding {
		*p = string(c.readBytes(c.readUvarint()))
		return
	}
	c.b = binary.AppendUvarint(c.b, uint64(len(*p)))
	c.b = append(c.b, *p...)
}

func (c *snapCodec) uuid(p *uuid.UUID) {
	if c.decoding {
		copy(p[:], c.readBytes(16))
		return
	}
	c.b = append(c.b, p[:]...)
}

// digest carries an idempotency digest, its bytes as they are.
func (c *snapCodec) digest(p *IdemDigest) {
	if c.decoding {
		copy(p[:], c.readBytes(uint64(len(p))))
		return
	}
	c.b = append(c.b, p[:]...)
}

// length carries a collection's length, 0 for nil and n+1 otherwise: nil
// and empty differ to the fold (a nil map cannot be written to). Decoding
// ignores n and isNil and reports what it read, ok=false for nil; a length
// longer than the bytes left is refused before anything is allocated for it.
func (c *snapCodec) length(n int, isNil bool) (int, bool) {
	if !c.decoding {
		if isNil {
			c.b = append(c.b, 0)
		} else {
			c.b = binary.AppendUvarint(c.b, uint64(n)+1)
		}
		return n, !isNil
	}
	v := c.readUvarint()
	if v == 0 || c.err != nil {
		return 0, false
	}
	if v-1 > uint64(len(c.b)) {
		c.fail("length")
		return 0, false
	}
	return int(v - 1), true
}

// snapOptional carries whether *p is set and, decoding, allocates it; it
// reports whether the value follows.
func snapOptional[T any](c *snapCodec, p **T) bool {
	set := *p != nil
	c.bool(&set)
	if set && *p == nil {
		*p = new(T)
	}
	return set
}

// snapSlice carries a slice's length (nil apart) and, decoding, makes the
// slice; the caller then carries each element.
func snapSlice[T any](c *snapCodec, p *[]T) []T {
	if n, ok := c.length(len(*p), *p == nil); ok && c.decoding {
		*p = make([]T, n)
	}
	return *p
}

// snapMap carries a map's length (nil apart), then yields each entry for
// the caller to carry its key and value: encoding, the map's entries in
// its order; decoding, zero entries, stored in the map once carried.
func snapMap[K comparable, V any](c *snapCodec, p *map[K]V) iter.Seq2[*K, *V] {
	return func(yield func(*K, *V) bool) {
		n, ok := c.length(len(*p), *p == nil)
		if !ok {
			return
		}
		if !c.decoding {
			for k, v := range *p {
				if !yield(&k, &v) {
					return
				}
			}
			return
		}
		m := make(map[K]V, n)
		*p = m
		for range n {
			var k K
			var v V
			if !yield(&k, &v) {
				return
			}
			m[k] = v
		}
	}
}

func (c *snapCodec) strings(p *[]string) {
	for i := range snapSlice(c, p) {
		c.string(&(*p)[i])
	}
}

func (c *snapCodec) uuids(p *[]uuid.UUID) {
	for i := range snapSlice(c, p) {
		c.uuid(&(*p)[i])
	}
}

func (c *snapCodec) uuidPtr(p **uuid.UUID) {
	if snapOptional(c, p) {
		c.uuid(*p)
	}
}

// money carries a Money exactly: the zero value apart (it holds no
// number), then the decimal's exponent and coefficient, an int64 when it
// has at most 18 digits (read without a big.Int copy).
func (c *snapCodec) money(p *Money) {
	if c.decoding {
		*p = c.readMoney()
		return
	}
	if co, e, ok := p.small(); ok {
		if co == 0 && e == 0 {
			c.b = append(c.b, 0) // Zero: no number
			return
		}
		c.b = append(c.b, 1)
		c.b = binary.AppendVarint(c.b, int64(e))
		c.b = binary.AppendVarint(c.b, co)
		return
	}
	d := p.Decimal()
	if d.NumDigits() <= 18 {
		c.b = append(c.b, 1)
		c.b = binary.AppendVarint(c.b, int64(d.Exponent()))
		c.b = binary.AppendVarint(c.b, d.CoefficientInt64())
		return
	}
	co := d.Coefficient()
	c.b = append(c.b, 2)
	c.b = binary.AppendVarint(c.b, int64(d.Exponent()))
	neg := co.Sign() < 0
	c.bool(&neg)
	abs := co.Abs(co).Bytes()
	c.b = binary.AppendUvarint(c.b, uint64(len(abs)))
	c.b = append(c.b, abs...)
}

func (c *snapCodec) readMoney() Money {
	switch c.readByte() {
	case 0:
		return Money{}
	case 1:
		exp := c.readVarint()
		co := c.readVarint()
		if exp < math.MinInt32 || exp > math.MaxInt32 {
			c.fail("amount")
			return Money{}
		}
		return newMoney(co, int32(exp))
	case 2:
		exp := c.readVarint()
		var neg bool
		c.bool(&neg)
		co := new(big.Int).SetBytes(c.readBytes(c.readUvarint()))
		if neg {
			co.Neg(co)
		}
		if exp < math.MinInt32 || exp > math.MaxInt32 {
			c.fail("amount")
			return Money{}
		}
		return fromDecimal(decimal.NewFromBigInt(co, int32(exp)))
	}
	c.fail("amount")
	return Money{}
}

func (c *snapCodec) moneyPtr(p **Money) {
	if snapOptional(c, p) {
		c.money(*p)
	}
}

// time carries an instant and its zone: UTC, Local, or a fixed zone by
// name and offset (a time decoded from an event has one of these).
func (c *snapCodec) time(p *time.Time) {
	if c.decoding {
		*p = c.readTime()
		return
	}
	t := *p
	c.b = binary.AppendVarint(c.b, t.Unix())
	c.b = binary.AppendUvarint(c.b, uint64(t.Nanosecond()))
	switch loc := t.Location(); loc {
	case time.UTC:
		c.b = append(c.b, 0)
	case time.Local:
		c.b = append(c.b, 1)
	default:
		name, off := t.Zone()
		c.b = append(c.b, 2)
		c.string(&name)
		c.b = binary.AppendVarint(c.b, int64(off))
	}
}

func (c *snapCodec) readTime() time.Time {
	sec := c.readVarint()
	nsec := c.readUvarint()
	if nsec >= 1e9 {
		c.fail("time")
		return time.Time{}
	}
	t := time.Unix(sec, int64(nsec))
	switch c.readByte() {
	case 0:
		return t.UTC()
	case 1:
		return t.In(time.Local)
	case 2:
		var name string
		c.string(&name)
		off := c.readVarint()
		if off < math.MinInt32 || off > math.MaxInt32 {
			c.fail("zone")
			return time.Time{}
		}
		return t.In(fixedZone(name, int(off)))
	}
	c.fail("zone")
	return time.Time{}
}

// fixedZone shares one Location per zone: every time of a snapshot carries
// one, and most are the same few.
func fixedZone(name string, off int) *time.Location {
	if name == "CST" && off == 8*3600 {
		return cst
	}
	return time.FixedZone(name, off)
}

var cst = time.FixedZone("CST", 8*3600)

func (c *snapCodec) timePtr(p **time.Time) {
	if snapOptional(c, p) {
		c.time(*p)
	}
}

// The walk: every field of every type reachable from Account, in
// declaration order.

func (c *snapCodec) account(a *Account) {
	c.string(&a.ID)
	for k, s := range snapMap(c, &a.Statements) {
		c.string(k)
		c.statement(s)
	}
	if snapOptional(c, &a.Title) {
		c.currentTitle(a.Title)
	}
	for i := range snapSlice(c, &a.Addresses) {
		if sa := &a.Addresses[i]; snapOptional(c, sa) {
			c.uuid(&(*sa).ID)
			c.address(&(*sa).Address)
			c.bool(&(*sa).Default)
		}
	}
	for k, inv := range snapMap(c, &a.Invoices) {
		c.uuid(k)
		c.invoice(inv)
	}
	c.uuids(&a.InvoiceOrder)
	for k, cf := range snapMap(c, &a.Confirmations) {
		c.uuid(k)
		c.confirmation(cf)
	}
	c.uuids(&a.ConfirmationOrder)
	for k, x := range snapMap(c, &a.Adjustments) {
		c.string(k)
		c.adjustment(x)
	}
	c.strings(&a.AdjustmentOrder)
	for k, r := range snapMap(c, &a.Idempotency) {
		c.digest(k)
		c.digest(&r.Request)
		c.uint(&r.FirstRevision)
		c.uint(&r.LastRevision)
	}
	c.uint(&a.Version)
}

func (c *snapCodec) adjustment(x *Adjustment) {
	c.string(&x.ID)
	c.string(&x.Month)
	c.string((*string)(&x.Bucket))
	c.money(&x.Amount)
	c.string(&x.Reason)
	c.string(&x.Reference)
	c.time(&x.At)
}

func (c *snapCodec) split(s *Split) {
	c.money(&s.Kingsoft)
	c.money(&s.Marketplace)
}

func (c *snapCodec) statement(p **Statement) {
	if !snapOptional(c, p) {
		return
	}
	s := *p
	c.string(&s.Month)
	for i := range snapSlice(c, &s.Lines) {
		c.statementLine(&s.Lines[i])
	}
	b := &s.Buckets
	c.money(&b.Kingsoft)
	c.money(&b.Marketplace)
	c.money(&b.Merchant)
	c.money(&b.Offline)
	c.money(&b.Deductions)
	c.string((*string)(&s.Status))
	c.uuid(&s.InvoiceID)
	c.time(&s.PostedAt)
	c.split(&s.Free)
	for i := range snapSlice(c, &s.Holds) {
		h := &s.Holds[i]
		c.uuid(&h.InvoiceID)
		c.split(&h.Held)
		c.split(&h.Applied)
	}
	for i := range snapSlice(c, &s.Offsets) {
		o := &s.Offsets[i]
		c.uuid(&o.InvoiceID)
		c.split(&o.Split)
	}
	c.split(&s.Adjusted)
}

func (c *snapCodec) statementLine(l *StatementLine) {
	c.string(&l.LineID)
	c.string(&l.Product)
	c.string((*string)(&l.BillingMode))
	c.string(&l.PurchasedAt)
	c.string((*string)(&l.Channel))
	c.string(&l.Merchant)
	c.money(&l.Amount)
	c.money(&l.Voucher)
	c.money(&l.Coupon)
	c.money(&l.GiftBalance)
}

// An invoice's optional title and address are carried as one byte and
// what it needs: absent (snapAbsent); in full (snapFull), which also
// numbers it in the snapshot's table of them, up to snapTable of them; or
// the table's k-th, as the byte snapRef+k. An account's invoices mostly
// carry a title and an address of an invoice before: written in full each
// time, they were a fifth of a snapshot's bytes (≈ 111 bytes an invoice at
// a million events). A table rather than "the same as the last one" keeps
// a snapshot's length whatever order its invoices are written in (the
// invoices are a map), for an account of up to snapTable titles.
const (
	snapAbsent byte = iota
	snapFull
	snapRef
	snapTable = 256 - int(snapRef)
)

// invoiceTitle carries an invoice's optional title; decoding, a title
// equal to the one decoded last is shared, not kept twice, and one
// carried by reference is the table's.
func (c *snapCodec) invoiceTitle(p **Title) {
	if !c.decoding {
		t := *p
		if t == nil {
			c.b = append(c.b, snapAbsent)
			return
		}
		for k, x := range c.titles {
			if x == t || *x == *t {
				c.b = append(c.b, snapRef+byte(k))
				return
			}
		}
		c.b = append(c.b, snapFull)
		c.title(t)
		if len(c.titles) < snapTable {
			c.titles = append(c.titles, t)
		}
		return
	}
	switch k := c.readByte(); {
	case k == snapAbsent:
	case k == snapFull:
		var t Title // on the stack: a copy is made only of a new one
		c.title(&t)
		if c.lastTitle == nil || *c.lastTitle != t {
			c.lastTitle = new(Title)
			*c.lastTitle = t
		}
		*p = c.lastTitle
		if len(c.titles) < snapTable {
			c.titles = append(c.titles, c.lastTitle)
		}
	case int(k-snapRef) < len(c.titles):
		*p = c.titles[k-snapRef]
	default:
		c.fail("invoice title")
	}
}

// invoiceAddress is invoiceTitle for an invoice's address.
func (c *snapCodec) invoiceAddress(p **Address) {
	if !c.decoding {
		a := *p
		if a == nil {
			c.b = append(c.b, snapAbsent)
			return
		}
		for k, x := range c.addresses {
			if x == a || *x == *a {
				c.b = append(c.b, snapRef+byte(k))
				return
			}
		}
		c.b = append(c.b, snapFull)
		c.address(a)
		if len(c.addresses) < snapTable {
			c.addresses = append(c.addresses, a)
		}
		return
	}
	switch k := c.readByte(); {
	case k == snapAbsent:
	case k == snapFull:
		var a Address
		c.address(&a)
		if c.lastAddress == nil || *c.lastAddress != a {
			c.lastAddress = new(Address)
			*c.lastAddress = a
		}
		*p = c.lastAddress
		if len(c.addresses) < snapTable {
			c.addresses = append(c.addresses, c.lastAddress)
		}
	case int(k-snapRef) < len(c.addresses):
		*p = c.addresses[k-snapRef]
	default:
		c.fail("invoice address")
	}
}

func (c *snapCodec) title(t *Title) {
	c.string((*string)(&t.Type))
	c.string((*string)(&t.Holder))
	c.string(&t.Name)
	c.string(&t.TaxpayerID)
	c.string(&t.RegisteredAddress)
	c.string(&t.RegisteredPhone)
	c.string(&t.BankName)
	c.string(&t.BankAccount)
}

func (c *snapCodec) currentTitle(t *CurrentTitle) {
	c.uuid(&t.ID)
	c.title(&t.Title)
	c.string((*string)(&t.Status))
	c.string(&t.Reason)
	c.time(&t.SubmittedAt)
}

func (c *snapCodec) address(a *Address) {
	c.string(&a.Recipient)
	c.string(&a.Phone)
	c.string(&a.Province)
	c.string(&a.City)
	c.string(&a.District)
	c.string(&a.Street)
	c.string(&a.PostalCode)
}

func (c *snapCodec) invoice(p **Invoice) {
	if !snapOptional(c, p) {
		return
	}
	inv := *p
	c.uuid(&inv.ID)
	c.string(&inv.AccountID)
	c.string((*string)(&inv.Status))
	c.money(&inv.Amount)
	c.money(&inv.Kingsoft)
	c.money(&inv.Marketplace)
	c.strings(&inv.Statements)
	c.invoiceTitle(&inv.Title)
	c.invoiceAddress(&inv.Address)
	c.string((*string)(&inv.Medium))
	c.strings(&inv.Emails)
	c.time(&inv.RequestedAt)
	c.string(&inv.SLADue)
	c.uuidPtr(&inv.ExchangeOf)
	c.string(&inv.InvoiceCode)
	c.string(&inv.InvoiceNumber)
	c.string(&inv.IssuedOn)
	c.string(&inv.Issuer)
	c.string(&inv.TaxRate)
	c.moneyPtr(&inv.NetAmount)
	c.moneyPtr(&inv.TaxAmount)
	if snapOptional(c, &inv.Shipment) {
		s := inv.Shipment
		c.string(&s.Courier)
		c.string(&s.TrackingNumber)
		c.time(&s.ShippedAt)
		c.bool(&s.Late)
	}
	c.strings(&inv.DeliveredTo)
	if snapOptional(c, &inv.Return) {
		c.invoiceReturn(inv.Return)
	}
	if snapOptional(c, &inv.ExchangeFailure) {
		f := inv.ExchangeFailure
		c.string(&f.Reason)
		c.string(&f.Code)
		c.time(&f.At)
	}
	c.string(&inv.RejectReason)
	c.string((*string)(&inv.CancelledBy))
	c.time(&inv.UpdatedAt)
	c.money(&inv.Raised)
	c.money(&inv.OffsetAmount)
	c.money(&inv.RedFlushedAmount)
	for i := range snapSlice(c, &inv.PartialRedFlushes) {
		c.partialRedFlush(&inv.PartialRedFlushes[i])
	}
	c.uint(&inv.DeficitSince)
}

func (c *snapCodec) invoiceReturn(r *Return) {
	c.string(&r.Reason)
	c.bool(&r.Certified)
	c.string(&r.RedLetterFormNumber)
	c.bool(&r.Exchange)
	c.uuidPtr(&r.AddressID)
	c.time(&r.RequestedAt)
	if snapOptional(c, &r.PaperComplete) {
		c.bool(r.PaperComplete)
	}
	c.string(&r.PaperNote)
	c.string(&r.RejectedReason)
	c.string(&r.RedInvoiceCode)
	c.string(&r.RedInvoiceNumber)
	c.uuidPtr(&r.RedConfirmationID)
	c.uuidPtr(&r.ExchangeInvoiceID)
}

func (c *snapCodec) partialRedFlush(p *PartialRedFlush) {
	c.string(&p.RedInvoiceCode)
	c.string(&p.RedInvoiceNumber)
	c.string(&p.RedLetterFormNumber)
	c.money(&p.Amount)
	c.money(&p.NetAmount)
	c.money(&p.TaxAmount)
	c.string(&p.IssuedOn)
	c.uuidPtr(&p.ConfirmationID)
	c.time(&p.At)
}

func (c *snapCodec) confirmation(p **Confirmation) {
	if !snapOptional(c, p) {
		return
	}
	cf := *p
	c.uuid(&cf.ID)
	c.uuid(&cf.InvoiceID)
	c.money(&cf.Amount)
	c.string((*string)(&cf.Reason))
	c.bool(&cf.Deducted)
	c.bool(&cf.Booked)
	c.string((*string)(&cf.Status))
	c.string((*string)(&cf.EnteredBy))
	c.time(&cf.EnteredAt)
	c.timePtr(&cf.ExpiresAt)
	c.string(&cf.RefuseReason)
	c.bool(&cf.Used)
	c.time(&cf.UpdatedAt)
}
