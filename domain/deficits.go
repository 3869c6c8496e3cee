package domain

import (
	"slices"
	"time"

	"github.com/google/uuid"
)

// Refunds after invoicing (欠票与冲抵, DEF-1..6). A statement's invoiceable
// amount (its Buckets' kingsoft + marketplace, after adjustments) is always
// split in three parts, per bucket:
//
//	Free    available (BAL-2); may offset a deficit (DEF-3)
//	Holds   what each live application or invoice holding it still holds
//	        (Applied less what adjustments took off it: that much is owed,
//	        DEF-2); more than one only when DEF-4 freed a part that was then
//	        applied for on its own (APP-7's exception)
//	Offsets parts that cleared another invoice's deficit (DEF-3)
//
// and DEF-6 follows: Σ invoiceable = available + reserved + invoiced −
// deficit, where an invoice's deficit is Raised − OffsetAmount −
// RedFlushedAmount.

// Split is an amount split by invoiceable bucket (STMT-4).
type Split struct {
	Kingsoft    Money `json:"kingsoft"`
	Marketplace Money `json:"marketplace"`
}

// Total is kingsoft + marketplace.
func (s Split) Total() Money { return s.Kingsoft.Add(s.Marketplace) }

// Add adds bucket by bucket.
func (s Split) Add(o Split) Split {
	return Split{s.Kingsoft.Add(o.Kingsoft), s.Marketplace.Add(o.Marketplace)}
}

// Sub subtracts bucket by bucket.
func (s Split) Sub(o Split) Split {
	return Split{s.Kingsoft.Sub(o.Kingsoft), s.Marketplace.Sub(o.Marketplace)}
}

// Equal compares bucket by bucket.
func (s Split) Equal(o Split) bool {
	return s.Kingsoft.Equal(o.Kingsoft) && s.Marketplace.Equal(o.Marketplace)
}

// In returns the bucket's amount (zero for a bucket that is not invoiceable).
func (s Split) In(b Bucket) Money {
	switch b {
	case BucketKingsoft:
		return s.Kingsoft
	case BucketMarketplace:
		return s.Marketplace
	}
	return Zero
}

func (s Split) negative() bool { return s.Kingsoft.IsNegative() || s.Marketplace.IsNegative() }

// bucketSplit is amount m in bucket b alone.
func bucketSplit(b Bucket, m Money) Split {
	if b == BucketMarketplace {
		return Split{Marketplace: m}
	}
	return Split{Kingsoft: m}
}

// take returns amt of s, kingsoft first: the deterministic order in which
// an offset uses a statement's available part.
func (s Split) take(amt Money) Split {
	k := minMoney(s.Kingsoft, amt)
	return Split{Kingsoft: k, Marketplace: minMoney(s.Marketplace, amt.Sub(k))}
}

func minMoney(x, y Money) Money {
	if x.Cmp(y) <= 0 {
		return x
	}
	return y
}

// Hold is the part of a statement one live application or invoice holds:
// Applied is what it took (APP-3), Held what it still holds once
// adjustments took some off (that much it owes, DEF-2). A statement's holds
// are disjoint parts of it (APP-7): with its available part and offsets
// they sum to its invoiceable amount.
type Hold struct {
	InvoiceID uuid.UUID `json:"invoice_id"`
	Held      Split     `json:"held"`
	Applied   Split     `json:"applied"`
}

// HolderIDs lists the live applications and invoices holding a part of the
// statement, earliest first (the first is its InvoiceID).
func (s *Statement) HolderIDs() []uuid.UUID {
	ids := make([]uuid.UUID, len(s.Holds))
	for i, h := range s.Holds {
		ids[i] = h.InvoiceID
	}
	return ids
}

func (s *Statement) holdIndex(id uuid.UUID) int {
	return slices.IndexFunc(s.Holds, func(h Hold) bool { return h.InvoiceID == id })
}

