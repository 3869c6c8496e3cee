package domain

import (
	"strings"
	"testing"

	"github.com/google/uuid"
)

func TestAPP1_Prerequisites(t *testing.T) {
	t.Parallel()
	env := testEnv("2026-10-12T10:00:00+08:00")
	req := RequestInvoice{Statements: []string{"2026-07"}, Agree: true}

	a := NewAccount("a")
	must(t, a, env, PostStatement{Month: "2026-07", Lines: []StatementLine{kLine("l", "10.00")}})
	_, err := req.Decide(a, env)
	wantRule(t, err, "APP-1", StateRule, "") // no title

	must(t, a, env, SubmitTitle{Title: specialTitle()})
	_, err = req.Decide(a, env)
	wantRule(t, err, "APP-1", StateRule, "") // pending vat_special is not approved

	must(t, a, env, ApproveTitle{})
	_, err = req.Decide(a, env)
	wantRule(t, err, "APP-1", StateRule, "") // no address

	must(t, a, env, AddAddress{Address: testAddress()})
	_, err = RequestInvoice{Statements: []string{"2026-07"}, AddressID: uuid.New(), Agree: true}.Decide(a, env)
	wantRule(t, err, "APP-1", StateRule, "") // not one of the account's addresses: 422, not 404
	must(t, a, env, req)

	_, err = RequestInvoice{Statements: []string{"2026-07"}, Agree: true}.Decide(a, env)
	wantRule(t, err, "APP-2", StateRule, "") // picked a reserved statement: APP-2 whatever the balance
}

// TestAPP1_CheckOrder breaks several rules at once: the first in DOMAIN.md's
// order answers (APP-4, APP-1 title, APP-1 address, APP-2 per statement,
// APP-1 total above zero).
func TestAPP1_CheckOrder(t *testing.T) {
	t.Parallel()
	foreign := uuid.New()
	tests := []struct {
		name    string
		prepare func(t *testing.T, a *Account, env Env)
		req     RequestInvoice
		code    string
		kind    Kind
		want    string // a word of the message
	}{
		{"agreement before everything", func(t *testing.T, a *Account, env Env) {
			must(t, a, env, ClearTitle{Reason: "renamed", Ticket: "T-1"})
		}, RequestInvoice{Statements: []string{"2026-06"}, AddressID: foreign}, "APP-4", FieldRule, "agreement"},
		{"title before address and statements", func(t *testing.T, a *Account, env Env) {
			must(t, a, env, ClearTitle{Reason: "renamed", Ticket: "T-1"})
		}, RequestInvoice{Statements: []string{"2026-06"}, AddressID: foreign, Agree: true}, "APP-1", StateRule, "title"},
		{"a foreign address before statements", func(*testing.T, *Account, Env) {},
			RequestInvoice{Statements: []string{"2026-06"}, AddressID: foreign, Agree: true}, "APP-1", StateRule, foreign.String()},
		{"no address before statements", func(t *testing.T, a *Account, env Env) {
			must(t, a, env, RemoveAddress{AddressID: a.DefaultAddress().ID})
		}, RequestInvoice{Statements: []string{"2026-06"}, Agree: true}, "APP-1", StateRule, "address"},
		{"a reserved statement before a zero total", func(t *testing.T, a *Account, env Env) {
			request(t, a, env, "2026-07", "2026-08")
		}, RequestInvoice{Statements: []string{"2026-08"}, Agree: true}, "APP-2", StateRule, "reserved"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			a, env := readyAccount(t, VATGeneral)
			tt.prepare(t, a, env)
			_, err := tt.req.Decide(a, env)
			field := ""
			if tt.kind == FieldRule {
				field = "agree"
			}
			re := wantRule(t, err, tt.code, tt.kind, field)
			if !contains(re.Message, tt.want) {
				t.Fatalf("message %q does not mention %q", re.Message, tt.want)
			}
		})
	}
}

