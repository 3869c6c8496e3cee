package domain

import (
	"errors"
	"fmt"
	"maps"
	"slices"
	"sort"

	"github.com/google/uuid"
)

// ScopedKey is an idempotency key in its caller's namespace (APP-6: keys are
// scoped to the caller, so two callers' equal keys never collide). The empty
// scope is the account's own customer: the account already names it. Other
// scopes are set apart by a NUL, which no key sent over HTTP can hold.
func ScopedKey(scope, key string) string {
	if scope == "" || key == "" {
		return key
	}
	return "\x00" + scope + "\x00" + key
}

// Remember records a keyed command's result (APP-6) under the caller's
// scope. The first result for a key wins: a retry never overwrites it.
func (a *Account) Remember(scope, key, requestHash string, first, last uint64) {
	if key == "" {
		return
	}
	a.RememberScoped(ScopedKey(scope, key), requestHash, first, last)
}

// RememberScoped is Remember given the key in its scope, ScopedKey(scope,
// key), for a caller that made it already (the ledger makes it once a
// command: a staff key's is a new string).
func (a *Account) RememberScoped(k, requestHash string, first, last uint64) {
	if k == "" {
		return
	}
	a.RememberDigest(IdemKeyOf(k, requestHash), first, last)
}

// RememberDigest is RememberScoped given the key's and the request's
// digests (IdemKeyOf), for a caller that made them already: the ledger
// makes them once a command, for the check and the record both.
func (a *Account) RememberDigest(k IdemKey, first, last uint64) {
	if !k.Valid() {
		return
	}
	a.ensureMaps()
	if _, seen := a.Idempotency[k.Key]; seen {
		return
	}
	a.Idempotency[k.Key] = IdemRecord{Request: k.Request, FirstRevision: first, LastRevision: last}
}

// CheckIdempotency: seen=true with the first result when the caller (scope)
// used key with the same hash; a Conflict *RuleError (APP-6) when with
// another hash. An empty key is never seen; another caller's equal key is
// not this caller's.
func (a *Account) CheckIdempotency(scope, key, requestHash string) (IdempotentResult, bool, error) {
	return a.CheckIdempotencyScoped(ScopedKey(scope, key), key, requestHash)
}

// CheckIdempotencyScoped is CheckIdempotency given scoped, the key in its
// caller's scope (ScopedKey), beside the key as the caller sent it.
func (a *Account) CheckIdempotencyScoped(scoped, key, requestHash string) (IdempotentResult, bool, error) {
	if key == "" {
		return IdempotentResult{}, false, nil
	}
	return a.CheckIdempotencyDigest(IdemKeyOf(scoped, requestHash), key, requestHash)
}

// CheckIdempotencyDigest is CheckIdempotencyScoped given the digests of the
// key in its scope and of the request (IdemKeyOf), beside the key and the
// request hash as the caller sent them (for the answer and the message).
func (a *Account) CheckIdempotencyDigest(k IdemKey, key, requestHash string) (IdempotentResult, bool, error) {
	if key == "" || !k.Valid() {
		return IdempotentResult{}, false, nil
	}
	r, seen := a.Idempotency[k.Key]
	if !seen {
		return IdempotentResult{}, false, nil
	}
	if r.Request != k.Request {
		return IdempotentResult{}, false, &RuleError{
			Code:    "APP-6",
			Kind:    Conflict,
			Message: fmt.Sprintf("the Idempotency-Key %q was already used with a different request; use a new key for a new request", key),
		}
	}
	return IdempotentResult{RequestHash: requestHash, FirstRevision: r.FirstRevision, LastRevision: r.LastRevision}, true, nil
}

