package projections

import (
	"testing"
	"time"

	"github.com/fapiao/fapiao/domain"
)

// TestDEF6_WorkedExampleInTheReadModels: the README's example folded by the
// read models: a 12 000.00 yearly subscription invoiced in January, 6 000.00
// refunded in June, July's 1 000.00 offsets, 5 000.00 red-flushed in part,
// then the invoice returned. REC-1 (DEF-6) holds at every event, the
// balance and statements show the deficit, adjusted and offset parts, and
// REC-2 counts the partial red-flush with its tax and only the rest for the
// whole one.
func TestDEF6_WorkedExampleInTheReadModels(t *testing.T) {
	t.Parallel()
	w := newWorld(t, 15, time.Date(2026, 2, 3, 9, 0, 0, 0, shanghai), "acc-y")
	w.do("acc-y", domain.RoleBilling, domain.PostStatement{Month: "2026-01", Lines: []domain.StatementLine{{
		LineID: "l1", Product: "ecs yearly", BillingMode: domain.Prepaid, PurchasedAt: "2026-01-10", Channel: domain.ChannelKingsoft, Amount: domain.MustMoney("12000.00"),
	}}})
	jan := w.request("acc-y", "2026-01")
	w.issue("acc-y", jan)
	w.now = time.Date(2026, 6, 20, 10, 0, 0, 0, shanghai)
	w.do("acc-y", domain.RoleBilling, domain.PostAdjustment{Month: "2026-01", AdjustmentID: "refund-1", Bucket: domain.BucketKingsoft, Amount: "6000.00", Reason: "downgrade", Reference: "ORD-1"})
	w.now = time.Date(2026, 8, 3, 10, 0, 0, 0, shanghai)
	w.postKingsoft("acc-y", "2026-07", 100000)
	w.do("acc-y", domain.RoleFinance, domain.RedFlushInvoice{InvoiceID: jan, RedInvoiceCode: "3300000000", RedInvoiceNumber: "00000090", Amount: "5000.00", RedLetterFormNumber: "1101202608000001"})
	afterPartial := w.pos
	w.do("acc-y", domain.RoleCustomer, domain.RequestReturn{InvoiceID: jan, Reason: "subscription ended"})
	w.do("acc-y", domain.RoleFinance, domain.ReceiveReturnPaper{InvoiceID: jan, Complete: true})
	w.do("acc-y", domain.RoleFinance, domain.RedFlushInvoice{InvoiceID: jan, RedInvoiceCode: "3300000000", RedInvoiceNumber: "00000091"})

	p := New()
	for i, r := range w.records {
		if err := p.Apply(r); err != nil {
			t.Fatal(err)
		}
		rep, err := p.Reconcile("2026-08", time.Time{})
		if err != nil || !rep.OK {
			t.Fatalf("after record %d (%s): %v %+v", i, r.Type, err, rep.Problems)
		}
		if r.Position == afterPartial {
			b, _ := p.Balance("acc-y")
			if !b.Deficit.IsZero() || !b.Invoiced.Equal(domain.MustMoney("7000.00")) || !b.Total.IsZero() {
				t.Fatalf("after the partial red-flush: %+v", b)
			}
			off, _ := p.Statements("acc-y", domain.StatementOffset)
			if len(off) != 1 || off[0].Month != "2026-07" || !off[0].Offset.Equal(domain.MustMoney("1000.00")) {
				t.Fatalf("offset statements %+v", off)
			}
		}
	}
	b, _ := p.Balance("acc-y")
	if !b.Total.Equal(domain.MustMoney("7000.00")) || !b.Deficit.IsZero() || !b.Invoiced.IsZero() {
		t.Fatalf("after the return: %+v", b)
	}
	sts, _ := p.Statements("acc-y", "")
	if sts[0].Month != "2026-01" || !sts[0].Adjusted.Equal(domain.MustMoney("6000.00")) || !sts[0].Available.Equal(domain.MustMoney("6000.00")) {
		t.Fatalf("January %+v", sts[0])
	}
	adjs, ok := p.Adjustments("acc-y", "2026-01")
	if !ok || len(adjs) != 1 || adjs[0].ID != "refund-1" {
		t.Fatalf("adjustments %+v", adjs)
	}
	rep, _ := p.Reconcile("2026-08", time.Time{})
	part, red := rep.Tax.PartlyRedFlushed, rep.Tax.RedFlushed
	if part.Count != 1 || !part.Amount.Equal(domain.MustMoney("5000.00")) || !part.Net.Add(part.Tax).Equal(part.Amount) || part.Tax.IsZero() {
		t.Fatalf("partly red-flushed %+v", part)
	}
	if red.Count != 1 || !red.Amount.Equal(domain.MustMoney("7000.00")) || !red.Net.Add(red.Tax).Equal(red.Amount) {
		t.Fatalf("red-flushed %+v", red)
	}
	if got := rep.Tax.ByMedium[domain.Paper].PartlyRedFlushed; got.Count != 1 || !got.Tax.Equal(part.Tax) {
		t.Fatalf("paper %+v", got)
	}
}

