package domain

import (
	"encoding/json"
	"errors"
	"slices"
	"strings"
	"testing"

	"github.com/google/uuid"
)

// history builds a small account history and returns the events in order.
func history(t *testing.T) (*Account, []Event) {
	t.Helper()
	env := testEnv("2026-10-12T10:00:00+08:00")
	var evs []Event
	a := NewAccount("acc-1")
	log := func(cmd Command, e Env) {
		evs = append(evs, must(t, a, e, cmd)...)
	}
	log(PostStatement{Month: "2026-07", Lines: []StatementLine{kLine("l1", "100.00"), mLine("l2", "50.00")}}, env)
	log(PostStatement{Month: "2026-08", Lines: []StatementLine{kLine("l1", "200.00")}}, env)
	log(SubmitTitle{Title: generalTitle()}, env)
	log(AddAddress{Address: testAddress()}, env)
	log(RequestInvoice{Statements: []string{"2026-07"}, Agree: true}, env)
	id := evs[len(evs)-1].(InvoiceRequested).InvoiceID
	log(ApproveInvoice{InvoiceID: id}, env)
	log(IssueInvoice{InvoiceID: id, InvoiceCode: "1100000000", InvoiceNumber: "00000001", IssuedOn: "2026-10-12"}, env)
	log(RequestReturn{InvoiceID: id, Reason: "r"}, env)
	log(ReceiveReturnPaper{InvoiceID: id, Complete: true}, env)
	log(VoidInvoice{InvoiceID: id}, env)
	return a, evs
}

func snapshot(t *testing.T, a *Account) string {
	t.Helper()
	b, err := json.Marshal(a)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// TestAUD1_EventsAreImmutableFactsAndDecideChangesNothing: Decide never
// changes the account it reads, folding is deterministic, and a clone folds
// independently of its original.
func TestAUD1_EventsAreImmutableFactsAndDecideChangesNothing(t *testing.T) {
	t.Parallel()
	a, env := readyAccount(t, VATGeneral)
	id := issued(t, a, env, "1100000000", "00000001", "2026-07")
	before := snapshot(t, a)
	cmds := []Command{
		RequestInvoice{Statements: []string{"2026-08"}, Agree: true},
		RequestReturn{InvoiceID: id, Reason: "r", Exchange: true},
		ShipInvoice{InvoiceID: id, Courier: "SF", TrackingNumber: "1"},
		AddAddress{Address: testAddress(), Default: true},
		ClearTitle{Reason: "r", Ticket: "t"},
	}
	for _, c := range cmds {
		if _, err := c.Decide(a, env); err != nil {
			t.Fatal(err)
		}
		if after := snapshot(t, a); after != before {
			t.Fatalf("%T changed the account", c)
		}
	}
	c := a.Clone()
	must(t, c, env, RequestReturn{InvoiceID: id, Reason: "r", Exchange: true})
	must(t, c, env, ReceiveReturnPaper{InvoiceID: id, Complete: true})
	must(t, c, env, AddAddress{Address: testAddress(), Default: true})
	must(t, c, env, VoidInvoice{InvoiceID: id})
	if after := snapshot(t, a); after != before {
		t.Fatal("folding into a clone changed the original")
	}
	_, evs := history(t)
	x := NewAccount("acc-1")
	for _, e := range evs {
		x.Apply(e)
	}
	z := NewAccount("acc-1")
	for _, e := range evs {
		z.Apply(e)
	}
	if snapshot(t, x) != snapshot(t, z) {
		t.Fatal("folding is not deterministic")
	}
}

// TestAUD2_PrefixFoldGivesStateThen: folding the first n events gives the
// state and balance the account had after n events.
func TestAUD2_PrefixFoldGivesStateThen(t *testing.T) {
	t.Parallel()
	_, evs := history(t)
	live := NewAccount("acc-1")
	var states []string
	var balances []Balance
	for _, e := range evs {
		live.Apply(e)
		states = append(states, snapshot(t, live))
		balances = append(balances, live.Balance())
	}
	for n := 1; n <= len(evs); n++ {
		p := NewAccount("acc-1")
		for _, e := range evs[:n] {
			p.Apply(e)
		}
		if snapshot(t, p) != states[n-1] || !p.Balance().Equal(balances[n-1]) || p.Version != uint64(n) {
			t.Fatalf("prefix %d differs", n)
		}
	}
	if !balances[len(balances)-3].Invoiced.IsPositive() || !balances[len(balances)-1].Invoiced.IsZero() {
		t.Fatal("history does not move through invoiced and back")
	}
}

// TestREC1_CheckInvariantsDetectsBrokenAccounts corrupts a folded account
// in each way REC-1 names and expects CheckInvariants to report it.
func TestREC1_CheckInvariantsDetectsBrokenAccounts(t *testing.T) {
	t.Parallel()
	base, env := readyAccount(t, VATGeneral)
	id := issued(t, base, env, "1100000000", "00000001", "2026-07")
	id2 := request(t, base, env, "2026-08")
	checkInvariants(t, base)
	tests := []struct {
		name    string
		rule    string
		breakIt func(a *Account)
	}{
		{"amount differs from statements", "REC-1", func(a *Account) { a.Invoices[id].Amount = MustMoney("1.00") }},
		{"statement released while invoiced", "REC-1", func(a *Account) {
			a.Statements["2026-07"].Status = StatementAvailable
		}},
		{"statement points elsewhere", "REC-1", func(a *Account) { a.Statements["2026-08"].InvoiceID = uuid.New() }},
		{"reserved without an invoice", "REC-1", func(a *Account) {
			a.Invoices[id2].Status = Cancelled
		}},
		{"statement in two live invoices", "APP-7", func(a *Account) {
			inv := *a.Invoices[id2]
			inv.ID = uuid.New()
			a.Invoices[inv.ID] = &inv
			a.InvoiceOrder = append(a.InvoiceOrder, inv.ID)
		}},
		{"wrong status for issued invoice", "REC-1", func(a *Account) { a.Statements["2026-07"].Status = StatementReserved }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			// A copy sharing nothing with base: the cases write through
			// its pointers, as no fold does (a Clone shares them).
			a := roundTrip(t, base)
			tt.breakIt(a)
			err := a.CheckInvariants()
			if err == nil {
				t.Fatal("not detected")
			}
			if !hasRule(err, tt.rule) {
				t.Fatalf("want %s in %v", tt.rule, err)
			}
		})
	}
}

