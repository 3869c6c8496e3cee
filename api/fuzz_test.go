package api_test

import (
	"bytes"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"

	"github.com/labstack/echo/v4"
	"github.com/stretchr/testify/require"

	"github.com/fapiao/fapiao/api"
	"github.com/fapiao/fapiao/eventstore/memstore"
	"github.com/fapiao/fapiao/ledger"
	"github.com/fapiao/fapiao/projections"
)

// fuzzEndpoint is one command of API.md with a valid body (its seed).
type fuzzEndpoint struct {
	method, path, token, seed string
}

// fuzzEndpoints: {inv} and {addr} are replaced by an existing invoice and
// address of acc-1. The order is fixed: corpus files name endpoints by index.
var fuzzEndpoints = []fuzzEndpoint{
	{"POST", "/statements", tokBilling, `{"month": "2026-09", "lines": [{"line_id": "l1", "product": "kec", "billing_mode": "prepaid", "purchased_at": "2026-09-05", "channel": "kingsoft", "amount": "100.00", "voucher": "1.00", "coupon": "0.00", "gift_balance": "0.00"}]}`},
	{"POST", "/title", tokCustomer, `{"type": "vat_special", "holder": "company", "name": "北京测试科技有限公司", "taxpayer_id": "91350100M000100Y43", "registered_address": "北京市海淀区中关村大街1号", "registered_phone": "010-62345678", "bank_name": "中国银行北京分行", "bank_account": "6222020200012345678"}`},
	{"POST", "/title/approve", tokFinance, `{}`},
	{"POST", "/title/reject", tokFinance, `{"reason": "the bank account does not match the licence"}`},
	{"POST", "/title/clear", tokSupport, `{"reason": "company renamed", "ticket": "T-1001"}`},
	{"POST", "/addresses", tokCustomer, `{"recipient": "张三", "phone": "13800138000", "province": "北京", "city": "北京", "district": "海淀", "street": "中关村大街1号", "postal_code": "100080", "default": true}`},
	{"PUT", "/addresses/{addr}", tokCustomer, `{"recipient": "李四", "phone": "010-62345678", "province": "北京", "city": "北京", "street": "中关村大街2号", "postal_code": "100080", "default": true}`},
	{"POST", "/invoices", tokCustomer, `{"statements": ["2026-09"], "address_id": "{addr}", "agree": true}`},
	{"POST", "/invoices/{inv}/cancel", tokCustomer, `{}`},
	{"POST", "/invoices/{inv}/approve", tokFinance, `{}`},
	{"POST", "/invoices/{inv}/reject", tokFinance, `{"reason": "the title is wrong"}`},
	{"POST", "/invoices/{inv}/issue", tokFinance, `{"invoice_code": "011001900111", "invoice_number": "{num}", "issued_on": "2026-11-10", "tax_rate": "0.06"}`},
	{"POST", "/invoices/{inv}/ship", tokFinance, `{"courier": "SF Express", "tracking_number": "SF1234567890"}`},
	{"POST", "/invoices/{inv}/return", tokCustomer, `{"reason": "wrong amount", "certified": false}`},
	{"POST", "/invoices/{inv}/return/paper-received", tokFinance, `{"complete": true, "note": "received"}`},
	{"POST", "/invoices/{inv}/return/reject", tokFinance, `{"reason": "paper not received"}`},
	{"POST", "/invoices/{inv}/void", tokFinance, `{}`},
	{"POST", "/invoices/{inv}/red-flush", tokFinance, `{"red_invoice_code": "011001900111", "red_invoice_number": "{num}"}`},
}

// inProcess is the API handler over an in-memory store, called through
// httptest.NewRecorder: no sockets, so a fuzzer runs it fast.
type inProcess struct {
	h     http.Handler
	store *memstore.Store
	inv   string
	addr  string
	num   int
}

func newInProcess(t testing.TB) *inProcess {
	tokens, err := api.ParseTokens([]byte(strings.Replace(tokensJSON, "AUDITOR_DIGEST", sha256Hex(tokAuditor), 1)))
	require.NoError(t, err)
	store := memstore.New()
	clock := ledger.FixedClock(testNow)
	h := api.New(api.Config{
		Ledger: ledger.New(store, ledger.Options{Clock: clock, Issuer: "Test Cloud Ltd"}), Projections: projections.New(),
		Store: store, Tokens: tokens, Clock: clock, Logger: quiet, RateLimit: -1,
	})
	return &inProcess{h: h, store: store}
}

// do runs endpoint e with body (placeholders filled in) on acc-1.
func (p *inProcess) do(e fuzzEndpoint, body []byte) *httptest.ResponseRecorder {
	p.num++
	fill := strings.NewReplacer("{inv}", p.inv, "{addr}", p.addr, "{num}", strconv.Itoa(10000000+p.num))
	req := httptest.NewRequest(e.method, "/v1/accounts/acc-1"+fill.Replace(e.path), bytes.NewReader([]byte(fill.Replace(string(body)))))
	req.Header.Set(echo.HeaderContentType, "application/json")
	req.Header.Set(echo.HeaderAuthorization, "Bearer "+e.token)
	rec := httptest.NewRecorder()
	p.h.ServeHTTP(rec, req)
	return rec
}

