package api

import (
	"bytes"
	"encoding/json"
	"fmt"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/fapiao/fapiao/domain"
)

func mustMoney(t *testing.T, s string) domain.Money {
	t.Helper()
	m, err := domain.ParseMoney(s)
	if err != nil {
		t.Fatal(err)
	}
	return m
}

// testInvoices covers every optional part of an invoice and strings that
// encoding/json escapes (HTML characters, U+2028, control characters).
func testInvoices(t *testing.T) []domain.Invoice {
	at := time.Date(2026, 3, 4, 5, 6, 7, 890, time.FixedZone("CST", 8*3600))
	base := domain.Invoice{
		ID: uuid.New(), AccountID: "acc-1", Status: domain.UnderReview,
		Amount: mustMoney(t, "1234.50"), Kingsoft: mustMoney(t, "1000.00"), Marketplace: mustMoney(t, "234.50"),
		Statements:  []string{"2026-01", "2026-02"},
		Title:       &domain.Title{Name: `Fish & Chips <Ltd> "quoted" \ back`},
		Address:     &domain.Address{Recipient: "王小明\u2028line", Street: "tab\there"},
		RequestedAt: at, UpdatedAt: at.Add(time.Hour), SLADue: "2026-03-09",
	}
	issued := base
	issued.ID, issued.Status = uuid.New(), domain.Issued
	issued.InvoiceCode, issued.InvoiceNumber, issued.IssuedOn, issued.Issuer, issued.TaxRate = "1200", "00000001", "2026-03-05", "Example <Cloud>", "0.06"
	net, tax := mustMoney(t, "1164.62"), mustMoney(t, "69.88")
	issued.NetAmount, issued.TaxAmount = &net, &tax
	shipped := issued
	shipped.ID = uuid.New()
	shipped.Shipment = &domain.Shipment{Courier: "SF", TrackingNumber: "SF1", ShippedAt: at, Late: true}
	returned := shipped
	returned.ID, returned.Status = uuid.New(), domain.PaperReceived
	addr, ex, complete := uuid.New(), uuid.New(), true
	returned.Return = &domain.Return{Reason: "wrong <name>", Certified: true, Exchange: true, AddressID: &addr,
		RequestedAt: at, PaperComplete: &complete, ExchangeInvoiceID: &ex}
	returned.ExchangeOf = &ex
	cancelled := base
	cancelled.ID, cancelled.Status, cancelled.CancelledBy, cancelled.Statements = uuid.New(), domain.Cancelled, domain.RoleSupport, nil
	rejected := base
	rejected.ID, rejected.Status, rejected.RejectReason = uuid.New(), domain.Rejected, "no\x01thanks"
	return []domain.Invoice{base, issued, shipped, returned, cancelled, rejected}
}

// TestInvoiceCacheIsTheEncoder: the cache holds what encode writes for
// viewInvoice, for every role (each its own actions), cold and warm, and
// it is valid JSON whatever the strings hold.
func TestInvoiceCacheIsTheEncoder(t *testing.T) {
	invs := testInvoices(t)
	cache := newJSONCache()
	for _, r := range []domain.Role{domain.RoleCustomer, domain.RoleFinance, domain.RoleSupport, domain.RoleAuditor,
		domain.RoleBilling, domain.Role("not-yet-a-role")} {
		for round := range 2 {
			for i := range invs {
				inv := invs[i] // a copy, as the projections hand out
				got, err := cache.invoice(&inv, 7, r)
				if err != nil {
					t.Fatal(err)
				}
				v := viewInvoice(&inv, r)
				want, err := encode(&v)
				if err != nil {
					t.Fatal(err)
				}
				if !bytes.Equal(got, want) || !json.Valid(got) {
					t.Fatalf("role %s round %d:\n got %s\nwant %s", r, round, got, want)
				}
				var back struct {
					Actions []string `json:"actions"`
				}
				if err := json.Unmarshal(got, &back); err != nil || len(back.Actions) != len(inv.Actions(r)) {
					t.Fatalf("role %s: actions %v, want %v (%v)", r, back.Actions, inv.Actions(r), err)
				}
			}
		}
	}
}

