package domain_test

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/fapiao/fapiao/domain"
)

// FuzzParseMoney: ParseMoney never panics; what it accepts is a
// non-negative amount with at most two decimals that prints and re-parses
// to itself, and whose JSON form round-trips.
func FuzzParseMoney(f *testing.F) {
	for _, s := range []string{"0", "0.00", "1234.50", "1.5", "9999999999999999.99", "1e3", "1.005", "-1.00",
		"+1", " 1", "01", "1.", ".5", "NaN", "１", strings.Repeat("9", 40)} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		m, err := domain.ParseMoney(s)
		if err != nil {
			return
		}
		if m.IsNegative() || m.Decimal().Exponent() < -2 {
			t.Fatalf("ParseMoney(%q) = %s", s, m)
		}
		again, err := domain.ParseMoney(m.String())
		if err != nil || !again.Equal(m) {
			t.Fatalf("ParseMoney(%q).String() = %q does not re-parse: %v", s, m, err)
		}
		raw, err := json.Marshal(m)
		if err != nil {
			t.Fatal(err)
		}
		var back domain.Money
		if err := json.Unmarshal(raw, &back); err != nil || !back.Equal(m) {
			t.Fatalf("JSON %s does not round-trip: %v", raw, err)
		}
	})
}

// FuzzMoneyJSON: decoding any JSON into Money never panics and accepts
// only strings that ParseMoney accepts.
func FuzzMoneyJSON(f *testing.F) {
	for _, s := range []string{`"1.00"`, `1.00`, `"1e2"`, `null`, `"\u0031.00"`, `{"a":1}`, `"`, `""`, `"-0"`, `true`} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		var m domain.Money
		if err := json.Unmarshal(b, &m); err != nil {
			return
		}
		var s string
		if err := json.Unmarshal(b, &s); err != nil {
			t.Fatalf("Money accepted %s, which is not a JSON string", b)
		}
		if p, err := domain.ParseMoney(s); err != nil || !p.Equal(m) {
			t.Fatalf("Money accepted %s as %s; ParseMoney says %s, %v", b, m, p, err)
		}
	})
}

// FuzzTaxpayerID: the TITLE-1 check never panics, accepts only the
// lengths and alphabet of DOMAIN.md, and for any 17 characters of the
// alphabet exactly one check character completes a valid 18-character code.
func FuzzTaxpayerID(f *testing.F) {
	for _, s := range []string{"91350100M000100Y43", "91350100M000100Y44", "110108123456789", "11010812345678901",
		"11010812345678901234", "", "9135010OM000100Y43", "91350100m000100y43", "９1350100M000100Y43"} {
		f.Add(s)
	}
	const alphabet = "0123456789ABCDEFGHJKLMNPQRTUWXY"
	f.Fuzz(func(t *testing.T, s string) {
		ok := domain.ValidTaxpayerID(s)
		if ok {
			switch len(s) {
			case 15, 17, 20, 18:
			default:
				t.Fatalf("ValidTaxpayerID(%q) with length %d", s, len(s))
			}
			for _, c := range s {
				if !('0' <= c && c <= '9' || 'A' <= c && c <= 'Z') {
					t.Fatalf("ValidTaxpayerID(%q) accepted %q", s, c)
				}
			}
		}
		if len(s) < 17 {
			return
		}
		first := s[:17]
		check := domain.USCCCheckChar(first)
		if check == 0 {
			return
		}
		valid := 0
		for i := 0; i < len(alphabet); i++ {
			if domain.ValidTaxpayerID(first + string(alphabet[i])) {
				valid++
			}
		}
		if valid != 1 || !domain.ValidTaxpayerID(first+string(check)) {
			t.Fatalf("%q: %d valid check characters, check %q", first, valid, check)
		}
	})
}

// FuzzDecodeEvent: decoding stored event bytes of any type never panics;
// an event that decodes re-encodes stably and folds into an account or a
// quota without a panic (a corrupt log must not crash the projections).
func FuzzDecodeEvent(f *testing.F) {
	files, err := filepath.Glob("../testdata/events/*.json")
	if err != nil || len(files) == 0 {
		f.Fatalf("golden events: %v", err)
	}
	for _, file := range files {
		b, err := os.ReadFile(file)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(strings.TrimSuffix(filepath.Base(file), ".json"), b)
	}
	f.Add("InvoiceRequested", []byte(`{"invoice_id": null, "statements": null}`))
	f.Add("StatementPosted", []byte(`{"month": "2026-10", "lines": [{}]}`))
	f.Add("Unknown", []byte(`{}`))
	f.Fuzz(func(t *testing.T, typ string, data []byte) {
		e, err := domain.DecodeEvent(typ, data)
		if err != nil {
			return
		}
		typ2, raw, err := domain.EncodeEvent(e)
		if err != nil || typ2 != typ {
			t.Fatalf("EncodeEvent: %q, %v", typ2, err)
		}
		e2, err := domain.DecodeEvent(typ, raw)
		if err != nil {
			t.Fatalf("re-decode %s: %v", raw, err)
		}
		if _, raw2, _ := domain.EncodeEvent(e2); string(raw2) != string(raw) {
			t.Fatalf("unstable encoding:\n%s\n%s", raw, raw2)
		}
		// Every decoded event folds into an account or, a quota stream's, a quota.
		if err := domain.NewAccount("acc-fuzz").Fold(e); err != nil {
			if qerr := domain.NewQuota("2026-10").Fold(e); qerr != nil {
				t.Fatalf("%s folds into neither an account (%v) nor a quota (%v)", typ, err, qerr)
			}
		}
	})
}
