package domain

import (
	"fmt"
	"testing"

	"github.com/google/uuid"
	"github.com/shopspring/decimal"
)

// tallyIsTheWalk checks a's tally against walks over its invoices and
// statements, and owing against asking every invoice.
func tallyIsTheWalk(a *Account) error {
	if !a.tally.known {
		return fmt.Errorf("tally not known after a fold")
	}
	var owers, negFree int
	owing := false
	for _, inv := range a.Invoices {
		if inv.mayOwe() {
			owers++
		}
		owing = owing || inv.Deficit().IsPositive()
	}
	for _, s := range a.Statements {
		if s.Free.negative() {
			negFree++
		}
	}
	if a.tally.owers != owers || a.tally.negFree != negFree {
		return fmt.Errorf("tally %+v, the walk counts %d invoices that may owe and %d statements below zero", a.tally, owers, negFree)
	}
	if a.owing() != owing {
		return fmt.Errorf("owing() = %v, the invoices' deficits say %v", a.owing(), owing)
	}
	return nil
}

func neg(s string) Money { return fromDecimal(decimal.RequireFromString("-" + s)) }

// TestDEF2_TallyCountsNegativeAmounts folds events Decide never emits but
// a fold trusts (a red-flush or an offset below zero, a statement whose
// lines sum below zero): each makes an invoice owe, or a statement's
// available part negative, and the tally follows it there and back.
func TestDEF2_TallyCountsNegativeAmounts(t *testing.T) {
	t.Parallel()
	a, env := readyAccount(t, VATGeneral)
	id := issued(t, a, env, "011001900111", "00000001", "2026-07")
	check := func(step string, owers, negFree int, owing bool) {
		t.Helper()
		if err := tallyIsTheWalk(a); err != nil {
			t.Fatalf("%s: %v", step, err)
		}
		if a.tally.owers != owers || a.tally.negFree != negFree || a.owing() != owing {
			t.Fatalf("%s: tally %+v, owing %v; want %d, %d, %v", step, a.tally, a.owing(), owers, negFree, owing)
		}
	}
	check("issued", 0, 0, false)

	// DEF-5's red-flush below zero: Raised 0 − Offset 0 − (−5) owes 5.
	a.Apply(InvoicePartlyRedFlushed{InvoiceID: id, RedInvoiceNumber: "1", RedAmount: neg("5.00"), RedFlushedAt: env.Now})
	check("negative red-flush", 1, 0, true)
	a.Apply(InvoicePartlyRedFlushed{InvoiceID: id, RedInvoiceNumber: "2", RedAmount: MustMoney("5.00"), RedFlushedAt: env.Now})
	check("red-flush back to zero", 0, 0, false)

	// DEF-3's offset below zero owes too (the statement's part grows by it).
	a.Apply(DeficitOffset{Month: "2026-08", InvoiceID: id, Amount: neg("3.00"), Kingsoft: neg("3.00"), Marketplace: Zero, OffsetAt: env.Now})
	check("negative offset", 1, 0, true)
	a.Apply(DeficitOffset{Month: "2026-08", InvoiceID: id, Amount: MustMoney("3.00"), Kingsoft: MustMoney("3.00"), Marketplace: Zero, OffsetAt: env.Now})
	check("offset back to zero", 0, 0, false)

	// A deficit raised (DEF-2) is counted while the invoice is live and
	// after: Raised stays, only Deficit falls when it is released.
	// Here 2026-08 offsets it at once (DEF-3): counted, not owing.
	must(t, a, env, PostAdjustment{Month: "2026-07", AdjustmentID: "adj-1", Bucket: BucketKingsoft, Amount: "10.00", Reason: "refund", Reference: "R-1"})
	check("deficit raised and offset", 1, 0, false)

	// A statement whose lines sum below zero.
	a.Apply(StatementPosted{Month: "2026-05", Lines: []StatementLine{kLine("l1", "1.00"), {LineID: "l2", Product: "ecs", BillingMode: Prepaid, PurchasedAt: "2025-06-01", Channel: ChannelKingsoft, Amount: neg("400.00")}}, PostedAt: env.Now})
	if err := tallyIsTheWalk(a); err != nil || a.tally.negFree != 1 {
		t.Fatalf("negative statement: tally %+v: %v", a.tally, err)
	}

	// Held by an application it is no longer free (APP-3), and free again
	// below zero once the application is cancelled (DEF-4's release).
	app := uuid.New()
	a.Apply(InvoiceRequested{InvoiceID: app, Statements: []string{"2026-05"}, Amount: neg("399.00"), Kingsoft: neg("399.00"), Marketplace: Zero, RequestedAt: env.Now})
	check("negative statement held", 1, 0, false)
	// An offset below zero on the application, released with it.
	a.Apply(DeficitOffset{Month: "2026-08", InvoiceID: app, Amount: neg("2.00"), Kingsoft: neg("2.00"), Marketplace: Zero, OffsetAt: env.Now})
	check("negative offset on the application", 2, 0, true)
	a.Apply(InvoiceCancelled{InvoiceID: app, By: RoleCustomer, CancelledAt: env.Now})
	check("application cancelled", 1, 1, false)

	// An offset taking more than a statement has free (2026-09 has
	// nothing invoiceable) leaves it below zero; the release gives it back.
	app2 := uuid.New()
	a.Apply(InvoiceRequested{InvoiceID: app2, Amount: Zero, Kingsoft: Zero, Marketplace: Zero, RequestedAt: env.Now})
	a.Apply(DeficitOffset{Month: "2026-09", InvoiceID: app2, Amount: MustMoney("2.00"), Kingsoft: MustMoney("2.00"), Marketplace: Zero, OffsetAt: env.Now})
	check("offset beyond the free part", 1, 2, false)
	a.Apply(InvoiceCancelled{InvoiceID: app2, By: RoleCustomer, CancelledAt: env.Now})
	check("offset released", 1, 1, false)

	// So does an adjustment lowering the free part beyond it (DEF-1 never
	// decides one).
	a.Apply(StatementAdjusted{Month: "2026-09", AdjustmentID: "adj-x", Bucket: BucketKingsoft, Amount: MustMoney("1.00"), Lowered: MustMoney("1.00"), AdjustedAt: env.Now})
	check("lowered below zero", 1, 2, false)

	// The snapshot counts the same, and a clone carries it.
	d, err := DecodeSnapshot(AppendSnapshot(nil, a))
	if err != nil || d.tally != a.tally {
		t.Fatalf("snapshot's tally %+v (%v), want %+v", d.tally, err, a.tally)
	}
	if c := a.Clone(); c.tally != a.tally {
		t.Fatalf("clone's tally %+v, want %+v", c.tally, a.tally)
	}
}

