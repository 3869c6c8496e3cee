package audit_test

import (
	"context"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/stretchr/testify/require"

	"github.com/fapiao/fapiao/domain"
	"github.com/fapiao/fapiao/eventstore"
	"github.com/fapiao/fapiao/eventstore/bolt"
	"github.com/fapiao/fapiao/eventstore/esdb"
	"github.com/fapiao/fapiao/eventstore/esdb/esdbtest"
	"github.com/fapiao/fapiao/eventstore/memstore"
	"github.com/fapiao/fapiao/ledger"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata/audit")

// goldenDir is the repository's shared test data, not the package's own.
const goldenDir = "../../../../testdata/audit"

// checkGolden compares got with the golden file name, or rewrites it with -update.
func checkGolden(t *testing.T, name string, got []byte) {
	t.Helper()
	path := filepath.Join(goldenDir, name)
	if *update {
		require.NoError(t, os.MkdirAll(goldenDir, 0o755))
		require.NoError(t, os.WriteFile(path, got, 0o644))
		return
	}
	want, err := os.ReadFile(path)
	require.NoError(t, err, "run go test ./audit -update to create it")
	require.Equal(t, string(want), string(got), "golden file %s (run go test ./audit -update if the change is intended)", path)
}

func cst(month time.Month, day, hh, mm int) time.Time {
	return time.Date(2026, month, day, hh, mm, 0, 0, domain.Shanghai())
}

// reportNow is the instant the fixture's reconciliation is judged at.
var reportNow = cst(4, 20, 12, 0)

type fixedClock time.Time

func (c fixedClock) Now() time.Time { return time.Time(c) }

var (
	billing  = eventstore.Actor{Role: string(domain.RoleBilling), ID: "billing"}
	finance  = eventstore.Actor{Role: string(domain.RoleFinance), ID: "fin-1"}
	customer = func(id string) eventstore.Actor { return eventstore.Actor{Role: string(domain.RoleCustomer), ID: id} }
)

// seeder writes the fixture through the ledger: each step on a ledger whose
// clock stands at the step's instant, with fixed idempotency keys and
// correlation IDs, so that every ID and hash is the same on every run.
type seeder struct {
	t     testing.TB
	store eventstore.Store
	step  int
}

func (s *seeder) exec(at time.Time, acc string, actor eventstore.Actor, cmd domain.Command) *domain.Account {
	s.t.Helper()
	s.step++
	led := ledger.New(s.store, ledger.Options{Clock: fixedClock(at), Issuer: "Example Cloud Ltd."})
	res, err := led.Execute(context.Background(), ledger.Request{
		AccountID: acc, Command: cmd, Actor: actor,
		IdempotencyKey: fmt.Sprintf("fixture-%03d", s.step),
		CorrelationID:  fmt.Sprintf("corr-%03d", s.step),
	})
	require.NoError(s.t, err, "step %d: %T", s.step, cmd)
	return res.Account
}

func lines(month, amount string) []domain.StatementLine {
	zero := domain.MustMoney("0.00")
	return []domain.StatementLine{
		{LineID: month + "-kec", Product: "KEC", BillingMode: domain.Prepaid, PurchasedAt: month + "-02",
			Channel: domain.ChannelKingsoft, Amount: domain.MustMoney(amount), Voucher: domain.MustMoney("10.00"), Coupon: zero, GiftBalance: zero},
		{LineID: month + "-mkt", Product: "Marketplace", BillingMode: domain.Prepaid, PurchasedAt: month + "-05",
			Channel: domain.ChannelMarketplaceSelf, Amount: domain.MustMoney("50.00"), Voucher: zero, Coupon: zero, GiftBalance: zero},
	}
}

var (
	title   = domain.Title{Type: domain.VATGeneral, Holder: domain.HolderCompany, Name: "示例科技有限公司", TaxpayerID: "91110108MA01ABCDEN"}
	address = domain.Address{Recipient: "张三", Phone: "13800138000", Province: "北京市", City: "北京市", District: "海淀区", Street: "中关村大街1号", PostalCode: "100080"}
)

// Fixture instants worth replaying to.
var (
	beforeIssue = cst(3, 8, 12, 0) // acc-a's first invoice approved, not yet issued
)

// seed writes the fixture: acc-a with three statements, an invoice issued
// and shipped and one under review; acc-b with one statement and a
// cancelled application.
func seed(t testing.TB, store eventstore.Store) {
	s := &seeder{t: t, store: store}
	s.exec(cst(2, 3, 9, 0), "acc-a", billing, domain.PostStatement{Month: "2026-01", Lines: lines("2026-01", "100.00")})
	s.exec(cst(3, 3, 9, 0), "acc-a", billing, domain.PostStatement{Month: "2026-02", Lines: lines("2026-02", "200.00")})
	s.exec(cst(3, 3, 9, 1), "acc-b", billing, domain.PostStatement{Month: "2026-02", Lines: lines("2026-02", "300.00")})
	s.exec(cst(3, 5, 10, 0), "acc-a", customer("acc-a"), domain.SubmitTitle{Title: title})
	a := s.exec(cst(3, 5, 10, 1), "acc-a", customer("acc-a"), domain.AddAddress{Address: address, Default: true})
	addrA := a.Addresses[0].ID
	a = s.exec(cst(3, 5, 10, 2), "acc-a", customer("acc-a"), domain.RequestInvoice{Statements: []string{"2026-01", "2026-02"}, AddressID: addrA, Agree: true})
	inv1 := a.InvoiceOrder[0]
	s.exec(cst(3, 5, 11, 0), "acc-b", customer("acc-b"), domain.SubmitTitle{Title: title})
	b := s.exec(cst(3, 5, 11, 1), "acc-b", customer("acc-b"), domain.AddAddress{Address: address, Default: true})
	b = s.exec(cst(3, 5, 11, 2), "acc-b", customer("acc-b"), domain.RequestInvoice{Statements: []string{"2026-02"}, AddressID: b.Addresses[0].ID, Agree: true})
	s.exec(cst(3, 6, 9, 0), "acc-a", finance, domain.ApproveInvoice{InvoiceID: inv1})
	s.exec(cst(3, 6, 9, 30), "acc-b", customer("acc-b"), domain.CancelInvoice{InvoiceID: b.InvoiceOrder[0], By: domain.RoleCustomer})
	s.exec(cst(3, 9, 10, 0), "acc-a", finance, domain.IssueInvoice{InvoiceID: inv1, InvoiceCode: "1100261130", InvoiceNumber: "00000001", IssuedOn: "2026-03-09"})
	s.exec(cst(3, 10, 15, 0), "acc-a", finance, domain.ShipInvoice{InvoiceID: inv1, Courier: "顺丰速运", TrackingNumber: "SF1300000001"})
	s.exec(cst(4, 3, 9, 0), "acc-a", billing, domain.PostStatement{Month: "2026-03", Lines: lines("2026-03", "300.00")})
	s.exec(cst(4, 7, 10, 0), "acc-a", customer("acc-a"), domain.RequestInvoice{Statements: []string{"2026-03"}, AddressID: addrA, Agree: true})
}

// Stores under test.

func newMem(t testing.TB) eventstore.Store {
	s := memstore.New()
	t.Cleanup(func() { _ = s.Close() })
	return s
}

func newBolt(t testing.TB) eventstore.Store {
	s, _ := newBoltAt(t, filepath.Join(t.TempDir(), "fapiao.db"))
	return s
}

func newBoltAt(t testing.TB, path string) (*bolt.Store, string) {
	t.Helper()
	s, err := bolt.Open(path)
	require.NoError(t, err)
	t.Cleanup(func() { _ = s.Close() })
	return s, path
}

// newESDB is the EventStoreDB adapter over the in-process fake server.
func newESDB(t testing.TB) eventstore.Store {
	t.Helper()
	srv := esdbtest.New(t)
	s, err := esdb.Open(srv.URL())
	require.NoError(t, err)
	t.Cleanup(func() { _ = s.Close() })
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	require.NoError(t, s.WaitReady(ctx))
	return s
}

var stores = []struct {
	name string
	open func(testing.TB) eventstore.Store
}{
	{"bolt", newBolt},
	{"esdb", newESDB},
	{"mem", newMem},
}

func readAll(t testing.TB, s eventstore.Store) []eventstore.Record {
	t.Helper()
	var out []eventstore.Record
	for r, err := range s.ReadAll(context.Background(), eventstore.Start) {
		require.NoError(t, err)
		out = append(out, r)
	}
	return out
}

var _ = uuid.Nil
