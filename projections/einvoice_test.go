package projections

import (
	"fmt"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/fapiao/fapiao/domain"
)

// eRequest applies electronically over the months.
func (w *world) eRequest(acc string, months ...string) uuid.UUID {
	ev := w.do(acc, domain.RoleCustomer, domain.RequestInvoice{Statements: months, Agree: true,
		Medium: domain.Electronic, Emails: []string{"ap@example.com"}})
	return ev[0].(domain.InvoiceRequested).InvoiceID
}

// eIssue approves and issues an electronic invoice today.
func (w *world) eIssue(acc string, id uuid.UUID) {
	w.do(acc, domain.RoleFinance, domain.ApproveInvoice{InvoiceID: id})
	on := domain.BusinessDate(w.now)
	w.do(acc, domain.RoleFinance, domain.IssueInvoice{InvoiceID: id, InvoiceNumber: on[2:4] + fmt.Sprintf("%018d", w.nextNumber()), IssuedOn: on})
}

// electronicWorld: acc-e has an e-invoice issued on time and red-flushed
// through a buyer-entered, seller-confirmed confirmation; one issued late;
// one still not issued past its due date; a paper invoice beside them; and
// a seller-entered confirmation pending, 10 hours from its deadline at the
// report's time.
func electronicWorld(t *testing.T) (*world, time.Time, uuid.UUID) {
	w := newWorld(t, 7, time.Date(2025, 4, 7, 9, 0, 0, 0, shanghai), "acc-e") // a Monday
	for i, m := range []string{"2024-12", "2025-01", "2025-02", "2025-03"} {
		w.postKingsoft("acc-e", m, 10600*(i+1))
	}
	red := w.eRequest("acc-e", "2025-01")
	w.eIssue("acc-e", red)
	ev := w.do("acc-e", domain.RoleCustomer, domain.EnterConfirmation{InvoiceID: red, By: domain.RoleCustomer,
		Reason: domain.ReasonServiceTerminated, Booked: true})
	cid := ev[0].(domain.RedLetterConfirmationEntered).ConfirmationID
	w.advance(time.Hour)
	w.do("acc-e", domain.RoleFinance, domain.ConfirmConfirmation{ConfirmationID: cid, By: domain.RoleFinance})
	w.do("acc-e", domain.RoleFinance, domain.RedFlushInvoice{InvoiceID: red, RedInvoiceNumber: fmt.Sprintf("25%018d", w.nextNumber()), ConfirmationID: &cid})

	late := w.eRequest("acc-e", "2025-02")
	w.advance(3 * 24 * time.Hour) // Thursday: due Tuesday
	w.eIssue("acc-e", late)
	w.do("acc-e", domain.RoleCustomer, domain.EnterConfirmation{InvoiceID: late, By: domain.RoleFinance,
		Reason: domain.ReasonIssuingError, Booked: true})
	w.eRequest("acc-e", "2025-03") // never issued
	paper := w.request("acc-e", "2024-12")
	w.issue("acc-e", paper)
	w.advance(62 * time.Hour) // the pending confirmation has 10 hours left
	return w, w.now, cid
}

// TestREC2_PerMedium and REC-3 for e-invoices: blue and red electronic
// amounts and tax apart from paper; late electronic issues beside SHIP-1's
// breaches, never waiting for paper; confirmations about to expire.
func TestREC2_REC3_ElectronicReport(t *testing.T) {
	t.Parallel()
	w, now, _ := electronicWorld(t)
	p := applyAll(t, w.records)
	r, err := p.Reconcile("2025-04", now)
	if err != nil {
		t.Fatal(err)
	}
	if !r.OK {
		t.Fatalf("not OK: %+v", r.Problems)
	}
	e, paper := r.Tax.ByMedium[domain.Electronic], r.Tax.ByMedium[domain.Paper]
	if e.Issued.Count != 2 || e.RedFlushed.Count != 1 || e.Voided.Count != 0 || paper.Issued.Count != 1 {
		t.Fatalf("by medium: electronic %+v paper %+v", e, paper)
	}
	if !e.Issued.Amount.Add(paper.Issued.Amount).Equal(r.Tax.Issued.Amount) || !e.Net.Tax.Add(paper.Net.Tax).Equal(r.Tax.Net.Tax) {
		t.Fatal("media do not add up to the totals")
	}
	if n := len(r.SLA.LateElectronic); n != 2 {
		t.Fatalf("late electronic %d: %+v", n, r.SLA.LateElectronic)
	}
	for _, it := range r.SLA.Late {
		if inv, _ := p.Invoice("acc-e", it.InvoiceID); inv.IsElectronic() {
			t.Fatalf("an electronic invoice in SHIP-1's list: %+v", it)
		}
	}
	if n := len(r.SLA.ExpiringConfirmations); n != 1 || r.SLA.ExpiringConfirmations[0].ExpiresAt.Sub(now) != 10*time.Hour {
		t.Fatalf("expiring %+v", r.SLA.ExpiringConfirmations)
	}
	due := now.Add(10 * time.Hour)
	if got := p.PendingConfirmations("", &due); len(got) != 1 {
		t.Fatalf("due at the deadline: %v", got)
	}
	early := due.Add(-time.Second)
	if got := p.PendingConfirmations("", &early); len(got) != 0 {
		t.Fatalf("due before the deadline: %v", got)
	}
	js, csv := reportFiles(t, r)
	golden(t, "electronic.json", js)
	golden(t, "electronic.csv", csv)
}

