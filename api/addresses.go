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
	res, err := s.executeView(c, domain.AddAddress{Address: in.Address, Default: in.Default}, body, addressesView)
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
	res, err := s.executeView(c, domain.UpdateAddress{AddressID: id, Address: in.Address, Default: in.Default}, body, addressesView)
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
	if _, err := s.executeView(c, domain.RemoveAddress{AddressID: id}, body, noView); err != nil {
		return err
	}
	return c.NoContent(http.StatusNoContent)
}

// addressesView is the addresses an address command leaves, made under the
// ledger's lock (no copy of the account).
func addressesView(acc *domain.Account) any {
	out := make([]addressOut, len(acc.Addresses))
	for i, a := range acc.Addresses {
		out[i] = viewAddress(a)
	}
	return out
}

// noView answers a command whose state the handler does not show.
func noView(*domain.Account) any { return nil }

func answerAddress(c echo.Context, status int, res ledger.Result, id string) error {
	saved, _ := res.View.([]addressOut)
	for _, a := range saved {
		if a.ID.String() == id {
			return answer(c, status, a)
		}
	}
	return notFound("The address is no longer there.")
}
