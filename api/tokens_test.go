package api_test

import (
	"fmt"
	"log/slog"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/fapiao/fapiao/api"
	"github.com/fapiao/fapiao/internal/testkit"
)

// tok is a plain token long enough for a tokens file.
const tok = "0123456789abcdef"

func TestParseTokens(t *testing.T) {
	cases := []struct {
		name, json string
		ok         bool
	}{
		{"plain customer", `[{"token": "` + tok + `", "role": "customer", "account_id": "acc-1"}]`, true},
		{"hashed staff", `[{"token_sha256": "` + sha256Hex(tok) + `", "role": "finance", "name": "alice"}]`, true},
		{"hashed short token", `[{"token_sha256": "` + sha256Hex("t") + `", "role": "finance"}]`, true}, // a digest: its length is not knowable
		{"staff without name", `[{"token": "` + tok + `", "role": "auditor"}]`, true},
		{"customer without account", `[{"token": "` + tok + `", "role": "customer"}]`, false},
		{"customer with bad account", `[{"token": "` + tok + `", "role": "customer", "account_id": "a b"}]`, false},
		{"staff with account", `[{"token": "` + tok + `", "role": "finance", "account_id": "acc-1"}]`, false},
		{"unknown role", `[{"token": "` + tok + `", "role": "admin"}]`, false},
		{"both forms", `[{"token": "` + tok + `", "token_sha256": "` + sha256Hex(tok) + `", "role": "finance"}]`, false},
		{"neither form", `[{"role": "finance"}]`, false},
		{"short digest", `[{"token_sha256": "abcd", "role": "finance"}]`, false},
		{"duplicate", `[{"token": "` + tok + `", "role": "finance"}, {"token_sha256": "` + sha256Hex(tok) + `", "role": "auditor"}]`, false},
		{"unknown field", `[{"token": "` + tok + `", "role": "finance", "admin": true}]`, false},
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

// TestTokensShorterThan16Refused: a plain token under 16 characters (one
// character, 15, or 15 multi-byte characters) is refused with an error that
// names the entry; 16 is enough.
func TestTokensShorterThan16Refused(t *testing.T) {
	for _, tc := range []struct {
		token string
		ok    bool
	}{
		{"x", false},
		{"0123456789abcde", false},
		{strings.Repeat("發", 15), false},
		{"0123456789abcdef", true},
		{strings.Repeat("發", 16), true},
	} {
		raw := `[{"token": "` + tok + `x", "role": "auditor"}, {"token": "` + tc.token + `", "role": "finance"}]`
		_, err := api.ParseTokens([]byte(raw))
		if tc.ok {
			require.NoError(t, err, tc.token)
			continue
		}
		require.ErrorContains(t, err, "entry 1: token is")
		require.ErrorContains(t, err, "at least 16")
	}
}

// TestTokensFileReadableByOthersRefused: a tokens file that group or
// others may read or write is refused, naming the file and its mode,
// unless the operator allows it; 0600 and 0400 load.
func TestTokensFileReadableByOthersRefused(t *testing.T) {
	dir := t.TempDir()
	for _, tc := range []struct {
		mode os.FileMode
		ok   bool
	}{
		{0o600, true}, {0o400, true}, {0o640, false}, {0o604, false}, {0o620, false}, {0o666, false},
	} {
		path := filepath.Join(dir, fmt.Sprintf("tokens-%04o.json", tc.mode))
		require.NoError(t, os.WriteFile(path, []byte(`[{"token": "`+tok+`", "role": "auditor"}]`), 0o600))
		require.NoError(t, os.Chmod(path, tc.mode))
		_, err := api.LoadTokens(path)
		if tc.ok {
			require.NoError(t, err, "mode %04o", tc.mode)
			continue
		}
		require.ErrorIs(t, err, api.ErrTokensFileOpen, "mode %04o", tc.mode)
		require.ErrorContains(t, err, path)
		require.ErrorContains(t, err, fmt.Sprintf("%04o", tc.mode))
		_, err = api.LoadTokensFile(path, api.TokensFileOptions{AllowReadable: true})
		require.NoError(t, err, "mode %04o allowed", tc.mode)
	}
	// A weak token in a private file: the error names the file and the entry.
	path := filepath.Join(dir, "weak.json")
	require.NoError(t, os.WriteFile(path, []byte(`[{"token": "`+tok+`", "role": "auditor"}, {"token": "a", "role": "finance"}]`), 0o600))
	_, err := api.LoadTokens(path)
	require.ErrorContains(t, err, path+": entry 1: token is 1 characters")
}

func TestLookup(t *testing.T) {
	const cust, fin = "cust-0123456789abcdef", "fin-0123456789abcdef"
	path := filepath.Join(t.TempDir(), "tokens.json")
	require.NoError(t, os.WriteFile(path, []byte(`[
		{"token": "`+cust+`", "role": "customer", "account_id": "acc-1"},
		{"token_sha256": "`+sha256Hex(fin)+`", "role": "finance", "name": "alice"}]`), 0o600))
	tokens, err := api.LoadTokens(path)
	require.NoError(t, err)
	p, ok := tokens.Lookup(cust)
	require.True(t, ok)
	require.Equal(t, "acc-1", p.AccountID)
	require.Equal(t, "customer", p.Actor().Role)
	require.Equal(t, "acc-1", p.Actor().ID)
	p, ok = tokens.Lookup(fin)
	require.True(t, ok)
	require.Equal(t, "alice", p.Actor().ID)
	for _, bad := range []string{"", cust[:len(cust)-1], cust + "X", fin + " "} {
		_, ok := tokens.Lookup(bad)
		require.False(t, ok, bad)
	}
}

// TestLookupLongTokens: tokens longer than Lookup's stack buffer are found
// too, and a usual token is looked up without a heap allocation (one per
// request was a visible share of the server's work under load).
func TestLookupLongTokens(t *testing.T) {
	long := strings.Repeat("0123456789abcdef", 20) // 320 characters
	usual := "bench-token-0001-" + strings.Repeat("x", 36)
	path := filepath.Join(t.TempDir(), "tokens.json")
	require.NoError(t, os.WriteFile(path, []byte(`[
		{"token": "`+long+`", "role": "auditor"},
		{"token": "`+usual+`", "role": "customer", "account_id": "acc-2"}]`), 0o600))
	tokens, err := api.LoadTokens(path)
	require.NoError(t, err)
	p, ok := tokens.Lookup(long)
	require.True(t, ok)
	require.Equal(t, "auditor", p.Actor().Role)
	_, ok = tokens.Lookup(long[:len(long)-1])
	require.False(t, ok)
	allocs := testing.AllocsPerRun(100, func() {
		if p, ok := tokens.Lookup(usual); !ok || p.AccountID != "acc-2" {
			t.Fatal("usual token not found")
		}
	})
	require.Zero(t, allocs)
}

// TestAccessLogKeepsSecrets sends a request full of secrets and checks the
// access log names the request without any of them.
func TestAccessLogKeepsSecrets(t *testing.T) {
	var buf testkit.SyncBuffer
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
	require.Equal(t, "console at /console/index.html", string(r.Body))
	require.True(t, strings.HasPrefix(r.Header.Get("Content-Security-Policy"), "default-src 'self'"))
}