// holdOf is invoice id's hold on the statement, zero when it holds none.
func (s *Statement) holdOf(id uuid.UUID) Hold {
	if i := s.holdIndex(id); i >= 0 {
		return s.Holds[i]
	}
	return Hold{}
}

// HeldBy is the part invoice id still holds (zero when it holds none).
func (s *Statement) HeldBy(id uuid.UUID) Split { return s.holdOf(id).Held }

// AppliedBy is what invoice id took of the statement when applied (APP-3).
func (s *Statement) AppliedBy(id uuid.UUID) Split { return s.holdOf(id).Applied }

// HeldTotal sums the parts its live holders hold.
func (s *Statement) HeldTotal() Split {
	return sumSplits(s.Holds, func(h *Hold) Split { return h.Held })
}

// Offset is a part of a statement that cleared an invoice's deficit (DEF-3).
type Offset struct {
	InvoiceID uuid.UUID `json:"invoice_id"`
	Split
}

// OffsetTotal sums the statement's offset parts.
func (s *Statement) OffsetTotal() Split {
	return sumSplits(s.Offsets, func(o *Offset) Split { return o.Split })
}

// sumSplits adds up one Split of each of xs.
func sumSplits[T any](xs []T, part func(*T) Split) Split {
	var t Split
	for i := range xs {
		t = t.Add(part(&xs[i]))
	}
	return t
}

// Adjustment is one posted adjustment, remembered by its ID (DEF-1).
type Adjustment struct {
	ID        string    `json:"adjustment_id"`
	Month     string    `json:"month"`
	Bucket    Bucket    `json:"bucket"`
	Amount    Money     `json:"amount"`
	Reason    string    `json:"reason"`
	Reference string    `json:"reference,omitempty"`
	At        time.Time `json:"adjusted_at"`
}

func (x Adjustment) same(o Adjustment) bool {
	return x.Month == o.Month && x.Bucket == o.Bucket && x.Amount.Equal(o.Amount) &&
		x.Reason == o.Reason && x.Reference == o.Reference
}

// PartialRedFlush is one red invoice for part of an issued invoice (DEF-5).
type PartialRedFlush struct {
	RedInvoiceCode      string     `json:"red_invoice_code,omitempty"`
	RedInvoiceNumber    string     `json:"red_invoice_number"`
	RedLetterFormNumber string     `json:"red_letter_form_number,omitempty"`
	Amount              Money      `json:"amount"`
	NetAmount           Money      `json:"net_amount"`
	TaxAmount           Money      `json:"tax_amount"`
	IssuedOn            string     `json:"issued_on,omitempty"`
	ConfirmationID      *uuid.UUID `json:"confirmation_id,omitempty"`
	At                  time.Time  `json:"red_flushed_at"`
}

// Deficit is what the invoice still owes (DEF-2, DEF-5): the deficits
// raised on it by adjustments, less the offsets that cleared them and its
// partial red-flushes. Zero once it is no longer live (DEF-4).
func (inv *Invoice) Deficit() Money {
	if !inv.Live() {
		return Zero
	}
	return inv.Raised.Sub(inv.OffsetAmount).Sub(inv.RedFlushedAmount)
}

// owes reports whether Deficit is positive. Most invoices never had a
// deficit raised: with nothing raised and no negative part the difference
// cannot be positive, which is known without the decimal arithmetic
// (settle asks it of every invoice on every command).
func (inv *Invoice) owes() bool {
	if inv.Raised.IsZero() && !inv.OffsetAmount.IsNegative() && !inv.RedFlushedAmount.IsNegative() {
		return false
	}
	return inv.Deficit().IsPositive()
}

// Rest is the invoice's amount not yet red-flushed: what a whole red-flush
// reverses (DEF-5).
func (inv *Invoice) Rest() Money { return inv.Amount.Sub(inv.RedFlushedAmount) }

// Events.

