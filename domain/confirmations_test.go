package domain

import (
	"slices"
	"testing"
	"time"

	"github.com/google/uuid"
)

// enter enters a confirmation and returns it as folded.
func enter(t testing.TB, a *Account, env Env, cmd EnterConfirmation) *Confirmation {
	t.Helper()
	evs := must(t, a, env, cmd)
	return a.Confirmation(evs[0].(RedLetterConfirmationEntered).ConfirmationID)
}

func TestRED1_EnteredBySellerOrBuyerForElectronicOnly(t *testing.T) {
	t.Parallel()
	a, env := readyAccount(t, VATGeneral)
	paper := issued(t, a, env, "1100000000", "00000001", "2026-07")
	_, err := EnterConfirmation{InvoiceID: paper, By: RoleFinance, Reason: ReasonIssuingError}.Decide(a, env)
	wantRule(t, err, "RED-1", StateRule, "")
	id := eIssued(t, a, env, eNum1, "2026-08")
	cases := []struct {
		name  string
		cmd   EnterConfirmation
		code  string
		kind  Kind
		field string
	}{
		{"bad reason", EnterConfirmation{InvoiceID: id, By: RoleFinance, Reason: "refund"}, "RED-1", FieldRule, "reason"},
		{"bad amount", EnterConfirmation{InvoiceID: id, By: RoleFinance, Reason: ReasonIssuingError, Amount: "1.001"}, "RED-1", FieldRule, "amount"},
		{"zero amount", EnterConfirmation{InvoiceID: id, By: RoleFinance, Reason: ReasonIssuingError, Amount: "0.00"}, "RED-1", FieldRule, "amount"},
		{"deducted general", EnterConfirmation{InvoiceID: id, By: RoleCustomer, Reason: ReasonIssuingError, Deducted: true}, "RED-1", FieldRule, "deducted"},
		{"support", EnterConfirmation{InvoiceID: id, By: RoleSupport, Reason: ReasonIssuingError}, "RED-1", StateRule, ""},
		{"unknown invoice", EnterConfirmation{InvoiceID: uuid.New(), By: RoleFinance, Reason: ReasonIssuingError}, "RED-1", NotFound, ""},
	}
	for _, tc := range cases {
		_, err := tc.cmd.Decide(a, env)
		wantRule(t, err, tc.code, tc.kind, tc.field)
	}
	cf := enter(t, a, env, EnterConfirmation{InvoiceID: id, By: RoleCustomer, Reason: ReasonServiceTerminated, Booked: true})
	if cf.EnteredBy != Buyer || cf.Amount.String() != "200.00" || cf.Reason != ReasonServiceTerminated || !cf.Booked || cf.Deducted {
		t.Fatalf("%+v", cf)
	}
	if got := a.InvoiceConfirmations(id); len(got) != 1 || got[0] != cf {
		t.Fatalf("invoice confirmations %v", got)
	}
}

