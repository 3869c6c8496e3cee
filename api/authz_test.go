package api_test

import (
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/fapiao/fapiao/api"
)

// caller is one column of the authorization matrix.
type caller struct {
	name, token string
	role        string // "" for no valid token
	own         bool   // a customer on their own account (acc-1)
}

var callers = []caller{
	{"customer-own", tokCustomer, "customer", true},
	{"customer-other", tokCustomer2, "customer", false},
	{"finance", tokFinance, "finance", false},
	{"support", tokSupport, "support", false},
	{"billing", tokBilling, "billing", false},
	{"auditor", tokAuditor, "auditor", false},
	{"no-token", "", "", false},
	{"bad-token", "not-a-token", "", false},
}

// endpoint is one row: who may call it (API.md).
type endpoint struct {
	method, path string
	roles        string // comma-separated roles of API.md
}

func endpoints(addressID, invoiceID string) []endpoint {
	acc := "/v1/accounts/acc-1"
	inv := acc + "/invoices/" + invoiceID
	return []endpoint{
		{"GET", acc + "/invoiceable", "customer,finance,auditor"},
		{"POST", acc + "/statements", "billing"},
		{"GET", acc + "/statements", "customer,finance,auditor"},
		{"POST", acc + "/statements/2026-10/adjustments", "billing"},
		{"GET", acc + "/statements/2026-10/adjustments", "customer,finance,auditor"},
		{"GET", acc + "/title", "customer,finance,support,auditor"},
		{"POST", acc + "/title", "customer"},
		{"POST", acc + "/title/approve", "finance"},
		{"POST", acc + "/title/reject", "finance"},
		{"POST", acc + "/title/clear", "support"},
		{"GET", acc + "/addresses", "customer,finance,auditor"},
		{"POST", acc + "/addresses", "customer"},
		{"PUT", acc + "/addresses/" + addressID, "customer"},
		{"DELETE", acc + "/addresses/" + addressID, "customer"},
		{"POST", acc + "/invoices", "customer"},
		{"GET", acc + "/invoices", "customer,finance,auditor"},
		{"GET", inv, "customer,finance,auditor"},
		{"POST", inv + "/cancel", "customer,support"},
		{"POST", inv + "/approve", "finance"},
		{"POST", inv + "/reject", "finance"},
		{"POST", inv + "/issue", "finance"},
		{"POST", inv + "/ship", "finance"},
		{"POST", inv + "/return", "customer"},
		{"POST", inv + "/return/paper-received", "finance"},
		{"POST", inv + "/return/reject", "finance"},
		{"POST", inv + "/void", "finance"},
		{"POST", inv + "/red-flush", "finance"},
		// RED-1/2/3: both sides enter and answer confirmations; which side
		// may confirm, refuse or withdraw which one is the domain's (422
		// RED-2/RED-3, see TestRED2_ConfirmationSides).
		{"POST", inv + "/red-letter-confirmations", "finance,customer"},
		{"GET", inv + "/red-letter-confirmations", "customer,finance,auditor"},
		{"POST", acc + "/red-letter-confirmations/" + invoiceID + "/confirm", "finance,customer"},
		{"POST", acc + "/red-letter-confirmations/" + invoiceID + "/refuse", "finance,customer"},
		{"POST", acc + "/red-letter-confirmations/" + invoiceID + "/withdraw", "finance,customer"},
		{"GET", acc + "/events", "customer,auditor"},
		{"GET", "/v1/invoices", "finance,auditor"},
		{"GET", "/v1/reconciliation?month=2026-10", "finance,auditor"},
		{"GET", "/v1/events", "auditor"},
		{"GET", "/v1/events/stream?from=1", "finance,auditor"},
		{"GET", "/v1/checkpoint", "customer,finance,support,billing,auditor"},
		// Position 1 is acc-1's first statement: the other customer's 404.
		{"GET", "/v1/proofs/inclusion?position=1&size=1", "customer,auditor"},
		{"GET", "/v1/proofs/consistency?from=1&to=2", "customer,auditor"},
		{"GET", "/v1/red-letter-confirmations", "finance,auditor"},
		{"PUT", "/v1/quotas/2026-10", "finance"},
		{"GET", "/v1/quotas/2026-10", "finance,auditor"},
	}
}

// want is the status API.md implies for a caller on an endpoint. Commands
// are sent a body with an unknown field, so an allowed caller gets 400 and
// nothing is written: the matrix checks who passes, not what they do.
//
// Order: no valid token → 401; a customer naming another account → 404
// whatever the route; a role not listed → 403.
func (e endpoint) want(c caller) int {
	if c.role == "" {
		return http.StatusUnauthorized
	}
	scoped := strings.HasPrefix(e.path, "/v1/accounts/") || strings.HasPrefix(e.path, "/v1/proofs/inclusion")
	if c.role == "customer" && scoped && !c.own {
		return http.StatusNotFound
	}
	if !strings.Contains(","+e.roles+",", ","+c.role+",") {
		return http.StatusForbidden
	}
	if e.method != "GET" {
		return http.StatusBadRequest
	}
	return http.StatusOK
}

