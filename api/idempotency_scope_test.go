package api_test

import (
	"net/http"
	"testing"

	"github.com/stretchr/testify/require"
)

// TestAPP6_KeysScopedToTheCaller: a customer and billing send the same
// Idempotency-Key on one account: billing's statement post is written (it
// used to fail with 409 APP-6 because of the customer's key), and each
// caller's retry still answers its own first result.
func TestAPP6_KeysScopedToTheCaller(t *testing.T) {
	s := newTestServer(t)
	const key = "shared-key-1"
	s.must(201, "POST", "/v1/accounts/acc-1/statements", tokBilling, statementBody("2026-09", "100.00"))
	addr := s.must(201, "POST", "/v1/accounts/acc-1/addresses", tokCustomer, addressBody, "Idempotency-Key", key)
	stmt := s.call("POST", "/v1/accounts/acc-1/statements", tokBilling, statementBody("2026-10", "20.00"), "Idempotency-Key", key)
	require.Equal(t, http.StatusCreated, stmt.status, "%s", stmt.body)

	again := s.must(201, "POST", "/v1/accounts/acc-1/addresses", tokCustomer, addressBody, "Idempotency-Key", key)
	require.Equal(t, addr.json(t)["id"], again.json(t)["id"], "the customer's retry is a retry")
	require.Equal(t, addr.header.Get("Fapiao-Position"), again.header.Get("Fapiao-Position"))
	stmtAgain := s.call("POST", "/v1/accounts/acc-1/statements", tokBilling, statementBody("2026-10", "20.00"), "Idempotency-Key", key)
	require.Contains(t, []int{200, 201}, stmtAgain.status, "%s", stmtAgain.body)
	require.Equal(t, stmt.header.Get("Fapiao-Position"), stmtAgain.header.Get("Fapiao-Position"), "billing's retry wrote nothing")

	// Within one caller the key still guards against another body (APP-6).
	r := s.call("POST", "/v1/accounts/acc-1/statements", tokBilling, statementBody("2026-08", "20.00"), "Idempotency-Key", key)
	requireProblem(t, r, http.StatusConflict)
	require.Equal(t, "APP-6", r.json(t)["code"])
}