func TestJSONCacheVersions(t *testing.T) {
	c := newJSONCache()
	k := cacheKey{acc: "acc-1", id: uuid.New()}
	c.put(k, 3, []byte("three"))
	tests := []struct {
		version uint64
		want    string
		ok      bool
	}{
		{3, "three", true},
		{2, "", false},
		{4, "", false},
	}
	for _, tt := range tests {
		b, ok := c.get(k, tt.version)
		if ok != tt.ok || string(b) != tt.want {
			t.Fatalf("get at %d: %q %v, want %q %v", tt.version, b, ok, tt.want, tt.ok)
		}
	}
	c.put(k, 2, []byte("two")) // an older read arriving late does not win
	if b, ok := c.get(k, 3); !ok || string(b) != "three" {
		t.Fatalf("after a late put of version 2: %q %v", b, ok)
	}
	c.put(k, 4, []byte("four"))
	if b, ok := c.get(k, 4); !ok || string(b) != "four" {
		t.Fatalf("after version 4: %q %v", b, ok)
	}
	if _, ok := c.get(cacheKey{acc: "acc-2", id: k.id}, 4); ok {
		t.Fatal("another account's entry answered")
	}
}

func TestJSONCacheBounded(t *testing.T) {
	c := newJSONCache()
	for i := range cacheShards * cacheShardCap * 2 {
		c.put(cacheKey{acc: "a", id: uuid.UUID{byte(i >> 16), byte(i >> 8), byte(i)}}, 1, nil)
	}
	for i := range c.shards {
		if n := len(c.shards[i].m); n > cacheShardCap {
			t.Fatalf("shard %d holds %d entries, cap %d", i, n, cacheShardCap)
		}
	}
	// Pages are large: the bytes bound a shard before its count does.
	page := make([]byte, 20<<10)
	for i := range cacheShards * 200 {
		c.put(cacheKey{acc: fmt.Sprint("acc-", i), page: pageKey{limit: 20}}, 1, page)
	}
	for i := range c.shards {
		sh := &c.shards[i]
		total := 0
		for _, e := range sh.m {
			total += len(e.body)
		}
		if total != sh.bytes || total > cacheShardBytes {
			t.Fatalf("shard %d holds %d bytes (counted %d), cap %d", i, total, sh.bytes, cacheShardBytes)
		}
	}
}

// TestInvoicePageIsTheEncoders: a page put together from cached items is
// byte for byte what answer writes for listOut[invoiceOut], for every role,
// with and without a next cursor (HTML characters and all).
func TestInvoicePageIsTheEncoders(t *testing.T) {
	invs := testInvoices(t)
	cache := newJSONCache()
	for _, r := range []domain.Role{domain.RoleCustomer, domain.RoleFinance, domain.RoleAuditor} {
		for _, next := range []string{"", "AQAAAAAAAAAq", "<odd> & \"quoted\""} {
			want := listOut[invoiceOut]{NextCursor: next}
			got := []byte(`{"items":[`)
			for i := range invs {
				inv := invs[i]
				want.Items = append(want.Items, viewInvoice(&inv, r))
				item, err := cache.invoice(&inv, 7, r)
				if err != nil {
					t.Fatal(err)
				}
				if i > 0 {
					got = append(got, ',')
				}
				got = append(got, item...)
			}
			got, err := closePage(got, next)
			if err != nil {
				t.Fatal(err)
			}
			wb, err := encode(&want)
			if err != nil {
				t.Fatal(err)
			}
			if string(got) != string(wb)+"\n" {
				t.Fatalf("role %s next %q:\n got %s\nwant %s", r, next, got, wb)
			}
		}
	}
}
