// Package loggen writes realistic event logs: what the ledger would have
// written for a population of accounts over a number of months, every
// event decided by the domain on the account folded so far, hash-chained
// with eventstore.SealHash, with the invoice-number reservation streams of
// ISSUE-2. The bench builds its replay logs with it (Build, straight into a
// bolt file or a segmented log opened without sync); the projections'
// tests drive a Writer into memory for theirs.
package loggen

import (
	"context"
	"encoding/binary"
	"fmt"
	"math/rand/v2"
	"sync/atomic"
	"time"

	"github.com/google/uuid"

	"github.com/fapiao/fapiao/domain"
	"github.com/fapiao/fapiao/eventstore"
	"github.com/fapiao/fapiao/ledger"
)

// EventsPerAccount sizes the population: a log of n events has about
// n/EventsPerAccount accounts (10 000 for a million), each some twenty
// months old.
const EventsPerAccount = 100

// StatementLines is the number of lines of each statement Build posts.
const StatementLines = 3

var (
	// Shanghai is the zone of every generated clock.
	Shanghai = time.FixedZone("CST", 8*3600)
	// Start is the clock of the first events: onboarding, before the first
	// month's statement may be posted.
	Start = time.Date(2025, 1, 20, 9, 0, 0, 0, Shanghai)
	// Title is the title every generated account submits.
	Title = domain.Title{Type: domain.VATGeneral, Holder: domain.HolderIndividual, Name: "张三"}
	// Address is the address every generated account adds.
	Address = domain.Address{Recipient: "张三", Phone: "13800138000", Province: "北京市", City: "北京市", District: "海淀区", Street: "中关村大街1号", PostalCode: "100080"}
	// InvoiceCode is the code of every generated paper invoice.
	InvoiceCode = "1100000000"
)

// Appender is where a Writer puts the events: an eventstore.Store does, and
// so does a test's in-memory list of records.
type Appender interface {
	Append(ctx context.Context, stream string, expected eventstore.ExpectedRevision, events ...eventstore.EventData) (eventstore.AppendResult, error)
}

// Account is one account being generated and the tail of its chain.
type Account struct {
	ID       string
	State    *domain.Account // folded so far
	lastHash string
}

// NewAccount is an account with no events.
func NewAccount(id string) *Account { return &Account{ID: id, State: domain.NewAccount(id)} }

// Counters are shared by the writers of one log.
type Counters struct {
	numbers atomic.Int64 // the last invoice number given
	written atomic.Int64 // events appended
}

// Written is how many events the writers appended.
func (c *Counters) Written() int64 { return c.written.Load() }

// Writer decides commands on accounts, seals their events and appends them
// to an Appender; one goroutine uses it. Its random source and its IDs
// depend only on its worker and cohort numbers and the seed, so one Writer
// alone writes the same log every time.
type Writer struct {
	// Now is the clock of the next decision.
	Now      time.Time
	store    Appender
	counters *Counters
	calendar *domain.Calendar
	worker   int
	cohort   uint16 // in event IDs, which are unique across cohorts
	rng      *rand.Rand
	ids      uint64
	events   []eventstore.EventData // the account batch being built
	err      error                  // the first failed append of a reservation
	ctx      context.Context
}

// NewWriter is the writer worker of cohort, with its random source seeded
// by seed; counters may be shared with other writers of the same log (nil:
// its own).
func NewWriter(ctx context.Context, store Appender, counters *Counters, worker int, cohort uint16, seed uint64) *Writer {
	if counters == nil {
		counters = &Counters{}
	}
	return &Writer{
		Now: Start, store: store, counters: counters, calendar: domain.DefaultCalendar(),
		worker: worker, cohort: cohort, rng: rand.New(rand.NewPCG(uint64(worker), seed+uint64(cohort))), ctx: ctx,
	}
}

// NewID is the next ID of the writer: unique across the writers of one
// log, and laid out as a version 4 UUID for tools that check.
func (gw *Writer) NewID() uuid.UUID {
	gw.ids++
	var u uuid.UUID
	binary.BigEndian.PutUint32(u[0:4], uint32(gw.worker)+0x42000000)
	binary.BigEndian.PutUint16(u[4:6], gw.cohort)
	binary.BigEndian.PutUint64(u[8:16], gw.ids)
	u[6] = 0x40 | u[6]&0x0f
	u[8] = 0x80 | u[8]&0x3f
	return u
}

// NextNumber is the next invoice number of the log.
func (gw *Writer) NextNumber() int64 { return gw.counters.numbers.Add(1) }