// TestAPP1_EachPrerequisiteAlone takes a ready account and removes one
// prerequisite at a time, so that no check can hide behind another.
func TestAPP1_EachPrerequisiteAlone(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		breakIt func(t *testing.T, a *Account, env Env)
		want    string // a word of the customer's message
	}{
		{"vat_special title pending review", func(t *testing.T, a *Account, env Env) {
			must(t, a, env, ClearTitle{Reason: "switch to special", Ticket: "T-1"})
			must(t, a, env, SubmitTitle{Title: specialTitle()})
		}, "pending review"},
		{"title rejected", func(t *testing.T, a *Account, env Env) {
			must(t, a, env, ClearTitle{Reason: "switch to special", Ticket: "T-1"})
			must(t, a, env, SubmitTitle{Title: specialTitle()})
			must(t, a, env, RejectTitle{Reason: "bank account does not match"})
		}, "title"},
		{"title cleared", func(t *testing.T, a *Account, env Env) {
			must(t, a, env, ClearTitle{Reason: "renamed", Ticket: "T-1"})
		}, "title"},
		{"no address left", func(t *testing.T, a *Account, env Env) {
			must(t, a, env, RemoveAddress{AddressID: a.DefaultAddress().ID})
		}, "address"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			a, env := readyAccount(t, VATGeneral)
			if _, err := (RequestInvoice{Statements: []string{"2026-07"}, Agree: true}).Decide(a, env); err != nil {
				t.Fatalf("ready account refused: %v", err)
			}
			tt.breakIt(t, a, env)
			_, err := RequestInvoice{Statements: []string{"2026-08"}, Agree: true}.Decide(a, env)
			re := wantRule(t, err, "APP-1", StateRule, "")
			if !contains(re.Message, tt.want) {
				t.Fatalf("message %q does not mention %q", re.Message, tt.want)
			}
		})
	}
}

func TestAPP2_WholeAvailableStatementsOnce(t *testing.T) {
	t.Parallel()
	a, env := readyAccount(t, VATGeneral)
	request(t, a, env, "2026-08")
	tests := []struct {
		name   string
		months []string
		kind   Kind
		field  string
	}{
		{"none", nil, FieldRule, "statements"},
		{"twice", []string{"2026-07", "2026-07"}, FieldRule, "statements[1]"},
		{"not a month", []string{"2026-7"}, FieldRule, "statements[0]"},
		{"unknown month", []string{"2026-06"}, StateRule, ""},
		{"reserved", []string{"2026-07", "2026-08"}, StateRule, ""},
		{"nothing invoiceable", []string{"2026-09"}, StateRule, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			_, err := RequestInvoice{Statements: tt.months, Agree: true}.Decide(a, env)
			wantRule(t, err, "APP-2", tt.kind, tt.field)
		})
	}
}

func TestAPP3_MergedAmountIsSumOfStatements(t *testing.T) {
	t.Parallel()
	a, env := readyAccount(t, VATGeneral)
	evs := must(t, a, env, RequestInvoice{Statements: []string{"2026-08", "2026-07"}, Agree: true})
	r := evs[0].(InvoiceRequested)
	if r.Amount.String() != "350.00" || r.Kingsoft.String() != "300.00" || r.Marketplace.String() != "50.00" {
		t.Fatalf("%+v", r)
	}
	if len(r.Statements) != 2 || r.Statements[0] != "2026-07" {
		t.Fatalf("statements %v", r.Statements)
	}
	if r.Title != generalTitle() || r.Address != testAddress() || r.AddressID != a.DefaultAddress().ID {
		t.Fatal("snapshot missing")
	}
	if !r.RequestedAt.Equal(env.Now) || r.SLADue != "2026-10-15" {
		t.Fatalf("requested %v due %s", r.RequestedAt, r.SLADue)
	}
}

func TestAPP4_AgreementRequired(t *testing.T) {
	t.Parallel()
	a, env := readyAccount(t, VATGeneral)
	_, err := RequestInvoice{Statements: []string{"2026-07"}}.Decide(a, env)
	wantRule(t, err, "APP-4", FieldRule, "agree")
}

func TestAPP5_PaperToMainlandOnly(t *testing.T) {
	t.Parallel()
	a, env := readyAccount(t, VATGeneral)
	hk := testAddress()
	hk.Province = "香港"
	_, err := AddAddress{Address: hk}.Decide(a, env)
	wantRule(t, err, "ADDR-1", FieldRule, "province")
	// Every application snapshots a saved (hence mainland) address.
	evs := must(t, a, env, RequestInvoice{Statements: []string{"2026-07"}, Agree: true})
	if evs[0].(InvoiceRequested).Address.Province != "北京市" {
		t.Fatal("address not snapshotted")
	}
}

func TestAPP6_Idempotency(t *testing.T) {
	t.Parallel()
	a := NewAccount("a")
	if _, seen, err := a.CheckIdempotency("", "k1", "h1"); seen || err != nil {
		t.Fatal("unknown key seen")
	}
	a.Remember("", "k1", "h1", 3, 4)
	a.Remember("", "k1", "h2", 9, 9) // the first result wins
	r, seen, err := a.CheckIdempotency("", "k1", "h1")
	if !seen || err != nil || r.FirstRevision != 3 || r.LastRevision != 4 {
		t.Fatalf("%+v %v %v", r, seen, err)
	}
	_, _, err = a.CheckIdempotency("", "k1", "h2")
	wantRule(t, err, "APP-6", Conflict, "")
	if k := IdemKeyOf("k1", "").Key; a.Clone().Idempotency[k] != a.Idempotency[k] {
		t.Fatal("clone lost idempotency")
	}
	if _, seen, _ := a.CheckIdempotency("", "", "h1"); seen {
		t.Fatal("empty key seen")
	}
}

