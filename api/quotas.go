package api

import (
	"net/http"

	"github.com/labstack/echo/v4"

	"github.com/fapiao/fapiao/domain"
	"github.com/fapiao/fapiao/ledger"
)

// quotaView is a month's e-invoice quota (EINV-5) as API.md writes it:
// amount and remaining are null while no quota is set (no limit).
type quotaView struct {
	Month     string        `json:"month"`
	Amount    *domain.Money `json:"amount"`
	Used      domain.Money  `json:"used"`
	Remaining *domain.Money `json:"remaining"`
}

func viewQuota(q *domain.Quota) quotaView {
	return quotaView{Month: q.Month, Amount: q.Amount, Used: q.Used, Remaining: q.Remaining()}
}

// getQuota reads the month's quota from its stream (EINV-5).
func (s *server) getQuota(c echo.Context) error {
	q, err := s.cfg.Ledger.Quota(c.Request().Context(), c.Param("month"))
	if err != nil {
		return err
	}
	return answer(c, http.StatusOK, viewQuota(q))
}

// putQuota is finance setting the month's quota (EINV-5).
func (s *server) putQuota(c echo.Context) error {
	var in struct {
		Amount *string `json:"amount"`
	}
	if _, err := decodeBody(c, &in); err != nil {
		return err
	}
	if in.Amount == nil {
		return ruleField("EINV-5", "amount", "amount is required: the month's quota, like \"100000.00\".")
	}
	key, err := idempotencyKey(c)
	if err != nil {
		return err
	}
	p, _ := principalOf(c)
	// The quota streams share one write budget (no account ID has a '/').
	budget := writeKey{account: "/quotas", staff: true}
	if err := s.checkWriteBudget(budget); err != nil {
		return err
	}
	q, pos, err := s.cfg.Ledger.SetQuota(c.Request().Context(), ledger.QuotaRequest{
		Month: c.Param("month"), Amount: *in.Amount, Actor: p.Actor(), IdempotencyKey: key, CorrelationID: requestID(c)})
	if err != nil {
		return err
	}
	if pos != 0 {
		s.writes.charge(budget, 1, s.clock.Now())
	}
	if pos == 0 {
		pos = s.cfg.Projections.Position()
	}
	setPosition(c, pos)
	return answer(c, http.StatusOK, viewQuota(q))
}