// Do decides cmd on the account at the writer's clock, folds and seals the
// events into the account's pending batch (Flush appends it); an issue
// first reserves its number in its own stream, as the ledger does.
func (gw *Writer) Do(a *Account, role domain.Role, cmd domain.Command) ([]domain.Event, error) {
	env := domain.Env{Now: gw.Now, Issuer: "Example Cloud Ltd.", TaxRate: domain.DefaultTaxRate, Calendar: gw.calendar, NewID: gw.NewID}
	events, err := cmd.Decide(a.State, env)
	if err != nil {
		return nil, fmt.Errorf("loggen: %s: %T at %s: %w", a.ID, cmd, gw.Now.Format(time.RFC3339), err)
	}
	actor := eventstore.Actor{Role: string(role), ID: string(role) + "-1"}
	if role == domain.RoleCustomer {
		actor.ID = a.ID
	}
	meta := eventstore.Metadata{OccurredAt: gw.Now, Actor: actor, CorrelationID: gw.NewID().String(), SchemaVersion: domain.EventSchemaVersion}
	stream := ledger.StreamName(a.ID)
	for _, e := range events {
		if iss, ok := e.(domain.InvoiceIssued); ok {
			gw.reserve(a, iss, meta)
		}
		typ, data, err := domain.EncodeEvent(e)
		if err != nil {
			return nil, err
		}
		raw, hash, err := eventstore.SealHash(meta, a.lastHash, stream, a.State.Version, typ, data)
		if err != nil {
			return nil, err
		}
		a.State.Apply(e)
		a.lastHash = hash
		gw.events = append(gw.events, eventstore.EventData{ID: gw.NewID(), Type: typ, Data: data, Metadata: raw})
	}
	return events, nil
}

// must is Do for the generator's own commands, which are valid by
// construction: a refusal is a bug in the generator.
func (gw *Writer) must(a *Account, role domain.Role, cmd domain.Command) []domain.Event {
	events, err := gw.Do(a, role, cmd)
	if err != nil {
		panic(err)
	}
	return events
}

// reserve appends the reservation stream of an issued number (ISSUE-2).
// The account's pending events are flushed first so the log keeps the
// ledger's order: reservation, then the issue.
func (gw *Writer) reserve(a *Account, iss domain.InvoiceIssued, meta eventstore.Metadata) {
	if err := gw.Flush(a); err != nil {
		gw.err = err
		return
	}
	data := fmt.Appendf(nil, `{"account_id":%q,"invoice_id":%q,"invoice_code":%q,"invoice_number":%q}`, a.ID, iss.InvoiceID.String(), iss.InvoiceCode, iss.InvoiceNumber)
	stream := ledger.ReservationStream(iss.InvoiceCode, iss.InvoiceNumber)
	raw, _, err := eventstore.SealHash(meta, "", stream, 0, ledger.ReservationEventType, data)
	if err != nil {
		panic(err)
	}
	if _, err := gw.store.Append(gw.ctx, stream, eventstore.NoStream, eventstore.EventData{ID: gw.NewID(), Type: ledger.ReservationEventType, Data: data, Metadata: raw}); err != nil {
		gw.err = err
		return
	}
	gw.counters.written.Add(1)
}

// Flush appends the account's pending events with the revision they were
// decided on.
func (gw *Writer) Flush(a *Account) error {
	if gw.err != nil {
		return gw.err
	}
	if len(gw.events) == 0 {
		return nil
	}
	first := a.State.Version - uint64(len(gw.events))
	expected := eventstore.NoStream
	if first > 0 {
		expected = eventstore.Exact(first - 1)
	}
	if _, err := gw.store.Append(gw.ctx, ledger.StreamName(a.ID), expected, gw.events...); err != nil {
		return err
	}
	gw.counters.written.Add(int64(len(gw.events)))
	gw.events = gw.events[:0]
	return nil
}

// Onboard gives the account its address and title, and flushes.
func (gw *Writer) Onboard(a *Account) error {
	gw.must(a, domain.RoleCustomer, domain.AddAddress{Address: Address, Default: true})
	gw.must(a, domain.RoleCustomer, domain.SubmitTitle{Title: Title})
	return gw.Flush(a)
}

// Month takes the account through month i after 2025-01: its statement of
// lines lines posted on day 3 of the next month (STMT-1), then a day later
// one of the usual paths (Lifecycle); it flushes.
func (gw *Writer) Month(a *Account, i, lines int) error {
	m := Month(i)
	gw.Now = time.Date(2025, time.Month(i+2), 3, 9, 0, 0, 0, Shanghai)
	gw.Post(a, m, lines)
	gw.Now = gw.Now.Add(24 * time.Hour)
	gw.Lifecycle(a, m)
	return gw.Flush(a)
}

// Month is YYYY-MM of the month i months after 2025-01.
func Month(i int) string {
	return time.Date(2025, time.Month(1+i), 1, 0, 0, 0, 0, time.UTC).Format("2006-01")
}

// Cents is n hundredths of a yuan.
func Cents(n int) domain.Money { return domain.MustMoney(fmt.Sprintf("%d.%02d", n/100, n%100)) }

