package api_test

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/fapiao/fapiao/api"
)

// eInvoice takes acc-1's October statement through an electronic
// application to issued and returns the invoice's path.
func (s *testServer) eInvoice(number string) string {
	s.t.Helper()
	s.must(201, "POST", "/v1/accounts/acc-1/statements", tokBilling, statementBody("2026-10", "106.00"))
	s.must(201, "POST", "/v1/accounts/acc-1/title", tokCustomer, titleBody)
	r := s.must(201, "POST", "/v1/accounts/acc-1/invoices", tokCustomer,
		map[string]any{"statements": []string{"2026-10"}, "medium": "electronic", "emails": []string{"ap@example.com"}, "agree": true}).JSON(s.t)
	require.Equal(s.t, "electronic", r["medium"])
	require.Equal(s.t, "2026-11-11", r["sla_due"], "EINV-3: the next business day")
	inv := "/v1/accounts/acc-1/invoices/" + r["id"].(string)
	s.must(200, "POST", inv+"/approve", tokFinance, nil)
	got := s.must(200, "POST", inv+"/issue", tokFinance, map[string]any{"invoice_number": number, "issued_on": "2026-11-10"}).JSON(s.t)
	require.Equal(s.t, "issued", got["status"])
	require.Equal(s.t, []any{"ap@example.com"}, got["delivered_to"])
	return inv
}

func problemCode(t *testing.T, r response) string {
	t.Helper()
	require.Equal(t, "application/problem+json", r.Header.Get("Content-Type"), "%s", r.Body)
	c, _ := r.JSON(t)["code"].(string)
	return c
}

func TestEINV1_ApplicationBody(t *testing.T) {
	s := newTestServer(t)
	s.must(201, "POST", "/v1/accounts/acc-1/statements", tokBilling, statementBody("2026-10", "10.00"))
	s.must(201, "POST", "/v1/accounts/acc-1/title", tokCustomer, titleBody)
	for _, emails := range [][]string{nil, {"a@x.com", "b@x.com", "c@x.com", "d@x.com"}, {"Zhang <a@x.com>"}, {"a@localhost"}} {
		r := s.call("POST", "/v1/accounts/acc-1/invoices", tokCustomer,
			map[string]any{"statements": []string{"2026-10"}, "medium": "electronic", "emails": emails, "agree": true})
		require.Equal(t, 400, r.Status, "%v: %s", emails, r.Body)
		require.Equal(t, "EINV-1", problemCode(t, r))
	}
	r := s.call("POST", "/v1/accounts/acc-1/invoices", tokCustomer, map[string]any{"statements": []string{"2026-10"},
		"medium": "electronic", "emails": []string{"a@x.com"}, "address_id": "00000000-0000-4000-8000-000000000001", "agree": true})
	require.Equal(t, 400, r.Status, "%s", r.Body)
	require.Equal(t, "EINV-1", problemCode(t, r))
	// Nothing was written: the statement is still available.
	list := s.must(200, "GET", "/v1/accounts/acc-1/statements?status=available", tokCustomer, nil, api.HeaderMinPosition, s.lastPosition()).JSON(t)
	require.Len(t, list["items"], 1)
}

