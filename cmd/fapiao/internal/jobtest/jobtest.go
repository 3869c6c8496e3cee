// Package jobtest is the fixture of the job packages' tests (audit,
// logcopy, importer): histories written through the ledger with fixed
// clocks and keys, so that every ID and hash is the same on every run, the
// stores they run on, and the golden files of testdata/audit.
package jobtest

import (
	"bytes"
	"context"
	"fmt"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/fapiao/fapiao/cmd/fapiao/internal/logcopy"
	"github.com/fapiao/fapiao/domain"
	"github.com/fapiao/fapiao/eventstore"
	"github.com/fapiao/fapiao/eventstore/bolt"
	"github.com/fapiao/fapiao/eventstore/esdb"
	"github.com/fapiao/fapiao/eventstore/esdb/esdbtest"
	"github.com/fapiao/fapiao/eventstore/memstore"
	"github.com/fapiao/fapiao/eventstore/seglog"
	"github.com/fapiao/fapiao/eventstore/storetest"
	"github.com/fapiao/fapiao/internal/testkit"
	"github.com/fapiao/fapiao/ledger"
)

// goldenDir is the repository's shared test data, not the package's own;
// every package using it sits at the same depth.
const goldenDir = "../../../../testdata/audit"

// goldenPackages are the packages whose tests check golden files here.
const goldenPackages = "./cmd/fapiao/internal/audit ./cmd/fapiao/internal/logcopy"

// CheckGolden compares got with the golden file name in testdata/audit, or
// rewrites it when the test runs with -update (testkit.Golden).
func CheckGolden(t *testing.T, name string, got []byte) {
	t.Helper()
	testkit.Golden(t, filepath.Join(goldenDir, name), got)
	if t.Failed() {
		t.Logf("testdata/audit is shared: go test %s -update rewrites it", goldenPackages)
	}
}

// At is an instant of 2026 in Asia/Shanghai.
func At(month time.Month, day, hh, mm int) time.Time {
	return time.Date(2026, month, day, hh, mm, 0, 0, domain.Shanghai())
}

// ReportNow is the instant the fixture's reconciliation is judged at.
var ReportNow = At(4, 20, 12, 0)

// The actors of the fixture.
var (
	Billing  = eventstore.Actor{Role: string(domain.RoleBilling), ID: "billing"}
	Finance  = eventstore.Actor{Role: string(domain.RoleFinance), ID: "fin-1"}
	Customer = func(id string) eventstore.Actor { return eventstore.Actor{Role: string(domain.RoleCustomer), ID: id} }
)

// seeder writes the fixture through the ledger: each step on a ledger whose
// clock stands at the step's instant, with fixed idempotency keys and
// correlation IDs, so that every ID and hash is the same on every run.
type seeder struct {
	t     testing.TB
	store eventstore.Store
	step  int
}

// exec runs cmd for acc as actor at the instant at and returns the
// account after it; the test fails if the command is refused.
func (s *seeder) exec(at time.Time, acc string, actor eventstore.Actor, cmd domain.Command) *domain.Account {
	s.t.Helper()
	s.step++
	led := ledger.New(s.store, ledger.Options{Clock: ledger.FixedClock(at), Issuer: "Example Cloud Ltd."})
	res, err := led.Execute(context.Background(), ledger.Request{
		AccountID: acc, Command: cmd, Actor: actor,
		IdempotencyKey: fmt.Sprintf("fixture-%03d", s.step),
		CorrelationID:  fmt.Sprintf("corr-%03d", s.step),
	})
	require.NoError(s.t, err, "step %d: %T", s.step, cmd)
	return res.Account
}

// Lines is a month's statement: a kingsoft line of amount (with a voucher)
// and a marketplace line.
func Lines(month, amount string) []domain.StatementLine {
	zero := domain.MustMoney("0.00")
	return []domain.StatementLine{
		{LineID: month + "-kec", Product: "KEC", BillingMode: domain.Prepaid, PurchasedAt: month + "-02",
			Channel: domain.ChannelKingsoft, Amount: domain.MustMoney(amount), Voucher: domain.MustMoney("10.00"), Coupon: zero, GiftBalance: zero},
		{LineID: month + "-mkt", Product: "Marketplace", BillingMode: domain.Prepaid, PurchasedAt: month + "-05",
			Channel: domain.ChannelMarketplaceSelf, Amount: domain.MustMoney("50.00"), Voucher: zero, Coupon: zero, GiftBalance: zero},
	}
}

// The title and address the fixture's customers use.
var (
	Title   = domain.Title{Type: domain.VATGeneral, Holder: domain.HolderCompany, Name: "示例科技有限公司", TaxpayerID: "91110108MA01ABCDEN"}
	Address = domain.Address{Recipient: "张三", Phone: "13800138000", Province: "北京市", City: "北京市", District: "海淀区", Street: "中关村大街1号", PostalCode: "100080"}
)

// Fixture instants worth replaying to.
var (
	BeforeIssue = At(3, 8, 12, 0) // acc-a's first invoice approved, not yet issued
)

