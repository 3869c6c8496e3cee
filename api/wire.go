package api

import (
	"time"

	"github.com/go-json-experiment/json"
	"github.com/go-json-experiment/json/jsontext"
	"github.com/google/uuid"
	"golang.org/x/mod/sumdb/tlog"

	"github.com/fapiao/fapiao/domain"
	"github.com/fapiao/fapiao/eventstore"
	"github.com/fapiao/fapiao/projections"
)

// The wire types: every request and answer of the API is one of these,
// copied field by field from domain and projection values (DESIGN.md,
// "Wire types belong to api"). A domain struct's JSON tags are the event
// log's schema and may never change; these may, with the OpenAPI schemas
// (openapi_schemas.go), which the black-box tests validate every answer
// against. Scalars (Money, the status and role strings, UUIDs, times) are
// shared: they are values, not shapes.

// encode is the one encoder of every JSON answer: answer, the cache
// (jsonCache) and the answers made under the ledger's lock all call it.
// JSON v2, as requests are decoded.
func encode(v any) ([]byte, error) { return json.Marshal(v) }

// titleFields are a title's fields, as submitted and as snapshotted in an
// invoice (TITLE-5).
type titleFields struct {
	Type              domain.TitleType `json:"type"`
	Holder            domain.Holder    `json:"holder"`
	Name              string           `json:"name"`
	TaxpayerID        string           `json:"taxpayer_id,omitempty"`
	RegisteredAddress string           `json:"registered_address,omitempty"`
	RegisteredPhone   string           `json:"registered_phone,omitempty"`
	BankName          string           `json:"bank_name,omitempty"`
	BankAccount       string           `json:"bank_account,omitempty"`
}

func titleFieldsOf(t domain.Title) titleFields {
	return titleFields{Type: t.Type, Holder: t.Holder, Name: t.Name, TaxpayerID: t.TaxpayerID,
		RegisteredAddress: t.RegisteredAddress, RegisteredPhone: t.RegisteredPhone, BankName: t.BankName, BankAccount: t.BankAccount}
}

func (t titleFields) domain() domain.Title {
	return domain.Title{Type: t.Type, Holder: t.Holder, Name: t.Name, TaxpayerID: t.TaxpayerID,
		RegisteredAddress: t.RegisteredAddress, RegisteredPhone: t.RegisteredPhone, BankName: t.BankName, BankAccount: t.BankAccount}
}

// addressFields are a mailing address's fields (ADDR-1).
type addressFields struct {
	Recipient  string `json:"recipient"`
	Phone      string `json:"phone"`
	Province   string `json:"province"`
	City       string `json:"city"`
	District   string `json:"district,omitempty"`
	Street     string `json:"street"`
	PostalCode string `json:"postal_code"`
}

func addressFieldsOf(a domain.Address) addressFields {
	return addressFields{Recipient: a.Recipient, Phone: a.Phone, Province: a.Province, City: a.City,
		District: a.District, Street: a.Street, PostalCode: a.PostalCode}
}

func (a addressFields) domain() domain.Address {
	return domain.Address{Recipient: a.Recipient, Phone: a.Phone, Province: a.Province, City: a.City,
		District: a.District, Street: a.Street, PostalCode: a.PostalCode}
}

// Requests.

// addressIn is an address as the customer sends it (ADDR-1).
type addressIn struct {
	addressFields `json:",inline"`
	Default       bool `json:"default"`
}

// statementIn is a month's statement as billing posts it (STMT-1..3).
type statementIn struct {
	Month string            `json:"month"`
	Lines []statementLineIO `json:"lines"`
}

func (s statementIn) command() domain.PostStatement {
	lines := make([]domain.StatementLine, len(s.Lines))
	for i, l := range s.Lines {
		lines[i] = domain.StatementLine{LineID: l.LineID, Product: l.Product, BillingMode: l.BillingMode,
			PurchasedAt: l.PurchasedAt, Channel: l.Channel, Merchant: l.Merchant, Amount: l.Amount,
			Voucher: l.Voucher, Coupon: l.Coupon, GiftBalance: l.GiftBalance}
	}
	return domain.PostStatement{Month: s.Month, Lines: lines}
}

