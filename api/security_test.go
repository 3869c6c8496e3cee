package api_test

import (
	"log/slog"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/fapiao/fapiao/api"
	"github.com/fapiao/fapiao/internal/testkit"
)

// TestCORSClosed: no Access-Control-* header on any answer, a preflight
// included, whatever the Origin. (Echo answers an authenticated OPTIONS
// with 204 and Allow; without Access-Control-Allow-Origin a browser still
// refuses the cross-origin call.)
func TestCORSClosed(t *testing.T) {
	s := newTestServer(t)
	for _, tc := range []struct{ method, path, token string }{
		{"OPTIONS", "/v1/invoices", ""},
		{"OPTIONS", "/v1/accounts/acc-1/invoices", tokCustomer},
		{"GET", "/v1/invoices", tokFinance},
		{"GET", "/v1/invoices", ""},
		{"POST", "/v1/accounts/acc-1/title", tokCustomer},
		{"GET", "/healthz", ""},
		{"GET", "/openapi.json", ""},
	} {
		r := s.call(tc.method, tc.path, tc.token, nil, "Origin", "https://evil.example",
			"Access-Control-Request-Method", "POST", "Access-Control-Request-Headers", "authorization")
		for k := range r.Header {
			require.False(t, strings.HasPrefix(k, "Access-Control-"), "%s %s answered %s", tc.method, tc.path, k)
		}
		require.Less(t, r.Status, 500)
	}
}

// TestSecurityHeadersOnErrors: the headers of TestSecurityHeaders are on
// every error answer too, each a problem+json.
func TestSecurityHeadersOnErrors(t *testing.T) {
	s := newTestServer(t, func(c *api.Config) { c.RateLimit, c.Burst = 0.001, 3 })
	for range 3 {
		s.must(200, "GET", "/v1/invoices", tokAuditor, nil) // spends the auditor's bucket
	}
	for _, tc := range []struct {
		name, method, path, token string
		body                      any
		status                    int
	}{
		{"401", "GET", "/v1/invoices", "", nil, 401},
		{"403", "GET", "/v1/invoices", tokCustomer, nil, 403},
		{"404", "GET", "/v1/accounts/acc-2/title", tokCustomer2, nil, 404},
		{"405", "DELETE", "/v1/invoices", tokFinance, nil, 405},
		{"404 unknown route", "GET", "/v1/nowhere", tokFinance, nil, 404},
		{"400", "POST", "/v1/accounts/acc-1/title", tokCustomer, `{"type": 1}`, 400},
		{"413", "POST", "/v1/accounts/acc-1/title", tokCustomer, strings.Repeat(" ", 2<<20), 413},
		{"415", "POST", "/v1/accounts/acc-2/title", tokCustomer2, []byte("x"), 415},
		{"429", "GET", "/v1/invoices", tokAuditor, nil, 429},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var headers []string
			if tc.status == 415 {
				headers = []string{"Content-Type", "text/plain"}
			}
			r := s.call(tc.method, tc.path, tc.token, tc.body, headers...)
			requireProblem(t, r, tc.status)
			require.Equal(t, "nosniff", r.Header.Get("X-Content-Type-Options"))
			require.Equal(t, "DENY", r.Header.Get("X-Frame-Options"))
			require.Equal(t, "no-referrer", r.Header.Get("Referrer-Policy"))
			require.Contains(t, r.Header.Get("Content-Security-Policy"), "frame-ancestors 'none'")
			require.Equal(t, "no-store", r.Header.Get("Cache-Control"))
		})
	}
}

// TestLogsHoldNoSecrets runs a journey with personal data, failures and a
// panic-free 5xx path, then searches every log line for the tokens, phone
// numbers, bank account, taxpayer ID and street address it sent.
func TestLogsHoldNoSecrets(t *testing.T) {
	var logs testkit.SyncBuffer
	s := newTestServer(t, func(c *api.Config) {
		c.Logger = slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	})
	seed := s.seed()
	special := map[string]any{"type": "vat_special", "holder": "company", "name": "北京测试科技有限公司",
		"taxpayer_id": "91350100M000100Y43", "registered_address": "北京市海淀区中关村大街99号",
		"registered_phone": "010-62345678", "bank_name": "中国银行北京分行", "bank_account": "6222020200012345678"}
	s.must(201, "POST", "/v1/accounts/acc-2/title", tokCustomer2, special)
	s.must(200, "POST", "/v1/accounts/acc-2/title/reject", tokFinance, map[string]any{"reason": "mismatch"})
	s.call("POST", "/v1/accounts/acc-1/addresses", tokCustomer, map[string]any{"recipient": "王五", "phone": "13912345678"})
	s.call("GET", "/v1/accounts/acc-1/addresses?phone=13700001111", tokCustomer, nil)
	s.call("GET", "/v1/invoices", "tok-wrong-secret-token", nil)
	s.call("GET", "/v1/invoices", "", nil, "Authorization", "Basic dXNlcjpwYXNzd29yZA==")
	s.must(200, "POST", "/v1/accounts/acc-1/invoices/"+seed.invoiceID+"/cancel", tokCustomer, nil)
	s.must(200, "GET", "/v1/accounts/acc-1/events", tokAuditor, nil)

	out := logs.String()
	require.NotEmpty(t, out, "the journey was logged")
	for _, secret := range []string{
		tokCustomer, tokCustomer2, tokFinance, tokBilling, tokAuditor, sha256Hex(tokAuditor), "tok-wrong-secret-token",
		"dXNlcjpwYXNzd29yZA==", "13800138000", "13912345678", "13700001111", "010-62345678",
		"6222020200012345678", "91350100M000100Y43", "Zhongguancun", "中关村", "Zhang San",
	} {
		require.NotContains(t, out, secret, "the logs hold %q", secret)
	}
}

// TestSecurityHeaders: every answer, an error's too, carries the headers
// that keep a browser from sniffing, framing or referring, and no CORS.
func TestSecurityHeaders(t *testing.T) {
	s := newTestServer(t)
	for _, path := range []string{"/v1/invoices", "/healthz", "/nowhere"} {
		r := s.call("GET", path, tokFinance, nil, "X-Request-Id", "req-42")
		require.Equal(t, "nosniff", r.Header.Get("X-Content-Type-Options"), path)
		require.Equal(t, "DENY", r.Header.Get("X-Frame-Options"), path)
		require.Equal(t, "no-referrer", r.Header.Get("Referrer-Policy"), path)
		require.Contains(t, r.Header.Get("Content-Security-Policy"), "default-src 'none'", path)
		require.Equal(t, "req-42", r.Header.Get("X-Request-Id"), path)
		for k := range r.Header {
			require.False(t, strings.HasPrefix(k, "Access-Control-"), "CORS header %s on %s", k, path)
		}
	}
	require.Equal(t, "no-store", s.call("GET", "/v1/invoices", tokFinance, nil).Header.Get("Cache-Control"))
	require.NotEmpty(t, s.call("GET", "/healthz", "", nil).Header.Get("X-Request-Id"), "generated when absent")
}
