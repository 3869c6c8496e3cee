package api

import (
	"net/http"

	"github.com/labstack/echo/v4"

	"github.com/fapiao/fapiao/domain"
	"github.com/fapiao/fapiao/ledger"
)

// getTitle answers the account's current title, or 404 when it has none.
func (s *server) getTitle(c echo.Context) error {
	t, ok := s.cfg.Projections.Title(c.Param("acc"))
	if !ok || t == nil || (t.Status != domain.TitlePendingReview && t.Status != domain.TitleApprovedState) {
		return notFound("The account has no invoice title.")
	}
	return answer(c, http.StatusOK, viewTitle(t))
}

// postTitle is the customer submitting a title (TITLE-1..3).
func (s *server) postTitle(c echo.Context) error {
	var t domain.Title
	body, err := decodeBody(c, &t)
	if err != nil {
		return err
	}
	res, err := s.executeView(c, domain.SubmitTitle{Title: t}, body, titleView)
	if err != nil {
		return err
	}
	setLocation(c, "title")
	return s.answerTitle(c, http.StatusCreated, res)
}

// approveTitle is finance approving a vat_special title (TITLE-3).
func (s *server) approveTitle(c echo.Context) error {
	var in struct{}
	body, err := decodeOptional(c, &in)
	if err != nil {
		return err
	}
	res, err := s.executeView(c, domain.ApproveTitle{}, body, titleView)
	if err != nil {
		return err
	}
	return s.answerTitle(c, http.StatusOK, res)
}

// reasonBody is the body of every rejection.
type reasonBody struct {
	Reason string `json:"reason"`
}

// rejectTitle is finance rejecting a vat_special title (TITLE-3).
func (s *server) rejectTitle(c echo.Context) error {
	var in reasonBody
	body, err := decodeBody(c, &in)
	if err != nil {
		return err
	}
	res, err := s.executeView(c, domain.RejectTitle{Reason: in.Reason}, body, titleView)
	if err != nil {
		return err
	}
	return s.answerTitle(c, http.StatusOK, res)
}

// clearTitle is support clearing the current title (TITLE-4).
func (s *server) clearTitle(c echo.Context) error {
	var in struct {
		Reason string `json:"reason"`
		Ticket string `json:"ticket"`
	}
	body, err := decodeBody(c, &in)
	if err != nil {
		return err
	}
	res, err := s.executeView(c, domain.ClearTitle{Reason: in.Reason, Ticket: in.Ticket}, body, titleView)
	if err != nil {
		return err
	}
	return s.answerTitle(c, http.StatusOK, res)
}

// titleView is the title a title command leaves, made under the ledger's
// lock (no copy of the account); nil when there is none.
func titleView(acc *domain.Account) any {
	if acc.Title == nil {
		return nil
	}
	return viewTitle(acc.Title)
}

// answerTitle renders the title as the command left it (titleView).
func (s *server) answerTitle(c echo.Context, status int, res ledger.Result) error {
	t, ok := res.View.(titleOut)
	if !ok {
		return notFound("The account has no invoice title.")
	}
	return answer(c, status, t)
}
