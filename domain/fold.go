package domain

import (
	"errors"
	"fmt"
	"time"

	"github.com/google/uuid"
)

// ErrNotFolded is wrapped by Account.Fold and Quota.Fold when they refuse an
// event they do not fold: an account's event in a quota stream or the
// reverse, a pointer, or a type added to the decoder but not to a fold.
var ErrNotFolded = errors.New("domain: not an event this fold takes")

// Fold folds one event into the account and advances Version. It trusts the
// event: events are facts that Decide already checked, so an event that
// names something unknown (an invoice, an address) changes nothing but the
// Version. An event of a type the account does not fold is refused with an
// error wrapping ErrNotFolded and changes nothing: an account stream that
// holds one is damaged, and skipping it would hide that.
func (a *Account) Fold(e Event) error {
	a.Version++ // first: a fold may record the version it happened at (DEF-3's DeficitSince)
	a.ensureMaps()
	if !a.fold(e) {
		a.Version--
		return fmt.Errorf("%w: %T at version %d of account %q", ErrNotFolded, e, a.Version, a.ID)
	}
	return nil
}

// Apply is Fold for events the account certainly folds, such as those a
// Decide function just returned. It panics on any other: that is a bug, which
// fold_test.go's registry test exists to catch.
func (a *Account) Apply(e Event) {
	if err := a.Fold(e); err != nil {
		panic(err)
	}
}

// fold is the one switch over every event type an account folds; the
// decoder returns values, so there are no pointer cases.
func (a *Account) fold(e Event) bool {
	switch e := e.(type) {
	case StatementPosted:
		a.applyStatementPosted(&e)
	case TitleSubmitted:
		a.applyTitleSubmitted(&e)
	case TitleApproved:
		a.setTitleStatus(e.TitleID, TitleApprovedState, "")
	case TitleRejected:
		a.setTitleStatus(e.TitleID, TitleRejectedState, e.Reason)
	case TitleCleared:
		a.setTitleStatus(e.TitleID, TitleClearedState, e.Reason)
	case AddressAdded:
		a.applyAddressAdded(e.AddressID, e.Address, e.Default)
	case AddressUpdated:
		a.applyAddressUpdated(e.AddressID, e.Address, e.Default)
	case AddressRemoved:
		a.applyAddressRemoved(e.AddressID)
	case InvoiceRequested:
		a.applyInvoiceRequested(&e)
	case InvoiceCancelled:
		a.applyCancelled(&e)
	case InvoiceApproved:
		a.applyApproved(&e)
	case InvoiceRejected:
		a.applyRejected(&e)
	case InvoiceIssued:
		a.applyIssued(&e)
	case InvoiceShipped:
		a.applyShipped(&e)
	case ReturnRequested:
		a.applyReturnRequested(&e)
	case ReturnPaperReceived:
		a.applyPaperReceived(&e)
	case ReturnRejected:
		a.applyReturnRejected(&e)
	case InvoiceVoided:
		a.applyReturnCompleted(e.InvoiceID, Voided, "", "", e.VoidedAt)
	case InvoiceRedFlushed:
		a.applyRedFlushed(&e)
	case ExchangeFailed:
		a.applyExchangeFailed(&e)
	case RedLetterConfirmationEntered: // confirmations.go
		a.applyConfirmationEntered(&e)
	case RedLetterConfirmationConfirmed:
		a.setConfirmation(e.ConfirmationID, ConfirmationConfirmed, "", e.ConfirmedAt)
	case RedLetterConfirmationRefused:
		a.setConfirmation(e.ConfirmationID, ConfirmationRefused, e.Reason, e.RefusedAt)
	case RedLetterConfirmationWithdrawn:
		a.setConfirmation(e.ConfirmationID, ConfirmationWithdrawn, "", e.WithdrawnAt)
	case RedLetterConfirmationExpired:
		a.setConfirmation(e.ConfirmationID, ConfirmationExpired, "", e.ExpiredAt)
	case StatementAdjusted: // deficits.go
		a.applyAdjusted(&e)
	case DeficitOffset:
		a.applyOffset(&e)
	case InvoicePartlyRedFlushed:
		a.applyPartlyRedFlushed(&e)
	default:
		return false
	}
	return true
}

