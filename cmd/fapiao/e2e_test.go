package main

import (
	"bytes"
	"encoding/json"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"testing"

	"github.com/shopspring/decimal"
)

// Tokens of the end-to-end tests.
const (
	tokCustomer  = "e2e-customer-acc-1"
	tokCustomer2 = "e2e-customer-acc-2"
	tokFinance   = "e2e-finance-alice"
	tokSupport   = "e2e-support-bob-1"
	tokBilling   = "e2e-billing-system"
	tokAuditor   = "e2e-auditor-carol"
)

func writeTokens(t *testing.T, dir string) string {
	t.Helper()
	list := []map[string]string{
		{"token": tokCustomer, "role": "customer", "account_id": "acc-1"},
		{"token": tokCustomer2, "role": "customer", "account_id": "acc-2"},
		{"token": tokFinance, "role": "finance", "name": "alice"},
		{"token": tokSupport, "role": "support", "name": "bob"},
		{"token": tokBilling, "role": "billing", "name": "billing"},
		{"token": tokAuditor, "role": "auditor", "name": "carol"},
	}
	raw, err := json.Marshal(list)
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(dir, "tokens.json")
	if err := os.WriteFile(path, raw, 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

// statement is a month's statement with kingsoft, marketplace, merchant
// and offline lines and every kind of deduction. Invoiceable:
// kingsoft (1000 - 100 voucher - 50 coupon) + marketplace 300 - 20 gift = 1130.00 × scale.
func statement(month string, scale int64) map[string]any {
	m := func(v string) string {
		return decimal.RequireFromString(v).Mul(decimal.NewFromInt(scale)).StringFixed(2)
	}
	line := func(id, mode, purchased, channel, amount, voucher, coupon, gift string) map[string]any {
		return map[string]any{"line_id": id, "product": "KEC " + id, "billing_mode": mode, "purchased_at": purchased,
			"channel": channel, "amount": m(amount), "voucher": m(voucher), "coupon": m(coupon), "gift_balance": m(gift)}
	}
	merchant := line(month+"-m", "prepaid", month+"-06", "marketplace_merchant", "200.00", "0", "0", "0")
	merchant["merchant"] = "某某商家"
	return map[string]any{"month": month, "lines": []any{
		line(month+"-k", "prepaid", month+"-01", "kingsoft", "1000.00", "100.00", "50.00", "0"),
		line(month+"-s", "prepaid", month+"-02", "marketplace_self", "300.00", "0", "0", "20.00"),
		merchant,
		line(month+"-p", "postpaid", month+"-01", "kingsoft", "77.77", "0", "0", "0"),
	}}
}

// journey holds the clients of one end-to-end run.
type journey struct {
	t                                     *testing.T
	srv                                   *server
	store, tokens                         string
	pos                                   uint64
	customer, customer2, finance, billing client
	auditor                               client
}

func newJourney(t *testing.T) *journey {
	dir := t.TempDir()
	j := &journey{t: t, store: "bolt://" + filepath.Join(dir, "db", "fapiao.db"), tokens: writeTokens(t, dir)}
	mk := func(tok string) client { return client{t: t, srv: &j.srv, token: tok, pos: &j.pos} }
	j.customer, j.customer2, j.finance, j.billing, j.auditor = mk(tokCustomer), mk(tokCustomer2), mk(tokFinance), mk(tokBilling), mk(tokAuditor)
	return j
}

func (j *journey) start(clock string) { j.srv = startServer(j.t, j.store, j.tokens, clock) }

// readModels is what a restart must give back unchanged.
func (j *journey) readModels() []byte {
	var b bytes.Buffer
	for _, path := range []string{"/invoices?limit=100", "/statements", "/invoiceable", "/title", "/addresses"} {
		r := j.customer.do(http.MethodGet, "/v1/accounts/acc-1"+path, nil)
		if r.Status != http.StatusOK {
			j.t.Fatalf("GET %s = %d\n%s", path, r.Status, r.Body)
		}
		b.WriteString(path + "\n")
		b.Write(r.Body)
		b.WriteString("\n")
	}
	return b.Bytes()
}

// restart stops the server, starts it again on the same store at clock,
// and checks that the read models were rebuilt identical.
func (j *journey) restart(clock string) {
	j.t.Helper()
	before := j.readModels()
	j.srv.stop(j.t)
	j.start(clock)
	if after := j.readModels(); !bytes.Equal(before, after) {
		j.t.Fatalf("read models changed across a restart:\nbefore:\n%s\nafter:\n%s", before, after)
	}
}

// balances checks BAL-2 and BAL-3 over the API and that each statement is
// in the expected state: Σ invoiceable of all statements = available +
// reserved + invoiced, and the invoiceable balance is the available sum.
func (j *journey) balances(want map[string]string) {
	t := j.t
	t.Helper()
	list := items(t, j.customer.must(http.StatusOK, http.MethodGet, "/v1/accounts/acc-1/statements", nil))
	all, byStatus := decimal.Zero, map[string]decimal.Decimal{}
	got := map[string]string{}
	for _, st := range list {
		inv := money(t, st["invoiceable"])
		if !inv.Equal(money(t, st["kingsoft"]).Add(money(t, st["marketplace"]))) {
			t.Errorf("statement %v: invoiceable %v is not kingsoft + marketplace (STMT-6)", st["month"], inv)
		}
		all = all.Add(inv)
		status := st["status"].(string)
		byStatus[status] = byStatus[status].Add(inv)
		got[st["month"].(string)] = status
	}
	parts := byStatus["available"].Add(byStatus["reserved"]).Add(byStatus["invoiced"])
	for status := range byStatus {
		if status != "available" && status != "reserved" && status != "invoiced" {
			t.Fatalf("statement status %q is none of BAL-1's", status)
		}
	}
	if !all.Equal(parts) {
		t.Fatalf("BAL-3 broken: Σ statements %v ≠ available + reserved + invoiced %v (%v)", all, parts, byStatus)
	}
	bal := j.customer.must(http.StatusOK, http.MethodGet, "/v1/accounts/acc-1/invoiceable", nil)
	if total := money(t, bal["total"]); !total.Equal(byStatus["available"]) {
		t.Fatalf("BAL-2: invoiceable total %v ≠ Σ available statements %v", total, byStatus["available"])
	}
	if !money(t, bal["kingsoft"]).Add(money(t, bal["marketplace"])).Equal(money(t, bal["total"])) {
		t.Fatalf("BAL-2: kingsoft + marketplace ≠ total in %v", bal)
	}
	for month, status := range want {
		if got[month] != status {
			t.Fatalf("statement %s is %q, want %q (all: %v)", month, got[month], status, got)
		}
	}
}

// invoice fetches an invoice and checks its status.
func (j *journey) invoice(id, status string) map[string]any {
	j.t.Helper()
	inv := j.customer.must(http.StatusOK, http.MethodGet, "/v1/accounts/acc-1/invoices/"+id, nil)
	if inv["status"] != status {
		j.t.Fatalf("invoice %s is %v, want %s", id, inv["status"], status)
	}
	return inv
}

// TestE2EJourney walks the seed's whole journey over HTTP against the real
// binary, restarting it between steps: statements, a vat_special title
// approved by finance, an address, a merged application cancelled and made
// again, approval, issue, shipping, a return with the paper received and a
// void; and an invoice issued in an earlier month that can only be
// red-flushed (RETURN-4).
func TestE2EJourney(t *testing.T) {
	t.Parallel() // its own store, tokens and server on a port of its own
	j := newJourney(t)
	const acc = "/v1/accounts/acc-1"
	j.start("2026-09-10T10:00:00+08:00")

	// Statements (STMT-1..6). June is for the red-flush; July and August merge.
	for _, m := range []string{"2026-06", "2026-07", "2026-08"} {
		j.billing.must(http.StatusCreated, http.MethodPost, acc+"/statements", statement(m, 1))
	}
	j.billing.must(http.StatusOK, http.MethodPost, acc+"/statements", statement("2026-08", 1))
	j.billing.refused(http.StatusUnprocessableEntity, "STMT-2", http.MethodPost, acc+"/statements", statement("2026-08", 2))
	j.billing.refused(http.StatusUnprocessableEntity, "STMT-1", http.MethodPost, acc+"/statements", statement("2026-09", 1))
	j.balances(map[string]string{"2026-06": "available", "2026-07": "available", "2026-08": "available"})
	bal := j.customer.must(http.StatusOK, http.MethodGet, acc+"/invoiceable", nil)
	if got := money(t, bal["total"]); !got.Equal(decimal.RequireFromString("3390.00")) {
		t.Fatalf("invoiceable %v, want 3 × 1130.00", got)
	}

	// Title (TITLE-1..3) and address (ADDR-1).
	title := j.customer.must(http.StatusCreated, http.MethodPost, acc+"/title", map[string]any{
		"type": "vat_special", "holder": "company", "name": "北京示例科技有限公司", "taxpayer_id": "91110108MA01ABCD1E",
		"registered_address": "北京市海淀区中关村大街1号", "registered_phone": "010-82345678",
		"bank_name": "中国工商银行北京中关村支行", "bank_account": "0200004509200123456"})
	if title["status"] != "pending_review" {
		t.Fatalf("a vat_special title is %v on submission, want pending_review", title["status"])
	}
	addr := j.customer.must(http.StatusCreated, http.MethodPost, acc+"/addresses", map[string]any{
		"recipient": "王小明", "phone": "13800138000", "province": "北京市", "city": "北京市", "district": "海淀区",
		"street": "中关村大街1号 8层", "postal_code": "100080", "default": true})
	addrID := addr["id"].(string)
	apply := func(months ...string) map[string]any {
		return map[string]any{"statements": months, "address_id": addrID, "agree": true}
	}
	j.customer.refused(http.StatusUnprocessableEntity, "APP-1", http.MethodPost, acc+"/invoices", apply("2026-07"))
	if got := j.finance.must(http.StatusOK, http.MethodPost, acc+"/title/approve", nil); got["status"] != "approved" {
		t.Fatalf("approved title is %v", got["status"])
	}

	// The invoice to red-flush later: June, issued in September.
	old := j.customer.must(http.StatusCreated, http.MethodPost, acc+"/invoices", apply("2026-06"))
	oldID := old["id"].(string)
	j.finance.must(http.StatusOK, http.MethodPost, acc+"/invoices/"+oldID+"/approve", nil)
	issued := j.finance.must(http.StatusOK, http.MethodPost, acc+"/invoices/"+oldID+"/issue", map[string]any{
		"invoice_code": "1100231130", "invoice_number": "00000001", "issued_on": "2026-09-10"})
	if !money(t, issued["net_amount"]).Add(money(t, issued["tax_amount"])).Equal(money(t, issued["amount"])) {
		t.Fatalf("net + tax ≠ amount in %v (ISSUE-1)", issued)
	}
	j.finance.must(http.StatusOK, http.MethodPost, acc+"/invoices/"+oldID+"/ship", map[string]any{"courier": "顺丰速运", "tracking_number": "SF1234567890"})

	// Apply merging two statements (APP-2, APP-3), cancel (CANCEL-1), apply again.
	first := j.customer.must(http.StatusCreated, http.MethodPost, acc+"/invoices", apply("2026-07", "2026-08"))
	if first["status"] != "under_review" || !money(t, first["amount"]).Equal(decimal.RequireFromString("2260.00")) {
		t.Fatalf("merged application: %v", first)
	}
	j.balances(map[string]string{"2026-06": "invoiced", "2026-07": "reserved", "2026-08": "reserved"})
	// A reserved statement is APP-2 whatever the rest of the balance (DOMAIN.md's order).
	j.customer.refused(http.StatusUnprocessableEntity, "APP-2", http.MethodPost, acc+"/invoices", apply("2026-08"))
	j.customer.must(http.StatusOK, http.MethodPost, acc+"/invoices/"+first["id"].(string)+"/cancel", nil)
	j.invoice(first["id"].(string), "cancelled")
	j.balances(map[string]string{"2026-07": "available", "2026-08": "available"})
	j.restart("2026-09-10T11:00:00+08:00")

	inv := j.customer.must(http.StatusCreated, http.MethodPost, acc+"/invoices", apply("2026-07", "2026-08"))
	id := inv["id"].(string)
	path := acc + "/invoices/" + id
	j.finance.must(http.StatusOK, http.MethodPost, path+"/approve", nil)
	j.customer.refused(http.StatusUnprocessableEntity, "CANCEL-1", http.MethodPost, path+"/cancel", nil)
	j.invoice(id, "issuing")
	j.finance.must(http.StatusOK, http.MethodPost, path+"/issue", map[string]any{
		"invoice_code": "1100231130", "invoice_number": "00000002", "issued_on": "2026-09-10"})
	j.finance.must(http.StatusOK, http.MethodPost, path+"/ship", map[string]any{"courier": "EMS", "tracking_number": "EMS987654321"})
	if got := j.invoice(id, "issued"); !slices.Contains(anyStrings(got["actions"]), "return") {
		t.Fatalf("an issued invoice offers %v to its customer, want return", got["actions"])
	}
	j.balances(map[string]string{"2026-06": "invoiced", "2026-07": "invoiced", "2026-08": "invoiced"})
	j.restart("2026-09-10T12:00:00+08:00")

	// Return (RETURN-1), paper received (RETURN-3), void in the issue month (RETURN-4, 5).
	j.customer.must(http.StatusOK, http.MethodPost, path+"/return", map[string]any{"reason": "收票地址填写错误", "certified": false})
	j.invoice(id, "return_requested")
	j.finance.must(http.StatusOK, http.MethodPost, path+"/return/paper-received", map[string]any{"complete": true})
	j.invoice(id, "paper_received")
	j.finance.must(http.StatusOK, http.MethodPost, path+"/void", nil)
	j.invoice(id, "voided")
	j.balances(map[string]string{"2026-06": "invoiced", "2026-07": "available", "2026-08": "available"})

	// June's invoice comes back too, but its void would be in October.
	j.customer.must(http.StatusOK, http.MethodPost, acc+"/invoices/"+oldID+"/return", map[string]any{"reason": "税号有误", "certified": false})
	j.finance.must(http.StatusOK, http.MethodPost, acc+"/invoices/"+oldID+"/return/paper-received", map[string]any{"complete": true})
	j.restart("2026-10-12T10:00:00+08:00")

	j.finance.refused(http.StatusUnprocessableEntity, "RETURN-4", http.MethodPost, acc+"/invoices/"+oldID+"/void", nil)
	flushed := j.finance.must(http.StatusOK, http.MethodPost, acc+"/invoices/"+oldID+"/red-flush", map[string]any{
		"red_invoice_code": "1100231130", "red_invoice_number": "00000003"})
	if flushed["status"] != "red_flushed" {
		t.Fatalf("red-flushed invoice is %v", flushed["status"])
	}
	j.invoice(oldID, "red_flushed")
	j.balances(map[string]string{"2026-06": "available", "2026-07": "available", "2026-08": "available"})

	// Tenant isolation: another customer learns nothing (404).
	if r := j.customer2.do(http.MethodGet, acc+"/invoices", nil); r.Status != http.StatusNotFound {
		t.Fatalf("another customer reading acc-1 got %d, want 404", r.Status)
	}
	// The whole history, as the auditor sees it, survives one more restart.
	list := items(t, j.customer.must(http.StatusOK, http.MethodGet, acc+"/invoices?limit=100", nil))
	var statuses []string
	for _, it := range list {
		statuses = append(statuses, it["status"].(string))
	}
	if want := []string{"voided", "cancelled", "red_flushed"}; !slices.Equal(statuses, want) {
		t.Fatalf("invoice list (newest first) = %v, want %v", statuses, want)
	}
	j.restart("2026-10-12T11:00:00+08:00")
	j.srv.stop(t)
}

func anyStrings(v any) []string {
	raw, _ := v.([]any)
	out := make([]string, 0, len(raw))
	for _, s := range raw {
		if str, ok := s.(string); ok {
			out = append(out, str)
		}
	}
	return out
}
