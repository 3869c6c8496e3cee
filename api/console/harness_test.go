package console_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/fapiao/fapiao/api"
	"github.com/fapiao/fapiao/api/console"
	"github.com/fapiao/fapiao/eventstore/bolt"
	"github.com/fapiao/fapiao/ledger"
	"github.com/fapiao/fapiao/projections"
)

// The browser test runs the real server in-process: bolt in a temp dir,
// the ledger, the projections and the API with the console mounted.

const (
	customerToken = "cust-token-acc-1"
	financeToken  = "fin-token-alice-1"
	billingToken  = "billing-token-sys"
	supportToken  = "support-token-bob"
	auditorToken  = "auditor-token-carol"
	accountID     = "acc-1"
)

// now is the server's clock at start: Statements for 2026-09 and 2026-10
// may be posted (STMT-1) and an invoice may be issued "today".
var now = time.Date(2026, 11, 10, 10, 0, 0, 0, time.FixedZone("CST", 8*3600))

// testClock is the server's clock in the browser tests: it runs on from
// now and may be moved forward (a red-flush needs a later month, RETURN-4).
type testClock struct {
	mu     sync.Mutex
	base   ledger.Clock
	offset time.Duration
}

func (c *testClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.base.Now().Add(c.offset)
}

// Advance moves the clock forward by d.
func (c *testClock) Advance(d time.Duration) {
	c.mu.Lock()
	c.offset += d
	c.mu.Unlock()
}

func startServer(t *testing.T) string {
	t.Helper()
	base, _ := startServerClock(t)
	return base
}

// startServerClock starts the server and answers its clock too.
func startServerClock(t *testing.T) (string, *testClock) {
	t.Helper()
	store, err := bolt.Open(filepath.Join(t.TempDir(), "fapiao.db"))
	if err != nil {
		t.Fatal(err)
	}
	clock := &testClock{base: ledger.StartingAt(now)}
	proj := projections.New()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- projections.Run(ctx, store, proj, nil) }()
	tokens, err := api.ParseTokens([]byte(`[
		{"token": "` + customerToken + `", "role": "customer", "account_id": "` + accountID + `"},
		{"token": "` + financeToken + `", "role": "finance", "name": "alice"},
		{"token": "` + billingToken + `", "role": "billing", "name": "billing"},
		{"token": "` + supportToken + `", "role": "support", "name": "bob"},
		{"token": "` + auditorToken + `", "role": "auditor", "name": "carol"}]`))
	if err != nil {
		t.Fatal(err)
	}
	e := api.New(api.Config{
		Ledger:      ledger.New(store, ledger.Options{Clock: clock}),
		Projections: proj,
		Store:       store,
		Tokens:      tokens,
		Clock:       clock,
		Logger:      slog.New(slog.DiscardHandler),
		Console:     console.Handler(console.WithClock(clock)),
	})
	srv := httptest.NewServer(e) // loopback only
	t.Cleanup(func() {
		srv.Close()
		cancel()
		if err := <-done; err != nil && !errors.Is(err, context.Canceled) {
			t.Errorf("projections: %v", err)
		}
		if err := store.Close(); err != nil {
			t.Errorf("store: %v", err)
		}
	})
	return srv.URL, clock
}

// apiCall is one /v1 call outside the browser, to set a scene up quickly;
// it fails the test unless the answer has the wanted status.
func apiCall(t *testing.T, base, token, method, path string, body any, want int) map[string]any {
	t.Helper()
	var rd *bytes.Reader
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			t.Fatal(err)
		}
		rd = bytes.NewReader(b)
	} else {
		rd = bytes.NewReader(nil)
	}
	req, err := http.NewRequest(method, base+path, rd)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer "+token)
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	var out map[string]any
	var buf bytes.Buffer
	_, _ = buf.ReadFrom(res.Body)
	if res.StatusCode != want {
		t.Fatalf("%s %s: %d, want %d: %s", method, path, res.StatusCode, want, buf.String())
	}
	if buf.Len() > 0 {
		if err := json.Unmarshal(buf.Bytes(), &out); err != nil {
			t.Fatalf("%s %s: %v", method, path, err)
		}
	}
	return out
}

