package domain

import (
	"slices"
	"testing"

	"github.com/google/uuid"
)

// adjust posts an adjustment and returns its events.
func adjust(t testing.TB, a *Account, env Env, id, month string, b Bucket, amount string) []Event {
	t.Helper()
	evs := must(t, a, env, PostAdjustment{Month: month, AdjustmentID: id, Bucket: b, Amount: amount, Reason: "refund", Reference: "R-" + id})
	checkAll(t, a)
	return evs
}

// checkAll checks DEF-6 (with REC-1) and DEF-3's settled state.
func checkAll(t testing.TB, a *Account) {
	t.Helper()
	checkInvariants(t, a)
	if err := a.CheckSettled(); err != nil {
		t.Fatal(err)
	}
}

func wantMoney(t testing.TB, what string, got Money, want string) {
	t.Helper()
	if !got.Equal(MustMoney(want)) {
		t.Fatalf("%s = %s, want %s", what, got, want)
	}
}

func TestDEF1_AdjustmentInputAndState(t *testing.T) {
	t.Parallel()
	a, env := readyAccount(t, VATGeneral)
	ok := PostAdjustment{Month: "2026-07", AdjustmentID: "adj-1", Bucket: BucketKingsoft, Amount: "10.00", Reason: "refund", Reference: "ORD-1"}
	cases := []struct {
		name  string
		edit  func(*PostAdjustment)
		kind  Kind
		field string
	}{
		{"zero amount", func(c *PostAdjustment) { c.Amount = "0.00" }, FieldRule, "amount"},
		{"negative amount", func(c *PostAdjustment) { c.Amount = "-1.00" }, FieldRule, "amount"},
		{"three decimals", func(c *PostAdjustment) { c.Amount = "1.005" }, FieldRule, "amount"},
		{"no amount", func(c *PostAdjustment) { c.Amount = "" }, FieldRule, "amount"},
		{"merchant bucket", func(c *PostAdjustment) { c.Bucket = BucketMerchant }, FieldRule, "bucket"},
		{"no id", func(c *PostAdjustment) { c.AdjustmentID = " " }, FieldRule, "adjustment_id"},
		{"no reason", func(c *PostAdjustment) { c.Reason = "" }, FieldRule, "reason"},
		{"bad month", func(c *PostAdjustment) { c.Month = "2026-13" }, FieldRule, "month"},
		{"no such statement", func(c *PostAdjustment) { c.Month = "2026-05" }, StateRule, ""},
		{"below zero in the bucket", func(c *PostAdjustment) { c.Amount = "100.01" }, StateRule, ""},
		{"below zero in marketplace", func(c *PostAdjustment) { c.Bucket, c.Amount = BucketMarketplace, "50.01" }, StateRule, ""},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			cmd := ok
			tc.edit(&cmd)
			evs, err := cmd.Decide(a, env)
			if evs != nil {
				t.Fatalf("events on a refusal: %v", evs)
			}
			re := wantRule(t, err, "DEF-1", tc.kind, tc.field)
			if tc.name == "no such statement" && !contains(re.Message, "2026-05") {
				t.Fatalf("the refusal does not name the month: %v", re)
			}
		})
	}
	// Down to exactly zero is allowed.
	must(t, a, env, PostAdjustment{Month: "2026-07", AdjustmentID: "adj-0", Bucket: BucketMarketplace, Amount: "50.00", Reason: "refund"})
	checkAll(t, a)
	wantMoney(t, "2026-07 marketplace", a.Statements["2026-07"].Buckets.Marketplace, "0.00")
}

func TestDEF1_AdjustmentIsIdempotentByID(t *testing.T) {
	t.Parallel()
	a, env := readyAccount(t, VATGeneral)
	cmd := PostAdjustment{Month: "2026-08", AdjustmentID: "adj-1", Bucket: BucketKingsoft, Amount: "20.00", Reason: "refund", Reference: "ORD-1"}
	must(t, a, env, cmd)
	evs, err := cmd.Decide(a, env)
	if err != nil || len(evs) != 0 {
		t.Fatalf("repost: %v %v, want no events", evs, err)
	}
	other := cmd
	other.Amount = "21.00"
	_, err = other.Decide(a, env)
	wantRule(t, err, "APP-6", Conflict, "")
	other = cmd
	other.Month = "2026-07"
	_, err = other.Decide(a, env)
	wantRule(t, err, "APP-6", Conflict, "")
	wantMoney(t, "2026-08 invoiceable", a.Statements["2026-08"].Buckets.Invoiceable(), "180.00")
}

func TestDEF1_AdjustmentLowersAnAvailableStatement(t *testing.T) {
	t.Parallel()
	a, env := readyAccount(t, VATGeneral)
	evs := adjust(t, a, env, "adj-1", "2026-07", BucketMarketplace, "30.00")
	e := evs[0].(StatementAdjusted)
	wantMoney(t, "lowered", e.Lowered, "30.00")
	if e.InvoiceID != nil || !e.Deficit.IsZero() || len(evs) != 1 {
		t.Fatalf("an available statement raised a deficit: %+v", evs)
	}
	s := a.Statements["2026-07"]
	wantMoney(t, "invoiceable", s.Buckets.Invoiceable(), "120.00")
	wantMoney(t, "adjusted", s.Adjusted.Total(), "30.00")
	b := a.Balance()
	wantMoney(t, "total", b.Total, "320.00")
	wantMoney(t, "marketplace", b.Marketplace, "20.00")
	wantMoney(t, "deficit", b.Deficit, "0.00")
	// An application takes what is left (APP-3).
	id := request(t, a, env, "2026-07")
	wantMoney(t, "amount", a.Invoice(id).Amount, "120.00")
}

