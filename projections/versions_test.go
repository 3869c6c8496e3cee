package projections

import (
	"slices"
	"testing"

	"github.com/google/uuid"

	"github.com/fapiao/fapiao/domain"
)

// TestVersionsTrackChanges: the versions a page and the balance come with
// are the account's, and they move when an event of the account is folded,
// so that callers caching by (ID, version) never serve a changed invoice.
func TestVersionsTrackChanges(t *testing.T) {
	t.Parallel()
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
	var seen []uuid.UUID
	next, err := p.EachInvoice(Filter{}, func(inv *domain.Invoice, version uint64) {
		seen = append(seen, inv.ID)
		if want, _ := p.accountVersionLocked(inv.AccountID); version != want {
			t.Errorf("%s of %s: version %d, account at %d", inv.ID, inv.AccountID, version, want)
		}
	})
	if err != nil || next != page.NextCursor || !slices.Equal(seen, ids(page.Items)) {
		t.Fatalf("EachInvoice %v next %q err %v; Invoices %v next %q", seen, next, err, ids(page.Items), page.NextCursor)
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
	if _, err := p.EachInvoice(Filter{Account: "acc-a"}, func(inv *domain.Invoice, version uint64) {
		if version != after {
			t.Errorf("%s listed at version %d, account at %d", inv.ID, version, after)
		}
	}); err != nil {
		t.Fatal(err)
	}
	// A page cut short by the limit: the same cursor as Invoices.
	limited := Filter{Limit: 1}
	page, err = p.Invoices(limited)
	if err != nil {
		t.Fatal(err)
	}
	next, err = p.EachInvoice(limited, func(*domain.Invoice, uint64) {})
	if err != nil || next == "" || next != page.NextCursor {
		t.Fatalf("EachInvoice next %q err %v, Invoices next %q", next, err, page.NextCursor)
	}
}

// accountVersionLocked reads an account's version while the caller holds
// the read lock (EachInvoice's callback): AccountVersion would lock again.
func (p *Projections) accountVersionLocked(acc string) (uint64, bool) {
	return p.AccountVersion(acc)
}
