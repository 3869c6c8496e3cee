package api

import (
	"bytes"
	"fmt"
	"math/rand/v2"
	"reflect"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/fapiao/fapiao/domain"
)

// TestInvoiceOutFields: appendInvoiceOut writes invoiceOut field by
// field; a field added to it (or to the structs it writes inline) must be
// written there too, and this count fails until it is.
func TestInvoiceOutFields(t *testing.T) {
	for _, tc := range []struct {
		v    any
		want int
	}{
		{invoiceOut{}, 26}, {domain.Issue{}, 7}, {domain.Title{}, 8}, {domain.Address{}, 7},
	} {
		if got := reflect.TypeOf(tc.v).NumField(); got != tc.want {
			t.Errorf("%T has %d fields, appendInvoiceOut writes %d: write the new ones (and count them here)", tc.v, got, tc.want)
		}
	}
}

// TestInvoiceOutIsEncodes: appendInvoiceOut writes the bytes encode
// writes, on random invoices of every shape (fields empty or not, strings
// that need escapes or are not UTF-8, instants in odd zones and years, the
// parts it leaves to encode), and on the lifecycle's real invoices.
func TestInvoiceOutIsEncodes(t *testing.T) {
	rng := rand.New(rand.NewPCG(16, 4))
	n := 5_000
	fast := 0
	for i := range n {
		v := randomInvoiceOut(rng)
		want, wantErr := encode(&v)
		w := outWriter{}
		if v.Shipment == nil && v.Return == nil && v.ExchangeFailure == nil && len(v.PartialRedFlushes) == 0 {
			w.invoice(&v)
			if !w.Bad {
				fast++
			}
		}
		got, err := appendInvoiceOut([]byte("x"), &v)
		if (err != nil) != (wantErr != nil) {
			t.Fatalf("invoice %d: error %v, encode's %v", i, err, wantErr)
		}
		if err != nil {
			continue
		}
		if !bytes.Equal(got[1:], want) || got[0] != 'x' {
			t.Fatalf("invoice %d:\n got %s\nwant %s", i, got[1:], want)
		}
	}
	t.Logf("%d invoices, %d written without encode", n, fast)
	if fast < n/4 {
		t.Errorf("only %d of %d invoices were written without encode", fast, n)
	}
}

var oddStrings = []string{
	"", "a", "Acme Ltd", "北京市海淀区中关村大街 1 号", "line\nbreak", `quote"d`, `back\slash`,
	"tab\t", "\x00", "\x7f", "<html>&amp;", "\u2028", "\u2029", "\xff\xfe", "emoji 🧾", "é", "\u00a0",
	"2026-11", "vat_general", "company",
}

func randomString(rng *rand.Rand) string {
	if rng.IntN(4) == 0 {
		return ""
	}
	if rng.IntN(3) > 0 {
		return oddStrings[rng.IntN(len(oddStrings))]
	}
	b := make([]byte, rng.IntN(12))
	for i := range b {
		b[i] = byte(rng.IntN(256))
		if rng.IntN(2) == 0 {
			b[i] = byte(' ' + rng.IntN(95))
		}
	}
	return string(b)
}

// plainString is a string most invoices hold: printable, some of it Chinese.
func plainString(rng *rand.Rand) string {
	return []string{"Acme Ltd", "北京市海淀区", "91110000600037341L", "13800000000", "100080", "浙江"}[rng.IntN(6)]
}

func randomStrings(rng *rand.Rand, odd bool) []string {
	switch rng.IntN(3) {
	case 0:
		return nil
	case 1:
		return []string{}
	}
	vs := make([]string, 1+rng.IntN(3))
	for i := range vs {
		vs[i] = fmt.Sprintf("2026-%02d", 1+rng.IntN(12))
		if odd {
			vs[i] = randomString(rng)
		}
	}
	return vs
}

func randomMoney(rng *rand.Rand) domain.Money {
	digits := []string{"0.00", "1.00", "0.01", "12345.67", "99999999.99", "5", "3.1", "1000000000000000"}[rng.IntN(8)]
	m, err := domain.ParseMoney(digits)
	if err != nil {
		panic(err)
	}
	return m
}

func optMoney(rng *rand.Rand) *domain.Money {
	if rng.IntN(2) == 0 {
		return nil
	}
	m := randomMoney(rng)
	return &m
}