func TestDEF2_AdjustmentToReservedOrInvoicedRaisesADeficit(t *testing.T) {
	t.Parallel()
	for _, stage := range []string{"reserved", "invoiced"} {
		t.Run(stage, func(t *testing.T) {
			t.Parallel()
			a, env := readyAccount(t, VATGeneral)
			var id uuid.UUID
			if stage == "reserved" {
				id = request(t, a, env, "2026-07", "2026-08")
			} else {
				id = issued(t, a, env, "1100000000", "00000001", "2026-07", "2026-08")
			}
			evs := adjust(t, a, env, "adj-1", "2026-08", BucketKingsoft, "50.00")
			e := evs[0].(StatementAdjusted)
			if e.InvoiceID == nil || *e.InvoiceID != id || !e.Deficit.Equal(MustMoney("50.00")) || !e.Lowered.IsZero() {
				t.Fatalf("the deficit is not owed by %s: %+v", id, e)
			}
			wantMoney(t, "invoice deficit", a.Invoice(id).Deficit(), "50.00")
			wantMoney(t, "invoice amount", a.Invoice(id).Amount, "350.00")
			b := a.Balance()
			wantMoney(t, "account deficit", b.Deficit, "50.00")
			wantMoney(t, "available", b.Total, "0.00")
			wantMoney(t, "statements", b.Statements, "300.00")
			if s := a.Statements["2026-08"]; string(s.Status) != stage {
				t.Fatalf("2026-08 is %s", s.Status)
			}
		})
	}
}

func TestDEF3_OffsetsOldestMonthFirstWhenADeficitArises(t *testing.T) {
	t.Parallel()
	a, env := readyAccount(t, VATGeneral)
	must(t, a, withNow(env, "2026-11-05T10:00:00+08:00"), PostStatement{Month: "2026-10", Lines: []StatementLine{kLine("l1", "500.00")}})
	env = withNow(env, "2026-11-05T11:00:00+08:00")
	id := issued(t, a, env, "1100000000", "00000001", "2026-08") // 200.00
	// 2026-07 (150.00) and 2026-10 (500.00) are available; a deficit of 180.00
	// takes all of July first, then 30.00 of October.
	evs := adjust(t, a, env, "adj-1", "2026-08", BucketKingsoft, "180.00")
	if len(evs) != 3 {
		t.Fatalf("want the adjustment and two offsets, got %+v", evs)
	}
	o1, o2 := evs[1].(DeficitOffset), evs[2].(DeficitOffset)
	if o1.Month != "2026-07" || !o1.Amount.Equal(MustMoney("150.00")) || o1.InvoiceID != id ||
		o2.Month != "2026-10" || !o2.Amount.Equal(MustMoney("30.00")) {
		t.Fatalf("offsets %+v %+v", o1, o2)
	}
	if a.Statements["2026-07"].Status != StatementOffset || a.Statements["2026-10"].Status != StatementAvailable {
		t.Fatalf("statuses %s %s", a.Statements["2026-07"].Status, a.Statements["2026-10"].Status)
	}
	wantMoney(t, "deficit", a.Invoice(id).Deficit(), "0.00")
	wantMoney(t, "available", a.Balance().Total, "470.00")
	wantMoney(t, "offset", a.Balance().Offset, "180.00")
	// An offset statement cannot be applied for; the rest of October can.
	_, err := RequestInvoice{Statements: []string{"2026-07"}, Agree: true}.Decide(a, env)
	wantRule(t, err, "APP-2", StateRule, "")
	id2 := request(t, a, env, "2026-10")
	wantMoney(t, "October's application", a.Invoice(id2).Amount, "470.00")
	checkAll(t, a)
}

func TestDEF3_NothingIsAvailableWhileADeficitIsOwed(t *testing.T) {
	t.Parallel()
	a, env := readyAccount(t, VATGeneral)
	id := issued(t, a, env, "1100000000", "00000001", "2026-07", "2026-08") // 350.00
	adjust(t, a, env, "adj-1", "2026-08", BucketKingsoft, "200.00")
	wantMoney(t, "deficit", a.Balance().Deficit, "200.00")
	// A new statement offsets at once: oldest deficit first, nothing available.
	env = withNow(env, "2026-11-03T00:00:00+08:00")
	evs := must(t, a, env, PostStatement{Month: "2026-10", Lines: []StatementLine{kLine("l1", "120.00"), mLine("l2", "30.00")}})
	checkAll(t, a)
	if len(evs) != 2 {
		t.Fatalf("want the statement and one offset: %+v", evs)
	}
	o := evs[1].(DeficitOffset)
	if !o.Kingsoft.Equal(MustMoney("120.00")) || !o.Marketplace.Equal(MustMoney("30.00")) || o.InvoiceID != id {
		t.Fatalf("offset %+v", o)
	}
	b := a.Balance()
	wantMoney(t, "available", b.Total, "0.00")
	wantMoney(t, "deficit", b.Deficit, "50.00")
	_, err := RequestInvoice{Statements: []string{"2026-10"}, Agree: true}.Decide(a, env)
	wantRule(t, err, "APP-2", StateRule, "")
	// Each new statement offsets more.
	env = withNow(env, "2026-12-03T00:00:00+08:00")
	must(t, a, env, PostStatement{Month: "2026-11", Lines: []StatementLine{kLine("l1", "10.00")}})
	checkAll(t, a)
	wantMoney(t, "deficit after November", a.Balance().Deficit, "40.00")
}

