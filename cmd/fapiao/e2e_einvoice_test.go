package main

import (
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/shopspring/decimal"
)

// TestE2EElectronic runs e-invoices against the real binary over loopback
// HTTP: apply electronic → approve → issue (delivered, within the month's
// quota) → the customer enters a booked return confirmation → finance
// confirms → red invoice → the statement is available again; then a
// seller-entered confirmation left pending expires across a restart with
// the clock moved 73 hours (RED-3), once, and replay shows it.
func TestE2EElectronic(t *testing.T) {
	t.Parallel() // its own store, tokens and server on a port of its own
	j := newJourney(t)
	const acc = "/v1/accounts/acc-1"
	j.start("2026-10-12T10:00:00+08:00")
	for _, m := range []string{"2026-08", "2026-09"} {
		j.billing.must(http.StatusCreated, http.MethodPost, acc+"/statements", statement(m, 1))
	}
	j.customer.must(http.StatusCreated, http.MethodPost, acc+"/title", map[string]any{
		"type": "vat_general", "holder": "company", "name": "北京示例科技有限公司", "taxpayer_id": "91110108MA01ABCD1E"})
	q := j.finance.must(http.StatusOK, http.MethodPut, "/v1/quotas/2026-10", map[string]any{"amount": "2000.00"})
	if q["remaining"] != "2000.00" {
		t.Fatalf("quota %v", q)
	}
	apply := func(month string) string {
		inv := j.customer.must(http.StatusCreated, http.MethodPost, acc+"/invoices", map[string]any{
			"statements": []string{month}, "medium": "electronic", "emails": []string{"ap@example.com", "cfo@example.cn"}, "agree": true})
		if inv["medium"] != "electronic" || inv["sla_due"] != "2026-10-13" {
			t.Fatalf("electronic application: %v", inv)
		}
		return inv["id"].(string)
	}
	issue := func(id, number string) map[string]any {
		j.finance.must(http.StatusOK, http.MethodPost, acc+"/invoices/"+id+"/approve", nil)
		return j.finance.must(http.StatusOK, http.MethodPost, acc+"/invoices/"+id+"/issue", map[string]any{"invoice_number": number, "issued_on": "2026-10-12"})
	}

	// Apply, approve, issue: delivered at once, no ship step (EINV-2).
	id := apply("2026-08")
	path := acc + "/invoices/" + id
	got := issue(id, "26110000000000000001")
	if got["status"] != "issued" || len(anyStrings(got["delivered_to"])) != 2 || got["invoice_code"] != nil {
		t.Fatalf("issued e-invoice: %v", got)
	}
	if q := j.finance.must(http.StatusOK, http.MethodGet, "/v1/quotas/2026-10", nil); q["used"] != "1130.00" || q["remaining"] != "870.00" {
		t.Fatalf("quota after the issue: %v", q)
	}
	j.finance.refused(http.StatusUnprocessableEntity, "EINV-4", http.MethodPost, path+"/void", nil)

	// The customer's return request is a booked confirmation: finance confirms it.
	cf := j.customer.must(http.StatusCreated, http.MethodPost, path+"/red-letter-confirmations",
		map[string]any{"reason": "service_terminated", "deducted": false, "booked": true})
	if cf["status"] != "pending_seller" {
		t.Fatalf("buyer's booked confirmation: %v", cf)
	}
	cid := cf["id"].(string)
	j.customer.refused(http.StatusUnprocessableEntity, "RED-2", http.MethodPost, acc+"/red-letter-confirmations/"+cid+"/confirm", nil)
	j.finance.refused(http.StatusUnprocessableEntity, "RED-5", http.MethodPost, path+"/red-flush",
		map[string]any{"red_invoice_number": "26110000000000000002", "confirmation_id": cid})
	j.finance.must(http.StatusOK, http.MethodPost, acc+"/red-letter-confirmations/"+cid+"/confirm", nil)
	red := j.finance.must(http.StatusOK, http.MethodPost, path+"/red-flush",
		map[string]any{"red_invoice_number": "26110000000000000002", "confirmation_id": cid})
	if red["status"] != "red_flushed" {
		t.Fatalf("red-flush: %v", red)
	}
	j.balances(map[string]string{"2026-08": "available", "2026-09": "available"})

	// A seller-entered confirmation left pending expires 72 hours later,
	// while the server is down: the restarted server writes the expiry.
	id2 := apply("2026-09")
	j.finance.must(http.StatusOK, http.MethodPost, acc+"/invoices/"+id2+"/approve", nil)
	// EINV-5: a red invoice gives no quota back; 1130 + 1130 > 2000.
	j.finance.refused(http.StatusUnprocessableEntity, "EINV-5", http.MethodPost, acc+"/invoices/"+id2+"/issue",
		map[string]any{"invoice_number": "26110000000000000003", "issued_on": "2026-10-12"})
	j.finance.must(http.StatusOK, http.MethodPut, "/v1/quotas/2026-10", map[string]any{"amount": "3000.00"})
	j.finance.must(http.StatusOK, http.MethodPost, acc+"/invoices/"+id2+"/issue", map[string]any{"invoice_number": "26110000000000000003", "issued_on": "2026-10-12"})
	cf2 := j.finance.must(http.StatusCreated, http.MethodPost, acc+"/invoices/"+id2+"/red-letter-confirmations",
		map[string]any{"reason": "issuing_error", "deducted": false, "booked": true})
	// 72 hours after entry (RED-3); entry is a few seconds after the
	// --clock start on a busy machine, so only the minute is fixed.
	entered, _ := time.Parse(time.RFC3339Nano, cf2["entered_at"].(string))
	expires, _ := time.Parse(time.RFC3339Nano, cf2["expires_at"].(string))
	if cf2["status"] != "pending_buyer" || expires.Sub(entered) != 72*time.Hour || !strings.HasPrefix(cf2["expires_at"].(string), "2026-10-15T10:0") {
		t.Fatalf("seller's confirmation: %v", cf2)
	}
	if acts := anyStrings(j.customer.must(http.StatusOK, http.MethodGet, acc+"/invoices/"+id2+"/red-letter-confirmations", nil)["items"].([]any)[0].(map[string]any)["actions"]); len(acts) != 2 {
		t.Fatalf("the buyer's actions on a pending_buyer confirmation: %v", acts)
	}
	j.restart("2026-10-15T11:00:00+08:00") // 73 hours after entry
	confirmations := func() []map[string]any {
		return items(t, j.customer.must(http.StatusOK, http.MethodGet, acc+"/invoices/"+id2+"/red-letter-confirmations", nil))
	}
	deadline := time.Now().Add(30 * time.Second)
	for confirmations()[0]["status"] != "expired" {
		if time.Now().After(deadline) {
			t.Fatalf("the confirmation did not expire after the restart: %v", confirmations())
		}
		time.Sleep(100 * time.Millisecond)
	}
	j.customer.refused(http.StatusUnprocessableEntity, "RED-2", http.MethodPost, acc+"/red-letter-confirmations/"+cf2["id"].(string)+"/confirm", nil)
	// One expiry in the log, and a replay (restart) shows the same.
	j.restart("2026-10-15T11:05:00+08:00")
	time.Sleep(200 * time.Millisecond) // the scheduler's first tick, which must write nothing
	n := 0
	for _, e := range items(t, j.auditor.must(http.StatusOK, http.MethodGet, "/v1/events?limit=1000", nil)) {
		if e["type"] == "RedLetterConfirmationExpired" {
			n++
			if at, _ := e["data"].(map[string]any)["expired_at"].(string); !strings.HasPrefix(at, "2026-10-15T10:0") || at != cf2["expires_at"] {
				t.Fatalf("expiry at %v, want the deadline", e["data"])
			}
		}
	}
	if n != 1 {
		t.Fatalf("%d expiry events, want 1", n)
	}
	if c := confirmations()[0]; c["status"] != "expired" {
		t.Fatalf("after replay: %v", c)
	}
	if q := j.finance.must(http.StatusOK, http.MethodGet, "/v1/quotas/2026-10", nil); !money(t, q["used"]).Equal(decimal.RequireFromString("2260.00")) {
		t.Fatalf("quota: %v", q)
	}
	j.srv.stop(t)
}
