package projections

import (
	"slices"
	"sync"
	"testing"

	"github.com/google/uuid"

	"github.com/fapiao/fapiao/domain"
)

// fileVersion reads the account's version from the views file, as
// AccountVersion did before it kept them in memory.
func (p *Projections) fileVersion(acc string) (uint64, bool) {
	var v uint64
	ok := p.withAccount("version", acc, func(av *accountView) { v = av.acc.Version })
	return v, ok
}

// accountVersionLocked reads an account's version while the caller holds
// the read lock (EachInvoice's callback): AccountVersion would lock again.
func (p *Projections) accountVersionLocked(acc string) (uint64, bool) {
	return p.AccountVersion(acc)
}

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

// TestAccountVersionFromMemoryIsTheFile: the version AccountVersion answers
// without the file is the file's after every commit, whether a commit
// published it or a read taught it (a restart), while readers ask it
// concurrently; it never goes back, and a closed file answers nothing.
func TestAccountVersionFromMemoryIsTheFile(t *testing.T) {
	f := newFixture(t)
	f.w.do("acc-a", domain.RoleCustomer, domain.CancelInvoice{InvoiceID: f.aReview, By: domain.RoleCustomer})
	records := f.w.records
	accounts := []string{"acc-a", "acc-b"}

	p := New()
	t.Cleanup(func() { p.Close() })
	stop := make(chan struct{})
	var wg sync.WaitGroup
	for range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			last := map[string]uint64{}
			for {
				select {
				case <-stop:
					return
				default:
				}
				for _, acc := range accounts {
					v, ok := p.AccountVersion(acc)
					if ok && v < last[acc] {
						t.Errorf("%s: version %d after %d", acc, v, last[acc])
						return
					}
					last[acc] = v
				}
			}
		}()
	}
	for i, r := range records {
		if err := p.Apply(r); err != nil {
			t.Fatal(err)
		}
		if i%7 == 3 {
			// As after a restart: learned from the file. Under the write
			// lock, as a swap clears it, so that no reader's older read
			// is learned after the clear.
			p.mu.Lock()
			p.versions.clear()
			p.mu.Unlock()
		}
		for _, acc := range accounts {
			got, gok := p.AccountVersion(acc)
			want, wok := p.fileVersion(acc)
			if got != want || gok != wok {
				t.Fatalf("after record %d: %s at %d (%v) in memory, %d (%v) in the file", i, acc, got, gok, want, wok)
			}
		}
	}
	close(stop)
	wg.Wait()
	if _, ok := p.versions.get("acc-a"); !ok {
		t.Fatal("the last commit's account is not in memory")
	}
	if _, ok := p.AccountVersion("acc-none"); ok {
		t.Fatal("an account without events has a version")
	}
	if _, ok := p.versions.get("acc-none"); ok {
		t.Fatal("an account without events was remembered")
	}
	p.Close()
	if v, ok := p.AccountVersion("acc-a"); ok {
		t.Fatalf("a closed file answers version %d", v)
	}
}

// TestVersionLearnedNeverOverwritesPublished: a read that began before a
// commit learns an older version; the commit's stays.
func TestVersionLearnedNeverOverwritesPublished(t *testing.T) {
	var vm versionMap
	vm.learn("acc", 3)
	if v, _ := vm.get("acc"); v != 3 {
		t.Fatalf("learned %d, want 3", v)
	}
	av := newAccountView("acc")
	av.acc.Version = 5
	vm.publish(map[string]*accountView{"acc": av})
	vm.learn("acc", 4)
	if v, _ := vm.get("acc"); v != 5 {
		t.Fatalf("after a stale read: %d, want the published 5", v)
	}
	vm.clear()
	if _, ok := vm.get("acc"); ok {
		t.Fatal("cleared, still known")
	}
}