func TestRED2_StatusAndWhichSideAnswers(t *testing.T) {
	t.Parallel()
	cases := []struct {
		by               Role
		deducted, booked bool
		want             ConfirmationStatus
		answerer, wrong  Role
	}{
		{RoleFinance, false, false, ConfirmationNotRequired, "", ""},
		{RoleCustomer, false, false, ConfirmationNotRequired, "", ""},
		{RoleFinance, false, true, ConfirmationPendingBuyer, RoleCustomer, RoleFinance},
		{RoleFinance, true, false, ConfirmationPendingBuyer, RoleCustomer, RoleFinance},
		{RoleCustomer, true, true, ConfirmationPendingSeller, RoleFinance, RoleCustomer},
	}
	for _, tc := range cases {
		a, env := readyAccount(t, VATSpecial)
		id := eIssued(t, a, env, eNum1, "2026-07")
		cf := enter(t, a, env, EnterConfirmation{InvoiceID: id, By: tc.by, Reason: ReasonIssuingError, Deducted: tc.deducted, Booked: tc.booked})
		if cf.Status != tc.want {
			t.Fatalf("%+v: status %s, want %s", tc, cf.Status, tc.want)
		}
		if tc.want == ConfirmationNotRequired {
			if cf.ExpiresAt != nil || !cf.Usable() {
				t.Fatalf("not_required: %+v", cf)
			}
			_, err := ConfirmConfirmation{ConfirmationID: cf.ID, By: RoleCustomer}.Decide(a, env)
			wantRule(t, err, "RED-2", StateRule, "")
			continue
		}
		if cf.ExpiresAt == nil || !cf.ExpiresAt.Equal(env.Now.Add(72*time.Hour)) {
			t.Fatalf("expires %v", cf.ExpiresAt)
		}
		_, err := ConfirmConfirmation{ConfirmationID: cf.ID, By: tc.wrong}.Decide(a, env)
		wantRule(t, err, "RED-2", StateRule, "")
		_, err = RefuseConfirmation{ConfirmationID: cf.ID, By: tc.wrong, Reason: "no"}.Decide(a, env)
		wantRule(t, err, "RED-2", StateRule, "")
		if acts := cf.Actions(tc.answerer); !slices.Equal(acts, []string{"confirm", "refuse"}) {
			t.Fatalf("answerer actions %v", acts)
		}
		if acts := cf.Actions(tc.wrong); !slices.Equal(acts, []string{"withdraw"}) {
			t.Fatalf("entering side actions %v", acts)
		}
		_, err = RefuseConfirmation{ConfirmationID: cf.ID, By: tc.answerer}.Decide(a, env)
		wantRule(t, err, "RED-2", FieldRule, "reason")
		must(t, a, env, ConfirmConfirmation{ConfirmationID: cf.ID, By: tc.answerer})
		if cf := a.Confirmation(cf.ID); cf.Status != ConfirmationConfirmed || !cf.Usable() {
			t.Fatalf("after confirm %+v", cf)
		}
		_, err = ConfirmConfirmation{ConfirmationID: cf.ID, By: tc.answerer}.Decide(a, env)
		wantRule(t, err, "RED-2", StateRule, "")
	}
	// Refusal closes it; the invoice stays issued and may get a new one.
	a, env := readyAccount(t, VATGeneral)
	id := eIssued(t, a, env, eNum1, "2026-07")
	cf := enter(t, a, env, EnterConfirmation{InvoiceID: id, By: RoleFinance, Reason: ReasonIssuingError, Booked: true})
	must(t, a, env, RefuseConfirmation{ConfirmationID: cf.ID, By: RoleCustomer, Reason: "已入账，不同意"})
	if cf := a.Confirmation(cf.ID); cf.Status != ConfirmationRefused || cf.RefuseReason == "" || cf.Open() || a.Invoice(id).Status != Issued {
		t.Fatalf("%+v", cf)
	}
	enter(t, a, env, EnterConfirmation{InvoiceID: id, By: RoleFinance, Reason: ReasonIssuingError})
}

