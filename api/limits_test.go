package api_test

import (
	"net/http"
	"net/http/httptest"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/fapiao/fapiao/api"
)

// serveFrom sends a request in process as if from the client address
// remote (host:port), and answers its status and Retry-After.
func (s *testServer) serveFrom(remote, method, path, token string) (int, string) {
	req := httptest.NewRequest(method, path, nil)
	req.RemoteAddr = remote
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	rec := httptest.NewRecorder()
	s.handler.ServeHTTP(rec, req)
	return rec.Code, rec.Header().Get("Retry-After")
}

// TestAuthFailuresThrottledPerAddress: 2 000 bad tokens in a burst from one
// address get 401 only for the auth-fail burst, then 429 with a Retry-After
// from the reservation; while refused, even a valid token from that
// address is not looked at (a guess cannot be confirmed); other addresses
// and the ops endpoints are untouched.
func TestAuthFailuresThrottledPerAddress(t *testing.T) {
	s := newTestServer(t, func(c *api.Config) { c.AuthFailLimit, c.AuthFailBurst = 0.1, 20 })
	const attacker = "198.51.100.9:40000"
	counts := map[int]int{}
	for i := range 2000 {
		code, retry := s.serveFrom(attacker, "GET", "/v1/invoices", "guess-"+strconv.Itoa(i))
		counts[code]++
		if code == http.StatusTooManyRequests {
			require.Equal(t, "10", retry, "one token every 10 s: Retry-After from the reservation")
		}
	}
	require.Equal(t, map[int]int{401: 20, 429: 1980}, counts)
	code, _ := s.serveFrom(attacker, "GET", "/v1/invoices", tokFinance)
	require.Equal(t, http.StatusTooManyRequests, code, "a valid token from a refused address")
	code, _ = s.serveFrom(attacker, "GET", "/healthz", "")
	require.Equal(t, http.StatusOK, code, "ops endpoints need no token and are not throttled")
	code, _ = s.serveFrom("203.0.113.5:1", "GET", "/v1/invoices", tokFinance)
	require.Equal(t, http.StatusOK, code, "another address")
	code, _ = s.serveFrom("203.0.113.5:1", "GET", "/v1/invoices", "wrong")
	require.Equal(t, http.StatusUnauthorized, code, "another address has its own budget")
	// The same attacker from another port, or another address in its IPv6 /64, is the same client.
	code, _ = s.serveFrom("198.51.100.9:40001", "GET", "/v1/invoices", "guess")
	require.Equal(t, http.StatusTooManyRequests, code)
	for _, remote := range []string{"[2001:db8:0:1::1]:1", "[2001:db8:0:1::2]:1"} {
		for range 10 {
			s.serveFrom(remote, "GET", "/v1/invoices", "guess")
		}
	}
	code, _ = s.serveFrom("[2001:db8:0:1::3]:1", "GET", "/v1/invoices", "guess")
	require.Equal(t, http.StatusTooManyRequests, code, "IPv6 counted by /64")
}

// TestAuthFailLimitDoesNotTouchValidCallers: a client that only presents
// valid tokens is never charged, however many requests it makes.
func TestAuthFailLimitDoesNotTouchValidCallers(t *testing.T) {
	s := newTestServer(t, func(c *api.Config) { c.AuthFailLimit, c.AuthFailBurst = 0.1, 1 })
	for range 50 {
		code, _ := s.serveFrom("192.0.2.1:1", "GET", "/v1/invoices", tokFinance)
		require.Equal(t, http.StatusOK, code)
	}
}

// applyCancel applies for September and cancels the application: two
// commands, two events. It answers the first status other than 201/200.
func (s *testServer) applyCancel(acc, token, addressID string) (int, string) {
	s.t.Helper()
	r := s.call("POST", "/v1/accounts/"+acc+"/invoices", token,
		map[string]any{"statements": []string{"2026-09"}, "address_id": addressID, "agree": true})
	if r.Status != http.StatusCreated {
		return r.Status, r.Header.Get("Retry-After")
	}
	id := r.JSON(s.t)["id"].(string)
	r = s.call("POST", "/v1/accounts/"+acc+"/invoices/"+id+"/cancel", token, nil)
	if r.Status != http.StatusOK {
		return r.Status, r.Header.Get("Retry-After")
	}
	return 0, ""
}