func TestDEF3_OldestDeficitFirst(t *testing.T) {
	t.Parallel()
	a, env := readyAccount(t, VATGeneral)
	first := issued(t, a, env, "1100000000", "00000001", "2026-07")
	second := issued(t, a, env, "1100000000", "00000002", "2026-08")
	adjust(t, a, env, "adj-2", "2026-08", BucketKingsoft, "100.00") // second owes first
	adjust(t, a, env, "adj-1", "2026-07", BucketKingsoft, "100.00")
	env = withNow(env, "2026-11-03T00:00:00+08:00")
	must(t, a, env, PostStatement{Month: "2026-10", Lines: []StatementLine{kLine("l1", "150.00")}})
	checkAll(t, a)
	wantMoney(t, "second (older deficit)", a.Invoice(second).Deficit(), "0.00")
	wantMoney(t, "first", a.Invoice(first).Deficit(), "50.00")
}

func TestDEF4_ReleaseUndoesTheDeficitAndFreesItsOffsets(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name    string
		release func(t *testing.T, a *Account, env Env, id uuid.UUID)
		issue   bool
	}{
		{"cancel", func(t *testing.T, a *Account, env Env, id uuid.UUID) {
			must(t, a, env, CancelInvoice{InvoiceID: id, By: RoleCustomer})
		}, false},
		{"reject", func(t *testing.T, a *Account, env Env, id uuid.UUID) {
			must(t, a, env, RejectInvoice{InvoiceID: id, Reason: "no"})
		}, false},
		{"void", func(t *testing.T, a *Account, env Env, id uuid.UUID) {
			must(t, a, env, RequestReturn{InvoiceID: id, Reason: "refund"})
			must(t, a, env, ReceiveReturnPaper{InvoiceID: id, Complete: true})
			must(t, a, env, VoidInvoice{InvoiceID: id})
		}, true},
		{"whole red-flush", func(t *testing.T, a *Account, env Env, id uuid.UUID) {
			must(t, a, env, RequestReturn{InvoiceID: id, Reason: "refund"})
			must(t, a, env, ReceiveReturnPaper{InvoiceID: id, Complete: true})
			must(t, a, env, RedFlushInvoice{InvoiceID: id, RedInvoiceCode: "3300000000", RedInvoiceNumber: "00000009"})
		}, true},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			a, env := readyAccount(t, VATGeneral)
			id := request(t, a, env, "2026-08") // 200.00
			if tc.issue {
				must(t, a, env, ApproveInvoice{InvoiceID: id})
				must(t, a, env, IssueInvoice{InvoiceID: id, InvoiceCode: "1100000000", InvoiceNumber: "00000001", IssuedOn: BusinessDate(env.Now)})
			}
			adjust(t, a, env, "adj-1", "2026-08", BucketKingsoft, "120.00") // July (150.00) offsets 120.00
			wantMoney(t, "available while owed", a.Balance().Total, "30.00")
			if a.Statements["2026-07"].OffsetTotal().Total().Cmp(MustMoney("120.00")) != 0 {
				t.Fatal("July did not offset")
			}
			tc.release(t, a, env, id)
			checkAll(t, a)
			b := a.Balance()
			wantMoney(t, "deficit", b.Deficit, "0.00")
			wantMoney(t, "offset", b.Offset, "0.00")
			wantMoney(t, "available", b.Total, "230.00") // July 150.00 + August's 80.00 left
			if a.Statements["2026-07"].Status != StatementAvailable || a.Statements["2026-08"].Status != StatementAvailable {
				t.Fatal("statements not released")
			}
		})
	}
}

func TestDEF4_FreedPartBecomesAvailableOnItsOwn(t *testing.T) {
	t.Parallel()
	a, env := readyAccount(t, VATGeneral)
	j := issued(t, a, env, "1100000000", "00000001", "2026-08") // 200.00
	adjust(t, a, env, "adj-1", "2026-08", BucketKingsoft, "60.00")
	// July (100.00 kingsoft + 50.00 marketplace) offsets 60.00 of kingsoft;
	// its rest, 90.00, goes to another application.
	h := request(t, a, env, "2026-07")
	wantMoney(t, "the rest applied for", a.Invoice(h).Amount, "90.00")
	if a.Statements["2026-07"].Status != StatementReserved {
		t.Fatal("July not reserved")
	}
	// J is returned and red-flushed: the 60.00 that offset it is freed; July's
	// rest stays with H; the freed part is available on its own.
	must(t, a, env, RequestReturn{InvoiceID: j, Reason: "refund"})
	must(t, a, env, ReceiveReturnPaper{InvoiceID: j, Complete: true})
	must(t, a, env, RedFlushInvoice{InvoiceID: j, RedInvoiceCode: "3300000000", RedInvoiceNumber: "00000009"})
	checkAll(t, a)
	s := a.Statements["2026-07"]
	if s.Status != StatementReserved || s.InvoiceID != h {
		t.Fatalf("July is %s for %s", s.Status, s.InvoiceID)
	}
	wantMoney(t, "July's freed part", s.Free.Total(), "60.00")
	wantMoney(t, "available", a.Balance().Total, "200.00") // 60.00 of July + August's 140.00
	wantMoney(t, "reserved", a.Balance().Reserved, "90.00")
	// Once H is cancelled July is whole again.
	must(t, a, env, CancelInvoice{InvoiceID: h, By: RoleCustomer})
	checkAll(t, a)
	wantMoney(t, "July", a.Statements["2026-07"].Free.Total(), "150.00")
}

