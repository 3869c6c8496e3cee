package domain

import (
	"strings"
	"testing"

	"github.com/google/uuid"
	"github.com/shopspring/decimal"
)

func TestCANCEL1_WhoMayCancelWhen(t *testing.T) {
	t.Parallel()
	a, env, id := applied(t)

	_, err := CancelInvoice{InvoiceID: id, By: RoleSupport, Ticket: "T-1"}.Decide(a, env)
	wantRule(t, err, "CANCEL-1", StateRule, "") // support does not cancel under_review
	for _, bad := range []string{"T-1\x00", "T\u202e1", strings.Repeat("T", 101)} {
		_, err = CancelInvoice{InvoiceID: id, By: RoleCustomer, Ticket: bad}.Decide(a, env)
		wantRule(t, err, "CANCEL-1", FieldRule, "ticket")
	}
	evs := must(t, a, env, CancelInvoice{InvoiceID: id, By: RoleCustomer, Ticket: "  "})
	if evs[0].(InvoiceCancelled).By != RoleCustomer || a.Invoice(id).Status != Cancelled {
		t.Fatal("not cancelled")
	}
	if a.Statements["2026-07"].Status != StatementAvailable || a.Balance().Total.String() != "350.00" {
		t.Fatal("statements not released")
	}
	_, err = CancelInvoice{InvoiceID: id, By: RoleCustomer}.Decide(a, env)
	wantRule(t, err, "CANCEL-1", StateRule, "")

	id = request(t, a, env, "2026-07")
	must(t, a, env, ApproveInvoice{InvoiceID: id})
	_, err = CancelInvoice{InvoiceID: id, By: RoleCustomer}.Decide(a, env)
	re := wantRule(t, err, "CANCEL-1", StateRule, "")
	if !contains(re.Message, "提交工单") {
		t.Fatalf("message does not say to open a ticket: %s", re.Message)
	}
	_, err = CancelInvoice{InvoiceID: id, By: RoleSupport}.Decide(a, env)
	wantRule(t, err, "CANCEL-1", FieldRule, "ticket")
	evs = must(t, a, env, CancelInvoice{InvoiceID: id, By: RoleSupport, Ticket: "T-42"})
	if evs[0].(InvoiceCancelled).Ticket != "T-42" || a.Statements["2026-07"].Status != StatementAvailable {
		t.Fatal("support cancel")
	}

	id = issued(t, a, env, "1100000000", "00000001", "2026-07")
	for _, by := range []Role{RoleCustomer, RoleSupport} {
		_, err = CancelInvoice{InvoiceID: id, By: by, Ticket: "T-1"}.Decide(a, env)
		re = wantRule(t, err, "CANCEL-1", StateRule, "")
		if !contains(re.Message, "return") {
			t.Fatalf("message does not point to a return: %s", re.Message)
		}
	}
	_, err = CancelInvoice{InvoiceID: uuid.New(), By: RoleCustomer}.Decide(a, env)
	wantRule(t, err, "CANCEL-1", NotFound, "")
	checkInvariants(t, a)
}

func contains(s, sub string) bool {
	for i := 0; i+len(sub) <= len(s); i++ {
		if s[i:i+len(sub)] == sub {
			return true
		}
	}
	return false
}

func TestREVIEW1_ApproveOrRejectWithReason(t *testing.T) {
	t.Parallel()
	a, env := readyAccount(t, VATGeneral)
	id := request(t, a, env, "2026-07", "2026-08")
	_, err := RejectInvoice{InvoiceID: id, Reason: " "}.Decide(a, env)
	wantRule(t, err, "REVIEW-1", FieldRule, "reason")
	must(t, a, env, RejectInvoice{InvoiceID: id, Reason: "title does not match the contract"})
	if inv := a.Invoice(id); inv.Status != Rejected || inv.RejectReason == "" {
		t.Fatalf("%+v", inv)
	}
	if a.Balance().Total.String() != "350.00" {
		t.Fatal("statements not released")
	}
	_, err = ApproveInvoice{InvoiceID: id}.Decide(a, env)
	wantRule(t, err, "REVIEW-1", StateRule, "")

	id = request(t, a, env, "2026-07")
	must(t, a, env, ApproveInvoice{InvoiceID: id})
	if a.Invoice(id).Status != Issuing {
		t.Fatal("not issuing")
	}
	_, err = ApproveInvoice{InvoiceID: id}.Decide(a, env)
	wantRule(t, err, "REVIEW-1", StateRule, "")
	_, err = ApproveInvoice{InvoiceID: uuid.New()}.Decide(a, env)
	wantRule(t, err, "REVIEW-1", NotFound, "")
}