// TestRED3_ExpiryFoldsAsLive: the expiry event leaves the pending index and
// the invoice's confirmations show it, on a replay as live.
func TestRED3_ExpiryFoldsAsLive(t *testing.T) {
	t.Parallel()
	w, now, _ := electronicWorld(t)
	w.advance(10 * time.Hour)
	acc := w.accounts["acc-e"]
	evs := domain.DecideExpire(acc, w.now)
	if len(evs) != 1 {
		t.Fatalf("%v", evs)
	}
	for _, e := range evs {
		acc.Apply(e)
		w.append("account-acc-e", acc.Version-1, e.EventType(), e, domain.RoleFinance)
	}
	p := applyAll(t, w.records)
	if got := p.PendingConfirmations("", nil); len(got) != 0 {
		t.Fatalf("still pending: %v", got)
	}
	id := evs[0].(domain.RedLetterConfirmationExpired).ConfirmationID
	cf, ok := p.Confirmation("acc-e", id)
	if !ok || cf.Status != domain.ConfirmationExpired {
		t.Fatalf("%+v", cf)
	}
	cfs, ok := p.InvoiceConfirmations("acc-e", cf.InvoiceID)
	if !ok || len(cfs) != 1 || cfs[0].Status != domain.ConfirmationExpired {
		t.Fatalf("%+v", cfs)
	}
	_ = now
}

// TestRED6_PartialRedInvoiceUsesItsConfirmation: a refund after an
// e-invoice was issued leaves a deficit (DEF-2); a partial confirmation for
// it is red-flushed (RED-6, DEF-5): the invoice stays issued and the
// confirmation leaves the open list (RED-4), on a replay as live.
func TestRED6_PartialRedInvoiceUsesItsConfirmation(t *testing.T) {
	t.Parallel()
	w := newWorld(t, 9, time.Date(2025, 4, 7, 9, 0, 0, 0, shanghai), "acc-p")
	w.postKingsoft("acc-p", "2025-03", 10600)
	id := w.eRequest("acc-p", "2025-03")
	w.eIssue("acc-p", id)
	w.do("acc-p", domain.RoleBilling, domain.PostAdjustment{Month: "2025-03", AdjustmentID: "adj-1", Bucket: domain.BucketKingsoft,
		Amount: "20.00", Reason: "退款", Reference: "R-1"})
	ev := w.do("acc-p", domain.RoleFinance, domain.EnterConfirmation{InvoiceID: id, By: domain.RoleFinance,
		Reason: domain.ReasonServiceTerminated, Amount: "20.00"})
	cid := ev[0].(domain.RedLetterConfirmationEntered).ConfirmationID
	p := applyAll(t, w.records)
	if open := p.OpenConfirmations("acc-p"); len(open) != 1 || open[0].ID != cid {
		t.Fatalf("open before the red invoice: %+v", open)
	}
	w.do("acc-p", domain.RoleFinance, domain.RedFlushInvoice{InvoiceID: id, RedInvoiceNumber: fmt.Sprintf("25%018d", w.nextNumber()), ConfirmationID: &cid})
	p = applyAll(t, w.records)
	if open := p.OpenConfirmations(""); len(open) != 0 {
		t.Fatalf("a used confirmation is still open: %+v", open)
	}
	inv, _ := p.Invoice("acc-p", id)
	if inv.Status != domain.Issued || !inv.RedFlushedAmount.Equal(domain.MustMoney("20.00")) {
		t.Fatalf("after the partial red invoice: %s, red-flushed %s", inv.Status, inv.RedFlushedAmount)
	}
}
