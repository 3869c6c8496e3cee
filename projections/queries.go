package projections

import (
	"slices"
	"strings"

	"github.com/fapiao/fapiao/domain"
	"github.com/google/uuid"
)

// Queries answer ok=false for an account with no events: API.md's 404.

// Accounts returns the IDs of every account with events, sorted.
func (p *Projections) Accounts() []string {
	ids := []string{}
	err := p.read(func(r *reader) error {
		return r.tx.Bucket(bktAccounts).ForEach(func(k, _ []byte) error {
			ids = append(ids, string(k))
			return nil
		})
	})
	p.logReadErr("accounts", err)
	return ids
}

// withAccount runs fn with the committed view of acc; false when the
// account has no events (or the file could not be read: logged).
func (p *Projections) withAccount(what, acc string, fn func(av *accountView)) bool {
	found := false
	err := p.read(func(r *reader) error {
		av, err := r.account(acc)
		if err != nil || av == nil {
			return err
		}
		found = true
		fn(av)
		return nil
	})
	p.logReadErr(what, err)
	return found
}

// Account returns a deep copy of the account's folded state. Its statements
// carry their buckets but not their lines: the read models do not keep them.
func (p *Projections) Account(id string) (*domain.Account, bool) {
	var a *domain.Account
	ok := p.withAccount("account", id, func(av *accountView) { a = av.acc.DeepClone() })
	return a, ok
}

// Balance returns the account's invoiceable balance (BAL-2) and the BAL-3 parts.
func (p *Projections) Balance(acc string) (domain.Balance, bool) {
	b, _, ok := p.BalanceVersion(acc)
	return b, ok
}

// BalanceVersion is Balance with the account's Version it was computed at,
// read together: the balance is the same for as long as the version is.
func (p *Projections) BalanceVersion(acc string) (domain.Balance, uint64, bool) {
	var b domain.Balance
	var v uint64
	ok := p.withAccount("balance", acc, func(av *accountView) { b, v = av.acc.Balance(), av.acc.Version })
	return b, v, ok
}

// AccountVersion returns the number of the account's events folded so far
// (domain.Account.Version) without copying anything; ok=false for an
// account with no events. It is answered from memory once the account's
// version is known (versions.go), else from the file, which teaches it.
func (p *Projections) AccountVersion(acc string) (uint64, bool) {
	if v, ok := p.versions.get(acc); ok {
		return v, true
	}
	var v uint64
	ok := p.withAccount("version", acc, func(av *accountView) {
		v = av.acc.Version
		// Still under the read lock and in the transaction: no swap can
		// clear the map between the read and this.
		p.versions.learn(acc, v)
	})
	return v, ok
}

// StatementView is one statement as GET …/statements lists it.
type StatementView struct {
	Month       string                 `json:"month"`
	Status      domain.StatementStatus `json:"status"`
	Invoiceable domain.Money           `json:"invoiceable"`
	// Buckets are the statement's own (STMT-4/5, after adjustments).
	domain.Buckets
	// InvoiceID is the invoice holding the statement while reserved or invoiced.
	InvoiceID *uuid.UUID `json:"invoice_id"`
	// InvoiceIDs lists every live holder, first one first, when DEF-4 gave
	// the statement more than one (each holds its own part, APP-7).
	InvoiceIDs []uuid.UUID `json:"invoice_ids,omitempty"`
	// Adjusted is what adjustments took off (DEF-1; invoiceable is after
	// them); Offset the part that cleared deficits (DEF-3), shown beside
	// it; Available the part in the balance (BAL-2).
	Adjusted  domain.Money `json:"adjusted"`
	Offset    domain.Money `json:"offset"`
	Available domain.Money `json:"available"`
}

