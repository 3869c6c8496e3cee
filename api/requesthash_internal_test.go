package api

import (
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/fapiao/fapiao/eventstore"
	"github.com/fapiao/fapiao/internal/jsonscan"
	"github.com/fapiao/fapiao/ledger"
)

// randJSON writes a random JSON value: objects with names in any order,
// strings with escapes, HTML, Chinese, U+2028 and control characters,
// numbers as clients write them.
func randJSON(r *rand.Rand, depth int) string {
	strs := []string{"", "a", "amount", "中文发票", `q"uote`, `back\\slash`, "<b>&amp;</b>", "\u2028\u2029", "tab\there", "\x01", "é", "🧾", "/v1/x"}
	str := func() string {
		var b strings.Builder
		for range r.IntN(4) {
			b.WriteString(strs[r.IntN(len(strs))])
		}
		return quoteJSON(r, b.String())
	}
	nums := []string{"0", "-0", "1", "10.00", "1.50", "1e5", "-2.5E-3", "12345678901234567890"}
	switch k := r.IntN(8); {
	case depth > 3 || k < 2:
		return str()
	case k < 4:
		return nums[r.IntN(len(nums))]
	case k == 4:
		return []string{"true", "false", "null"}[r.IntN(3)]
	case k == 5:
		var parts []string
		for range r.IntN(4) {
			parts = append(parts, randJSON(r, depth+1))
		}
		return "[" + strings.Join(parts, " , ") + "]"
	default:
		var parts []string
		for i := range r.IntN(5) {
			parts = append(parts, fmt.Sprintf("%s : %s", quoteJSON(r, fmt.Sprint("k", strs[r.IntN(len(strs))], i)), randJSON(r, depth+1)))
		}
		return "{ " + strings.Join(parts, ",") + "}"
	}
}

// quoteJSON writes s as a JSON string, escaping what JSON requires and, at
// random, other characters too (\uXXXX, \/), as clients may.
func quoteJSON(r *rand.Rand, s string) string {
	var b strings.Builder
	b.WriteByte('"')
	for _, c := range s {
		switch {
		case c == '"' || c == '\\':
			b.WriteString(`\` + string(c))
		case c == '/' && r.IntN(2) == 0:
			b.WriteString(`\/`)
		case c < 0x20 || (c < 0x10000 && r.IntN(4) == 0):
			fmt.Fprintf(&b, `\u%04x`, c)
		default:
			b.WriteRune(c)
		}
	}
	b.WriteByte('"')
	return b.String()
}

// requestHash is ledger.RequestHashOf of the same input for any canonical
// body, method and path: the stored hashes of idempotency keys must not
// change with it.
func TestRequestHashIsLedgers(t *testing.T) {
	r := rand.New(rand.NewPCG(16, 11))
	paths := []string{"/v1/accounts/acc-1/invoices", "/v1/accounts/acc-1/invoices/5f0c1b8e-0000-4000-8000-000000000001/cancel",
		"/v1/accounts/a_b-9/title", "/v1/accounts/x/addresses/1", `/v1/"q"`, `/v1/back\slash`, "/v1/<a>&b", "/v1/中文", "/v1/\x7f", "/v1/tab\t", "/v1/%41;=@!$'()*+,"}
	methods := []string{"POST", "PUT", "DELETE", "PATCH", "P\"OST"}
	fast := 0
	for i := range 5000 {
		raw := "{}"
		if i > 0 {
			raw = randJSON(r, 0)
			if !strings.HasPrefix(raw, "{") {
				raw = `{"v":` + raw + "}"
			}
		}
		body, err := eventstore.Canonical([]byte(raw))
		require.NoError(t, err, raw)
		if i%50 == 1 {
			body = []byte("null") // a command without a body
		}
		method, path := methods[r.IntN(len(methods))], paths[r.IntN(len(paths))]
		want := ledger.RequestHashOf(requestHashInput{Method: method, Path: path, Body: body})
		require.Equal(t, want, requestHash(method, path, body), "%s %s %s", method, path, body)
		if jsonscan.Plain(method) && jsonscan.Plain(path) {
			fast++
		}
	}
	require.Greater(t, fast, 1500, "the direct path must be the one tested most")
}

func BenchmarkRequestHash(b *testing.B) {
	body, _ := eventstore.Canonical([]byte(`{"statements":["2025-01","2025-02"],"medium":"paper","address_id":"5f0c1b8e-0000-4000-8000-000000000001","agree":true}`))
	const path = "/v1/accounts/acc-1/invoices"
	b.Run("ledger", func(b *testing.B) {
		for b.Loop() {
			ledger.RequestHashOf(requestHashInput{Method: "POST", Path: path, Body: body})
		}
	})
	b.Run("direct", func(b *testing.B) {
		for b.Loop() {
			requestHash("POST", path, body)
		}
	})
}
