package api

import (
	"time"

	"github.com/google/uuid"

	"github.com/fapiao/fapiao/domain"
	"github.com/fapiao/fapiao/projections"
)

// invoiceView is an invoice as API.md writes it, with the actions the
// caller may take now.
type invoiceView struct {
	domain.Invoice
	// Deficit is what the invoice still owes (DEF-2, DEF-5), shown once a
	// refund after invoicing raised one.
	Deficit *domain.Money `json:"deficit,omitempty"`
	Actions []string      `json:"actions"`
}

func viewInvoice(inv domain.Invoice, r domain.Role) invoiceView {
	actions := inv.Actions(r)
	if actions == nil {
		actions = []string{}
	}
	if inv.Statements == nil {
		inv.Statements = []string{}
	}
	v := invoiceView{Invoice: inv, Actions: actions}
	if inv.Raised.IsPositive() {
		d := inv.Deficit()
		v.Deficit = &d
	}
	return v
}

// titleView is the account's title: its fields, flat, with its review state.
type titleView struct {
	ID uuid.UUID `json:"id"`
	domain.Title
	Status      domain.TitleStatus `json:"status"`
	Reason      string             `json:"reason,omitempty"`
	SubmittedAt time.Time          `json:"submitted_at"`
}

func viewTitle(t *domain.CurrentTitle) titleView {
	return titleView{ID: t.ID, Title: t.Title, Status: t.Status, Reason: t.Reason, SubmittedAt: t.SubmittedAt}
}

// addressView is a saved address: its fields, flat, with its ID and whether
// it is the default.
type addressView struct {
	ID uuid.UUID `json:"id"`
	domain.Address
	Default bool `json:"default"`
}

func viewAddress(a domain.SavedAddress) addressView {
	return addressView{ID: a.ID, Address: a.Address, Default: a.Default}
}

// statementView is a statement as a command answers it: the list item of
// API.md plus its lines and when it was posted.
type statementView struct {
	projections.StatementView
	PostedAt time.Time              `json:"posted_at"`
	Lines    []domain.StatementLine `json:"lines"`
}

func viewStatement(st *domain.Statement) statementView {
	return statementView{StatementView: projections.NewStatementView(st), PostedAt: st.PostedAt, Lines: st.Lines}
}

// balanceView is the invoiceable balance of API.md (BAL-2, STMT-4/5).
type balanceView struct {
	Kingsoft    domain.Money `json:"kingsoft"`
	Marketplace domain.Money `json:"marketplace"`
	Total       domain.Money `json:"total"`
	Merchant    domain.Money `json:"merchant"`
	Offline     domain.Money `json:"offline"`
	Deductions  domain.Money `json:"deductions"`
	// Deficit is what the account's invoices owe after refunds (DEF-3);
	// while it is above zero, total is zero.
	Deficit domain.Money `json:"deficit"`
}

func viewBalance(b domain.Balance) balanceView {
	return balanceView{Kingsoft: b.Kingsoft, Marketplace: b.Marketplace, Total: b.Total,
		Merchant: b.Merchant, Offline: b.Offline, Deductions: b.Deductions, Deficit: b.Deficit}
}

// list is the envelope of every list answer.
type list[T any] struct {
	Items      []T    `json:"items"`
	NextCursor string `json:"next_cursor,omitempty"`
}

func listOf[T any](items []T) list[T] {
	if items == nil {
		items = []T{}
	}
	return list[T]{Items: items}
}
