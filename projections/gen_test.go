package projections

import (
	"context"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/fapiao/fapiao/domain"
	"github.com/fapiao/fapiao/eventstore"
	"github.com/fapiao/fapiao/internal/loggen"
)

// world makes valid event logs in memory: every event comes from a domain
// decision on the account folded so far, sealed as the ledger would append
// it, by the generator the bench's replay logs come from (loggen).
type world struct {
	tb       testing.TB
	gen      *loggen.Writer
	gaps     *rand.Rand // positions need not be contiguous
	now      time.Time
	accs     map[string]*loggen.Account
	accounts map[string]*domain.Account // each account folded so far
	revs     map[string]uint64          // each stream's next revision
	records  []eventstore.Record
	pos      eventstore.Position
}

var shanghai = loggen.Shanghai

// newWorld starts a log at start with the accounts given onboarded (an
// address and an approved title each).
func newWorld(tb testing.TB, seed uint64, start time.Time, onboard ...string) *world {
	w := &world{
		tb:       tb,
		gaps:     rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15)),
		now:      start,
		accs:     map[string]*loggen.Account{},
		accounts: map[string]*domain.Account{},
		revs:     map[string]uint64{},
	}
	w.gen = loggen.NewWriter(context.Background(), w, nil, 0, 0, seed)
	for _, acc := range onboard {
		w.onboard(acc)
	}
	return w
}

// Append takes the generator's events as records (loggen.Appender).
func (w *world) Append(_ context.Context, stream string, _ eventstore.ExpectedRevision, events ...eventstore.EventData) (eventstore.AppendResult, error) {
	for _, e := range events {
		w.pos += 1 + uint64(w.gaps.IntN(3))
		w.records = append(w.records, eventstore.Record{
			Position: w.pos, Stream: stream, Revision: w.revs[stream], ID: e.ID, Type: e.Type, Data: e.Data, Metadata: e.Metadata,
		})
		w.revs[stream]++
	}
	return eventstore.AppendResult{}, nil
}

// account is the generator's account acc, made on first use.
func (w *world) account(acc string) *loggen.Account {
	a := w.accs[acc]
	if a == nil {
		a = loggen.NewAccount(acc)
		w.accs[acc] = a
		w.accounts[acc] = a.State
	}
	return a
}

// run has the generator act on acc at the world's clock, and appends what
// it decided as records at once. It fails the test on a refused command.
func (w *world) run(acc string, act func(*loggen.Writer, *loggen.Account)) {
	w.tb.Helper()
	a := w.account(acc)
	w.gen.Now = w.now
	act(w.gen, a)
	if err := w.gen.Flush(a); err != nil {
		w.tb.Fatal(err)
	}
}

// do decides cmd for the account at the world's clock, folds the events and
// appends them as records. It fails the test on a refused command.
func (w *world) do(acc string, actor domain.Role, cmd domain.Command) []domain.Event {
	w.tb.Helper()
	var events []domain.Event
	w.run(acc, func(g *loggen.Writer, a *loggen.Account) {
		var err error
		if events, err = g.Do(a, actor, cmd); err != nil {
			w.tb.Fatal(err)
		}
	})
	return events
}

// append appends a record of data as it is, decided by nothing: a forged
// or hand-made event.
func (w *world) append(stream string, rev uint64, typ string, data any, actor domain.Role) {
	raw, err := json.Marshal(data)
	if err != nil {
		w.tb.Fatal(err)
	}
	meta, err := json.Marshal(eventstore.Metadata{
		OccurredAt:    w.now,
		Actor:         eventstore.Actor{Role: string(actor), ID: string(actor) + "-1"},
		CorrelationID: w.gen.NewID().String(),
		SchemaVersion: eventstore.SchemaVersion,
		PrevHash:      "0000000000000000000000000000000000000000000000000000000000000000",
		Hash:          "1111111111111111111111111111111111111111111111111111111111111111",
	})
	if err != nil {
		w.tb.Fatal(err)
	}
	w.pos += 1 + uint64(w.gaps.IntN(3))
	w.records = append(w.records, eventstore.Record{
		Position: w.pos, Stream: stream, Revision: rev, ID: w.gen.NewID(), Type: typ, Data: raw, Metadata: meta,
	})
}

func (w *world) advance(d time.Duration) { w.now = w.now.Add(d) }