// TestAccountWriteBudgetCutsApplyCancelLoop: one customer token looping
// apply→cancel is cut with 429 and a Retry-After once the account's write
// budget is spent, nothing more is written, and staff can still work the
// account (their budget is separate).
func TestAccountWriteBudgetCutsApplyCancelLoop(t *testing.T) {
	s := newTestServer(t, func(c *api.Config) { c.AccountWriteBudget = 30 }) // one event every 2 s
	s.must(201, "POST", "/v1/accounts/acc-1/statements", tokBilling, statementBody("2026-09", "100.00"))
	s.must(201, "POST", "/v1/accounts/acc-1/title", tokCustomer, titleBody)
	addr := s.must(201, "POST", "/v1/accounts/acc-1/addresses", tokCustomer, addressBody).JSON(t)["id"].(string)
	start := s.store.LastPosition()
	loops := 0
	for ; loops < 100; loops++ {
		if status, retry := s.applyCancel("acc-1", tokCustomer, addr); status != 0 {
			require.Equal(t, http.StatusTooManyRequests, status)
			require.Equal(t, "2", retry, "one event every 2 s")
			break
		}
	}
	head := s.store.LastPosition()
	require.Less(t, loops, 15, "the loop was not cut")
	require.GreaterOrEqual(t, loops, 12, "cut before the budget was spent")
	require.LessOrEqual(t, int(head-start), 30, "the loop's events stay within the budget")
	r := s.call("POST", "/v1/accounts/acc-1/addresses", tokCustomer, addressBody)
	requireProblem(t, r, http.StatusTooManyRequests)
	require.Equal(t, head, s.store.LastPosition(), "a refused command writes nothing")
	s.must(201, "POST", "/v1/accounts/acc-1/statements", tokBilling, statementBody("2026-10", "5.00"))
	s.must(201, "POST", "/v1/accounts/acc-2/addresses", tokCustomer2, addressBody) // another account
}

// TestAccountWriteBudgetDefaultsLetNormalWorkThrough: with the default
// budget a burst of 100 commands on one account passes, and so do 16
// concurrent applications; a loop is still cut, well before it runs away.
func TestAccountWriteBudgetDefaultsLetNormalWorkThrough(t *testing.T) {
	s := newTestServer(t)
	months := make([]string, 16)
	for i := range months {
		months[i] = time.Date(2025, time.Month(7+i), 1, 0, 0, 0, 0, time.UTC).Format("2006-01")
		s.must(201, "POST", "/v1/accounts/acc-1/statements", tokBilling, statementBody(months[i], "100.00"))
	}
	s.must(201, "POST", "/v1/accounts/acc-1/title", tokCustomer, titleBody)
	addr := s.must(201, "POST", "/v1/accounts/acc-1/addresses", tokCustomer, addressBody).JSON(t)["id"].(string)

	var wg sync.WaitGroup
	statuses := make([]int, len(months))
	for i, m := range months {
		wg.Go(func() {
			statuses[i] = s.call("POST", "/v1/accounts/acc-1/invoices", tokCustomer,
				map[string]any{"statements": []string{m}, "address_id": addr, "agree": true}).Status
		})
	}
	wg.Wait()
	for i, st := range statuses {
		require.Equal(t, http.StatusCreated, st, "concurrent application %d", i)
	}

	// A burst of 100 commands: 50 apply→cancel loops on a fresh account.
	s.must(201, "POST", "/v1/accounts/acc-2/statements", tokBilling, statementBody("2026-09", "100.00"))
	s.must(201, "POST", "/v1/accounts/acc-2/title", tokCustomer2, titleBody)
	addr2 := s.must(201, "POST", "/v1/accounts/acc-2/addresses", tokCustomer2, addressBody).JSON(t)["id"].(string)
	for i := range 50 {
		status, _ := s.applyCancel("acc-2", tokCustomer2, addr2)
		require.Zero(t, status, "loop %d", i)
	}

	// A loop that keeps going is cut by the default budget.
	loops := 0
	for ; loops < 1000; loops++ {
		if status, _ := s.applyCancel("acc-2", tokCustomer2, addr2); status != 0 {
			require.Equal(t, http.StatusTooManyRequests, status)
			break
		}
	}
	require.Less(t, loops, api.DefaultAccountWriteBudget/2, "the loop was not cut")
}

// TestQuotaWritesHaveABudget: the quota streams are written by finance
// outside any account; they have a write budget of their own, so a leaked
// finance token looping PUT /v1/quotas cannot grow the log at full speed.
func TestQuotaWritesHaveABudget(t *testing.T) {
	s := newTestServer(t, func(c *api.Config) { c.AccountWriteBudget = 5 })
	n := 0
	for ; n < 20; n++ {
		r := s.call("PUT", "/v1/quotas/2026-11", tokFinance, map[string]any{"amount": strconv.Itoa(1000+n) + ".00"})
		if r.Status == http.StatusTooManyRequests {
			require.NotEmpty(t, r.Header.Get("Retry-After"))
			break
		}
		require.Equal(t, http.StatusOK, r.Status, "%s", r.Body)
	}
	require.Equal(t, 5, n, "five quota changes within the budget, the sixth refused")
}