func TestDEF4_AdjustmentTakesBackAnOffset(t *testing.T) {
	t.Parallel()
	a, env := readyAccount(t, VATGeneral)
	j := issued(t, a, env, "1100000000", "00000001", "2026-08")
	adjust(t, a, env, "adj-1", "2026-08", BucketKingsoft, "120.00") // July offsets 120.00 (100 k + 20 m)
	evs := adjust(t, a, env, "adj-2", "2026-07", BucketMarketplace, "50.00")
	e := evs[0].(StatementAdjusted)
	// 30.00 of July's marketplace was available; 20.00 had offset J's deficit.
	wantMoney(t, "lowered", e.Lowered, "30.00")
	if len(e.OffsetsUndone) != 1 || e.OffsetsUndone[0].InvoiceID != j || !e.OffsetsUndone[0].Amount.Equal(MustMoney("20.00")) {
		t.Fatalf("offsets undone: %+v", e.OffsetsUndone)
	}
	wantMoney(t, "J owes again", a.Invoice(j).Deficit(), "20.00")
}

func TestDEF5_PartialRedFlushOfAPaperInvoice(t *testing.T) {
	t.Parallel()
	a, env := readyAccount(t, VATGeneral)
	id := issued(t, a, env, "1100000000", "00000001", "2026-07", "2026-08") // 350.00
	part := RedFlushInvoice{InvoiceID: id, RedInvoiceCode: "3300000000", RedInvoiceNumber: "00000009", Amount: "50.00", RedLetterFormNumber: "1101202610000001"}
	_, err := part.Decide(a, env)
	wantRule(t, err, "DEF-5", StateRule, "") // owes nothing yet
	adjust(t, a, env, "adj-1", "2026-08", BucketKingsoft, "200.00")
	refusals := []struct {
		name  string
		edit  func(*RedFlushInvoice)
		code  string
		kind  Kind
		field string
	}{
		{"above the deficit", func(c *RedFlushInvoice) { c.Amount = "200.01" }, "DEF-5", StateRule, ""},
		{"no form number", func(c *RedFlushInvoice) { c.RedLetterFormNumber = "" }, "DEF-5", FieldRule, "red_letter_form_number"},
		{"three decimals", func(c *RedFlushInvoice) { c.Amount = "1.001" }, "DEF-5", FieldRule, "amount"},
		{"zero", func(c *RedFlushInvoice) { c.Amount = "0" }, "DEF-5", FieldRule, "amount"},
		{"number of the blue invoice", func(c *RedFlushInvoice) { c.RedInvoiceCode, c.RedInvoiceNumber = "1100000000", "00000001" }, "ISSUE-2", StateRule, ""},
	}
	for _, r := range refusals {
		cmd := part
		r.edit(&cmd)
		evs, err := cmd.Decide(a, env)
		if evs != nil {
			t.Fatalf("%s: events on a refusal", r.name)
		}
		wantRule(t, err, r.code, r.kind, r.field)
	}
	part.Amount = "150.00"
	evs := must(t, a, env, part)
	checkAll(t, a)
	e := evs[0].(InvoicePartlyRedFlushed)
	wantMoney(t, "net+tax", e.NetAmount.Add(e.TaxAmount), "150.00")
	inv := a.Invoice(id)
	if inv.Status != Issued {
		t.Fatalf("status %s", inv.Status)
	}
	if acts := inv.Actions(RoleFinance); !slices.Contains(acts, "red_flush_part") {
		t.Fatalf("finance's actions on an invoice that owes: %v", acts)
	}
	wantMoney(t, "red_flushed_amount", inv.RedFlushedAmount, "150.00")
	wantMoney(t, "deficit", inv.Deficit(), "50.00")
	wantMoney(t, "invoiced", a.Balance().Invoiced, "200.00")
	// The same red number again is ISSUE-2.
	again := part
	again.Amount = "10.00"
	_, err = again.Decide(a, env)
	wantRule(t, err, "ISSUE-2", StateRule, "")
	// Returned: never voided; the whole red-flush reverses the rest.
	must(t, a, env, RequestReturn{InvoiceID: id, Reason: "refund"})
	must(t, a, env, ReceiveReturnPaper{InvoiceID: id, Complete: true})
	_, err = VoidInvoice{InvoiceID: id}.Decide(a, env)
	wantRule(t, err, "DEF-5", StateRule, "")
	if acts := a.Invoice(id).Actions(RoleFinance); slices.Contains(acts, "void") || !slices.Contains(acts, "red_flush") {
		t.Fatalf("a partly red-flushed invoice's actions: %v", acts)
	}
	evs = must(t, a, env, RedFlushInvoice{InvoiceID: id, RedInvoiceCode: "3300000000", RedInvoiceNumber: "00000010"})
	checkAll(t, a)
	wantMoney(t, "red amount", evs[0].(InvoiceRedFlushed).RedAmount, "200.00")
	b := a.Balance()
	wantMoney(t, "available", b.Total, "150.00") // July 150.00, August 0.00
	wantMoney(t, "deficit", b.Deficit, "0.00")
}

func TestDEF5_PartialRedFlushOfTheWholeRestCompletesIt(t *testing.T) {
	t.Parallel()
	a, env := readyAccount(t, VATGeneral)
	id := issued(t, a, env, "1100000000", "00000001", "2026-08")
	adjust(t, a, env, "adj-1", "2026-08", BucketKingsoft, "200.00")
	// July offsets 150.00; 50.00 is still owed. Release July's offset by
	// adjusting it away, so the invoice owes its whole amount.
	adjust(t, a, env, "adj-2", "2026-07", BucketKingsoft, "100.00")
	adjust(t, a, env, "adj-3", "2026-07", BucketMarketplace, "50.00")
	wantMoney(t, "owed", a.Invoice(id).Deficit(), "200.00")
	evs := must(t, a, env, RedFlushInvoice{InvoiceID: id, RedInvoiceCode: "3300000000", RedInvoiceNumber: "00000009", Amount: "200.00", RedLetterFormNumber: "F-1"})
	checkAll(t, a)
	if _, ok := evs[0].(InvoiceRedFlushed); !ok || a.Invoice(id).Status != RedFlushed {
		t.Fatalf("not completed: %+v", evs)
	}
}