// TestAPP1_TotalSummedWhenAStatementIsBelowZero: the application skips
// summing the balance only while no statement's available part is below
// zero. With one that is (a fold trusts its events), a picked statement's
// positive part no longer proves the total positive, and APP-1 is still
// checked on the sum.
func TestAPP1_TotalSummedWhenAStatementIsBelowZero(t *testing.T) {
	t.Parallel()
	a, env := readyAccount(t, VATGeneral)
	a.Apply(StatementPosted{Month: "2026-05", Lines: []StatementLine{{LineID: "l1", Product: "ecs", BillingMode: Prepaid, PurchasedAt: "2025-06-01", Channel: ChannelKingsoft, Amount: neg("1000.00")}}, PostedAt: env.Now})
	if !a.someFreeNegative() {
		t.Fatal("a statement below zero is not counted")
	}
	if a.Available().IsPositive() {
		t.Fatalf("available %s: the test needs it at most zero", a.Available())
	}
	_, err := RequestInvoice{Statements: []string{"2026-08"}, Agree: true}.Decide(a, env)
	wantRule(t, err, "APP-1", StateRule, "")

	// Without it, the same application passes.
	b, env := readyAccount(t, VATGeneral)
	if b.someFreeNegative() {
		t.Fatal("no statement is below zero")
	}
	if _, err := (RequestInvoice{Statements: []string{"2026-08"}, Agree: true}).Decide(b, env); err != nil {
		t.Fatal(err)
	}
}

// TestTallyOfAnAccountLiteral: an Account built as a literal has no tally;
// owing walks its invoices until the first fold counts them.
func TestTallyOfAnAccountLiteral(t *testing.T) {
	t.Parallel()
	a, env := readyAccount(t, VATGeneral)
	id := issued(t, a, env, "011001900111", "00000001", "2026-07")
	inv := *a.Invoices[id]
	inv.Raised = MustMoney("7.00")
	lit := &Account{ID: a.ID, Statements: a.Statements, Invoices: map[uuid.UUID]*Invoice{}}
	lit.Invoices[id] = &inv
	if lit.tally.known || !lit.owing() || !lit.someFreeNegative() {
		t.Fatalf("literal: tally %+v, owing %v", lit.tally, lit.owing())
	}
	lit.Apply(TitleCleared{Reason: "r", ClearedAt: env.Now})
	if err := tallyIsTheWalk(lit); err != nil || lit.tally.owers != 1 {
		t.Fatalf("literal after a fold: tally %+v: %v", lit.tally, err)
	}
}