// statementLineIO is a statement line, posted and answered alike.
type statementLineIO struct {
	LineID      string             `json:"line_id"`
	Product     string             `json:"product"`
	BillingMode domain.BillingMode `json:"billing_mode"`
	PurchasedAt string             `json:"purchased_at"`
	Channel     domain.Channel     `json:"channel"`
	Merchant    string             `json:"merchant,omitempty"`
	Amount      domain.Money       `json:"amount"`
	Voucher     domain.Money       `json:"voucher"`
	Coupon      domain.Money       `json:"coupon"`
	GiftBalance domain.Money       `json:"gift_balance"`
}

// Answers.

// invoiceOut is an invoice as API.md writes it, with the actions the
// caller may take now.
type invoiceOut struct {
	ID            uuid.UUID            `json:"id"`
	AccountID     string               `json:"account_id"`
	Status        domain.InvoiceStatus `json:"status"`
	Amount        domain.Money         `json:"amount"`
	Kingsoft      domain.Money         `json:"kingsoft"`
	Marketplace   domain.Money         `json:"marketplace"`
	Statements    []string             `json:"statements"`
	Title         titleFields          `json:"title"`
	Medium        domain.Medium        `json:"medium"`
	Address       *addressFields       `json:"address,omitempty"` // paper only (APP-5)
	Emails        []string             `json:"emails,omitempty"`  // electronic only (EINV-1)
	RequestedAt   time.Time            `json:"requested_at"`
	SLADue        string               `json:"sla_due,omitempty"`
	ExchangeOf    *uuid.UUID           `json:"exchange_of,omitempty"`
	InvoiceCode   string               `json:"invoice_code,omitempty"`
	InvoiceNumber string               `json:"invoice_number,omitempty"`
	IssuedOn      string               `json:"issued_on,omitempty"`
	Issuer        string               `json:"issuer,omitempty"`
	TaxRate       string               `json:"tax_rate,omitempty"`
	NetAmount     *domain.Money        `json:"net_amount,omitempty"`
	TaxAmount     *domain.Money        `json:"tax_amount,omitempty"`
	Shipment      *shipmentOut         `json:"shipment,omitempty"`
	DeliveredTo   []string             `json:"delivered_to,omitempty"` // electronic, on issue (EINV-2)
	Return        *returnOut           `json:"return,omitempty"`
	// ExchangeFailure says why RETURN-6's exchange was not made.
	ExchangeFailure *exchangeFailureOut `json:"exchange_failure,omitempty"`
	// Deficit is what the invoice still owes after refunds (DEF-2, DEF-5),
	// shown once one was raised; RedFlushedAmount its partial red-flushes.
	Deficit          *domain.Money `json:"deficit,omitempty"`
	RedFlushedAmount *domain.Money `json:"red_flushed_amount,omitempty"`
	// PartialRedFlushes are the red invoices of part of it (DEF-5).
	PartialRedFlushes []partialRedFlushOut `json:"partial_red_flushes,omitempty"`
	RejectReason      string               `json:"reject_reason,omitempty"`
	CancelledBy       domain.Role          `json:"cancelled_by,omitempty"`
	UpdatedAt         time.Time            `json:"updated_at"`
	Actions           []string             `json:"actions"`
}

type shipmentOut struct {
	Courier        string    `json:"courier"`
	TrackingNumber string    `json:"tracking_number"`
	ShippedAt      time.Time `json:"shipped_at"`
	Late           bool      `json:"late"`
}

type returnOut struct {
	Reason              string     `json:"reason"`
	Certified           bool       `json:"certified"`
	RedLetterFormNumber string     `json:"red_letter_form_number,omitempty"`
	Exchange            bool       `json:"exchange"`
	AddressID           *uuid.UUID `json:"address_id,omitempty"`
	RequestedAt         time.Time  `json:"requested_at"`
	PaperComplete       *bool      `json:"paper_complete,omitempty"`
	PaperNote           string     `json:"paper_note,omitempty"`
	RejectedReason      string     `json:"rejected_reason,omitempty"`
	RedInvoiceCode      string     `json:"red_invoice_code,omitempty"`
	RedInvoiceNumber    string     `json:"red_invoice_number,omitempty"`
	RedConfirmationID   *uuid.UUID `json:"red_confirmation_id,omitempty"` // electronic (RED-5)
	ExchangeInvoiceID   *uuid.UUID `json:"exchange_invoice_id,omitempty"`
}

