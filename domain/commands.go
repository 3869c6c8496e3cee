package domain

import (
	"time"

	"github.com/google/uuid"
	"github.com/shopspring/decimal"
)

// Env is what a decision may know besides the account: the ledger's clock and
// configuration. Decisions read no clock and no globals of their own.
type Env struct {
	Now      time.Time       // the ledger clock's instant
	Issuer   string          // the provider's legal entity printed on invoices (ISSUE-1)
	TaxRate  decimal.Decimal // default VAT rate, 0.06
	Calendar *Calendar       // business days for SHIP-1
	// NewID makes IDs for new titles, addresses and invoices. The ledger
	// derives them deterministically from the command so retries agree.
	NewID func() uuid.UUID
}

// Command is a request to change an account. Decide checks every rule
// against the account's state and returns the events that record the
// change, or a *RuleError. It never changes the account.
type Command interface {
	Decide(a *Account, env Env) ([]Event, error)
}

// Statements.

// PostStatement is billing posting a month's statement (STMT-1..3).
type PostStatement struct {
	Month string          `json:"month"`
	Lines []StatementLine `json:"lines"`
}

// Titles.

// SubmitTitle is the customer adding an invoice title (TITLE-1..3).
type SubmitTitle struct{ Title Title }

// ApproveTitle is finance approving a pending vat_special title (TITLE-3).
type ApproveTitle struct{}

// RejectTitle is finance rejecting a pending vat_special title (TITLE-3).
type RejectTitle struct{ Reason string }

// ClearTitle is support clearing the current title (TITLE-4).
type ClearTitle struct{ Reason, Ticket string }

// Addresses.

// AddAddress is the customer adding a mailing address (ADDR-1..2).
type AddAddress struct {
	Address Address
	Default bool
}

// UpdateAddress is the customer changing an address (ADDR-2).
type UpdateAddress struct {
	AddressID uuid.UUID
	Address   Address
	Default   bool
}

// RemoveAddress is the customer removing an address (ADDR-2).
type RemoveAddress struct{ AddressID uuid.UUID }

// Invoices.

// RequestInvoice is the customer applying for an invoice (APP-1..5, APP-7).
type RequestInvoice struct {
	Statements []string
	AddressID  uuid.UUID
	Agree      bool
	// Medium is paper when empty; Emails are for electronic only (EINV-1).
	// Omitted when empty, so that a paper command fingerprints as before
	// (ledger.commandHash, APP-6).
	Medium Medium   `json:"Medium,omitempty"`
	Emails []string `json:"Emails,omitempty"`
}

// CancelInvoice cancels an application (CANCEL-1): the customer while
// under_review, support while issuing (with a ticket).
type CancelInvoice struct {
	InvoiceID uuid.UUID
	By        Role
	Ticket    string
}

// ApproveInvoice is finance approving an application (REVIEW-1).
type ApproveInvoice struct{ InvoiceID uuid.UUID }

// RejectInvoice is finance rejecting an application with a reason (REVIEW-1).
type RejectInvoice struct {
	InvoiceID uuid.UUID
	Reason    string
}

// IssueInvoice is finance recording the issued invoice: paper (ISSUE-1)
// with code and number, electronic (EINV-2) with a 20-digit number and no
// code. TaxRate is optional ("" for the default). ISSUE-2 (uniqueness
// across the ledger) is enforced by the ledger's number reservation, EINV-5
// (the month's quota) by the ledger's quota streams.
type IssueInvoice struct {
	InvoiceID     uuid.UUID
	InvoiceCode   string
	InvoiceNumber string
	IssuedOn      string // YYYY-MM-DD
	TaxRate       string
}

// ShipInvoice is finance recording the courier and tracking number (SHIP-1).
type ShipInvoice struct {
	InvoiceID      uuid.UUID
	Courier        string
	TrackingNumber string
}

// RequestReturn is the customer asking to return an issued invoice (RETURN-1, 2, 6).
type RequestReturn struct {
	InvoiceID           uuid.UUID
	Reason              string
	Certified           bool
	RedLetterFormNumber string
	Exchange            bool
	AddressID           *uuid.UUID
	// CertifiedUnstated: the request left certified out, which RETURN-2
	// does not allow for vat_special. The zero value takes Certified as said.
	CertifiedUnstated bool
}

// ReceiveReturnPaper is finance recording the returned paper (RETURN-3).
type ReceiveReturnPaper struct {
	InvoiceID uuid.UUID
	Complete  bool
	Note      string
}

// RejectReturn is finance refusing a return (RETURN-3).
type RejectReturn struct {
	InvoiceID uuid.UUID
	Reason    string
}

// VoidInvoice is finance voiding a returned invoice (RETURN-4, 5, 6).
type VoidInvoice struct{ InvoiceID uuid.UUID }

// RedFlushInvoice is finance red-flushing a returned paper invoice
// (RETURN-4, 5, 6), or an electronic one against a red-letter confirmation
// (RED-5): then no code, a 20-digit number, IssuedOn (today when empty).
type RedFlushInvoice struct {
	InvoiceID        uuid.UUID
	RedInvoiceCode   string
	RedInvoiceNumber string
	IssuedOn         string     `json:"IssuedOn,omitempty"` // omitted: paper fingerprints as before
	ConfirmationID   *uuid.UUID `json:"ConfirmationID,omitempty"`
	// Amount is a partial red-flush's amount (DEF-5), "" for the whole rest;
	// a paper one records the red-letter information form number.
	Amount              string `json:"Amount,omitempty"`
	RedLetterFormNumber string `json:"RedLetterFormNumber,omitempty"`
}
