package domain

import (
	"time"

	"github.com/google/uuid"
)

// Red-letter confirmations (红字确认单, RED-1..6) are a small lifecycle of
// their own inside the account's stream: entered by one side, confirmed or
// refused by the other, withdrawn by the side that entered it, or expired
// 72 hours after entry; a confirmed (or not required) one is used once by
// the red invoice (RED-5).

// ConfirmationStatus is a red-letter confirmation's state (RED-1).
type ConfirmationStatus string

const (
	ConfirmationNotRequired   ConfirmationStatus = "not_required"   // 无需确认
	ConfirmationPendingBuyer  ConfirmationStatus = "pending_buyer"  // 待购方确认
	ConfirmationPendingSeller ConfirmationStatus = "pending_seller" // 待销方确认
	ConfirmationConfirmed     ConfirmationStatus = "confirmed"      // 已确认
	ConfirmationRefused       ConfirmationStatus = "refused"        // 已拒绝
	ConfirmationWithdrawn     ConfirmationStatus = "withdrawn"      // 已撤销
	ConfirmationExpired       ConfirmationStatus = "expired"        // 已过期
)

// Side is the party to an invoice: the provider sells, the customer buys.
type Side string

const (
	Seller Side = "seller" // finance enters for the provider
	Buyer  Side = "buyer"  // the customer enters as its return request
)

// RedReason is why an invoice is reversed (RED-1).
type RedReason string

const (
	ReasonIssuingError      RedReason = "issuing_error"      // 开票有误
	ReasonServiceTerminated RedReason = "service_terminated" // 服务中止
	ReasonSalesAllowance    RedReason = "sales_allowance"    // 销售折让
)

// ConfirmationTTL is RED-3's deadline: a pending confirmation expires 72
// hours after entry.
const ConfirmationTTL = 72 * time.Hour

// ConfirmationTerms are what a side enters a red-letter confirmation with
// (RED-1): the invoice, the amount it reverses and why, and whether the
// buyer deducted and booked the invoice. The event records them and the
// confirmation keeps them, unchanged.
type ConfirmationTerms struct {
	InvoiceID uuid.UUID `json:"invoice_id"`
	Amount    Money     `json:"amount"`
	Reason    RedReason `json:"reason"`
	Deducted  bool      `json:"deducted"`
	Booked    bool      `json:"booked"`
}

// Confirmation is one red-letter confirmation and where it stands.
type Confirmation struct {
	ID uuid.UUID `json:"id"`
	ConfirmationTerms
	Status    ConfirmationStatus `json:"status"`
	EnteredBy Side               `json:"entered_by"`
	EnteredAt time.Time          `json:"entered_at"`
	// ExpiresAt is set while a confirmation is, or was, pending (RED-3).
	ExpiresAt    *time.Time `json:"expires_at,omitempty"`
	RefuseReason string     `json:"refuse_reason,omitempty"`
	// Used: the red invoice was issued against it (RED-4, RED-5).
	Used      bool      `json:"used"`
	UpdatedAt time.Time `json:"updated_at"`
	// own is the account that may change it in place (cow.go).
	own *owner
}

// Pending reports whether the other side still has to answer.
func (c *Confirmation) Pending() bool {
	return c.Status == ConfirmationPendingBuyer || c.Status == ConfirmationPendingSeller
}

// Usable reports whether a red invoice may be issued against it (RED-5).
func (c *Confirmation) Usable() bool {
	return !c.Used && (c.Status == ConfirmationConfirmed || c.Status == ConfirmationNotRequired)
}

// Open reports whether it blocks another confirmation of its invoice
// (RED-4): pending, or usable and not yet used.
func (c *Confirmation) Open() bool { return c.Pending() || c.Usable() }

// Due reports whether RED-3's expiry is due at now.
func (c *Confirmation) Due(now time.Time) bool {
	return c.Pending() && c.ExpiresAt != nil && !now.Before(*c.ExpiresAt)
}

// SideOf is the side a role acts for: finance sells, the customer buys.
func SideOf(r Role) (Side, bool) {
	switch r {
	case RoleFinance:
		return Seller, true
	case RoleCustomer:
		return Buyer, true
	}
	return "", false
}

