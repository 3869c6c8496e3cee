package ledger_test

import (
	"context"
	"os"
	"testing"

	"github.com/google/uuid"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/fapiao/fapiao/domain"
	"github.com/fapiao/fapiao/eventstore"
	"github.com/fapiao/fapiao/eventstore/esdb"
	"github.com/fapiao/fapiao/eventstore/esdb/esdbtest"
	"github.com/fapiao/fapiao/ledger"
)

// TestJourneyOnEveryStore runs the ledger's main journey, unchanged, on each
// backend: the embedded bolt file, the segmented log, the EventStoreDB adapter over the protocol
// fake, the in-memory store, and a real EventStoreDB when FAPIAO_ESDB_URL
// names one.
func TestJourneyOnEveryStore(t *testing.T) {
	stores := []struct {
		name string
		open func(t *testing.T) eventstore.Store
	}{
		{"bolt", func(t *testing.T) eventstore.Store { return openBolt(t) }},
		{"log", func(t *testing.T) eventstore.Store { return openLog(t) }},
		{"esdb-fake", func(t *testing.T) eventstore.Store { return openESDB(t, esdbtest.New(t).URL()) }},
		{"memstore", func(t *testing.T) eventstore.Store { return newMem(t) }},
	}
	if url := os.Getenv("FAPIAO_ESDB_URL"); url != "" {
		stores = append(stores, struct {
			name string
			open func(t *testing.T) eventstore.Store
		}{"esdb-real", func(t *testing.T) eventstore.Store { return openESDB(t, url) }})
	}
	for _, st := range stores {
		t.Run(st.name, func(t *testing.T) {
			t.Parallel()
			s := st.open(t)
			journey(t, s, "journey-"+uuid.NewString()[:8])
		})
	}
}

func openESDB(t *testing.T, url string) eventstore.Store {
	t.Helper()
	s, err := esdb.Open(url)
	require.NoError(t, err)
	t.Cleanup(func() { _ = s.Close() })
	return s
}

// journey: statements, title, address, apply over two months, cancel,
// re-apply, approve, issue, ship, return, paper received, void; then the
// balance is whole again and a fresh ledger folds the same state.
func journey(t *testing.T, s eventstore.Store, acc string) {
	ctx := context.Background()
	l := newLedger(s)
	addr := ready(t, l, acc, "2026-01", "2026-02")

	first := apply(t, l, acc, addr, "2026-01", "2026-02")
	exec(t, l, acc, customer(acc), domain.CancelInvoice{InvoiceID: first, By: domain.RoleCustomer})
	inv := apply(t, l, acc, addr, "2026-01", "2026-02")
	exec(t, l, acc, finance, domain.ApproveInvoice{InvoiceID: inv})
	exec(t, l, acc, finance, issue(inv, 70000000+int(uuid.New().ID()%9999999)))
	exec(t, l, acc, finance, domain.ShipInvoice{InvoiceID: inv, Courier: "SF", TrackingNumber: "SF1234567890"})

	mid, err := l.Load(ctx, acc)
	require.NoError(t, err)
	assert.Equal(t, "200.00", mid.Balance().Invoiced.String())
	assert.True(t, mid.Balance().Total.IsZero())

	exec(t, l, acc, customer(acc), domain.RequestReturn{InvoiceID: inv, Reason: "抬头错误"})
	exec(t, l, acc, finance, domain.ReceiveReturnPaper{InvoiceID: inv, Complete: true})
	res := exec(t, l, acc, finance, domain.VoidInvoice{InvoiceID: inv})

	got := res.Account.Invoice(inv)
	require.NotNil(t, got)
	assert.Equal(t, domain.Voided, got.Status)
	assert.Equal(t, domain.Cancelled, res.Account.Invoice(first).Status)
	bal := res.Account.Balance()
	assert.Equal(t, "200.00", bal.Total.String(), "RETURN-5: the amount is invoiceable again")
	assert.True(t, bal.Reserved.IsZero())
	assert.True(t, bal.Invoiced.IsZero())
	require.NoError(t, res.Account.CheckInvariants())

	fresh, err := newLedger(s).Load(ctx, acc)
	require.NoError(t, err)
	assert.Equal(t, res.Account, fresh, "a fresh ledger folds the same state from the log")

	// The account's stream verifies link by link.
	prev := ""
	n := 0
	for r, err := range s.ReadStream(ctx, ledger.StreamName(acc), 0) {
		require.NoError(t, err)
		prev, err = eventstore.VerifyLink(r, prev)
		require.NoError(t, err)
		n++
	}
	assert.Equal(t, int(fresh.Version), n)
}