func TestISSUE1_IssueFields(t *testing.T) {
	t.Parallel()
	a, env, id := applied(t) // applied on 2026-10-12
	later := withNow(env, "2026-10-14T09:00:00+08:00")
	ok := IssueInvoice{InvoiceID: id, InvoiceCode: "011001900111", InvoiceNumber: "12345678", IssuedOn: "2026-10-14"}
	_, err := ok.Decide(a, later)
	wantRule(t, err, "ISSUE-1", StateRule, "") // still under review
	must(t, a, env, ApproveInvoice{InvoiceID: id})

	tests := []struct {
		name  string
		edit  func(*IssueInvoice)
		field string
	}{
		{"11-digit code", func(c *IssueInvoice) { c.InvoiceCode = "01100190011" }, "invoice_code"},
		{"7-digit number", func(c *IssueInvoice) { c.InvoiceNumber = "1234567" }, "invoice_number"},
		{"bad date", func(c *IssueInvoice) { c.IssuedOn = "2026/10/14" }, "issued_on"},
		{"before application", func(c *IssueInvoice) { c.IssuedOn = "2026-10-11" }, "issued_on"},
		{"future", func(c *IssueInvoice) { c.IssuedOn = "2026-10-15" }, "issued_on"},
		{"rate 1", func(c *IssueInvoice) { c.TaxRate = "1" }, "tax_rate"},
		{"rate 0", func(c *IssueInvoice) { c.TaxRate = "0" }, "tax_rate"},
		{"rate 5 decimals", func(c *IssueInvoice) { c.TaxRate = "0.06001" }, "tax_rate"},
		{"rate percent", func(c *IssueInvoice) { c.TaxRate = "6%" }, "tax_rate"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) { // not parallel: the account moves on below
			c := ok
			tt.edit(&c)
			_, err := c.Decide(a, later)
			wantRule(t, err, "ISSUE-1", FieldRule, tt.field)
		})
	}
	_, err = ok.Decide(a, withNow(env, "2026-10-13T23:59:00+08:00")) // 10-14 is tomorrow there
	wantRule(t, err, "ISSUE-1", FieldRule, "issued_on")

	c := ok
	c.TaxRate = "0.13"
	evs, err := c.Decide(a, later)
	if err != nil {
		t.Fatal(err)
	}
	is := evs[0].(InvoiceIssued)
	if is.TaxRate != "0.13" || is.NetAmount.String() != "132.74" || is.TaxAmount.String() != "17.26" {
		t.Fatalf("%+v", is)
	}
	evs = must(t, a, later, ok)
	is = evs[0].(InvoiceIssued)
	if is.Issuer != testIssuer || is.TaxRate != "0.06" || is.NetAmount.String() != "141.51" || is.TaxAmount.String() != "8.49" {
		t.Fatalf("%+v", is)
	}
	inv := a.Invoice(id)
	if inv.Status != Issued || inv.NetAmount.String() != "141.51" || inv.IssuedOn != "2026-10-14" {
		t.Fatalf("%+v", inv)
	}
}

// TestISSUE1_DatesInShanghai: the issue date may be the application's own
// date and today, both taken in Asia/Shanghai, never the UTC date.
func TestISSUE1_DatesInShanghai(t *testing.T) {
	t.Parallel()
	a, env := readyAccount(t, VATGeneral)
	applied := withNow(env, "2026-10-13T00:30:00+08:00") // 2026-10-12 in UTC
	id := request(t, a, applied, "2026-07")
	must(t, a, applied, ApproveInvoice{InvoiceID: id})
	issue := func(on string) IssueInvoice {
		return IssueInvoice{InvoiceID: id, InvoiceCode: "1100000000", InvoiceNumber: "00000001", IssuedOn: on}
	}
	_, err := issue("2026-10-12").Decide(a, applied)
	wantRule(t, err, "ISSUE-1", FieldRule, "issued_on") // the UTC date of the application
	_, err = issue("2026-10-14").Decide(a, withNow(env, "2026-10-14T07:59:59+08:00"))
	if err != nil { // today in Shanghai, still yesterday in UTC
		t.Fatal(err)
	}
	// The application's own date, and no configured rate means 6%.
	noRate := applied
	noRate.TaxRate = decimal.Decimal{}
	evs := must(t, a, noRate, issue("2026-10-13"))
	if is := evs[0].(InvoiceIssued); is.TaxRate != "0.06" || is.NetAmount.String() != "141.51" {
		t.Fatalf("%+v", is)
	}
}

func TestISSUE1_TaxRounding(t *testing.T) {
	t.Parallel()
	tests := []struct {
		amount, rate, net, tax string
	}{
		{"106.00", "0.06", "100.00", "6.00"},
		{"100.00", "0.06", "94.34", "5.66"},
		{"0.04", "0.6", "0.03", "0.01"}, // 0.04/1.6 = 0.025 exactly: half-up
		{"0.01", "0.06", "0.01", "0.00"},
		{"0.00", "0.06", "0.00", "0.00"},
		{"113.00", "0.13", "100.00", "13.00"},
		{"9999999999999999.99", "0.06", "9433962264150943.39", "566037735849056.60"},
	}
	for _, tt := range tests {
		net, tax := Tax(MustMoney(tt.amount), decimal.RequireFromString(tt.rate))
		if net.String() != tt.net || tax.String() != tt.tax {
			t.Errorf("Tax(%s, %s) = %s + %s, want %s + %s", tt.amount, tt.rate, net, tax, tt.net, tt.tax)
		}
		if !net.Add(tax).Equal(MustMoney(tt.amount)) {
			t.Errorf("net + tax != amount for %s", tt.amount)
		}
	}
}

