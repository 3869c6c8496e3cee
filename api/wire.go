package api

import (
	"time"

	"github.com/go-json-experiment/json"
	"github.com/google/uuid"

	"github.com/fapiao/fapiao/domain"
	"github.com/fapiao/fapiao/eventstore"
	"github.com/fapiao/fapiao/projections"
)

// The wire types: the shape of every request and answer of the API is
// decided here (DESIGN.md, "Wire types belong to api"), with the OpenAPI
// schemas (openapi_schemas.go) that the black-box tests validate every
// answer against, so that a renamed or dropped member fails a test. Where
// an owner's value already has the wire's JSON, member for member (a title,
// an address and a statement line, whose tags are the event log's schema
// and never change; an invoice's shipment, return and partial red-flushes;
// a statement in a list, the read model's view of it), the wire uses that
// type rather than a copy of it; a change to one of those tags is a change
// to the API, and the schema tests say so. Where the wire shows less or
// another shape (an invoice, a statement, a saved title or address) it has
// its own type here, built from the owner's value, and embeds the parts of
// it that are the wire's member for member (an invoice's domain.Issue, a
// confirmation's domain.ConfirmationTerms, an account check's
// projections.Conservation).

// encode is the one encoder of every JSON answer: answer, the cache
// (jsonCache) and the answers made under the ledger's lock all call it.
// JSON v2, as requests are decoded.
func encode(v any) ([]byte, error) { return json.Marshal(v) }

// Requests. A title is posted as a domain.Title and a statement as a
// domain.PostStatement (STMT-1..3), whose lines are answered as they came.

// addressIn is an address as the customer sends it (ADDR-1).
type addressIn struct {
	domain.Address `json:",inline"`
	Default        bool `json:"default"`
}

// Answers.

// invoiceOut is an invoice as API.md writes it, with the actions the
// caller may take now.
type invoiceOut struct {
	ID           uuid.UUID            `json:"id"`
	AccountID    string               `json:"account_id"`
	Status       domain.InvoiceStatus `json:"status"`
	Amount       domain.Money         `json:"amount"`
	Kingsoft     domain.Money         `json:"kingsoft"`
	Marketplace  domain.Money         `json:"marketplace"`
	Statements   []string             `json:"statements"`
	Title        domain.Title         `json:"title"`
	Medium       domain.Medium        `json:"medium"`
	Address      *domain.Address      `json:"address,omitempty"` // paper only (APP-5)
	Emails       []string             `json:"emails,omitempty"`  // electronic only (EINV-1)
	RequestedAt  time.Time            `json:"requested_at"`
	SLADue       string               `json:"sla_due,omitempty"`
	ExchangeOf   *uuid.UUID           `json:"exchange_of,omitempty"`
	domain.Issue `json:",inline"`
	Shipment     *domain.Shipment `json:"shipment,omitempty"`
	DeliveredTo  []string         `json:"delivered_to,omitempty"` // electronic, on issue (EINV-2)
	Return       *domain.Return   `json:"return,omitempty"`
	// ExchangeFailure says why RETURN-6's exchange was not made.
	ExchangeFailure *domain.ExchangeFailure `json:"exchange_failure,omitempty"`
	// Deficit is what the invoice still owes after refunds (DEF-2, DEF-5),
	// shown once one was raised; RedFlushedAmount its partial red-flushes.
	Deficit          *domain.Money `json:"deficit,omitempty"`
	RedFlushedAmount *domain.Money `json:"red_flushed_amount,omitempty"`
	// PartialRedFlushes are the red invoices of part of it (DEF-5).
	PartialRedFlushes []domain.PartialRedFlush `json:"partial_red_flushes,omitempty"`
	RejectReason      string                   `json:"reject_reason,omitempty"`
	CancelledBy       domain.Role              `json:"cancelled_by,omitempty"`
	UpdatedAt         time.Time                `json:"updated_at"`
	Actions           []string                 `json:"actions"`
}

// viewInvoice is inv as r sees it. The answer shares inv's slices and
// pointers (its shipment, return, ...): every caller encodes it at once,
// from a copy or under the lock that guards inv, and keeps only the bytes.
func viewInvoice(inv *domain.Invoice, r domain.Role) invoiceOut {
	out := invoiceOut{
		ID: inv.ID, AccountID: inv.AccountID, Status: inv.Status, Amount: inv.Amount, Kingsoft: inv.Kingsoft,
		Marketplace: inv.Marketplace, Statements: inv.Statements,
		Medium: inv.Medium, Emails: inv.Emails, DeliveredTo: inv.DeliveredTo, RequestedAt: inv.RequestedAt, SLADue: inv.SLADue,
		ExchangeOf: inv.ExchangeOf, Issue: inv.Issue, Shipment: inv.Shipment, Return: inv.Return,
		ExchangeFailure: inv.ExchangeFailure, PartialRedFlushes: inv.PartialRedFlushes,
		RejectReason: inv.RejectReason, CancelledBy: inv.CancelledBy, UpdatedAt: inv.UpdatedAt, Actions: inv.Actions(r),
	}
	if inv.Title != nil {
		out.Title = *inv.Title
	}
	if inv.Medium != domain.Electronic && inv.Address != nil {
		out.Address = inv.Address
	}
	if out.Medium == "" {
		out.Medium = domain.Paper
	}
	if inv.Raised.IsPositive() {
		d := inv.Deficit()
		out.Deficit = &d
	}
	if inv.RedFlushedAmount.IsPositive() {
		r := inv.RedFlushedAmount
		out.RedFlushedAmount = &r
	}
	return out
}