func TestRED3_WithdrawByEnteringSideAndExpiryAfter72Hours(t *testing.T) {
	t.Parallel()
	a, env := readyAccount(t, VATGeneral)
	id := eIssued(t, a, env, eNum1, "2026-07")
	cf := enter(t, a, env, EnterConfirmation{InvoiceID: id, By: RoleFinance, Reason: ReasonIssuingError, Booked: true})
	_, err := WithdrawConfirmation{ConfirmationID: cf.ID, By: RoleCustomer}.Decide(a, env)
	wantRule(t, err, "RED-3", StateRule, "")
	must(t, a, env, WithdrawConfirmation{ConfirmationID: cf.ID, By: RoleFinance})
	if a.Confirmation(cf.ID).Status != ConfirmationWithdrawn {
		t.Fatal("not withdrawn")
	}
	_, err = WithdrawConfirmation{ConfirmationID: cf.ID, By: RoleFinance}.Decide(a, env)
	wantRule(t, err, "RED-3", StateRule, "")

	// Expiry: decided from now, by the domain.
	cf = enter(t, a, env, EnterConfirmation{InvoiceID: id, By: RoleFinance, Reason: ReasonIssuingError, Booked: true})
	deadline := env.Now.Add(72 * time.Hour)
	if evs := DecideExpire(a, deadline.Add(-time.Second)); len(evs) != 0 {
		t.Fatalf("expired early: %v", evs)
	}
	_, err = ExpireConfirmation{ConfirmationID: cf.ID}.Decide(a, withNow(env, "2026-10-15T09:59:59+08:00"))
	wantRule(t, err, "RED-3", StateRule, "")
	// At the deadline the answer is too late even before the expiry is written.
	late := withNow(env, "2026-10-15T10:00:00+08:00")
	_, err = ConfirmConfirmation{ConfirmationID: cf.ID, By: RoleCustomer}.Decide(a, late)
	wantRule(t, err, "RED-3", StateRule, "")
	evs := DecideExpire(a, deadline)
	if len(evs) != 1 {
		t.Fatalf("%v", evs)
	}
	exp := evs[0].(RedLetterConfirmationExpired)
	if exp.ConfirmationID != cf.ID || !exp.ExpiredAt.Equal(deadline) {
		t.Fatalf("%+v", exp)
	}
	// The same event whoever decides it, however late (idempotent writers).
	later := withNow(env, "2026-10-16T10:00:00+08:00")
	evs2, err := ExpireConfirmation{ConfirmationID: cf.ID}.Decide(a, later)
	if err != nil || len(evs2) != 1 || evs2[0] != evs[0] {
		t.Fatalf("%v %v", evs2, err)
	}
	a.Apply(evs[0])
	if a.Confirmation(cf.ID).Status != ConfirmationExpired || a.OpenConfirmation(id) != nil {
		t.Fatal("not expired")
	}
	if evs, err := (ExpireConfirmation{ConfirmationID: cf.ID}).Decide(a, later); err != nil || len(evs) != 0 {
		t.Fatalf("second expiry: %v %v", evs, err)
	}
	if len(DecideExpire(a, later.Now)) != 0 || len(a.PendingConfirmations()) != 0 {
		t.Fatal("still due")
	}
}

func TestRED4_OneOpenConfirmationPerInvoice(t *testing.T) {
	t.Parallel()
	a, env := readyAccount(t, VATGeneral)
	id := eIssued(t, a, env, eNum1, "2026-07")
	cf := enter(t, a, env, EnterConfirmation{InvoiceID: id, By: RoleCustomer, Reason: ReasonIssuingError, Booked: true})
	for _, by := range []Role{RoleCustomer, RoleFinance} {
		_, err := EnterConfirmation{InvoiceID: id, By: by, Reason: ReasonIssuingError}.Decide(a, env)
		wantRule(t, err, "RED-4", StateRule, "")
	}
	must(t, a, env, ConfirmConfirmation{ConfirmationID: cf.ID, By: RoleFinance})
	// Confirmed and not yet used is still open.
	_, err := EnterConfirmation{InvoiceID: id, By: RoleFinance, Reason: ReasonIssuingError}.Decide(a, env)
	wantRule(t, err, "RED-4", StateRule, "")
	// Another invoice is not affected.
	other := eIssued(t, a, env, eNum2, "2026-08")
	enter(t, a, env, EnterConfirmation{InvoiceID: other, By: RoleFinance, Reason: ReasonIssuingError})
}

