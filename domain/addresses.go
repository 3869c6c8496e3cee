package domain

import (
	"regexp"
	"strings"
)

// MaxAddresses is ADDR-2's limit on saved addresses.
const MaxAddresses = 20

var landlinePattern = regexp.MustCompile(`^0[1-9][0-9]{1,2}-[1-9][0-9]{6,7}(-[0-9]{1,6})?$`)

// outsideMainland names the regions that are not mainland China (APP-5): paper
// invoices are mailed within the mainland only.
var outsideMainland = []string{"香港", "澳门", "澳門", "台湾", "台灣", "臺灣", "臺湾", "hong kong", "hongkong", "macau", "macao", "taiwan"}

// ValidPhone reports whether s is a mainland mobile number or a landline with
// its area code ("010-12345678", "0755-1234567", optionally "-ext").
func ValidPhone(s string) bool { return validMobile(s) || landlinePattern.MatchString(s) }

// validateAddress checks ADDR-1 (and APP-5's mainland-only delivery) and
// returns the address trimmed.
func validateAddress(in Address) (Address, error) {
	var fe []FieldError
	add := func(field, msg string) { fe = append(fe, FieldError{Field: field, Message: msg}) }
	a := in
	var msg string
	for _, f := range []struct {
		name string
		v    *string
		max  int
	}{
		{"recipient", &a.Recipient, 50},
		{"province", &a.Province, 50},
		{"city", &a.City, 50},
		{"street", &a.Street, 200},
	} {
		if *f.v, msg = cleanText(*f.v, f.max); msg != "" {
			add(f.name, f.name+" "+msg)
		}
	}
	if a.District = strings.TrimSpace(a.District); a.District != "" {
		if a.District, msg = cleanText(a.District, 50); msg != "" {
			add("district", "district "+msg)
		}
	}
	a.Phone = strings.TrimSpace(a.Phone)
	if !ValidPhone(a.Phone) {
		add("phone", "phone must be a mainland mobile number (11 digits starting 13–19) or a landline with area code, like 010-12345678")
	}
	a.PostalCode = strings.TrimSpace(a.PostalCode)
	if !validPostalCode(a.PostalCode) {
		add("postal_code", "postal_code must be 6 digits")
	}
	lp := strings.ToLower(a.Province + " " + a.City)
	for _, region := range outsideMainland {
		if strings.Contains(lp, region) {
			add("province", "invoices are mailed within mainland China only (Hong Kong, Macau and Taiwan are not served)")
			break
		}
	}
	if len(fe) > 0 {
		return a, &RuleError{Code: "ADDR-1", Kind: FieldRule, Field: fe[0].Field, Message: fe[0].Message, Fields: fe}
	}
	return a, nil
}

// Decide adds an address (ADDR-1, ADDR-2). The first address is the default.
func (c AddAddress) Decide(a *Account, env Env) ([]Event, error) {
	addr, err := validateAddress(c.Address)
	if err != nil {
		return nil, err
	}
	if len(a.Addresses) >= MaxAddresses {
		return nil, stateErr("ADDR-2", "an account keeps at most %d addresses; remove one first", MaxAddresses)
	}
	def := c.Default || a.DefaultAddress() == nil
	return []Event{AddressAdded{AddressID: env.NewID(), Address: addr, Default: def}}, nil
}

// Decide updates an address (ADDR-1, ADDR-2). Making it the default unsets
// the others; the default address stays the default until another is chosen.
func (c UpdateAddress) Decide(a *Account, env Env) ([]Event, error) {
	addr, err := validateAddress(c.Address)
	if err != nil {
		return nil, err
	}
	sa := a.address(c.AddressID)
	if sa == nil {
		return nil, notFoundErr("ADDR-2", "no address %s", c.AddressID)
	}
	return []Event{AddressUpdated{AddressID: sa.ID, Address: addr, Default: c.Default || sa.Default}}, nil
}

// Decide removes an address (ADDR-2); if it was the default, the earliest
// remaining address becomes the default. Applications keep their snapshot.
func (c RemoveAddress) Decide(a *Account, env Env) ([]Event, error) {
	if a.address(c.AddressID) == nil {
		return nil, notFoundErr("ADDR-2", "no address %s", c.AddressID)
	}
	return []Event{AddressRemoved{AddressID: c.AddressID}}, nil
}
