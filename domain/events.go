package domain

import (
	"encoding/json"
	"fmt"
	"time"

	"github.com/google/uuid"
)

// Event is a fact that happened to an account. Events are data: exported
// fields with JSON tags and no behaviour beyond naming their type. Times in
// events are the ledger clock's instants; business dates are derived in
// Asia/Shanghai.
type Event interface {
	EventType() string
}

// EventSchemaVersion is the schema version of the event types below.
const EventSchemaVersion = 1

// Statements.

// StatementPosted: billing posted an account's statement for a month (STMT-1..3).
type StatementPosted struct {
	Month    string          `json:"month"` // YYYY-MM
	Lines    []StatementLine `json:"lines"`
	PostedAt time.Time       `json:"posted_at"`

	// summary is Summarize of the lines when summarized:
	// DecodeEventSummarized read them without keeping them (Lines nil).
	summary    Buckets
	summarized bool
}

// StatementLine is one consumption line of a statement.
type StatementLine struct {
	LineID      string      `json:"line_id"`
	Product     string      `json:"product"`
	BillingMode BillingMode `json:"billing_mode"`
	PurchasedAt string      `json:"purchased_at"` // YYYY-MM-DD, Asia/Shanghai
	Channel     Channel     `json:"channel"`
	Merchant    string      `json:"merchant,omitempty"`
	Amount      Money       `json:"amount"`
	Voucher     Money       `json:"voucher"`
	Coupon      Money       `json:"coupon"`
	GiftBalance Money       `json:"gift_balance"`
}

// Titles.

// TitleSubmitted: the customer submitted an invoice title (TITLE-1..3).
type TitleSubmitted struct {
	TitleID     uuid.UUID `json:"title_id"`
	Title       Title     `json:"title"`
	SubmittedAt time.Time `json:"submitted_at"`
}

// TitleApproved: the title became approved — on submission for vat_general
// (Automatic), by finance for vat_special.
type TitleApproved struct {
	TitleID    uuid.UUID `json:"title_id"`
	Automatic  bool      `json:"automatic"`
	ApprovedAt time.Time `json:"approved_at"`
}

// TitleRejected: finance rejected a vat_special title; it is no longer current.
type TitleRejected struct {
	TitleID uuid.UUID `json:"title_id"`
	Rejection
}

// TitleCleared: support cleared the current title at the customer's request (TITLE-4).
type TitleCleared struct {
	TitleID   uuid.UUID `json:"title_id"`
	Reason    string    `json:"reason"`
	Ticket    string    `json:"ticket"`
	ClearedAt time.Time `json:"cleared_at"`
}

// Addresses.

// AddressAdded: the customer added a mailing address (ADDR-1..2).
type AddressAdded struct {
	AddressID uuid.UUID `json:"address_id"`
	Address   Address   `json:"address"`
	Default   bool      `json:"default"`
}

// AddressUpdated: the customer changed an address.
type AddressUpdated struct {
	AddressID uuid.UUID `json:"address_id"`
	Address   Address   `json:"address"`
	Default   bool      `json:"default"`
}

// AddressRemoved: the customer removed an address. If it was the default, the
// earliest remaining address becomes the default.
type AddressRemoved struct {
	AddressID uuid.UUID `json:"address_id"`
}

// Invoices (an application and the invoice it becomes share one ID).

// InvoiceRequested: the customer applied for an invoice over whole statements
// (APP-1..7). Title and address are snapshots (TITLE-5).
type InvoiceRequested struct {
	InvoiceID   uuid.UUID  `json:"invoice_id"`
	Statements  []string   `json:"statements"`
	Amount      Money      `json:"amount"`
	Kingsoft    Money      `json:"kingsoft"`
	Marketplace Money      `json:"marketplace"`
	Title       Title      `json:"title"`
	Address     Address    `json:"address"`
	AddressID   uuid.UUID  `json:"address_id"`
	RequestedAt time.Time  `json:"requested_at"`
	SLADue      string     `json:"sla_due"`               // YYYY-MM-DD: ship (paper, SHIP-1) or issue (electronic, EINV-3) by the end of this day
	ExchangeOf  *uuid.UUID `json:"exchange_of,omitempty"` // RETURN-6
	// Medium is omitted for paper, so that paper applications keep the
	// seed's wire form (EINV-1).
	Medium Medium   `json:"medium,omitempty"`
	Emails []string `json:"emails,omitempty"` // electronic only (EINV-1)
}