// OffsetPart is an amount of one invoice's offset.
type OffsetPart struct {
	InvoiceID uuid.UUID `json:"invoice_id"`
	Amount    Money     `json:"amount"`
}

// StatementAdjusted: billing took an amount off a statement's bucket after
// it was posted (DEF-1). How it fell is recorded, in the order the domain
// takes it (DEF-2): first off the statement's available part (Lowered),
// then off the parts its live applications or invoices hold, earliest
// holder first, which they then owe (Deficit and InvoiceID for the first;
// MoreDeficits for further holders of a part DEF-4 freed), last off parts
// that offset other invoices' deficits, which those owe again
// (OffsetsUndone).
type StatementAdjusted struct {
	Month         string       `json:"month"`
	AdjustmentID  string       `json:"adjustment_id"`
	Bucket        Bucket       `json:"bucket"`
	Amount        Money        `json:"amount"`
	Reason        string       `json:"reason"`
	Reference     string       `json:"reference,omitempty"`
	Lowered       Money        `json:"lowered"`
	Deficit       Money        `json:"deficit"`
	InvoiceID     *uuid.UUID   `json:"invoice_id,omitempty"`
	MoreDeficits  []OffsetPart `json:"more_deficits,omitempty"`
	OffsetsUndone []OffsetPart `json:"offsets_undone,omitempty"`
	AdjustedAt    time.Time    `json:"adjusted_at"`
}

// DeficitOffset: part of a statement's available amount cleared an
// invoice's deficit (冲抵, DEF-3); taken kingsoft first.
type DeficitOffset struct {
	Month       string    `json:"month"`
	InvoiceID   uuid.UUID `json:"invoice_id"`
	Amount      Money     `json:"amount"`
	Kingsoft    Money     `json:"kingsoft"`
	Marketplace Money     `json:"marketplace"`
	OffsetAt    time.Time `json:"offset_at"`
}

// InvoicePartlyRedFlushed: finance issued a red invoice for part of an
// issued invoice, at most what it owed (DEF-5): paper with the red
// invoice's code and number and the red-letter information form number,
// electronic against a partial confirmation (RED-6). The invoice stays
// issued; net and tax are the red invoice's, at the invoice's rate (REC-2).
type InvoicePartlyRedFlushed struct {
	InvoiceID           uuid.UUID  `json:"invoice_id"`
	RedInvoiceCode      string     `json:"red_invoice_code,omitempty"`
	RedInvoiceNumber    string     `json:"red_invoice_number"`
	RedLetterFormNumber string     `json:"red_letter_form_number,omitempty"`
	RedAmount           Money      `json:"red_amount"`
	NetAmount           Money      `json:"net_amount"`
	TaxAmount           Money      `json:"tax_amount"`
	RedIssuedOn         string     `json:"red_issued_on,omitempty"`
	ConfirmationID      *uuid.UUID `json:"confirmation_id,omitempty"`
	RedFlushedAt        time.Time  `json:"red_flushed_at"`
}

func (StatementAdjusted) EventType() string       { return "StatementAdjusted" }
func (DeficitOffset) EventType() string           { return "DeficitOffset" }
func (InvoicePartlyRedFlushed) EventType() string { return "InvoicePartlyRedFlushed" }

// Commands.

// PostAdjustment is billing taking an amount off a posted statement's
// bucket: a refund or downgrade after the fact (DEF-1). Amount is the
// request's text, so that a third decimal is refused rather than rounded.
type PostAdjustment struct {
	Month        string
	AdjustmentID string
	Bucket       Bucket
	Amount       string
	Reason       string
	Reference    string
}

