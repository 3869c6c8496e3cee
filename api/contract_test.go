package api_test

import (
	"testing"

	"github.com/stretchr/testify/require"
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
			require.Equal(t, 400, r.status, "%s", r.body)
			require.Equal(t, "application/problem+json", r.header.Get("Content-Type"))
			p := r.json(t)
			require.Equal(t, "STMT-3", p["code"], "%s", r.body)
			errs := p["errors"].([]any)
			require.Len(t, errs, 1)
			require.Equal(t, "lines[0]."+tc.field, errs[0].(map[string]any)["field"])
		})
	}
	require.Equal(t, "0", s.lastPosition(), "a refused statement writes nothing")
}