// InvoiceCancelled: the application was cancelled (CANCEL-1); statements released.
type InvoiceCancelled struct {
	InvoiceID   uuid.UUID `json:"invoice_id"`
	By          Role      `json:"by"`
	Ticket      string    `json:"ticket,omitempty"`
	CancelledAt time.Time `json:"cancelled_at"`
}

// InvoiceApproved: finance approved the application (REVIEW-1); now issuing.
type InvoiceApproved struct {
	InvoiceID  uuid.UUID `json:"invoice_id"`
	ApprovedAt time.Time `json:"approved_at"`
}

// InvoiceRejected: finance rejected the application (REVIEW-1); statements released.
type InvoiceRejected struct {
	InvoiceID uuid.UUID `json:"invoice_id"`
	Rejection
}

// InvoiceIssued: finance issued the paper invoice (ISSUE-1..2).
type InvoiceIssued struct {
	InvoiceID     uuid.UUID `json:"invoice_id"`
	InvoiceCode   string    `json:"invoice_code"`
	InvoiceNumber string    `json:"invoice_number"`
	IssuedOn      string    `json:"issued_on"` // YYYY-MM-DD
	Issuer        string    `json:"issuer"`
	TaxRate       string    `json:"tax_rate"` // decimal fraction, "0.06"
	NetAmount     Money     `json:"net_amount"`
	TaxAmount     Money     `json:"tax_amount"`
	IssuedAt      time.Time `json:"issued_at"`
	// Medium is omitted for paper (the seed's wire form). An electronic
	// invoice has no code, a 20-digit number and is delivered on issue to
	// DeliveredTo (EINV-2).
	Medium      Medium   `json:"medium,omitempty"`
	DeliveredTo []string `json:"delivered_to,omitempty"`
}

// InvoiceShipped: finance mailed the paper invoice (SHIP-1).
type InvoiceShipped struct {
	InvoiceID      uuid.UUID `json:"invoice_id"`
	Courier        string    `json:"courier"`
	TrackingNumber string    `json:"tracking_number"`
	ShippedAt      time.Time `json:"shipped_at"`
	Late           bool      `json:"late"` // shipped after the SLA due date
}

// ReturnRequested: the customer asked to return an issued invoice (RETURN-1, 2, 6).
type ReturnRequested struct {
	InvoiceID           uuid.UUID  `json:"invoice_id"`
	Reason              string     `json:"reason"`
	Certified           bool       `json:"certified"`
	RedLetterFormNumber string     `json:"red_letter_form_number,omitempty"`
	Exchange            bool       `json:"exchange"`
	AddressID           *uuid.UUID `json:"address_id,omitempty"`
	RequestedAt         time.Time  `json:"requested_at"`
}

// ReturnPaperReceived: finance recorded the paper that came back (RETURN-3).
// Complete is false when copies are missing; the return then waits for a
// rejection (or for the rest of the paper).
type ReturnPaperReceived struct {
	InvoiceID  uuid.UUID `json:"invoice_id"`
	Complete   bool      `json:"complete"`
	Note       string    `json:"note,omitempty"`
	ReceivedAt time.Time `json:"received_at"`
}

// ReturnRejected: finance refused the return; the invoice stays issued (RETURN-3).
type ReturnRejected struct {
	InvoiceID uuid.UUID `json:"invoice_id"`
	Rejection
}

// InvoiceVoided: finance voided the invoice (作废, RETURN-4); statements available again (RETURN-5).
type InvoiceVoided struct {
	InvoiceID uuid.UUID `json:"invoice_id"`
	VoidedAt  time.Time `json:"voided_at"`
}

