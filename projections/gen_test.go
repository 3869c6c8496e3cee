package projections

import (
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/fapiao/fapiao/domain"
	"github.com/fapiao/fapiao/eventstore"
	"github.com/google/uuid"
)

// world makes valid event logs: every event comes from a domain decision on
// the account folded so far, as the ledger would append it.
type world struct {
	tb       testing.TB
	rng      *rand.Rand
	now      time.Time
	env      domain.Env
	accounts map[string]*domain.Account
	records  []eventstore.Record
	pos      eventstore.Position
	ids      uint64
	numbers  uint64
}

var shanghai = time.FixedZone("CST", 8*3600)

func newWorld(tb testing.TB, seed uint64, start time.Time) *world {
	w := &world{
		tb:       tb,
		rng:      rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15)),
		now:      start,
		accounts: map[string]*domain.Account{},
	}
	w.env = domain.Env{
		Issuer:   "Example Cloud Ltd.",
		TaxRate:  domain.DefaultTaxRate,
		Calendar: domain.DefaultCalendar(),
		NewID:    w.newID,
	}
	return w
}

func (w *world) newID() uuid.UUID {
	w.ids++
	var u uuid.UUID
	u[0] = 0x42
	for i := 0; i < 8; i++ {
		u[15-i] = byte(w.ids >> (8 * i))
	}
	return u
}

// do decides cmd for the account at the world's clock, folds the events and
// appends them as records. It fails the test on a refused command.
func (w *world) do(acc string, actor domain.Role, cmd domain.Command) []domain.Event {
	w.tb.Helper()
	a := w.accounts[acc]
	if a == nil {
		a = domain.NewAccount(acc)
		w.accounts[acc] = a
	}
	env := w.env
	env.Now = w.now
	events, err := cmd.Decide(a, env)
	if err != nil {
		w.tb.Fatalf("%s %T at %s: %v", acc, cmd, w.now, err)
	}
	for _, e := range events {
		if iss, ok := e.(domain.InvoiceIssued); ok {
			// The ledger reserves the number in its own stream first (ISSUE-2).
			w.append("invoice-number-"+iss.InvoiceCode+"-"+iss.InvoiceNumber, 0, "InvoiceNumberReserved", map[string]string{"account_id": acc}, actor)
		}
		a.Apply(e)
		w.append("account-"+acc, a.Version-1, e.EventType(), e, actor)
	}
	return events
}

func (w *world) append(stream string, rev uint64, typ string, data any, actor domain.Role) {
	raw, err := json.Marshal(data)
	if err != nil {
		w.tb.Fatal(err)
	}
	meta, err := json.Marshal(eventstore.Metadata{
		OccurredAt:    w.now,
		Actor:         eventstore.Actor{Role: string(actor), ID: string(actor) + "-1"},
		CorrelationID: w.newID().String(),
		SchemaVersion: eventstore.SchemaVersion,
		PrevHash:      "0000000000000000000000000000000000000000000000000000000000000000",
		Hash:          "1111111111111111111111111111111111111111111111111111111111111111",
	})
	if err != nil {
		w.tb.Fatal(err)
	}
	w.pos += 1 + uint64(w.rng.IntN(3)) // positions need not be contiguous
	w.records = append(w.records, eventstore.Record{
		Position: w.pos, Stream: stream, Revision: rev, ID: w.newID(), Type: typ, Data: raw, Metadata: meta,
	})
}

func (w *world) advance(d time.Duration) { w.now = w.now.Add(d) }

var (
	individualTitle = domain.Title{Type: domain.VATGeneral, Holder: domain.HolderIndividual, Name: "张三"}
	beijing         = domain.Address{Recipient: "张三", Phone: "13800138000", Province: "北京市", City: "北京市", District: "海淀区", Street: "中关村大街1号", PostalCode: "100080"}
)

// onboard gives the account an address and an approved title.
func (w *world) onboard(acc string) {
	w.do(acc, domain.RoleCustomer, domain.AddAddress{Address: beijing, Default: true})
	w.do(acc, domain.RoleCustomer, domain.SubmitTitle{Title: individualTitle})
}

// post posts the month's statement with n lines of mixed buckets.
func (w *world) post(acc, month string, n int) {
	lines := make([]domain.StatementLine, n)
	channels := []domain.Channel{domain.ChannelKingsoft, domain.ChannelKingsoft, domain.ChannelMarketplaceSelf, domain.ChannelMarketplaceMerchant}
	for i := range lines {
		amount := 100 + w.rng.IntN(900000)
		voucher := w.rng.IntN(amount / 10)
		mode := domain.Prepaid
		if i%7 == 6 {
			mode = domain.Postpaid
		}
		lines[i] = domain.StatementLine{
			LineID:      fmt.Sprintf("%s-%s-%d", acc, month, i),
			Product:     []string{"ECS", "EBS", "CDN", "RDS"}[i%4],
			BillingMode: mode,
			PurchasedAt: month + "-1" + fmt.Sprint(i%10),
			Channel:     channels[w.rng.IntN(len(channels))],
			Amount:      cents(amount),
			Voucher:     cents(voucher),
			Coupon:      domain.Zero,
			GiftBalance: domain.Zero,
		}
	}
	w.do(acc, domain.RoleBilling, domain.PostStatement{Month: month, Lines: lines})
}

func cents(n int) domain.Money { return domain.MustMoney(fmt.Sprintf("%d.%02d", n/100, n%100)) }