type partialRedFlushOut struct {
	RedInvoiceCode      string       `json:"red_invoice_code,omitempty"`
	RedInvoiceNumber    string       `json:"red_invoice_number"`
	RedLetterFormNumber string       `json:"red_letter_form_number,omitempty"`
	Amount              domain.Money `json:"amount"`
	NetAmount           domain.Money `json:"net_amount"`
	TaxAmount           domain.Money `json:"tax_amount"`
	IssuedOn            string       `json:"issued_on,omitempty"`
	ConfirmationID      *uuid.UUID   `json:"confirmation_id,omitempty"`
	RedFlushedAt        time.Time    `json:"red_flushed_at"`
}

type exchangeFailureOut struct {
	Reason string    `json:"reason"`
	Code   string    `json:"code"`
	At     time.Time `json:"at"`
}

func viewInvoice(inv *domain.Invoice, r domain.Role) invoiceOut {
	out := invoiceOut{
		ID: inv.ID, AccountID: inv.AccountID, Status: inv.Status, Amount: inv.Amount, Kingsoft: inv.Kingsoft,
		Marketplace: inv.Marketplace, Statements: inv.Statements, Title: titleFieldsOf(inv.Title),
		Medium: inv.Medium, Emails: inv.Emails, DeliveredTo: inv.DeliveredTo, RequestedAt: inv.RequestedAt, SLADue: inv.SLADue,
		ExchangeOf: inv.ExchangeOf, InvoiceCode: inv.InvoiceCode, InvoiceNumber: inv.InvoiceNumber,
		IssuedOn: inv.IssuedOn, Issuer: inv.Issuer, TaxRate: inv.TaxRate, NetAmount: inv.NetAmount,
		TaxAmount: inv.TaxAmount, RejectReason: inv.RejectReason, CancelledBy: inv.CancelledBy,
		UpdatedAt: inv.UpdatedAt, Actions: inv.Actions(r),
	}
	if inv.Medium != domain.Electronic {
		a := addressFieldsOf(inv.Address)
		out.Address = &a
	}
	if out.Medium == "" {
		out.Medium = domain.Paper
	}
	if f := inv.ExchangeFailure; f != nil {
		out.ExchangeFailure = &exchangeFailureOut{Reason: f.Reason, Code: f.Code, At: f.At}
	}
	if inv.Raised.IsPositive() {
		d := inv.Deficit()
		out.Deficit = &d
	}
	if inv.RedFlushedAmount.IsPositive() {
		r := inv.RedFlushedAmount
		out.RedFlushedAmount = &r
	}
	for _, p := range inv.PartialRedFlushes {
		out.PartialRedFlushes = append(out.PartialRedFlushes, partialRedFlushOut{RedInvoiceCode: p.RedInvoiceCode,
			RedInvoiceNumber: p.RedInvoiceNumber, RedLetterFormNumber: p.RedLetterFormNumber, Amount: p.Amount,
			NetAmount: p.NetAmount, TaxAmount: p.TaxAmount, IssuedOn: p.IssuedOn, ConfirmationID: p.ConfirmationID, RedFlushedAt: p.At})
	}
	if s := inv.Shipment; s != nil {
		out.Shipment = &shipmentOut{Courier: s.Courier, TrackingNumber: s.TrackingNumber, ShippedAt: s.ShippedAt, Late: s.Late}
	}
	if rt := inv.Return; rt != nil {
		out.Return = &returnOut{Reason: rt.Reason, Certified: rt.Certified, RedLetterFormNumber: rt.RedLetterFormNumber,
			Exchange: rt.Exchange, AddressID: rt.AddressID, RequestedAt: rt.RequestedAt, PaperComplete: rt.PaperComplete,
			PaperNote: rt.PaperNote, RejectedReason: rt.RejectedReason, RedInvoiceCode: rt.RedInvoiceCode,
			RedInvoiceNumber: rt.RedInvoiceNumber, RedConfirmationID: rt.RedConfirmationID, ExchangeInvoiceID: rt.ExchangeInvoiceID}
	}
	return out
}

// titleOut is the account's title: its fields, flat, with its review state.
type titleOut struct {
	ID          uuid.UUID `json:"id"`
	titleFields `json:",inline"`
	Status      domain.TitleStatus `json:"status"`
	Reason      string             `json:"reason,omitempty"`
	SubmittedAt time.Time          `json:"submitted_at"`
}

func viewTitle(t *domain.CurrentTitle) titleOut {
	return titleOut{ID: t.ID, titleFields: titleFieldsOf(t.Title), Status: t.Status, Reason: t.Reason, SubmittedAt: t.SubmittedAt}
}