// Seed writes the fixture: acc-a with three statements, an invoice issued
// and shipped and one under review; acc-b with one statement and a
// cancelled application. It returns store.
func Seed(t testing.TB, store eventstore.Store) eventstore.Store {
	s := &seeder{t: t, store: store}
	s.exec(At(2, 3, 9, 0), "acc-a", Billing, domain.PostStatement{Month: "2026-01", Lines: Lines("2026-01", "100.00")})
	s.exec(At(3, 3, 9, 0), "acc-a", Billing, domain.PostStatement{Month: "2026-02", Lines: Lines("2026-02", "200.00")})
	s.exec(At(3, 3, 9, 1), "acc-b", Billing, domain.PostStatement{Month: "2026-02", Lines: Lines("2026-02", "300.00")})
	s.exec(At(3, 5, 10, 0), "acc-a", Customer("acc-a"), domain.SubmitTitle{Title: Title})
	a := s.exec(At(3, 5, 10, 1), "acc-a", Customer("acc-a"), domain.AddAddress{Address: Address, Default: true})
	addrA := a.Addresses[0].ID
	a = s.exec(At(3, 5, 10, 2), "acc-a", Customer("acc-a"), domain.RequestInvoice{Statements: []string{"2026-01", "2026-02"}, AddressID: addrA, Agree: true})
	inv1 := a.InvoiceOrder[0]
	s.exec(At(3, 5, 11, 0), "acc-b", Customer("acc-b"), domain.SubmitTitle{Title: Title})
	b := s.exec(At(3, 5, 11, 1), "acc-b", Customer("acc-b"), domain.AddAddress{Address: Address, Default: true})
	b = s.exec(At(3, 5, 11, 2), "acc-b", Customer("acc-b"), domain.RequestInvoice{Statements: []string{"2026-02"}, AddressID: b.Addresses[0].ID, Agree: true})
	s.exec(At(3, 6, 9, 0), "acc-a", Finance, domain.ApproveInvoice{InvoiceID: inv1})
	s.exec(At(3, 6, 9, 30), "acc-b", Customer("acc-b"), domain.CancelInvoice{InvoiceID: b.InvoiceOrder[0], By: domain.RoleCustomer})
	s.exec(At(3, 9, 10, 0), "acc-a", Finance, domain.IssueInvoice{InvoiceID: inv1, InvoiceCode: "1100261130", InvoiceNumber: "00000001", IssuedOn: "2026-03-09"})
	s.exec(At(3, 10, 15, 0), "acc-a", Finance, domain.ShipInvoice{InvoiceID: inv1, Courier: "顺丰速运", TrackingNumber: "SF1300000001"})
	s.exec(At(4, 3, 9, 0), "acc-a", Billing, domain.PostStatement{Month: "2026-03", Lines: Lines("2026-03", "300.00")})
	s.exec(At(4, 7, 10, 0), "acc-a", Customer("acc-a"), domain.RequestInvoice{Statements: []string{"2026-03"}, AddressID: addrA, Agree: true})
	return store
}

// Stores under test.

// NewMem is an in-memory store.
func NewMem(t testing.TB) eventstore.Store {
	s := memstore.New()
	t.Cleanup(func() { _ = s.Close() })
	return s
}

// NewBolt is a bolt store in a new file.
func NewBolt(t testing.TB) eventstore.Store {
	s, _ := NewBoltAt(t, filepath.Join(t.TempDir(), "fapiao.db"))
	return s
}

// NewBoltAt opens a bolt store at path and returns it with its path.
func NewBoltAt(t testing.TB, path string) (*bolt.Store, string) {
	t.Helper()
	s, err := bolt.Open(path)
	require.NoError(t, err)
	t.Cleanup(func() { _ = s.Close() })
	return s, path
}