// request applies for an invoice over the months and returns its ID.
func (w *world) request(acc string, months ...string) uuid.UUID {
	ev := w.do(acc, domain.RoleCustomer, domain.RequestInvoice{Statements: months, Agree: true})
	for _, e := range ev {
		if r, ok := e.(domain.InvoiceRequested); ok {
			return r.InvoiceID
		}
	}
	w.tb.Fatalf("no InvoiceRequested for %s %v", acc, months)
	return uuid.Nil
}

// issue approves and issues the invoice today.
func (w *world) issue(acc string, id uuid.UUID) {
	w.do(acc, domain.RoleFinance, domain.ApproveInvoice{InvoiceID: id})
	w.numbers++
	w.do(acc, domain.RoleFinance, domain.IssueInvoice{
		InvoiceID: id, InvoiceCode: "1100000000", InvoiceNumber: fmt.Sprintf("%08d", w.numbers),
		IssuedOn: domain.BusinessDate(w.now),
	})
}

func (w *world) ship(acc string, id uuid.UUID) {
	w.do(acc, domain.RoleFinance, domain.ShipInvoice{InvoiceID: id, Courier: "SF Express", TrackingNumber: fmt.Sprintf("SF%010d", w.numbers)})
}

// returnPaper has the customer return the invoice and finance receive it.
func (w *world) returnPaper(acc string, id uuid.UUID) {
	w.do(acc, domain.RoleCustomer, domain.RequestReturn{InvoiceID: id, Reason: "wrong title"})
	w.do(acc, domain.RoleFinance, domain.ReceiveReturnPaper{InvoiceID: id, Complete: true})
}

func (w *world) redFlush(acc string, id uuid.UUID) {
	w.numbers++
	w.do(acc, domain.RoleFinance, domain.RedFlushInvoice{InvoiceID: id, RedInvoiceCode: "1100000000", RedInvoiceNumber: fmt.Sprintf("%08d", w.numbers)})
}

// month returns YYYY-MM of the month i months after 2025-01.
func month(i int) string {
	return time.Date(2025, time.Month(1+i), 1, 0, 0, 0, 0, time.UTC).Format("2006-01")
}

// genLog makes a realistic log: accounts × months statements of lines lines,
// each month's statement mostly applied for, issued and shipped, some
// cancelled, rejected, returned and voided or red-flushed, and some left
// waiting. It stops once it holds at least maxEvents records (0: no limit).
func genLog(tb testing.TB, seed uint64, accounts, months, lines, maxEvents int) *world {
	w := newWorld(tb, seed, time.Date(2025, 1, 20, 9, 0, 0, 0, shanghai))
	for a := 0; a < accounts; a++ {
		w.onboard(fmt.Sprintf("acc-%05d", a))
	}
	for m := 0; m < months; m++ {
		// Day 3 of the next month, 09:00: every statement of month m may be posted (STMT-1).
		w.now = time.Date(2025, time.Month(m+2), 3, 9, 0, 0, 0, shanghai)
		for a := 0; a < accounts; a++ {
			acc := fmt.Sprintf("acc-%05d", a)
			w.post(acc, month(m), lines)
			if maxEvents > 0 && len(w.records) >= maxEvents {
				return w
			}
		}
		w.advance(24 * time.Hour)
		for a := 0; a < accounts; a++ {
			acc := fmt.Sprintf("acc-%05d", a)
			if w.accounts[acc].Balance().Total.IsZero() {
				continue
			}
			w.lifecycle(acc, month(m))
		}
		if maxEvents > 0 && len(w.records) >= maxEvents {
			return w
		}
	}
	return w
}

// lifecycle takes the month's statement of acc through one of the usual paths.
func (w *world) lifecycle(acc, m string) {
	if s := w.accounts[acc].Statements[m]; s == nil || s.Status != domain.StatementAvailable || !s.Buckets.Invoiceable().IsPositive() {
		return
	}
	switch r := w.rng.IntN(20); {
	case r < 2: // left for later
	case r < 3:
		id := w.request(acc, m)
		w.do(acc, domain.RoleCustomer, domain.CancelInvoice{InvoiceID: id, By: domain.RoleCustomer})
	case r < 4:
		id := w.request(acc, m)
		w.do(acc, domain.RoleFinance, domain.RejectInvoice{InvoiceID: id, Reason: "title mismatch"})
	case r < 5: // waiting for review
		w.request(acc, m)
	case r < 6: // issued, not shipped yet
		id := w.request(acc, m)
		w.issue(acc, id)
	case r < 7: // returned, waiting for the paper
		id := w.request(acc, m)
		w.issue(acc, id)
		w.ship(acc, id)
		w.do(acc, domain.RoleCustomer, domain.RequestReturn{InvoiceID: id, Reason: "lost"})
	case r < 8: // returned in the issue month: void
		id := w.request(acc, m)
		w.issue(acc, id)
		w.ship(acc, id)
		w.returnPaper(acc, id)
		w.do(acc, domain.RoleFinance, domain.VoidInvoice{InvoiceID: id})
	case r < 9: // returned and red-flushed
		id := w.request(acc, m)
		w.issue(acc, id)
		w.ship(acc, id)
		w.returnPaper(acc, id)
		w.redFlush(acc, id)
	default: // the common path
		id := w.request(acc, m)
		w.issue(acc, id)
		w.ship(acc, id)
	}
}

// postKingsoft posts the month's statement as one kingsoft line of amount
// cents, all invoiceable.
func (w *world) postKingsoft(acc, month string, amount int) {
	w.do(acc, domain.RoleBilling, domain.PostStatement{Month: month, Lines: []domain.StatementLine{{
		LineID: acc + "-" + month, Product: "ECS", BillingMode: domain.Prepaid, PurchasedAt: month + "-15",
		Channel: domain.ChannelKingsoft, Amount: cents(amount),
	}}})
}