// Clone returns a copy of a: folding events into either never changes the
// other. It copies the maps, not what they hold: the statements, invoices
// and confirmations are shared until one side changes one, which first
// copies it (copy on write, ownStatement and its siblings). A long-lived
// account has hundreds of invoices, and the ledger and the views clone it
// for every command and batch. The title and addresses are shared too: a
// fold replaces them rather than change them (setTitleStatus,
// ownAddresses). Event-owned slices (statement lines, an invoice's months)
// are shared because nothing ever changes them; the slices an entity
// grows (holds, offsets, partial red-flushes) are replaced, never written
// through.
//
// Clone changes a's ownership mark (atomically: readers may clone one
// committed account at once), and a then copies before it changes what it
// shares, like the clone.
func (a *Account) Clone() *Account {
	a.share()
	c := &Account{
		ID:           a.ID,
		Title:        a.Title,
		Addresses:    slices.Clip(a.Addresses),
		Statements:   maps.Clone(a.Statements),
		Invoices:     maps.Clone(a.Invoices),
		InvoiceOrder: slices.Clip(a.InvoiceOrder), // appended to, never written through
		Idempotency:  maps.Clone(a.Idempotency),   // values: a copy of the table will do
		Version:      a.Version,
		own:          new(owner), // it owns nothing it shares with a
		tally:        a.tally,
	}
	if c.Statements == nil {
		c.Statements = map[string]*Statement{}
	}
	if c.Invoices == nil {
		c.Invoices = map[uuid.UUID]*Invoice{}
	}
	if c.Idempotency == nil {
		c.Idempotency = map[IdemDigest]IdemRecord{}
	}
	if a.Confirmations != nil {
		c.Confirmations = maps.Clone(a.Confirmations)
		c.ConfirmationOrder = slices.Clip(a.ConfirmationOrder)
	}
	if a.Adjustments != nil {
		c.Adjustments = maps.Clone(a.Adjustments)
		c.AdjustmentOrder = slices.Clip(a.AdjustmentOrder)
	}
	return c
}

// Available is the balance's total (BAL-2) alone: the statements' free
// parts, without walking the invoices as Balance does (every application
// asks it, and an account gathers invoices over the years).
func (a *Account) Available() Money {
	f := newFenSum()
	for _, s := range a.Statements {
		f.add(s.Free.Kingsoft)
		f.add(s.Free.Marketplace)
	}
	if f.ok {
		return f.money()
	}
	return a.availableDecimal()
}

// availableDecimal is Available summed in decimal, for amounts fenSum
// does not hold.
func (a *Account) availableDecimal() Money {
	var t Money
	for _, s := range a.Statements {
		t = t.Add(s.Free.Kingsoft).Add(s.Free.Marketplace)
	}
	return t
}

// Balance computes BAL-2 and the DEF-6 parts. Kingsoft, Marketplace and
// Total are the statements' available parts; Merchant, Offline and
// Deductions are shown over all statements; Reserved and Invoiced count the
// live applications' and invoices' amounts (less partial red-flushes), and
// Deficit what they owe.
func (a *Account) Balance() Balance {
	var b Balance
	for _, s := range a.Statements {
		b.Statements = b.Statements.Add(s.Buckets.Invoiceable())
		b.Merchant = b.Merchant.Add(s.Buckets.Merchant)
		b.Offline = b.Offline.Add(s.Buckets.Offline)
		b.Deductions = b.Deductions.Add(s.Buckets.Deductions)
		b.Kingsoft = b.Kingsoft.Add(s.Free.Kingsoft)
		b.Marketplace = b.Marketplace.Add(s.Free.Marketplace)
		for _, o := range s.Offsets {
			b.Offset = b.Offset.Add(o.Total())
		}
	}
	for _, inv := range a.Invoices {
		switch {
		case !inv.Live():
		case inv.Status == UnderReview || inv.Status == Issuing:
			b.Reserved = b.Reserved.Add(inv.Amount)
		default:
			b.Invoiced = b.Invoiced.Add(inv.Rest())
		}
		b.Deficit = b.Deficit.Add(inv.Deficit())
	}
	b.Total = b.Kingsoft.Add(b.Marketplace)
	return b
}