// addressOut is a saved address: its fields, flat, with its ID and whether
// it is the default.
type addressOut struct {
	ID            uuid.UUID `json:"id"`
	addressFields `json:",inline"`
	Default       bool `json:"default"`
}

func viewAddress(a *domain.SavedAddress) addressOut {
	return addressOut{ID: a.ID, addressFields: addressFieldsOf(a.Address), Default: a.Default}
}

// statementItemOut is a statement in a list (API.md).
type statementItemOut struct {
	Month       string                 `json:"month"`
	Status      domain.StatementStatus `json:"status"`
	Invoiceable domain.Money           `json:"invoiceable"`
	Kingsoft    domain.Money           `json:"kingsoft"`
	Marketplace domain.Money           `json:"marketplace"`
	Merchant    domain.Money           `json:"merchant"`
	Offline     domain.Money           `json:"offline"`
	Deductions  domain.Money           `json:"deductions"`
	InvoiceID   *uuid.UUID             `json:"invoice_id"` // null while available
	// Adjusted is what refunds took off (DEF-1), Offset what cleared
	// deficits (DEF-3), Available the part in the balance (BAL-2).
	Adjusted  domain.Money `json:"adjusted"`
	Offset    domain.Money `json:"offset"`
	Available domain.Money `json:"available"`
}

func viewStatementItem(v projections.StatementView) statementItemOut {
	return statementItemOut{Month: v.Month, Status: v.Status, Invoiceable: v.Invoiceable, Kingsoft: v.Kingsoft,
		Marketplace: v.Marketplace, Merchant: v.Merchant, Offline: v.Offline, Deductions: v.Deductions, InvoiceID: v.InvoiceID,
		Adjusted: v.Adjusted, Offset: v.Offset, Available: v.Available}
}

// statementOut is a statement as a command answers it: the list item plus
// its lines and when it was posted.
type statementOut struct {
	statementItemOut `json:",inline"`
	PostedAt         time.Time         `json:"posted_at"`
	Lines            []statementLineIO `json:"lines"`
}