func (a *Account) ensureMaps() {
	if a.Statements == nil {
		a.Statements = map[string]*Statement{}
	}
	if a.Invoices == nil {
		a.Invoices = map[uuid.UUID]*Invoice{}
	}
	if a.Idempotency == nil {
		a.Idempotency = map[IdemDigest]IdemRecord{}
	}
	a.mark()
	if !a.tally.known {
		a.recount() // an Account literal, folded for the first time
	}
}

func (a *Account) applyStatementPosted(e *StatementPosted) {
	if _, dup := a.Statements[e.Month]; dup {
		return // STMT-2: a repost is a no-op; Decide never emits one.
	}
	buckets := e.summary
	if !e.summarized {
		buckets = Summarize(e.Lines)
	}
	st := &Statement{
		Month:    e.Month,
		Lines:    e.Lines,
		Buckets:  buckets,
		Status:   StatementAvailable,
		PostedAt: e.PostedAt,
		own:      a.mark(),
	}
	st.Free = Split{Kingsoft: st.Buckets.Kingsoft, Marketplace: st.Buckets.Marketplace}
	a.Statements[e.Month] = st
	a.freeMoved(false, st)
}

func (a *Account) applyTitleSubmitted(e *TitleSubmitted) {
	a.Title = &CurrentTitle{
		ID:          e.TitleID,
		Title:       e.Title,
		Status:      TitlePendingReview,
		SubmittedAt: e.SubmittedAt,
	}
}

func (a *Account) setTitleStatus(id uuid.UUID, s TitleStatus, reason string) {
	if a.Title == nil || a.Title.ID != id {
		return
	}
	t := *a.Title // a new title: clones share the old one
	t.Status = s
	t.Reason = reason
	a.Title = &t
}

func (a *Account) applyAddressAdded(id uuid.UUID, addr Address, def bool) {
	// ADDR-2: the first address is the default whatever the request said.
	def = def || a.DefaultAddress() == nil
	a.ownAddresses()
	if def {
		a.clearDefault()
	}
	a.Addresses = append(a.Addresses, &SavedAddress{ID: id, Address: addr, Default: def})
}

// ownAddresses gives the account its own copy of its addresses before an
// address event changes them: clones share the old ones. (An account has
// few, and changes them seldom.)
func (a *Account) ownAddresses() {
	own := make([]*SavedAddress, len(a.Addresses), len(a.Addresses)+1)
	for i, sa := range a.Addresses {
		c := *sa
		own[i] = &c
	}
	a.Addresses = own
}

func (a *Account) applyAddressUpdated(id uuid.UUID, addr Address, def bool) {
	if a.address(id) == nil {
		return
	}
	a.ownAddresses()
	sa := a.address(id)
	sa.Address = addr
	if def && !sa.Default {
		a.clearDefault()
		sa.Default = true
	}
	// Un-ticking the default on the default address keeps it: there must be one.
}

func (a *Account) applyAddressRemoved(id uuid.UUID) {
	for i, sa := range a.Addresses {
		if sa.ID != id {
			continue
		}
		wasDefault := sa.Default
		a.ownAddresses()
		a.Addresses = append(a.Addresses[:i:i], a.Addresses[i+1:]...)
		if wasDefault && len(a.Addresses) > 0 {
			a.Addresses[0].Default = true
		}
		return
	}
}

func (a *Account) clearDefault() {
	for _, sa := range a.Addresses {
		sa.Default = false
	}
}

func (a *Account) address(id uuid.UUID) *SavedAddress {
	for _, sa := range a.Addresses {
		if sa.ID == id {
			return sa
		}
	}
	return nil
}

func (a *Account) applyInvoiceRequested(e *InvoiceRequested) {
	if _, dup := a.Invoices[e.InvoiceID]; dup {
		return
	}
	inv := &Invoice{
		ID:          e.InvoiceID,
		AccountID:   a.ID,
		Status:      UnderReview,
		Amount:      e.Amount,
		Kingsoft:    e.Kingsoft,
		Marketplace: e.Marketplace,
		Statements:  e.Statements,
		Title:       a.sharedTitle(&e.Title),
		Address:     a.sharedAddress(&e.Address),
		Medium:      MediumOf(e.Medium),
		Emails:      e.Emails,
		RequestedAt: e.RequestedAt,
		SLADue:      e.SLADue,
		ExchangeOf:  e.ExchangeOf,
		UpdatedAt:   e.RequestedAt,
		own:         a.mark(),
	}
	a.Invoices[e.InvoiceID] = inv
	a.InvoiceOrder = append(a.InvoiceOrder, e.InvoiceID)
	a.setStatements(inv, StatementReserved, e.InvoiceID)
	if e.ExchangeOf != nil {
		if old := a.Invoices[*e.ExchangeOf]; old != nil && old.Return != nil {
			r := *old.Return
			id := e.InvoiceID
			r.ExchangeInvoiceID = &id
			a.ownInvoice(old.ID).Return = &r
		}
	}
}