// Post posts the month's statement of n lines, of mixed buckets.
func (gw *Writer) Post(a *Account, m string, n int) {
	lines := make([]domain.StatementLine, n)
	channels := []domain.Channel{domain.ChannelKingsoft, domain.ChannelKingsoft, domain.ChannelMarketplaceSelf, domain.ChannelMarketplaceMerchant}
	for i := range lines {
		amount := 100 + gw.rng.IntN(900000)
		mode := domain.Prepaid
		if gw.rng.IntN(10) == 0 {
			mode = domain.Postpaid
		}
		lines[i] = domain.StatementLine{
			LineID:      fmt.Sprintf("%s-%s-%d", a.ID, m, i),
			Product:     []string{"ECS", "EBS", "CDN", "RDS"}[i%4],
			BillingMode: mode,
			PurchasedAt: m + "-1" + fmt.Sprint(i%10),
			Channel:     channels[gw.rng.IntN(len(channels))],
			Amount:      Cents(amount),
			Voucher:     Cents(gw.rng.IntN(amount / 10)),
			Coupon:      domain.Zero,
			GiftBalance: domain.Zero,
		}
	}
	gw.must(a, domain.RoleBilling, domain.PostStatement{Month: m, Lines: lines})
}

// Request applies for a paper invoice over the months and returns its ID.
func (gw *Writer) Request(a *Account, months ...string) uuid.UUID {
	for _, e := range gw.must(a, domain.RoleCustomer, domain.RequestInvoice{Statements: months, Agree: true}) {
		if r, ok := e.(domain.InvoiceRequested); ok {
			return r.InvoiceID
		}
	}
	panic("loggen: no InvoiceRequested")
}

// Issue approves and issues the invoice today, with the log's next number.
func (gw *Writer) Issue(a *Account, id uuid.UUID) {
	gw.must(a, domain.RoleFinance, domain.ApproveInvoice{InvoiceID: id})
	gw.must(a, domain.RoleFinance, domain.IssueInvoice{
		InvoiceID: id, InvoiceCode: InvoiceCode, InvoiceNumber: fmt.Sprintf("%08d", gw.NextNumber()),
		IssuedOn: domain.BusinessDate(gw.Now),
	})
}

// Ship ships the issued paper invoice.
func (gw *Writer) Ship(a *Account, id uuid.UUID) {
	gw.must(a, domain.RoleFinance, domain.ShipInvoice{InvoiceID: id, Courier: "SF Express", TrackingNumber: fmt.Sprintf("SF%010d", gw.ids)})
}

// ReturnPaper has the customer return the invoice and finance receive it.
func (gw *Writer) ReturnPaper(a *Account, id uuid.UUID) {
	gw.must(a, domain.RoleCustomer, domain.RequestReturn{InvoiceID: id, Reason: "wrong title"})
	gw.must(a, domain.RoleFinance, domain.ReceiveReturnPaper{InvoiceID: id, Complete: true})
}

// RedFlush red-flushes the returned invoice. A number is skipped first, as
// the bench's logs always did: the log's numbers are not contiguous.
func (gw *Writer) RedFlush(a *Account, id uuid.UUID) {
	gw.NextNumber()
	gw.must(a, domain.RoleFinance, domain.RedFlushInvoice{InvoiceID: id, RedInvoiceCode: InvoiceCode, RedInvoiceNumber: fmt.Sprintf("%08d", gw.NextNumber())})
}

// Lifecycle takes the month's statement through one of the usual paths,
// so that the log holds invoices in every state: mostly applied for,
// issued and shipped, some cancelled, rejected, returned and voided or
// red-flushed, and some left waiting.
func (gw *Writer) Lifecycle(a *Account, m string) {
	if s := a.State.Statements[m]; s == nil || s.Status != domain.StatementAvailable || !s.Buckets.Invoiceable().IsPositive() {
		return
	}
	switch r := gw.rng.IntN(20); {
	case r < 2: // left for later
	case r < 3:
		id := gw.Request(a, m)
		gw.must(a, domain.RoleCustomer, domain.CancelInvoice{InvoiceID: id, By: domain.RoleCustomer})
	case r < 4:
		id := gw.Request(a, m)
		gw.must(a, domain.RoleFinance, domain.RejectInvoice{InvoiceID: id, Reason: "title mismatch"})
	case r < 5: // waiting for review
		gw.Request(a, m)
	case r < 6: // issued, not shipped yet
		gw.Issue(a, gw.Request(a, m))
	case r < 7: // returned, waiting for the paper
		id := gw.Request(a, m)
		gw.Issue(a, id)
		gw.Ship(a, id)
		gw.must(a, domain.RoleCustomer, domain.RequestReturn{InvoiceID: id, Reason: "lost"})
	case r < 8: // returned in the issue month: void
		id := gw.Request(a, m)
		gw.Issue(a, id)
		gw.Ship(a, id)
		gw.ReturnPaper(a, id)
		gw.must(a, domain.RoleFinance, domain.VoidInvoice{InvoiceID: id})
	case r < 9: // returned and red-flushed
		id := gw.Request(a, m)
		gw.Issue(a, id)
		gw.Ship(a, id)
		gw.ReturnPaper(a, id)
		gw.RedFlush(a, id)
	default: // the common path
		id := gw.Request(a, m)
		gw.Issue(a, id)
		gw.Ship(a, id)
	}
}
