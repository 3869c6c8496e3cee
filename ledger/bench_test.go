package ledger_test

import (
	"context"
	"fmt"
	"runtime"
	"sync/atomic"
	"testing"

	"github.com/google/uuid"

	"github.com/fapiao/fapiao/domain"
	"github.com/fapiao/fapiao/eventstore"
	"github.com/fapiao/fapiao/ledger"
)

// script is one account's life in the benchmark mix: post two statements,
// submit a title, add an address, apply, approve, issue, apply again and
// cancel. Every command succeeds and writes.
type script struct {
	l       *ledger.Ledger
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
		*s = script{l: s.l, acc: fmt.Sprintf("bench-%d", benchAccounts.Add(1))}
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
	res, err := s.l.Execute(ctx, ledger.Request{AccountID: s.acc, Actor: actor, Command: cmd, IdempotencyKey: fmt.Sprintf("%s-%d", s.acc, s.step)})
	if err != nil {
		return fmt.Errorf("%s step %d (%T): %w", s.acc, s.step, cmd, err)
	}
	switch s.step {
	case 3:
		s.addr = res.Account.Addresses[0].ID
	case 4, 7:
		s.invoice = res.Account.InvoiceOrder[len(res.Account.InvoiceOrder)-1]
	}
	s.step++
	return nil
}

// BenchmarkExecute measures commands per second through the ledger, one
// goroutine and 64, on the in-memory store and on a bolt file (fsync per
// group commit).
func BenchmarkExecute(b *testing.B) {
	stores := []struct {
		name string
		open func(b *testing.B) eventstore.Store
	}{
		{"mem", func(b *testing.B) eventstore.Store { return newMem(b) }},
		{"bolt", func(b *testing.B) eventstore.Store { return openBolt(b) }},
	}
	for _, st := range stores {
		for _, workers := range []int{1, 64} {
			b.Run(fmt.Sprintf("%s/goroutines=%d", st.name, workers), func(b *testing.B) {
				l := newLedger(st.open(b))
				ctx := context.Background()
				b.ReportAllocs()
				b.ResetTimer()
				if workers == 1 {
					s := &script{l: l}
					for b.Loop() {
						if err := s.next(ctx); err != nil {
							b.Fatal(err)
						}
					}
				} else {
					// RunParallel starts parallelism × GOMAXPROCS goroutines.
					b.SetParallelism(max(1, workers/runtime.GOMAXPROCS(0)))
					b.RunParallel(func(pb *testing.PB) {
						s := &script{l: l}
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
