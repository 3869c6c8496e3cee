package bench

import (
	"context"
	"encoding/binary"
	"fmt"
	"io"
	"math/rand/v2"
	"runtime"
	"sync"
	"sync/atomic"
	"time"

	"github.com/google/uuid"

	"github.com/fapiao/fapiao/domain"
	"github.com/fapiao/fapiao/eventstore"
	"github.com/fapiao/fapiao/eventstore/bolt"
	"github.com/fapiao/fapiao/eventstore/seglog"
	"github.com/fapiao/fapiao/ledger"
)

// A generated log is what the ledger would have written for a population
// of accounts over a number of months: every event decided by the domain on
// the account folded so far, hash-chained with eventstore.SealHash, with
// the invoice-number reservation streams of ISSUE-2. It is written straight
// to a bolt file opened with NoSync (a bulk load: rebuilt from scratch if
// the machine fails), many accounts at a time, so that a million events
// take seconds rather than the minutes the ledger with fsync would.

// eventsPerAccount sizes the population: a log of n events has about
// n/eventsPerAccount accounts (10 000 for a million), each some twenty
// months old.
const eventsPerAccount = 100

// statementLines is the number of lines of each generated statement.
const statementLines = 3

var (
	shanghai     = time.FixedZone("CST", 8*3600)
	genStart     = time.Date(2025, 1, 20, 9, 0, 0, 0, shanghai)
	genTitle     = domain.Title{Type: domain.VATGeneral, Holder: domain.HolderIndividual, Name: "张三"}
	genInvoiceCo = "1100000000"
)

// genAccount is one account being generated and the tail of its chain.
type genAccount struct {
	id       string
	acc      *domain.Account
	lastHash string
}

// generator writes a log; workers share the store and the counters.
type generator struct {
	store    genStore
	target   int
	written  atomic.Int64
	numbers  atomic.Int64
	calendar *domain.Calendar
}

// genWorker owns a slice of the accounts and their random source.
type genWorker struct {
	g      *generator
	w      int
	cohort uint16 // in event IDs, which are unique across cohorts
	rng    *rand.Rand
	ids    uint64
	now    time.Time
	actor  eventstore.Actor
	events []eventstore.EventData // the account batch being built
	err    error                  // the first failed append of a reservation
	ctx    context.Context
}

// genStore is what the generator writes to: an embedded store that says
// its last position.
type genStore interface {
	eventstore.Store
	LastPosition() eventstore.Position
}

// openBulk opens the embedded store of the engine at path ("bolt", the
// default, or "log") for a bulk load, without syncing: a build that fails
// is started again from scratch.
func openBulk(path, engine string) (genStore, error) {
	if engine == "log" {
		return seglog.Open(path, seglog.Options{NoSync: true})
	}
	return bolt.Open(path, bolt.Options{NoSync: true})
}

// buildLog writes a log of about events events into the bolt file at path
// and returns how many it wrote.
func buildLog(ctx context.Context, path string, events int, log io.Writer) (int, error) {
	return buildLogIn(ctx, path, "bolt", events, log)
}

// cohortAccounts bounds the accounts generated at once. A log larger than
// cohortAccounts*eventsPerAccount events (1M) is written cohort after
// cohort, each taken through its months and then dropped: the generator's
// memory is one cohort's folded accounts whatever the size (≈1 GiB), where
// holding 100 000 accounts for 10M events would take ten times that. Each
// cohort's months start again from 2025-01, so past 1M events positions
// follow cohorts, not time; a log of up to 1M is one cohort, as before.
const cohortAccounts = 10_000

// buildLogIn is buildLog into a store of the given engine.
func buildLogIn(ctx context.Context, path, engine string, events int, log io.Writer) (int, error) {
	return buildCohorts(ctx, path, engine, events, cohortAccounts, log)
}