// Decide checks DEF-1 and says how the amount falls (DEF-2); the deficits
// it raises are offset at once where statements are available (DEF-3). The
// same adjustment posted again gives no events; another body under the same
// adjustment_id is a conflict, APP-6's (its ID is billing's idempotency key).
func (c PostAdjustment) Decide(a *Account, env Env) ([]Event, error) {
	id, msg := cleanText(c.AdjustmentID, 64)
	if msg != "" {
		return nil, fieldErr("DEF-1", "adjustment_id", "adjustment_id %s", msg)
	}
	if !slices.Contains(InvoiceableBuckets(), c.Bucket) {
		return nil, fieldErr("DEF-1", "bucket", "bucket is kingsoft or marketplace (the invoiceable buckets), not %q", c.Bucket)
	}
	amount, err := ParseMoney(c.Amount)
	if err != nil || !amount.IsPositive() {
		return nil, fieldErr("DEF-1", "amount", "amount is what the adjustment takes off: above zero with at most two decimals, like \"100.00\"")
	}
	reason, msg := cleanText(c.Reason, 500)
	if msg != "" {
		return nil, fieldErr("DEF-1", "reason", "reason %s", msg)
	}
	ref := ""
	if c.Reference != "" {
		if ref, msg = cleanText(c.Reference, 200); msg != "" {
			return nil, fieldErr("DEF-1", "reference", "reference %s", msg)
		}
	}
	if !ValidMonth(c.Month) {
		return nil, fieldErr("DEF-1", "month", "%q is not a month: use YYYY-MM", c.Month)
	}
	want := Adjustment{ID: id, Month: c.Month, Bucket: c.Bucket, Amount: amount, Reason: reason, Reference: ref}
	if old, seen := a.Adjustments[id]; seen {
		if old.same(want) {
			return nil, nil
		}
		// The adjustment_id is billing's idempotency key for it: another
		// body under it is refused as APP-6 refuses a reused key (409).
		return nil, &RuleError{Code: "APP-6", Kind: Conflict,
			Message: "adjustment " + id + " was already posted with another body (" + old.Month + ", " + string(old.Bucket) + " " + old.Amount.String() + "); an adjustment is never changed (DEF-1) — post a new adjustment_id"}
	}
	s := a.Statements[c.Month]
	if s == nil {
		return nil, stateErr("DEF-1", "there is no statement for %s to adjust; an adjustment goes beside a posted statement", c.Month)
	}
	if have := s.Buckets.bucket(c.Bucket); amount.Cmp(have) > 0 {
		return nil, stateErr("DEF-1", "the statement for %s has %s left in its %s bucket; an adjustment of %s would take it below zero", c.Month, have, c.Bucket, amount)
	}
	e := StatementAdjusted{
		Month: c.Month, AdjustmentID: id, Bucket: c.Bucket, Amount: amount, Reason: reason, Reference: ref,
		AdjustedAt: env.Now,
	}
	rest := amount
	e.Lowered = minMoney(s.Free.In(c.Bucket), rest)
	rest = rest.Sub(e.Lowered)
	for _, h := range s.Holds {
		d := minMoney(h.Held.In(c.Bucket), rest)
		if !d.IsPositive() {
			continue
		}
		if e.InvoiceID == nil {
			holder := h.InvoiceID
			e.Deficit, e.InvoiceID = d, &holder
		} else {
			e.MoreDeficits = append(e.MoreDeficits, OffsetPart{InvoiceID: h.InvoiceID, Amount: d})
		}
		rest = rest.Sub(d)
	}
	// Last, parts that offset deficits, newest first: the refund takes back
	// what they cleared, and those invoices owe it again.
	for i := len(s.Offsets) - 1; i >= 0 && rest.IsPositive(); i-- {
		o := s.Offsets[i]
		if u := minMoney(o.In(c.Bucket), rest); u.IsPositive() {
			e.OffsetsUndone = append(e.OffsetsUndone, OffsetPart{InvoiceID: o.InvoiceID, Amount: u})
			rest = rest.Sub(u)
		}
	}
	return settle(a, env, []Event{e}), nil
}

