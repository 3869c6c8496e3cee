package api

import (
	"net/http"

	"github.com/google/uuid"
	"github.com/labstack/echo/v4"

	"github.com/fapiao/fapiao/domain"
)

// postInvoice is the customer applying for an invoice (APP-1..7).
func (s *server) postInvoice(c echo.Context) error {
	var in struct {
		Statements []string `json:"statements"`
		AddressID  string   `json:"address_id"`
		Agree      bool     `json:"agree"`
	}
	body, err := decodeBody(c, &in)
	if err != nil {
		return err
	}
	addressID, err := uuid.Parse(in.AddressID)
	// The nil UUID is no address's ID; the domain would read it as "the
	// default address", which API.md's required address_id does not offer.
	if err != nil || len(in.AddressID) != 36 || addressID == uuid.Nil {
		return badRequest("address_id", "address_id must be the UUID of one of the account's addresses.")
	}
	cmd := domain.RequestInvoice{Statements: in.Statements, AddressID: addressID, Agree: in.Agree}
	res, err := s.execute(c, cmd, body)
	if err != nil {
		return err
	}
	requested, ok := eventOf[domain.InvoiceRequested](res)
	if !ok {
		return errNotFound
	}
	return s.answerInvoice(c, http.StatusCreated, res.Account, requested.InvoiceID)
}

// answerInvoice renders an invoice as the command left it.
func (s *server) answerInvoice(c echo.Context, status int, acc *domain.Account, id uuid.UUID) error {
	if acc == nil || acc.Invoices[id] == nil {
		return problem(http.StatusNotFound, "not-found", "There is no such invoice.")
	}
	return c.JSON(status, viewInvoice(*acc.Invoices[id], role(c)))
}
