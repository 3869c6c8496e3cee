package api

import (
	"net/http"

	"github.com/google/uuid"
	"github.com/labstack/echo/v4"

	"github.com/fapiao/fapiao/domain"
)

// commandInput reads a command on one resource: the path's ID and the body
// (required, or optional and then zero), decoded and validated when its
// type has a validate method. body is the raw request, for the idempotency hash.
func commandInput[B any](c echo.Context, required bool) (id uuid.UUID, in B, body []byte, err error) {
	if id, err = uuidParam(c, "id"); err != nil {
		return id, in, nil, err
	}
	if required {
		body, err = decodeBody(c, &in)
	} else {
		body, err = decodeOptional(c, &in)
	}
	if err != nil {
		return id, in, nil, err
	}
	if v, ok := any(in).(interface{ validate() error }); ok {
		err = v.validate()
	}
	return id, in, body, err
}

// invoiceCommand runs the command made from the path's invoice ID and the
// decoded body, and answers the invoice as the command left it.
func invoiceCommand[B any](s *server, c echo.Context, required bool, build func(id uuid.UUID, in B, by domain.Role) domain.Command) error {
	id, in, body, err := commandInput[B](c, required)
	if err != nil {
		return err
	}
	r := role(c)
	res, err := s.executeView(c, build(id, in, r), body, func(acc *domain.Account) any {
		return encodeInvoice(acc, id, r)
	})
	if err != nil {
		return err
	}
	return answerEncoded(c, http.StatusOK, res.View)
}

type empty struct{}

// cancelInvoice: the customer while under review, support while issuing
// with a ticket (CANCEL-1).
func (s *server) cancelInvoice(c echo.Context) error {
	return invoiceCommand(s, c, false, func(id uuid.UUID, in struct {
		Ticket string `json:"ticket"`
	}, by domain.Role) domain.Command {
		return domain.CancelInvoice{InvoiceID: id, By: by, Ticket: in.Ticket}
	})
}

// approveInvoice: finance approves the application (REVIEW-1).
func (s *server) approveInvoice(c echo.Context) error {
	return invoiceCommand(s, c, false, func(id uuid.UUID, _ empty, _ domain.Role) domain.Command {
		return domain.ApproveInvoice{InvoiceID: id}
	})
}

// rejectInvoice: finance rejects the application with a reason (REVIEW-1).
func (s *server) rejectInvoice(c echo.Context) error {
	return invoiceCommand(s, c, true, func(id uuid.UUID, in reasonBody, _ domain.Role) domain.Command {
		return domain.RejectInvoice{InvoiceID: id, Reason: in.Reason}
	})
}

// issueInvoice: finance records the issued paper invoice (ISSUE-1, ISSUE-2).
func (s *server) issueInvoice(c echo.Context) error {
	return invoiceCommand(s, c, true, func(id uuid.UUID, in struct {
		InvoiceCode   string `json:"invoice_code"`
		InvoiceNumber string `json:"invoice_number"`
		IssuedOn      string `json:"issued_on"`
		TaxRate       string `json:"tax_rate"`
	}, _ domain.Role) domain.Command {
		return domain.IssueInvoice{InvoiceID: id, InvoiceCode: in.InvoiceCode, InvoiceNumber: in.InvoiceNumber,
			IssuedOn: in.IssuedOn, TaxRate: in.TaxRate}
	})
}

// shipInvoice: finance records courier and tracking number (SHIP-1).
func (s *server) shipInvoice(c echo.Context) error {
	return invoiceCommand(s, c, true, func(id uuid.UUID, in struct {
		Courier        string `json:"courier"`
		TrackingNumber string `json:"tracking_number"`
	}, _ domain.Role) domain.Command {
		return domain.ShipInvoice{InvoiceID: id, Courier: in.Courier, TrackingNumber: in.TrackingNumber}
	})
}

// returnBody is the customer's return request (RETURN-1, 2, 6).
type returnBody struct {
	Reason              string     `json:"reason"`
	Certified           *bool      `json:"certified"`
	RedLetterFormNumber string     `json:"red_letter_form_number"`
	Exchange            bool       `json:"exchange"`
	AddressID           *uuid.UUID `json:"address_id"`
}

// requestReturn: the customer asks to return an issued invoice.
func (s *server) requestReturn(c echo.Context) error {
	return invoiceCommand(s, c, true, func(id uuid.UUID, in returnBody, _ domain.Role) domain.Command {
		return domain.RequestReturn{InvoiceID: id, Reason: in.Reason,
			Certified: in.Certified != nil && *in.Certified, CertifiedUnstated: in.Certified == nil,
			RedLetterFormNumber: in.RedLetterFormNumber, Exchange: in.Exchange, AddressID: in.AddressID}
	})
}

// receiveReturnPaper: finance records the paper that came back (RETURN-3).
func (s *server) receiveReturnPaper(c echo.Context) error {
	return invoiceCommand(s, c, true, func(id uuid.UUID, in paperBody, _ domain.Role) domain.Command {
		return domain.ReceiveReturnPaper{InvoiceID: id, Complete: *in.Complete, Note: in.Note}
	})
}

// paperBody says whether the returned paper is complete; that is required,
// since taking a missing answer for "incomplete" would hide a client's bug.
type paperBody struct {
	Complete *bool  `json:"complete"`
	Note     string `json:"note"`
}

func (b paperBody) validate() error {
	if b.Complete == nil {
		return badRequest("complete", "complete is required: true when every copy came back.")
	}
	return nil
}

// rejectReturn: finance refuses the return (RETURN-3).
func (s *server) rejectReturn(c echo.Context) error {
	return invoiceCommand(s, c, true, func(id uuid.UUID, in reasonBody, _ domain.Role) domain.Command {
		return domain.RejectReturn{InvoiceID: id, Reason: in.Reason}
	})
}

// voidInvoice: finance voids a returned invoice (RETURN-4, 5).
func (s *server) voidInvoice(c echo.Context) error {
	return invoiceCommand(s, c, false, func(id uuid.UUID, _ empty, _ domain.Role) domain.Command {
		return domain.VoidInvoice{InvoiceID: id}
	})
}

// redFlushInvoice: finance red-flushes a returned paper invoice (RETURN-4,
// 5, 6), or an electronic one against its confirmation (RED-5).
func (s *server) redFlushInvoice(c echo.Context) error {
	return invoiceCommand(s, c, true, func(id uuid.UUID, in struct {
		RedInvoiceCode   string     `json:"red_invoice_code"`
		RedInvoiceNumber string     `json:"red_invoice_number"`
		IssuedOn         string     `json:"issued_on"`
		ConfirmationID   *uuid.UUID `json:"confirmation_id"`
		// DEF-5: a part of what an issued invoice owes; paper records the
		// red-letter information form (红字信息表).
		Amount              string `json:"amount"`
		RedLetterFormNumber string `json:"red_letter_form_number"`
	}, _ domain.Role) domain.Command {
		return domain.RedFlushInvoice{InvoiceID: id, RedInvoiceCode: in.RedInvoiceCode, RedInvoiceNumber: in.RedInvoiceNumber,
			IssuedOn: in.IssuedOn, ConfirmationID: in.ConfirmationID, Amount: in.Amount, RedLetterFormNumber: in.RedLetterFormNumber}
	})
}
