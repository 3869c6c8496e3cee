package ledger_test

import (
	"context"
	"encoding/json"
	"fmt"
	"runtime"
	"sync/atomic"
	"testing"

	"github.com/google/uuid"

	"github.com/fapiao/fapiao/domain"
	"github.com/fapiao/fapiao/eventstore"
	"github.com/fapiao/fapiao/internal/testkit"
	"github.com/fapiao/fapiao/ledger"
)

// script is one account's life in the benchmark mix: post two statements,
// submit a title, add an address, apply, approve, issue, apply again and
// cancel. Every command succeeds and writes.
type script struct {
	l *ledger.Ledger
	// views: every command answers through a Request.View that encodes
	// what it changed as JSON, as the API does, instead of a copy.
	views   bool
	acc     string
	step    int
	addr    uuid.UUID
	invoice uuid.UUID
}

const scriptSteps = 9

var (
	benchAccounts atomic.Int64
	benchNumbers  atomic.Int64
)

func (s *script) next(ctx context.Context) error {
	if s.step == scriptSteps || s.acc == "" {
		*s = script{l: s.l, views: s.views, acc: fmt.Sprintf("bench-%d", benchAccounts.Add(1))}
	}
	var (
		cmd   domain.Command
		actor = customer(s.acc)
	)
	switch s.step {
	case 0:
		cmd, actor = statement("2026-01", "100.00"), billing
	case 1:
		cmd, actor = statement("2026-02", "50.00"), billing
	case 2:
		cmd = domain.SubmitTitle{Title: generalTitle}
	case 3:
		cmd = domain.AddAddress{Address: beijing, Default: true}
	case 4, 7:
		months := []string{"2026-01"}
		if s.step == 7 {
			months = []string{"2026-02"}
		}
		cmd = domain.RequestInvoice{Statements: months, AddressID: s.addr, Agree: true}
	case 5:
		cmd, actor = domain.ApproveInvoice{InvoiceID: s.invoice}, finance
	case 6:
		cmd, actor = issue(s.invoice, int(benchNumbers.Add(1))), finance
	case 8:
		cmd = domain.CancelInvoice{InvoiceID: s.invoice, By: domain.RoleCustomer}
	}
	req := ledger.Request{AccountID: s.acc, Actor: actor, Command: cmd, IdempotencyKey: fmt.Sprintf("%s-%d", s.acc, s.step)}
	if s.views {
		req.View = benchView(s.step)
	}
	res, err := s.l.Execute(ctx, req)
	if err != nil {
		return fmt.Errorf("%s step %d (%T): %w", s.acc, s.step, cmd, err)
	}
	switch {
	case s.step == 3 && s.views:
		s.addr = res.View.(viewed).id
	case s.step == 3:
		s.addr = res.Account.Addresses[0].ID
	case (s.step == 4 || s.step == 7) && s.views:
		s.invoice = res.View.(viewed).id
	case s.step == 4 || s.step == 7:
		s.invoice = res.Account.InvoiceOrder[len(res.Account.InvoiceOrder)-1]
	}
	s.step++
	return nil
}

// viewed is a view's answer: the ID of what a command acted on, and its JSON.
type viewed struct {
	id   uuid.UUID
	json []byte
}

// benchView is the view of a script step: the statement, title, address
// or invoice it changed, encoded under the ledger's lock.
func benchView(step int) func(*domain.Account) any {
	return func(acc *domain.Account) any {
		var (
			v   any
			out viewed
		)
		switch step {
		case 0, 1:
			v = acc.Statements[[]string{"2026-01", "2026-02"}[step]]
		case 2:
			v, out.id = acc.Title, acc.Title.ID
		case 3:
			a := acc.Addresses[len(acc.Addresses)-1]
			v, out.id = a, a.ID
		default:
			out.id = acc.InvoiceOrder[len(acc.InvoiceOrder)-1]
			v = acc.Invoices[out.id]
		}
		out.json, _ = json.Marshal(v)
		return out
	}
}

// BenchmarkExecute measures commands per second through the ledger, one
// goroutine and 64, on the in-memory store, on a bolt file and on the
// segmented log (both with fsync per group commit). Every command's
// result carries a copy of the account.
func BenchmarkExecute(b *testing.B) { benchmarkExecute(b, false) }

// BenchmarkExecuteViews is BenchmarkExecute with every command answered
// as the API answers it: a view that encodes what the command changed.
func BenchmarkExecuteViews(b *testing.B) { benchmarkExecute(b, true) }

func benchmarkExecute(b *testing.B, views bool) {
	stores := []struct {
		name string
		open func(b *testing.B) eventstore.Store
	}{
		{"mem", func(b *testing.B) eventstore.Store { return newMem(b) }},
		{"bolt", func(b *testing.B) eventstore.Store { return openBolt(b) }},
		{"log", func(b *testing.B) eventstore.Store { return openLog(b) }},
	}
	for _, st := range stores {
		for _, workers := range []int{1, 64} {
			b.Run(fmt.Sprintf("%s/goroutines=%d", st.name, workers), func(b *testing.B) {
				l := newLedger(st.open(b))
				ctx := context.Background()
				b.ReportAllocs()
				b.ResetTimer()
				if workers == 1 {
					s := &script{l: l, views: views}
					for b.Loop() {
						if err := s.next(ctx); err != nil {
							b.Fatal(err)
						}
					}
				} else {
					// RunParallel starts parallelism × GOMAXPROCS goroutines.
					b.SetParallelism(max(1, workers/runtime.GOMAXPROCS(0)))
					b.RunParallel(func(pb *testing.PB) {
						s := &script{l: l, views: views}
						for pb.Next() {
							if err := s.next(ctx); err != nil {
								b.Error(err)
								return
							}
						}
					})
				}
				b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "cmds/s")
			})
		}
	}
}

// BenchmarkCachedHeap runs b.N commands of the script (64 goroutines, on
// the segmented log, the server's 10 000 cached accounts) and reports
// what they leave on the heap per command once collected: live-B/op, and
// scan-B/op, the part of it the collector must scan
// (/gc/scan/heap:bytes). Each collection's mark phase grows with the
// second (docs/performance.md, "Ledger at 256 accounts"); unlike a rate,
// neither figure depends on what else the machine runs. Run with a fixed
// count below the cache's reach, e.g. -benchtime 50000x.
func BenchmarkCachedHeap(b *testing.B) {
	l := ledger.New(openLog(b), ledger.Options{Clock: ledger.FixedClock(now), Issuer: "Example Cloud Ltd.", CacheSize: 10000})
	ctx := context.Background()
	heapLeft := testkit.HeapLeft(b)
	b.ResetTimer()
	b.SetParallelism(max(1, 64/runtime.GOMAXPROCS(0)))
	b.RunParallel(func(pb *testing.PB) {
		s := &script{l: l, views: true}
		for pb.Next() {
			if err := s.next(ctx); err != nil {
				b.Error(err)
				return
			}
		}
	})
	b.StopTimer()
	heapLeft()
	runtime.KeepAlive(l)
}
