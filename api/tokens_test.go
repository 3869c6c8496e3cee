package api_test

import (
	"bytes"
	"log/slog"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/fapiao/fapiao/api"
)

func TestParseTokens(t *testing.T) {
	cases := []struct {
		name, json string
		ok         bool
	}{
		{"plain customer", `[{"token": "t", "role": "customer", "account_id": "acc-1"}]`, true},
		{"hashed staff", `[{"token_sha256": "` + sha256Hex("t") + `", "role": "finance", "name": "alice"}]`, true},
		{"staff without name", `[{"token": "t", "role": "auditor"}]`, true},
		{"customer without account", `[{"token": "t", "role": "customer"}]`, false},
		{"customer with bad account", `[{"token": "t", "role": "customer", "account_id": "a b"}]`, false},
		{"staff with account", `[{"token": "t", "role": "finance", "account_id": "acc-1"}]`, false},
		{"unknown role", `[{"token": "t", "role": "admin"}]`, false},
		{"both forms", `[{"token": "t", "token_sha256": "` + sha256Hex("t") + `", "role": "finance"}]`, false},
		{"neither form", `[{"role": "finance"}]`, false},
		{"short digest", `[{"token_sha256": "abcd", "role": "finance"}]`, false},
		{"duplicate", `[{"token": "t", "role": "finance"}, {"token_sha256": "` + sha256Hex("t") + `", "role": "auditor"}]`, false},
		{"unknown field", `[{"token": "t", "role": "finance", "admin": true}]`, false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, err := api.ParseTokens([]byte(tc.json))
			if tc.ok {
				require.NoError(t, err)
			} else {
				require.Error(t, err)
			}
		})
	}
}

func TestLookup(t *testing.T) {
	path := filepath.Join(t.TempDir(), "tokens.json")
	require.NoError(t, os.WriteFile(path, []byte(`[
		{"token": "cust", "role": "customer", "account_id": "acc-1"},
		{"token_sha256": "`+sha256Hex("fin")+`", "role": "finance", "name": "alice"}]`), 0o600))
	tokens, err := api.LoadTokens(path)
	require.NoError(t, err)
	p, ok := tokens.Lookup("cust")
	require.True(t, ok)
	require.Equal(t, "acc-1", p.AccountID)
	require.Equal(t, "customer", p.Actor().Role)
	require.Equal(t, "acc-1", p.Actor().ID)
	p, ok = tokens.Lookup("fin")
	require.True(t, ok)
	require.Equal(t, "alice", p.Actor().ID)
	for _, bad := range []string{"", "cus", "custX", "fin "} {
		_, ok := tokens.Lookup(bad)
		require.False(t, ok, bad)
	}
}

// TestAccessLogKeepsSecrets sends a request full of secrets and checks the
// access log names the request without any of them.
func TestAccessLogKeepsSecrets(t *testing.T) {
	var buf syncBuffer
	s := newTestServer(t, func(c *api.Config) { c.Logger = slog.New(slog.NewJSONHandler(&buf, nil)) })
	s.must(201, "POST", "/v1/accounts/acc-1/statements", tokBilling, statementBody("2026-10", "10.00"))
	special := map[string]any{"type": "vat_special", "holder": "company", "name": "Acme", "taxpayer_id": "91350100M000100Y43",
		"registered_address": "1 Road", "registered_phone": "010-12345678", "bank_name": "ICBC", "bank_account": "6222020200112233445"}
	s.call("POST", "/v1/accounts/acc-1/title", tokCustomer, special, "X-Request-Id", "trace-me")
	s.call("POST", "/v1/accounts/acc-1/addresses", tokCustomer, addressBody)
	out := buf.String()
	require.Contains(t, out, `"request_id":"trace-me"`)
	require.Contains(t, out, `"route":"/v1/accounts/:acc/title"`)
	require.Contains(t, out, `"role":"customer"`)
	for _, secret := range []string{tokCustomer, tokBilling, "6222020200112233445", "13800138000", "010-12345678"} {
		require.NotContains(t, out, secret)
	}
}

func TestConsoleMount(t *testing.T) {
	console := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { _, _ = w.Write([]byte("console at " + r.URL.Path)) })
	s := newTestServer(t, func(c *api.Config) { c.Console = console })
	r := s.must(200, "GET", "/console/index.html", "", nil)
	require.Equal(t, "console at /console/index.html", string(r.body))
	require.True(t, strings.HasPrefix(r.header.Get("Content-Security-Policy"), "default-src 'self'"))
}

// syncBuffer is a bytes.Buffer the server's goroutines may write to while
// the test reads it.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}
