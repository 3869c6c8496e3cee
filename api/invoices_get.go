package api

import (
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
	return answer(c, http.StatusOK, viewInvoice(inv, role(c)))
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
	acc := c.QueryParam("account")
	if acc != "" && !accountIDPattern.MatchString(acc) {
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
	f := projections.Filter{Account: acc, Status: status, Limit: limit, Cursor: c.QueryParam("cursor")}
	r := role(c)
	// What answer would write for list[invoiceView], from the invoices'
	// cached JSON (TestInvoicePageMatchesEncoder), without copying them.
	bp := bufPool.Get().(*[]byte)
	defer bufPool.Put(bp)
	b := append((*bp)[:0], `{"items":[`...)
	var encErr error
	n := 0
	next, err := s.cfg.Projections.EachInvoice(f, func(inv *domain.Invoice, version uint64) {
		ci, err := s.json.invoice(inv, version)
		if err != nil {
			encErr = err
			return
		}
		if n > 0 {
			b = append(b, ',')
		}
		n++
		b = ci.appendTo(b, inv, r)
	})
	if err != nil {
		return pageError(err)
	}
	if encErr != nil {
		return encErr
	}
	b = append(b, ']')
	if next != "" {
		b = append(b, `,"next_cursor":`...)
		b = appendString(b, next)
	}
	b = append(b, "}\n"...)
	*bp = b
	return blob(c, http.StatusOK, b)
}

func pageError(err error) error {
	if errors.Is(err, projections.ErrBadCursor) {
		return badRequest("cursor", "cursor is not one this server gave out.")
	}
	return err
}
