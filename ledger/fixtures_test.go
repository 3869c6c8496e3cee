package ledger_test

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/stretchr/testify/require"

	"github.com/fapiao/fapiao/domain"
	"github.com/fapiao/fapiao/eventstore"
	"github.com/fapiao/fapiao/eventstore/bolt"
	"github.com/fapiao/fapiao/eventstore/memstore"
	"github.com/fapiao/fapiao/eventstore/seglog"
	"github.com/fapiao/fapiao/eventstore/storetest"
	"github.com/fapiao/fapiao/ledger"
)

// now is the fixed instant of the tests: every month up to 2026-02 can be
// posted (STMT-1), and it is a business day.
var now = time.Date(2026, 3, 10, 10, 0, 0, 0, time.FixedZone("CST", 8*3600))

var (
	billing  = eventstore.Actor{Role: string(domain.RoleBilling), ID: "billing"}
	finance  = eventstore.Actor{Role: string(domain.RoleFinance), ID: "fin-1"}
	support  = eventstore.Actor{Role: string(domain.RoleSupport), ID: "sup-1"}
	customer = func(id string) eventstore.Actor { return eventstore.Actor{Role: string(domain.RoleCustomer), ID: id} }
)

func newLedger(s eventstore.Store) *ledger.Ledger {
	return ledger.New(s, ledger.Options{Clock: ledger.FixedClock(now), Issuer: "Example Cloud Ltd."})
}

func openBolt(t testing.TB) *bolt.Store {
	t.Helper()
	s, err := bolt.Open(filepath.Join(t.TempDir(), "fapiao.db"))
	require.NoError(t, err)
	t.Cleanup(func() { _ = s.Close() })
	return s
}

func openLog(t testing.TB) *seglog.Store {
	t.Helper()
	s, err := seglog.Open(filepath.Join(t.TempDir(), "log"))
	require.NoError(t, err)
	t.Cleanup(func() { _ = s.Close() })
	return s
}

// memLedger is a ledger (newLedger) over a new in-memory store, and the
// store.
func memLedger(t testing.TB) (*ledger.Ledger, *memstore.Store) {
	s := newMem(t)
	return newLedger(s), s
}

func newMem(t testing.TB) *memstore.Store {
	s := memstore.New()
	t.Cleanup(func() { _ = s.Close() })
	return s
}

// statement is a month with one kingsoft line of amount (all invoiceable).
func statement(month, amount string) domain.PostStatement {
	return domain.PostStatement{Month: month, Lines: []domain.StatementLine{{
		LineID:      "l-" + month,
		Product:     "ECS",
		BillingMode: domain.Prepaid,
		PurchasedAt: month + "-15",
		Channel:     domain.ChannelKingsoft,
		Amount:      domain.MustMoney(amount),
	}}}
}

var (
	generalTitle = domain.Title{Type: domain.VATGeneral, Holder: domain.HolderCompany, Name: "示例科技有限公司", TaxpayerID: "91110108MA01ABCDEN"}
	beijing      = domain.Address{Recipient: "张三", Phone: "13800138000", Province: "北京市", City: "北京市", District: "海淀区", Street: "中关村大街1号", PostalCode: "100080"}
)

// exec runs a command that must succeed.
func exec(t testing.TB, l *ledger.Ledger, acc string, actor eventstore.Actor, cmd domain.Command) ledger.Result {
	t.Helper()
	res, err := l.Execute(context.Background(), ledger.Request{AccountID: acc, Command: cmd, Actor: actor})
	require.NoError(t, err, "%T", cmd)
	return res
}

// ready posts the months' statements and gives the account an approved
// title and an address; it returns the address ID.
func ready(t testing.TB, l *ledger.Ledger, acc string, months ...string) uuid.UUID {
	t.Helper()
	for _, m := range months {
		exec(t, l, acc, billing, statement(m, "100.00"))
	}
	exec(t, l, acc, customer(acc), domain.SubmitTitle{Title: generalTitle})
	res := exec(t, l, acc, customer(acc), domain.AddAddress{Address: beijing, Default: true})
	return res.Account.Addresses[len(res.Account.Addresses)-1].ID
}

// apply requests an invoice and returns its ID.
func apply(t testing.TB, l *ledger.Ledger, acc string, addr uuid.UUID, months ...string) uuid.UUID {
	t.Helper()
	res := exec(t, l, acc, customer(acc), domain.RequestInvoice{Statements: months, AddressID: addr, Agree: true})
	return res.Account.InvoiceOrder[len(res.Account.InvoiceOrder)-1]
}

func issue(id uuid.UUID, number int) domain.IssueInvoice {
	return domain.IssueInvoice{InvoiceID: id, InvoiceCode: "1100261130", InvoiceNumber: fmt.Sprintf("%08d", number), IssuedOn: domain.BusinessDate(now)}
}

func readStream(t testing.TB, s eventstore.Store, stream string) []eventstore.Record {
	t.Helper()
	var out []eventstore.Record
	for r, err := range s.ReadStream(context.Background(), stream, 0) {
		if errors.Is(err, eventstore.ErrStreamNotFound) {
			return nil
		}
		require.NoError(t, err)
		out = append(out, r)
	}
	return out
}

func lastPosition(t testing.TB, s eventstore.Store) eventstore.Position {
	t.Helper()
	all := storetest.ReadAll(t, s)
	if len(all) == 0 {
		return 0
	}
	return all[len(all)-1].Position
}

// verifyChains checks the hash chain of every stream in the log.
func verifyChains(t testing.TB, s eventstore.Store) int {
	t.Helper()
	prev := map[string]string{}
	all := storetest.ReadAll(t, s)
	for _, r := range all {
		h, err := eventstore.VerifyLink(r, prev[r.Stream])
		require.NoError(t, err)
		prev[r.Stream] = h
	}
	return len(all)
}

// race runs do(0) … do(n-1) in n goroutines released at once, as racing
// replicas or clients, and returns their errors by index.
func race(n int, do func(i int) error) []error {
	type result struct {
		i   int
		err error
	}
	results := make(chan result, n)
	start := make(chan struct{})
	for i := range n {
		go func() {
			<-start
			results <- result{i, do(i)}
		}()
	}
	close(start)
	errs := make([]error, n)
	for range n {
		r := <-results
		errs[r.i] = r.err
	}
	return errs
}

func ruleCode(err error) string {
	if re, ok := domain.AsRuleError(err); ok {
		return re.Code
	}
	return ""
}