// sharedTitle returns a title equal to t that nothing writes through: the
// account's current one, or the newest invoice's, when equal (as they
// almost always are), else a copy of t. Every invoice held its own copy
// by value, fifteen string headers with the address, a third of its 736
// bytes and all of them pointers for the collector's every mark
// (docs/performance.md, "Ledger at 256 accounts"). The account replaces
// its title, never writes through it (setTitleStatus), so pointing into it
// is safe.
func (a *Account) sharedTitle(t *Title) *Title {
	if a.Title != nil && a.Title.Title == *t {
		return &a.Title.Title
	}
	if last := a.newestInvoice(); last != nil && last.Title != nil && *last.Title == *t {
		return last.Title
	}
	c := *t
	return &c
}

// sharedAddress is sharedTitle for an address: a saved address's, or the
// newest invoice's, when equal. Saved addresses are copied before an
// address event changes them (ownAddresses), so the one pointed into
// never changes.
func (a *Account) sharedAddress(addr *Address) *Address {
	for _, sa := range a.Addresses {
		if sa.Address == *addr {
			return &sa.Address
		}
	}
	if last := a.newestInvoice(); last != nil && last.Address != nil && *last.Address == *addr {
		return last.Address
	}
	c := *addr
	return &c
}

// newestInvoice is the invoice requested last, or nil.
func (a *Account) newestInvoice() *Invoice {
	if n := len(a.InvoiceOrder); n > 0 {
		return a.Invoices[a.InvoiceOrder[n-1]]
	}
	return nil
}

// setStatements moves an invoice's statements to status: reserved takes
// their available parts (hold), available releases them and the invoice's
// deficit (DEF-4).
func (a *Account) setStatements(inv *Invoice, s StatementStatus, id uuid.UUID) {
	if s == StatementAvailable {
		a.release(inv)
		return
	}
	for _, m := range inv.Statements {
		st := a.Statements[m]
		if st == nil {
			continue
		}
		if s == StatementReserved {
			if st.holdIndex(id) < 0 {
				st = a.ownStatement(m)
				was := st.Free.negative()
				st.hold(id)
				a.freeMoved(was, st)
			}
			continue
		}
		// The statement shows its first holder's status; a later holder
		// of a part DEF-4 freed changes only its own part.
		if st.InvoiceID == id && st.Status != s {
			a.ownStatement(m).Status = s
		}
	}
}

// touched returns the invoice an event is about, the account's own to
// change (ownInvoice), its UpdatedAt moved to the event's time; nil when
// the account has no such invoice (the event then changes nothing).
func (a *Account) touched(id uuid.UUID, at time.Time) *Invoice {
	inv := a.ownInvoice(id)
	if inv != nil {
		inv.UpdatedAt = at
	}
	return inv
}

// end moves an invoice (the account's own, ownInvoice) to a status that
// no longer holds its statements (cancelled, rejected, voided,
// red-flushed) and makes them available again.
func (a *Account) end(inv *Invoice, s InvoiceStatus) {
	inv.Status = s
	a.setStatements(inv, StatementAvailable, uuid.Nil)
}

func (a *Account) applyCancelled(e *InvoiceCancelled) {
	if inv := a.touched(e.InvoiceID, e.CancelledAt); inv != nil {
		inv.CancelledBy = e.By
		a.end(inv, Cancelled)
	}
}

func (a *Account) applyApproved(e *InvoiceApproved) {
	if inv := a.touched(e.InvoiceID, e.ApprovedAt); inv != nil {
		inv.Status = Issuing
	}
}