// buildCohorts is buildLogIn with cohorts of the given number of accounts.
func buildCohorts(ctx context.Context, path, engine string, events, cohortAccounts int, log io.Writer) (int, error) {
	store, err := openBulk(path, engine)
	if err != nil {
		return 0, err
	}
	defer store.Close()
	g := &generator{store: store, target: events, calendar: domain.DefaultCalendar()}
	accounts := max(events/eventsPerAccount, 1)
	cohorts := (accounts + cohortAccounts - 1) / cohortAccounts
	started := time.Now()
	for c := range cohorts {
		first, end := c*cohortAccounts, min((c+1)*cohortAccounts, accounts)
		// Each cohort writes its share of the events, in proportion to its
		// accounts; the last one stops at the target itself.
		g.target = int(int64(events) * int64(end) / int64(accounts))
		if err := g.cohort(ctx, c, first, end); err != nil {
			return 0, err
		}
		if cohorts > 1 {
			logf(log, "replay: cohort %d of %d: %d events so far, %.1fs\n", c+1, cohorts, store.LastPosition(), time.Since(started).Seconds())
		}
	}
	n := int(store.LastPosition())
	logf(log, "replay: built a log of %d events (%d accounts) in %.1fs\n", n, accounts, time.Since(started).Seconds())
	return n, nil
}

