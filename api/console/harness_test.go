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
	financeToken  = "fin-token-alice"
	billingToken  = "billing-token"
	accountID     = "acc-1"
)

// now is the server's clock at start: Statements for 2026-09 and 2026-10
// may be posted (STMT-1) and an invoice may be issued "today".
var now = time.Date(2026, 11, 10, 10, 0, 0, 0, time.FixedZone("CST", 8*3600))

func startServer(t *testing.T) string {
	t.Helper()
	store, err := bolt.Open(filepath.Join(t.TempDir(), "fapiao.db"))
	if err != nil {
		t.Fatal(err)
	}
	clock := ledger.StartingAt(now)
	proj := projections.New()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- projections.Run(ctx, store, proj, nil) }()
	tokens, err := api.ParseTokens([]byte(`[
		{"token": "` + customerToken + `", "role": "customer", "account_id": "` + accountID + `"},
		{"token": "` + financeToken + `", "role": "finance", "name": "alice"},
		{"token": "` + billingToken + `", "role": "billing", "name": "billing"}]`))
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
		Console:     console.Handler(),
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
	return srv.URL
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
