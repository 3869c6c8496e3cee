package domain

import (
	"encoding/binary"
	"errors"
	"fmt"
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

// SnapshotVersion names the encoding; a reader refuses any other.
const SnapshotVersion = 1

// ErrSnapshot is returned for bytes that are not a snapshot of this version.
var ErrSnapshot = errors.New("domain: malformed account snapshot")

// AppendSnapshot appends the snapshot of a to dst.
func AppendSnapshot(dst []byte, a *Account) []byte {
	w := snapWriter{b: dst}
	w.uint(SnapshotVersion)
	w.string(a.ID)
	w.len(len(a.Statements), a.Statements == nil)
	for k, s := range a.Statements {
		w.string(k)
		w.statement(s)
	}
	w.bool(a.Title != nil)
	if a.Title != nil {
		w.currentTitle(a.Title)
	}
	w.len(len(a.Addresses), a.Addresses == nil)
	for _, sa := range a.Addresses {
		w.bool(sa != nil)
		if sa != nil {
			w.uuid(sa.ID)
			w.address(&sa.Address)
			w.bool(sa.Default)
		}
	}
	w.len(len(a.Invoices), a.Invoices == nil)
	for k, inv := range a.Invoices {
		w.uuid(k)
		w.invoice(inv)
	}
	w.uuids(a.InvoiceOrder)
	w.len(len(a.Confirmations), a.Confirmations == nil)
	for k, cf := range a.Confirmations {
		w.uuid(k)
		w.confirmation(cf)
	}
	w.uuids(a.ConfirmationOrder)
	w.len(len(a.Adjustments), a.Adjustments == nil)
	for k, x := range a.Adjustments {
		w.string(k)
		w.string(x.ID)
		w.string(x.Month)
		w.string(string(x.Bucket))
		w.money(x.Amount)
		w.string(x.Reason)
		w.string(x.Reference)
		w.time(x.At)
	}
	w.strings(a.AdjustmentOrder)
	w.len(len(a.Idempotency), a.Idempotency == nil)
	for k, r := range a.Idempotency {
		w.string(k)
		w.string(r.RequestHash)
		w.uint(r.FirstRevision)
		w.uint(r.LastRevision)
	}
	w.uint(a.Version)
	return w.b
}

// DecodeSnapshot reads a snapshot made by AppendSnapshot.
func DecodeSnapshot(b []byte) (*Account, error) {
	r := snapReader{b: b}
	if v := r.uint(); r.err == nil && v != SnapshotVersion {
		return nil, fmt.Errorf("%w: version %d, want %d", ErrSnapshot, v, SnapshotVersion)
	}
	a := &Account{ID: r.string()}
	if n, ok := r.len(); ok {
		a.Statements = make(map[string]*Statement, n)
		for range n {
			k := r.string()
			a.Statements[k] = r.statement()
		}
	}
	if r.bool() {
		a.Title = r.currentTitle()
	}
	if n, ok := r.len(); ok {
		a.Addresses = make([]*SavedAddress, n)
		for i := range n {
			if r.bool() {
				sa := &SavedAddress{ID: r.uuid()}
				r.address(&sa.Address)
				sa.Default = r.bool()
				a.Addresses[i] = sa
			}
		}
	}
	if n, ok := r.len(); ok {
		a.Invoices = make(map[uuid.UUID]*Invoice, n)
		for range n {
			k := r.uuid()
			a.Invoices[k] = r.invoice()
		}
	}
	a.InvoiceOrder = r.uuids()
	if n, ok := r.len(); ok {
		a.Confirmations = make(map[uuid.UUID]*Confirmation, n)
		for range n {
			k := r.uuid()
			a.Confirmations[k] = r.confirmation()
		}
	}
	a.ConfirmationOrder = r.uuids()
	if n, ok := r.len(); ok {
		a.Adjustments = make(map[string]Adjustment, n)
		for range n {
			k := r.string()
			a.Adjustments[k] = Adjustment{ID: r.string(), Month: r.string(), Bucket: Bucket(r.string()),
				Amount: r.money(), Reason: r.string(), Reference: r.string(), At: r.time()}
		}
	}
	a.AdjustmentOrder = r.strings()
	if n, ok := r.len(); ok {
		a.Idempotency = make(map[string]IdempotentResult, n)
		for range n {
			k := r.string()
			a.Idempotency[k] = IdempotentResult{RequestHash: r.string(), FirstRevision: r.uint(), LastRevision: r.uint()}
		}
	}
	a.Version = r.uint()
	if r.err == nil && len(r.b) != 0 {
		r.err = fmt.Errorf("%w: %d bytes left over", ErrSnapshot, len(r.b))
	}
	if r.err != nil {
		return nil, r.err
	}
	return a, nil
}

// snapWriter appends the encoding; it cannot fail.
type snapWriter struct{ b []byte }

func (w *snapWriter) uint(v uint64) { w.b = binary.AppendUvarint(w.b, v) }
func (w *snapWriter) int(v int64)   { w.b = binary.AppendVarint(w.b, v) }
func (w *snapWriter) bool(v bool) {
	if v {
		w.b = append(w.b, 1)
	} else {
		w.b = append(w.b, 0)
	}
}
func (w *snapWriter) string(s string)   { w.uint(uint64(len(s))); w.b = append(w.b, s...) }
func (w *snapWriter) uuid(id uuid.UUID) { w.b = append(w.b, id[:]...) }

// len writes a collection's length, 0 for nil and n+1 otherwise: nil and
// empty differ to the fold (a nil map cannot be written to).
func (w *snapWriter) len(n int, isNil bool) {
	if isNil {
		w.uint(0)
	} else {
		w.uint(uint64(n) + 1)
	}
}

func (w *snapWriter) uuids(ids []uuid.UUID) {
	w.len(len(ids), ids == nil)
	for _, id := range ids {
		w.uuid(id)
	}
}

func (w *snapWriter) strings(ss []string) {
	w.len(len(ss), ss == nil)
	for _, s := range ss {
		w.string(s)
	}
}

func (w *snapWriter) uuidPtr(id *uuid.UUID) {
	w.bool(id != nil)
	if id != nil {
		w.uuid(*id)
	}
}

// money writes a Money exactly: the zero value apart (it holds no number),
// then the decimal's exponent and coefficient.
func (w *snapWriter) money(m Money) {
	d := m.Decimal()
	if d == (decimal.Decimal{}) {
		w.b = append(w.b, 0)
		return
	}
	if d.NumDigits() <= 18 { // the coefficient fits an int64, read without a big.Int copy
		w.b = append(w.b, 1)
		w.int(int64(d.Exponent()))
		w.int(d.CoefficientInt64())
		return
	}
	c := d.Coefficient()
	w.b = append(w.b, 2)
	w.int(int64(d.Exponent()))
	w.bool(c.Sign() < 0)
	abs := c.Abs(c).Bytes()
	w.uint(uint64(len(abs)))
	w.b = append(w.b, abs...)
}

func (w *snapWriter) moneyPtr(m *Money) {
	w.bool(m != nil)
	if m != nil {
		w.money(*m)
	}
}

// time writes an instant and its zone: UTC, Local, or a fixed zone by name
// and offset (a time decoded from an event has one of these).
func (w *snapWriter) time(t time.Time) {
	w.int(t.Unix())
	w.uint(uint64(t.Nanosecond()))
	switch loc := t.Location(); loc {
	case time.UTC:
		w.b = append(w.b, 0)
	case time.Local:
		w.b = append(w.b, 1)
	default:
		name, off := t.Zone()
		w.b = append(w.b, 2)
		w.string(name)
		w.int(int64(off))
	}
}

func (w *snapWriter) timePtr(t *time.Time) {
	w.bool(t != nil)
	if t != nil {
		w.time(*t)
	}
}

func (w *snapWriter) split(s Split) { w.money(s.Kingsoft); w.money(s.Marketplace) }

func (w *snapWriter) statement(s *Statement) {
	w.bool(s != nil)
	if s == nil {
		return
	}
	w.string(s.Month)
	w.len(len(s.Lines), s.Lines == nil)
	for i := range s.Lines {
		l := &s.Lines[i]
		w.string(l.LineID)
		w.string(l.Product)
		w.string(string(l.BillingMode))
		w.string(l.PurchasedAt)
		w.string(string(l.Channel))
		w.string(l.Merchant)
		w.money(l.Amount)
		w.money(l.Voucher)
		w.money(l.Coupon)
		w.money(l.GiftBalance)
	}
	b := &s.Buckets
	w.money(b.Kingsoft)
	w.money(b.Marketplace)
	w.money(b.Merchant)
	w.money(b.Offline)
	w.money(b.Deductions)
	w.string(string(s.Status))
	w.uuid(s.InvoiceID)
	w.time(s.PostedAt)
	w.split(s.Free)
	w.len(len(s.Holds), s.Holds == nil)
	for _, h := range s.Holds {
		w.uuid(h.InvoiceID)
		w.split(h.Held)
		w.split(h.Applied)
	}
	w.len(len(s.Offsets), s.Offsets == nil)
	for _, o := range s.Offsets {
		w.uuid(o.InvoiceID)
		w.split(o.Split)
	}
	w.split(s.Adjusted)
}

func (w *snapWriter) title(t *Title) {
	w.string(string(t.Type))
	w.string(string(t.Holder))
	w.string(t.Name)
	w.string(t.TaxpayerID)
	w.string(t.RegisteredAddress)
	w.string(t.RegisteredPhone)
	w.string(t.BankName)
	w.string(t.BankAccount)
}

func (w *snapWriter) currentTitle(t *CurrentTitle) {
	w.uuid(t.ID)
	w.title(&t.Title)
	w.string(string(t.Status))
	w.string(t.Reason)
	w.time(t.SubmittedAt)
}

func (w *snapWriter) address(a *Address) {
	w.string(a.Recipient)
	w.string(a.Phone)
	w.string(a.Province)
	w.string(a.City)
	w.string(a.District)
	w.string(a.Street)
	w.string(a.PostalCode)
}

func (w *snapWriter) invoice(inv *Invoice) {
	w.bool(inv != nil)
	if inv == nil {
		return
	}
	w.uuid(inv.ID)
	w.string(inv.AccountID)
	w.string(string(inv.Status))
	w.money(inv.Amount)
	w.money(inv.Kingsoft)
	w.money(inv.Marketplace)
	w.strings(inv.Statements)
	w.title(&inv.Title)
	w.address(&inv.Address)
	w.string(string(inv.Medium))
	w.strings(inv.Emails)
	w.time(inv.RequestedAt)
	w.string(inv.SLADue)
	w.uuidPtr(inv.ExchangeOf)
	w.string(inv.InvoiceCode)
	w.string(inv.InvoiceNumber)
	w.string(inv.IssuedOn)
	w.string(inv.Issuer)
	w.string(inv.TaxRate)
	w.moneyPtr(inv.NetAmount)
	w.moneyPtr(inv.TaxAmount)
	w.bool(inv.Shipment != nil)
	if s := inv.Shipment; s != nil {
		w.string(s.Courier)
		w.string(s.TrackingNumber)
		w.time(s.ShippedAt)
		w.bool(s.Late)
	}
	w.strings(inv.DeliveredTo)
	w.bool(inv.Return != nil)
	if r := inv.Return; r != nil {
		w.string(r.Reason)
		w.bool(r.Certified)
		w.string(r.RedLetterFormNumber)
		w.bool(r.Exchange)
		w.uuidPtr(r.AddressID)
		w.time(r.RequestedAt)
		w.bool(r.PaperComplete != nil)
		if r.PaperComplete != nil {
			w.bool(*r.PaperComplete)
		}
		w.string(r.PaperNote)
		w.string(r.RejectedReason)
		w.string(r.RedInvoiceCode)
		w.string(r.RedInvoiceNumber)
		w.uuidPtr(r.RedConfirmationID)
		w.uuidPtr(r.ExchangeInvoiceID)
	}
	w.bool(inv.ExchangeFailure != nil)
	if f := inv.ExchangeFailure; f != nil {
		w.string(f.Reason)
		w.string(f.Code)
		w.time(f.At)
	}
	w.string(inv.RejectReason)
	w.string(string(inv.CancelledBy))
	w.time(inv.UpdatedAt)
	w.money(inv.Raised)
	w.money(inv.OffsetAmount)
	w.money(inv.RedFlushedAmount)
	w.len(len(inv.PartialRedFlushes), inv.PartialRedFlushes == nil)
	for i := range inv.PartialRedFlushes {
		p := &inv.PartialRedFlushes[i]
		w.string(p.RedInvoiceCode)
		w.string(p.RedInvoiceNumber)
		w.string(p.RedLetterFormNumber)
		w.money(p.Amount)
		w.money(p.NetAmount)
		w.money(p.TaxAmount)
		w.string(p.IssuedOn)
		w.uuidPtr(p.ConfirmationID)
		w.time(p.At)
	}
	w.uint(inv.DeficitSince)
}

func (w *snapWriter) confirmation(c *Confirmation) {
	w.bool(c != nil)
	if c == nil {
		return
	}
	w.uuid(c.ID)
	w.uuid(c.InvoiceID)
	w.money(c.Amount)
	w.string(string(c.Reason))
	w.bool(c.Deducted)
	w.bool(c.Booked)
	w.string(string(c.Status))
	w.string(string(c.EnteredBy))
	w.time(c.EnteredAt)
	w.timePtr(c.ExpiresAt)
	w.string(c.RefuseReason)
	w.bool(c.Used)
	w.time(c.UpdatedAt)
}

// snapReader reads the encoding; the first error sticks and every later
// read returns a zero value.
type snapReader struct {
	b   []byte
	err error
}

func (r *snapReader) fail(what string) {
	if r.err == nil {
		r.err = fmt.Errorf("%w: bad %s", ErrSnapshot, what)
	}
	r.b = nil
}

func (r *snapReader) uint() uint64 {
	v, n := binary.Uvarint(r.b)
	if n <= 0 {
		r.fail("number")
		return 0
	}
	r.b = r.b[n:]
	return v
}

func (r *snapReader) int() int64 {
	v, n := binary.Varint(r.b)
	if n <= 0 {
		r.fail("number")
		return 0
	}
	r.b = r.b[n:]
	return v
}

func (r *snapReader) byte() byte {
	if len(r.b) == 0 {
		r.fail("byte")
		return 0
	}
	c := r.b[0]
	r.b = r.b[1:]
	return c
}

func (r *snapReader) bool() bool {
	switch r.byte() {
	case 0:
		return false
	case 1:
		return true
	}
	r.fail("bool")
	return false
}

func (r *snapReader) bytes(n uint64) []byte {
	if n > uint64(len(r.b)) {
		r.fail("length")
		return nil
	}
	v := r.b[:n]
	r.b = r.b[n:]
	return v
}

func (r *snapReader) string() string { return string(r.bytes(r.uint())) }

func (r *snapReader) uuid() uuid.UUID {
	var id uuid.UUID
	copy(id[:], r.bytes(16))
	return id
}

// len reads what snapWriter.len wrote: ok=false for nil. A length longer
// than the bytes left is refused before anything is allocated for it.
func (r *snapReader) len() (int, bool) {
	v := r.uint()
	if v == 0 || r.err != nil {
		return 0, false
	}
	if v-1 > uint64(len(r.b)) {
		r.fail("length")
		return 0, false
	}
	return int(v - 1), true
}

func (r *snapReader) uuids() []uuid.UUID {
	n, ok := r.len()
	if !ok {
		return nil
	}
	ids := make([]uuid.UUID, n)
	for i := range ids {
		ids[i] = r.uuid()
	}
	return ids
}

func (r *snapReader) strings() []string {
	n, ok := r.len()
	if !ok {
		return nil
	}
	ss := make([]string, n)
	for i := range ss {
		ss[i] = r.string()
	}
	return ss
}

func (r *snapReader) uuidPtr() *uuid.UUID {
	if !r.bool() {
		return nil
	}
	id := r.uuid()
	return &id
}

func (r *snapReader) money() Money {
	switch r.byte() {
	case 0:
		return Money{}
	case 1:
		exp := r.int()
		c := r.int()
		if exp < math.MinInt32 || exp > math.MaxInt32 {
			r.fail("amount")
			return Money{}
		}
		return Money{decimal.New(c, int32(exp))}
	case 2:
		exp := r.int()
		neg := r.bool()
		c := new(big.Int).SetBytes(r.bytes(r.uint()))
		if neg {
			c.Neg(c)
		}
		if exp < math.MinInt32 || exp > math.MaxInt32 {
			r.fail("amount")
			return Money{}
		}
		return Money{decimal.NewFromBigInt(c, int32(exp))}
	}
	r.fail("amount")
	return Money{}
}

func (r *snapReader) moneyPtr() *Money {
	if !r.bool() {
		return nil
	}
	m := r.money()
	return &m
}

func (r *snapReader) time() time.Time {
	sec := r.int()
	nsec := r.uint()
	if nsec >= 1e9 {
		r.fail("time")
		return time.Time{}
	}
	t := time.Unix(sec, int64(nsec))
	switch r.byte() {
	case 0:
		return t.UTC()
	case 1:
		return t.In(time.Local)
	case 2:
		name := r.string()
		off := r.int()
		if off < math.MinInt32 || off > math.MaxInt32 {
			r.fail("zone")
			return time.Time{}
		}
		return t.In(fixedZone(name, int(off)))
	}
	r.fail("zone")
	return time.Time{}
}

func (r *snapReader) timePtr() *time.Time {
	if !r.bool() {
		return nil
	}
	t := r.time()
	return &t
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

func (r *snapReader) split() Split { return Split{r.money(), r.money()} }

func (r *snapReader) statement() *Statement {
	if !r.bool() {
		return nil
	}
	s := &Statement{Month: r.string()}
	if n, ok := r.len(); ok {
		s.Lines = make([]StatementLine, n)
		for i := range s.Lines {
			s.Lines[i] = StatementLine{LineID: r.string(), Product: r.string(), BillingMode: BillingMode(r.string()),
				PurchasedAt: r.string(), Channel: Channel(r.string()), Merchant: r.string(),
				Amount: r.money(), Voucher: r.money(), Coupon: r.money(), GiftBalance: r.money()}
		}
	}
	s.Buckets = Buckets{Kingsoft: r.money(), Marketplace: r.money(), Merchant: r.money(), Offline: r.money(), Deductions: r.money()}
	s.Status = StatementStatus(r.string())
	s.InvoiceID = r.uuid()
	s.PostedAt = r.time()
	s.Free = r.split()
	if n, ok := r.len(); ok {
		s.Holds = make([]Hold, n)
		for i := range s.Holds {
			s.Holds[i] = Hold{InvoiceID: r.uuid(), Held: r.split(), Applied: r.split()}
		}
	}
	if n, ok := r.len(); ok {
		s.Offsets = make([]Offset, n)
		for i := range s.Offsets {
			s.Offsets[i] = Offset{InvoiceID: r.uuid(), Split: r.split()}
		}
	}
	s.Adjusted = r.split()
	return s
}

func (r *snapReader) title() Title {
	return Title{Type: TitleType(r.string()), Holder: Holder(r.string()), Name: r.string(), TaxpayerID: r.string(),
		RegisteredAddress: r.string(), RegisteredPhone: r.string(), BankName: r.string(), BankAccount: r.string()}
}

func (r *snapReader) currentTitle() *CurrentTitle {
	return &CurrentTitle{ID: r.uuid(), Title: r.title(), Status: TitleStatus(r.string()), Reason: r.string(), SubmittedAt: r.time()}
}

func (r *snapReader) address(a *Address) {
	*a = Address{Recipient: r.string(), Phone: r.string(), Province: r.string(), City: r.string(),
		District: r.string(), Street: r.string(), PostalCode: r.string()}
}

func (r *snapReader) invoice() *Invoice {
	if !r.bool() {
		return nil
	}
	inv := &Invoice{ID: r.uuid(), AccountID: r.string(), Status: InvoiceStatus(r.string()),
		Amount: r.money(), Kingsoft: r.money(), Marketplace: r.money(), Statements: r.strings(), Title: r.title()}
	r.address(&inv.Address)
	inv.Medium = Medium(r.string())
	inv.Emails = r.strings()
	inv.RequestedAt = r.time()
	inv.SLADue = r.string()
	inv.ExchangeOf = r.uuidPtr()
	inv.InvoiceCode = r.string()
	inv.InvoiceNumber = r.string()
	inv.IssuedOn = r.string()
	inv.Issuer = r.string()
	inv.TaxRate = r.string()
	inv.NetAmount = r.moneyPtr()
	inv.TaxAmount = r.moneyPtr()
	if r.bool() {
		inv.Shipment = &Shipment{Courier: r.string(), TrackingNumber: r.string(), ShippedAt: r.time(), Late: r.bool()}
	}
	inv.DeliveredTo = r.strings()
	if r.bool() {
		ret := &Return{Reason: r.string(), Certified: r.bool(), RedLetterFormNumber: r.string(), Exchange: r.bool(),
			AddressID: r.uuidPtr(), RequestedAt: r.time()}
		if r.bool() {
			v := r.bool()
			ret.PaperComplete = &v
		}
		ret.PaperNote = r.string()
		ret.RejectedReason = r.string()
		ret.RedInvoiceCode = r.string()
		ret.RedInvoiceNumber = r.string()
		ret.RedConfirmationID = r.uuidPtr()
		ret.ExchangeInvoiceID = r.uuidPtr()
		inv.Return = ret
	}
	if r.bool() {
		inv.ExchangeFailure = &ExchangeFailure{Reason: r.string(), Code: r.string(), At: r.time()}
	}
	inv.RejectReason = r.string()
	inv.CancelledBy = Role(r.string())
	inv.UpdatedAt = r.time()
	inv.Raised = r.money()
	inv.OffsetAmount = r.money()
	inv.RedFlushedAmount = r.money()
	if n, ok := r.len(); ok {
		inv.PartialRedFlushes = make([]PartialRedFlush, n)
		for i := range inv.PartialRedFlushes {
			inv.PartialRedFlushes[i] = PartialRedFlush{RedInvoiceCode: r.string(), RedInvoiceNumber: r.string(),
				RedLetterFormNumber: r.string(), Amount: r.money(), NetAmount: r.money(), TaxAmount: r.money(),
				IssuedOn: r.string(), ConfirmationID: r.uuidPtr(), At: r.time()}
		}
	}
	inv.DeficitSince = r.uint()
	return inv
}

func (r *snapReader) confirmation() *Confirmation {
	if !r.bool() {
		return nil
	}
	return &Confirmation{ID: r.uuid(), InvoiceID: r.uuid(), Amount: r.money(), Reason: RedReason(r.string()),
		Deducted: r.bool(), Booked: r.bool(), Status: ConfirmationStatus(r.string()), EnteredBy: Side(r.string()),
		EnteredAt: r.time(), ExpiresAt: r.timePtr(), RefuseReason: r.string(), Used: r.bool(), UpdatedAt: r.time()}
}