func TestRED5_RedInvoiceOnlyAgainstConfirmedOrNotRequired(t *testing.T) {
	t.Parallel()
	a, env := readyAccount(t, VATGeneral)
	id := eIssued(t, a, env, eNum1, "2026-07")
	_, err := RedFlushInvoice{InvoiceID: id, RedInvoiceNumber: eNum2}.Decide(a, env)
	wantRule(t, err, "RED-5", StateRule, "")
	cf := enter(t, a, env, EnterConfirmation{InvoiceID: id, By: RoleCustomer, Reason: ReasonIssuingError, Booked: true})
	cid := cf.ID
	_, err = RedFlushInvoice{InvoiceID: id, RedInvoiceNumber: eNum2, ConfirmationID: &cid}.Decide(a, env)
	wantRule(t, err, "RED-5", StateRule, "") // pending_seller
	must(t, a, env, RefuseConfirmation{ConfirmationID: cid, By: RoleFinance, Reason: "no"})
	_, err = RedFlushInvoice{InvoiceID: id, RedInvoiceNumber: eNum2, ConfirmationID: &cid}.Decide(a, env)
	wantRule(t, err, "RED-5", StateRule, "") // refused

	cf = enter(t, a, env, EnterConfirmation{InvoiceID: id, By: RoleCustomer, Reason: ReasonIssuingError, Booked: true})
	cid = cf.ID
	must(t, a, env, ConfirmConfirmation{ConfirmationID: cid, By: RoleFinance})
	for _, bad := range []struct{ code, number, on, field, rule string }{
		{"1100000000", eNum2, "", "red_invoice_code", "EINV-2"},
		{"", "12345678", "", "red_invoice_number", "EINV-2"},
		{"", "25110000000000000002", "", "red_invoice_number", "EINV-2"},
		{"", eNum2, "2026-10-13", "issued_on", "RED-5"}, // the future
	} {
		_, err = RedFlushInvoice{InvoiceID: id, RedInvoiceCode: bad.code, RedInvoiceNumber: bad.number, IssuedOn: bad.on, ConfirmationID: &cid}.Decide(a, env)
		wantRule(t, err, bad.rule, FieldRule, bad.field)
	}
	_, err = RedFlushInvoice{InvoiceID: id, RedInvoiceNumber: eNum1, ConfirmationID: &cid}.Decide(a, env)
	wantRule(t, err, "ISSUE-2", StateRule, "")
	evs := must(t, a, env, RedFlushInvoice{InvoiceID: id, RedInvoiceNumber: eNum2, ConfirmationID: &cid})
	rf := evs[0].(InvoiceRedFlushed)
	if rf.RedInvoiceCode != "" || rf.RedIssuedOn != "2026-10-12" || !rf.RedAmount.Equal(MustMoney("150.00")) || *rf.ConfirmationID != cid {
		t.Fatalf("%+v", rf)
	}
	inv := a.Invoice(id)
	if inv.Status != RedFlushed || inv.Return.RedInvoiceNumber != eNum2 || *inv.Return.RedConfirmationID != cid {
		t.Fatalf("%+v", inv)
	}
	// RETURN-5: the statements are available again.
	if a.Statements["2026-07"].Status != StatementAvailable || !a.Confirmation(cid).Used || a.Confirmation(cid).Open() {
		t.Fatal("not released / not used")
	}
	checkInvariants(t, a)
	_, err = RedFlushInvoice{InvoiceID: id, RedInvoiceNumber: eNum3, ConfirmationID: &cid}.Decide(a, env)
	wantRule(t, err, "RED-5", StateRule, "")
	// A paper red-flush takes no confirmation.
	p := issued(t, a, env, "1100000000", "00000001", "2026-08")
	_, err = RedFlushInvoice{InvoiceID: p, RedInvoiceCode: "1100000000", RedInvoiceNumber: "00000002", ConfirmationID: &cid}.Decide(a, env)
	wantRule(t, err, "RED-1", FieldRule, "confirmation_id")
}

// exchangeReturned is a vat_general e-invoice over 2026-07 that the
// customer returns for an exchange, with finance's confirmation of an
// issuing error (not required: nothing was deducted or booked).
func exchangeReturned(t *testing.T) (*Account, Env, uuid.UUID, *Confirmation) {
	t.Helper()
	a, env := readyAccount(t, VATGeneral)
	id := eIssued(t, a, env, eNum1, "2026-07")
	must(t, a, env, RequestReturn{InvoiceID: id, Reason: "wrong title", Exchange: true})
	return a, env, id, enter(t, a, env, EnterConfirmation{InvoiceID: id, By: RoleFinance, Reason: ReasonIssuingError})
}