func TestRED6_PartialConfirmationUpToTheDeficit(t *testing.T) {
	t.Parallel()
	a, env := readyAccount(t, VATGeneral)
	id := eIssued(t, a, env, eNum1, "2026-07", "2026-08") // 350.00
	adjust(t, a, env, "adj-1", "2026-08", BucketKingsoft, "80.00")
	_, err := EnterConfirmation{InvoiceID: id, By: RoleFinance, Amount: "80.01", Reason: ReasonServiceTerminated}.Decide(a, env)
	wantRule(t, err, "RED-6", StateRule, "")
	_, err = EnterConfirmation{InvoiceID: id, By: RoleFinance, Amount: "50.00", Reason: ReasonIssuingError}.Decide(a, env)
	wantRule(t, err, "RED-6", StateRule, "")
	cf := enter(t, a, env, EnterConfirmation{InvoiceID: id, By: RoleFinance, Amount: "50.00", Reason: ReasonSalesAllowance})
	if cf.Status != ConfirmationNotRequired {
		t.Fatalf("status %s", cf.Status)
	}
	cid := cf.ID
	_, err = RedFlushInvoice{InvoiceID: id, RedInvoiceNumber: eNum2, ConfirmationID: &cid, Amount: "40.00"}.Decide(a, env)
	wantRule(t, err, "RED-5", FieldRule, "amount")
	evs := must(t, a, env, RedFlushInvoice{InvoiceID: id, RedInvoiceNumber: eNum2, ConfirmationID: &cid})
	checkAll(t, a)
	p := evs[0].(InvoicePartlyRedFlushed)
	if p.ConfirmationID == nil || *p.ConfirmationID != cid || p.RedIssuedOn != BusinessDate(env.Now) {
		t.Fatalf("event %+v", p)
	}
	inv := a.Invoice(id)
	if inv.Status != Issued || !a.Confirmation(cid).Used {
		t.Fatalf("status %s used %v", inv.Status, a.Confirmation(cid).Used)
	}
	wantMoney(t, "deficit", inv.Deficit(), "30.00")
	// The whole rest: a confirmation of 300.00, then the red invoice completes it.
	cf2 := enter(t, a, env, EnterConfirmation{InvoiceID: id, By: RoleFinance, Reason: ReasonServiceTerminated})
	wantMoney(t, "whole confirmation", cf2.Amount, "300.00")
	c2 := cf2.ID
	evs = must(t, a, env, RedFlushInvoice{InvoiceID: id, RedInvoiceNumber: eNum3, ConfirmationID: &c2})
	checkAll(t, a)
	wantMoney(t, "red amount", evs[0].(InvoiceRedFlushed).RedAmount, "300.00")
	if a.Invoice(id).Status != RedFlushed {
		t.Fatal("not red-flushed")
	}
}

func TestRED6_PartialRedInvoiceRefusedWhenOffsetsClearedTheDeficit(t *testing.T) {
	t.Parallel()
	a, env := readyAccount(t, VATGeneral)
	id := eIssued(t, a, env, eNum1, "2026-07", "2026-08")
	adjust(t, a, env, "adj-1", "2026-08", BucketKingsoft, "80.00")
	cf := enter(t, a, env, EnterConfirmation{InvoiceID: id, By: RoleFinance, Amount: "80.00", Reason: ReasonServiceTerminated})
	env = withNow(env, "2026-11-03T00:00:00+08:00")
	must(t, a, env, PostStatement{Month: "2026-10", Lines: []StatementLine{kLine("l1", "50.00")}})
	cid := cf.ID
	evs, err := RedFlushInvoice{InvoiceID: id, RedInvoiceNumber: "26" + eNum2[2:], ConfirmationID: &cid}.Decide(a, env)
	if evs != nil {
		t.Fatal("events on a refusal")
	}
	wantRule(t, err, "RED-6", StateRule, "")
}