// TestAPP6_KeysScopedToTheCaller: the same key from another caller is
// another key (no replay, no conflict); each caller's own retry still is
// one, and the APP-6 message names the key as the caller sent it.
func TestAPP6_KeysScopedToTheCaller(t *testing.T) {
	t.Parallel()
	a := NewAccount("a")
	a.Remember("", "k", "customer-body", 1, 1)
	if _, seen, err := a.CheckIdempotency("billing/billing-system", "k", "billing-body"); seen || err != nil {
		t.Fatalf("billing's key collided with the customer's: seen %v err %v", seen, err)
	}
	a.Remember("billing/billing-system", "k", "billing-body", 2, 2)
	for _, tc := range []struct {
		scope, hash string
		rev         uint64
	}{{"", "customer-body", 1}, {"billing/billing-system", "billing-body", 2}} {
		r, seen, err := a.CheckIdempotency(tc.scope, "k", tc.hash)
		if !seen || err != nil || r.FirstRevision != tc.rev {
			t.Fatalf("scope %q: %+v seen %v err %v", tc.scope, r, seen, err)
		}
	}
	_, _, err := a.CheckIdempotency("billing/billing-system", "k", "other")
	re := wantRule(t, err, "APP-6", Conflict, "")
	if !strings.Contains(re.Message, `"k"`) || strings.Contains(re.Message, "\x00") {
		t.Fatalf("the message does not name the key as sent: %q", re.Message)
	}
	keys := map[string]bool{}
	for _, k := range []string{ScopedKey("", "k"), ScopedKey("finance/alice", "k"), ScopedKey("finance/bob", "k"), ScopedKey("billing/alice", "k")} {
		if keys[k] {
			t.Fatalf("scoped key %q twice", k)
		}
		keys[k] = true
	}
}

// TestAPP6_ScopedVariantsAreTheSame: the ledger passes the key already in
// its scope; what it remembers and finds is what Remember and
// CheckIdempotency remember and find.
func TestAPP6_ScopedVariantsAreTheSame(t *testing.T) {
	t.Parallel()
	a := NewAccount("a")
	scope := "finance/alice"
	a.RememberScoped(ScopedKey(scope, "k"), "body", 3, 4)
	a.RememberScoped(ScopedKey(scope, "k"), "later", 5, 5) // the first result wins
	r, seen, err := a.CheckIdempotency(scope, "k", "body")
	if !seen || err != nil || r.FirstRevision != 3 || r.LastRevision != 4 {
		t.Fatalf("remembered scoped, checked plain: %+v seen %v err %v", r, seen, err)
	}
	a.Remember("", "c", "cbody", 6, 6)
	if r, seen, err := a.CheckIdempotencyScoped(ScopedKey("", "c"), "c", "cbody"); !seen || err != nil || r.FirstRevision != 6 {
		t.Fatalf("remembered plain, checked scoped: %+v seen %v err %v", r, seen, err)
	}
	_, _, err = a.CheckIdempotencyScoped(ScopedKey(scope, "k"), "k", "other")
	if re := wantRule(t, err, "APP-6", Conflict, ""); !strings.Contains(re.Message, `"k"`) || strings.Contains(re.Message, "\x00") {
		t.Fatalf("the message does not name the key as sent: %q", re.Message)
	}
	if _, seen, _ := a.CheckIdempotencyScoped("", "", "body"); seen {
		t.Fatal("an empty key is seen")
	}
	if a.RememberScoped("", "x", 1, 1); len(a.Idempotency) != 2 {
		t.Fatalf("an empty key was remembered: %v", a.Idempotency)
	}
}

func TestAPP7_StatementInOneLiveInvoice(t *testing.T) {
	t.Parallel()
	a, env := readyAccount(t, VATGeneral)
	// Two requests decided on the same state (a race): the ledger appends
	// the first; the second must be decided again on the new state and fail.
	first, err := RequestInvoice{Statements: []string{"2026-07"}, Agree: true}.Decide(a, env)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range first {
		a.Apply(e)
	}
	_, err = RequestInvoice{Statements: []string{"2026-07", "2026-08"}, Agree: true}.Decide(a, env)
	wantRule(t, err, "APP-2", StateRule, "")
	if a.Statements["2026-07"].Status != StatementReserved {
		t.Fatal("statement not reserved")
	}
	checkInvariants(t, a)
	// Folding a second request over a reserved statement (a forged log) is caught.
	b := a.Clone()
	b.Apply(InvoiceRequested{InvoiceID: uuid.New(), Statements: []string{"2026-07"}, Amount: MustMoney("150.00")})
	if err := b.CheckInvariants(); err == nil {
		t.Fatal("double reservation not detected")
	}
}
