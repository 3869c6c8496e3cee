package api

import (
	"errors"
	"net/http"

	"github.com/go-json-experiment/json/jsontext"
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
	return answer(c, http.StatusOK, viewInvoice(&inv, role(c)))
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
	// The items are the cache's encodings of each invoice for the role;
	// encode writes the page around them.
	page := listOut[jsontext.Value]{Items: make([]jsontext.Value, 0, limit)}
	var encErr error
	next, err := s.cfg.Projections.EachInvoice(f, func(inv *domain.Invoice, version uint64) {
		b, err := s.json.invoice(inv, version, r)
		if err != nil {
			encErr = err
			return
		}
		page.Items = append(page.Items, b)
	})
	if err != nil {
		return pageError(err)
	}
	if encErr != nil {
		return encErr
	}
	page.NextCursor = next
	return answer(c, http.StatusOK, &page)
}

func pageError(err error) error {
	if errors.Is(err, projections.ErrBadCursor) {
		return badRequest("cursor", "cursor is not one this server gave out.")
	}
	return err
}
