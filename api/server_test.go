package api_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/labstack/echo/v4"
	"github.com/stretchr/testify/require"

	"github.com/fapiao/fapiao/api"
	"github.com/fapiao/fapiao/eventstore/memstore"
	"github.com/fapiao/fapiao/eventstore/transparency"
	"github.com/fapiao/fapiao/internal/testkit"
	"github.com/fapiao/fapiao/ledger"
	"github.com/fapiao/fapiao/projections"
)

// The test tokens: two customers, one of each staff role.
const (
	tokCustomer  = "tok-customer-acc-1"
	tokCustomer2 = "tok-customer-acc-2"
	tokFinance   = "tok-finance-alice"
	tokSupport   = "tok-support-bob-01"
	tokBilling   = "tok-billing-system"
	tokAuditor   = "tok-auditor-carol"
)

const tokensJSON = `[
 {"token": "tok-customer-acc-1", "role": "customer", "account_id": "acc-1"},
 {"token": "tok-customer-acc-2", "role": "customer", "account_id": "acc-2"},
 {"token": "tok-finance-alice", "role": "finance", "name": "alice"},
 {"token": "tok-support-bob-01", "role": "support", "name": "bob"},
 {"token": "tok-billing-system", "role": "billing", "name": "billing-system"},
 {"token_sha256": "AUDITOR_DIGEST", "role": "auditor", "name": "carol"}
]`

// The auditor's token is stored hashed: newTestServer puts SHA-256("tok-auditor-carol")
// in place of AUDITOR_DIGEST.

var testNow = time.Date(2026, 11, 10, 10, 0, 0, 0, time.FixedZone("CST", 8*3600))

// testServer is a real server on loopback over an in-memory store, with the
// real ledger and projections kept live in the background.
type testServer struct {
	t     *testing.T
	url   string
	store *memstore.Store
	proj  *projections.Projections
	// handler is the server itself, for requests from made-up client
	// addresses (serveFrom).
	handler http.Handler
	tree    *transparency.Tree // kept live like proj; signed with testSigner
	echo    *echo.Echo         // its routes, for tests that walk them all
	// ops is the operations handler: /metrics, the detailed /readyz.
	ops http.Handler
	// checkpointSkew is how far the checkpointer's clock runs ahead of the
	// machine's (nanoseconds): skewCheckpoints moves it past the
	// once-a-second re-signing limit without waiting.
	checkpointSkew *atomic.Int64
}

// skewCheckpoints moves the checkpointer's clock d ahead.
func (s *testServer) skewCheckpoints(d time.Duration) { s.checkpointSkew.Add(int64(d)) }

type serverOption func(*api.Config)

func newTestServer(t *testing.T, opts ...serverOption) *testServer {
	t.Helper()
	tokens, err := api.ParseTokens([]byte(strings.Replace(tokensJSON, "AUDITOR_DIGEST", sha256Hex(tokAuditor), 1)))
	require.NoError(t, err)
	store := memstore.New()
	clock := ledger.FixedClock(testNow)
	led := ledger.New(store, ledger.Options{Clock: clock, Issuer: "Test Cloud Ltd"})
	proj := projections.New()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- projections.Run(ctx, store, proj, quiet) }()
	tree := transparency.New()
	skew := new(atomic.Int64)
	treeDone := make(chan error, 1)
	go func() { treeDone <- transparency.Follow(ctx, store, tree, quiet, nil) }()
	cfg := api.Config{
		Ledger: led, Projections: proj, Store: store, Tokens: tokens, Clock: clock,
		Logger: slog.New(slog.DiscardHandler),
		Tree:   tree, Checkpoints: transparency.NewCheckpointerClock(testkit.CheckpointSigner(t), tree, func() time.Time {
			return time.Now().Add(time.Duration(skew.Load()))
		}),
	}
	for _, o := range opts {
		o(&cfg)
	}
	e, ops := api.NewWithOps(cfg)
	srv := newOneWriteServer(e, nil)
	t.Cleanup(func() {
		srv.Close()
		cancel()
		<-done
		<-treeDone
		store.Close()
	})
	testkit.WaitReady(t, 10*time.Second, testkit.Until("the projections caught up with an empty store", proj.Ready))
	return &testServer{t: t, url: srv.URL, store: store, proj: proj, handler: e, tree: tree, echo: e, ops: ops, checkpointSkew: skew}
}

