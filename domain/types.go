package domain

import (
	"slices"
	"time"

	"github.com/google/uuid"
)

// Role is who acts (DOMAIN.md, Actors).
type Role string

const (
	RoleCustomer Role = "customer"
	RoleFinance  Role = "finance"
	RoleSupport  Role = "support"
	RoleBilling  Role = "billing"
	RoleAuditor  Role = "auditor"
)

// BillingMode of a statement line.
type BillingMode string

const (
	Prepaid          BillingMode = "prepaid"
	Postpaid         BillingMode = "postpaid"
	OtherBillingMode BillingMode = "other"
)

// Channel a line was bought through.
type Channel string

const (
	ChannelKingsoft            Channel = "kingsoft"
	ChannelMarketplaceSelf     Channel = "marketplace_self"
	ChannelMarketplaceMerchant Channel = "marketplace_merchant"
)

// Bucket a line's cash falls in (STMT-4).
type Bucket string

const (
	BucketMerchant    Bucket = "merchant"
	BucketOffline     Bucket = "offline"
	BucketKingsoft    Bucket = "kingsoft"
	BucketMarketplace Bucket = "marketplace"
)

// TitleType is the kind of VAT invoice a title is for.
type TitleType string

const (
	VATGeneral TitleType = "vat_general" // 增值税普通发票
	VATSpecial TitleType = "vat_special" // 增值税专用发票
)

// Holder says whether a title names a company or an individual.
type Holder string

const (
	HolderCompany    Holder = "company"
	HolderIndividual Holder = "individual"
)

// Title is an invoice title (发票抬头) as submitted; also its snapshot in an
// application (TITLE-5).
type Title struct {
	Type              TitleType `json:"type"`
	Holder            Holder    `json:"holder"`
	Name              string    `json:"name"`
	TaxpayerID        string    `json:"taxpayer_id,omitempty"`
	RegisteredAddress string    `json:"registered_address,omitempty"`
	RegisteredPhone   string    `json:"registered_phone,omitempty"`
	BankName          string    `json:"bank_name,omitempty"`
	BankAccount       string    `json:"bank_account,omitempty"`
}

// TitleStatus of an account's title.
type TitleStatus string

const (
	TitlePendingReview TitleStatus = "pending_review"
	TitleApprovedState TitleStatus = "approved"
	TitleRejectedState TitleStatus = "rejected"
	TitleClearedState  TitleStatus = "cleared"
)

// Address is a mailing address in mainland China (收票地址, ADDR-1).
type Address struct {
	Recipient  string `json:"recipient"`
	Phone      string `json:"phone"`
	Province   string `json:"province"`
	City       string `json:"city"`
	District   string `json:"district,omitempty"`
	Street     string `json:"street"`
	PostalCode string `json:"postal_code"`
}

// StatementStatus (BAL-1).
type StatementStatus string

const (
	StatementAvailable StatementStatus = "available"
	StatementReserved  StatementStatus = "reserved"
	StatementInvoiced  StatementStatus = "invoiced"
	// StatementOffset: wholly used to clear a deficit (DEF-3).
	StatementOffset StatementStatus = "offset"
)

// InvoiceStatus is a state of the lifecycle in DOMAIN.md.
type InvoiceStatus string

const (
	UnderReview          InvoiceStatus = "under_review"     // 开票申请审核中
	Issuing              InvoiceStatus = "issuing"          // 开票中
	Issued               InvoiceStatus = "issued"           // 已开票
	ReturnRequestedState InvoiceStatus = "return_requested" // 退票申请中
	PaperReceived        InvoiceStatus = "paper_received"   // 已收到退回发票
	Rejected             InvoiceStatus = "rejected"         // 已驳回
	Cancelled            InvoiceStatus = "cancelled"        // 已取消
	Voided               InvoiceStatus = "voided"           // 已作废
	RedFlushed           InvoiceStatus = "red_flushed"      // 已红冲
)

// Known reports whether s is one of InvoiceStatuses.
func (s InvoiceStatus) Known() bool { return slices.Contains(invoiceStatuses, s) }