// TestDEF6_ReconcileCatchesABrokenDeficit: a fold that lost track of a
// deficit is a REC-1 problem naming DEF-*.
func TestDEF6_ReconcileCatchesABrokenDeficit(t *testing.T) {
	t.Parallel()
	w := newWorld(t, 16, time.Date(2026, 2, 3, 9, 0, 0, 0, shanghai), "acc-y")
	w.postKingsoft("acc-y", "2026-01", 50000)
	id := w.request("acc-y", "2026-01")
	w.do("acc-y", domain.RoleBilling, domain.PostAdjustment{Month: "2026-01", AdjustmentID: "r", Bucket: domain.BucketKingsoft, Amount: "100.00", Reason: "refund"})
	p := applyAll(t, w.records)
	tamper(t, p, "acc-y", func(av *accountView) {
		av.acc.Invoices[id].Raised = domain.Zero // what a lost event would leave
	})
	rep, _ := p.Reconcile("2026-01", time.Time{})
	if rep.OK {
		t.Fatal("not detected")
	}
	found := false
	for _, pr := range rep.Problems {
		found = found || (pr.Code == "REC-1" && len(pr.Detail) > 6 && pr.Detail[:4] == "DEF-")
	}
	if !found {
		t.Fatalf("no DEF problem: %+v", rep.Problems)
	}
}

// TestDEF4_FreedPartIsListedAvailable: a statement whose rest is held by one
// application while DEF-4 freed another part of it is listed under
// ?status=available, with that part as available, since it can be applied
// for on its own (APP-7's exception).
func TestDEF4_FreedPartIsListedAvailable(t *testing.T) {
	t.Parallel()
	w := newWorld(t, 16, time.Date(2026, 8, 3, 9, 0, 0, 0, shanghai))
	w.onboard("acc-f")
	w.postKingsoft("acc-f", "2026-06", 20000)
	j := w.request("acc-f", "2026-06")
	w.issue("acc-f", j)
	w.do("acc-f", domain.RoleBilling, domain.PostAdjustment{Month: "2026-06", AdjustmentID: "refund-1", Bucket: domain.BucketKingsoft, Amount: "60.00", Reason: "downgrade", Reference: "ORD-1"})
	w.postKingsoft("acc-f", "2026-07", 15000) // offsets 60.00; the rest, 90.00, goes to h
	h := w.request("acc-f", "2026-07")
	w.returnPaper("acc-f", j)
	w.do("acc-f", domain.RoleFinance, domain.RedFlushInvoice{InvoiceID: j, RedInvoiceCode: "3300000000", RedInvoiceNumber: "00000091"})

	p := New()
	for _, r := range w.records {
		if err := p.Apply(r); err != nil {
			t.Fatal(err)
		}
	}
	avail, _ := p.Statements("acc-f", domain.StatementAvailable)
	if len(avail) != 2 || avail[0].Month != "2026-06" || avail[1].Month != "2026-07" {
		t.Fatalf("available statements %+v", avail)
	}
	jul := avail[1]
	if jul.Status != domain.StatementReserved || jul.InvoiceID == nil || *jul.InvoiceID != h || !jul.Available.Equal(domain.MustMoney("60.00")) {
		t.Fatalf("July %+v", jul)
	}
	reserved, _ := p.Statements("acc-f", domain.StatementReserved)
	if len(reserved) != 1 || reserved[0].Month != "2026-07" {
		t.Fatalf("reserved statements %+v", reserved)
	}
}