// TestDEF6_WorkedExample is README's example: a 12 000.00 yearly
// subscription invoiced in January, refunded 6 000.00 in June; July's
// 1 000.00 offsets; finance red-flushes 5 000.00; the customer returns the
// invoice. DEF-6 holds at every step.
func TestDEF6_WorkedExample(t *testing.T) {
	t.Parallel()
	a := NewAccount("acc-yearly")
	env := testEnv("2026-02-03T09:00:00+08:00")
	must(t, a, env, PostStatement{Month: "2026-01", Lines: []StatementLine{line("l1", ChannelKingsoft, Prepaid, "2026-01-10", "12000.00")}})
	must(t, a, env, SubmitTitle{Title: generalTitle()})
	must(t, a, env, AddAddress{Address: testAddress()})
	jan := issued(t, a, env, "1100000000", "00000001", "2026-01")
	checkAll(t, a)
	step := func(what, available, reserved, invoiced, deficit string) {
		t.Helper()
		checkAll(t, a)
		b := a.Balance()
		wantMoney(t, what+": available", b.Total, available)
		wantMoney(t, what+": reserved", b.Reserved, reserved)
		wantMoney(t, what+": invoiced", b.Invoiced, invoiced)
		wantMoney(t, what+": deficit", b.Deficit, deficit)
		if sum := b.Total.Add(b.Reserved).Add(b.Invoiced).Sub(b.Deficit); !sum.Equal(b.Statements) {
			t.Fatalf("%s: DEF-6: %s ≠ %s", what, sum, b.Statements)
		}
	}
	step("January invoiced", "0.00", "0.00", "12000.00", "0.00")

	env = withNow(env, "2026-06-20T10:00:00+08:00")
	adjust(t, a, env, "refund-1", "2026-01", BucketKingsoft, "6000.00")
	step("June refund", "0.00", "0.00", "12000.00", "6000.00")
	wantMoney(t, "invoice deficit", a.Invoice(jan).Deficit(), "6000.00")

	env = withNow(env, "2026-08-03T10:00:00+08:00")
	must(t, a, env, PostStatement{Month: "2026-07", Lines: []StatementLine{kLine("l1", "1000.00")}})
	step("July offsets", "0.00", "0.00", "12000.00", "5000.00")
	if a.Statements["2026-07"].Status != StatementOffset {
		t.Fatalf("July is %s", a.Statements["2026-07"].Status)
	}

	must(t, a, env, RedFlushInvoice{InvoiceID: jan, RedInvoiceCode: "3300000000", RedInvoiceNumber: "00000002", Amount: "5000.00", RedLetterFormNumber: "1101202608000001"})
	step("5 000.00 red-flushed", "0.00", "0.00", "7000.00", "0.00")
	wantMoney(t, "red_flushed_amount", a.Invoice(jan).RedFlushedAmount, "5000.00")

	must(t, a, env, RequestReturn{InvoiceID: jan, Reason: "subscription ended"})
	must(t, a, env, ReceiveReturnPaper{InvoiceID: jan, Complete: true})
	evs := must(t, a, env, RedFlushInvoice{InvoiceID: jan, RedInvoiceCode: "3300000000", RedInvoiceNumber: "00000003"})
	wantMoney(t, "the rest red-flushed", evs[0].(InvoiceRedFlushed).RedAmount, "7000.00")
	step("returned", "7000.00", "0.00", "0.00", "0.00")
	if s := a.Statements["2026-07"]; s.Status != StatementAvailable || !s.Free.Total().Equal(MustMoney("1000.00")) {
		t.Fatalf("July is %s with %s", s.Status, s.Free.Total())
	}
	if s := a.Statements["2026-01"]; s.Status != StatementAvailable || !s.Free.Total().Equal(MustMoney("6000.00")) {
		t.Fatalf("January is %s with %s", s.Status, s.Free.Total())
	}
}

func TestDEF6_CheckInvariantsDetectsBrokenConservation(t *testing.T) {
	t.Parallel()
	base, env := readyAccount(t, VATGeneral)
	id := issued(t, base, env, "1100000000", "00000001", "2026-08")
	adjust(t, base, env, "adj-1", "2026-08", BucketKingsoft, "170.00")
	cases := []struct {
		name    string
		rule    string
		breakIt func(a *Account)
	}{
		{"a deficit forgotten", "DEF-2", func(a *Account) { a.Invoices[id].Raised = Zero }},
		{"an offset forgotten", "DEF-3", func(a *Account) { a.Invoices[id].OffsetAmount = Zero }},
		{"a part lost", "DEF-6", func(a *Account) { a.Statements["2026-07"].Offsets = nil }},
		{"red-flushed beyond", "DEF-5", func(a *Account) { a.Invoices[id].RedFlushedAmount = MustMoney("500.00") }},
	}
	// The cases break the state by writing through its pointers, as no
	// fold does: each gets a copy that shares nothing with base (a Clone
	// shares the invoices and statements until a fold changes them).
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			a := roundTrip(t, base)
			tc.breakIt(a)
			if err := a.CheckInvariants(); !hasRule(err, tc.rule) {
				t.Fatalf("want %s in %v", tc.rule, err)
			}
		})
	}
	a := roundTrip(t, base)
	a.Statements["2026-07"].Free = Split{Kingsoft: MustMoney("1.00")}
	a.Statements["2026-07"].Buckets.Kingsoft = a.Statements["2026-07"].Buckets.Kingsoft.Add(MustMoney("1.00"))
	if err := a.CheckSettled(); err == nil || !hasRule(err, "DEF-3") {
		t.Fatalf("available while owed not detected: %v", err)
	}
}

func TestDEF6_DeficitEventsGolden(t *testing.T) {
	id := uuid.MustParse("5f0c6f2e-8a44-4c1b-9d2e-0a1b2c3d4e5f")
	other := uuid.MustParse("0b7f6a55-1111-4222-8333-944455566677")
	ts := at("2026-10-12T10:30:00+08:00")
	checkGolden(t, InvoicePartlyRedFlushed{
		InvoiceID: id, RedInvoiceNumber: "26110000000000000002", RedAmount: MustMoney("100.00"),
		NetAmount: MustMoney("94.34"), TaxAmount: MustMoney("5.66"), RedIssuedOn: "2026-10-12", ConfirmationID: &other, RedFlushedAt: ts,
	}, "InvoicePartlyRedFlushed.electronic.json")
	checkGolden(t, InvoiceRedFlushed{
		InvoiceID: id, RedInvoiceCode: "011001900111", RedInvoiceNumber: "12345679", RedAmount: MustMoney("350.50"),
		RedFlushedAt: ts, RedLetterFormNumber: "1101202610000001",
	}, "InvoiceRedFlushed.deficit.json")
}