func randomInstant(rng *rand.Rand, odd bool) time.Time {
	zones := []*time.Location{time.UTC, time.FixedZone("CST", 8*3600), time.FixedZone("", -(3*3600 + 30*60))}
	if odd {
		zones = append(zones, time.FixedZone("LMT", 8*3600+343), time.FixedZone("far", -23*3600-59*60))
	}
	years := []int{2026, 2025, 1970}
	if odd {
		years = append(years, 0, 9999, 10000, -1)
	}
	t := time.Date(years[rng.IntN(len(years))], time.Month(1+rng.IntN(12)), 1+rng.IntN(28), rng.IntN(24), rng.IntN(60), rng.IntN(60),
		[]int{0, 1, 500_000_000, 123_456_789, 100}[rng.IntN(5)], zones[rng.IntN(len(zones))])
	if rng.IntN(8) == 0 {
		return time.Time{}
	}
	return t
}

// randomInvoiceOut is an invoice as viewInvoice makes it; odd ones (one in
// three) hold strings and instants encode must be asked about, and some
// the parts appendInvoiceOut leaves to encode.
func randomInvoiceOut(rng *rand.Rand) invoiceOut {
	odd := rng.IntN(3) == 0
	str := plainString
	if odd {
		str = randomString
	}
	v := invoiceOut{
		ID: uuid.New(), AccountID: str(rng), Status: domain.InvoiceStatus(str(rng)),
		Amount: randomMoney(rng), Kingsoft: randomMoney(rng), Marketplace: randomMoney(rng),
		Statements: randomStrings(rng, odd),
		Title: domain.Title{Type: domain.TitleType(str(rng)), Holder: domain.Holder(str(rng)), Name: str(rng),
			TaxpayerID: str(rng), RegisteredAddress: str(rng), RegisteredPhone: str(rng), BankName: str(rng), BankAccount: str(rng)},
		Medium: domain.Medium(str(rng)), Emails: randomStrings(rng, odd), RequestedAt: randomInstant(rng, odd),
		DeliveredTo: randomStrings(rng, odd), RejectReason: str(rng), CancelledBy: domain.Role(str(rng)),
		UpdatedAt: randomInstant(rng, odd), Actions: randomStrings(rng, odd),
		Issue: domain.Issue{InvoiceCode: str(rng), InvoiceNumber: str(rng), IssuedOn: str(rng), Issuer: str(rng),
			TaxRate: str(rng), NetAmount: optMoney(rng), TaxAmount: optMoney(rng)},
		Deficit: optMoney(rng), RedFlushedAmount: optMoney(rng),
	}
	if rng.IntN(2) == 0 {
		v.SLADue = str(rng)
	}
	if rng.IntN(2) == 0 {
		a := domain.Address{Recipient: str(rng), Phone: str(rng), Province: str(rng), City: str(rng), District: str(rng),
			Street: str(rng), PostalCode: str(rng)}
		v.Address = &a
	}
	if rng.IntN(3) == 0 {
		id := uuid.New()
		v.ExchangeOf = &id
	}
	if rng.IntN(10) == 0 {
		v.Shipment = &domain.Shipment{Courier: str(rng), TrackingNumber: str(rng), ShippedAt: randomInstant(rng, odd)}
	}
	if rng.IntN(10) == 0 {
		v.PartialRedFlushes = []domain.PartialRedFlush{}
		if rng.IntN(2) == 0 {
			v.PartialRedFlushes = append(v.PartialRedFlushes, domain.PartialRedFlush{})
		}
	}
	return v
}

func BenchmarkInvoiceOut(b *testing.B) {
	rng := rand.New(rand.NewPCG(1, 2))
	var v invoiceOut
	for {
		v = randomInvoiceOut(rng)
		w := outWriter{}
		if w.invoice(&v); !w.Bad && v.Shipment == nil && len(v.PartialRedFlushes) == 0 && v.Address != nil {
			break
		}
	}
	b.Run("encode", func(b *testing.B) {
		for b.Loop() {
			if _, err := encode(&v); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("append", func(b *testing.B) {
		buf := make([]byte, 0, 2048)
		for b.Loop() {
			if _, err := appendInvoiceOut(buf[:0], &v); err != nil {
				b.Fatal(err)
			}
		}
	})
}