// InvoiceRedFlushed: finance issued a red invoice reversing the whole
// original (红冲, RETURN-4, 6); statements available again (RETURN-5).
type InvoiceRedFlushed struct {
	InvoiceID        uuid.UUID `json:"invoice_id"`
	RedInvoiceCode   string    `json:"red_invoice_code"`
	RedInvoiceNumber string    `json:"red_invoice_number"`
	RedAmount        Money     `json:"red_amount"` // the original amount, less any partial red-flushes (DEF-5)
	RedFlushedAt     time.Time `json:"red_flushed_at"`
	// Electronic red invoices: no code, a 20-digit number, the date it was
	// issued on and the confirmation it was issued against (RED-5); all
	// omitted for paper.
	RedIssuedOn    string     `json:"red_issued_on,omitempty"`
	ConfirmationID *uuid.UUID `json:"confirmation_id,omitempty"`
	// RedLetterFormNumber: a paper red-flush of what the invoice owed
	// (DEF-5) without the paper coming back records the red-letter
	// information form (红字信息表); omitted otherwise.
	RedLetterFormNumber string `json:"red_letter_form_number,omitempty"`
}

// ExchangeFailed: a return completed but RETURN-6's exchange could not be
// made (no approved title, or no address for paper); recorded so that it is
// never dropped silently.
type ExchangeFailed struct {
	InvoiceID uuid.UUID `json:"invoice_id"`
	Reason    string    `json:"reason"`
	Code      string    `json:"code"` // the rule that stopped it: APP-1
	FailedAt  time.Time `json:"failed_at"`
}

func (StatementPosted) EventType() string     { return "StatementPosted" }
func (TitleSubmitted) EventType() string      { return "TitleSubmitted" }
func (TitleApproved) EventType() string       { return "TitleApproved" }
func (TitleRejected) EventType() string       { return "TitleRejected" }
func (TitleCleared) EventType() string        { return "TitleCleared" }
func (AddressAdded) EventType() string        { return "AddressAdded" }
func (AddressUpdated) EventType() string      { return "AddressUpdated" }
func (AddressRemoved) EventType() string      { return "AddressRemoved" }
func (InvoiceRequested) EventType() string    { return "InvoiceRequested" }
func (InvoiceCancelled) EventType() string    { return "InvoiceCancelled" }
func (InvoiceApproved) EventType() string     { return "InvoiceApproved" }
func (InvoiceRejected) EventType() string     { return "InvoiceRejected" }
func (InvoiceIssued) EventType() string       { return "InvoiceIssued" }
func (InvoiceShipped) EventType() string      { return "InvoiceShipped" }
func (ReturnRequested) EventType() string     { return "ReturnRequested" }
func (ReturnPaperReceived) EventType() string { return "ReturnPaperReceived" }
func (ReturnRejected) EventType() string      { return "ReturnRejected" }
func (InvoiceVoided) EventType() string       { return "InvoiceVoided" }
func (InvoiceRedFlushed) EventType() string   { return "InvoiceRedFlushed" }
func (ExchangeFailed) EventType() string      { return "ExchangeFailed" }