// Statements lists the account's statements ordered by month, only those in
// status unless status is "". Available also lists a held statement with a
// part DEF-4 freed: that part can be applied for on its own (APP-7).
func (p *Projections) Statements(acc string, status domain.StatementStatus) ([]StatementView, bool) {
	views := []StatementView{}
	ok := p.withAccount("statements", acc, func(av *accountView) {
		for _, s := range av.acc.Statements {
			if status != "" && s.Status != status && (status != domain.StatementAvailable || !s.Free.Total().IsPositive()) {
				continue
			}
			views = append(views, NewStatementView(s))
		}
	})
	if !ok {
		return nil, false
	}
	slices.SortFunc(views, func(a, b StatementView) int { return strings.Compare(a.Month, b.Month) })
	return views, true
}

// NewStatementView is a statement as GET …/statements lists it.
func NewStatementView(s *domain.Statement) StatementView {
	v := StatementView{
		Month:       s.Month,
		Status:      s.Status,
		Invoiceable: s.Buckets.Invoiceable(),
		Buckets:     s.Buckets,
		Adjusted:    s.Adjusted.Total(),
		Offset:      s.OffsetTotal().Total(),
		Available:   s.Free.Total(),
	}
	if len(s.Holds) > 1 {
		v.InvoiceIDs = s.HolderIDs()
	}
	if s.InvoiceID != uuid.Nil {
		id := s.InvoiceID
		v.InvoiceID = &id
	}
	return v
}

// Title returns the account's current title (pending_review or approved),
// or nil when it has none.
func (p *Projections) Title(acc string) (*domain.CurrentTitle, bool) {
	var c *domain.CurrentTitle
	ok := p.withAccount("title", acc, func(av *accountView) {
		if t := av.acc.CurrentTitle(); t != nil {
			v := *t
			c = &v
		}
	})
	return c, ok
}

// Addresses returns the account's mailing addresses in the order added.
func (p *Projections) Addresses(acc string) ([]domain.SavedAddress, bool) {
	var out []domain.SavedAddress
	ok := p.withAccount("addresses", acc, func(av *accountView) {
		out = make([]domain.SavedAddress, 0, len(av.acc.Addresses))
		for _, a := range av.acc.Addresses {
			out = append(out, *a)
		}
	})
	return out, ok
}

// Invoice returns the account's invoice with id.
func (p *Projections) Invoice(acc string, id uuid.UUID) (domain.Invoice, bool) {
	var out domain.Invoice
	found := false
	p.withAccount("invoice", acc, func(av *accountView) {
		if inv := av.acc.Invoices[id]; inv != nil {
			out, found = cloneInvoice(inv), true
		}
	})
	return out, found
}

// InvoiceByID returns the invoice with id whatever its account (finance).
func (p *Projections) InvoiceByID(id uuid.UUID) (domain.Invoice, bool) {
	var out domain.Invoice
	found := false
	err := p.read(func(r *reader) error {
		v := r.tx.Bucket(bktByID).Get(id[:])
		if len(v) < 8 {
			return nil
		}
		av, err := r.account(string(v[8:]))
		if err != nil || av == nil {
			return err
		}
		if inv := av.acc.Invoices[id]; inv != nil {
			out, found = cloneInvoice(inv), true
		}
		return nil
	})
	p.logReadErr("invoice by id", err)
	return out, found
}

// cloneInvoice copies an invoice deeply: the fold changes invoices in place.
func cloneInvoice(inv *domain.Invoice) domain.Invoice {
	c := *inv
	c.Statements = slices.Clone(inv.Statements)
	c.ExchangeOf = clonePtr(inv.ExchangeOf)
	c.NetAmount = clonePtr(inv.NetAmount)
	c.TaxAmount = clonePtr(inv.TaxAmount)
	c.Shipment = clonePtr(inv.Shipment)
	if inv.Return != nil {
		r := *inv.Return
		r.AddressID = clonePtr(r.AddressID)
		r.PaperComplete = clonePtr(r.PaperComplete)
		r.ExchangeInvoiceID = clonePtr(r.ExchangeInvoiceID)
		c.Return = &r
	}
	return c
}

func clonePtr[T any](p *T) *T {
	if p == nil {
		return nil
	}
	v := *p
	return &v
}
