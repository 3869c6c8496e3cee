package projections

import (
	"bytes"
	"encoding/json"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/fapiao/fapiao/domain"
	"github.com/fapiao/fapiao/eventstore"
	"github.com/fapiao/fapiao/internal/testkit"
	"github.com/google/uuid"
)

const goldenDir = "../testdata/reconcile"

// golden compares got with the golden file of that name in goldenDir
// (rewritten with -update, testkit's flag).
func golden(t *testing.T, name string, got []byte) {
	t.Helper()
	testkit.Golden(t, filepath.Join(goldenDir, name), got)
}

func reportFiles(t *testing.T, r Report) (js, csv []byte) {
	t.Helper()
	js, err := json.MarshalIndent(r, "", "  ")
	if err != nil {
		t.Fatal(err)
	}
	var b bytes.Buffer
	if err := r.WriteCSV(&b); err != nil {
		t.Fatal(err)
	}
	return append(js, '\n'), b.Bytes()
}

// TestREC_HealthyLog: a log made by domain decisions reconciles, and its
// report is stable (golden JSON and CSV).
func TestREC_HealthyLog(t *testing.T) {
	t.Parallel()
	w := genLog(t, 31, 5, 4, 2, 0)
	p := applyAll(t, w.records)
	now := time.Date(2025, 5, 20, 12, 0, 0, 0, shanghai)
	r, err := p.Reconcile("2025-03", now)
	if err != nil {
		t.Fatal(err)
	}
	if !r.OK || len(r.Problems) != 0 {
		t.Fatalf("healthy log not OK: %+v", r.Problems)
	}
	if len(r.Accounts) == 0 || r.Tax.Issued.Count == 0 {
		t.Fatalf("report is empty: %+v", r)
	}
	for _, a := range r.Accounts {
		if !a.Available.Add(a.Reserved).Add(a.Invoiced).Equal(a.Statements) {
			t.Errorf("%s: BAL-3 does not add up in the report", a.Account)
		}
	}
	js, csv := reportFiles(t, r)
	golden(t, "healthy.json", js)
	golden(t, "healthy.csv", csv)
}

// TestREC1_DoubleInvoicedStatement: an InvoiceRequested forged into the log
// over a statement that a live invoice already holds is caught: the fold
// gives the forged invoice a hold of nothing (the statement had no part
// available, so it is not DEF-4's exception) and the first keeps its part.
func TestREC1_DoubleInvoicedStatement(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	forged := domain.InvoiceRequested{
		InvoiceID:   uuid.MustParse("0badbad0-0000-4000-8000-000000000001"),
		Statements:  []string{"2025-02"},
		Amount:      domain.MustMoney("1.00"),
		RequestedAt: f.w.now,
		SLADue:      "2025-04-09",
	}
	f.w.append("account-acc-a", f.w.accounts["acc-a"].Version, forged.EventType(), forged, domain.RoleCustomer)
	p := applyAll(t, f.w.records)
	r, err := p.Reconcile("2025-02", time.Date(2025, 4, 4, 0, 0, 0, 0, shanghai))
	if err != nil {
		t.Fatal(err)
	}
	if r.OK {
		t.Fatal("a statement in two live invoices reconciled")
	}
	var details []string
	for _, pr := range r.Problems {
		if pr.Code != "REC-1" || pr.Account != "acc-a" {
			t.Errorf("unexpected problem %+v", pr)
		}
		details = append(details, pr.Detail)
	}
	all := strings.Join(details, "\n")
	for _, want := range []string{"statement 2025-02 is in 2 live invoices", "invoice 0badbad0-0000-4000-8000-000000000001 amounts to 1.00"} {
		if !strings.Contains(all, want) {
			t.Errorf("problems do not say %q:\n%s", want, all)
		}
	}
	js, csv := reportFiles(t, r)
	golden(t, "double_invoiced.json", js)
	golden(t, "double_invoiced.csv", csv)
}