func TestISSUE2_CodeAndNumberUniqueInAccount(t *testing.T) {
	t.Parallel()
	a, env := readyAccount(t, VATGeneral)
	issued(t, a, env, "1100000000", "00000001", "2026-07")
	id := request(t, a, env, "2026-08")
	must(t, a, env, ApproveInvoice{InvoiceID: id})
	_, err := IssueInvoice{InvoiceID: id, InvoiceCode: "1100000000", InvoiceNumber: "00000001", IssuedOn: "2026-10-12"}.Decide(a, env)
	wantRule(t, err, "ISSUE-2", StateRule, "")
	// The same number under another code is another invoice.
	must(t, a, env, IssueInvoice{InvoiceID: id, InvoiceCode: "1100000001", InvoiceNumber: "00000001", IssuedOn: "2026-10-12"})
}

// TestISSUE2_RedInvoiceNumbersAreTaken: a red invoice (红字发票) is an invoice
// with its own code and number; a later blue invoice cannot reuse them, nor
// can another red-flush.
func TestISSUE2_RedInvoiceNumbersAreTaken(t *testing.T) {
	t.Parallel()
	a, env := readyAccount(t, VATGeneral)
	id := issued(t, a, env, "1100000000", "00000001", "2026-07")
	returned(t, a, env, id, RequestReturn{})
	must(t, a, env, RedFlushInvoice{InvoiceID: id, RedInvoiceCode: "1100000000", RedInvoiceNumber: "00000002"})

	id2 := request(t, a, env, "2026-07")
	must(t, a, env, ApproveInvoice{InvoiceID: id2})
	_, err := IssueInvoice{InvoiceID: id2, InvoiceCode: "1100000000", InvoiceNumber: "00000002", IssuedOn: "2026-10-12"}.Decide(a, env)
	wantRule(t, err, "ISSUE-2", StateRule, "")
	must(t, a, env, IssueInvoice{InvoiceID: id2, InvoiceCode: "1100000000", InvoiceNumber: "00000003", IssuedOn: "2026-10-12"})

	returned(t, a, env, id2, RequestReturn{})
	_, err = RedFlushInvoice{InvoiceID: id2, RedInvoiceCode: "1100000000", RedInvoiceNumber: "00000002"}.Decide(a, env)
	wantRule(t, err, "ISSUE-2", StateRule, "")
	checkInvariants(t, a)
}

func TestSHIP1_ShipOnceAndLateness(t *testing.T) {
	t.Parallel()
	// Applied Friday 2026-09-18: due three business days later. Sunday 09-20
	// is an official make-up working day (National Day 2026), so the days are
	// Sun 20, Mon 21, Tue 22.
	a, env := readyAccount(t, VATGeneral)
	env = withNow(env, "2026-09-18T16:00:00+08:00")
	id := request(t, a, env, "2026-07")
	if due := a.Invoice(id).SLADue; due != "2026-09-22" {
		t.Fatalf("due %s", due)
	}
	_, err := ShipInvoice{InvoiceID: id, Courier: "SF", TrackingNumber: "SF1"}.Decide(a, env)
	wantRule(t, err, "SHIP-1", StateRule, "") // not issued
	must(t, a, env, ApproveInvoice{InvoiceID: id})
	must(t, a, env, IssueInvoice{InvoiceID: id, InvoiceCode: "1100000000", InvoiceNumber: "00000001", IssuedOn: "2026-09-18"})
	_, err = ShipInvoice{InvoiceID: id, TrackingNumber: "SF1"}.Decide(a, env)
	wantRule(t, err, "SHIP-1", FieldRule, "courier")
	_, err = ShipInvoice{InvoiceID: id, Courier: "SF"}.Decide(a, env)
	wantRule(t, err, "SHIP-1", FieldRule, "tracking_number")

	onTime, err := ShipInvoice{InvoiceID: id, Courier: "SF", TrackingNumber: "SF1"}.Decide(a, withNow(env, "2026-09-22T23:59:59+08:00"))
	if err != nil || onTime[0].(InvoiceShipped).Late {
		t.Fatalf("shipped on the due day: %v %v", onTime, err)
	}
	late := must(t, a, withNow(env, "2026-09-22T16:00:00Z"), ShipInvoice{InvoiceID: id, Courier: "SF", TrackingNumber: "SF1"}) // 09-23 00:00 Shanghai
	if !late[0].(InvoiceShipped).Late || !a.Invoice(id).Shipment.Late {
		t.Fatal("late shipment not marked late")
	}
	_, err = ShipInvoice{InvoiceID: id, Courier: "SF", TrackingNumber: "SF2"}.Decide(a, env)
	wantRule(t, err, "SHIP-1", StateRule, "")
}
