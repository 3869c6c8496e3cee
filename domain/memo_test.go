package domain

import (
	"strings"
	"testing"
	"unsafe"

	"github.com/google/uuid"
)

// TestRequestMemo: an application whose title and address are the very
// bytes of ones decoded before gets the kept values (their strings
// shared, not made again), and every application is still decoded as
// json decodes it: titles alike in their first bytes and told apart only
// past the bytes the memo hashes, a kept title followed by other members,
// and documents cut inside or right after a kept object.
func TestRequestMemo(t *testing.T) {
	check := sameAsJSON(fastInvoiceRequested)
	long := strings.Repeat("厦门某某科技有限公司", 6) // longer than memoHashed
	request := func(name, street string) []byte {
		_, data, err := EncodeEvent(InvoiceRequested{InvoiceID: uuid.New(), Statements: []string{"2026-01"},
			Amount: MustMoney("1.00"), Kingsoft: MustMoney("1.00"), Marketplace: MustMoney("0"),
			Title:     Title{Type: VATGeneral, Holder: HolderCompany, Name: name, TaxpayerID: "91350100M000100Y43"},
			Address:   Address{Recipient: "张三", Phone: "13800138000", Province: "北京市", City: "北京市", District: "海淀区", Street: street, PostalCode: "100089"},
			AddressID: uuid.New(), SLADue: "2026-10-15"})
		if err != nil {
			t.Fatal(err)
		}
		return data
	}
	first, ok := fastInvoiceRequested(request(long+"甲", "西二旗中路33号"))
	if !ok {
		t.Fatal("the fast path declined an application")
	}
	again, ok := fastInvoiceRequested(request(long+"甲", "西二旗中路33号"))
	if !ok || again.Title != first.Title || again.Address != first.Address {
		t.Fatalf("the same title and address decoded to %+v, %+v; first %+v, %+v", again.Title, again.Address, first.Title, first.Address)
	}
	if unsafe.StringData(again.Title.Name) != unsafe.StringData(first.Title.Name) ||
		unsafe.StringData(again.Address.Street) != unsafe.StringData(first.Address.Street) {
		t.Error("the same title and address were decoded again, not shared")
	}
	for _, data := range [][]byte{
		request(long+"甲", "西二旗中路33号"),
		request(long+"乙", "西二旗中路33号"), // told apart past the hashed bytes
		request(long+"甲", "西二旗中路34号"), // the kept title, another address
		request("乙", "西二旗中路33号"),
	} {
		if !check(t, data) {
			t.Fatalf("the fast path declined %s", data)
		}
		title := strings.Index(string(data), `"title":`) + len(`"title":`)
		end := strings.Index(string(data), `,"address":`)
		for _, cut := range []int{title + 5, end - 1, end, end + 1} {
			check(t, data[:cut])
		}
		check(t, append(append([]byte{}, data[:end]...), `}`...))
	}
}
