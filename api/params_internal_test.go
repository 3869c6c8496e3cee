package api

import (
	"math/rand/v2"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/labstack/echo/v4"
)

// TestQueryParamIsEchos: queryParam reads what Echo's QueryParam reads
// (url.ParseQuery's first value), on random queries of the names the API
// reads and others, with escapes, '+', ';', empty pairs, pairs without
// '=', repeated names and long queries.
func TestQueryParamIsEchos(t *testing.T) {
	e := echo.New()
	names := []string{"limit", "status", "cursor", "account", "lim", "limit ", "Limit"}
	parts := []string{"limit", "status", "cursor", "account", "=", "&", "20", "issued", "%20", "%zz", "+", ";", "a", "", "%6c%69mit", "li%6dit", "&&", "=="}
	rng := rand.New(rand.NewPCG(7, 11))
	plain := 0
	for i := range 20_000 {
		var b strings.Builder
		for range rng.IntN(24) {
			b.WriteString(parts[rng.IntN(len(parts))])
		}
		q := b.String()
		if i%50 == 0 {
			q = strings.Repeat("limit=5&", 70) // long: Echo's
		}
		req := httptest.NewRequest("GET", "/v1/invoices", nil)
		req.URL.RawQuery = q
		if !strings.ContainsAny(q, "%+;") {
			plain++
		}
		for _, name := range names {
			c := e.NewContext(req, httptest.NewRecorder())
			want := c.QueryParam(name)
			c = e.NewContext(req, httptest.NewRecorder())
			if got := queryParam(c, name); got != want {
				t.Fatalf("query %q, %q: got %q, Echo's %q", q, name, got, want)
			}
		}
	}
	t.Logf("%d queries, %d of them plain", 20_000, plain)
}
