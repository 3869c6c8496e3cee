package deadlines_test

import (
	"context"
	"log/slog"
	"sync"
	"sync/atomic"
	"testing"
	"testing/synctest"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/fapiao/fapiao/cmd/fapiao/internal/deadlines"
	"github.com/fapiao/fapiao/domain"
	"github.com/fapiao/fapiao/eventstore"
	"github.com/fapiao/fapiao/eventstore/memstore"
	"github.com/fapiao/fapiao/ledger"
	"github.com/fapiao/fapiao/projections"
)

// clock is a settable clock shared by the ledgers and the schedulers.
type clock struct{ ns atomic.Int64 }

func (c *clock) Now() time.Time      { return time.Unix(0, c.ns.Load()) }
func (c *clock) set(t time.Time)     { c.ns.Store(t.UnixNano()) }
func (c *clock) add(d time.Duration) { c.ns.Add(int64(d)) }

var (
	finance  = eventstore.Actor{Role: "finance", ID: "fin"}
	customer = eventstore.Actor{Role: "customer", ID: "acc-1"}
	billing  = eventstore.Actor{Role: "billing", ID: "billing"}
)

func exec(t *testing.T, l *ledger.Ledger, actor eventstore.Actor, cmd domain.Command) ledger.Result {
	t.Helper()
	res, err := l.Execute(context.Background(), ledger.Request{AccountID: "acc-1", Actor: actor, Command: cmd})
	require.NoError(t, err, "%T", cmd)
	return res
}

// pendingConfirmation makes acc-1's electronic invoice with a
// seller-entered, booked confirmation pending the buyer, entered at the
// clock's time.
func pendingConfirmation(t *testing.T, l *ledger.Ledger) {
	t.Helper()
	exec(t, l, billing, domain.PostStatement{Month: "2026-09", Lines: []domain.StatementLine{{LineID: "l", Product: "ECS",
		BillingMode: domain.Prepaid, PurchasedAt: "2026-09-01", Channel: domain.ChannelKingsoft, Amount: domain.MustMoney("100.00")}}})
	exec(t, l, customer, domain.SubmitTitle{Title: domain.Title{Type: domain.VATGeneral, Holder: domain.HolderIndividual, Name: "张三"}})
	res := exec(t, l, customer, domain.RequestInvoice{Statements: []string{"2026-09"}, Agree: true, Medium: domain.Electronic, Emails: []string{"a@example.com"}})
	id := res.Account.InvoiceOrder[0]
	exec(t, l, finance, domain.ApproveInvoice{InvoiceID: id})
	exec(t, l, finance, domain.IssueInvoice{InvoiceID: id, InvoiceNumber: "26000000000000000001", IssuedOn: "2026-10-12"})
	exec(t, l, finance, domain.EnterConfirmation{InvoiceID: id, By: domain.RoleFinance, Reason: domain.ReasonIssuingError, Booked: true})
}

// replica is what a serving replica sees: a ledger over a new store,
// driven by a settable clock, and live projections that have seen acc-1's
// pending confirmation, entered at 10:00 on 12 October 2026.
type replica struct {
	store *memstore.Store
	clk   *clock
	proj  *projections.Projections
	l     *ledger.Ledger
	ctx   context.Context
}

// startReplica starts a replica; stop ends its projections and waits for
// them.
func startReplica(t *testing.T) (r replica, stop func()) {
	t.Helper()
	r.store = memstore.New()
	t.Cleanup(func() { _ = r.store.Close() })
	r.clk = &clock{}
	r.clk.set(time.Date(2026, 10, 12, 10, 0, 0, 0, domain.Shanghai()))
	r.proj = projections.New()
	ctx, cancel := context.WithCancel(context.Background())
	r.ctx = ctx
	done := make(chan struct{})
	go func() { defer close(done); _ = projections.Run(ctx, r.store, r.proj, slog.New(slog.DiscardHandler)) }()
	r.l = ledger.New(r.store, ledger.Options{Clock: r.clk})
	pendingConfirmation(t, r.l)
	require.NoError(t, r.proj.WaitFor(ctx, r.store.LastPosition()))
	return r, func() { cancel(); <-done }
}