// Buckets is a statement's cash split by STMT-4, plus the deductions that are
// never invoiceable (STMT-5).
type Buckets struct {
	Kingsoft    Money `json:"kingsoft"`
	Marketplace Money `json:"marketplace"`
	Merchant    Money `json:"merchant"`
	Offline     Money `json:"offline"`
	Deductions  Money `json:"deductions"`
}

// Invoiceable is kingsoft + marketplace cash (STMT-6).
func (b Buckets) Invoiceable() Money { return b.Kingsoft.Add(b.Marketplace) }

// Statement is one posted monthly statement and where it stands (BAL-1).
type Statement struct {
	Month string          `json:"month"`
	Lines []StatementLine `json:"lines"`
	// Buckets are the statement's cash after adjustments (DEF-1): its
	// invoiceable amount is Buckets.Invoiceable().
	Buckets Buckets `json:"buckets"`
	// Status and InvoiceID are those of the first (earliest) live holder
	// while one holds it; Holds has each holder's own part (DEF-4 may give
	// a statement more than one).
	Status    StatementStatus `json:"status"`
	InvoiceID uuid.UUID       `json:"invoice_id"` // set while reserved or invoiced
	PostedAt  time.Time       `json:"posted_at"`
	// The invoiceable amount's parts (deficits.go): Free is available,
	// each Hold what a live application or invoice holds, Offsets cleared
	// deficits. Adjusted is what adjustments took off.
	Free     Split    `json:"free"`
	Holds    []Hold   `json:"holds,omitempty"`
	Offsets  []Offset `json:"offsets,omitempty"`
	Adjusted Split    `json:"adjusted"`
	// own is the account that may change it in place (cow.go).
	own *owner
}

// CurrentTitle is the account's title and its review state.
type CurrentTitle struct {
	ID          uuid.UUID   `json:"id"`
	Title       Title       `json:"title"`
	Status      TitleStatus `json:"status"`
	Reason      string      `json:"reason,omitempty"`
	SubmittedAt time.Time   `json:"submitted_at"`
}

// SavedAddress is one of the account's mailing addresses.
type SavedAddress struct {
	ID      uuid.UUID `json:"id"`
	Address Address   `json:"address"`
	Default bool      `json:"default"`
}

// Shipment of a paper invoice.
type Shipment struct {
	Courier        string    `json:"courier"`
	TrackingNumber string    `json:"tracking_number"`
	ShippedAt      time.Time `json:"shipped_at"`
	Late           bool      `json:"late"`
}

// Return is a return request and how it went.
type Return struct {
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
	// RedConfirmationID is the red-letter confirmation an electronic
	// red-flush was issued against (RED-5).
	RedConfirmationID *uuid.UUID `json:"red_confirmation_id,omitempty"`
	// ExchangeInvoiceID is the new application made when an exchange completed (RETURN-6).
	ExchangeInvoiceID *uuid.UUID `json:"exchange_invoice_id,omitempty"`
}

// ExchangeFailure is why a requested exchange was not made (RETURN-6).
type ExchangeFailure struct {
	Reason string    `json:"reason"`
	Code   string    `json:"code"`
	At     time.Time `json:"at"`
}

// Rejection is why and when finance refused something: a title, an
// application (REVIEW-1) or a return (RETURN-3).
type Rejection struct {
	Reason     string    `json:"reason"`
	RejectedAt time.Time `json:"rejected_at"`
}

// Issue is what issuing writes on an invoice (ISSUE-1..2): its code and
// number, date, issuer and tax; all empty before. Invoice embeds it, and the
// API answers it as it is.
type Issue struct {
	InvoiceCode   string `json:"invoice_code,omitempty"`
	InvoiceNumber string `json:"invoice_number,omitempty"`
	IssuedOn      string `json:"issued_on,omitempty"`
	Issuer        string `json:"issuer,omitempty"`
	TaxRate       string `json:"tax_rate,omitempty"`
	NetAmount     *Money `json:"net_amount,omitempty"`
	TaxAmount     *Money `json:"tax_amount,omitempty"`
}

