package domain

import (
	"fmt"
	"time"

	"github.com/google/uuid"
)

// EINV-5: finance may set the issuer's quota (授信额度) for a month; the
// blue electronic invoices issued in that month (by issued_on) never add up
// to more. Invoices live in many account streams, so the quota is a stream
// of its own per month (the ledger's "quota-YYYY-MM"), appended with the
// expected revision: QuotaSet by finance, QuotaUsed for each electronic
// issue before its InvoiceIssued is appended, QuotaReleased when that issue
// did not happen after all. Quota is its fold; the decisions are pure.

// QuotaSet: finance set the month's quota (EINV-5).
type QuotaSet struct {
	Month  string    `json:"month"` // YYYY-MM, by issued_on
	Amount Money     `json:"amount"`
	SetAt  time.Time `json:"set_at"`
}

// QuotaUsed: an electronic invoice issued in the month takes its amount.
type QuotaUsed struct {
	Month     string    `json:"month"`
	AccountID string    `json:"account_id"`
	InvoiceID uuid.UUID `json:"invoice_id"`
	Amount    Money     `json:"amount"`
	UsedAt    time.Time `json:"used_at"`
}

// QuotaReleased: a use whose issue was not recorded (its invoice number
// was taken meanwhile) gives its amount back.
type QuotaReleased struct {
	Month      string    `json:"month"`
	InvoiceID  uuid.UUID `json:"invoice_id"`
	Amount     Money     `json:"amount"`
	ReleasedAt time.Time `json:"released_at"`
}

func (QuotaSet) EventType() string      { return "QuotaSet" }
func (QuotaUsed) EventType() string     { return "QuotaUsed" }
func (QuotaReleased) EventType() string { return "QuotaReleased" }

// Quota is one month's quota folded from its stream.
type Quota struct {
	Month string
	// Amount is nil while no quota is set: no limit (EINV-5).
	Amount *Money
	Used   Money
	// Uses holds each invoice's use, so that a retried issue finds its own.
	Uses map[uuid.UUID]Money
	// Version counts the events folded (the stream's next revision).
	Version uint64
}

// NewQuota returns a month with no quota set.
func NewQuota(month string) *Quota { return &Quota{Month: month, Uses: map[uuid.UUID]Money{}} }

// Remaining is what may still be issued; nil means no limit.
func (q *Quota) Remaining() *Money {
	if q.Amount == nil {
		return nil
	}
	r := q.Amount.Sub(q.Used)
	if r.IsNegative() {
		r = Zero
	}
	return &r
}

// Fold folds one quota event and advances Version. Any other event is
// refused with an error wrapping ErrNotFolded and changes nothing: a quota
// stream that holds one is damaged.
func (q *Quota) Fold(e Event) error {
	if q.Uses == nil {
		q.Uses = map[uuid.UUID]Money{}
	}
	switch e := e.(type) {
	case QuotaSet:
		amt := e.Amount
		q.Amount = &amt
	case QuotaUsed:
		if _, dup := q.Uses[e.InvoiceID]; !dup {
			q.Uses[e.InvoiceID] = e.Amount
			q.Used = q.Used.Add(e.Amount)
		}
	case QuotaReleased:
		if amt, ok := q.Uses[e.InvoiceID]; ok {
			delete(q.Uses, e.InvoiceID)
			q.Used = q.Used.Sub(amt)
		}
	default:
		return fmt.Errorf("%w: %T at version %d of the %s quota", ErrNotFolded, e, q.Version, q.Month)
	}
	q.Version++
	return nil
}

// Apply is Fold for events the quota certainly folds (a Decide function's);
// it panics on any other, a bug.
func (q *Quota) Apply(e Event) {
	if err := q.Fold(e); err != nil {
		panic(err)
	}
}

// CheckMonth validates a quota's month, YYYY-MM (400 EINV-5).
func CheckMonth(month string) error {
	if !ValidMonth(month) {
		return fieldErr("EINV-5", "month", "%q is not a month: use YYYY-MM", month)
	}
	return nil
}

// DecideSetQuota sets the month's quota (EINV-5): an amount ≥ 0 with at
// most two decimals (400), never below what the month has already used
// (422: that would make the issued invoices exceed it). Setting the same
// amount again gives nothing.
func DecideSetQuota(q *Quota, amount string, now time.Time) ([]Event, error) {
	if err := CheckMonth(q.Month); err != nil {
		return nil, err
	}
	m, err := ParseMoney(amount)
	if err != nil {
		return nil, fieldErr("EINV-5", "amount", "amount must be zero or more with at most two decimals, like \"100000.00\"")
	}
	if m.Cmp(q.Used) < 0 {
		return nil, stateErr("EINV-5", "electronic invoices of %s already use %s; the quota cannot be set below that", q.Month, q.Used)
	}
	if q.Amount != nil && q.Amount.Equal(m) {
		return nil, nil
	}
	return []Event{QuotaSet{Month: q.Month, Amount: m, SetAt: now}}, nil
}

// DecideUseQuota takes amount from the month's quota for an electronic
// invoice (EINV-5): refused (422) when it would exceed the quota; nothing
// when this invoice already took its share (a retry). Without a quota the
// use is still recorded, so that a quota set later in the month counts
// what was already issued.
func DecideUseQuota(q *Quota, account string, invoiceID uuid.UUID, amount Money, now time.Time) ([]Event, error) {
	if _, dup := q.Uses[invoiceID]; dup {
		return nil, nil
	}
	if q.Amount != nil && q.Used.Add(amount).Cmp(*q.Amount) > 0 {
		return nil, stateErr("EINV-5", "the %s quota for electronic invoices (授信额度) is %s, %s used: this invoice of %s would exceed it; finance may raise the quota",
			q.Month, *q.Amount, q.Used, amount)
	}
	return []Event{QuotaUsed{Month: q.Month, AccountID: account, InvoiceID: invoiceID, Amount: amount, UsedAt: now}}, nil
}

// DecideReleaseQuota gives back an invoice's use (see QuotaReleased).
func DecideReleaseQuota(q *Quota, invoiceID uuid.UUID, now time.Time) []Event {
	amt, ok := q.Uses[invoiceID]
	if !ok {
		return nil
	}
	return []Event{QuotaReleased{Month: q.Month, InvoiceID: invoiceID, Amount: amt, ReleasedAt: now}}
}
