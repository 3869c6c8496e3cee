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
	p.mu.RLock()
	defer p.mu.RUnlock()
	ids := make([]string, 0, len(p.accounts))
	for id := range p.accounts {
		ids = append(ids, id)
	}
	slices.Sort(ids)
	return ids
}

// Account returns a deep copy of the account's folded state. Its statements
// carry their buckets but not their lines: the read models do not keep them.
func (p *Projections) Account(id string) (*domain.Account, bool) {
	p.mu.RLock()
	defer p.mu.RUnlock()
	av, ok := p.accounts[id]
	if !ok {
		return nil, false
	}
	return av.acc.Clone(), true
}

// Balance returns the account's invoiceable balance (BAL-2) and the BAL-3 parts.
func (p *Projections) Balance(acc string) (domain.Balance, bool) {
	b, _, ok := p.BalanceVersion(acc)
	return b, ok
}

// BalanceVersion is Balance with the account's Version it was computed at,
// read together: the balance is the same for as long as the version is.
func (p *Projections) BalanceVersion(acc string) (domain.Balance, uint64, bool) {
	p.mu.RLock()
	defer p.mu.RUnlock()
	av, ok := p.accounts[acc]
	if !ok {
		return domain.Balance{}, 0, false
	}
	return av.acc.Balance(), av.acc.Version, true
}

// AccountVersion returns the number of the account's events folded so far
// (domain.Account.Version) without copying anything; ok=false for an
// account with no events.
func (p *Projections) AccountVersion(acc string) (uint64, bool) {
	p.mu.RLock()
	defer p.mu.RUnlock()
	av, ok := p.accounts[acc]
	if !ok {
		return 0, false
	}
	return av.acc.Version, true
}

// StatementView is one statement as GET …/statements lists it.
type StatementView struct {
	Month       string                 `json:"month"`
	Status      domain.StatementStatus `json:"status"`
	Invoiceable domain.Money           `json:"invoiceable"`
	Kingsoft    domain.Money           `json:"kingsoft"`
	Marketplace domain.Money           `json:"marketplace"`
	Merchant    domain.Money           `json:"merchant"`
	Offline     domain.Money           `json:"offline"`
	Deductions  domain.Money           `json:"deductions"`
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
// status unless status is "".
func (p *Projections) Statements(acc string, status domain.StatementStatus) ([]StatementView, bool) {
	p.mu.RLock()
	defer p.mu.RUnlock()
	av, ok := p.accounts[acc]
	if !ok {
		return nil, false
	}
	views := []StatementView{}
	for _, s := range av.acc.Statements {
		if status != "" && s.Status != status {
			continue
		}
		views = append(views, NewStatementView(s))
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
		Kingsoft:    s.Buckets.Kingsoft,
		Marketplace: s.Buckets.Marketplace,
		Merchant:    s.Buckets.Merchant,
		Offline:     s.Buckets.Offline,
		Deductions:  s.Buckets.Deductions,
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
	p.mu.RLock()
	defer p.mu.RUnlock()
	av, ok := p.accounts[acc]
	if !ok {
		return nil, false
	}
	t := av.acc.CurrentTitle()
	if t == nil {
		return nil, true
	}
	c := *t
	return &c, true
}

// Addresses returns the account's mailing addresses in the order added.
func (p *Projections) Addresses(acc string) ([]domain.SavedAddress, bool) {
	p.mu.RLock()
	defer p.mu.RUnlock()
	av, ok := p.accounts[acc]
	if !ok {
		return nil, false
	}
	out := make([]domain.SavedAddress, 0, len(av.acc.Addresses))
	for _, a := range av.acc.Addresses {
		out = append(out, *a)
	}
	return out, true
}

// Invoice returns the account's invoice with id.
func (p *Projections) Invoice(acc string, id uuid.UUID) (domain.Invoice, bool) {
	p.mu.RLock()
	defer p.mu.RUnlock()
	av, ok := p.accounts[acc]
	if !ok {
		return domain.Invoice{}, false
	}
	inv := av.acc.Invoices[id]
	if inv == nil {
		return domain.Invoice{}, false
	}
	return cloneInvoice(inv), true
}

// InvoiceByID returns the invoice with id whatever its account (finance).
func (p *Projections) InvoiceByID(id uuid.UUID) (domain.Invoice, bool) {
	p.mu.RLock()
	defer p.mu.RUnlock()
	ref, ok := p.byID[id]
	if !ok {
		return domain.Invoice{}, false
	}
	inv := p.refAcc[ref].acc.Invoices[id]
	if inv == nil {
		return domain.Invoice{}, false
	}
	return cloneInvoice(inv), true
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