// TestDEF4_ExchangeReissuesWhatIsLeft: a return with an exchange (退票重开)
// of an invoice that owes a deficit reissues the statements for what is
// left of them after the refund (APP-3); when nothing is left, the exchange
// fails with DEF-3 and says why.
func TestDEF4_ExchangeReissuesWhatIsLeft(t *testing.T) {
	t.Parallel()
	a, env := readyAccount(t, VATGeneral)
	id := issued(t, a, env, "1100000000", "00000001", "2026-07", "2026-08") // 350.00
	adjust(t, a, env, "adj-1", "2026-08", BucketKingsoft, "120.00")
	must(t, a, env, RequestReturn{InvoiceID: id, Reason: "refund", Exchange: true})
	must(t, a, env, ReceiveReturnPaper{InvoiceID: id, Complete: true})
	evs := must(t, a, env, RedFlushInvoice{InvoiceID: id, RedInvoiceCode: "3300000000", RedInvoiceNumber: "00000009"})
	checkAll(t, a)
	req, ok := evs[len(evs)-1].(InvoiceRequested)
	if !ok {
		t.Fatalf("no exchange: %+v", evs)
	}
	wantMoney(t, "exchange amount", req.Amount, "230.00")
	wantMoney(t, "deficit", a.Balance().Deficit, "0.00")

	// All of it refunded: nothing is left to reissue.
	b, env2 := readyAccount(t, VATGeneral)
	id2 := issued(t, b, env2, "1100000000", "00000001", "2026-08")
	adjust(t, b, env2, "adj-1", "2026-08", BucketKingsoft, "200.00") // July offsets 150.00
	must(t, b, env2, RequestReturn{InvoiceID: id2, Reason: "refund", Exchange: true})
	must(t, b, env2, ReceiveReturnPaper{InvoiceID: id2, Complete: true})
	evs = must(t, b, env2, RedFlushInvoice{InvoiceID: id2, RedInvoiceCode: "3300000000", RedInvoiceNumber: "00000009"})
	checkAll(t, b)
	f, ok := evs[len(evs)-1].(ExchangeFailed)
	if !ok || f.Code != "DEF-3" {
		t.Fatalf("want a failed exchange: %+v", evs)
	}
	wantMoney(t, "July is free again", b.Statements["2026-07"].Free.Total(), "150.00")
}

// A part DEF-4 freed while the statement's rest stays in another live
// invoice is applied for on its own: the new application takes exactly that
// part (APP-3), the statement has two holders, each with its own part
// (APP-7), and releasing either gives back only its own part.
func TestDEF4_FreedPartCanBeAppliedFor(t *testing.T) {
	t.Parallel()
	releases := []struct {
		name    string
		issue   bool
		release func(t *testing.T, a *Account, env Env, id uuid.UUID)
	}{
		{"cancel", false, func(t *testing.T, a *Account, env Env, id uuid.UUID) {
			must(t, a, env, CancelInvoice{InvoiceID: id, By: RoleCustomer})
		}},
		{"void", true, func(t *testing.T, a *Account, env Env, id uuid.UUID) {
			must(t, a, env, RequestReturn{InvoiceID: id, Reason: "refund"})
			must(t, a, env, ReceiveReturnPaper{InvoiceID: id, Complete: true})
			must(t, a, env, VoidInvoice{InvoiceID: id})
		}},
		{"whole red-flush", true, func(t *testing.T, a *Account, env Env, id uuid.UUID) {
			must(t, a, env, RequestReturn{InvoiceID: id, Reason: "refund"})
			must(t, a, env, ReceiveReturnPaper{InvoiceID: id, Complete: true})
			must(t, a, env, RedFlushInvoice{InvoiceID: id, RedInvoiceCode: "3300000000", RedInvoiceNumber: "00000009"})
		}},
	}
	for _, rel := range releases {
		for _, bFirst := range []bool{true, false} {
			name := rel.name + "/release the new one first"
			if bFirst {
				name = rel.name + "/release B first"
			}
			t.Run(name, func(t *testing.T) {
				t.Parallel()
				a, env := readyAccount(t, VATGeneral)
				// A holds August (200.00); an adjustment of 60.00 makes it owe,
				// and July (100.00 kingsoft + 50.00 marketplace) offsets 60.00.
				var inv uuid.UUID
				if rel.issue {
					inv = issued(t, a, env, "1100000000", "00000001", "2026-08")
				} else {
					inv = request(t, a, env, "2026-08")
				}
				adjust(t, a, env, "adj-1", "2026-08", BucketKingsoft, "60.00")
				// July's rest, 90.00, goes to application B.
				b := request(t, a, env, "2026-07")
				wantMoney(t, "B", a.Invoice(b).Amount, "90.00")
				rel.release(t, a, env, inv)
				checkAll(t, a)
				july := a.Statements["2026-07"]
				wantMoney(t, "July's freed part", july.Free.Total(), "60.00")

				// The customer applies for July: exactly its freed part.
				evs := must(t, a, env, RequestInvoice{Statements: []string{"2026-07"}, Agree: true})
				c := evs[0].(InvoiceRequested).InvoiceID
				got := a.Invoice(c)
				wantMoney(t, "the new application", got.Amount, "60.00")
				wantMoney(t, "its kingsoft", got.Kingsoft, "60.00")
				wantMoney(t, "its marketplace", got.Marketplace, "0.00")
				checkAll(t, a)
				july = a.Statements["2026-07"]
				wantMoney(t, "July available", july.Free.Total(), "0.00")
				if ids := july.HolderIDs(); len(ids) != 2 || ids[0] != b || ids[1] != c {
					t.Fatalf("July's holders %v, want [%s %s]", ids, b, c)
				}
				if july.Status != StatementReserved || july.InvoiceID != b {
					t.Fatalf("July is %s for %s; want reserved for its first holder %s", july.Status, july.InvoiceID, b)
				}
				wantMoney(t, "B's part", july.HeldBy(b).Total(), "90.00")
				wantMoney(t, "C's part", july.HeldBy(c).Total(), "60.00")
				// Nothing is left to apply for: APP-2.
				_, err := RequestInvoice{Statements: []string{"2026-07"}, Agree: true}.Decide(a, env)
				wantRule(t, err, "APP-2", StateRule, "")

				first, second, firstPart, secondPart := b, c, "90.00", "60.00"
				if !bFirst {
					first, second, firstPart, secondPart = c, b, "60.00", "90.00"
				}
				must(t, a, env, CancelInvoice{InvoiceID: first, By: RoleCustomer})
				checkAll(t, a)
				july = a.Statements["2026-07"]
				wantMoney(t, "July after the first release", july.Free.Total(), firstPart)
				wantMoney(t, "the other holder's part", july.HeldBy(second).Total(), secondPart)
				if july.Status != StatementReserved || july.InvoiceID != second {
					t.Fatalf("July is %s for %s; want reserved for %s", july.Status, july.InvoiceID, second)
				}
				must(t, a, env, CancelInvoice{InvoiceID: second, By: RoleCustomer})
				checkAll(t, a)
				july = a.Statements["2026-07"]
				wantMoney(t, "July whole again", july.Free.Total(), "150.00")
				if july.Status != StatementAvailable || july.InvoiceID != uuid.Nil || len(july.HolderIDs()) != 0 {
					t.Fatalf("July is %s for %s", july.Status, july.InvoiceID)
				}
			})
		}
	}
}

