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
	t.Parallel() // its own store, tokens and server on a port of its own
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

// TestE2EDemoWritesTokensFileWhenAbsent: `serve --demo --tokens FILE` with
// FILE absent writes the demo tokens there (0600, readable by its owner
// only) and serves with them, instead of seeding and exiting 1; a second
// start uses the file as it is.
func TestE2EDemoWritesTokensFileWhenAbsent(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	store := "bolt://" + filepath.Join(dir, "fapiao.db")
	path := filepath.Join(dir, "sub", "my-tokens.json")
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		t.Fatal(err)
	}
	srv := startServerArgs(t, "--store", store, "--demo", "--tokens", path)
	fi, err := os.Stat(path)
	if err != nil {
		t.Fatalf("the tokens file was not written: %v", err)
	}
	if perm := fi.Mode().Perm(); perm != 0o600 {
		t.Fatalf("tokens file mode %04o, want 0600", perm)
	}
	raw, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var tokens []demoToken
	if err := json.Unmarshal(raw, &tokens); err != nil {
		t.Fatal(err)
	}
	var auditor string
	for _, tok := range tokens {
		if tok.Role == "auditor" {
			auditor = tok.Token
		}
	}
	if auditor == "" {
		t.Fatalf("no auditor among the demo tokens: %s", raw)
	}
	var pos uint64
	aud := client{t: t, srv: &srv, token: auditor, pos: &pos}
	aud.must(http.StatusOK, http.MethodGet, "/v1/events?from=0&limit=1", nil)
	srv.stop(t)

	srv = startServerArgs(t, "--store", store, "--demo", "--tokens", path)
	aud.must(http.StatusOK, http.MethodGet, "/v1/events?from=0&limit=1", nil)
	after, err := os.ReadFile(path)
	if err != nil || string(after) != string(raw) {
		t.Fatalf("a second start rewrote the tokens file (%v)", err)
	}
	srv.stop(t)
}
