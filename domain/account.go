package domain

import (
	"github.com/google/uuid"
)

// Account is the aggregate: everything the ledger knows about one customer
// account, folded from its stream. The zero value (with ID set) is an account
// with no events. It is not safe for concurrent use, but for Clone, which
// readers of one account may call at once; a clone shares what the account
// holds until a fold changes it (cow.go).
type Account struct {
	ID         string
	Statements map[string]*Statement // by month, YYYY-MM
	Title      *CurrentTitle         // the latest title; current only if pending_review or approved (TITLE-2)
	Addresses  []*SavedAddress       // in the order added
	Invoices   map[uuid.UUID]*Invoice
	// InvoiceOrder lists invoice IDs in the order they were requested.
	InvoiceOrder []uuid.UUID
	// Confirmations are the red-letter confirmations (RED-1), by ID, and
	// ConfirmationOrder their IDs in entry order; nil until the first.
	Confirmations     map[uuid.UUID]*Confirmation
	ConfirmationOrder []uuid.UUID
	// Adjustments are the posted adjustments by ID (DEF-1), and
	// AdjustmentOrder their IDs as posted; nil until the first.
	Adjustments     map[string]Adjustment
	AdjustmentOrder []string
	// Idempotency remembers each command's key (APP-6) in its caller's
	// scope, by the key's digest (IdemKeyOf(ScopedKey)): the digest of the
	// request's hash and what it produced. Filled by Remember, from event
	// metadata. Key and value hold no pointers, so the collector never
	// scans the table (idempotency.go).
	Idempotency map[IdemDigest]IdemRecord
	// Version counts the events folded so far (the stream's next revision).
	Version uint64
	// own marks the statements, invoices and confirmations this account
	// may change in place (cow.go).
	own *owner
	// tally counts what spares settle and applications their walks (tally.go).
	tally tally
}

// IdempotentResult is what a command with an idempotency key produced, as
// CheckIdempotency answers it (RequestHash is the hash it was asked with,
// equal to the remembered one).
type IdempotentResult struct {
	RequestHash string
	// FirstRevision and LastRevision delimit the events the command appended.
	FirstRevision, LastRevision uint64
}

// NewAccount returns an account with no events.
func NewAccount(id string) *Account {
	return &Account{
		ID:          id,
		Statements:  map[string]*Statement{},
		Invoices:    map[uuid.UUID]*Invoice{},
		Idempotency: map[IdemDigest]IdemRecord{},
		own:         new(owner),
		tally:       tally{known: true},
	}
}