// Actions lists what role may do to the confirmation now: "confirm",
// "refuse" (the side RED-2 waits for), "withdraw" (the side that entered
// it, RED-3; a not_required one too, while unused), "red_flush" (finance,
// RED-5).
func (c *Confirmation) Actions(r Role) []string {
	side, ok := SideOf(r)
	if !ok {
		return []string{}
	}
	var acts []string
	switch {
	case c.Status == ConfirmationPendingBuyer && side == Buyer,
		c.Status == ConfirmationPendingSeller && side == Seller:
		acts = append(acts, "confirm", "refuse")
	}
	if side == c.EnteredBy && (c.Pending() || (c.Status == ConfirmationNotRequired && !c.Used)) {
		acts = append(acts, "withdraw")
	}
	if side == Seller && c.Usable() {
		acts = append(acts, "red_flush")
	}
	if acts == nil {
		return []string{}
	}
	return acts
}

// Events.

// RedLetterConfirmationEntered: a side entered a confirmation (RED-1, 2).
// Status is not_required, pending_buyer or pending_seller; ExpiresAt is
// set when pending (RED-3).
type RedLetterConfirmationEntered struct {
	ConfirmationID uuid.UUID `json:"confirmation_id"`
	ConfirmationTerms
	EnteredBy Side               `json:"entered_by"`
	Status    ConfirmationStatus `json:"status"`
	EnteredAt time.Time          `json:"entered_at"`
	ExpiresAt *time.Time         `json:"expires_at,omitempty"`
}

// ConfirmationAct says which side acted on which confirmation: the members
// the events of a side's confirming, refusing (RED-2) and withdrawing
// (RED-3) share.
type ConfirmationAct struct {
	ConfirmationID uuid.UUID `json:"confirmation_id"`
	InvoiceID      uuid.UUID `json:"invoice_id"`
	By             Side      `json:"by"`
}

// actOn is side's act on cf.
func actOn(cf *Confirmation, side Side) ConfirmationAct {
	return ConfirmationAct{ConfirmationID: cf.ID, InvoiceID: cf.InvoiceID, By: side}
}

// RedLetterConfirmationConfirmed: the other side confirmed it (RED-2).
type RedLetterConfirmationConfirmed struct {
	ConfirmationAct
	ConfirmedAt time.Time `json:"confirmed_at"`
}

// RedLetterConfirmationRefused: the other side refused it (RED-2).
type RedLetterConfirmationRefused struct {
	ConfirmationAct
	Reason    string    `json:"reason"`
	RefusedAt time.Time `json:"refused_at"`
}

// RedLetterConfirmationWithdrawn: the side that entered it withdrew it (RED-3).
type RedLetterConfirmationWithdrawn struct {
	ConfirmationAct
	WithdrawnAt time.Time `json:"withdrawn_at"`
}

// RedLetterConfirmationExpired: still pending at its deadline (RED-3).
// ExpiredAt is the deadline itself, not when the server wrote it, so that
// the event is the same whoever writes it and however late.
type RedLetterConfirmationExpired struct {
	ConfirmationID uuid.UUID `json:"confirmation_id"`
	InvoiceID      uuid.UUID `json:"invoice_id"`
	ExpiredAt      time.Time `json:"expired_at"`
}

func (RedLetterConfirmationEntered) EventType() string   { return "RedLetterConfirmationEntered" }
func (RedLetterConfirmationConfirmed) EventType() string { return "RedLetterConfirmationConfirmed" }
func (RedLetterConfirmationRefused) EventType() string   { return "RedLetterConfirmationRefused" }
func (RedLetterConfirmationWithdrawn) EventType() string { return "RedLetterConfirmationWithdrawn" }
func (RedLetterConfirmationExpired) EventType() string   { return "RedLetterConfirmationExpired" }

// Commands.