func (b Buckets) bucket(k Bucket) Money {
	if k == BucketMarketplace {
		return b.Marketplace
	}
	return b.Kingsoft
}

// owing reports whether any live invoice of the account owes a deficit.
// Only an invoice that may owe can (the tally counts them): with none,
// there is no walk.
func (a *Account) owing() bool {
	if a.tally.known && a.tally.owers == 0 {
		return false
	}
	for _, inv := range a.Invoices {
		if inv.owes() {
			return true
		}
	}
	return false
}

// settle appends DEF-3's offsets to a command's events: folded onto a copy
// of the account, available statements, oldest month first, clear the
// deficits, oldest deficit first, as far as they reach. It is cheap when
// nothing is owed and the events raise no deficit.
func settle(a *Account, env Env, evs []Event) []Event {
	raises := slices.ContainsFunc(evs, func(e Event) bool { _, ok := e.(StatementAdjusted); return ok })
	if !raises && !a.owing() {
		return evs
	}
	c := a.Clone()
	for _, e := range evs {
		c.Apply(e)
	}
	return append(evs, c.offsets(env.Now)...)
}

// offsets decides and folds the offsets due now (DEF-3).
func (a *Account) offsets(now time.Time) []Event {
	debtors := a.Debtors()
	if len(debtors) == 0 {
		return nil
	}
	var evs []Event
	for _, m := range a.StatementMonths() {
		// The statement and the debtor are read again after each Apply:
		// the fold changes its own copies of them (ownStatement), not the
		// ones a shares with the account it was cloned from.
		for len(debtors) > 0 && a.Statements[m].Free.Total().IsPositive() {
			free, id := a.Statements[m].Free, debtors[0].ID
			part := free.take(minMoney(free.Total(), a.Invoices[id].Deficit()))
			e := DeficitOffset{Month: m, InvoiceID: id, Amount: part.Total(), Kingsoft: part.Kingsoft, Marketplace: part.Marketplace, OffsetAt: now}
			a.Apply(e)
			evs = append(evs, e)
			if !a.Invoices[id].Deficit().IsPositive() {
				debtors = debtors[1:]
			}
		}
		if len(debtors) == 0 {
			break
		}
	}
	return evs
}

// Debtors lists the live invoices that owe a deficit, oldest deficit first
// (the order DEF-3 clears them in).
func (a *Account) Debtors() []*Invoice {
	var out []*Invoice
	for _, id := range a.invoiceIDs() {
		if inv := a.Invoices[id]; inv.owes() {
			out = append(out, inv)
		}
	}
	slices.SortStableFunc(out, func(x, y *Invoice) int {
		switch {
		case x.DeficitSince < y.DeficitSince:
			return -1
		case x.DeficitSince > y.DeficitSince:
			return 1
		}
		return 0
	})
	return out
}

// Deficit is the account's deficit: what its live invoices owe (DEF-3).
func (a *Account) Deficit() Money {
	d := Zero
	for _, inv := range a.Invoices {
		d = d.Add(inv.Deficit())
	}
	return d
}

// Fold: the cases are in fold.go's one switch.

// owes runs f on inv and notes when its deficit began (the oldest is
// cleared first, DEF-3).
func (a *Account) owes(inv *Invoice, f func()) {
	before, was := inv.Deficit(), inv.mayOwe()
	f()
	a.oweMoved(was, inv)
	if !before.IsPositive() && inv.Deficit().IsPositive() {
		inv.DeficitSince = a.Version
	}
}

