package domain

import (
	"testing"

	"github.com/google/uuid"
)

func TestADDR1_MainlandAddressFields(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name  string
		edit  func(*Address)
		field string
	}{
		{"mobile", func(*Address) {}, ""},
		{"landline 3-digit area", func(a *Address) { a.Phone = "010-12345678" }, ""},
		{"landline 4-digit area, 7 digits", func(a *Address) { a.Phone = "0755-1234567" }, ""},
		{"landline with extension", func(a *Address) { a.Phone = "010-12345678-123" }, ""},
		{"no district is fine", func(a *Address) { a.District = "" }, ""},
		{"mobile 12 digits", func(a *Address) { a.Phone = "138001380001" }, "phone"},
		{"mobile starting 12", func(a *Address) { a.Phone = "12800138000" }, "phone"},
		{"landline without area code", func(a *Address) { a.Phone = "12345678" }, "phone"},
		{"postal code 5 digits", func(a *Address) { a.PostalCode = "10008" }, "postal_code"},
		{"no recipient", func(a *Address) { a.Recipient = " " }, "recipient"},
		{"no street", func(a *Address) { a.Street = "" }, "street"},
		{"no city", func(a *Address) { a.City = "" }, "city"},
		{"Hong Kong", func(a *Address) { a.Province = "香港特别行政区" }, "province"},
		{"Macau traditional", func(a *Address) { a.Province = "澳門" }, "province"},
		{"Taiwan", func(a *Address) { a.Province = "台湾省" }, "province"},
		{"Taiwan in English", func(a *Address) { a.Province = "Taiwan" }, "province"},
		{"Hong Kong in English", func(a *Address) { a.Province = "HONG KONG" }, "province"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			addr := testAddress()
			tt.edit(&addr)
			_, err := AddAddress{Address: addr}.Decide(NewAccount("a"), testEnv("2026-10-12T10:00:00+08:00"))
			if tt.field == "" {
				if err != nil {
					t.Fatal(err)
				}
				return
			}
			wantRule(t, err, "ADDR-1", FieldRule, tt.field)
		})
	}
}

func TestADDR2_DefaultAndLimit(t *testing.T) {
	t.Parallel()
	a := NewAccount("a")
	env := testEnv("2026-10-12T10:00:00+08:00")
	ids := make([]uuid.UUID, 0, MaxAddresses)
	for i := 0; i < MaxAddresses; i++ {
		evs := must(t, a, env, AddAddress{Address: testAddress()})
		ids = append(ids, evs[0].(AddressAdded).AddressID)
	}
	_, err := AddAddress{Address: testAddress()}.Decide(a, env)
	wantRule(t, err, "ADDR-2", StateRule, "")
	defaults := func() int {
		n := 0
		for _, sa := range a.Addresses {
			if sa.Default {
				n++
			}
		}
		return n
	}
	if a.DefaultAddress().ID != ids[0] || defaults() != 1 {
		t.Fatal("the first address is not the only default")
	}
	must(t, a, env, UpdateAddress{AddressID: ids[3], Address: testAddress(), Default: true})
	if a.DefaultAddress().ID != ids[3] || defaults() != 1 {
		t.Fatal("setting a default did not unset the others")
	}
	// Un-ticking default on the default address keeps it: one must remain.
	must(t, a, env, UpdateAddress{AddressID: ids[3], Address: testAddress(), Default: false})
	if a.DefaultAddress().ID != ids[3] {
		t.Fatal("default lost")
	}
	must(t, a, env, RemoveAddress{AddressID: ids[3]})
	if a.DefaultAddress().ID != ids[0] || defaults() != 1 || len(a.Addresses) != MaxAddresses-1 {
		t.Fatal("removing the default did not promote the earliest remaining")
	}
	must(t, a, env, AddAddress{Address: testAddress(), Default: true})
	if a.DefaultAddress().ID == ids[0] || defaults() != 1 {
		t.Fatal("adding a default did not move it")
	}
	_, err = RemoveAddress{AddressID: ids[3]}.Decide(a, env)
	wantRule(t, err, "ADDR-2", NotFound, "")
	_, err = UpdateAddress{AddressID: uuid.New(), Address: testAddress()}.Decide(a, env)
	wantRule(t, err, "ADDR-2", NotFound, "")
}
