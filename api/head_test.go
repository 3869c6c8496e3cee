package api_test

import (
	"encoding/json"
	"net/http"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// TestHeadOnEveryGetRoute walks every GET route of the router and sends
// HEAD beside GET (RFC 9110): the same status and headers, and no body.
func TestHeadOnEveryGetRoute(t *testing.T) {
	s := newTestServer(t)
	seed := s.seed()
	params := map[string]string{":acc": "acc-1", ":id": seed.invoiceID}
	// Headers that differ between any two requests.
	varying := map[string]bool{"Date": true, "X-Request-Id": true}
	n := 0
	for _, r := range s.echo.Routes() {
		if r.Method != http.MethodGet {
			continue
		}
		n++
		parts := strings.Split(r.Path, "/")
		for i, p := range parts {
			if v, ok := params[p]; ok {
				parts[i] = v
			}
		}
		path := strings.Join(parts, "/")
		t.Run(r.Path, func(t *testing.T) {
			// The first role whose GET succeeds; a refusal is compared too.
			var get response
			token := ""
			call := s.call
			if isFeed(path) {
				call = s.streamCall
			}
			for _, tok := range []string{tokAuditor, tokFinance, tokCustomer, tokSupport, tokBilling} {
				token, get = tok, call("GET", path, tok, nil)
				if get.Status < 300 {
					break
				}
			}
			head := s.call("HEAD", path, token, nil)
			require.Equal(t, get.Status, head.Status, "%s: %s", path, get.Body)
			require.Empty(t, head.Body)
			for k := range get.Header {
				if !varying[k] {
					require.Equal(t, get.Header[k], head.Header[k], "%s: header %s", path, k)
				}
			}
			for k := range head.Header {
				if !varying[k] {
					require.Contains(t, get.Header, k, "%s: header %s only on HEAD", path, k)
				}
			}
		})
	}
	require.Greater(t, n, 10, "the router's GET routes")
	for _, path := range []string{"/healthz", "/readyz", "/openapi.json"} {
		require.Equal(t, http.StatusOK, s.call("HEAD", path, "", nil).Status, path)
	}
	// The operations listener's routes (/metrics there, not here).
	for _, path := range []string{"/metrics", "/healthz", "/readyz"} {
		require.Equal(t, http.StatusOK, s.callOps("HEAD", path).Code, "operations listener %s", path)
	}
}

// TestLocationOnEvery201: each command that creates answers 201 with the
// Location of what it created, and where that URI answers GET it is the
// same resource.
func TestLocationOnEvery201(t *testing.T) {
	s := newTestServer(t)
	st := s.must(201, "POST", "/v1/accounts/acc-1/statements", tokBilling, statementBody("2026-10", "10.00"))
	require.Equal(t, "/v1/accounts/acc-1/statements/2026-10", st.Header.Get("Location"))
	title := s.must(201, "POST", "/v1/accounts/acc-1/title", tokCustomer, titleBody)
	require.Equal(t, "/v1/accounts/acc-1/title", title.Header.Get("Location"))
	addr := s.must(201, "POST", "/v1/accounts/acc-1/addresses", tokCustomer, addressBody)
	require.Equal(t, "/v1/accounts/acc-1/addresses/"+addr.JSON(t)["id"].(string), addr.Header.Get("Location"))
	inv := s.must(201, "POST", "/v1/accounts/acc-1/invoices", tokCustomer,
		map[string]any{"statements": []string{"2026-10"}, "address_id": addr.JSON(t)["id"], "agree": true})
	require.Equal(t, "/v1/accounts/acc-1/invoices/"+inv.JSON(t)["id"].(string), inv.Header.Get("Location"))
	for _, r := range []response{title, inv} {
		got := s.must(200, "GET", r.Header.Get("Location"), tokCustomer, nil, "Fapiao-Min-Position", s.lastPosition())
		require.Equal(t, string(r.Body), string(got.Body))
	}
	// A repost that created nothing is 200, without Location.
	again := s.must(200, "POST", "/v1/accounts/acc-1/statements", tokBilling, statementBody("2026-10", "10.00"))
	require.Empty(t, again.Header.Get("Location"))
}

// TestLimitBoundsMatchTheDocument reads each operation's limit bounds from
// /openapi.json and holds the server to them: minimum and maximum are
// accepted, one below and one above are 400.
func TestLimitBoundsMatchTheDocument(t *testing.T) {
	s := newTestServer(t)
	s.seed()
	var doc struct {
		Paths map[string]map[string]struct {
			Parameters []struct {
				Name   string `json:"name"`
				Schema struct {
					Minimum *int `json:"minimum"`
					Maximum *int `json:"maximum"`
				} `json:"schema"`
			} `json:"parameters"`
		} `json:"paths"`
	}
	require.NoError(t, json.Unmarshal(s.must(200, "GET", "/openapi.json", "", nil).Body, &doc))
	n := 0
	for path, item := range doc.Paths {
		for _, p := range item["get"].Parameters {
			if p.Name != "limit" {
				continue
			}
			n++
			require.NotNil(t, p.Schema.Minimum, path)
			require.NotNil(t, p.Schema.Maximum, path)
			concrete := strings.ReplaceAll(path, "{acc}", "acc-1") + "?limit="
			for v, status := range map[int]int{*p.Schema.Minimum: 200, *p.Schema.Maximum: 200,
				*p.Schema.Minimum - 1: 400, *p.Schema.Maximum + 1: 400} {
				s.must(status, "GET", concrete+strconv.Itoa(v), tokAuditor, nil)
			}
		}
	}
	require.Equal(t, 4, n, "the operations that page with limit")
}
