package api

import (
	"net/http"

	"github.com/labstack/echo/v4"
)

// getInvoiceable answers the account's invoiceable balance (BAL-2).
func (s *server) getInvoiceable(c echo.Context) error {
	if !s.accountKnown(c) {
		return errNotFound
	}
	b, _ := s.cfg.Projections.Balance(c.Param("acc"))
	return c.JSON(http.StatusOK, viewBalance(b))
}