func (a *Account) applyRejected(e *InvoiceRejected) {
	if inv := a.touched(e.InvoiceID, e.RejectedAt); inv != nil {
		inv.RejectReason = e.Reason
		a.end(inv, Rejected)
	}
}

func (a *Account) applyIssued(e *InvoiceIssued) {
	inv := a.touched(e.InvoiceID, e.IssuedAt)
	if inv == nil {
		return
	}
	inv.Status = Issued
	inv.InvoiceCode = e.InvoiceCode
	inv.InvoiceNumber = e.InvoiceNumber
	inv.IssuedOn = e.IssuedOn
	inv.Issuer = e.Issuer
	inv.TaxRate = e.TaxRate
	net, tax := e.NetAmount, e.TaxAmount
	inv.NetAmount, inv.TaxAmount = &net, &tax
	inv.DeliveredTo = e.DeliveredTo
	a.setStatements(inv, StatementInvoiced, inv.ID)
}

func (a *Account) applyShipped(e *InvoiceShipped) {
	if inv := a.touched(e.InvoiceID, e.ShippedAt); inv != nil {
		inv.Shipment = &Shipment{
			Courier:        e.Courier,
			TrackingNumber: e.TrackingNumber,
			ShippedAt:      e.ShippedAt,
			Late:           e.Late,
		}
	}
}

func (a *Account) applyRedFlushed(e *InvoiceRedFlushed) {
	a.applyReturnCompleted(e.InvoiceID, RedFlushed, e.RedInvoiceCode, e.RedInvoiceNumber, e.RedFlushedAt)
	if e.ConfirmationID == nil {
		return
	}
	if inv := a.ownInvoice(e.InvoiceID); inv != nil {
		id := *e.ConfirmationID
		returnCopy(inv).RedConfirmationID = &id
	}
	a.useConfirmation(*e.ConfirmationID, e.RedFlushedAt)
}

// useConfirmation marks the confirmation a red invoice was issued against
// as used (RED-5).
func (a *Account) useConfirmation(id uuid.UUID, at time.Time) {
	if c := a.ownConfirmation(id); c != nil {
		c.Used = true
		c.UpdatedAt = at
	}
}

func (a *Account) applyExchangeFailed(e *ExchangeFailed) {
	if inv := a.touched(e.InvoiceID, e.FailedAt); inv != nil {
		inv.ExchangeFailure = &ExchangeFailure{Reason: e.Reason, Code: e.Code, At: e.FailedAt}
	}
}

func (a *Account) applyReturnRequested(e *ReturnRequested) {
	inv := a.touched(e.InvoiceID, e.RequestedAt)
	if inv == nil {
		return
	}
	inv.Status = ReturnRequestedState
	inv.Return = &Return{
		Reason:              e.Reason,
		Certified:           e.Certified,
		RedLetterFormNumber: e.RedLetterFormNumber,
		Exchange:            e.Exchange,
		AddressID:           e.AddressID,
		RequestedAt:         e.RequestedAt,
	}
}

// returnCopy gives the invoice its own copy of its return, so that clones
// sharing the old one are not changed.
func returnCopy(inv *Invoice) *Return {
	r := &Return{}
	if inv.Return != nil {
		*r = *inv.Return
	}
	inv.Return = r
	return r
}

func (a *Account) applyPaperReceived(e *ReturnPaperReceived) {
	inv := a.touched(e.InvoiceID, e.ReceivedAt)
	if inv == nil {
		return
	}
	r := returnCopy(inv)
	complete := e.Complete
	r.PaperComplete = &complete
	r.PaperNote = e.Note
	if e.Complete {
		inv.Status = PaperReceived
	}
}

func (a *Account) applyReturnRejected(e *ReturnRejected) {
	if inv := a.touched(e.InvoiceID, e.RejectedAt); inv != nil {
		returnCopy(inv).RejectedReason = e.Reason
		inv.Status = Issued
	}
}

func (a *Account) applyReturnCompleted(id uuid.UUID, s InvoiceStatus, redCode, redNumber string, at time.Time) {
	inv := a.touched(id, at)
	if inv == nil {
		return
	}
	if redCode != "" || redNumber != "" {
		r := returnCopy(inv)
		r.RedInvoiceCode, r.RedInvoiceNumber = redCode, redNumber
	}
	a.end(inv, s) // RETURN-5: the statements are available again.
}
