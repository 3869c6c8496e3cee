package projections

import (
	"errors"
	"slices"
	"testing"
	"time"

	"github.com/fapiao/fapiao/domain"
	"github.com/google/uuid"
)

// fixture is a small hand-made log: acc-a has three statements, one
// invoiced, one under review, one available; acc-b has one cancelled
// application and one issued invoice.
type fixture struct {
	w          *world
	p          *Projections
	aIssued    uuid.UUID
	aReview    uuid.UUID
	bCancelled uuid.UUID
	bIssued    uuid.UUID
}

func newFixture(t *testing.T) fixture {
	w := newWorld(t, 11, time.Date(2025, 4, 3, 9, 0, 0, 0, shanghai), "acc-a", "acc-b")
	var f fixture
	f.w = w
	for _, m := range []string{"2025-01", "2025-02", "2025-03"} {
		w.post("acc-a", m, 2)
	}
	w.post("acc-b", "2025-03", 3)
	w.advance(time.Hour)
	f.aIssued = w.request("acc-a", "2025-01")
	w.issue("acc-a", f.aIssued)
	w.advance(time.Hour)
	f.bCancelled = w.request("acc-b", "2025-03")
	w.do("acc-b", domain.RoleCustomer, domain.CancelInvoice{InvoiceID: f.bCancelled, By: domain.RoleCustomer})
	w.advance(time.Hour)
	f.aReview = w.request("acc-a", "2025-02")
	w.advance(time.Hour)
	f.bIssued = w.request("acc-b", "2025-03")
	w.issue("acc-b", f.bIssued)
	f.p = applyAll(t, w.records)
	return f
}

func TestQueries(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	p := f.p
	if got := p.Accounts(); !slices.Equal(got, []string{"acc-a", "acc-b"}) {
		t.Fatalf("accounts %v", got)
	}
	t.Run("statements", func(t *testing.T) {
		tests := []struct {
			acc    string
			status domain.StatementStatus
			months []string
			ok     bool
		}{
			{"acc-a", "", []string{"2025-01", "2025-02", "2025-03"}, true},
			{"acc-a", domain.StatementInvoiced, []string{"2025-01"}, true},
			{"acc-a", domain.StatementReserved, []string{"2025-02"}, true},
			{"acc-a", domain.StatementAvailable, []string{"2025-03"}, true},
			{"acc-b", domain.StatementAvailable, []string{}, true},
			{"acc-none", "", nil, false},
		}
		for _, tt := range tests {
			got, ok := p.Statements(tt.acc, tt.status)
			if ok != tt.ok {
				t.Fatalf("%s %s: ok=%v", tt.acc, tt.status, ok)
			}
			months := []string{}
			for _, s := range got {
				months = append(months, s.Month)
				if want := s.Kingsoft.Add(s.Marketplace); !s.Invoiceable.Equal(want) {
					t.Errorf("%s %s: invoiceable %s ≠ %s", tt.acc, s.Month, s.Invoiceable, want)
				}
				if (s.InvoiceID != nil) != (s.Status != domain.StatementAvailable) {
					t.Errorf("%s %s: invoice_id %v with status %s", tt.acc, s.Month, s.InvoiceID, s.Status)
				}
			}
			if ok && !slices.Equal(months, tt.months) {
				t.Errorf("%s %q: months %v, want %v", tt.acc, tt.status, months, tt.months)
			}
		}
	})
	t.Run("balance", func(t *testing.T) {
		b, ok := p.Balance("acc-a")
		st, _ := p.Statements("acc-a", domain.StatementAvailable)
		if !ok || !b.Total.Equal(st[0].Invoiceable) {
			t.Fatalf("balance %+v, want total %s", b, st[0].Invoiceable)
		}
		if _, ok := p.Balance("acc-none"); ok {
			t.Fatal("balance of an unknown account")
		}
	})
	t.Run("title and addresses", func(t *testing.T) {
		title, ok := p.Title("acc-a")
		if !ok || title == nil || title.Status != domain.TitleApprovedState {
			t.Fatalf("title %+v %v", title, ok)
		}
		title.Title.Name = "changed"
		if again, _ := p.Title("acc-a"); again.Title.Name == "changed" {
			t.Fatal("Title returned shared state")
		}
		addrs, ok := p.Addresses("acc-b")
		if !ok || len(addrs) != 1 || !addrs[0].Default {
			t.Fatalf("addresses %+v %v", addrs, ok)
		}
		if _, ok := p.Title("acc-none"); ok {
			t.Fatal("title of an unknown account")
		}
	})
	t.Run("invoice", func(t *testing.T) {
		tests := []struct {
			acc    string
			id     uuid.UUID
			status domain.InvoiceStatus
			ok     bool
		}{
			{"acc-a", f.aIssued, domain.Issued, true},
			{"acc-a", f.aReview, domain.UnderReview, true},
			{"acc-b", f.bCancelled, domain.Cancelled, true},
			{"acc-a", f.bIssued, "", false}, // another account's
			{"acc-none", f.aIssued, "", false},
		}
		for _, tt := range tests {
			inv, ok := p.Invoice(tt.acc, tt.id)
			if ok != tt.ok || inv.Status != tt.status {
				t.Errorf("%s %s: %s %v", tt.acc, tt.id, inv.Status, ok)
			}
			byID, ok := p.InvoiceByID(tt.id)
			if !ok || byID.ID != tt.id {
				t.Errorf("InvoiceByID %s: %v", tt.id, ok)
			}
		}
		inv, _ := p.Invoice("acc-a", f.aIssued)
		*inv.NetAmount = domain.Zero
		inv.Statements[0] = "changed"
		again, _ := p.Invoice("acc-a", f.aIssued)
		if again.NetAmount.IsZero() || again.Statements[0] != "2025-01" {
			t.Fatal("Invoice returned shared state")
		}
	})
	t.Run("account is a deep copy", func(t *testing.T) {
		a, ok := p.Account("acc-a")
		if !ok {
			t.Fatal("no account")
		}
		a.Statements["2025-01"].Status = domain.StatementAvailable
		if st, _ := p.Statements("acc-a", domain.StatementInvoiced); len(st) != 1 {
			t.Fatal("Account returned shared state")
		}
	})
}