// EnterConfirmation is finance (seller) or the customer (buyer) entering a
// red-letter confirmation for an electronic invoice (RED-1). Amount is ""
// for the whole invoice; a part is allowed only up to the invoice's deficit
// (RED-6).
type EnterConfirmation struct {
	InvoiceID uuid.UUID
	By        Role
	Amount    string
	Reason    RedReason
	Deducted  bool
	Booked    bool
}

// ConfirmConfirmation is the other side confirming (RED-2).
type ConfirmConfirmation struct {
	ConfirmationID uuid.UUID
	By             Role
}

// RefuseConfirmation is the other side refusing, with a reason (RED-2).
type RefuseConfirmation struct {
	ConfirmationID uuid.UUID
	By             Role
	Reason         string
}

// WithdrawConfirmation is the entering side taking it back (RED-3).
type WithdrawConfirmation struct {
	ConfirmationID uuid.UUID
	By             Role
}

// ExpireConfirmation records RED-3's expiry of one confirmation. It is the
// server's own command (the scheduler's): a confirmation that is no longer
// pending gives no events, so a second writer is a no-op.
type ExpireConfirmation struct{ ConfirmationID uuid.UUID }

// Decide enters a confirmation (RED-1, 2, 4, 6).
func (c EnterConfirmation) Decide(a *Account, env Env) ([]Event, error) {
	side, ok := SideOf(c.By)
	if !ok {
		return nil, stateErr("RED-1", "only finance (the seller) or the customer (the buyer) enters a red-letter confirmation")
	}
	switch c.Reason {
	case ReasonIssuingError, ReasonServiceTerminated, ReasonSalesAllowance:
	default:
		return nil, fieldErr("RED-1", "reason", "reason is issuing_error (开票有误), service_terminated (服务中止) or sales_allowance (销售折让), not %q", c.Reason)
	}
	var amount *Money
	if c.Amount != "" {
		m, err := ParseMoney(c.Amount)
		if err != nil || !m.IsPositive() {
			return nil, fieldErr("RED-1", "amount", "amount must be above zero with at most two decimals, like \"100.00\"")
		}
		amount = &m
	}
	inv, err := invoiceFor(a, c.InvoiceID, "RED-1")
	if err != nil {
		return nil, err
	}
	if !inv.IsElectronic() {
		return nil, stateErr("RED-1", "red-letter confirmations are for electronic invoices; a paper invoice is returned with its paper (RETURN-3)")
	}
	if inv.Status != Issued && inv.Status != ReturnRequestedState {
		return nil, stateErr("RED-1", "the invoice is %s; a red-letter confirmation is entered only for an issued invoice", inv.Status)
	}
	if c.Deducted && inv.Title.Type != VATSpecial {
		return nil, fieldErr("RED-1", "deducted", "a vat_general invoice (增值税普通发票) cannot have been used for deduction: deducted is false")
	}
	if o := a.OpenConfirmation(inv.ID); o != nil {
		return nil, stateErr("RED-4", "the invoice already has an open red-letter confirmation %s (%s); withdraw it or let it finish first", o.ID, o.Status)
	}
	whole := inv.Rest() // less any partial red-flushes (DEF-5)
	if amount != nil && !amount.Equal(whole) {
		if amount.Cmp(whole) > 0 {
			return nil, stateErr("RED-6", "the confirmation's amount %s is more than the invoice's %s", amount, whole)
		}
		if c.Reason == ReasonIssuingError {
			return nil, stateErr("RED-6", "an issuing error (开票有误) reverses the whole invoice; a part is only for service_terminated or sales_allowance")
		}
		if owed := inv.Deficit(); amount.Cmp(owed) > 0 {
			return nil, stateErr("RED-6", "a partial confirmation covers at most what the invoice owes (its deficit, %s); %s is more", owed, amount)
		}
	}
	e := RedLetterConfirmationEntered{
		ConfirmationID:    env.NewID(),
		ConfirmationTerms: ConfirmationTerms{InvoiceID: inv.ID, Amount: whole, Reason: c.Reason, Deducted: c.Deducted, Booked: c.Booked},
		EnteredBy:         side,
		EnteredAt:         env.Now,
	}
	if amount != nil {
		e.Amount = *amount
	}
	switch {
	case !c.Deducted && !c.Booked:
		e.Status = ConfirmationNotRequired
	case side == Seller:
		e.Status = ConfirmationPendingBuyer
	default:
		e.Status = ConfirmationPendingSeller
	}
	if e.Status != ConfirmationNotRequired {
		exp := env.Now.Add(ConfirmationTTL)
		e.ExpiresAt = &exp
	}
	return []Event{e}, nil
}