func (a *Account) applyAdjusted(e *StatementAdjusted) {
	s := a.Statements[e.Month]
	if s == nil {
		return
	}
	if a.Adjustments == nil {
		a.Adjustments = map[string]Adjustment{}
	}
	if _, dup := a.Adjustments[e.AdjustmentID]; dup {
		return
	}
	s = a.ownStatement(e.Month)
	a.Adjustments[e.AdjustmentID] = Adjustment{ID: e.AdjustmentID, Month: e.Month, Bucket: e.Bucket, Amount: e.Amount,
		Reason: e.Reason, Reference: e.Reference, At: e.AdjustedAt}
	a.AdjustmentOrder = append(slices.Clip(a.AdjustmentOrder), e.AdjustmentID)
	part := func(m Money) Split { return bucketSplit(e.Bucket, m) }
	if e.Bucket == BucketMarketplace {
		s.Buckets.Marketplace = s.Buckets.Marketplace.Sub(e.Amount)
	} else {
		s.Buckets.Kingsoft = s.Buckets.Kingsoft.Sub(e.Amount)
	}
	s.Adjusted = s.Adjusted.Add(part(e.Amount))
	wasNeg := s.Free.negative()
	s.Free = s.Free.Sub(part(e.Lowered))
	a.freeMoved(wasNeg, s)
	charge := func(id uuid.UUID, d Money) {
		if i := s.holdIndex(id); i >= 0 {
			hs := slices.Clone(s.Holds) // clones share the old slice
			hs[i].Held = hs[i].Held.Sub(part(d))
			s.Holds = hs
		}
		if inv := a.ownInvoice(id); inv != nil {
			a.owes(inv, func() { inv.Raised = inv.Raised.Add(d) })
		}
	}
	if e.InvoiceID != nil && e.Deficit.IsPositive() {
		charge(*e.InvoiceID, e.Deficit)
	}
	for _, d := range e.MoreDeficits {
		charge(d.InvoiceID, d.Amount)
		if inv := a.ownInvoice(d.InvoiceID); inv != nil {
			inv.UpdatedAt = e.AdjustedAt
		}
	}
	for _, u := range e.OffsetsUndone {
		s.Offsets = withOffset(s.Offsets, u.InvoiceID, Split{}.Sub(part(u.Amount)))
		if inv := a.ownInvoice(u.InvoiceID); inv != nil {
			a.owes(inv, func() { inv.OffsetAmount = inv.OffsetAmount.Sub(u.Amount) })
		}
	}
	s.settle()
	if inv := a.ownInvoice(s.InvoiceID); inv != nil {
		inv.UpdatedAt = e.AdjustedAt
	}
}

// withOffset returns offsets with add added to invoice id's part (a new
// slice: clones share the old one); a part that falls to zero is dropped.
func withOffset(offsets []Offset, id uuid.UUID, add Split) []Offset {
	out := make([]Offset, 0, len(offsets)+1)
	found := false
	for _, o := range offsets {
		if o.InvoiceID == id {
			found = true
			o.Split = o.Split.Add(add)
			if o.Total().IsZero() && !o.negative() {
				continue
			}
		}
		out = append(out, o)
	}
	if !found {
		out = append(out, Offset{InvoiceID: id, Split: add})
	}
	return out
}

func (a *Account) applyOffset(e *DeficitOffset) {
	s := a.ownStatement(e.Month)
	if s == nil {
		return
	}
	part := Split{Kingsoft: e.Kingsoft, Marketplace: e.Marketplace}
	wasNeg := s.Free.negative()
	s.Free = s.Free.Sub(part)
	a.freeMoved(wasNeg, s)
	s.Offsets = withOffset(s.Offsets, e.InvoiceID, part)
	s.settle()
	if inv := a.touched(e.InvoiceID, e.OffsetAt); inv != nil {
		was := inv.mayOwe()
		inv.OffsetAmount = inv.OffsetAmount.Add(e.Amount)
		a.oweMoved(was, inv)
	}
}