// CurrentTitle returns the current title (pending_review or approved), or nil.
func (a *Account) CurrentTitle() *CurrentTitle {
	if a.Title == nil {
		return nil
	}
	switch a.Title.Status {
	case TitlePendingReview, TitleApprovedState:
		return a.Title
	}
	return nil
}

// ApprovedTitle returns the current title if it is approved, or nil (APP-1).
func (a *Account) ApprovedTitle() *CurrentTitle {
	if t := a.CurrentTitle(); t != nil && t.Status == TitleApprovedState {
		return t
	}
	return nil
}

// DefaultAddress returns the default address, or nil.
func (a *Account) DefaultAddress() *SavedAddress {
	for _, sa := range a.Addresses {
		if sa.Default {
			return sa
		}
	}
	return nil
}

// Address returns the saved address with id, or nil.
func (a *Account) Address(id uuid.UUID) *SavedAddress { return a.address(id) }

// Invoice returns the invoice with id, or nil.
func (a *Account) Invoice(id uuid.UUID) *Invoice { return a.Invoices[id] }

// StatementMonths returns the months of the account's statements, sorted.
func (a *Account) StatementMonths() []string {
	ms := make([]string, 0, len(a.Statements))
	for m := range a.Statements {
		ms = append(ms, m)
	}
	sort.Strings(ms)
	return ms
}

// InvariantError is a broken invariant found by CheckInvariants; Rule names
// the rule of DOMAIN.md it breaks (BAL-3, APP-7, REC-1).
type InvariantError struct {
	Account string
	Rule    string
	Detail  string
}

func (e *InvariantError) Error() string {
	return fmt.Sprintf("account %s: %s broken: %s", e.Account, e.Rule, e.Detail)
}