// nextNumber is the log's next invoice number.
func (w *world) nextNumber() int64 { return w.gen.NextNumber() }

// onboard gives the account an address and an approved title.
func (w *world) onboard(acc string) {
	w.run(acc, func(g *loggen.Writer, a *loggen.Account) {
		if err := g.Onboard(a); err != nil {
			w.tb.Fatal(err)
		}
	})
}

// post posts the month's statement with n lines of mixed buckets.
func (w *world) post(acc, month string, n int) {
	w.run(acc, func(g *loggen.Writer, a *loggen.Account) { g.Post(a, month, n) })
}

// request applies for an invoice over the months and returns its ID.
func (w *world) request(acc string, months ...string) (id uuid.UUID) {
	w.run(acc, func(g *loggen.Writer, a *loggen.Account) { id = g.Request(a, months...) })
	return id
}

// issue approves and issues the invoice today.
func (w *world) issue(acc string, id uuid.UUID) {
	w.run(acc, func(g *loggen.Writer, a *loggen.Account) { g.Issue(a, id) })
}

func (w *world) ship(acc string, id uuid.UUID) {
	w.run(acc, func(g *loggen.Writer, a *loggen.Account) { g.Ship(a, id) })
}

// returnPaper has the customer return the invoice and finance receive it.
func (w *world) returnPaper(acc string, id uuid.UUID) {
	w.run(acc, func(g *loggen.Writer, a *loggen.Account) { g.ReturnPaper(a, id) })
}

func (w *world) redFlush(acc string, id uuid.UUID) {
	w.run(acc, func(g *loggen.Writer, a *loggen.Account) { g.RedFlush(a, id) })
}

// genLog makes a realistic log with the bench's generator: accounts ×
// months statements of lines lines, each taken through one of the usual
// paths (loggen.Writer.Lifecycle). It stops once it holds at least
// maxEvents records (0: no limit).
func genLog(tb testing.TB, seed uint64, accounts, months, lines, maxEvents int) *world {
	names := make([]string, accounts)
	for a := range names {
		names[a] = fmt.Sprintf("acc-%05d", a)
	}
	w := newWorld(tb, seed, loggen.Start, names...)
	for m := range months {
		for a := range accounts {
			if err := w.gen.Month(w.account(names[a]), m, lines); err != nil {
				tb.Fatal(err)
			}
			if maxEvents > 0 && len(w.records) >= maxEvents {
				w.now = w.gen.Now
				return w
			}
		}
	}
	w.now = w.gen.Now
	return w
}

// growingLog is what `bench http`'s POSTing connections make: accounts
// seeded as the bench seeds them (24 statements, 22 issued invoices), then
// rounds in which each applies for an invoice over its free month and, once
// all have, cancels it, so that each gains an invoice every two records.
// seeded says how many of its first records are the seeding.
func growingLog(tb testing.TB, accounts, rounds int) (w *world, seeded int) {
	w = newWorld(tb, 13, loggen.Start.AddDate(3, 0, 0)) // after the 24 months
	ids := make([]string, accounts)
	for a := range ids {
		ids[a] = fmt.Sprintf("acc-%05d", a)
		w.onboard(ids[a])
		for m := range 24 {
			w.postKingsoft(ids[a], loggen.Month(m), 10000)
		}
		for m := range 22 {
			w.issue(ids[a], w.request(ids[a], loggen.Month(m)))
		}
	}
	seeded = len(w.records)
	for range rounds {
		pending := make([]uuid.UUID, accounts)
		for a, id := range ids {
			pending[a] = w.request(id, loggen.Month(23))
		}
		for a, id := range ids {
			w.do(id, domain.RoleCustomer, domain.CancelInvoice{InvoiceID: pending[a], By: domain.RoleCustomer})
		}
	}
	return w, seeded
}

// postKingsoft posts the month's statement as one kingsoft line of amount
// cents, all invoiceable.
func (w *world) postKingsoft(acc, month string, amount int) {
	w.do(acc, domain.RoleBilling, domain.PostStatement{Month: month, Lines: []domain.StatementLine{{
		LineID: acc + "-" + month, Product: "ECS", BillingMode: domain.Prepaid, PurchasedAt: month + "-15",
		Channel: domain.ChannelKingsoft, Amount: loggen.Cents(amount),
	}}})
}
