package api_test

import (
	"net/http"
	"net/http/httptest"
	"strconv"
	"testing"

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
