package api_test

import (
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/fapiao/fapiao/api"
)

// requireProblem checks the RFC 9457 shape and returns the problem.
func requireProblem(t *testing.T, r response, status int) map[string]any {
	t.Helper()
	require.Equal(t, status, r.Status, "%s", r.Body)
	require.Equal(t, "application/problem+json", r.Header.Get("Content-Type"))
	p := r.JSON(t)
	require.Equal(t, float64(status), p["status"])
	require.True(t, strings.HasPrefix(p["type"].(string), "https://fapiao.dev/problems/"), p["type"])
	require.NotEmpty(t, p["title"])
	require.NotEmpty(t, p["detail"])
	return p
}

func TestProblems(t *testing.T) {
	s := newTestServer(t)
	seed := s.seed()
	huge := `{"month": "2026-10", "lines": [], "pad": "` + strings.Repeat("x", 1<<20) + `"}`
	cases := []struct {
		name           string
		method, path   string
		token          string
		body           any
		headers        []string
		status         int
		code, errField string
	}{
		{name: "unknown route", method: "GET", path: "/nowhere", status: 404},
		{name: "unknown v1 route without token", method: "GET", path: "/v1/nowhere", status: 401},
		{name: "unknown v1 route", method: "GET", path: "/v1/nowhere", token: tokFinance, status: 404},
		{name: "method not allowed", method: "PATCH", path: "/v1/accounts/acc-1/title", token: tokCustomer, status: 405},
		{name: "no token", method: "GET", path: "/v1/invoices", status: 401},
		{name: "wrong scheme", method: "GET", path: "/v1/invoices", headers: []string{"Authorization", "Basic " + tokFinance}, status: 401},
		{name: "body too large", method: "POST", path: "/v1/accounts/acc-1/statements", token: tokBilling, body: huge, status: 413},
		{name: "not json", method: "POST", path: "/v1/accounts/acc-1/title", token: tokCustomer, body: "name=x",
			headers: []string{"Content-Type", "application/x-www-form-urlencoded"}, status: 415},
		{name: "missing body", method: "POST", path: "/v1/accounts/acc-1/title", token: tokCustomer, status: 400},
		{name: "unknown field", method: "POST", path: "/v1/accounts/acc-1/title", token: tokCustomer,
			body: `{"type": "vat_general", "holder": "individual", "name": "x", "nickname": "y"}`, status: 400, errField: "nickname"},
		{name: "duplicate key", method: "POST", path: "/v1/accounts/acc-1/title", token: tokCustomer,
			body: `{"type": "vat_general", "holder": "individual", "name": "x", "name": "y"}`, status: 400, errField: "name"},
		{name: "trailing data", method: "POST", path: "/v1/accounts/acc-1/title", token: tokCustomer,
			body: `{"type": "vat_general", "holder": "individual", "name": "x"} {}`, status: 400},
		{name: "not an object", method: "POST", path: "/v1/accounts/acc-1/title", token: tokCustomer, body: `["x"]`, status: 400},
		{name: "wrong type", method: "POST", path: "/v1/accounts/acc-1/title", token: tokCustomer,
			body: `{"type": "vat_general", "holder": "individual", "name": 7}`, status: 400, errField: "name"},
		{name: "money as a number", method: "POST", path: "/v1/accounts/acc-1/statements", token: tokBilling,
			body: `{"month": "2026-08", "lines": [{"line_id": "a", "product": "p", "billing_mode": "prepaid", "purchased_at": "2026-08-01", "channel": "kingsoft", "amount": 1.5, "voucher": "0", "coupon": "0", "gift_balance": "0"}]}`, status: 400},
		{name: "field rule", method: "POST", path: "/v1/accounts/acc-1/addresses", token: tokCustomer,
			body: `{"recipient": "x", "phone": "123", "province": "p", "city": "c", "street": "s", "postal_code": "100080"}`, status: 400, code: "ADDR-1"},
		{name: "state rule", method: "POST", path: "/v1/accounts/acc-1/invoices/" + seed.invoiceID + "/void", token: tokFinance, status: 422},
		{name: "body naming an address not the account's", method: "POST", path: "/v1/accounts/acc-1/invoices", token: tokCustomer,
			body: `{"statements": ["2026-10"], "address_id": "00000000-0000-0000-0000-000000000001", "agree": true}`, status: 422, code: "APP-1"},
		{name: "malformed invoice id", method: "GET", path: "/v1/accounts/acc-1/invoices/42", token: tokFinance, status: 404},
		{name: "malformed account id", method: "GET", path: "/v1/accounts/" + strings.Repeat("a", 65) + "/title", token: tokFinance, status: 404},
		{name: "unknown account", method: "GET", path: "/v1/accounts/nobody/invoiceable", token: tokFinance, status: 404},
		{name: "no title", method: "GET", path: "/v1/accounts/acc-2/title", token: tokFinance, status: 404},
		{name: "bad month", method: "GET", path: "/v1/reconciliation?month=2026-13", token: tokFinance, status: 400, errField: "month"},
		{name: "bad statement status", method: "GET", path: "/v1/accounts/acc-1/statements?status=held", token: tokCustomer, status: 400, errField: "status"},
		{name: "bad status", method: "GET", path: "/v1/invoices?status=lost", token: tokFinance, status: 400, errField: "status"},
		{name: "bad cursor", method: "GET", path: "/v1/invoices?cursor=zzz", token: tokFinance, status: 400, errField: "cursor"},
		{name: "bad as_of", method: "GET", path: "/v1/accounts/acc-1/events?as_of=yesterday", token: tokAuditor, status: 400, errField: "as_of"},
		{name: "bad min position", method: "GET", path: "/v1/invoices", token: tokFinance, headers: []string{api.HeaderMinPosition, "soon"}, status: 400},
		{name: "long idempotency key", method: "POST", path: "/v1/accounts/acc-1/title", token: tokCustomer, body: titleBody,
			headers: []string{"Idempotency-Key", strings.Repeat("k", 256)}, status: 400},
		{name: "control char in idempotency key", method: "POST", path: "/v1/accounts/acc-1/title", token: tokCustomer, body: titleBody,
			headers: []string{"Idempotency-Key", "a\tb"}, status: 400},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			r := s.call(tc.method, tc.path, tc.token, tc.body, tc.headers...)
			p := requireProblem(t, r, tc.status)
			if tc.code != "" {
				require.Equal(t, tc.code, p["code"])
				typ := "https://fapiao.dev/problems/" + tc.code
				if tc.status == http.StatusBadRequest {
					typ += "/field"
				}
				require.Equal(t, typ, p["type"])
			}
			if tc.errField != "" {
				errs, _ := p["errors"].([]any)
				require.NotEmpty(t, errs, "errors[]")
				require.Equal(t, tc.errField, errs[0].(map[string]any)["field"])
			}
		})
	}
}