// TestRED_ConfirmationFlow: the customer enters a booked return
// confirmation, the wrong side cannot confirm it, finance confirms, the red
// invoice needs it, and the statement is available again.
func TestRED_ConfirmationFlow(t *testing.T) {
	s := newTestServer(t)
	inv := s.eInvoice("26000000000000000001")

	r := s.call("POST", inv+"/void", tokFinance, nil)
	require.Equal(t, 422, r.Status)
	require.Equal(t, "EINV-4", problemCode(t, r))
	r = s.call("POST", inv+"/ship", tokFinance, map[string]any{"courier": "SF", "tracking_number": "1"})
	require.Equal(t, 422, r.Status)

	r = s.call("POST", inv+"/red-letter-confirmations", tokCustomer, map[string]any{"reason": "service_terminated", "booked": true})
	require.Equal(t, 400, r.Status, "deducted is required")
	require.Equal(t, "RED-1", problemCode(t, r))
	cf := s.must(201, "POST", inv+"/red-letter-confirmations", tokCustomer,
		map[string]any{"reason": "service_terminated", "deducted": false, "booked": true}).JSON(t)
	require.Equal(t, "pending_seller", cf["status"])
	require.Equal(t, "buyer", cf["entered_by"])
	require.Equal(t, "106.00", cf["amount"])
	require.Equal(t, "2026-11-13T10:00:00+08:00", cf["expires_at"])
	require.Equal(t, []any{"withdraw"}, cf["actions"])
	cid := cf["id"].(string)
	base := "/v1/accounts/acc-1/red-letter-confirmations/" + cid

	r = s.call("POST", inv+"/red-letter-confirmations", tokFinance, map[string]any{"reason": "issuing_error", "deducted": false, "booked": false})
	require.Equal(t, 422, r.Status)
	require.Equal(t, "RED-4", problemCode(t, r))
	r = s.call("POST", base+"/confirm", tokCustomer, nil)
	require.Equal(t, 422, r.Status)
	require.Equal(t, "RED-2", problemCode(t, r))
	r = s.call("POST", inv+"/red-flush", tokFinance, map[string]any{"red_invoice_number": "26000000000000000002", "confirmation_id": cid})
	require.Equal(t, 422, r.Status)
	require.Equal(t, "RED-5", problemCode(t, r))

	list := s.must(200, "GET", inv+"/red-letter-confirmations", tokFinance, nil, api.HeaderMinPosition, s.lastPosition()).JSON(t)
	items := list["items"].([]any)
	require.Len(t, items, 1)
	require.Equal(t, []any{"confirm", "refuse"}, items[0].(map[string]any)["actions"])
	pending := s.must(200, "GET", "/v1/red-letter-confirmations", tokFinance, nil).JSON(t)["items"].([]any)
	require.Len(t, pending, 1)

	got := s.must(200, "POST", base+"/confirm", tokFinance, nil).JSON(t)
	require.Equal(t, "confirmed", got["status"])
	require.Equal(t, []any{"red_flush"}, got["actions"])
	open := s.must(200, "GET", "/v1/red-letter-confirmations?account=acc-1", tokFinance, nil, api.HeaderMinPosition, s.lastPosition()).JSON(t)["items"].([]any)
	require.Len(t, open, 1, "confirmed and not yet used is still open (RED-4)")
	require.Equal(t, []any{"red_flush"}, open[0].(map[string]any)["actions"])
	r = s.call("POST", inv+"/red-flush", tokFinance, map[string]any{"red_invoice_code": "1100223344", "red_invoice_number": "26000000000000000002", "confirmation_id": cid})
	require.Equal(t, 400, r.Status)
	require.Equal(t, "EINV-2", problemCode(t, r))
	done := s.must(200, "POST", inv+"/red-flush", tokFinance, map[string]any{"red_invoice_number": "26000000000000000002", "confirmation_id": cid}).JSON(t)
	require.Equal(t, "red_flushed", done["status"])
	require.Empty(t, s.must(200, "GET", "/v1/red-letter-confirmations", tokFinance, nil, api.HeaderMinPosition, s.lastPosition()).JSON(t)["items"])
	avail := s.must(200, "GET", "/v1/accounts/acc-1/statements?status=available", tokCustomer, nil, api.HeaderMinPosition, s.lastPosition()).JSON(t)
	require.Len(t, avail["items"], 1, "RETURN-5: October is available again")
}

func TestEINV2_IssueBody(t *testing.T) {
	s := newTestServer(t)
	s.must(201, "POST", "/v1/accounts/acc-1/statements", tokBilling, statementBody("2026-10", "10.00"))
	s.must(201, "POST", "/v1/accounts/acc-1/title", tokCustomer, titleBody)
	id := s.must(201, "POST", "/v1/accounts/acc-1/invoices", tokCustomer,
		map[string]any{"statements": []string{"2026-10"}, "medium": "electronic", "emails": []string{"a@example.com"}, "agree": true}).JSON(t)["id"].(string)
	inv := "/v1/accounts/acc-1/invoices/" + id
	s.must(200, "POST", inv+"/approve", tokFinance, nil)
	for _, body := range []map[string]any{
		{"invoice_code": "1100223344", "invoice_number": "26000000000000000001", "issued_on": "2026-11-10"},
		{"invoice_number": "2600000000000000001", "issued_on": "2026-11-10"},
		{"invoice_number": "25000000000000000001", "issued_on": "2026-11-10"},
	} {
		r := s.call("POST", inv+"/issue", tokFinance, body)
		require.Equal(t, 400, r.Status, "%v: %s", body, r.Body)
		require.Equal(t, "EINV-2", problemCode(t, r))
	}
}

