package projections

import (
	"bytes"
	"encoding/base64"
	"encoding/binary"
	"errors"
	"fmt"
	"slices"

	"github.com/google/uuid"
	bolt "go.etcd.io/bbolt"

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
// its order, and returns its next cursor. fn runs inside the views'
// read transaction with the invoice itself, not a copy, and with its account's
// Version: the invoice stays the same for as long as that version does, so
// a caller may cache what it makes of it under (ID, version). fn must
// neither keep nor change the invoice, and should be quick: a long read
// transaction keeps the file from reusing its pages.
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

	var next string
	err := p.read(func(r *reader) error {
		var err error
		next, err = r.eachInvoice(f.Account, want, before, limit, fn)
		return err
	})
	return next, err
}

// eachInvoice walks the invoices before the cursor position newest first:
// the account's (accinv), those in one status (status), or all (invoices),
// each a cursor seek and a walk back.
func (r *reader) eachInvoice(account string, want statusCode, before eventstore.Position, limit int, fn func(*domain.Invoice, uint64)) (string, error) {
	var bucket *bolt.Bucket
	var prefix []byte
	switch {
	case account != "":
		bucket, prefix = r.tx.Bucket(bktAccInv), accInvPrefix(account)
	case want != 0:
		bucket, prefix = r.tx.Bucket(bktStatus), []byte{byte(want)}
	default:
		bucket = r.tx.Bucket(bktInvoices)
	}
	c := bucket.Cursor()
	seek := binary.BigEndian.AppendUint64(slices.Clip(prefix), before)
	// The last key before the seek: keys of the prefix sit together.
	k, v := c.Seek(seek)
	if k == nil {
		k, v = c.Last()
	} else {
		k, v = c.Prev()
	}
	listed := 0
	var last eventstore.Position
	// The view of the account last listed: a page is usually one
	// account's (always, with account), and looking it up again for each
	// invoice was half of a page's cost (docs/performance.md, issue 16).
	var av *accountView
	for ; k != nil && bytes.HasPrefix(k, prefix); k, v = c.Prev() {
		if len(k) != len(prefix)+8 {
			return "", fmt.Errorf("%w: invoice key of %d bytes", ErrDamaged, len(k))
		}
		pos := binary.BigEndian.Uint64(k[len(prefix):])
		var id uuid.UUID
		var acc string
		switch {
		case account != "":
			if len(v) != 17 {
				return "", fmt.Errorf("%w: account invoice entry of %d bytes", ErrDamaged, len(v))
			}
			if want != 0 && statusCode(v[0]) != want {
				continue
			}
			id, acc = uuid.UUID(v[1:17]), account
		default:
			ref, err := parseInvoiceRef(pos, r.tx.Bucket(bktInvoices).Get(posKey(pos)))
			if err != nil {
				return "", err
			}
			id, acc = ref.id, ref.account
		}
		if listed == limit {
			// One more match exists: the page is not the last.
			return encodeCursor(last), nil
		}
		if av == nil || av.acc.ID != acc {
			var err error
			if av, err = r.account(acc); err != nil {
				return "", err
			}
			if av == nil {
				return "", fmt.Errorf("%w: invoice %s of account %s, which has no view", ErrDamaged, id, acc)
			}
		}
		if inv := av.acc.Invoices[id]; inv != nil {
			fn(inv, av.acc.Version)
		}
		listed++
		last = pos
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