// eventTypes decodes each event type into its value type.
var eventTypes = map[string]func([]byte) (Event, error){
	"StatementPosted":     decodeStatementPosted,      // decode_statement.go
	"TitleSubmitted":      fastOr(fastTitleSubmitted), // decode_invoice.go
	"TitleApproved":       fastOr(fastTitleApproved),  // decode_invoice.go
	"TitleRejected":       decodeAs[TitleRejected],
	"TitleCleared":        decodeAs[TitleCleared],
	"AddressAdded":        fastOr(fastAddressAdded), // decode_invoice.go
	"AddressUpdated":      decodeAs[AddressUpdated],
	"AddressRemoved":      decodeAs[AddressRemoved],
	"InvoiceRequested":    fastOr(fastInvoiceRequested),    // decode_invoice.go
	"InvoiceCancelled":    fastOr(fastInvoiceCancelled),    // decode_invoice.go
	"InvoiceApproved":     fastOr(fastInvoiceApproved),     // decode_invoice.go
	"InvoiceRejected":     fastOr(fastInvoiceRejected),     // decode_invoice.go
	"InvoiceIssued":       fastOr(fastInvoiceIssued),       // decode_invoice.go
	"InvoiceShipped":      fastOr(fastInvoiceShipped),      // decode_invoice.go
	"ReturnRequested":     fastOr(fastReturnRequested),     // decode_invoice.go
	"ReturnPaperReceived": fastOr(fastReturnPaperReceived), // decode_invoice.go
	"ReturnRejected":      fastOr(fastReturnRejected),      // decode_invoice.go
	"InvoiceVoided":       fastOr(fastInvoiceVoided),       // decode_invoice.go
	"InvoiceRedFlushed":   fastOr(fastInvoiceRedFlushed),   // decode_invoice.go
	"ExchangeFailed":      decodeAs[ExchangeFailed],

	"RedLetterConfirmationEntered":   decodeAs[RedLetterConfirmationEntered], // confirmations.go
	"RedLetterConfirmationConfirmed": decodeAs[RedLetterConfirmationConfirmed],
	"RedLetterConfirmationRefused":   decodeAs[RedLetterConfirmationRefused],
	"RedLetterConfirmationWithdrawn": decodeAs[RedLetterConfirmationWithdrawn],
	"RedLetterConfirmationExpired":   decodeAs[RedLetterConfirmationExpired],

	"StatementAdjusted":       decodeAs[StatementAdjusted], // deficits.go
	"DeficitOffset":           decodeAs[DeficitOffset],
	"InvoicePartlyRedFlushed": decodeAs[InvoicePartlyRedFlushed],

	"QuotaSet":      decodeAs[QuotaSet], // quota.go: events of the quota streams
	"QuotaUsed":     decodeAs[QuotaUsed],
	"QuotaReleased": decodeAs[QuotaReleased],
}

// EventTypes lists every event type name, for documentation and golden tests.
func EventTypes() []string {
	names := make([]string, 0, len(eventTypes))
	for n := range eventTypes {
		names = append(names, n)
	}
	return names
}

// DecodeEvent reads an event of the named type from its JSON data. The
// result is the event struct's value (InvoiceRequested, not a pointer).
func DecodeEvent(typ string, data []byte) (Event, error) {
	// The invoice lifecycle's events, most of a log after the statements,
	// go straight to their fast decoders: the map's lookup of the name was
	// ≈ 60 ns an event, as much as decoding an InvoiceApproved. What they
	// decline goes through the map as any other event.
	var (
		e  Event
		ok bool
	)
	switch typ {
	case "InvoiceRequested":
		e, ok = tryFast(fastInvoiceRequested, data)
	case "InvoiceApproved":
		e, ok = tryFast(fastInvoiceApproved, data)
	case "InvoiceIssued":
		e, ok = tryFast(fastInvoiceIssued, data)
	case "InvoiceShipped":
		e, ok = tryFast(fastInvoiceShipped, data)
	case "InvoiceCancelled":
		e, ok = tryFast(fastInvoiceCancelled, data)
	case "InvoiceRejected":
		e, ok = tryFast(fastInvoiceRejected, data)
	}
	if ok {
		return e, nil
	}
	decode, ok := eventTypes[typ]
	if !ok {
		return nil, fmt.Errorf("domain: unknown event type %q", typ)
	}
	e, err := decode(data)
	if err != nil {
		return nil, fmt.Errorf("domain: decode %s: %w", typ, err)
	}
	return e, nil
}

// tryFast is fast's event, boxed, when it takes data.
func tryFast[E Event](fast func([]byte) (E, bool), data []byte) (Event, bool) {
	if e, ok := fast(data); ok {
		return e, true
	}
	return nil, false
}

func decodeAs[E Event](data []byte) (Event, error) {
	var e E
	err := json.Unmarshal(data, &e)
	return e, err
}

// EncodeEvent returns an event's type name and JSON data.
func EncodeEvent(e Event) (string, []byte, error) {
	data, err := json.Marshal(e)
	if err != nil {
		return "", nil, fmt.Errorf("domain: encode %s: %w", e.EventType(), err)
	}
	return e.EventType(), data, nil
}