// response is what a test looks at.
type response = testkit.Answer

// call sends a request; body (if not nil) is sent as JSON. Extra headers
// come in pairs.
func (s *testServer) call(method, path, token string, body any, headers ...string) response {
	s.t.Helper()
	var rd io.Reader
	if body != nil {
		switch b := body.(type) {
		case string:
			rd = strings.NewReader(b)
		case []byte:
			rd = bytes.NewReader(b)
		default:
			raw, err := json.Marshal(b)
			require.NoError(s.t, err)
			rd = bytes.NewReader(raw)
		}
	}
	req, err := http.NewRequest(method, s.url+path, rd)
	require.NoError(s.t, err)
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	for i := 0; i+1 < len(headers); i += 2 {
		req.Header.Set(headers[i], headers[i+1])
	}
	return s.do(req)
}

// must is call that requires a status, and waits for the projections to
// reach the command's position so that the next GET sees it.
func (s *testServer) must(status int, method, path, token string, body any, headers ...string) response {
	s.t.Helper()
	r := s.call(method, path, token, body, headers...)
	require.Equal(s.t, status, r.Status, "%s %s: %s", method, path, r.Body)
	return r
}

// Fixtures.

func statementBody(month string, amount string) map[string]any {
	return map[string]any{"month": month, "lines": []map[string]any{{
		"line_id": "l-" + month, "product": "kec", "billing_mode": "prepaid", "purchased_at": month + "-05",
		"channel": "kingsoft", "amount": amount, "voucher": "0.00", "coupon": "0.00", "gift_balance": "0.00",
	}}}
}

var titleBody = map[string]any{"type": "vat_general", "holder": "individual", "name": "Zhang San"}

var addressBody = map[string]any{
	"recipient": "Zhang San", "phone": "13800138000", "province": "Beijing", "city": "Beijing",
	"district": "Haidian", "street": "1 Zhongguancun Street", "postal_code": "100080", "default": true,
}

// seeded is an account ready to apply for invoices, and one application.
type seeded struct {
	addressID, invoiceID string
}

// seed gives acc-1 two statements, a title, an address and an application
// for September; acc-2 gets a statement so that it exists.
func (s *testServer) seed() seeded {
	s.t.Helper()
	s.must(201, "POST", "/v1/accounts/acc-1/statements", tokBilling, statementBody("2026-09", "100.00"))
	s.must(201, "POST", "/v1/accounts/acc-1/statements", tokBilling, statementBody("2026-10", "250.50"))
	s.must(201, "POST", "/v1/accounts/acc-2/statements", tokBilling, statementBody("2026-10", "10.00"))
	s.must(201, "POST", "/v1/accounts/acc-1/title", tokCustomer, titleBody)
	addr := s.must(201, "POST", "/v1/accounts/acc-1/addresses", tokCustomer, addressBody).JSON(s.t)
	inv := s.must(201, "POST", "/v1/accounts/acc-1/invoices", tokCustomer,
		map[string]any{"statements": []string{"2026-09"}, "address_id": addr["id"], "agree": true})
	require.NoError(s.t, s.proj.WaitFor(context.Background(), position(s.t, inv)))
	s.waitTree(int64(position(s.t, inv)))
	return seeded{addressID: addr["id"].(string), invoiceID: inv.JSON(s.t)["id"].(string)}
}

func position(t *testing.T, r response) uint64 {
	t.Helper()
	var n uint64
	_, err := fmtSscan(r.Header.Get(api.HeaderPosition), &n)
	require.NoError(t, err, "Fapiao-Position %q", r.Header.Get(api.HeaderPosition))
	return n
}