// pendingFor returns a confirmation that role's side must answer (RED-2).
func pendingFor(a *Account, id uuid.UUID, r Role, now time.Time) (*Confirmation, Side, error) {
	cf, err := confirmationFor(a, id, "RED-2")
	if err != nil {
		return nil, "", err
	}
	side, ok := SideOf(r)
	if !ok {
		return nil, "", stateErr("RED-2", "only the seller (finance) or the buyer (customer) answers a red-letter confirmation")
	}
	if err := stillPending(cf, now, "RED-2"); err != nil {
		return nil, "", err
	}
	if side == cf.EnteredBy {
		return nil, "", stateErr("RED-2", "the %s entered this confirmation; the other side confirms or refuses it (you may withdraw it)", side)
	}
	return cf, side, nil
}

func confirmationFor(a *Account, id uuid.UUID, code string) (*Confirmation, error) {
	cf := a.confirmation(id)
	if cf == nil {
		return nil, notFoundErr(code, "no red-letter confirmation %s", id)
	}
	return cf, nil
}

// stillPending refuses a confirmation that is no longer pending, or whose
// deadline has passed though the expiry is not yet written (RED-3: no
// answer counts after 72 hours).
func stillPending(cf *Confirmation, now time.Time, code string) error {
	if !cf.Pending() {
		return stateErr(code, "the red-letter confirmation is %s, no longer pending", cf.Status)
	}
	if cf.Due(now) {
		return stateErr("RED-3", "the red-letter confirmation expired at %s (72 hours after entry); enter a new one", cf.ExpiresAt.In(shanghai).Format(time.RFC3339))
	}
	return nil
}

// Decide confirms a pending confirmation for the side RED-2 waits for.
func (c ConfirmConfirmation) Decide(a *Account, env Env) ([]Event, error) {
	cf, side, err := pendingFor(a, c.ConfirmationID, c.By, env.Now)
	if err != nil {
		return nil, err
	}
	return []Event{RedLetterConfirmationConfirmed{ConfirmationAct: actOn(cf, side), ConfirmedAt: env.Now}}, nil
}

// Decide refuses a pending confirmation, with a reason (RED-2).
func (c RefuseConfirmation) Decide(a *Account, env Env) ([]Event, error) {
	reason, msg := cleanText(c.Reason, 500)
	if msg != "" {
		return nil, fieldErr("RED-2", "reason", "reason %s", msg)
	}
	cf, side, err := pendingFor(a, c.ConfirmationID, c.By, env.Now)
	if err != nil {
		return nil, err
	}
	return []Event{RedLetterConfirmationRefused{ConfirmationAct: actOn(cf, side), Reason: reason, RefusedAt: env.Now}}, nil
}

// Decide withdraws a confirmation for the side that entered it (RED-3):
// while pending, or while not_required and unused (then only one side was
// ever involved).
func (c WithdrawConfirmation) Decide(a *Account, env Env) ([]Event, error) {
	cf, err := confirmationFor(a, c.ConfirmationID, "RED-3")
	if err != nil {
		return nil, err
	}
	side, ok := SideOf(c.By)
	if !ok || side != cf.EnteredBy {
		return nil, stateErr("RED-3", "only the side that entered a red-letter confirmation (the %s) may withdraw it", cf.EnteredBy)
	}
	if cf.Status != ConfirmationNotRequired || cf.Used {
		if err := stillPending(cf, env.Now, "RED-3"); err != nil {
			return nil, err
		}
	}
	return []Event{RedLetterConfirmationWithdrawn{ConfirmationAct: actOn(cf, side), WithdrawnAt: env.Now}}, nil
}

