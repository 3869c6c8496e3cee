package domain

// This file holds the signatures other packages build against while the
// domain is being written. Each stub moves to its own file when implemented;
// the file is deleted when empty.

import (
	"io"
	"time"

	"github.com/google/uuid"
	"github.com/shopspring/decimal"
)

// Calendar knows the PRC business days: Mon–Fri minus public holidays plus
// official make-up working days (SHIP-1).
type Calendar struct{}

// DefaultCalendar is the embedded 2024–2027 calendar.
func DefaultCalendar() *Calendar { panic("TODO") }

// LoadCalendar reads a calendar file (replacing the embedded one).
func LoadCalendar(r io.Reader) (*Calendar, error) { panic("TODO") }

// IsBusinessDay reports whether the date (Asia/Shanghai) is a working day.
func (c *Calendar) IsBusinessDay(day time.Time) bool { panic("TODO") }

// AddBusinessDays returns the date n business days after day.
func (c *Calendar) AddBusinessDays(day time.Time, n int) time.Time { panic("TODO") }

// Shanghai is Asia/Shanghai, where every business date lives.
func Shanghai() *time.Location { panic("TODO") }

// Apply folds one event into the account and advances Version.
func (a *Account) Apply(e Event) { panic("TODO") }

// Remember records a keyed command's result (APP-6).
func (a *Account) Remember(key, requestHash string, first, last uint64) { panic("TODO") }

// CheckIdempotency: seen=true with the first result when key was used with
// the same hash; a Conflict *RuleError (APP-6) when used with another hash.
func (a *Account) CheckIdempotency(key, requestHash string) (IdempotentResult, bool, error) {
	panic("TODO")
}

// Clone returns a deep copy.
func (a *Account) Clone() *Account { panic("TODO") }

// Balance computes BAL-2 and the BAL-3 parts.
func (a *Account) Balance() Balance { panic("TODO") }

// CurrentTitle returns the current title (pending_review or approved), or nil.
func (a *Account) CurrentTitle() *CurrentTitle { panic("TODO") }

// DefaultAddress returns the default address, or nil.
func (a *Account) DefaultAddress() *SavedAddress { panic("TODO") }

// Invoice returns the invoice with id, or nil.
func (a *Account) Invoice(id uuid.UUID) *Invoice { panic("TODO") }

// Actions lists what role may do to the invoice now (console buttons):
// "cancel", "approve", "reject", "issue", "ship", "return",
// "paper_received", "reject_return", "void", "red_flush".
func (inv *Invoice) Actions(role Role) []string { panic("TODO") }

// ClassifyLine puts a line's cash in its STMT-4 bucket.
func ClassifyLine(l StatementLine) Bucket { panic("TODO") }

// Summarize sums a statement's lines into buckets (STMT-4/5).
func Summarize(lines []StatementLine) Buckets { panic("TODO") }

// ValidTaxpayerID checks TITLE-1's taxpayer-ID forms.
func ValidTaxpayerID(s string) bool { panic("TODO") }

// Tax splits a tax-inclusive amount into net and tax (ISSUE-1).
func Tax(amount Money, rate decimal.Decimal) (net, tax Money) { panic("TODO") }

func (c PostStatement) Decide(a *Account, env Env) ([]Event, error)      { panic("TODO") }
func (c SubmitTitle) Decide(a *Account, env Env) ([]Event, error)        { panic("TODO") }
func (c ApproveTitle) Decide(a *Account, env Env) ([]Event, error)       { panic("TODO") }
func (c RejectTitle) Decide(a *Account, env Env) ([]Event, error)        { panic("TODO") }
func (c ClearTitle) Decide(a *Account, env Env) ([]Event, error)         { panic("TODO") }
func (c AddAddress) Decide(a *Account, env Env) ([]Event, error)         { panic("TODO") }
func (c UpdateAddress) Decide(a *Account, env Env) ([]Event, error)      { panic("TODO") }
func (c RemoveAddress) Decide(a *Account, env Env) ([]Event, error)      { panic("TODO") }
func (c RequestInvoice) Decide(a *Account, env Env) ([]Event, error)     { panic("TODO") }
func (c CancelInvoice) Decide(a *Account, env Env) ([]Event, error)      { panic("TODO") }
func (c ApproveInvoice) Decide(a *Account, env Env) ([]Event, error)     { panic("TODO") }
func (c RejectInvoice) Decide(a *Account, env Env) ([]Event, error)      { panic("TODO") }
func (c IssueInvoice) Decide(a *Account, env Env) ([]Event, error)       { panic("TODO") }
func (c ShipInvoice) Decide(a *Account, env Env) ([]Event, error)        { panic("TODO") }
func (c RequestReturn) Decide(a *Account, env Env) ([]Event, error)      { panic("TODO") }
func (c ReceiveReturnPaper) Decide(a *Account, env Env) ([]Event, error) { panic("TODO") }
func (c RejectReturn) Decide(a *Account, env Env) ([]Event, error)       { panic("TODO") }
func (c VoidInvoice) Decide(a *Account, env Env) ([]Event, error)        { panic("TODO") }
func (c RedFlushInvoice) Decide(a *Account, env Env) ([]Event, error)    { panic("TODO") }
