package api

import (
	"net/http"

	"github.com/google/uuid"
	"github.com/labstack/echo/v4"

	"github.com/fapiao/fapiao/domain"
	"github.com/fapiao/fapiao/ledger"
)

// postInvoice is the customer applying for an invoice (APP-1..7).
func (s *server) postInvoice(c echo.Context) error {
	var in struct {
		Statements []string `json:"statements"`
		Medium     string   `json:"medium"`
		AddressID  string   `json:"address_id"`
		Emails     []string `json:"emails"`
		Agree      bool     `json:"agree"`
	}
	body, err := decodeBody(c, &in)
	if err != nil {
		return err
	}
	var addressID uuid.UUID
	if in.Medium == "" || in.Medium == string(domain.Paper) {
		addressID, err = uuid.Parse(in.AddressID)
		// The nil UUID is no address's ID; the domain would read it as "the
		// default address", which API.md's required address_id does not offer.
		if err != nil || len(in.AddressID) != 36 || addressID == uuid.Nil {
			return badRequest("address_id", "address_id must be the UUID of one of the account's addresses.")
		}
	} else if in.AddressID != "" {
		// EINV-1: an electronic invoice takes no address; any value says so.
		addressID = uuid.Max
	}
	cmd := domain.RequestInvoice{Statements: in.Statements, AddressID: addressID, Agree: in.Agree,
		Medium: domain.Medium(in.Medium), Emails: in.Emails}
	// The new invoice is the account's last one right after the command's
	// events; its ID is checked against the event below.
	r := role(c)
	res, err := s.executeView(c, cmd, body, func(acc *domain.Account) any {
		if len(acc.InvoiceOrder) == 0 {
			return encodedInvoice{}
		}
		return encodeInvoice(acc, acc.InvoiceOrder[len(acc.InvoiceOrder)-1], r)
	})
	if err != nil {
		return err
	}
	requestedID, ok := requestedInvoiceID(res)
	if !ok {
		return errNotFound
	}
	setLocation(c, "invoices", requestedID.String())
	if e, _ := res.View.(encodedInvoice); e.id != requestedID {
		// Not expected; answer from the log rather than guess.
		last := res.Records[len(res.Records)-1]
		acc, err := s.stateAt(c.Request().Context(), c.Param("acc"), last.Revision)
		if err != nil {
			return err
		}
		res.View = encodeInvoice(acc, requestedID, r)
	}
	return answerEncoded(c, http.StatusCreated, res.View)
}

// requestedInvoiceID is the ID of the invoice the command's InvoiceRequested
// created.
func requestedInvoiceID(res ledger.Result) (uuid.UUID, bool) {
	requested, ok := eventOf[domain.InvoiceRequested](res)
	return requested.InvoiceID, ok
}

// encodedInvoice is an invoice's answer made under the ledger's lock: what
// answer writes for its view, so that no copy of the account is needed.
type encodedInvoice struct {
	id   uuid.UUID
	body []byte // nil: the account has no such invoice
	err  error
}

func encodeInvoice(acc *domain.Account, id uuid.UUID, r domain.Role) encodedInvoice {
	inv := acc.Invoices[id]
	if inv == nil {
		return encodedInvoice{id: id}
	}
	v := viewInvoice(inv, r)
	b, err := appendInvoiceOut(make([]byte, 0, 1024), &v)
	return encodedInvoice{id: id, body: append(b, '\n'), err: err}
}

// answerEncoded writes an encodedInvoice (a ledger Result's View).
func answerEncoded(c echo.Context, status int, view any) error {
	e, _ := view.(encodedInvoice)
	if e.err != nil {
		return e.err
	}
	if e.body == nil {
		return notFound("There is no such invoice.")
	}
	return blob(c, status, e.body)
}
