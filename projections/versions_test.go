package projections

import (
	"testing"

	"github.com/fapiao/fapiao/domain"
)

// TestVersionsTrackChanges: the versions a page and the balance come with
// are the account's, and they move when an event of the account is folded,
// so that callers caching by (ID, version) never serve a changed invoice.
func TestVersionsTrackChanges(t *testing.T) {
	f := newFixture(t)
	n := len(f.w.records)
	p := applyAll(t, f.w.records[:n])
	vA, ok := p.AccountVersion("acc-a")
	if !ok || vA == 0 {
		t.Fatalf("acc-a version %d ok %v", vA, ok)
	}
	if _, ok := p.AccountVersion("acc-none"); ok {
		t.Fatal("an account without events has a version")
	}
	page, err := p.Invoices(Filter{})
	if err != nil {
		t.Fatal(err)
	}
	if len(page.Versions) != len(page.Items) {
		t.Fatalf("%d versions for %d items", len(page.Versions), len(page.Items))
	}
	for i, inv := range page.Items {
		want, _ := p.AccountVersion(inv.AccountID)
		if page.Versions[i] != want {
			t.Fatalf("item %d of %s: version %d, account at %d", i, inv.AccountID, page.Versions[i], want)
		}
	}
	b, vb, ok := p.BalanceVersion("acc-a")
	if !ok || vb != vA {
		t.Fatalf("balance version %d ok %v, account at %d", vb, ok, vA)
	}
	if b2, _ := p.Balance("acc-a"); b2.Total.String() != b.Total.String() {
		t.Fatalf("Balance %s, BalanceVersion %s", b2.Total, b.Total)
	}

	// Cancel acc-a's application under review: its version moves on.
	f.w.do("acc-a", domain.RoleCustomer, domain.CancelInvoice{InvoiceID: f.aReview, By: domain.RoleCustomer})
	for _, r := range f.w.records[n:] {
		if err := p.Apply(r); err != nil {
			t.Fatal(err)
		}
	}
	after, _ := p.AccountVersion("acc-a")
	if after <= vA {
		t.Fatalf("version %d after a new event, %d before", after, vA)
	}
	page, err = p.Invoices(Filter{Account: "acc-a"})
	if err != nil {
		t.Fatal(err)
	}
	for i, inv := range page.Items {
		if page.Versions[i] != after {
			t.Fatalf("%s listed at version %d, account at %d", inv.ID, page.Versions[i], after)
		}
	}
}