func TestMinPositionTimesOut(t *testing.T) {
	s := newTestServer(t, func(c *api.Config) { c.MaxWait = 50 * time.Millisecond })
	r := s.call("GET", "/v1/invoices", tokFinance, nil, api.HeaderMinPosition, "1000000")
	requireProblem(t, r, 503)
	require.Equal(t, "1", r.Header.Get("Retry-After"))
}

func TestRateLimit(t *testing.T) {
	s := newTestServer(t, func(c *api.Config) { c.RateLimit, c.Burst = 0.001, 2 })
	s.must(200, "GET", "/v1/invoices", tokFinance, nil)
	s.must(200, "GET", "/v1/invoices", tokFinance, nil)
	r := s.call("GET", "/v1/invoices", tokFinance, nil)
	requireProblem(t, r, http.StatusTooManyRequests)
	require.NotEmpty(t, r.Header.Get("Retry-After"))
	s.must(200, "GET", "/v1/invoices", tokAuditor, nil) // buckets are per token
}

// TestProblemTypeIsOneKind walks problems of every kind the API answers,
// the rule codes that have both a field and a state part among them, and
// holds API.md's kinds: a missing invoice or address is 404 not-found with
// no rule code, whatever command named it; an ID in a body that names
// nothing of the account is 422 with the rule that needs it; and no type
// comes with two statuses.
func TestProblemTypeIsOneKind(t *testing.T) {
	s := newTestServer(t)
	seed := s.seed()
	missing := "/v1/accounts/acc-1/invoices/00000000-0000-4000-8000-000000000009"
	inv := "/v1/accounts/acc-1/invoices/" + seed.invoiceID
	type exchange struct {
		method, path, token string
		body                any
		status              int
		code                string
	}
	var cases []exchange
	// Every invoice command on a missing invoice: 404, no code.
	for _, c := range []struct {
		action, token string
		body          any
	}{
		{"/cancel", tokCustomer, nil}, {"/approve", tokFinance, nil}, {"/reject", tokFinance, map[string]any{"reason": "x"}},
		{"/issue", tokFinance, map[string]any{"invoice_code": "1100223344", "invoice_number": "00000001", "issued_on": "2026-11-10"}},
		{"/ship", tokFinance, map[string]any{"courier": "SF", "tracking_number": "SF1"}},
		{"/return", tokCustomer, map[string]any{"reason": "x"}},
		{"/return/paper-received", tokFinance, map[string]any{"complete": true}},
		{"/return/reject", tokFinance, map[string]any{"reason": "x"}},
		{"/void", tokFinance, nil},
		{"/red-flush", tokFinance, map[string]any{"red_invoice_code": "1100223344", "red_invoice_number": "00000002"}},
	} {
		cases = append(cases, exchange{"POST", missing + c.action, c.token, c.body, 404, ""})
	}
	other := "/v1/accounts/acc-1/addresses/00000000-0000-4000-8000-000000000009"
	cases = append(cases,
		exchange{"GET", missing, tokCustomer, nil, 404, ""},
		exchange{"PUT", other, tokCustomer, addressBody, 404, ""},
		exchange{"DELETE", other, tokCustomer, nil, 404, ""},
		exchange{"GET", "/v1/accounts/acc-2/title", tokFinance, nil, 404, ""},
		// A body's ID naming nothing of the account: 422 with the rule's code.
		exchange{"POST", "/v1/accounts/acc-1/invoices", tokCustomer,
			map[string]any{"statements": []string{"2026-10"}, "address_id": "00000000-0000-4000-8000-000000000009", "agree": true}, 422, "APP-1"},
		exchange{"POST", "/v1/accounts/acc-1/invoices", tokCustomer,
			map[string]any{"statements": []string{"2026-03"}, "address_id": seed.addressID, "agree": true}, 422, "APP-2"},
		// One rule, two parts: its field part is 400, its state part 422, each its own type.
		exchange{"POST", "/v1/accounts/acc-1/invoices", tokCustomer,
			map[string]any{"statements": []string{}, "address_id": seed.addressID, "agree": true}, 400, "APP-2"},
		exchange{"POST", inv + "/cancel", tokSupport, nil, 400, "CANCEL-1"},
		exchange{"POST", inv + "/issue", tokFinance, map[string]any{"invoice_code": "1", "invoice_number": "2", "issued_on": "2026-11-10"}, 400, "ISSUE-1"},
		exchange{"POST", inv + "/issue", tokFinance, map[string]any{"invoice_code": "1100223344", "invoice_number": "00000001", "issued_on": "2026-11-10"}, 422, "ISSUE-1"},
		exchange{"POST", inv + "/void", tokFinance, nil, 422, "RETURN-3"},
		exchange{"POST", "/v1/accounts/acc-1/title/approve", tokFinance, nil, 422, "TITLE-3"},
		exchange{"POST", "/v1/accounts/acc-2/title/clear", tokSupport, map[string]any{"reason": "x", "ticket": "T-1"}, 422, "TITLE-4"},
		exchange{"GET", "/v1/invoices?limit=x", tokFinance, nil, 400, ""},
		exchange{"GET", "/v1/invoices", tokCustomer, nil, 403, ""},
		exchange{"GET", "/v1/invoices", "", nil, 401, ""},
		exchange{"POST", "/v1/accounts/acc-1/addresses", tokCustomer, strings.Repeat(" ", 2<<20), 413, ""},
	)
	seen := map[string]int{}
	for _, tc := range cases {
		r := s.call(tc.method, tc.path, tc.token, tc.body)
		p := requireProblem(t, r, tc.status)
		where := tc.method + " " + tc.path
		if tc.code == "" {
			require.Nil(t, p["code"], where)
		} else {
			require.Equal(t, tc.code, p["code"], where)
		}
		if tc.status == 404 {
			require.Equal(t, "https://fapiao.dev/problems/not-found", p["type"], where)
		}
		typ := p["type"].(string)
		if prev, ok := seen[typ]; ok {
			require.Equal(t, prev, tc.status, "%s: type %s with two statuses", where, typ)
		}
		seen[typ] = tc.status
	}
	// The field and state parts of ISSUE-1 are two types.
	require.Equal(t, 400, seen["https://fapiao.dev/problems/ISSUE-1/field"])
	require.Equal(t, 422, seen["https://fapiao.dev/problems/ISSUE-1"])
}
