package api_test

import (
	"net/http"
	"testing"

	"github.com/fapiao/fapiao/api"
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
	require.Equal(t, http.StatusCreated, stmt.Status, "%s", stmt.Body)

	again := s.must(201, "POST", "/v1/accounts/acc-1/addresses", tokCustomer, addressBody, "Idempotency-Key", key)
	require.Equal(t, addr.JSON(t)["id"], again.JSON(t)["id"], "the customer's retry is a retry")
	require.Equal(t, addr.Header.Get("Fapiao-Position"), again.Header.Get("Fapiao-Position"))
	stmtAgain := s.call("POST", "/v1/accounts/acc-1/statements", tokBilling, statementBody("2026-10", "20.00"), "Idempotency-Key", key)
	require.Contains(t, []int{200, 201}, stmtAgain.Status, "%s", stmtAgain.Body)
	require.Equal(t, stmt.Header.Get("Fapiao-Position"), stmtAgain.Header.Get("Fapiao-Position"), "billing's retry wrote nothing")

	// Within one caller the key still guards against another body (APP-6).
	r := s.call("POST", "/v1/accounts/acc-1/statements", tokBilling, statementBody("2026-08", "20.00"), "Idempotency-Key", key)
	requireProblem(t, r, http.StatusConflict)
	require.Equal(t, "APP-6", r.JSON(t)["code"])
}

// TestIdempotencyKey: a retry with the same key answers the first result
// and writes nothing; another body under the key is 409 APP-6.
func TestIdempotencyKey(t *testing.T) {
	s := newTestServer(t)
	s.must(201, "POST", "/v1/accounts/acc-1/statements", tokBilling, statementBody("2026-10", "10.00"))
	first := s.must(201, "POST", "/v1/accounts/acc-1/addresses", tokCustomer, addressBody, "Idempotency-Key", "k-1")
	again := s.must(201, "POST", "/v1/accounts/acc-1/addresses", tokCustomer, addressBody, "Idempotency-Key", "k-1")
	require.Equal(t, first.JSON(t)["id"], again.JSON(t)["id"], "APP-6: a retry returns the first result")
	require.Equal(t, first.Header.Get(api.HeaderPosition), again.Header.Get(api.HeaderPosition))

	other := map[string]any{}
	for k, v := range addressBody {
		other[k] = v
	}
	other["city"] = "Shanghai"
	p := requireProblem(t, s.call("POST", "/v1/accounts/acc-1/addresses", tokCustomer, other, "Idempotency-Key", "k-1"), 409)
	require.Equal(t, "APP-6", p["code"])

	list := s.must(200, "GET", "/v1/accounts/acc-1/addresses", tokCustomer, nil, api.HeaderMinPosition, s.lastPosition()).JSON(t)
	require.Len(t, list["items"], 1, "the retry wrote nothing")
}
