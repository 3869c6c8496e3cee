package api

import (
	"bytes"
	"errors"
	"net/http"

	"github.com/labstack/echo/v4"

	"github.com/fapiao/fapiao/domain"
	"github.com/fapiao/fapiao/projections"
)

// getInvoice answers one of the account's invoices.
func (s *server) getInvoice(c echo.Context) error {
	id, err := uuidParam(c, "id")
	if err != nil {
		return err
	}
	inv, ok := s.cfg.Projections.Invoice(c.Param("acc"), id)
	if !ok {
		return notFound("There is no such invoice.")
	}
	v := viewInvoice(&inv, role(c))
	b, err := appendInvoiceOut(make([]byte, 0, 1024), &v)
	if err != nil {
		return err
	}
	return blob(c, http.StatusOK, append(b, '\n'))
}

// listAccountInvoices lists the account's invoices, newest first.
func (s *server) listAccountInvoices(c echo.Context) error {
	if !s.accountKnown(c) {
		return errNotFound
	}
	return s.invoicePage(c, c.Param("acc"))
}

// listInvoices is the finance work queue across accounts.
func (s *server) listInvoices(c echo.Context) error {
	acc := queryParam(c, "account")
	if acc != "" && !domain.ValidAccountID(acc) {
		return badRequest("account", "account must be an account ID: 1-64 letters, digits, - or _.")
	}
	return s.invoicePage(c, acc)
}

func (s *server) invoicePage(c echo.Context, acc string) error {
	status, err := invoiceStatusParam(c)
	if err != nil {
		return err
	}
	limit, err := limitParam(c, projections.DefaultLimit, projections.MaxLimit)
	if err != nil {
		return err
	}
	f := projections.Filter{Account: acc, Status: status, Limit: limit, Cursor: queryParam(c, "cursor")}
	r := role(c)
	// An account's page is the same for as long as the account's version
	// is (every event of the account moves it on): it is answered from the
	// cache while the version is the one it was made at.
	var (
		key       cacheKey
		version   uint64
		cacheable bool
	)
	if acc != "" {
		if v, ok := s.cfg.Projections.AccountVersion(acc); ok {
			key = cacheKey{acc: acc, role: r, page: pageKey{status: status, limit: limit, cursor: f.Cursor}}
			if body, ok := s.json.get(key, v); ok {
				return blob(c, http.StatusOK, body)
			}
			version, cacheable = v, true
		}
	}
	// The items are the cache's encodings of each invoice for the role,
	// made by encode; the page around them is put together here rather
	// than by encode, which would parse every cached item again, the
	// largest cost of a page under load (docs/performance.md, "Code health
	// (issue 18)"). TestInvoicePageIsTheEncoders holds the two equal.
	bp := bufPool.Get().(*[]byte)
	defer bufPool.Put(bp)
	b := append((*bp)[:0], `{"items":[`...)
	var encErr error
	n := 0
	next, err := s.cfg.Projections.EachInvoice(f, func(inv *domain.Invoice, at uint64) {
		// A page read at another version than the one looked up, or
		// empty (no version seen), is answered but not kept.
		cacheable = cacheable && at == version
		item, err := s.json.invoice(inv, at, r)
		if err != nil {
			encErr = err
			return
		}
		if n > 0 {
			b = append(b, ',')
		}
		n++
		b = append(b, item...)
	})
	if err != nil {
		return pageError(err)
	}
	if encErr != nil {
		return encErr
	}
	if b, err = closePage(b, next); err != nil {
		return err
	}
	*bp = b
	if cacheable && n > 0 {
		body := bytes.Clone(b)
		s.json.put(key, version, body)
		return blob(c, http.StatusOK, body)
	}
	return blob(c, http.StatusOK, b)
}

// closePage ends a page of items: its next cursor, encoded by encode, if
// there is one, and the closing brace and newline answer writes.
func closePage(b []byte, next string) ([]byte, error) {
	b = append(b, ']')
	if next != "" {
		cursor, err := encode(next)
		if err != nil {
			return nil, err
		}
		b = append(append(b, `,"next_cursor":`...), cursor...)
	}
	return append(b, "}\n"...), nil
}

func pageError(err error) error {
	if errors.Is(err, projections.ErrBadCursor) {
		return badRequest("cursor", "cursor is not one this server gave out.")
	}
	return err
}