// Decide expires one confirmation whose deadline has passed (RED-3). One
// that is no longer pending gives nothing; one not yet due is refused.
func (c ExpireConfirmation) Decide(a *Account, env Env) ([]Event, error) {
	cf, err := confirmationFor(a, c.ConfirmationID, "RED-3")
	if err != nil {
		return nil, err
	}
	if !cf.Pending() {
		return nil, nil
	}
	if !cf.Due(env.Now) {
		return nil, stateErr("RED-3", "the red-letter confirmation is pending until %s", cf.ExpiresAt.In(shanghai).Format(time.RFC3339))
	}
	return []Event{expiry(cf)}, nil
}

func expiry(cf *Confirmation) RedLetterConfirmationExpired {
	return RedLetterConfirmationExpired{ConfirmationID: cf.ID, InvoiceID: cf.InvoiceID, ExpiredAt: *cf.ExpiresAt}
}

// DecideExpire returns the expiry of every confirmation of the account that
// is pending and due at now (RED-3), in the order they were entered.
func DecideExpire(a *Account, now time.Time) []Event {
	var evs []Event
	for _, id := range a.ConfirmationOrder {
		if cf := a.Confirmations[id]; cf != nil && cf.Due(now) {
			evs = append(evs, expiry(cf))
		}
	}
	return evs
}

// PendingConfirmations lists the pending confirmations of the account with
// their deadlines, for a scheduler's read model.
func (a *Account) PendingConfirmations() []*Confirmation {
	var out []*Confirmation
	for _, id := range a.ConfirmationOrder {
		if cf := a.Confirmations[id]; cf != nil && cf.Pending() {
			out = append(out, cf)
		}
	}
	return out
}

// OpenConfirmation returns the invoice's open confirmation (RED-4), or nil.
func (a *Account) OpenConfirmation(invoiceID uuid.UUID) *Confirmation {
	for _, id := range a.ConfirmationOrder {
		if cf := a.Confirmations[id]; cf != nil && cf.InvoiceID == invoiceID && cf.Open() {
			return cf
		}
	}
	return nil
}

// InvoiceConfirmations lists an invoice's confirmations in entry order.
func (a *Account) InvoiceConfirmations(invoiceID uuid.UUID) []*Confirmation {
	var out []*Confirmation
	for _, id := range a.ConfirmationOrder {
		if cf := a.Confirmations[id]; cf != nil && cf.InvoiceID == invoiceID {
			out = append(out, cf)
		}
	}
	return out
}

// Confirmation returns the confirmation with id, or nil.
func (a *Account) Confirmation(id uuid.UUID) *Confirmation { return a.confirmation(id) }

func (a *Account) confirmation(id uuid.UUID) *Confirmation {
	if a.Confirmations == nil {
		return nil
	}
	return a.Confirmations[id]
}

// Fold: the cases are in fold.go's one switch.

func (a *Account) applyConfirmationEntered(e *RedLetterConfirmationEntered) {
	if a.Confirmations == nil {
		a.Confirmations = map[uuid.UUID]*Confirmation{}
	}
	if _, dup := a.Confirmations[e.ConfirmationID]; dup {
		return
	}
	cf := &Confirmation{
		ID:                e.ConfirmationID,
		ConfirmationTerms: e.ConfirmationTerms,
		Status:            e.Status,
		EnteredBy:         e.EnteredBy,
		EnteredAt:         e.EnteredAt,
		UpdatedAt:         e.EnteredAt,
		own:               a.mark(),
	}
	if e.ExpiresAt != nil {
		t := *e.ExpiresAt
		cf.ExpiresAt = &t
	}
	a.Confirmations[e.ConfirmationID] = cf
	a.ConfirmationOrder = append(a.ConfirmationOrder, e.ConfirmationID)
}

func (a *Account) setConfirmation(id uuid.UUID, s ConfirmationStatus, reason string, at time.Time) {
	cf := a.ownConfirmation(id)
	if cf == nil {
		return
	}
	cf.Status = s
	if reason != "" {
		cf.RefuseReason = reason
	}
	cf.UpdatedAt = at
}