func ids(items []domain.Invoice) []uuid.UUID {
	out := []uuid.UUID{}
	for _, inv := range items {
		out = append(out, inv.ID)
	}
	return out
}

func TestInvoicesFilters(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	tests := []struct {
		name   string
		filter Filter
		want   []uuid.UUID
	}{
		{"finance queue, newest first", Filter{}, []uuid.UUID{f.bIssued, f.aReview, f.bCancelled, f.aIssued}},
		{"one account", Filter{Account: "acc-a"}, []uuid.UUID{f.aReview, f.aIssued}},
		{"status across accounts", Filter{Status: domain.Issued}, []uuid.UUID{f.bIssued, f.aIssued}},
		{"status in an account", Filter{Account: "acc-b", Status: domain.Cancelled}, []uuid.UUID{f.bCancelled}},
		{"no match", Filter{Status: domain.Voided}, []uuid.UUID{}},
		{"unknown account", Filter{Account: "acc-none"}, []uuid.UUID{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			page, err := f.p.Invoices(tt.filter)
			if err != nil {
				t.Fatal(err)
			}
			if got := ids(page.Items); !slices.Equal(got, tt.want) || page.NextCursor != "" {
				t.Fatalf("got %v next %q, want %v", got, page.NextCursor, tt.want)
			}
		})
	}
	errs := []struct {
		name   string
		filter Filter
		want   error
	}{
		{"not base64", Filter{Cursor: "!!!"}, ErrBadCursor},
		{"wrong length", Filter{Cursor: "AAAA"}, ErrBadCursor},
		{"wrong version", Filter{Cursor: "AgAAAAAAAAAB"}, ErrBadCursor},
		{"unknown status", Filter{Status: "lost"}, ErrBadStatus},
	}
	for _, tt := range errs {
		t.Run(tt.name, func(t *testing.T) {
			if _, err := f.p.Invoices(tt.filter); !errors.Is(err, tt.want) {
				t.Fatalf("got %v, want %v", err, tt.want)
			}
		})
	}
}

// TestInvoicesPagination walks every page, with and without filters, while
// new invoices arrive between pages: each invoice that existed at the start
// is listed exactly once, newest first.
func TestInvoicesPagination(t *testing.T) {
	t.Parallel()
	w := genLog(t, 21, 12, 8, 2, 0)
	half := len(w.records) * 2 / 3
	tests := []struct {
		name   string
		filter Filter
	}{
		{"queue", Filter{Limit: 7}},
		{"queue by status", Filter{Status: domain.Issued, Limit: 5}},
		{"account", Filter{Account: "acc-00003", Limit: 2}},
		{"default limit", Filter{}},
		{"limit above max", Filter{Limit: 1000}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := applyAll(t, w.records[:half])
			all, err := p.Invoices(Filter{Account: tt.filter.Account, Status: tt.filter.Status, Limit: MaxLimit})
			if err != nil {
				t.Fatal(err)
			}
			if len(all.Items) == 0 {
				t.Fatal("fixture has no matching invoices")
			}
			limit := tt.filter.Limit
			if limit <= 0 {
				limit = DefaultLimit
			}
			limit = min(limit, MaxLimit)
			var got []uuid.UUID
			filter := tt.filter
			rest := w.records[half:]
			for pages := 0; ; pages++ {
				page, err := p.Invoices(filter)
				if err != nil {
					t.Fatal(err)
				}
				if len(page.Items) > limit || (page.NextCursor != "" && len(page.Items) != limit) {
					t.Fatalf("page of %d with next %q, limit %d", len(page.Items), page.NextCursor, limit)
				}
				got = append(got, ids(page.Items)...)
				if page.NextCursor == "" {
					break
				}
				filter.Cursor = page.NextCursor
				// Newer events arrive between pages, except for the status
				// filter, whose matches may legitimately change status.
				if tt.filter.Status == "" && len(rest) > 0 {
					n := min(len(rest), 10)
					for _, r := range rest[:n] {
						if err := p.Apply(r); err != nil {
							t.Fatal(err)
						}
					}
					rest = rest[n:]
				}
			}
			if want := ids(all.Items); len(want) < MaxLimit && !slices.Equal(got, want) {
				t.Fatalf("pages gave %d invoices %v, want %d %v", len(got), got, len(want), want)
			}
			for i := 1; i < len(got); i++ {
				a, _ := p.InvoiceByID(got[i-1])
				b, _ := p.InvoiceByID(got[i])
				if a.RequestedAt.Before(b.RequestedAt) {
					t.Fatalf("not newest first at %d", i)
				}
			}
		})
	}
}
