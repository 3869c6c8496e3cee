package api

import (
	"net/http"

	"github.com/labstack/echo/v4"

	"github.com/fapiao/fapiao/domain"
)

// postStatement is billing posting a month's statement (STMT-1..3): 201 when
// it is new, 200 when the identical statement was already there (STMT-2).
func (s *server) postStatement(c echo.Context) error {
	var cmd domain.PostStatement
	body, err := decodeBody(c, &cmd)
	if err != nil {
		return err
	}
	res, err := s.execute(c, cmd, body)
	if err != nil {
		return err
	}
	st, ok := res.Account.Statements[cmd.Month]
	if !ok {
		return errNotFound
	}
	status := http.StatusOK
	if len(res.Records) > 0 {
		status = http.StatusCreated
	}
	return c.JSON(status, viewStatement(st))
}

// listStatements lists the account's statements, optionally of one status.
func (s *server) listStatements(c echo.Context) error {
	status, err := statementStatusParam(c)
	if err != nil {
		return err
	}
	if !s.accountKnown(c) {
		return errNotFound
	}
	items, _ := s.cfg.Projections.Statements(c.Param("acc"), status)
	return c.JSON(http.StatusOK, listOf(items))
}