// Invoice is an application and, once issued, the invoice (one ID throughout).
type Invoice struct {
	ID          uuid.UUID     `json:"id"`
	AccountID   string        `json:"account_id"`
	Status      InvoiceStatus `json:"status"`
	Amount      Money         `json:"amount"`
	Kingsoft    Money         `json:"kingsoft"`
	Marketplace Money         `json:"marketplace"`
	Statements  []string      `json:"statements"`
	// Title and Address are as the application snapshotted them, shared
	// with the account's current ones and other invoices while equal
	// (sharedTitle): replaced, never written through. Never nil once
	// requested.
	Title       *Title     `json:"title"`
	Address     *Address   `json:"address"`
	Medium      Medium     `json:"medium"`           // paper unless the application said electronic (EINV-1)
	Emails      []string   `json:"emails,omitempty"` // electronic: where it is delivered (EINV-1)
	RequestedAt time.Time  `json:"requested_at"`
	SLADue      string     `json:"sla_due,omitempty"`
	ExchangeOf  *uuid.UUID `json:"exchange_of,omitempty"`
	// Issue is set when it is issued (ISSUE-1..2, EINV-2).
	Issue
	Shipment    *Shipment `json:"shipment,omitempty"`
	DeliveredTo []string  `json:"delivered_to,omitempty"` // electronic: delivered on issue (EINV-2)
	Return      *Return   `json:"return,omitempty"`
	// ExchangeFailure says why RETURN-6's exchange could not be made when
	// the return completed; nil when none was asked or it was made.
	ExchangeFailure *ExchangeFailure `json:"exchange_failure,omitempty"`
	RejectReason    string           `json:"reject_reason,omitempty"`
	CancelledBy     Role             `json:"cancelled_by,omitempty"`
	UpdatedAt       time.Time        `json:"updated_at"`
	// Refunds after invoicing (DEF-2..5): deficits raised on it by
	// adjustments, cleared by offsets and partial red-flushes; what it
	// still owes is Deficit(). DeficitSince orders the oldest deficit first.
	Raised            Money             `json:"raised,omitzero"`
	OffsetAmount      Money             `json:"offset_amount,omitzero"`
	RedFlushedAmount  Money             `json:"red_flushed_amount,omitzero"`
	PartialRedFlushes []PartialRedFlush `json:"partial_red_flushes,omitempty"`
	DeficitSince      uint64            `json:"deficit_since,omitempty"`
	// own is the account that may change it in place (cow.go).
	own *owner
}

// Live reports whether the invoice holds its statements (APP-7): every state
// but rejected, cancelled, voided and red_flushed.
func (inv *Invoice) Live() bool {
	switch inv.Status {
	case Rejected, Cancelled, Voided, RedFlushed:
		return false
	}
	return true
}

// Balance is an account's invoiceable balance and where the rest of its
// statements' amounts stand (BAL-2, BAL-3, STMT-4/5).
type Balance struct {
	Kingsoft    Money `json:"kingsoft"`         // available kingsoft cash
	Marketplace Money `json:"marketplace"`      // available marketplace cash
	Total       Money `json:"total"`            // kingsoft + marketplace (BAL-2)
	Merchant    Money `json:"merchant"`         // never invoiceable here
	Offline     Money `json:"offline"`          // only through the sales manager
	Deductions  Money `json:"deductions"`       // vouchers, coupons, gift balance
	Reserved    Money `json:"reserved"`         // in applications under review or issuing
	Invoiced    Money `json:"invoiced"`         // in issued invoices not yet returned, less partial red-flushes
	Statements  Money `json:"statements"`       // Σ invoiceable of all statements (BAL-3, DEF-6)
	Deficit     Money `json:"deficit,omitzero"` // what live invoices owe (DEF-3)
	Offset      Money `json:"offset,omitzero"`  // parts of statements that cleared deficits (DEF-3)
}