func viewStatement(st *domain.Statement) statementOut {
	lines := make([]statementLineIO, len(st.Lines))
	for i, l := range st.Lines {
		lines[i] = statementLineIO{LineID: l.LineID, Product: l.Product, BillingMode: l.BillingMode,
			PurchasedAt: l.PurchasedAt, Channel: l.Channel, Merchant: l.Merchant, Amount: l.Amount,
			Voucher: l.Voucher, Coupon: l.Coupon, GiftBalance: l.GiftBalance}
	}
	return statementOut{statementItemOut: viewStatementItem(projections.NewStatementView(st)), PostedAt: st.PostedAt, Lines: lines}
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

// eventOut is an event on the wire (API.md). Its data and metadata are the
// log's own canonical JSON, as hashed into the chain: that is the log's
// schema, by design, not an API shape.
type eventOut struct {
	Position eventstore.Position `json:"position"`
	Stream   string              `json:"stream"`
	Revision uint64              `json:"revision"`
	ID       uuid.UUID           `json:"id"`
	Type     string              `json:"type"`
	Data     jsontext.Value      `json:"data"`
	Metadata jsontext.Value      `json:"metadata"`
}

func viewEvent(r eventstore.Record) eventOut {
	return eventOut{Position: r.Position, Stream: r.Stream, Revision: r.Revision, ID: r.ID, Type: r.Type,
		Data: jsontext.Value(r.Data), Metadata: jsontext.Value(r.Metadata)}
}

// eventPageOut is a page of events; Next is the from of the following page.
type eventPageOut struct {
	Items []eventOut `json:"items"`
	Next  *uint64    `json:"next,omitempty"`
}

// healthOut and readyOut answer /healthz and /readyz.
type healthOut struct {
	Status string `json:"status"`
}

type readyOut struct {
	Status   string              `json:"status"`
	Position eventstore.Position `json:"position"`
}

// reconciliationOut is REC-1..3 for a month (projections.Report).
type reconciliationOut struct {
	Month    string              `json:"month"`
	AsOf     time.Time           `json:"as_of"`
	Position eventstore.Position `json:"position"`
	OK       bool                `json:"ok"`
	Problems []recProblemOut     `json:"problems"`
	Accounts []accountCheckOut   `json:"accounts"`
	Tax      taxSummaryOut       `json:"tax"`
	SLA      slaReportOut        `json:"sla"`
}

type recProblemOut struct {
	Code    string `json:"code"`
	Account string `json:"account,omitempty"`
	Detail  string `json:"detail"`
}

type accountCheckOut struct {
	Account    string            `json:"account"`
	Statements domain.Money      `json:"statements"`
	Available  domain.Money      `json:"available"`
	Reserved   domain.Money      `json:"reserved"`
	Invoiced   domain.Money      `json:"invoiced"`
	OK         bool              `json:"ok"`
	Problems   []recProblemOut   `json:"problems"`
	Statement  *statementItemOut `json:"statement,omitempty"`
}

type taxSummaryOut struct {
	Issued     taxLineOut `json:"issued"`
	Voided     taxLineOut `json:"voided"`
	RedFlushed taxLineOut `json:"red_flushed"`
	Net        taxLineOut `json:"net"`
}

type taxLineOut struct {
	Count  int          `json:"count"`
	Amount domain.Money `json:"amount"`
	Net    domain.Money `json:"net"`
	Tax    domain.Money `json:"tax"`
}

type slaReportOut struct {
	Late            []slaItemOut `json:"late"`
	WaitingForPaper []slaItemOut `json:"waiting_for_paper"`
}

type slaItemOut struct {
	Account           string               `json:"account"`
	InvoiceID         uuid.UUID            `json:"invoice_id"`
	Status            domain.InvoiceStatus `json:"status"`
	RequestedAt       time.Time            `json:"requested_at"`
	SLADue            string               `json:"sla_due,omitempty"`
	ShippedAt         *time.Time           `json:"shipped_at,omitempty"`
	ReturnRequestedAt *time.Time           `json:"return_requested_at,omitempty"`
}

func viewReconciliation(r projections.Report) reconciliationOut {
	problems := func(ps []projections.Problem) []recProblemOut {
		out := make([]recProblemOut, len(ps))
		for i, p := range ps {
			out[i] = recProblemOut{Code: p.Code, Account: p.Account, Detail: p.Detail}
		}
		return out
	}
	tax := func(l projections.TaxLine) taxLineOut {
		return taxLineOut{Count: l.Count, Amount: l.Amount, Net: l.Net, Tax: l.Tax}
	}
	sla := func(items []projections.SLAItem) []slaItemOut {
		out := make([]slaItemOut, len(items))
		for i, it := range items {
			out[i] = slaItemOut{Account: it.Account, InvoiceID: it.InvoiceID, Status: it.Status, RequestedAt: it.RequestedAt,
				SLADue: it.SLADue, ShippedAt: it.ShippedAt, ReturnRequestedAt: it.ReturnRequestedAt}
		}
		return out
	}
	out := reconciliationOut{Month: r.Month, AsOf: r.AsOf, Position: r.Position, OK: r.OK, Problems: problems(r.Problems),
		Accounts: make([]accountCheckOut, len(r.Accounts)),
		Tax:      taxSummaryOut{Issued: tax(r.Tax.Issued), Voided: tax(r.Tax.Voided), RedFlushed: tax(r.Tax.RedFlushed), Net: tax(r.Tax.Net)},
		SLA:      slaReportOut{Late: sla(r.SLA.Late), WaitingForPaper: sla(r.SLA.WaitingForPaper)}}
	for i, a := range r.Accounts {
		out.Accounts[i] = accountCheckOut{Account: a.Account, Statements: a.Statements, Available: a.Available,
			Reserved: a.Reserved, Invoiced: a.Invoiced, OK: a.OK, Problems: problems(a.Problems)}
		if a.Statement != nil {
			st := viewStatementItem(*a.Statement)
			out.Accounts[i].Statement = &st
		}
	}
	return out
}

// inclusionProofOut and consistencyProofOut answer /v1/proofs: the same
// members as transparency.InclusionProof and ConsistencyProof, which the
// offline checkers (fapiao verify-proof) read, so an answer saved to a file
// checks as it is.
type inclusionProofOut struct {
	Position  uint64      `json:"position"`
	Index     int64       `json:"index"`
	Size      int64       `json:"size"`
	EventHash string      `json:"event_hash"`
	LeafHash  tlog.Hash   `json:"leaf_hash"`
	Hashes    []tlog.Hash `json:"hashes"`
}

type consistencyProofOut struct {
	From   int64       `json:"from"`
	To     int64       `json:"to"`
	Hashes []tlog.Hash `json:"hashes"`
}
