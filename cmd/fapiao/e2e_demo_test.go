package main

import (
	"encoding/json"
	"net/http"
	"os"
	"path/filepath"
	"testing"
)

// TestE2EDemo starts `serve --demo` on an empty store without --tokens: it
// seeds the demo, writes demo tokens beside the store, and they work. A
// restart keeps the history (no second seeding) and the same tokens.
func TestE2EDemo(t *testing.T) {
	dir := t.TempDir()
	store := "bolt://" + filepath.Join(dir, "fapiao.db")
	srv := startServerArgs(t, "--store", store, "--demo")
	raw, err := os.ReadFile(filepath.Join(dir, "demo-tokens.json"))
	if err != nil {
		t.Fatalf("no demo tokens file beside the store: %v", err)
	}
	var tokens []demoToken
	if err := json.Unmarshal(raw, &tokens); err != nil {
		t.Fatal(err)
	}
	var customer, auditor string
	for _, tok := range tokens {
		switch {
		case tok.Role == "customer" && tok.AccountID == demoAccount:
			customer = tok.Token
		case tok.Role == "auditor":
			auditor = tok.Token
		}
	}
	if customer == "" || auditor == "" {
		t.Fatalf("demo tokens lack a customer of %s or an auditor: %s", demoAccount, raw)
	}
	var pos uint64
	cust := client{t: t, srv: &srv, token: customer, pos: &pos}
	list := items(t, cust.must(http.StatusOK, http.MethodGet, "/v1/accounts/"+demoAccount+"/invoices?limit=100", nil))
	if len(list) < 10 {
		t.Fatalf("the demo account has %d invoices, want at least one per state", len(list))
	}
	aud := client{t: t, srv: &srv, token: auditor, pos: &pos}
	head := aud.must(http.StatusOK, http.MethodGet, "/v1/events?from=0&limit=1000", nil)
	events := len(items(t, head))

	srv.stop(t)
	srv = startServerArgs(t, "--store", store, "--demo")
	again := len(items(t, aud.must(http.StatusOK, http.MethodGet, "/v1/events?from=0&limit=1000", nil)))
	if again != events {
		t.Fatalf("a restart with --demo changed the log from %d to %d events", events, again)
	}
	cust.must(http.StatusOK, http.MethodGet, "/v1/accounts/"+demoAccount+"/invoiceable", nil)
	srv.stop(t)
}
