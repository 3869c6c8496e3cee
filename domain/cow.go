package domain

import (
	"sync/atomic"
	"unsafe"

	"github.com/google/uuid"
)

// owner marks what one account may change in place: an account changes a
// statement, invoice or confirmation in place only when the entity carries
// the account's mark, and copies it first otherwise (Clone shares them).
// Its byte gives each owner its own address; its value is always zero, so
// that reflect.DeepEqual finds two accounts in the same state equal
// whoever owns what.
type owner struct{ _ byte }

// mark returns a's ownership mark, making one if a has none (an Account
// literal). NewAccount, Clone and DecodeSnapshot give every account one,
// so that two accounts in the same state compare equal (see owner).
func (a *Account) mark() *owner {
	o := a.loadOwner()
	if o == nil {
		o = new(owner)
		a.storeOwner(o)
	}
	return o
}

// share gives up a's ownership of everything it holds, by taking a new
// mark: Clone calls it, and from then on a copies before it changes what
// the clone shares. (An account without a mark owns nothing already.)
func (a *Account) share() {
	if a.loadOwner() != nil {
		a.storeOwner(new(owner))
	}
}

// The mark is read and written atomically: readers of a committed account
// (the views) clone it concurrently, and each Clone gives up ownership. A
// plain pointer field rather than an atomic.Pointer keeps Account
// comparable with reflect.DeepEqual (see owner).
func (a *Account) loadOwner() *owner {
	return (*owner)(atomic.LoadPointer((*unsafe.Pointer)(unsafe.Pointer(&a.own))))
}

func (a *Account) storeOwner(o *owner) {
	atomic.StorePointer((*unsafe.Pointer)(unsafe.Pointer(&a.own)), unsafe.Pointer(o))
}

// ownStatement returns the month's statement for changing: a's own, copied
// first when a shares it with a clone; nil when there is none. Every change
// to a statement goes through it (a pointer read from Statements before
// the copy is the shared one: read it again after).
func (a *Account) ownStatement(month string) *Statement {
	return own(a, a.Statements, month, func(s *Statement) **owner { return &s.own })
}

// ownInvoice is ownStatement for invoices. The pointers an invoice holds
// (shipment, return, amounts) are replaced, never written through, so a
// shallow copy is enough.
func (a *Account) ownInvoice(id uuid.UUID) *Invoice {
	return own(a, a.Invoices, id, func(inv *Invoice) **owner { return &inv.own })
}

// ownConfirmation is ownStatement for red-letter confirmations.
func (a *Account) ownConfirmation(id uuid.UUID) *Confirmation {
	return own(a, a.Confirmations, id, func(cf *Confirmation) **owner { return &cf.own })
}

// own is the copy on write behind ownStatement and its siblings: m's entity
// under k if a owns it, else a copy of it that a owns, put in its place.
// mark says where an entity keeps its owner.
func own[K comparable, E any](a *Account, m map[K]*E, k K, mark func(*E) **owner) *E {
	e := m[k]
	if e == nil {
		return nil
	}
	o := a.mark()
	if *mark(e) == o {
		return e
	}
	c := *e
	*mark(&c) = o
	m[k] = &c
	return &c
}

// adopt marks everything a holds as a's own: a freshly decoded account
// shares nothing, and should not copy what it changes.
func (a *Account) adopt() {
	a.recount()
	o := a.mark()
	for _, s := range a.Statements {
		s.own = o
	}
	for _, inv := range a.Invoices {
		inv.own = o
	}
	for _, cf := range a.Confirmations {
		cf.own = o
	}
}

// DropLines lets go of the month's statement lines (a read model that has
// summarised them into the buckets keeps no lines), copying the statement
// first if a shares it with a clone.
func (a *Account) DropLines(month string) {
	if s := a.Statements[month]; s != nil && s.Lines != nil {
		a.ownStatement(month).Lines = nil
	}
}

// DeepClone is Clone for a caller that may write through the copy's
// pointers instead of folding into it (a read model handing the account
// out): it shares no statement, invoice, confirmation, title, address,
// shipment, return or exchange failure with a. Event-owned slices are
// still shared, and the slices an entity grows are replaced, never
// written through, by a fold.
func (a *Account) DeepClone() *Account {
	c := a.Clone()
	if c.Title != nil {
		t := *c.Title
		c.Title = &t
	}
	if c.Addresses != nil {
		c.ownAddresses()
	}
	o := c.mark()
	// One allocation for all the statements and one for all the invoices.
	stmts := make([]Statement, len(c.Statements))
	i := 0
	for k, s := range c.Statements {
		stmts[i] = *s
		stmts[i].own = o
		c.Statements[k] = &stmts[i]
		i++
	}
	invs := make([]Invoice, len(c.Invoices))
	// The titles and addresses the invoices share with the account and
	// each other (sharedTitle) are copied too, one allocation for each
	// kind: the capacity is fixed, so the pointers into them stay.
	titles := make([]Title, 0, len(c.Invoices))
	addrs := make([]Address, 0, len(c.Invoices))
	i = 0
	for k, inv := range c.Invoices {
		ci := &invs[i]
		i++
		*ci = *inv
		ci.own = o
		if inv.Title != nil {
			titles = append(titles, *inv.Title)
			ci.Title = &titles[len(titles)-1]
		}
		if inv.Address != nil {
			addrs = append(addrs, *inv.Address)
			ci.Address = &addrs[len(addrs)-1]
		}
		if inv.Shipment != nil {
			s := *inv.Shipment
			ci.Shipment = &s
		}
		if inv.Return != nil {
			r := *inv.Return
			ci.Return = &r
		}
		if inv.ExchangeFailure != nil {
			f := *inv.ExchangeFailure
			ci.ExchangeFailure = &f
		}
		c.Invoices[k] = ci
	}
	for k, cf := range c.Confirmations {
		cc := *cf
		cc.own = o
		c.Confirmations[k] = &cc
	}
	return c
}