// titleOut is the account's title: its fields, flat, with its review state.
type titleOut struct {
	ID           uuid.UUID `json:"id"`
	domain.Title `json:",inline"`
	Status       domain.TitleStatus `json:"status"`
	Reason       string             `json:"reason,omitempty"`
	SubmittedAt  time.Time          `json:"submitted_at"`
}

func viewTitle(t *domain.CurrentTitle) titleOut {
	return titleOut{ID: t.ID, Title: t.Title, Status: t.Status, Reason: t.Reason, SubmittedAt: t.SubmittedAt}
}

// addressOut is a saved address: its ID, then its fields, flat, and whether
// it is the default, as they are sent.
type addressOut struct {
	ID        uuid.UUID `json:"id"`
	addressIn `json:",inline"`
}

func viewAddress(a *domain.SavedAddress) addressOut {
	return addressOut{ID: a.ID, addressIn: addressIn{Address: a.Address, Default: a.Default}}
}

// statementItemOut is a statement in a list (API.md): the read model's
// view, whose JSON is the wire's member for member, less its invoice_ids
// (DEF-4's several holders), which the API does not show.
type statementItemOut = projections.StatementView

func viewStatementItem(v projections.StatementView) statementItemOut {
	v.InvoiceIDs = nil // omitted: the wire names the first holder only
	return v
}

// statementOut is a statement as a command answers it: the list item plus
// its lines and when it was posted.
type statementOut struct {
	statementItemOut `json:",inline"`
	PostedAt         time.Time              `json:"posted_at"`
	Lines            []domain.StatementLine `json:"lines"`
}

// viewStatement shares st's lines: they are the event's, never changed.
func viewStatement(st *domain.Statement) statementOut {
	return statementOut{statementItemOut: viewStatementItem(projections.NewStatementView(st)), PostedAt: st.PostedAt, Lines: st.Lines}
}

// balanceOut is the invoiceable balance of API.md (BAL-2, STMT-4/5).
type balanceOut struct {
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

func viewBalance(b domain.Balance) balanceOut {
	return balanceOut{Kingsoft: b.Kingsoft, Marketplace: b.Marketplace, Total: b.Total,
		Merchant: b.Merchant, Offline: b.Offline, Deductions: b.Deductions, Deficit: b.Deficit}
}

// listOut is the envelope of every list answer.
type listOut[T any] struct {
	Items      []T    `json:"items"`
	NextCursor string `json:"next_cursor,omitempty"`
}

func listOf[T any](items []T) listOut[T] {
	if items == nil {
		items = []T{}
	}
	return listOut[T]{Items: items}
}

// eventPageOut is a page of events; Next is the from of the following page.
// An event is answered as its eventstore.Record, whose JSON is the wire
// form of API.md: its data and metadata are the log's own canonical JSON,
// as hashed into the chain, the log's schema by design, not an API shape.
type eventPageOut struct {
	Items []eventstore.Record `json:"items"`
	Next  *uint64             `json:"next,omitempty"`
}

// healthOut and readyOut answer /healthz and /readyz.
type healthOut struct {
	Status string `json:"status"`
}

type readyOut struct {
	Status   string              `json:"status"`
	Position eventstore.Position `json:"position"`
}

// reconciliationOut is REC-1..3 for a month: projections.Report as the API
// shows it, with fewer members (no deficit, no partial red-flushes or
// split by medium, no EINV-3 or RED-3 lists). Its problems, tax lines and
// SLA items are the report's own values: their JSON is the wire's.
type reconciliationOut struct {
	Month    string                `json:"month"`
	AsOf     time.Time             `json:"as_of"`
	Position eventstore.Position   `json:"position"`
	OK       bool                  `json:"ok"`
	Problems []projections.Problem `json:"problems"`
	Accounts []accountCheckOut     `json:"accounts"`
	Tax      taxSummaryOut         `json:"tax"`
	SLA      slaReportOut          `json:"sla"`
}

// accountCheckOut is projections.AccountCheck less its deficit.
type accountCheckOut struct {
	Account                  string `json:"account"`
	projections.Conservation `json:",inline"`
	OK                       bool                  `json:"ok"`
	Problems                 []projections.Problem `json:"problems"`
	Statement                *statementItemOut     `json:"statement,omitempty"`
}

type taxSummaryOut struct {
	Issued     projections.TaxLine `json:"issued"`
	Voided     projections.TaxLine `json:"voided"`
	RedFlushed projections.TaxLine `json:"red_flushed"`
	Net        projections.TaxLine `json:"net"`
}

// slaReportOut lists paper applications only, whose SLA items never carry
// an issued_on (only EINV-3's late electronic ones do).
type slaReportOut struct {
	Late            []projections.SLAItem `json:"late"`
	WaitingForPaper []projections.SLAItem `json:"waiting_for_paper"`
}

func viewReconciliation(r projections.Report) reconciliationOut {
	out := reconciliationOut{Month: r.Month, AsOf: r.AsOf, Position: r.Position, OK: r.OK, Problems: r.Problems,
		Accounts: make([]accountCheckOut, len(r.Accounts)),
		Tax:      taxSummaryOut{Issued: r.Tax.Issued, Voided: r.Tax.Voided, RedFlushed: r.Tax.RedFlushed, Net: r.Tax.Net},
		SLA:      slaReportOut{Late: r.SLA.Late, WaitingForPaper: r.SLA.WaitingForPaper}}
	for i, a := range r.Accounts {
		out.Accounts[i] = accountCheckOut{Account: a.Account, Conservation: a.Conservation, OK: a.OK, Problems: a.Problems}
		if a.Statement != nil {
			st := viewStatementItem(*a.Statement)
			out.Accounts[i].Statement = &st
		}
	}
	return out
}