// TestREC2_TaxSummary: issued by issue date, voided and red-flushed by the
// date of the event, net = issued − voided − red-flushed.
func TestREC2_TaxSummary(t *testing.T) {
	t.Parallel()
	w := newWorld(t, 41, time.Date(2025, 3, 3, 9, 0, 0, 0, shanghai), "acc-t")
	w.postKingsoft("acc-t", "2025-01", 10600)
	w.postKingsoft("acc-t", "2025-02", 21234)
	voided := w.request("acc-t", "2025-01")
	w.issue("acc-t", voided)
	w.ship("acc-t", voided)
	w.returnPaper("acc-t", voided)
	w.do("acc-t", domain.RoleFinance, domain.VoidInvoice{InvoiceID: voided})
	flushed := w.request("acc-t", "2025-02")
	w.issue("acc-t", flushed)
	w.ship("acc-t", flushed)
	w.now = time.Date(2025, 4, 2, 10, 0, 0, 0, shanghai) // the next month
	w.returnPaper("acc-t", flushed)
	w.redFlush("acc-t", flushed)
	p := applyAll(t, w.records)
	inv1, _ := p.InvoiceByID(voided)
	inv2, _ := p.InvoiceByID(flushed)

	tests := []struct {
		month                       string
		issued, voided, redFlushed  int
		amount, netAmount, netCount string
	}{
		{"2025-03", 2, 1, 0, inv1.Amount.Add(inv2.Amount).String(), inv2.Amount.String(), "1"},
		{"2025-04", 0, 0, 1, "0.00", "-" + inv2.Amount.String(), "-1"},
		{"2025-02", 0, 0, 0, "0.00", "0.00", "0"},
	}
	for _, tt := range tests {
		r, err := p.Reconcile(tt.month, time.Time{})
		if err != nil {
			t.Fatal(err)
		}
		s := r.Tax
		if s.Issued.Count != tt.issued || s.Voided.Count != tt.voided || s.RedFlushed.Count != tt.redFlushed {
			t.Errorf("%s: counts %d/%d/%d", tt.month, s.Issued.Count, s.Voided.Count, s.RedFlushed.Count)
		}
		if s.Issued.Amount.String() != tt.amount || s.Net.Amount.String() != tt.netAmount || (s.Net.Count != 0) != (tt.netCount != "0") {
			t.Errorf("%s: issued %s net %s (count %d)", tt.month, s.Issued.Amount, s.Net.Amount, s.Net.Count)
		}
		if !s.Issued.Net.Add(s.Issued.Tax).Equal(s.Issued.Amount) {
			t.Errorf("%s: net + tax ≠ amount", tt.month)
		}
	}
	if _, err := p.Reconcile("2025-13", time.Time{}); err == nil {
		t.Error("month 2025-13 accepted")
	}
}

// TestREC3_SLA: unshipped applications past their due date, shipped-late
// ones, and returns waiting for paper.
func TestREC3_SLA(t *testing.T) {
	t.Parallel()
	w := newWorld(t, 51, time.Date(2025, 3, 3, 9, 0, 0, 0, shanghai), "acc-s")
	for _, m := range []string{"2024-11", "2024-12", "2025-01", "2025-02"} {
		w.postKingsoft("acc-s", m, 5000)
	}
	unshipped := w.request("acc-s", "2024-11")
	w.issue("acc-s", unshipped)
	late := w.request("acc-s", "2024-12")
	w.issue("acc-s", late)
	waiting := w.request("acc-s", "2025-01")
	w.issue("acc-s", waiting)
	w.ship("acc-s", waiting)
	w.do("acc-s", domain.RoleCustomer, domain.RequestReturn{InvoiceID: waiting, Reason: "wrong amount"})
	w.now = w.now.Add(10 * 24 * time.Hour)
	w.ship("acc-s", late)
	fresh := w.request("acc-s", "2025-02")
	p := applyAll(t, w.records)
	inv, _ := p.InvoiceByID(unshipped)

	r, err := p.Reconcile("2025-03", time.Time{}) // as of the last event
	if err != nil {
		t.Fatal(err)
	}
	if !r.AsOf.Equal(w.now) {
		t.Errorf("as of %s, want the last event's time %s", r.AsOf, w.now)
	}
	gotLate := map[uuid.UUID]bool{}
	for _, it := range r.SLA.Late {
		gotLate[it.InvoiceID] = it.ShippedAt != nil
	}
	if len(gotLate) != 2 || gotLate[unshipped] || !gotLate[late] {
		t.Errorf("late %v, want %s unshipped and %s shipped late", gotLate, unshipped, late)
	}
	if _, ok := gotLate[fresh]; ok {
		t.Error("an application within its SLA is listed late")
	}
	if len(r.SLA.WaitingForPaper) != 1 || r.SLA.WaitingForPaper[0].InvoiceID != waiting {
		t.Errorf("waiting for paper %+v", r.SLA.WaitingForPaper)
	}
	if !r.OK {
		t.Errorf("SLA breaches are not invariants: %+v", r.Problems)
	}
	// Before the due date nothing is late yet.
	due, _ := time.ParseInLocation(time.DateOnly, inv.SLADue, domain.Shanghai())
	r, _ = p.Reconcile("2025-03", due.Add(23*time.Hour))
	for _, it := range r.SLA.Late {
		if it.InvoiceID == unshipped {
			t.Error("listed late on its due date")
		}
	}
	_ = eventstore.Start
}
