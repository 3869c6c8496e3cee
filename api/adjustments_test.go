package api_test

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/fapiao/fapiao/api"
)

func adjustmentBody(id, bucket, amount string) map[string]any {
	return map[string]any{"adjustment_id": id, "bucket": bucket, "amount": amount, "reason": "refund after downgrade", "reference": "ORD-" + id}
}

// TestDEF1_AdjustmentsOverHTTP: billing posts adjustments; a repost is 200,
// another body 409, bad input 400/422 with DEF-1, and nothing is written on
// a refusal. A reserved statement's adjustment raises a deficit that the
// balance, the invoice and the statements show (DEF-2, DEF-3).
func TestDEF1_AdjustmentsOverHTTP(t *testing.T) {
	s := newTestServer(t)
	seed := s.seed()
	acc := "/v1/accounts/acc-1"
	// October (available) down to zero: it only lowers it.
	r := s.must(201, "POST", acc+"/statements/2026-10/adjustments", tokBilling, adjustmentBody("a-1", "kingsoft", "250.50"))
	require.Equal(t, acc+"/statements/2026-10/adjustments", r.Header.Get("Location"))
	got := r.JSON(t)
	require.Equal(t, "250.50", got["statement"].(map[string]any)["adjusted"])
	require.Equal(t, "0.00", got["invoiceable"].(map[string]any)["total"])
	// September is reserved by the seed's application: a deficit it owes.
	r = s.must(201, "POST", acc+"/statements/2026-09/adjustments", tokBilling, adjustmentBody("a-2", "kingsoft", "30.00"))
	require.Equal(t, "30.00", r.JSON(t)["invoiceable"].(map[string]any)["deficit"])
	pos := s.lastPosition()

	// The same again is 200 and writes nothing; another body is 409.
	s.must(200, "POST", acc+"/statements/2026-09/adjustments", tokBilling, adjustmentBody("a-2", "kingsoft", "30.00"))
	c := s.must(409, "POST", acc+"/statements/2026-09/adjustments", tokBilling, adjustmentBody("a-2", "kingsoft", "31.00")).JSON(t)
	require.Equal(t, "APP-6", c["code"], "adjustment_id is billing's idempotency key for it")
	bad := []struct {
		name, month string
		body        map[string]any
		status      int
	}{
		{"no such statement", "2026-05", adjustmentBody("a-3", "kingsoft", "1.00"), 422},
		{"three decimals", "2026-09", adjustmentBody("a-3", "kingsoft", "1.005"), 400},
		{"zero", "2026-09", adjustmentBody("a-3", "kingsoft", "0.00"), 400},
		{"merchant bucket", "2026-09", adjustmentBody("a-3", "merchant", "1.00"), 400},
		{"below zero", "2026-09", adjustmentBody("a-3", "kingsoft", "70.01"), 422},
		{"bad month", "2026-13", adjustmentBody("a-3", "kingsoft", "1.00"), 400},
	}
	for _, b := range bad {
		t.Run(b.name, func(t *testing.T) {
			p := s.must(b.status, "POST", acc+"/statements/"+b.month+"/adjustments", tokBilling, b.body).JSON(t)
			require.Equal(t, "DEF-1", p["code"], "%v", p)
			if b.name == "no such statement" {
				require.Contains(t, p["detail"], "2026-05")
			}
		})
	}
	require.Equal(t, pos, s.lastPosition(), "nothing is written on a refusal or a repost")

	bal := s.must(200, "GET", acc+"/invoiceable", tokCustomer, nil, api.HeaderMinPosition, pos).JSON(t)
	require.Equal(t, "0.00", bal["total"])
	require.Equal(t, "30.00", bal["deficit"])
	inv := s.must(200, "GET", acc+"/invoices/"+seed.invoiceID, tokCustomer, nil).JSON(t)
	require.Equal(t, "30.00", inv["deficit"])
	for _, path := range []string{acc + "/invoices", "/v1/invoices?account=acc-1"} { // the lists' cached encoding too
		items := s.must(200, "GET", path, tokFinance, nil).JSON(t)["items"].([]any)
		require.Equal(t, "30.00", items[0].(map[string]any)["deficit"], path)
	}
	list := s.must(200, "GET", acc+"/statements", tokFinance, nil).JSON(t)["items"].([]any)
	require.Len(t, list, 2)
	sep := list[0].(map[string]any)
	require.Equal(t, "70.00", sep["invoiceable"])
	require.Equal(t, "30.00", sep["adjusted"])
	adjs := s.must(200, "GET", acc+"/statements/2026-09/adjustments", tokAuditor, nil).JSON(t)["items"].([]any)
	require.Len(t, adjs, 1)
	require.Equal(t, "a-2", adjs[0].(map[string]any)["adjustment_id"])
	s.must(404, "GET", acc+"/statements/2026-05/adjustments", tokCustomer, nil)

	// A statement posted now offsets the deficit at once (DEF-3).
	s.must(201, "POST", acc+"/statements", tokBilling, statementBody("2026-08", "20.00"))
	bal = s.must(200, "GET", acc+"/invoiceable", tokCustomer, nil, api.HeaderMinPosition, s.lastPosition()).JSON(t)
	require.Equal(t, "10.00", bal["deficit"])
	list = s.must(200, "GET", acc+"/statements?status=offset", tokCustomer, nil).JSON(t)["items"].([]any)
	require.Len(t, list, 1)
	require.Equal(t, "20.00", list[0].(map[string]any)["offset"])
}

