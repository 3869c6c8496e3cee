package main

import (
	"encoding/json"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestE2EDeficit runs README's worked example against the real binary over
// loopback HTTP, moving the server's clock across months (--clock): a
// 12 000.00 yearly subscription invoiced in January; 6 000.00 refunded in
// June (an adjustment: deficit 6 000.00); July's 1 000.00 offsets 1 000.00;
// finance red-flushes 5 000.00 of the paper invoice; the customer returns
// it and finance red-flushes the rest: July is available again and January
// comes back at 6 000.00. Every restart rebuilds the read models from the
// whole log and must give the same answers; then `fapiao replay --as-of`
// before and after the adjustment gives the balances then, `fapiao
// reconcile` exits 0 with the partial red-flush in REC-2, and a nightly
// refund batch goes through `fapiao import`.
func TestE2EDeficit(t *testing.T) {
	t.Parallel() // its own store, tokens and server on a port of its own
	j := newJourney(t)
	const acc = "/v1/accounts/acc-1"
	j.start("2026-02-03T09:00:00+08:00")
	j.billing.must(http.StatusCreated, http.MethodPost, acc+"/statements", map[string]any{"month": "2026-01", "lines": []any{
		map[string]any{"line_id": "y1", "product": "ECS yearly", "billing_mode": "prepaid", "purchased_at": "2026-01-10",
			"channel": "kingsoft", "amount": "12000.00", "voucher": "0.00", "coupon": "0.00", "gift_balance": "0.00"}}})
	j.customer.must(http.StatusCreated, http.MethodPost, acc+"/title", map[string]any{
		"type": "vat_general", "holder": "company", "name": "北京示例科技有限公司", "taxpayer_id": "91110108MA01ABCD1E"})
	addr := j.customer.must(http.StatusCreated, http.MethodPost, acc+"/addresses", map[string]any{
		"recipient": "张三", "phone": "13800138000", "province": "北京市", "city": "北京市", "district": "海淀区",
		"street": "中关村大街1号", "postal_code": "100080", "default": true})
	inv := j.customer.must(http.StatusCreated, http.MethodPost, acc+"/invoices", map[string]any{
		"statements": []string{"2026-01"}, "address_id": addr["id"], "agree": true})
	id := inv["id"].(string)
	path := acc + "/invoices/" + id
	j.finance.must(http.StatusOK, http.MethodPost, path+"/approve", nil)
	j.finance.must(http.StatusOK, http.MethodPost, path+"/issue", map[string]any{"invoice_code": "1100261130", "invoice_number": "00000001", "issued_on": "2026-02-03"})
	j.finance.must(http.StatusOK, http.MethodPost, path+"/ship", map[string]any{"courier": "顺丰速运", "tracking_number": "SF1"})
	balance := func(total, deficit string) {
		t.Helper()
		b := j.customer.must(http.StatusOK, http.MethodGet, acc+"/invoiceable", nil)
		if b["total"] != total || b["deficit"] != deficit {
			t.Fatalf("invoiceable %v, want total %s deficit %s", b, total, deficit)
		}
	}
	balance("0.00", "0.00")

	// June: billing refunds 6 000.00 of January; the invoice owes it.
	j.restart("2026-06-20T10:00:00+08:00")
	adj := map[string]any{"adjustment_id": "refund-2026-06-0001", "bucket": "kingsoft", "amount": "6000.00", "reason": "downgrade of the yearly subscription", "reference": "ORD-77"}
	j.billing.must(http.StatusCreated, http.MethodPost, acc+"/statements/2026-01/adjustments", adj)
	j.billing.must(http.StatusOK, http.MethodPost, acc+"/statements/2026-01/adjustments", adj)
	j.billing.refused(http.StatusUnprocessableEntity, "DEF-1", http.MethodPost, acc+"/statements/2026-05/adjustments",
		map[string]any{"adjustment_id": "x", "bucket": "kingsoft", "amount": "1.00", "reason": "r"})
	balance("0.00", "6000.00")
	if got := j.customer.must(http.StatusOK, http.MethodGet, path, nil); got["deficit"] != "6000.00" {
		t.Fatalf("invoice deficit: %v", got["deficit"])
	}

	// August: July's statement offsets 1 000.00 at once.
	j.restart("2026-08-03T10:00:00+08:00")
	j.billing.must(http.StatusCreated, http.MethodPost, acc+"/statements", map[string]any{"month": "2026-07", "lines": []any{
		map[string]any{"line_id": "j1", "product": "ECS", "billing_mode": "prepaid", "purchased_at": "2026-07-01",
			"channel": "kingsoft", "amount": "1000.00", "voucher": "0.00", "coupon": "0.00", "gift_balance": "0.00"}}})
	balance("0.00", "5000.00")
	offset := items(t, j.customer.must(http.StatusOK, http.MethodGet, acc+"/statements?status=offset", nil))
	if len(offset) != 1 || offset[0]["month"] != "2026-07" || offset[0]["offset"] != "1000.00" {
		t.Fatalf("offset statements: %v", offset)
	}

	// Finance red-flushes 5 000.00 (DEF-5): above what it owes is refused.
	red := map[string]any{"red_invoice_code": "1100261130", "red_invoice_number": "00000002", "amount": "5000.01", "red_letter_form_number": "1101202608000001"}
	j.finance.refused(http.StatusUnprocessableEntity, "DEF-5", http.MethodPost, path+"/red-flush", red)
	red["amount"] = "5000.00"
	got := j.finance.must(http.StatusOK, http.MethodPost, path+"/red-flush", red)
	if got["status"] != "issued" || got["red_flushed_amount"] != "5000.00" || got["deficit"] != "0.00" {
		t.Fatalf("partly red-flushed: %v", got)
	}
	balance("0.00", "0.00")

	// The customer returns it; finance red-flushes the rest.
	j.customer.must(http.StatusOK, http.MethodPost, path+"/return", map[string]any{"reason": "subscription ended", "certified": false})
	j.finance.must(http.StatusOK, http.MethodPost, path+"/return/paper-received", map[string]any{"complete": true})
	j.finance.refused(http.StatusUnprocessableEntity, "DEF-5", http.MethodPost, path+"/void", nil)
	j.finance.must(http.StatusOK, http.MethodPost, path+"/red-flush", map[string]any{"red_invoice_code": "1100261130", "red_invoice_number": "00000003"})
	balance("7000.00", "0.00")
	sts := map[string]map[string]any{}
	for _, st := range items(t, j.customer.must(http.StatusOK, http.MethodGet, acc+"/statements", nil)) {
		sts[st["month"].(string)] = st
	}
	if s := sts["2026-07"]; s["status"] != "available" || s["available"] != "1000.00" {
		t.Fatalf("July: %v", s)
	}
	if s := sts["2026-01"]; s["status"] != "available" || s["invoiceable"] != "6000.00" || s["adjusted"] != "6000.00" {
		t.Fatalf("January: %v", s)
	}
	j.restart("2026-08-03T12:00:00+08:00") // the whole log replayed equals the live read models
	j.srv.stop(t)

	// replay --as-of: before the adjustment, then after it (AUD-2).
	replayBalance := func(asOf string) map[string]any {
		t.Helper()
		code, out, errOut := jobRun(t, "replay", "--store", j.store, "--account", "acc-1", "--as-of", asOf)
		if code != 0 {
			t.Fatalf("replay --as-of %s: %d %s", asOf, code, errOut)
		}
		var rep struct {
			Accounts []struct {
				Balance map[string]any `json:"balance"`
			} `json:"accounts"`
			Invariants []any `json:"invariants"`
		}
		if err := json.Unmarshal([]byte(out), &rep); err != nil || len(rep.Accounts) != 1 || len(rep.Invariants) != 0 {
			t.Fatalf("replay: %v %s", err, out)
		}
		return rep.Accounts[0].Balance
	}
	if b := replayBalance("2026-06-20T09:59:00+08:00"); b["invoiced"] != "12000.00" || b["deficit"] != nil {
		t.Fatalf("before the adjustment: %v", b)
	}
	if b := replayBalance("2026-06-21T00:00:00+08:00"); b["invoiced"] != "12000.00" || b["deficit"] != "6000.00" || b["statements"] != "6000.00" {
		t.Fatalf("after the adjustment: %v", b)
	}
	code, out, errOut := jobRun(t, "reconcile", "--store", j.store, "--month", "2026-08")
	if code != 0 {
		t.Fatalf("reconcile: %d %s %s", code, out, errOut)
	}
	var rec struct {
		OK  bool `json:"ok"`
		Tax struct {
			Part map[string]any `json:"partly_red_flushed"`
			Red  map[string]any `json:"red_flushed"`
		} `json:"tax"`
	}
	if err := json.Unmarshal([]byte(out), &rec); err != nil || !rec.OK || rec.Tax.Part["amount"] != "5000.00" || rec.Tax.Part["tax"] != "283.02" || rec.Tax.Red["amount"] != "7000.00" {
		t.Fatalf("reconcile: %v %s", err, out)
	}

	// The nightly refund batch: an adjustment line through fapiao import.
	file := filepath.Join(t.TempDir(), "refunds.jsonl")
	batch := `{"account_id":"acc-1","month":"2026-07","adjustment":{"adjustment_id":"refund-2026-08-0001","bucket":"kingsoft","amount":"100.00","reason":"SLA credit","reference":"T-1"}}` + "\n"
	if err := os.WriteFile(file, []byte(batch), 0o600); err != nil {
		t.Fatal(err)
	}
	code, out, errOut = jobRun(t, "import", "--store", j.store, "--clock", "2026-08-04T02:00:00+08:00", file)
	if code != 0 || !strings.Contains(out+errOut, "1") {
		t.Fatalf("import: %d %s %s", code, out, errOut)
	}
	if b := replayBalance("2026-08-05T00:00:00+08:00"); b["total"] != "6900.00" {
		t.Fatalf("after the batch: %v", b)
	}
}