// mustDo runs endpoint i with its seed and requires a 2xx; it returns the
// answer's "id".
func (p *inProcess) mustDo(t testing.TB, i int) string {
	t.Helper()
	rec := p.do(fuzzEndpoints[i], []byte(fuzzEndpoints[i].seed))
	require.Less(t, rec.Code, 300, "%s %s: %s", fuzzEndpoints[i].method, fuzzEndpoints[i].path, rec.Body)
	require.NotEmpty(t, rec.Header().Get(api.HeaderPosition))
	var m map[string]any
	_ = json.Unmarshal(rec.Body.Bytes(), &m)
	id, _ := m["id"].(string)
	return id
}

// checkAnswer is what every answer must be, whatever the input.
func checkAnswer(t *testing.T, rec *httptest.ResponseRecorder, before uint64, after uint64) {
	t.Helper()
	switch {
	case rec.Code >= 500:
		t.Fatalf("%d: %s", rec.Code, rec.Body)
	case rec.Code >= 400:
		if ct := rec.Header().Get(echo.HeaderContentType); ct != "application/problem+json" {
			t.Fatalf("%d with Content-Type %q", rec.Code, ct)
		}
		var p struct {
			Type   string `json:"type"`
			Title  string `json:"title"`
			Status int    `json:"status"`
		}
		if err := json.Unmarshal(rec.Body.Bytes(), &p); err != nil || p.Type == "" || p.Title == "" || p.Status != rec.Code {
			t.Fatalf("%d problem %s: %v", rec.Code, rec.Body, err)
		}
		if after != before {
			t.Fatalf("%d but the log moved from %d to %d", rec.Code, before, after)
		}
	case rec.Code >= 200 && rec.Code < 300:
		if rec.Header().Get(api.HeaderPosition) == "" {
			t.Fatalf("%d without %s", rec.Code, api.HeaderPosition)
		}
	default:
		t.Fatalf("unexpected status %d", rec.Code)
	}
}

// FuzzCommandBodies sends any bytes as the body of any command: the
// server never fails (5xx) or panics, refuses with a problem+json 4xx and
// writes nothing, or accepts with a log position. The seeds are the valid
// bodies; TestCommandBodySeeds checks they are accepted.
func FuzzCommandBodies(f *testing.F) {
	for i, e := range fuzzEndpoints {
		f.Add(uint8(i), []byte(e.seed))
	}
	f.Add(uint8(0), []byte(`{"month": "2026-09", "lines": [{"amount": "1e3"}]}`))
	f.Add(uint8(1), []byte(`{"type": "vat_general", "holder": "individual", "name": "a\u202eb"}`))
	f.Add(uint8(7), []byte(`{"statements": [[[[[]]]]], "agree": true}`))
	p := newInProcess(f)
	p.mustDo(f, 0)
	p.mustDo(f, 1)
	p.mustDo(f, 2)
	p.addr = p.mustDo(f, 5)
	p.inv = p.mustDo(f, 7)
	f.Fuzz(func(t *testing.T, endpoint uint8, body []byte) {
		e := fuzzEndpoints[int(endpoint)%len(fuzzEndpoints)]
		before := p.store.LastPosition()
		rec := p.do(e, body)
		checkAnswer(t, rec, before, p.store.LastPosition())
	})
}

// TestCommandBodySeeds: every endpoint's seed body is accepted, walking
// the lifecycle in an order where each is allowed.
func TestCommandBodySeeds(t *testing.T) {
	p := newInProcess(t)
	const (
		statement, title, titleApprove, titleReject, titleClear, address, putAddress, apply    = 0, 1, 2, 3, 4, 5, 6, 7
		cancel, approve, reject, issue, ship, ret, paperReceived, returnReject, void, redFlush = 8, 9, 10, 11, 12, 13, 14, 15, 16, 17
	)
	for _, m := range []string{"2026-07", "2026-08", "2026-10"} {
		rec := p.do(fuzzEndpoints[statement], []byte(strings.ReplaceAll(fuzzEndpoints[statement].seed, "2026-09", m)))
		require.Equal(t, 201, rec.Code, "%s", rec.Body)
	}
	p.mustDo(t, statement)
	p.mustDo(t, title)
	p.mustDo(t, titleReject)
	p.mustDo(t, title)
	p.mustDo(t, titleApprove)
	p.addr = p.mustDo(t, address)
	p.mustDo(t, putAddress)
	applyFor := func(month string) {
		rec := p.do(fuzzEndpoints[apply], []byte(strings.ReplaceAll(fuzzEndpoints[apply].seed, "2026-09", month)))
		require.Equal(t, 201, rec.Code, "%s", rec.Body)
		var m map[string]any
		require.NoError(t, json.Unmarshal(rec.Body.Bytes(), &m))
		p.inv = m["id"].(string)
	}
	p.inv = p.mustDo(t, apply)
	for _, step := range []int{approve, issue, ship, ret, paperReceived, void} {
		p.mustDo(t, step)
	}
	applyFor("2026-10")
	p.mustDo(t, cancel)
	applyFor("2026-08")
	p.mustDo(t, reject)
	applyFor("2026-07")
	for _, step := range []int{approve, issue, ret, returnReject} {
		p.mustDo(t, step)
	}
	applyFor("2026-09") // released by the void
	for _, step := range []int{approve, issue, ret, paperReceived, redFlush} {
		p.mustDo(t, step)
	}
	p.mustDo(t, titleClear)
}