func TestEINV5_QuotaEndpoints(t *testing.T) {
	s := newTestServer(t)
	for _, amount := range []any{"-1.00", "1.001", 5} {
		r := s.call("PUT", "/v1/quotas/2026-11", tokFinance, map[string]any{"amount": amount})
		require.Equal(t, 400, r.Status, "%v: %s", amount, r.Body)
	}
	r := s.call("PUT", "/v1/quotas/2026-11", tokFinance, map[string]any{"amount": "-1.00"})
	require.Equal(t, "EINV-5", problemCode(t, r))
	require.Equal(t, 400, s.call("GET", "/v1/quotas/2026-13", tokFinance, nil).Status)
	q := s.must(200, "GET", "/v1/quotas/2026-11", tokAuditor, nil).JSON(t)
	require.Equal(t, map[string]any{"month": "2026-11", "amount": nil, "used": "0.00", "remaining": nil}, q)
	q = s.must(200, "PUT", "/v1/quotas/2026-11", tokFinance, map[string]any{"amount": "100.00"}).JSON(t)
	require.Equal(t, "100.00", q["remaining"])

	s.must(201, "POST", "/v1/accounts/acc-1/statements", tokBilling, statementBody("2026-10", "106.00"))
	s.must(201, "POST", "/v1/accounts/acc-1/title", tokCustomer, titleBody)
	id := s.must(201, "POST", "/v1/accounts/acc-1/invoices", tokCustomer,
		map[string]any{"statements": []string{"2026-10"}, "medium": "electronic", "emails": []string{"a@example.com"}, "agree": true}).JSON(t)["id"].(string)
	inv := "/v1/accounts/acc-1/invoices/" + id
	s.must(200, "POST", inv+"/approve", tokFinance, nil)
	r = s.call("POST", inv+"/issue", tokFinance, map[string]any{"invoice_number": "26000000000000000001", "issued_on": "2026-11-10"})
	require.Equal(t, 422, r.Status, "%s", r.Body)
	require.Equal(t, "EINV-5", problemCode(t, r))
	s.must(200, "PUT", "/v1/quotas/2026-11", tokFinance, map[string]any{"amount": "106.00"})
	s.must(200, "POST", inv+"/issue", tokFinance, map[string]any{"invoice_number": "26000000000000000001", "issued_on": "2026-11-10"})
	q = s.must(200, "GET", "/v1/quotas/2026-11", tokFinance, nil).JSON(t)
	require.Equal(t, map[string]any{"month": "2026-11", "amount": "106.00", "used": "106.00", "remaining": "0.00"}, q)
	r = s.call("PUT", "/v1/quotas/2026-11", tokFinance, map[string]any{"amount": "50.00"})
	require.Equal(t, 422, r.Status, "below what is used")
}

// TestRED2_ConfirmationSides: a seller-entered confirmation waits for the
// customer; finance may not answer it, only withdraw it; the other
// customer does not see it (404).
func TestRED2_ConfirmationSides(t *testing.T) {
	s := newTestServer(t)
	inv := s.eInvoice("26000000000000000001")
	cf := s.must(201, "POST", inv+"/red-letter-confirmations", tokFinance,
		map[string]any{"reason": "issuing_error", "deducted": false, "booked": true}).JSON(t)
	require.Equal(t, "pending_buyer", cf["status"])
	require.Equal(t, "seller", cf["entered_by"])
	base := "/v1/accounts/acc-1/red-letter-confirmations/" + cf["id"].(string)
	for path, body := range map[string]any{"/confirm": nil, "/refuse": map[string]any{"reason": "x"}} {
		r := s.call("POST", base+path, tokFinance, body)
		require.Equal(t, 422, r.Status, "%s: %s", path, r.Body)
		require.Equal(t, "RED-2", problemCode(t, r))
	}
	r := s.call("POST", base+"/withdraw", tokCustomer, nil)
	require.Equal(t, 422, r.Status)
	require.Equal(t, "RED-3", problemCode(t, r))
	require.Equal(t, 404, s.call("POST", "/v1/accounts/acc-1/red-letter-confirmations/"+cf["id"].(string)+"/confirm", tokCustomer2, nil).Status)
	require.Equal(t, 404, s.call("POST", "/v1/accounts/acc-1/red-letter-confirmations/00000000-0000-4000-8000-000000000009/confirm", tokCustomer, nil).Status)
	got := s.must(200, "POST", base+"/refuse", tokCustomer, map[string]any{"reason": "已入账"}).JSON(t)
	require.Equal(t, "refused", got["status"])
	require.Equal(t, "已入账", got["refuse_reason"])
}
