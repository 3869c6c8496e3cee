package domain

import (
	"math/rand/v2"
	"slices"
	"testing"
	"time"
)

func TestActions_ByRoleAndStatus(t *testing.T) {
	t.Parallel()
	tests := []struct {
		status    InvoiceStatus
		shipped   bool
		certified bool
		role      Role
		want      []string
	}{
		{UnderReview, false, false, RoleCustomer, []string{"cancel"}},
		{UnderReview, false, false, RoleFinance, []string{"approve", "reject"}},
		{UnderReview, false, false, RoleSupport, []string{}},
		{Issuing, false, false, RoleCustomer, []string{}},
		{Issuing, false, false, RoleSupport, []string{"cancel"}},
		{Issuing, false, false, RoleFinance, []string{"issue"}},
		{Issued, false, false, RoleFinance, []string{"ship"}},
		{Issued, true, false, RoleFinance, []string{}},
		{Issued, true, false, RoleCustomer, []string{"return"}},
		{ReturnRequestedState, true, false, RoleFinance, []string{"paper_received", "reject_return"}},
		{PaperReceived, true, false, RoleFinance, []string{"reject_return", "void", "red_flush"}},
		{PaperReceived, true, true, RoleFinance, []string{"reject_return", "red_flush"}},
		{Voided, true, false, RoleFinance, []string{}},
		{Issued, true, false, RoleAuditor, []string{}},
	}
	for _, tt := range tests {
		inv := &Invoice{Status: tt.status, Return: &Return{Certified: tt.certified}}
		if tt.shipped {
			inv.Shipment = &Shipment{}
		}
		if got := inv.Actions(tt.role); !slices.Equal(got, tt.want) {
			t.Errorf("%s %s shipped=%v: got %v, want %v", tt.status, tt.role, tt.shipped, got, tt.want)
		}
	}
}

// BenchmarkApply measures the fold that projections replay the log
// through, over a realistic random history (statements, titles, addresses
// and whole invoice lifecycles), folded into a fresh account each time.
func BenchmarkApply(b *testing.B) {
	s := &sim{
		t:     b,
		r:     rand.New(rand.NewPCG(7, 42)),
		a:     NewAccount("acc-bench"),
		env:   testEnv("2025-01-05T09:00:00+08:00"),
		month: time.Date(2024, 1, 1, 0, 0, 0, 0, shanghai),
	}
	for i := 0; i < 3000; i++ {
		s.step(i)
	}
	evs := s.events
	b.ReportAllocs()
	b.ResetTimer()
	n := 0
	for b.Loop() {
		a := NewAccount("acc-bench")
		for _, e := range evs {
			a.Apply(e)
		}
		n += len(evs)
	}
	b.ReportMetric(float64(n)/b.Elapsed().Seconds(), "events/s")
}