// TestRED3_SchedulerExpiresOnceAcrossReplicas: three schedulers on three
// ledgers (replicas) over one store tick together at and after the
// deadline: exactly one expiry event is written, none before the
// deadline, and a replay of the log shows the confirmation expired.
func TestRED3_SchedulerExpiresOnceAcrossReplicas(t *testing.T) {
	r, stop := startReplica(t)
	t.Cleanup(stop)
	store, clk, proj, ctx := r.store, r.clk, r.proj, r.ctx
	var scheds []*deadlines.Scheduler
	for range 3 {
		scheds = append(scheds, &deadlines.Scheduler{Ledger: ledger.New(store, ledger.Options{Clock: clk}), Projections: proj, Clock: clk,
			Log: slog.New(slog.DiscardHandler)})
	}
	require.Len(t, proj.PendingConfirmations("", nil), 1)

	clk.add(72*time.Hour - time.Second)
	require.Zero(t, scheds[0].Tick(ctx), "nothing is due a second early")

	clk.add(time.Second)
	var wg sync.WaitGroup
	var written atomic.Int32
	for _, s := range scheds {
		wg.Add(1)
		go func() { defer wg.Done(); written.Add(int32(s.Tick(ctx))) }()
	}
	wg.Wait()
	require.NoError(t, proj.WaitFor(ctx, store.LastPosition()))
	for _, s := range scheds {
		written.Add(int32(s.Tick(ctx)))
	}
	// Replicas racing on the same deadline may each be answered for the one
	// append (the store recognises the same event IDs); the log holds one.
	require.GreaterOrEqual(t, written.Load(), int32(1))

	var expiries []eventstore.Record
	for r, err := range store.ReadAll(ctx, eventstore.Start) {
		require.NoError(t, err)
		if r.Type == "RedLetterConfirmationExpired" {
			expiries = append(expiries, r)
		}
	}
	require.Len(t, expiries, 1)
	require.Empty(t, proj.PendingConfirmations("", nil))

	// Replay gives the same state as live.
	replayed, err := projections.Replay(ctx, store, nil)
	require.NoError(t, err)
	live, _ := proj.Account("acc-1")
	again, _ := replayed.Account("acc-1")
	cid := live.ConfirmationOrder[0]
	require.Equal(t, domain.ConfirmationExpired, again.Confirmation(cid).Status)
	require.Equal(t, *live.Confirmation(cid), *again.Confirmation(cid))
}

// TestRED3_RunExpiresWhileServing: a running scheduler writes the expiry
// within one interval of the deadline passing (DefaultInterval is well under
// RED-3's minute), without a restart. The scheduler's ticker runs on
// synctest's clock: the test waits exactly one interval, and no real time.
func TestRED3_RunExpiresWhileServing(t *testing.T) {
	require.Less(t, deadlines.DefaultInterval, time.Minute)
	synctest.Test(t, func(t *testing.T) {
		r, stop := startReplica(t)
		clk, proj := r.clk, r.proj

		s := &deadlines.Scheduler{Ledger: r.l, Projections: proj, Clock: clk, Interval: deadlines.DefaultInterval, Log: slog.New(slog.DiscardHandler)}
		ran := make(chan struct{})
		go func() { defer close(ran); s.Run(r.ctx) }()
		defer func() { stop(); <-ran }()

		time.Sleep(3 * deadlines.DefaultInterval)
		synctest.Wait()
		require.Len(t, proj.PendingConfirmations("", nil), 1, "nothing expires before the deadline")
		clk.add(72 * time.Hour)
		time.Sleep(deadlines.DefaultInterval)
		synctest.Wait()
		require.Empty(t, proj.PendingConfirmations("", nil), "not expired within one interval of the deadline")
	})
}