func TestRED5_NotRequiredConfirmationAndExchangeInTheSameMedium(t *testing.T) {
	t.Parallel()
	a, env, id, cf := exchangeReturned(t)
	if cf.Status != ConfirmationNotRequired || !slices.Contains(cf.Actions(RoleFinance), "red_flush") {
		t.Fatalf("%+v %v", cf, cf.Actions(RoleFinance))
	}
	cid := cf.ID
	evs := must(t, a, env, RedFlushInvoice{InvoiceID: id, RedInvoiceNumber: eNum2, ConfirmationID: &cid})
	if len(evs) != 2 {
		t.Fatalf("%#v", evs)
	}
	ex := evs[1].(InvoiceRequested)
	if ex.Medium != Electronic || !slices.Equal(ex.Emails, testEmails) || *ex.ExchangeOf != id || ex.SLADue != "2026-10-13" {
		t.Fatalf("%+v", ex)
	}
	checkInvariants(t, a)
}

func TestRETURN6_ElectronicExchangeFailsWithoutTitleAndIsShown(t *testing.T) {
	t.Parallel()
	a, env, id, cf := exchangeReturned(t)
	must(t, a, env, ClearTitle{Reason: "renamed", Ticket: "T"})
	cid := cf.ID
	evs := must(t, a, env, RedFlushInvoice{InvoiceID: id, RedInvoiceNumber: eNum2, ConfirmationID: &cid})
	if f, ok := evs[len(evs)-1].(ExchangeFailed); !ok || f.InvoiceID != id {
		t.Fatalf("%#v", evs)
	}
	if a.Invoice(id).ExchangeFailure == nil || a.Statements["2026-07"].Status != StatementAvailable {
		t.Fatal("failure not shown or statements not released")
	}
	// Paper without any address fails too, with its reason.
	b, env := readyAccount(t, VATGeneral)
	pid := issued(t, b, env, "1100000000", "00000001", "2026-07")
	must(t, b, env, RequestReturn{InvoiceID: pid, Reason: "r", Exchange: true})
	must(t, b, env, RemoveAddress{AddressID: b.Addresses[0].ID})
	must(t, b, env, ReceiveReturnPaper{InvoiceID: pid, Complete: true})
	evs = must(t, b, env, VoidInvoice{InvoiceID: pid})
	if f, ok := evs[len(evs)-1].(ExchangeFailed); !ok || f.Reason == "" {
		t.Fatalf("%#v", evs)
	}
}

func TestRED6_PartialConfirmationNeedsADeficit(t *testing.T) {
	t.Parallel()
	a, env := readyAccount(t, VATGeneral)
	id := eIssued(t, a, env, eNum1, "2026-07") // 150.00
	for _, tc := range []struct {
		amount string
		reason RedReason
	}{
		{"50.00", ReasonServiceTerminated}, // no deficit yet (DEF-*)
		{"50.00", ReasonSalesAllowance},
		{"50.00", ReasonIssuingError}, // a part never for an issuing error
		{"150.01", ReasonServiceTerminated},
	} {
		_, err := EnterConfirmation{InvoiceID: id, By: RoleFinance, Reason: tc.reason, Amount: tc.amount}.Decide(a, env)
		wantRule(t, err, "RED-6", StateRule, "")
	}
	// The whole amount, stated, is fine.
	cf := enter(t, a, env, EnterConfirmation{InvoiceID: id, By: RoleFinance, Reason: ReasonServiceTerminated, Amount: "150.00"})
	if !cf.Amount.Equal(MustMoney("150.00")) {
		t.Fatal(cf.Amount)
	}
}