// TestDEF5_PartialRedFlushOverHTTP: finance red-flushes part of what an
// issued paper invoice owes; it stays issued with red_flushed_amount; above
// what it owes is 422 DEF-5 and writes nothing.
func TestDEF5_PartialRedFlushOverHTTP(t *testing.T) {
	s := newTestServer(t)
	seed := s.seed()
	acc := "/v1/accounts/acc-1"
	inv := acc + "/invoices/" + seed.invoiceID
	s.must(200, "POST", inv+"/approve", tokFinance, nil)
	s.must(200, "POST", inv+"/issue", tokFinance, map[string]any{"invoice_code": "1100223344", "invoice_number": "00000001", "issued_on": "2026-11-10"})
	s.must(201, "POST", acc+"/statements/2026-10/adjustments", tokBilling, adjustmentBody("a-1", "kingsoft", "250.50"))
	s.must(201, "POST", acc+"/statements/2026-09/adjustments", tokBilling, adjustmentBody("a-2", "kingsoft", "60.00"))
	pos := s.lastPosition()
	body := map[string]any{"red_invoice_code": "1100223344", "red_invoice_number": "00000002", "amount": "60.01", "red_letter_form_number": "1101202611000001"}
	p := s.must(422, "POST", inv+"/red-flush", tokFinance, body).JSON(t)
	require.Equal(t, "DEF-5", p["code"])
	require.Equal(t, pos, s.lastPosition())
	body["amount"] = "45.00"
	got := s.must(200, "POST", inv+"/red-flush", tokFinance, body).JSON(t)
	require.Equal(t, "issued", got["status"])
	require.Equal(t, "45.00", got["red_flushed_amount"])
	require.Equal(t, "15.00", got["deficit"])
	p = s.must(400, "POST", inv+"/red-flush", tokFinance, map[string]any{"red_invoice_code": "1100223344", "red_invoice_number": "00000003", "amount": "15.00"}).JSON(t)
	require.Equal(t, "DEF-5", p["code"], "a paper partial red-flush needs the form number")
}

// TestRED6_PartialConfirmationOverHTTP: an electronic invoice that owes a
// deficit is red-flushed in part through a partial confirmation
// (service_terminated or sales_allowance, up to the deficit); issuing_error
// or more than it owes is 422 RED-6 and writes nothing.
func TestRED6_PartialConfirmationOverHTTP(t *testing.T) {
	s := newTestServer(t)
	inv := s.eInvoice("26110000000000000001") // 106.00
	s.must(201, "POST", "/v1/accounts/acc-1/statements/2026-10/adjustments", tokBilling, adjustmentBody("a-1", "kingsoft", "53.00"))
	pos := s.lastPosition()
	for _, body := range []map[string]any{
		{"amount": "53.01", "reason": "service_terminated", "deducted": false, "booked": false},
		{"amount": "10.00", "reason": "issuing_error", "deducted": false, "booked": false},
	} {
		r := s.call("POST", inv+"/red-letter-confirmations", tokFinance, body)
		require.Equal(t, 422, r.Status, "%s", r.Body)
		require.Equal(t, "RED-6", problemCode(t, r))
	}
	require.Equal(t, pos, s.lastPosition())
	cf := s.must(201, "POST", inv+"/red-letter-confirmations", tokFinance,
		map[string]any{"amount": "53.00", "reason": "sales_allowance", "deducted": false, "booked": false}).JSON(t)
	require.Equal(t, "not_required", cf["status"])
	got := s.must(200, "POST", inv+"/red-flush", tokFinance,
		map[string]any{"red_invoice_number": "26110000000000000002", "confirmation_id": cf["id"]}).JSON(t)
	require.Equal(t, "issued", got["status"])
	require.Equal(t, "53.00", got["red_flushed_amount"])
	require.Equal(t, "0.00", got["deficit"])
}