func hasRule(err error, rule string) bool {
	var found bool
	var walk func(error)
	walk = func(e error) {
		var ie *InvariantError
		if errors.As(e, &ie) && ie.Rule == rule {
			found = true
		}
		if j, ok := e.(interface{ Unwrap() []error }); ok {
			for _, x := range j.Unwrap() {
				walk(x)
			}
		}
	}
	walk(err)
	return found
}

// TestBAL3_CheckInvariantsDetectsNonConservation: a statement whose status is
// outside BAL-1 breaks BAL-3.
func TestBAL3_CheckInvariantsDetectsNonConservation(t *testing.T) {
	t.Parallel()
	a, _ := readyAccount(t, VATGeneral)
	a.Statements["2026-07"].Status = "lost"
	if err := a.CheckInvariants(); !hasRule(err, "BAL-3") {
		t.Fatalf("got %v", err)
	}
}

// TestREC2_TaxSplitsSumToIssuedAmounts: a monthly tax summary adds the
// issued invoices' net and tax; they always sum to the amounts.
func TestREC2_TaxSplitsSumToIssuedAmounts(t *testing.T) {
	t.Parallel()
	a, env := readyAccount(t, VATGeneral)
	issued(t, a, env, "1100000000", "00000001", "2026-07")
	issued(t, a, env, "1100000000", "00000002", "2026-08")
	var amount, net, tax Money
	for _, id := range a.InvoiceOrder {
		inv := a.Invoice(id)
		amount, net, tax = amount.Add(inv.Amount), net.Add(*inv.NetAmount), tax.Add(*inv.TaxAmount)
	}
	if amount.String() != "350.00" || !net.Add(tax).Equal(amount) || net.String() != "330.19" {
		t.Fatalf("amount %s net %s tax %s", amount, net, tax)
	}
}

// TestREC3_SLAReportInputs: every application carries its SLA due date and
// every shipment says whether it was late, so an SLA report needs no calendar.
func TestREC3_SLAReportInputs(t *testing.T) {
	t.Parallel()
	a, env := readyAccount(t, VATGeneral)
	id := issued(t, a, env, "1100000000", "00000001", "2026-07")
	inv := a.Invoice(id)
	if inv.SLADue != "2026-10-15" {
		t.Fatalf("due %s", inv.SLADue)
	}
	if !IsLate(inv.SLADue, at("2026-10-16T00:00:00+08:00")) || IsLate(inv.SLADue, at("2026-10-15T23:59:59+08:00")) {
		t.Fatal("IsLate wrong at the due date's edge")
	}
	must(t, a, withNow(env, "2026-10-16T09:00:00+08:00"), ShipInvoice{InvoiceID: id, Courier: "EMS", TrackingNumber: "E1"})
	if !a.Invoice(id).Shipment.Late {
		t.Fatal("late shipment not flagged")
	}
}

// TestREC4_InvariantErrorsAreMachineReadable: violations are values with the
// rule, the account and a detail, so reconcile can print JSON or CSV and exit
// non-zero.
func TestREC4_InvariantErrorsAreMachineReadable(t *testing.T) {
	t.Parallel()
	a, env := readyAccount(t, VATGeneral)
	request(t, a, env, "2026-07")
	a.Statements["2026-07"].Status = StatementAvailable
	a.Invoices[a.InvoiceOrder[0]].Amount = MustMoney("1.00")
	err := a.CheckInvariants()
	var ie *InvariantError
	if !errors.As(err, &ie) || ie.Account != "acc-1" || ie.Rule == "" || ie.Detail == "" {
		t.Fatalf("%#v", err)
	}
	var rules []string
	for _, e := range err.(interface{ Unwrap() []error }).Unwrap() {
		rules = append(rules, e.(*InvariantError).Rule)
	}
	if !slices.Contains(rules, "REC-1") || len(rules) < 2 {
		t.Fatalf("rules %v", rules)
	}
	if !strings.Contains(err.Error(), "acc-1") {
		t.Fatal(err)
	}
	// Deterministic: the same broken state reports the same text.
	if a.CheckInvariants().Error() != err.Error() {
		t.Fatal("report not deterministic")
	}
}
