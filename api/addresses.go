package api

import (
	"net/http"

	"github.com/labstack/echo/v4"

	"github.com/fapiao/fapiao/domain"
	"github.com/fapiao/fapiao/ledger"
)

// listAddresses lists the account's mailing addresses.
func (s *server) listAddresses(c echo.Context) error {
	if !s.accountKnown(c) {
		return errNotFound
	}
	saved, _ := s.cfg.Projections.Addresses(c.Param("acc"))
	items := make([]addressOut, 0, len(saved))
	for i := range saved {
		items = append(items, viewAddress(&saved[i]))
	}
	return answer(c, http.StatusOK, listOf(items))
}

// postAddress is the customer adding an address (ADDR-1, ADDR-2).
func (s *server) postAddress(c echo.Context) error {
	var in addressIn
	body, err := decodeBody(c, &in)
	if err != nil {
		return err
	}
	res, err := s.execute(c, domain.AddAddress{Address: in.domain(), Default: in.Default}, body)
	if err != nil {
		return err
	}
	added, ok := eventOf[domain.AddressAdded](res)
	if !ok {
		return errNotFound
	}
	setLocation(c, "addresses", added.AddressID.String())
	return answerAddress(c, http.StatusCreated, res, added.AddressID.String())
}

// putAddress is the customer changing an address (ADDR-2).
func (s *server) putAddress(c echo.Context) error {
	id, err := uuidParam(c, "id")
	if err != nil {
		return err
	}
	var in addressIn
	body, err := decodeBody(c, &in)
	if err != nil {
		return err
	}
	res, err := s.execute(c, domain.UpdateAddress{AddressID: id, Address: in.domain(), Default: in.Default}, body)
	if err != nil {
		return err
	}
	return answerAddress(c, http.StatusOK, res, id.String())
}

// deleteAddress is the customer removing an address (ADDR-2).
func (s *server) deleteAddress(c echo.Context) error {
	id, err := uuidParam(c, "id")
	if err != nil {
		return err
	}
	var in struct{}
	body, err := decodeOptional(c, &in)
	if err != nil {
		return err
	}
	if _, err := s.execute(c, domain.RemoveAddress{AddressID: id}, body); err != nil {
		return err
	}
	return c.NoContent(http.StatusNoContent)
}

func answerAddress(c echo.Context, status int, res ledger.Result, id string) error {
	if res.Account != nil {
		for _, a := range res.Account.Addresses {
			if a.ID.String() == id {
				return answer(c, status, viewAddress(a))
			}
		}
	}
	return notFound("The address is no longer there.")
}
