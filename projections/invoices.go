package projections

import (
	"encoding/base64"
	"encoding/binary"
	"errors"
	"fmt"
	"sort"

	"github.com/fapiao/fapiao/domain"
	"github.com/fapiao/fapiao/eventstore"
)

// ErrBadCursor: a cursor that Invoices did not hand out.
var ErrBadCursor = errors.New("projections: malformed cursor")

// ErrBadStatus: a status filter that is not a lifecycle state of DOMAIN.md.
var ErrBadStatus = errors.New("projections: unknown invoice status")

// Page limits.
const (
	DefaultLimit = 20
	MaxLimit     = 100
)

// Filter selects invoices. Without Account it is the finance queue across
// accounts. Limit ≤ 0 means DefaultLimit; above MaxLimit it is MaxLimit.
type Filter struct {
	Account string
	Status  domain.InvoiceStatus
	Limit   int
	Cursor  string
}

// Page is one page of invoices and the cursor of the next ("" on the last).
type Page struct {
	Items      []domain.Invoice `json:"items"`
	NextCursor string           `json:"next_cursor,omitempty"`
}

// Invoices lists invoices newest first: in reverse log order of their
// InvoiceRequested events, an order that never changes, so that pages stay
// stable while new invoices arrive (they appear before the first page). The
// cursor is the position of the last invoice of the page; a cursor not made
// here fails with ErrBadCursor, an unknown status with ErrBadStatus. An
// account with no events gives an empty page.
func (p *Projections) Invoices(f Filter) (Page, error) {
	page := Page{Items: []domain.Invoice{}}
	next, err := p.EachInvoice(f, func(inv *domain.Invoice, _ uint64) {
		page.Items = append(page.Items, cloneInvoice(inv))
	})
	if err != nil {
		return Page{}, err
	}
	page.NextCursor = next
	return page, nil
}

// EachInvoice calls fn for each invoice of the page Invoices(f) answers, in
// its order, and returns its next cursor. fn runs under the projections'
// read lock with the invoice itself, not a copy, and with its account's
// Version: the invoice stays the same for as long as that version does, so
// a caller may cache what it makes of it under (ID, version). fn must
// neither keep nor change the invoice, and should be quick: the fold waits
// for the lock.
func (p *Projections) EachInvoice(f Filter, fn func(inv *domain.Invoice, version uint64)) (string, error) {
	limit := f.Limit
	if limit <= 0 {
		limit = DefaultLimit
	}
	limit = min(limit, MaxLimit)
	var want statusCode
	if f.Status != "" {
		if want = codeOf(f.Status); want == 0 {
			return "", fmt.Errorf("%w %q", ErrBadStatus, f.Status)
		}
	}
	before := eventstore.Position(1<<64 - 1)
	if f.Cursor != "" {
		c, err := decodeCursor(f.Cursor)
		if err != nil {
			return "", err
		}
		before = c
	}

	p.mu.RLock()
	defer p.mu.RUnlock()
	// The candidates: refs[0:n] in the account's list, or 0..n-1 globally.
	var refs []int32
	n := len(p.refPos)
	if f.Account != "" {
		av := p.accounts[f.Account]
		if av == nil {
			return "", nil
		}
		refs = av.refs
		n = sort.Search(len(refs), func(i int) bool { return p.refPos[refs[i]] >= before })
	} else {
		n = sort.Search(n, func(i int) bool { return p.refPos[i] >= before })
	}
	listed := 0
	last := int32(-1)
	for i := n - 1; i >= 0; i-- {
		ref := int32(i)
		if refs != nil {
			ref = refs[i]
		}
		if want != 0 && p.refStatus[ref] != want {
			continue
		}
		if listed == limit {
			// One more match exists: the page is not the last.
			return encodeCursor(p.refPos[last]), nil
		}
		acc := p.refAcc[ref].acc
		fn(acc.Invoices[p.refID[ref]], acc.Version)
		listed++
		last = ref
	}
	return "", nil
}

// A cursor is the URL-safe base64 of a version byte and a big-endian
// position: opaque to clients, cheap to check.
const cursorVersion = 1

func encodeCursor(pos eventstore.Position) string {
	var b [9]byte
	b[0] = cursorVersion
	binary.BigEndian.PutUint64(b[1:], pos)
	return base64.RawURLEncoding.EncodeToString(b[:])
}

func decodeCursor(s string) (eventstore.Position, error) {
	b, err := base64.RawURLEncoding.DecodeString(s)
	if err != nil || len(b) != 9 || b[0] != cursorVersion {
		return 0, ErrBadCursor
	}
	return binary.BigEndian.Uint64(b[1:]), nil
}