// CheckInvariants verifies BAL-3 and REC-1/APP-7 on the folded state: the
// balance conserves the statements' invoiceable total; each live invoice's
// amount equals the sum of its statements' invoiceable amounts; every
// statement of a live invoice points back to it with the status the invoice's
// status implies; no statement sits in two live invoices; and no statement
// is reserved or invoiced without a live invoice holding it. It returns every
// violation found, joined, as *InvariantError values; nil means all hold.
func (a *Account) CheckInvariants() error {
	var errs []error
	bad := func(rule, format string, args ...any) {
		errs = append(errs, &InvariantError{Account: a.ID, Rule: rule, Detail: fmt.Sprintf(format, args...)})
	}
	b := a.Balance()
	if av := a.Available(); !av.Equal(b.Total) {
		bad("BAL-2", "available %s ≠ the balance's total %s", av, b.Total)
	}
	// DEF-6 (BAL-3 when nothing is owed): offsets are neither available
	// nor owed, so they need no term of their own.
	if sum := b.Total.Add(b.Reserved).Add(b.Invoiced).Sub(b.Deficit); !sum.Equal(b.Statements) {
		rule := "BAL-3"
		if !b.Deficit.IsZero() || len(a.Adjustments) > 0 {
			rule = "DEF-6"
		}
		bad(rule, "statements total %s but available %s + reserved %s + invoiced %s − deficit %s = %s",
			b.Statements, b.Total, b.Reserved, b.Invoiced, b.Deficit, sum)
	}
	// holders maps a statement to the live invoices naming it.
	holders := make(map[string][]uuid.UUID, len(a.Statements))
	offsetTo := map[uuid.UUID]Money{}
	for _, m := range a.StatementMonths() {
		s := a.Statements[m]
		for _, o := range s.Offsets {
			offsetTo[o.InvoiceID] = offsetTo[o.InvoiceID].Add(o.Total())
		}
	}
	for _, id := range a.invoiceIDs() {
		inv := a.Invoices[id]
		if !inv.Live() {
			if off := offsetTo[id]; !off.IsZero() {
				bad("DEF-4", "invoice %s is %s but statements still offset %s of its deficit", id, inv.Status, off)
			}
			continue
		}
		want := StatementReserved
		if inv.Status != UnderReview && inv.Status != Issuing {
			want = StatementInvoiced
		}
		var applied, charged Split
		for _, m := range inv.Statements {
			holders[m] = append(holders[m], id)
			s := a.Statements[m]
			if s == nil {
				bad("REC-1", "invoice %s names statement %s, which does not exist", id, m)
				continue
			}
			i := s.holdIndex(id)
			if i < 0 {
				bad("APP-7", "live invoice %s names statement %s but holds no part of it", id, m)
				continue
			}
			h := s.Holds[i]
			if !h.Applied.Total().IsPositive() {
				bad("APP-7", "live invoice %s holds nothing of statement %s: a held statement is applied for only for a part DEF-4 freed", id, m)
			}
			applied = applied.Add(h.Applied)
			charged = charged.Add(h.Applied.Sub(h.Held))
			// The statement shows its first holder (DEF-4 may add more).
			if i == 0 && (s.InvoiceID != id || s.Status != want) {
				bad("REC-1", "statement %s is %s for invoice %s, but invoice %s (%s) holds it first and wants %s",
					m, s.Status, s.InvoiceID, id, inv.Status, want)
			}
		}
		if !applied.Total().Equal(inv.Amount) || !applied.Equal(Split{inv.Kingsoft, inv.Marketplace}) {
			bad("REC-1", "invoice %s amount %s but its statements as applied sum to %s", id, inv.Amount, applied.Total())
		}
		if !charged.Total().Equal(inv.Raised) {
			bad("DEF-2", "invoice %s was charged %s of deficits but adjustments took %s off its statements", id, inv.Raised, charged.Total())
		}
		if !offsetTo[id].Equal(inv.OffsetAmount) {
			bad("DEF-3", "invoice %s counts %s of offsets but statements offset %s", id, inv.OffsetAmount, offsetTo[id])
		}
		if inv.Deficit().IsNegative() {
			bad("DEF-5", "invoice %s owes %s, below zero", id, inv.Deficit())
		}
		if inv.RedFlushedAmount.Cmp(inv.Amount) > 0 || (!inv.RedFlushedAmount.IsZero() && inv.Status != Issued && inv.Status != ReturnRequestedState && inv.Status != PaperReceived) {
			bad("DEF-5", "invoice %s (%s) was partly red-flushed %s of %s", id, inv.Status, inv.RedFlushedAmount, inv.Amount)
		}
	}
	for _, m := range a.StatementMonths() {
		s := a.Statements[m]
		// APP-7 per part: the available part, each holder's part and each
		// offset are none below zero, bucket by bucket, and together they
		// are the statement: no part is in two live invoices.
		parts := s.Free.Add(s.HeldTotal()).Add(s.OffsetTotal())
		partBad := s.Free.negative() || s.OffsetTotal().negative()
		for _, h := range s.Holds {
			partBad = partBad || h.Held.negative() || h.Held.Sub(h.Applied).Kingsoft.IsPositive() || h.Held.Sub(h.Applied).Marketplace.IsPositive()
		}
		if !parts.Equal(Split{s.Buckets.Kingsoft, s.Buckets.Marketplace}) || partBad {
			bad("DEF-6", "statement %s: available %s + held %s + offset %s ≠ invoiceable %s, or a part is below zero", m,
				s.Free.Total(), s.HeldTotal().Total(), s.OffsetTotal().Total(), s.Buckets.Invoiceable())
		}
		// Each hold is a distinct live invoice naming the statement (a live
		// invoice naming it without a hold was reported above).
		for i, h := range s.Holds {
			switch {
			case s.holdIndex(h.InvoiceID) != i:
				bad("APP-7", "statement %s is held twice by invoice %s", m, h.InvoiceID)
			case !slices.Contains(holders[m], h.InvoiceID):
				bad("REC-1", "statement %s is %s, held for invoice %s, which is not live", m, s.Status, h.InvoiceID)
			}
		}
		if len(s.Holds) > 0 {
			if s.InvoiceID != s.Holds[0].InvoiceID {
				bad("REC-1", "statement %s names invoice %s but its first holder is %s", m, s.InvoiceID, s.Holds[0].InvoiceID)
			}
			continue
		}
		if _, held := holders[m]; held {
			continue
		}
		switch {
		case s.Status == StatementReserved || s.Status == StatementInvoiced:
			bad("REC-1", "statement %s is %s but no live invoice holds it", m, s.Status)
		case s.InvoiceID != uuid.Nil:
			bad("REC-1", "statement %s is held for invoice %s, which is not live", m, s.InvoiceID)
		case s.Status != StatementAvailable && s.Status != StatementOffset:
			bad("BAL-3", "statement %s has status %q, outside BAL-1", m, s.Status)
		case (s.Status == StatementOffset) != (!s.Free.Total().IsPositive() && len(s.Offsets) > 0):
			bad("BAL-1", "statement %s is %s with %s available and %d offsets", m, s.Status, s.Free.Total(), len(s.Offsets))
		}
	}
	open := map[uuid.UUID]uuid.UUID{}
	for _, id := range a.ConfirmationOrder {
		cf := a.Confirmations[id]
		if cf == nil {
			continue
		}
		if cf.Open() {
			if other, dup := open[cf.InvoiceID]; dup {
				bad("RED-4", "invoice %s has two open red-letter confirmations, %s and %s", cf.InvoiceID, other, id)
			}
			open[cf.InvoiceID] = id
		}
		if inv := a.Invoices[cf.InvoiceID]; inv == nil || !inv.IsElectronic() {
			bad("RED-1", "red-letter confirmation %s names invoice %s, which is not an electronic invoice of the account", id, cf.InvoiceID)
		} else if cf.Used && inv.Status != RedFlushed && !inv.redFlushedBy(id) {
			bad("RED-5", "red-letter confirmation %s was used, but invoice %s is %s", id, inv.ID, inv.Status)
		}
	}
	return errors.Join(errs...)
}