// NewESDB is the EventStoreDB adapter over the in-process fake server.
func NewESDB(t testing.TB) eventstore.Store {
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

// Stores are the stores every job is run on.
var Stores = []struct {
	Name string
	Open func(testing.TB) eventstore.Store
}{
	{"bolt", NewBolt},
	{"esdb", NewESDB},
	{"mem", NewMem},
}

// EachStore runs test on a new store of each of Stores, as parallel
// subtests named after them.
func EachStore(t *testing.T, test func(t *testing.T, store eventstore.Store)) {
	for _, st := range Stores {
		t.Run(st.Name, func(t *testing.T) {
			t.Parallel()
			test(t, st.Open(t))
		})
	}
}

// ReadAll is the whole log of s (storetest.ReadAll).
func ReadAll(t testing.TB, s eventstore.Store) []eventstore.Record {
	t.Helper()
	return storetest.ReadAll(t, s)
}

// SeedElectronic writes an e-invoice history through the ledger: a quota
// set, two electronic invoices issued, one red-flushed through a confirmed
// return confirmation, the other with a seller-entered confirmation that
// expired (RED-3) and a return whose exchange failed for want of a title
// (RETURN-6), red-flushed through a not-required confirmation. It returns
// store.
func SeedElectronic(t testing.TB, store eventstore.Store) eventstore.Store {
	s := &seeder{t: t, store: store}
	led := ledger.New(store, ledger.Options{Clock: ledger.FixedClock(At(3, 2, 9, 0))})
	_, _, err := led.SetQuota(context.Background(), ledger.QuotaRequest{Month: "2026-03", Amount: "1000.00", Actor: Finance,
		IdempotencyKey: "fixture-quota", CorrelationID: "corr-quota"})
	require.NoError(t, err)
	s.exec(At(2, 3, 9, 0), "acc-e", Billing, domain.PostStatement{Month: "2026-01", Lines: Lines("2026-01", "100.00")})
	s.exec(At(3, 3, 9, 0), "acc-e", Billing, domain.PostStatement{Month: "2026-02", Lines: Lines("2026-02", "200.00")})
	s.exec(At(3, 5, 10, 0), "acc-e", Customer("acc-e"), domain.SubmitTitle{Title: Title})
	emails := []string{"ap@example.com"}
	a := s.exec(At(3, 5, 10, 1), "acc-e", Customer("acc-e"), domain.RequestInvoice{Statements: []string{"2026-01"}, Agree: true, Medium: domain.Electronic, Emails: emails})
	inv1 := a.InvoiceOrder[0]
	a = s.exec(At(3, 5, 10, 2), "acc-e", Customer("acc-e"), domain.RequestInvoice{Statements: []string{"2026-02"}, Agree: true, Medium: domain.Electronic, Emails: emails})
	inv2 := a.InvoiceOrder[1]
	for i, number := range []string{"26000000000000000001", "26000000000000000002"} {
		id := a.InvoiceOrder[i]
		s.exec(At(3, 5, 11, i), "acc-e", Finance, domain.ApproveInvoice{InvoiceID: id})
		s.exec(At(3, 6, 11, i), "acc-e", Finance, domain.IssueInvoice{InvoiceID: id, InvoiceNumber: number, IssuedOn: "2026-03-06"})
	}
	a = s.exec(At(3, 9, 9, 0), "acc-e", Customer("acc-e"), domain.EnterConfirmation{InvoiceID: inv1, By: domain.RoleCustomer,
		Reason: domain.ReasonServiceTerminated, Booked: true})
	c1 := a.ConfirmationOrder[0]
	s.exec(At(3, 9, 10, 0), "acc-e", Finance, domain.ConfirmConfirmation{ConfirmationID: c1, By: domain.RoleFinance})
	s.exec(At(3, 9, 11, 0), "acc-e", Finance, domain.RedFlushInvoice{InvoiceID: inv1, RedInvoiceNumber: "26000000000000000003", ConfirmationID: &c1})
	a = s.exec(At(3, 10, 9, 0), "acc-e", Finance, domain.EnterConfirmation{InvoiceID: inv2, By: domain.RoleFinance,
		Reason: domain.ReasonIssuingError, Booked: true})
	c2 := a.ConfirmationOrder[1]
	s.exec(At(3, 13, 9, 0), "acc-e", eventstore.Actor{Role: "system", ID: "deadline-scheduler"}, domain.ExpireConfirmation{ConfirmationID: c2})
	s.exec(At(3, 16, 9, 0), "acc-e", Customer("acc-e"), domain.RequestReturn{InvoiceID: inv2, Reason: "名称有误", Exchange: true})
	a = s.exec(At(3, 16, 10, 0), "acc-e", Finance, domain.EnterConfirmation{InvoiceID: inv2, By: domain.RoleFinance, Reason: domain.ReasonIssuingError})
	c3 := a.ConfirmationOrder[2]
	s.exec(At(3, 16, 11, 0), "acc-e", eventstore.Actor{Role: "support", ID: "sup-1"}, domain.ClearTitle{Reason: "renamed", Ticket: "T-1"})
	s.exec(At(3, 16, 12, 0), "acc-e", Finance, domain.RedFlushInvoice{InvoiceID: inv2, RedInvoiceNumber: "26000000000000000004", ConfirmationID: &c3})
	return store
}

// Export is the canonical export of s (AUD-4).
func Export(t *testing.T, s eventstore.Store) string {
	t.Helper()
	var buf bytes.Buffer
	_, err := logcopy.Export(context.Background(), s, eventstore.Start, &buf)
	require.NoError(t, err)
	return buf.String()
}

// NewLog is the segmented log store in a new directory.
func NewLog(t testing.TB) eventstore.Store {
	t.Helper()
	s, err := seglog.Open(filepath.Join(t.TempDir(), "log"))
	require.NoError(t, err)
	t.Cleanup(func() { _ = s.Close() })
	return s
}

// RequireSameLog compares two logs event by event, positions aside.
func RequireSameLog(t *testing.T, a, b eventstore.Store) {
	t.Helper()
	ra, rb := ReadAll(t, a), ReadAll(t, b)
	require.Equal(t, len(ra), len(rb))
	for i := range ra {
		ra[i].Position, rb[i].Position = 0, 0
		la, err := logcopy.CanonicalRecord(ra[i])
		require.NoError(t, err)
		lb, err := logcopy.CanonicalRecord(rb[i])
		require.NoError(t, err)
		require.Equal(t, string(la), string(lb))
	}
}
