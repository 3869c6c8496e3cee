package main

import (
	"context"
	"testing"
	"time"

	"github.com/fapiao/fapiao/domain"
	"github.com/fapiao/fapiao/eventstore/memstore"
	"github.com/fapiao/fapiao/projections"
)

// TestSeedDemo seeds the demo at several "now"s (a month's first day
// included, when last month's statement is not yet postable) and checks that
// acc-demo shows every lifecycle state and an exchange, and that
// reconciliation (REC-1, BAL-3) holds for the whole ledger.
func TestSeedDemo(t *testing.T) {
	t.Parallel()
	nows := []string{"2026-11-26T21:02:00+08:00", "2027-01-01T00:00:01+08:00", "2026-03-02T12:00:00+08:00"}
	for _, n := range nows {
		t.Run(n, func(t *testing.T) {
			t.Parallel()
			now, err := time.Parse(time.RFC3339, n)
			if err != nil {
				t.Fatal(err)
			}
			ctx := context.Background()
			store := memstore.New()
			if err := seedDemo(ctx, store, now, defaultIssuer); err != nil {
				t.Fatalf("seedDemo: %v", err)
			}
			p, err := projections.Replay(ctx, store, nil)
			if err != nil {
				t.Fatalf("replay: %v", err)
			}
			page, err := p.Invoices(projections.Filter{Account: demoAccount, Limit: 100})
			if err != nil {
				t.Fatal(err)
			}
			seen := map[domain.InvoiceStatus]bool{}
			exchange := false
			for _, inv := range page.Items {
				seen[inv.Status] = true
				exchange = exchange || inv.ExchangeOf != nil
			}
			for _, s := range []domain.InvoiceStatus{domain.UnderReview, domain.Issuing, domain.Issued,
				domain.ReturnRequestedState, domain.PaperReceived, domain.Rejected, domain.Cancelled,
				domain.Voided, domain.RedFlushed} {
				if !seen[s] {
					t.Errorf("no demo invoice is %s", s)
				}
			}
			if !exchange {
				t.Error("no demo invoice is an exchange (RETURN-6)")
			}
			eSeen := map[domain.InvoiceStatus]bool{}
			for _, inv := range page.Items {
				if inv.IsElectronic() {
					eSeen[inv.Status] = true
				}
			}
			for _, s := range []domain.InvoiceStatus{domain.UnderReview, domain.Issuing, domain.Issued,
				domain.ReturnRequestedState, domain.Rejected, domain.Cancelled, domain.RedFlushed} {
				if !eSeen[s] {
					t.Errorf("no demo e-invoice is %s", s)
				}
			}
			pending := p.PendingConfirmations(demoAccount, nil)
			if len(pending) != 1 || pending[0].Status != domain.ConfirmationPendingBuyer {
				t.Errorf("demo pending confirmations: %+v, want one pending_buyer", pending)
			} else if left := pending[0].ExpiresAt.Sub(now); left <= 0 || left > 3*time.Hour {
				t.Errorf("the pending confirmation expires %v after now, want within a few hours", left)
			}
			bal, ok := p.Balance(demoAccount)
			if !ok || !bal.Total.IsPositive() {
				t.Errorf("acc-demo invoiceable = %v (found %v); want > 0 so a visitor can apply", bal.Total, ok)
			}
			if _, ok := p.Account(demoAccount2); !ok {
				t.Errorf("no account %s", demoAccount2)
			}
			rep, err := p.Reconcile(domain.BusinessMonth(now), now)
			if err != nil {
				t.Fatal(err)
			}
			if !rep.OK {
				t.Errorf("reconciliation fails on the demo: %+v", rep.Problems)
			}
			for r, err := range store.ReadAll(ctx, 0) {
				if err != nil {
					t.Fatal(err)
				}
				if at, ok := projections.OccurredAt(r.Metadata); !ok || !at.Before(now) {
					t.Fatalf("event %d occurred at %v, not before now %v", r.Position, at, now)
				}
			}
		})
	}
}