func TestAuthorizationMatrix(t *testing.T) {
	// Every row sends two failed authentications from one address: room for
	// all of them (TestAuthFailuresThrottledPerAddress tests the limit).
	s := newTestServer(t, func(c *api.Config) { c.AuthFailBurst = 1000 })
	seed := s.seed()
	for _, e := range endpoints(seed.addressID, seed.invoiceID) {
		for _, c := range callers {
			t.Run(fmt.Sprintf("%s %s as %s", e.method, e.path, c.name), func(t *testing.T) {
				var body any
				if e.method != "GET" {
					body = `{"not_a_field": true}`
				}
				call := s.call
				if isFeed(e.path) {
					call = s.streamCall
				}
				r := call(e.method, e.path, c.token, body)
				require.Equal(t, e.want(c), r.Status, "%s", r.Body)
				if r.Status >= 400 {
					require.Equal(t, "application/problem+json", r.Header.Get("Content-Type"))
				}
			})
		}
	}
}

// TestEveryRouteInMatrix keeps the matrix complete: each documented /v1
// operation has a row.
func TestEveryRouteInMatrix(t *testing.T) {
	rows := map[string]bool{}
	for _, e := range endpoints("{id}", "{id}") {
		path, _, _ := strings.Cut(e.path, "?")
		path = strings.ReplaceAll(path, "acc-1", "{acc}")
		path = strings.ReplaceAll(path, "2026-10", "{month}")
		rows[e.method+" "+path] = true
	}
	for _, op := range documentedOperations(t) {
		if strings.Contains(op, " /v1") {
			// HEAD is GET's (TestHeadOnEveryGetRoute holds them equal).
			op = strings.Replace(op, "HEAD ", "GET ", 1)
			require.True(t, rows[op], "no matrix row for %s", op)
		}
	}
}

// TestAuthorizationEventViews: what each caller allowed to read an account's
// events sees of other principals. A customer sees staff as their role
// (actor.id "finance", never "alice") and no one else's Idempotency-Key or
// request hash, but its own keys; an auditor sees the events as stored.
func TestAuthorizationEventViews(t *testing.T) {
	s := newTestServer(t)
	s.must(201, "POST", "/v1/accounts/acc-1/statements", tokBilling, statementBody("2026-09", "100.00"), "Idempotency-Key", "billing-secret-key")
	s.must(201, "POST", "/v1/accounts/acc-1/title", tokCustomer, titleBody, "Idempotency-Key", "customer-own-key")
	addr := s.must(201, "POST", "/v1/accounts/acc-1/addresses", tokCustomer, addressBody).JSON(t)["id"]
	inv := s.must(201, "POST", "/v1/accounts/acc-1/invoices", tokCustomer,
		map[string]any{"statements": []string{"2026-09"}, "address_id": addr, "agree": true}).JSON(t)["id"].(string)
	s.must(200, "POST", "/v1/accounts/acc-1/invoices/"+inv+"/approve", tokFinance, nil, "Idempotency-Key", "finance-secret-key")

	for _, tc := range []struct {
		name, token  string
		staffActorID map[string]string // role → the actor.id shown
		seesKeys     []string
		hidden       []string
	}{
		{"customer", tokCustomer, map[string]string{"billing": "billing", "finance": "finance"},
			[]string{"customer-own-key"}, []string{"alice", "billing-system", "billing-secret-key", "finance-secret-key"}},
		{"auditor", tokAuditor, map[string]string{"billing": "billing-system", "finance": "alice"},
			[]string{"customer-own-key", "billing-secret-key", "finance-secret-key"}, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := s.must(200, "GET", "/v1/accounts/acc-1/events", tc.token, nil)
			for _, h := range tc.hidden {
				require.NotContains(t, string(r.Body), h)
			}
			keys := map[string]bool{}
			staff := map[string]string{}
			for _, it := range r.JSON(t)["items"].([]any) {
				m := it.(map[string]any)["metadata"].(map[string]any)
				actor := m["actor"].(map[string]any)
				if role := actor["role"].(string); role != "customer" {
					staff[role] = actor["id"].(string)
				} else {
					require.Equal(t, "acc-1", actor["id"])
				}
				if k, ok := m["idempotency_key"].(string); ok {
					keys[k] = true
				}
			}
			require.Equal(t, tc.staffActorID, staff)
			for _, k := range tc.seesKeys {
				require.True(t, keys[k], "key %s not shown", k)
			}
		})
	}
}

// TestAuthorizationOpsEndpoints: the operations rows of the matrix. On the
// API listener /metrics is no one's (404 whatever the token, an auditor's
// included) and /readyz tells every caller the status alone; the log
// position is on the operations listener only.
func TestAuthorizationOpsEndpoints(t *testing.T) {
	s := newTestServer(t, func(c *api.Config) { c.AuthFailBurst = 1000 })
	s.seed()
	for _, c := range callers {
		t.Run(c.name, func(t *testing.T) {
			require.Equal(t, http.StatusNotFound, s.call("GET", "/metrics", c.token, nil).Status)
			r := s.must(200, "GET", "/readyz", c.token, nil)
			require.Equal(t, map[string]any{"status": "ready"}, r.JSON(t))
		})
	}
}
