package domain

import (
	"encoding/binary"
	"testing"
	"time"

	"github.com/google/uuid"
)

const testIssuer = "北京金山云网络技术有限公司"

// at parses an RFC 3339 instant; tests write them with +08:00.
func at(s string) time.Time {
	t, err := time.Parse(time.RFC3339, s)
	if err != nil {
		panic(err)
	}
	return t
}

// idSeq makes deterministic IDs: 00000000-…-<n>.
func idSeq() func() uuid.UUID {
	var n uint64
	return func() uuid.UUID {
		n++
		var id uuid.UUID
		binary.BigEndian.PutUint64(id[8:], n)
		return id
	}
}

func testEnv(now string) Env {
	return Env{
		Now:      at(now),
		Issuer:   testIssuer,
		TaxRate:  DefaultTaxRate,
		Calendar: DefaultCalendar(),
		NewID:    idSeq(),
	}
}

// withNow returns env at another instant, keeping its ID sequence.
func withNow(env Env, now string) Env {
	env.Now = at(now)
	return env
}

func line(id string, ch Channel, mode BillingMode, purchased, amount string) StatementLine {
	return StatementLine{
		LineID: id, Product: "ecs", BillingMode: mode, PurchasedAt: purchased, Channel: ch,
		Amount: MustMoney(amount),
	}
}

// kLine is a plain invoiceable kingsoft prepaid line.
func kLine(id, amount string) StatementLine {
	return line(id, ChannelKingsoft, Prepaid, "2025-06-01", amount)
}

// mLine is a plain invoiceable marketplace line.
func mLine(id, amount string) StatementLine {
	return line(id, ChannelMarketplaceSelf, Prepaid, "2025-06-01", amount)
}

// must decides cmd against a and folds the events, failing the test on a
// rule error. It also checks that Decide left the account untouched (AUD-1).
func must(t testing.TB, a *Account, env Env, cmd Command) []Event {
	t.Helper()
	before := a.Version
	evs, err := cmd.Decide(a, env)
	if err != nil {
		t.Fatalf("%T: %v", cmd, err)
	}
	if a.Version != before {
		t.Fatalf("%T: Decide changed the account", cmd)
	}
	for _, e := range evs {
		a.Apply(e)
	}
	return evs
}

// wantRule checks err is a *RuleError with code and kind (and field, if not "").
func wantRule(t testing.TB, err error, code string, kind Kind, field string) *RuleError {
	t.Helper()
	re, ok := AsRuleError(err)
	if !ok {
		t.Fatalf("want %s error, got %v", code, err)
	}
	if re.Code != code || re.Kind != kind {
		t.Fatalf("want %s kind %d, got %s kind %d: %v", code, kind, re.Code, re.Kind, re)
	}
	if field != "" && re.Field != field {
		t.Fatalf("want field %q, got %q: %v", field, re.Field, re)
	}
	return re
}

func generalTitle() Title {
	return Title{Type: VATGeneral, Holder: HolderCompany, Name: "厦门某某科技有限公司", TaxpayerID: "91350100M000100Y43"}
}

func specialTitle() Title {
	return Title{
		Type: VATSpecial, Holder: HolderCompany, Name: "北京某某网络有限公司", TaxpayerID: "91110000600037341L",
		RegisteredAddress: "北京市海淀区某路1号", RegisteredPhone: "010-12345678",
		BankName: "中国工商银行北京分行", BankAccount: "0200000000000000000",
	}
}

func testAddress() Address {
	return Address{Recipient: "张三", Phone: "13800138000", Province: "北京市", City: "北京市", District: "海淀区", Street: "西二旗中路33号", PostalCode: "100089"}
}

// readyAccount has statements 2026-07 (100.00 kingsoft + 50.00 marketplace),
// 2026-08 (200.00 kingsoft) and 2026-09 (0 invoiceable), an approved title
// of type tt, and one address. Its env stands on 2026-10-12 (a Monday).
func readyAccount(t testing.TB, tt TitleType) (*Account, Env) {
	t.Helper()
	a := NewAccount("acc-1")
	env := testEnv("2026-10-12T10:00:00+08:00")
	must(t, a, env, PostStatement{Month: "2026-07", Lines: []StatementLine{kLine("l1", "100.00"), mLine("l2", "50.00")}})
	must(t, a, env, PostStatement{Month: "2026-08", Lines: []StatementLine{kLine("l1", "200.00")}})
	must(t, a, env, PostStatement{Month: "2026-09", Lines: []StatementLine{line("l1", ChannelKingsoft, Postpaid, "2026-09-01", "30.00")}})
	if tt == VATSpecial {
		must(t, a, env, SubmitTitle{Title: specialTitle()})
		must(t, a, env, ApproveTitle{})
	} else {
		must(t, a, env, SubmitTitle{Title: generalTitle()})
	}
	must(t, a, env, AddAddress{Address: testAddress()})
	return a, env
}

// request applies for months and returns the new invoice's ID.
func request(t testing.TB, a *Account, env Env, months ...string) uuid.UUID {
	t.Helper()
	evs := must(t, a, env, RequestInvoice{Statements: months, Agree: true})
	return evs[0].(InvoiceRequested).InvoiceID
}

// applied is readyAccount for vat_general with one application, over
// 2026-07, under review.
func applied(t testing.TB) (*Account, Env, uuid.UUID) {
	t.Helper()
	a, env := readyAccount(t, VATGeneral)
	return a, env, request(t, a, env, "2026-07")
}

// issued takes a new application over months to issued on env's date.
func issued(t testing.TB, a *Account, env Env, code, number string, months ...string) uuid.UUID {
	t.Helper()
	id := request(t, a, env, months...)
	must(t, a, env, ApproveInvoice{InvoiceID: id})
	must(t, a, env, IssueInvoice{InvoiceID: id, InvoiceCode: code, InvoiceNumber: number, IssuedOn: BusinessDate(env.Now)})
	return id
}

func checkInvariants(t testing.TB, a *Account) {
	t.Helper()
	if err := a.CheckInvariants(); err != nil {
		t.Fatal(err)
	}
}