// With two holders of a statement (DEF-4's exception), the statement shows
// its first holder; an adjustment charges each holder's own part, earliest
// first (DEF-2); an exchange reissues only the returned invoice's part.
func TestDEF4_TwoHoldersOfAStatement(t *testing.T) {
	t.Parallel()
	a, env := readyAccount(t, VATGeneral)
	j := issued(t, a, env, "1100000000", "00000001", "2026-08")    // 200.00
	adjust(t, a, env, "adj-1", "2026-08", BucketKingsoft, "60.00") // July offsets 60.00 kingsoft
	b := issued(t, a, env, "1100000000", "00000002", "2026-07")    // July's rest: 40.00 k + 50.00 m
	must(t, a, env, RequestReturn{InvoiceID: j, Reason: "refund"})
	must(t, a, env, ReceiveReturnPaper{InvoiceID: j, Complete: true})
	must(t, a, env, RedFlushInvoice{InvoiceID: j, RedInvoiceCode: "3300000000", RedInvoiceNumber: "00000009"})
	c := request(t, a, env, "2026-07") // the freed 60.00 kingsoft
	checkAll(t, a)
	july := a.Statements["2026-07"]
	if july.Status != StatementInvoiced || july.InvoiceID != b {
		t.Fatalf("July is %s for %s; want invoiced for its first holder %s", july.Status, july.InvoiceID, b)
	}

	// 70.00 off July's kingsoft: nothing is available, so B's 40.00 first,
	// then 30.00 of C's part; August (140.00 after adj-1, available again)
	// offsets both.
	evs := adjust(t, a, env, "adj-2", "2026-07", BucketKingsoft, "70.00")
	e := evs[0].(StatementAdjusted)
	if e.InvoiceID == nil || *e.InvoiceID != b || !e.Deficit.Equal(MustMoney("40.00")) {
		t.Fatalf("first holder's deficit: %v %s", e.InvoiceID, e.Deficit)
	}
	if len(e.MoreDeficits) != 1 || e.MoreDeficits[0].InvoiceID != c || !e.MoreDeficits[0].Amount.Equal(MustMoney("30.00")) {
		t.Fatalf("further holders' deficits: %+v", e.MoreDeficits)
	}
	july = a.Statements["2026-07"]
	wantMoney(t, "B holds", july.HeldBy(b).Total(), "50.00")
	wantMoney(t, "C holds", july.HeldBy(c).Total(), "30.00")
	wantMoney(t, "deficit", a.Balance().Deficit, "0.00")
	wantMoney(t, "available", a.Balance().Total, "70.00") // August 140.00 less 70.00 offset

	// B is returned for an exchange: the new application takes B's part of
	// July (50.00) beside C, and C keeps its own.
	must(t, a, env, RequestReturn{InvoiceID: b, Reason: "wrong title", Exchange: true})
	must(t, a, env, ReceiveReturnPaper{InvoiceID: b, Complete: true})
	evs = must(t, a, env, VoidInvoice{InvoiceID: b})
	checkAll(t, a)
	req, ok := evs[len(evs)-1].(InvoiceRequested)
	if !ok || !slices.Equal(req.Statements, []string{"2026-07"}) {
		t.Fatalf("no exchange over July: %+v", evs)
	}
	wantMoney(t, "the exchange", req.Amount, "50.00")
	// B's deficit is undone: August's 40.00 that offset it is free again.
	wantMoney(t, "available", a.Balance().Total, "110.00")
	july = a.Statements["2026-07"]
	wantMoney(t, "the exchange's part of July", july.HeldBy(req.InvoiceID).Total(), "50.00")
	wantMoney(t, "C keeps", july.HeldBy(c).Total(), "30.00")
	if july.Status != StatementReserved || july.InvoiceID != c {
		t.Fatalf("July is %s for %s; want reserved for C %s", july.Status, july.InvoiceID, c)
	}
}
