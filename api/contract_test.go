package api_test

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/fapiao/fapiao/api"
)

// Deviations from API.md found by driving the real server black-box; each
// test names the convention it holds the server to.

// TestSTMT3_MalformedAmountIsFieldRule: an amount with a third decimal, a
// sign or a number type breaks STMT-3, a field rule, so the 400 carries
// code STMT-3 and names the line's field (API.md, Errors).
func TestSTMT3_MalformedAmountIsFieldRule(t *testing.T) {
	s := newTestServer(t)
	cases := []struct {
		name, field string
		value       any
	}{
		{"third decimal", "amount", "1.001"},
		{"negative", "voucher", "-1.00"},
		{"exponent", "coupon", "1e2"},
		{"number", "gift_balance", 1.5},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			body := statementBody("2026-10", "10.00")
			body["lines"].([]map[string]any)[0][tc.field] = tc.value
			r := s.call("POST", "/v1/accounts/acc-1/statements", tokBilling, body)
			require.Equal(t, 400, r.Status, "%s", r.Body)
			require.Equal(t, "application/problem+json", r.Header.Get("Content-Type"))
			p := r.JSON(t)
			require.Equal(t, "STMT-3", p["code"], "%s", r.Body)
			errs := p["errors"].([]any)
			require.Len(t, errs, 1)
			require.Equal(t, "lines[0]."+tc.field, errs[0].(map[string]any)["field"])
		})
	}
	require.Equal(t, "0", s.lastPosition(), "a refused statement writes nothing")
}

// TestAPP1_NilAddressIDIsRefused: address_id is required (API.md) and the
// nil UUID names no address; it once slipped through as "the default".
func TestAPP1_NilAddressIDIsRefused(t *testing.T) {
	s := newTestServer(t)
	s.seed()
	r := s.call("POST", "/v1/accounts/acc-1/invoices", tokCustomer,
		map[string]any{"statements": []string{"2026-10"}, "address_id": "00000000-0000-0000-0000-000000000000", "agree": true})
	require.Equal(t, 400, r.Status, "%s", r.Body)
	require.Equal(t, "address_id", r.JSON(t)["errors"].([]any)[0].(map[string]any)["field"])
	list := s.must(200, "GET", "/v1/accounts/acc-1/statements?status=available", tokCustomer, nil,
		api.HeaderMinPosition, s.lastPosition()).JSON(t)
	require.Len(t, list["items"], 1, "October stays available")
}

// TestRETURN2_SpecialReturnMustStateCertified: for a vat_special invoice
// the customer states whether it was certified; leaving "certified" out is
// a 400 RETURN-2 on the field, not a silent "uncertified" (which would let
// finance void an invoice the customer's tax office already certified).
func TestRETURN2_SpecialReturnMustStateCertified(t *testing.T) {
	s := newTestServer(t)
	inv := s.issuedSpecial("acc-1")
	r := s.call("POST", inv+"/return", tokCustomer, map[string]any{"reason": "wrong bank"})
	require.Equal(t, 400, r.Status, "%s", r.Body)
	p := r.JSON(t)
	require.Equal(t, "RETURN-2", p["code"])
	require.Equal(t, "certified", p["errors"].([]any)[0].(map[string]any)["field"])
	got := s.must(200, "POST", inv+"/return", tokCustomer, map[string]any{"reason": "wrong bank", "certified": false}).JSON(t)
	require.Equal(t, "return_requested", got["status"])
}

// issuedSpecial makes acc an issued vat_special invoice and returns its path.
func (s *testServer) issuedSpecial(acc string) string {
	s.t.Helper()
	base := "/v1/accounts/" + acc
	s.must(201, "POST", base+"/statements", tokBilling, statementBody("2026-10", "100.00"))
	s.must(201, "POST", base+"/title", tokCustomer, map[string]any{
		"type": "vat_special", "holder": "company", "name": "Example Co", "taxpayer_id": "91110108MA01ABCD1E",
		"registered_address": "1 Street", "registered_phone": "010-82345678", "bank_name": "ICBC", "bank_account": "0200004509200123456"})
	s.must(200, "POST", base+"/title/approve", tokFinance, nil)
	addr := s.must(201, "POST", base+"/addresses", tokCustomer, addressBody).JSON(s.t)["id"]
	id := s.must(201, "POST", base+"/invoices", tokCustomer,
		map[string]any{"statements": []string{"2026-10"}, "address_id": addr, "agree": true}).JSON(s.t)["id"].(string)
	inv := base + "/invoices/" + id
	s.must(200, "POST", inv+"/approve", tokFinance, nil)
	s.must(200, "POST", inv+"/issue", tokFinance, map[string]any{"invoice_code": "1100223344", "invoice_number": "00000009", "issued_on": "2026-11-10"})
	return inv
}

// TestAPP6_RetryGetsTheFirstAnswer: a retry under the same Idempotency-Key
// answers what the first request answered (status, position and body) and
// writes nothing, even after later commands moved the invoice on.
func TestAPP6_RetryGetsTheFirstAnswer(t *testing.T) {
	s := newTestServer(t)
	seed := s.seed()
	apply := map[string]any{"statements": []string{"2026-10"}, "address_id": seed.addressID, "agree": true}
	first := s.must(201, "POST", "/v1/accounts/acc-1/invoices", tokCustomer, apply, "Idempotency-Key", "apply-oct")
	inv := "/v1/accounts/acc-1/invoices/" + first.JSON(t)["id"].(string)
	s.must(200, "POST", inv+"/approve", tokFinance, nil)
	head := s.lastPosition()

	again := s.must(201, "POST", "/v1/accounts/acc-1/invoices", tokCustomer, apply, "Idempotency-Key", "apply-oct")
	require.Equal(t, head, s.lastPosition(), "a retry writes nothing")
	require.Equal(t, first.Header.Get(api.HeaderPosition), again.Header.Get(api.HeaderPosition))
	require.JSONEq(t, string(first.Body), string(again.Body))
	require.Equal(t, "under_review", again.JSON(t)["status"])

	other := s.call("POST", "/v1/accounts/acc-1/invoices", tokCustomer,
		map[string]any{"statements": []string{"2026-10"}, "address_id": seed.addressID, "agree": false}, "Idempotency-Key", "apply-oct")
	require.Equal(t, 409, other.Status, "%s", other.Body)
	require.Equal(t, "APP-6", other.JSON(t)["code"])
}
