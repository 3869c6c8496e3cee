package domain

import "testing"

// TestInvoicesShareTitleAndAddress: an application's title and address are
// the account's own, shared, not copied (sharedTitle); a later title or
// address change replaces the account's and leaves the invoice with what it
// snapshotted; a deep clone shares neither with the original.
func TestInvoicesShareTitleAndAddress(t *testing.T) {
	t.Parallel()
	a, env := readyAccount(t, VATGeneral)
	first := a.Invoices[request(t, a, env, "2026-07")]
	if first.Title != &a.Title.Title || first.Address != &a.Addresses[0].Address {
		t.Fatal("the invoice holds its own title or address, not the account's")
	}
	second := a.Invoices[request(t, a, env, "2026-08")]
	if second.Title != first.Title || second.Address != first.Address {
		t.Fatal("two invoices of one title and address do not share them")
	}

	oldTitle, oldAddr := *first.Title, *first.Address
	renamed := generalTitle()
	renamed.Name = "另一家公司"
	must(t, a, env, ClearTitle{Reason: "renamed", Ticket: "T-1"})
	must(t, a, env, SubmitTitle{Title: renamed})
	moved := testAddress()
	moved.Street = "另一条街 1 号"
	must(t, a, env, UpdateAddress{AddressID: a.Addresses[0].ID, Address: moved, Default: true})
	if a.Title.Title.Name != renamed.Name || a.Addresses[0].Address.Street != moved.Street {
		t.Fatal("the account's title or address did not change")
	}
	for _, inv := range []*Invoice{first, second} {
		if *inv.Title != oldTitle || *inv.Address != oldAddr {
			t.Fatalf("invoice %s changed with the account: %+v %+v", inv.ID, *inv.Title, *inv.Address)
		}
	}

	c := a.DeepClone()
	for id, inv := range a.Invoices {
		ci := c.Invoices[id]
		if ci.Title == inv.Title || ci.Address == inv.Address || *ci.Title != *inv.Title || *ci.Address != *inv.Address {
			t.Fatalf("deep clone of invoice %s: shares or differs", id)
		}
		ci.Title.Name, ci.Address.Street = "x", "x"
	}
	if *first.Title != oldTitle || *first.Address != oldAddr {
		t.Fatal("writing the deep clone's invoices changed the original's")
	}
}

// TestSnapshotSharesInvoiceTitles: decoding a snapshot gives equal titles
// and addresses of invoices one object, as the fold does.
func TestSnapshotSharesInvoiceTitles(t *testing.T) {
	t.Parallel()
	a, env := readyAccount(t, VATGeneral)
	x, y := request(t, a, env, "2026-07"), request(t, a, env, "2026-08")
	d, err := DecodeSnapshot(AppendSnapshot(nil, a))
	if err != nil {
		t.Fatal(err)
	}
	if d.Invoices[x].Title != d.Invoices[y].Title || d.Invoices[x].Address != d.Invoices[y].Address {
		t.Fatal("the decoded invoices hold a title or address each")
	}
	if *d.Invoices[x].Title != *a.Invoices[x].Title || *d.Invoices[y].Address != *a.Invoices[y].Address {
		t.Fatal("decoded title or address differs")
	}
}