func (a *Account) applyPartlyRedFlushed(e *InvoicePartlyRedFlushed) {
	inv := a.touched(e.InvoiceID, e.RedFlushedAt)
	if inv == nil {
		return
	}
	was := inv.mayOwe()
	inv.RedFlushedAmount = inv.RedFlushedAmount.Add(e.RedAmount)
	a.oweMoved(was, inv)
	inv.PartialRedFlushes = append(slices.Clip(inv.PartialRedFlushes), PartialRedFlush{
		RedInvoiceCode: e.RedInvoiceCode, RedInvoiceNumber: e.RedInvoiceNumber, RedLetterFormNumber: e.RedLetterFormNumber,
		Amount: e.RedAmount, NetAmount: e.NetAmount, TaxAmount: e.TaxAmount, IssuedOn: e.RedIssuedOn,
		ConfirmationID: e.ConfirmationID, At: e.RedFlushedAt,
	})
	if e.ConfirmationID != nil {
		a.useConfirmation(*e.ConfirmationID, e.RedFlushedAt)
	}
}

// settle sets the status of a statement no live invoice holds (BAL-1):
// offset when offsets used all of it, available otherwise.
func (s *Statement) settle() {
	if len(s.Holds) > 0 {
		return
	}
	if !s.Free.Total().IsPositive() && len(s.Offsets) > 0 {
		s.Status = StatementOffset
	} else {
		s.Status = StatementAvailable
	}
}

// hold gives a statement's available part to an application (APP-3: its
// invoiceable less what offset a deficit). A statement already held keeps
// its first holder's status and InvoiceID: the new holder takes only the
// part DEF-4 freed (APP-7's exception).
func (s *Statement) hold(id uuid.UUID) {
	if s.holdIndex(id) >= 0 {
		return
	}
	s.Holds = append(slices.Clip(s.Holds), Hold{InvoiceID: id, Held: s.Free, Applied: s.Free})
	s.Free = Split{}
	if len(s.Holds) == 1 {
		s.InvoiceID = id
		s.Status = StatementReserved
	}
}

// holderStatus is the status a statement shows for its first holder id:
// reserved while under review or issuing, invoiced after (BAL-1).
func (a *Account) holderStatus(id uuid.UUID) StatementStatus {
	if inv := a.Invoices[id]; inv != nil && inv.Status != UnderReview && inv.Status != Issuing {
		return StatementInvoiced
	}
	return StatementReserved
}

// release makes an invoice's statements available again (RETURN-5) and
// undoes its deficit (DEF-4): what it still owes is cleared (it is no
// longer live), and the parts of statements that offset it are free again —
// also of a statement whose rest another live invoice holds. Only the
// invoice's own part of a statement is released: another holder keeps its
// part, and the statement then shows the next holder.
func (a *Account) release(inv *Invoice) {
	for _, m := range inv.Statements {
		s := a.Statements[m]
		if s == nil {
			continue
		}
		i := s.holdIndex(inv.ID)
		if i < 0 {
			continue
		}
		s = a.ownStatement(m)
		wasNeg := s.Free.negative()
		s.Free = s.Free.Add(s.Holds[i].Held)
		a.freeMoved(wasNeg, s)
		s.Holds = slices.Delete(slices.Clone(s.Holds), i, i+1)
		if len(s.Holds) == 0 {
			s.Holds = nil
			s.InvoiceID = uuid.Nil
			s.settle()
			continue
		}
		s.InvoiceID = s.Holds[0].InvoiceID
		s.Status = a.holderStatus(s.InvoiceID)
	}
	if inv.OffsetAmount.IsZero() {
		return
	}
	for m, s := range a.Statements {
		for _, o := range s.Offsets {
			if o.InvoiceID == inv.ID {
				s = a.ownStatement(m) // replaces m's value: allowed while ranging
				wasNeg := s.Free.negative()
				s.Free = s.Free.Add(o.Split)
				a.freeMoved(wasNeg, s)
				s.Offsets = withOffset(s.Offsets, inv.ID, Split{}.Sub(o.Split))
				s.settle()
				break
			}
		}
	}
	was := inv.mayOwe()
	inv.OffsetAmount = Zero
	a.oweMoved(was, inv)
}