// CheckSettled checks DEF-3 once a command's events are all folded: while
// the account owes a deficit nothing is available, because available
// statements offset it at once. (Between the events of one command, such as
// a release and the offsets it allows, it need not hold; DEF-6 always does.)
func (a *Account) CheckSettled() error {
	b := a.Balance()
	if b.Deficit.IsPositive() && b.Total.IsPositive() {
		return &InvariantError{Account: a.ID, Rule: "DEF-3",
			Detail: fmt.Sprintf("%s is available while %s is owed; it should have offset the deficit", b.Total, b.Deficit)}
	}
	return nil
}

// redFlushedBy reports whether a partial red-flush of inv used confirmation id.
func (inv *Invoice) redFlushedBy(id uuid.UUID) bool {
	for _, p := range inv.PartialRedFlushes {
		if p.ConfirmationID != nil && *p.ConfirmationID == id {
			return true
		}
	}
	return false
}

// invoiceIDs returns the invoice IDs in request order, then any others
// sorted, so that reports are deterministic.
func (a *Account) invoiceIDs() []uuid.UUID {
	if len(a.InvoiceOrder) == len(a.Invoices) {
		return a.InvoiceOrder
	}
	ids := make([]uuid.UUID, 0, len(a.Invoices))
	for id := range a.Invoices {
		ids = append(ids, id)
	}
	slices.SortFunc(ids, func(x, y uuid.UUID) int { return slices.Compare(x[:], y[:]) })
	return ids
}

// Equal reports whether two balances hold the same amounts.
func (b Balance) Equal(o Balance) bool {
	return b.Kingsoft.Equal(o.Kingsoft) && b.Marketplace.Equal(o.Marketplace) && b.Total.Equal(o.Total) &&
		b.Merchant.Equal(o.Merchant) && b.Offline.Equal(o.Offline) && b.Deductions.Equal(o.Deductions) &&
		b.Reserved.Equal(o.Reserved) && b.Invoiced.Equal(o.Invoiced) && b.Statements.Equal(o.Statements) &&
		b.Deficit.Equal(o.Deficit) && b.Offset.Equal(o.Offset)
}
