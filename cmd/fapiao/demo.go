package main

import (
	"context"
	"crypto/rand"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/fapiao/fapiao/eventstore"
	"github.com/fapiao/fapiao/eventstore/storeurl"
	"github.com/fapiao/fapiao/ledger"
)

// demoToken is one entry of the tokens file (API.md), plain, as written
// for a demo.
type demoToken struct {
	Token     string `json:"token"`
	Role      string `json:"role"`
	AccountID string `json:"account_id,omitempty"`
	Name      string `json:"name,omitempty"`
}

// demoInfo is what serve --demo prints once it listens.
type demoInfo struct {
	tokensPath string
	tokens     []demoToken // nil when --tokens named the operator's own file
	seeded     bool
}

// prepareDemo seeds the demo history into an empty store and finds or
// writes the demo tokens file.
func prepareDemo(ctx context.Context, store eventstore.Store, clock ledger.Clock, f serveFlags, log *slog.Logger) (*demoInfo, error) {
	info := &demoInfo{tokensPath: f.tokens}
	empty, err := storeEmpty(ctx, store)
	if err != nil {
		return nil, fmt.Errorf("demo: reading the store: %w", err)
	}
	if empty {
		started := time.Now()
		if err := seedDemo(ctx, store, clock.Now(), f.issuer); err != nil {
			return nil, fmt.Errorf("demo: %w", err)
		}
		info.seeded = true
		log.Info("demo: seeded accounts "+demoAccount+" and "+demoAccount2, "took", time.Since(started).Round(time.Millisecond))
	} else {
		log.Info("demo: the store is not empty; keeping its history")
	}
	if f.tokens != "" {
		// The operator's file is theirs: used as it is when present (and
		// not printed), filled with fresh demo tokens when absent.
		if _, err := os.Stat(f.tokens); !errors.Is(err, fs.ErrNotExist) {
			return info, nil
		}
		if info.tokens, err = writeDemoTokens(f.tokens); err != nil {
			return nil, err
		}
		log.Info("demo: wrote demo tokens", "file", f.tokens)
		return info, nil
	}
	info.tokensPath = demoTokensPath(f.store)
	if info.tokens, err = loadDemoTokens(info.tokensPath); err != nil {
		return nil, err
	}
	if info.tokens == nil {
		if info.tokens, err = writeDemoTokens(info.tokensPath); err != nil {
			return nil, err
		}
		log.Info("demo: wrote demo tokens", "file", info.tokensPath)
	}
	return info, nil
}

// demoTokensPath puts the demo tokens beside a bolt file, else in ./data.
func demoTokensPath(store string) string {
	if u, err := storeurl.Parse(store); err == nil && u.Backend == storeurl.Bolt {
		return filepath.Join(filepath.Dir(u.Path), "demo-tokens.json")
	}
	return filepath.Join("data", "demo-tokens.json")
}

// loadDemoTokens reads a demo tokens file written earlier, so that tokens
// printed by a previous run keep working; nil when there is none.
func loadDemoTokens(path string) ([]demoToken, error) {
	raw, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("demo tokens: %w", err)
	}
	var list []demoToken
	if err := json.Unmarshal(raw, &list); err != nil {
		return nil, fmt.Errorf("demo tokens %s: %w", path, err)
	}
	return list, nil
}

// writeDemoTokens writes fresh random tokens for every role, readable only
// by the owner.
func writeDemoTokens(path string) ([]demoToken, error) {
	list := []demoToken{
		{Token: newToken("cus"), Role: "customer", AccountID: demoAccount},
		{Token: newToken("cus"), Role: "customer", AccountID: demoAccount2},
		{Token: newToken("fin"), Role: "finance", Name: "finance-demo"},
		{Token: newToken("sup"), Role: "support", Name: "support-demo"},
		{Token: newToken("bil"), Role: "billing", Name: "billing-demo"},
		{Token: newToken("aud"), Role: "auditor", Name: "auditor-demo"},
	}
	raw, err := json.MarshalIndent(list, "", "  ")
	if err != nil {
		return nil, err
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o750); err != nil {
		return nil, fmt.Errorf("demo tokens: %w", err)
	}
	// O_EXCL: never overwrite a file someone else wrote in the meantime.
	fh, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return nil, fmt.Errorf("demo tokens: %w", err)
	}
	_, werr := fh.Write(append(raw, '\n'))
	if err := errors.Join(werr, fh.Close()); err != nil {
		return nil, fmt.Errorf("demo tokens: %w", err)
	}
	return list, nil
}

// newToken is a random bearer token with a role hint for humans.
func newToken(prefix string) string { return "demo-" + prefix + "-" + rand.Text() }

// print shows the demo tokens and commands to try.
func (d *demoInfo) print(w io.Writer, base string) {
	fmt.Fprintln(w)
	if d.seeded {
		fmt.Fprintf(w, "Demo: accounts %s (every invoice state) and %s were seeded.\n", demoAccount, demoAccount2)
	}
	if d.tokens == nil {
		fmt.Fprintf(w, "Demo tokens: see %s.\n", d.tokensPath)
		return
	}
	fmt.Fprintf(w, "Demo tokens (%s):\n", d.tokensPath)
	byRole := map[string]string{}
	for _, t := range d.tokens {
		who := t.Name
		if t.AccountID != "" {
			who = t.AccountID
		}
		fmt.Fprintf(w, "  %-9s %-14s %s\n", t.Role, who, t.Token)
		key := t.Role
		if t.AccountID != "" && t.AccountID != demoAccount {
			key = t.Role + ":" + t.AccountID
		}
		if _, seen := byRole[key]; !seen {
			byRole[key] = t.Token
		}
	}
	acc := base + "/v1/accounts/" + demoAccount
	lines := []string{
		"",
		"Try:",
		fmt.Sprintf("  open %s/console/   (paste the customer or finance token)", base),
		fmt.Sprintf("  curl -H 'Authorization: Bearer %s' %s/invoiceable", byRole["customer"], acc),
		fmt.Sprintf("  curl -H 'Authorization: Bearer %s' '%s/invoices?limit=20'", byRole["customer"], acc),
		fmt.Sprintf("  curl -H 'Authorization: Bearer %s' '%s/statements?status=available'", byRole["customer"], acc),
		fmt.Sprintf("  curl -H 'Authorization: Bearer %s' '%s/v1/invoices?status=under_review'", byRole["finance"], base),
		fmt.Sprintf("  curl -H 'Authorization: Bearer %s' '%s/v1/events?from=0&limit=5'", byRole["auditor"], base),
		fmt.Sprintf("  curl -X POST -H 'Authorization: Bearer %s' -H 'Content-Type: application/json' \\", byRole["customer"]),
		fmt.Sprintf(`       -d '{"statements": ["<month from the statements list>"], "address_id": "<id from %s/addresses>", "agree": true}' %s/invoices`, acc, acc),
		"",
	}
	fmt.Fprint(w, strings.Join(lines, "\n"))
}