// customerReady gives the account an approved vat_general title and a
// default address through the API, and answers the address ID.
func customerReady(t *testing.T, base string) string {
	t.Helper()
	apiCall(t, base, customerToken, http.MethodPost, "/v1/accounts/"+accountID+"/title", map[string]any{
		"type": "vat_general", "holder": "company", "name": "北京示例科技有限公司", "taxpayer_id": uscc("91110108MA01C0RK3")}, http.StatusCreated)
	addr := apiCall(t, base, customerToken, http.MethodPost, "/v1/accounts/"+accountID+"/addresses", map[string]any{
		"recipient": "张三", "phone": "13800138000", "province": "北京市", "city": "北京市", "district": "海淀区",
		"street": "西二旗中路33号", "postal_code": "100085", "default": true}, http.StatusCreated)
	return addr["id"].(string)
}

// invoiceIn drives one application for month through the API up to the
// given status ("issuing", "issued" (shipped) or "paper_received"), and
// answers its ID. number is the 8-digit invoice number to issue it with.
func invoiceIn(t *testing.T, base, addressID, month, status, number string) string {
	t.Helper()
	inv := apiCall(t, base, customerToken, http.MethodPost, "/v1/accounts/"+accountID+"/invoices",
		map[string]any{"statements": []string{month}, "address_id": addressID, "agree": true}, http.StatusCreated)
	id := inv["id"].(string)
	path := "/v1/accounts/" + accountID + "/invoices/" + id
	steps := []struct {
		status, token, action string
		body                  any
	}{
		{"issuing", financeToken, "/approve", nil},
		{"issued", financeToken, "/issue", map[string]any{"invoice_code": "1100212130", "invoice_number": number, "issued_on": now.Format("2006-01-02")}},
		{"issued", financeToken, "/ship", map[string]any{"courier": "顺丰速运", "tracking_number": "SF" + number}},
		{"return_requested", customerToken, "/return", map[string]any{"reason": "抬头有误"}},
		{"paper_received", financeToken, "/return/paper-received", map[string]any{"complete": true}},
	}
	for i, st := range steps {
		apiCall(t, base, st.token, http.MethodPost, path+st.action, st.body, http.StatusOK)
		if st.status == status && (i+1 == len(steps) || steps[i+1].status != status) {
			break
		}
	}
	return id
}

// postStatements is the billing system posting two months for the account:
// some cash in each bucket, so every amount on the page is non-zero.
func postStatements(t *testing.T, base string) {
	t.Helper()
	line := func(id, mode, bought, channel, merchant, amount, voucher, coupon string) map[string]string {
		return map[string]string{"line_id": id, "product": "云服务器 KEC", "billing_mode": mode, "purchased_at": bought,
			"channel": channel, "merchant": merchant, "amount": amount, "voucher": voucher, "coupon": coupon, "gift_balance": "0.00"}
	}
	months := map[string][]map[string]string{
		"2026-09": {
			line("l1", "prepaid", "2026-09-01", "kingsoft", "", "1200.00", "200.00", "0.00"),
			line("l2", "prepaid", "2026-09-02", "marketplace_self", "", "300.00", "0.00", "0.00"),
			line("l3", "prepaid", "2026-09-05", "marketplace_merchant", "某商家", "150.00", "0.00", "0.00"),
			line("l4", "postpaid", "2026-09-06", "kingsoft", "", "80.00", "0.00", "0.00"),
		},
		"2026-10": {
			line("l5", "prepaid", "2026-10-01", "kingsoft", "", "2345.67", "0.00", "45.67"),
		},
	}
	for _, month := range []string{"2026-09", "2026-10"} {
		body, _ := json.Marshal(map[string]any{"month": month, "lines": months[month]})
		req, _ := http.NewRequest(http.MethodPost, base+"/v1/accounts/"+accountID+"/statements", bytes.NewReader(body))
		req.Header.Set("Authorization", "Bearer "+billingToken)
		req.Header.Set("Content-Type", "application/json")
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		var buf bytes.Buffer
		_, _ = buf.ReadFrom(res.Body)
		res.Body.Close()
		if res.StatusCode != http.StatusCreated {
			t.Fatalf("post statement %s: %d %s", month, res.StatusCode, buf.String())
		}
	}
}

// uscc completes a 17-character base into a unified social credit code with
// a valid check digit (GB 32100-2015), so the title is accepted.
func uscc(base string) string {
	const alphabet = "0123456789ABCDEFGHJKLMNPQRTUWXY"
	sum, w := 0, 1
	for _, r := range base {
		sum += strings.IndexRune(alphabet, r) * w
		w = w * 3 % 31
	}
	c := 31 - sum%31
	if c == 31 {
		c = 0
	}
	return base + string(alphabet[c])
}