// cohort generates accounts [first, end) month by month until the log
// holds g.target events.
func (g *generator) cohort(ctx context.Context, c, first, end int) error {
	// Many more workers than cores: each waits for its commits, and the
	// bolt writer batches what they hand it.
	workers := min(end-first, 16*runtime.GOMAXPROCS(0))
	var (
		wg       sync.WaitGroup
		mu       sync.Mutex
		firstErr error
	)
	for w := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			gw := &genWorker{g: g, w: w, cohort: uint16(c), rng: rand.New(rand.NewPCG(uint64(w), 0x5eed+uint64(c))), ctx: ctx}
			if err := gw.run(first, end, workers); err != nil {
				mu.Lock()
				if firstErr == nil {
					firstErr = err
				}
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	return firstErr
}

// run generates the worker's accounts of [first, end) month by month until
// the log holds the target number of events.
func (gw *genWorker) run(first, end, workers int) error {
	var mine []*genAccount
	for a := first + gw.w; a < end; a += workers {
		mine = append(mine, &genAccount{id: fmt.Sprintf("acc-%06d", a), acc: domain.NewAccount(fmt.Sprintf("acc-%06d", a))})
	}
	gw.now = genStart
	for _, a := range mine {
		gw.do(a, domain.RoleCustomer, domain.AddAddress{Address: benchAddress, Default: true})
		gw.do(a, domain.RoleCustomer, domain.SubmitTitle{Title: genTitle})
		if err := gw.flush(a); err != nil {
			return err
		}
	}
	for m := 0; ; m++ {
		for _, a := range mine {
			if int(gw.g.written.Load()) >= gw.g.target || gw.ctx.Err() != nil {
				return gw.ctx.Err()
			}
			// Day 3 of the next month: the statement may be posted (STMT-1);
			// the application and what follows a day later.
			gw.now = time.Date(2025, time.Month(m+2), 3, 9, 0, 0, 0, shanghai)
			gw.post(a, month(m))
			gw.now = gw.now.Add(24 * time.Hour)
			if err := gw.lifecycle(a, month(m)); err != nil {
				return err
			}
			if err := gw.flush(a); err != nil {
				return err
			}
		}
	}
}

// month is YYYY-MM of the month i months after 2025-01.
func month(i int) string {
	return time.Date(2025, time.Month(1+i), 1, 0, 0, 0, 0, time.UTC).Format("2006-01")
}

func (gw *genWorker) newID() uuid.UUID {
	gw.ids++
	var u uuid.UUID
	binary.BigEndian.PutUint32(u[0:4], uint32(gw.w)+0x42000000)
	binary.BigEndian.PutUint16(u[4:6], gw.cohort)
	binary.BigEndian.PutUint64(u[8:16], gw.ids)
	u[6] = 0x40 | u[6]&0x0f // version 4 layout, for tools that check
	u[8] = 0x80 | u[8]&0x3f
	return u
}

// do decides cmd on the account, folds and seals the events into the
// pending batch; an issue first reserves its number in its own stream.
func (gw *genWorker) do(a *genAccount, role domain.Role, cmd domain.Command) []domain.Event {
	env := domain.Env{Now: gw.now, Issuer: "Example Cloud Ltd.", TaxRate: domain.DefaultTaxRate, Calendar: gw.g.calendar, NewID: gw.newID}
	events, err := cmd.Decide(a.acc, env)
	if err != nil {
		panic(fmt.Sprintf("bench: generating %s: %T refused: %v", a.id, cmd, err)) // a bug in the generator
	}
	actor := eventstore.Actor{Role: string(role), ID: string(role) + "-1"}
	if role == domain.RoleCustomer {
		actor.ID = a.id
	}
	meta := eventstore.Metadata{OccurredAt: gw.now, Actor: actor, CorrelationID: gw.newID().String(), SchemaVersion: domain.EventSchemaVersion}
	stream := ledger.StreamName(a.id)
	for _, e := range events {
		if iss, ok := e.(domain.InvoiceIssued); ok {
			gw.reserve(a, iss, meta)
		}
		typ, data, err := domain.EncodeEvent(e)
		if err != nil {
			panic(err)
		}
		raw, hash, err := eventstore.SealHash(meta, a.lastHash, stream, a.acc.Version, typ, data)
		if err != nil {
			panic(err)
		}
		a.acc.Apply(e)
		a.lastHash = hash
		gw.events = append(gw.events, eventstore.EventData{ID: gw.newID(), Type: typ, Data: data, Metadata: raw})
	}
	return events
}

// reserve appends the reservation stream of an issued number (ISSUE-2).
// The account's pending events are flushed first so the log keeps the
// ledger's order: reservation, then the issue.
func (gw *genWorker) reserve(a *genAccount, iss domain.InvoiceIssued, meta eventstore.Metadata) {
	if err := gw.flush(a); err != nil {
		gw.err = err
		return
	}
	data := fmt.Appendf(nil, `{"account_id":%q,"invoice_id":%q,"invoice_code":%q,"invoice_number":%q}`, a.id, iss.InvoiceID.String(), iss.InvoiceCode, iss.InvoiceNumber)
	stream := ledger.ReservationStream(iss.InvoiceCode, iss.InvoiceNumber)
	raw, _, err := eventstore.SealHash(meta, "", stream, 0, ledger.ReservationEventType, data)
	if err != nil {
		panic(err)
	}
	if _, err := gw.g.store.Append(gw.ctx, stream, eventstore.NoStream, eventstore.EventData{ID: gw.newID(), Type: ledger.ReservationEventType, Data: data, Metadata: raw}); err != nil {
		gw.err = err
		return
	}
	gw.g.written.Add(1)
}

// flush appends the account's pending events with the revision they were
// decided on.
func (gw *genWorker) flush(a *genAccount) error {
	if gw.err != nil {
		return gw.err
	}
	if len(gw.events) == 0 {
		return nil
	}
	first := a.acc.Version - uint64(len(gw.events))
	expected := eventstore.NoStream
	if first > 0 {
		expected = eventstore.Exact(first - 1)
	}
	if _, err := gw.g.store.Append(gw.ctx, ledger.StreamName(a.id), expected, gw.events...); err != nil {
		return err
	}
	gw.g.written.Add(int64(len(gw.events)))
	gw.events = gw.events[:0]
	return nil
}

func cents(n int) domain.Money { return domain.MustMoney(fmt.Sprintf("%d.%02d", n/100, n%100)) }

// post posts the month's statement with lines of mixed buckets.
func (gw *genWorker) post(a *genAccount, m string) {
	lines := make([]domain.StatementLine, statementLines)
	channels := []domain.Channel{domain.ChannelKingsoft, domain.ChannelKingsoft, domain.ChannelMarketplaceSelf, domain.ChannelMarketplaceMerchant}
	for i := range lines {
		amount := 100 + gw.rng.IntN(900000)
		mode := domain.Prepaid
		if gw.rng.IntN(10) == 0 {
			mode = domain.Postpaid
		}
		lines[i] = domain.StatementLine{
			LineID:      fmt.Sprintf("%s-%s-%d", a.id, m, i),
			Product:     []string{"ECS", "EBS", "CDN", "RDS"}[i%4],
			BillingMode: mode,
			PurchasedAt: m + "-1" + fmt.Sprint(i%10),
			Channel:     channels[gw.rng.IntN(len(channels))],
			Amount:      cents(amount),
			Voucher:     cents(gw.rng.IntN(amount / 10)),
			Coupon:      domain.Zero,
			GiftBalance: domain.Zero,
		}
	}
	gw.do(a, domain.RoleBilling, domain.PostStatement{Month: m, Lines: lines})
}

func (gw *genWorker) request(a *genAccount, m string) uuid.UUID {
	for _, e := range gw.do(a, domain.RoleCustomer, domain.RequestInvoice{Statements: []string{m}, Agree: true}) {
		if r, ok := e.(domain.InvoiceRequested); ok {
			return r.InvoiceID
		}
	}
	panic("bench: no InvoiceRequested")
}

func (gw *genWorker) issue(a *genAccount, id uuid.UUID) {
	gw.do(a, domain.RoleFinance, domain.ApproveInvoice{InvoiceID: id})
	gw.do(a, domain.RoleFinance, domain.IssueInvoice{
		InvoiceID: id, InvoiceCode: genInvoiceCo, InvoiceNumber: fmt.Sprintf("%08d", gw.g.numbers.Add(1)),
		IssuedOn: domain.BusinessDate(gw.now),
	})
}

func (gw *genWorker) ship(a *genAccount, id uuid.UUID) {
	gw.do(a, domain.RoleFinance, domain.ShipInvoice{InvoiceID: id, Courier: "SF Express", TrackingNumber: fmt.Sprintf("SF%010d", gw.ids)})
}

func (gw *genWorker) returnPaper(a *genAccount, id uuid.UUID) {
	gw.do(a, domain.RoleCustomer, domain.RequestReturn{InvoiceID: id, Reason: "wrong title"})
	gw.do(a, domain.RoleFinance, domain.ReceiveReturnPaper{InvoiceID: id, Complete: true})
}

// lifecycle takes the month's statement through one of the usual paths, so
// that the log holds invoices in every state.
func (gw *genWorker) lifecycle(a *genAccount, m string) error {
	if s := a.acc.Statements[m]; s == nil || s.Status != domain.StatementAvailable || !s.Buckets.Invoiceable().IsPositive() {
		return nil
	}
	switch r := gw.rng.IntN(20); {
	case r < 2: // left for later
	case r < 3:
		id := gw.request(a, m)
		gw.do(a, domain.RoleCustomer, domain.CancelInvoice{InvoiceID: id, By: domain.RoleCustomer})
	case r < 4:
		id := gw.request(a, m)
		gw.do(a, domain.RoleFinance, domain.RejectInvoice{InvoiceID: id, Reason: "title mismatch"})
	case r < 5: // waiting for review
		gw.request(a, m)
	case r < 6: // issued, not shipped yet
		gw.issue(a, gw.request(a, m))
	case r < 7: // returned, waiting for the paper
		id := gw.request(a, m)
		gw.issue(a, id)
		gw.ship(a, id)
		gw.do(a, domain.RoleCustomer, domain.RequestReturn{InvoiceID: id, Reason: "lost"})
	case r < 8: // returned in the issue month: void
		id := gw.request(a, m)
		gw.issue(a, id)
		gw.ship(a, id)
		gw.returnPaper(a, id)
		gw.do(a, domain.RoleFinance, domain.VoidInvoice{InvoiceID: id})
	case r < 9: // returned and red-flushed
		id := gw.request(a, m)
		gw.issue(a, id)
		gw.ship(a, id)
		gw.returnPaper(a, id)
		gw.g.numbers.Add(1)
		gw.do(a, domain.RoleFinance, domain.RedFlushInvoice{InvoiceID: id, RedInvoiceCode: genInvoiceCo, RedInvoiceNumber: fmt.Sprintf("%08d", gw.g.numbers.Add(1))})
	default: // the common path
		id := gw.request(a, m)
		gw.issue(a, id)
		gw.ship(a, id)
	}
	return nil
}
