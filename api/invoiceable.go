package api

import (
	"net/http"

	"github.com/labstack/echo/v4"

	"github.com/fapiao/fapiao/domain"
)

// getInvoiceable answers the account's invoiceable balance (BAL-2). The
// answer is cached by the account's version: summing the statements in
// big numbers and encoding six amounts is most of what it costs.
func (s *server) getInvoiceable(c echo.Context) error {
	acc := c.Param("acc")
	version, known := s.cfg.Projections.AccountVersion(acc)
	if !known && role(c) != domain.RoleCustomer {
		return errNotFound
	}
	if !known {
		b, _ := s.cfg.Projections.Balance(acc)
		return answer(c, http.StatusOK, viewBalance(b))
	}
	k := cacheKey{acc: acc}
	body, ok := s.json.get(k, version)
	if !ok {
		b, at, _ := s.cfg.Projections.BalanceVersion(acc)
		v := viewBalance(b)
		enc, err := encode(&v)
		if err != nil {
			return err
		}
		body = append(enc, '\n') // as answer ends it
		s.json.put(k, at, body)
	}
	return blob(c, http.StatusOK, body)
}
