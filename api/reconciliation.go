package api

import (
	"net/http"

	"github.com/labstack/echo/v4"

	"github.com/fapiao/fapiao/domain"
)

// reconciliation answers REC-1..3 for a month.
func (s *server) reconciliation(c echo.Context) error {
	month := c.QueryParam("month")
	if !domain.ValidMonth(month) {
		return badRequest("month", "month is required, as YYYY-MM.")
	}
	report, err := s.cfg.Projections.Reconcile(month, s.clock.Now())
	if err != nil {
		return err
	}
	return answer(c, http.StatusOK, viewReconciliation(report))
}
