package api

import (
	"net/http"
	"time"

	"github.com/google/uuid"
	"github.com/labstack/echo/v4"

	"github.com/fapiao/fapiao/domain"
)

// confirmationView is a red-letter confirmation as API.md writes it
// (RED-1..6), with what the caller may do to it now.
type confirmationView struct {
	ID                       uuid.UUID `json:"id"`
	domain.ConfirmationTerms `json:",inline"`
	Status                   domain.ConfirmationStatus `json:"status"`
	EnteredBy                domain.Side               `json:"entered_by"`
	EnteredAt                time.Time                 `json:"entered_at"`
	ExpiresAt                *time.Time                `json:"expires_at,omitempty"`
	RefuseReason             string                    `json:"refuse_reason,omitempty"`
	Used                     bool                      `json:"used"`
	Actions                  []string                  `json:"actions"`
}

func viewConfirmation(cf domain.Confirmation, r domain.Role) confirmationView {
	return confirmationView{
		ID: cf.ID, ConfirmationTerms: cf.ConfirmationTerms,
		Status: cf.Status, EnteredBy: cf.EnteredBy, EnteredAt: cf.EnteredAt, ExpiresAt: cf.ExpiresAt,
		RefuseReason: cf.RefuseReason, Used: cf.Used, Actions: cf.Actions(r),
	}
}

// confirmationBody enters a confirmation. deducted and booked are required:
// RED-2's status depends on them, and a missing answer must not pass for
// "no".
type confirmationBody struct {
	Amount   string `json:"amount"`
	Reason   string `json:"reason"`
	Deducted *bool  `json:"deducted"`
	Booked   *bool  `json:"booked"`
}

func (b confirmationBody) validate() error {
	if b.Deducted == nil {
		return ruleField("RED-1", "deducted", "deducted is required: whether the buyer used the invoice for deduction (已抵扣).")
	}
	if b.Booked == nil {
		return ruleField("RED-1", "booked", "booked is required: whether the buyer booked the invoice (已入账).")
	}
	return nil
}

// ruleField is a 400 for a broken field rule with its code.
func ruleField(code, field, message string) error {
	return &domain.RuleError{Code: code, Kind: domain.FieldRule, Field: field, Message: message}
}

// postConfirmation: finance (the seller) or the customer (the buyer, as its
// return request) enters a red-letter confirmation for an electronic
// invoice (RED-1, 2, 4, 6).
func (s *server) postConfirmation(c echo.Context) error {
	id, in, body, err := commandInput[confirmationBody](c, true)
	if err != nil {
		return err
	}
	r := role(c)
	cmd := domain.EnterConfirmation{InvoiceID: id, By: r, Amount: in.Amount, Reason: domain.RedReason(in.Reason),
		Deducted: *in.Deducted, Booked: *in.Booked}
	res, err := s.execute(c, cmd, body)
	if err != nil {
		return err
	}
	entered, ok := eventOf[domain.RedLetterConfirmationEntered](res)
	if !ok || res.Account == nil || res.Account.Confirmation(entered.ConfirmationID) == nil {
		return errNotFound
	}
	c.Response().Header().Set(echo.HeaderLocation, c.Request().URL.Path)
	return answer(c, http.StatusCreated, viewConfirmation(*res.Account.Confirmation(entered.ConfirmationID), r))
}

// listConfirmations lists an invoice's red-letter confirmations, oldest first.
func (s *server) listConfirmations(c echo.Context) error {
	id, err := uuidParam(c, "id")
	if err != nil {
		return err
	}
	cfs, ok := s.cfg.Projections.InvoiceConfirmations(c.Param("acc"), id)
	if !ok {
		return problem(http.StatusNotFound, "There is no such invoice.")
	}
	r := role(c)
	items := make([]confirmationView, len(cfs))
	for i, cf := range cfs {
		items[i] = viewConfirmation(cf, r)
	}
	return answer(c, http.StatusOK, listOf(items))
}

// confirmationCommand runs a command on the path's confirmation and answers
// the confirmation as the command left it.
func confirmationCommand[B any](s *server, c echo.Context, required bool, build func(id uuid.UUID, in B, by domain.Role) domain.Command) error {
	id, in, body, err := commandInput[B](c, required)
	if err != nil {
		return err
	}
	r := role(c)
	res, err := s.execute(c, build(id, in, r), body)
	if err != nil {
		return err
	}
	if res.Account == nil || res.Account.Confirmation(id) == nil {
		return problem(http.StatusNotFound, "There is no such red-letter confirmation.")
	}
	return answer(c, http.StatusOK, viewConfirmation(*res.Account.Confirmation(id), r))
}

// confirmConfirmation: the side RED-2 waits for confirms.
func (s *server) confirmConfirmation(c echo.Context) error {
	return confirmationCommand(s, c, false, func(id uuid.UUID, _ empty, by domain.Role) domain.Command {
		return domain.ConfirmConfirmation{ConfirmationID: id, By: by}
	})
}

// refuseConfirmation: the side RED-2 waits for refuses, with a reason.
func (s *server) refuseConfirmation(c echo.Context) error {
	return confirmationCommand(s, c, true, func(id uuid.UUID, in reasonBody, by domain.Role) domain.Command {
		return domain.RefuseConfirmation{ConfirmationID: id, By: by, Reason: in.Reason}
	})
}

// withdrawConfirmation: the side that entered it withdraws it (RED-3).
func (s *server) withdrawConfirmation(c echo.Context) error {
	return confirmationCommand(s, c, false, func(id uuid.UUID, _ empty, by domain.Role) domain.Command {
		return domain.WithdrawConfirmation{ConfirmationID: id, By: by}
	})
}

// openConfirmationView is one open confirmation (RED-4), for finance's
// work list: what it waits for, or that its red invoice may be issued.
type openConfirmationView struct {
	AccountID string                    `json:"account_id"`
	ID        uuid.UUID                 `json:"id"`
	InvoiceID uuid.UUID                 `json:"invoice_id"`
	Amount    domain.Money              `json:"amount"`
	Status    domain.ConfirmationStatus `json:"status"`
	EnteredBy domain.Side               `json:"entered_by"`
	ExpiresAt *time.Time                `json:"expires_at,omitempty"`
	Actions   []string                  `json:"actions"`
}

// listOpenConfirmations is finance's list of open confirmations across
// accounts (the console's "to act on"): the pending ones, earliest deadline
// first, then those waiting for their red invoice.
func (s *server) listOpenConfirmations(c echo.Context) error {
	acc := c.QueryParam("account")
	if acc != "" && !domain.ValidAccountID(acc) {
		return badRequest("account", "account must be an account ID: 1-64 letters, digits, - or _.")
	}
	pcs := s.cfg.Projections.OpenConfirmations(acc)
	r := role(c)
	items := make([]openConfirmationView, len(pcs))
	for i, pc := range pcs {
		items[i] = openConfirmationView{AccountID: pc.AccountID, ID: pc.ID, InvoiceID: pc.InvoiceID, Amount: pc.Amount,
			Status: pc.Status, EnteredBy: pc.EnteredBy, Actions: pc.Actions(r)}
		if pc.Pending() {
			at := pc.ExpiresAt
			items[i].ExpiresAt = &at
		}
	}
	return answer(c, http.StatusOK, listOf(items))
}
