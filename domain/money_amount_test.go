package domain

import (
	"encoding/json"
	"math/rand/v2"
	"reflect"
	"regexp"
	"strings"
	"testing"

	"github.com/shopspring/decimal"
)

// amountPattern is the definition isAmount implements.
var amountPattern = regexp.MustCompile(`^(0|[1-9][0-9]{0,15})(\.[0-9]{1,2})?$`)

func TestIsAmountMatchesPattern(t *testing.T) {
	inputs := []string{
		"", "0", "00", "01", "1", "10", "0.", "0.0", "0.00", "0.000", "1.5", "1.50", "1.505", ".5", "1..5",
		"1.5.", "-1", "+1", "1e2", " 1", "1 ", "1,00", "１", "0.0a", "a", "9999999999999999", "99999999999999999",
		"9999999999999999.99", "1000000000000000.5", "12345678901234567.1", "1.", "٣", "0x10",
	}
	for n := 0; n < 20; n++ {
		inputs = append(inputs, strings.Repeat("9", n), "1"+strings.Repeat("0", n)+".01")
	}
	for _, s := range inputs {
		if got, want := isAmount(s), amountPattern.MatchString(s); got != want {
			t.Errorf("isAmount(%q) = %v, the pattern says %v", s, got, want)
		}
	}
}

func FuzzIsAmount(f *testing.F) {
	for _, s := range []string{"0", "1.50", "01", "1.505", "9999999999999999.99", ""} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if got, want := isAmount(s), amountPattern.MatchString(s); got != want {
			t.Fatalf("isAmount(%q) = %v, the pattern says %v", s, got, want)
		}
	})
}

// TestMoneyUnmarshalFastPath checks that the unquoting shortcut and the
// JSON decoder agree, escapes and errors included.
func TestMoneyUnmarshalFastPath(t *testing.T) {
	for _, in := range []string{`"1.50"`, `"0"`, `"\u0031.50"`, `"1.505"`, `1.50`, `"1.5`, `""`, `"01"`, `null`, `"1.50" `} {
		var fast Money
		errFast := fast.UnmarshalJSON([]byte(in))
		var s string
		errJSON := json.Unmarshal([]byte(in), &s)
		var slow Money
		var errSlow error
		if errJSON != nil {
			errSlow = errJSON
		} else {
			slow, errSlow = ParseMoney(s)
		}
		if (errFast == nil) != (errSlow == nil) || (errFast == nil && !reflect.DeepEqual(fast, slow)) {
			t.Errorf("%s: fast %v %v, slow %v %v", in, fast, errFast, slow, errSlow)
		}
	}
}

// TestPlainAmountIsParseMoney: the fast path builds the very decimal
// ParseMoney builds (same digits, same exponent), over random amounts of
// every length.
func TestPlainAmountIsParseMoney(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 8))
	inputs := []string{"0", "0.0", "0.00", "0.5", "1", "10.10", "9999999999999999", "9999999999999999.99", "1000000000000000.01"}
	for range 2000 {
		n := 1 + rng.IntN(16)
		var sb strings.Builder
		sb.WriteByte(byte('1' + rng.IntN(9)))
		for range n - 1 {
			sb.WriteByte(byte('0' + rng.IntN(10)))
		}
		if d := rng.IntN(3); d > 0 {
			sb.WriteByte('.')
			for range d {
				sb.WriteByte(byte('0' + rng.IntN(10)))
			}
		}
		inputs = append(inputs, sb.String())
	}
	for _, s := range inputs {
		want, err := ParseMoney(s)
		if err != nil {
			t.Fatalf("%s: %v", s, err)
		}
		var got Money
		if err := got.UnmarshalJSON([]byte(`"` + s + `"`)); err != nil || !reflect.DeepEqual(got, want) {
			t.Fatalf("%s: %#v (%v), ParseMoney %#v", s, got, err, want)
		}
	}
}

// TestMoneyAppendFixed compares the int64 path of String and the JSON form
// with decimal's StringFixed(2), their definition, on amounts of every
// exponent and size, negative ones and those that must round included.
func TestMoneyAppendFixed(t *testing.T) {
	check := func(d decimal.Decimal) {
		t.Helper()
		m := fromDecimal(d)
		want := d.StringFixed(2)
		if got := m.String(); got != want {
			t.Fatalf("Money(%s exp %d).String() = %s, want %s", d, d.Exponent(), got, want)
		}
		if got, err := json.Marshal(m); err != nil || string(got) != `"`+want+`"` {
			t.Fatalf("json.Marshal(Money(%s)) = %s, %v, want %q", d, got, err, want)
		}
	}
	check(decimal.Decimal{})
	for _, s := range []string{"0", "0.00", "-0.00", "0.001", "0.005", "0.015", "-0.005", "-0.5", "-0.05", "1.5", "100.00",
		"9999999999999999.99", "99999999999999999.99", "-9999999999999999.99", "1e16", "1e17", "1.23e15", "123456789012345678901234567890.125",
		"-1e-3", "0.995", "-0.995", "9223372036854775807", "-9223372036854775808", "92233720368547758.07"} {
		check(decimal.RequireFromString(s))
	}
	rng := rand.New(rand.NewPCG(5, 6))
	for range 20000 {
		c := rng.Int64N(1 << uint(rng.IntN(62)+1))
		if rng.IntN(4) == 0 {
			c = -c
		}
		check(decimal.New(c, int32(rng.IntN(24)-6)))
	}
	// Sums and differences, the way the fold makes amounts.
	a := MustMoney("0.00")
	for range 2000 {
		a = a.Add(MustMoney("12.34")).Sub(MustMoney("0.05"))
		check(a.Decimal())
	}
}

// TestZeroAmountIsShared: every "0.00" decoded is one shared value, equal
// to decimal's own zero at two places (exponent included), and arithmetic
// on it leaves it "0.00".
func TestZeroAmountIsShared(t *testing.T) {
	var a, b Money
	if err := json.Unmarshal([]byte(`"0.00"`), &a); err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal([]byte(`"0.00"`), &b); err != nil {
		t.Fatal(err)
	}
	if want := (fromDecimal(decimal.New(0, -2))); !reflect.DeepEqual(a, want) || a.Decimal().Exponent() != -2 {
		t.Fatalf("decoded 0.00 = %#v, want %#v", a, want)
	}
	if a.Decimal().Coefficient() == b.Decimal().Coefficient() || !reflect.DeepEqual(a, b) {
		t.Fatal("the coefficient must be handed out as a copy, the values equal")
	}
	one := MustMoney("1.25")
	_ = a.Add(one)
	_ = a.Sub(one)
	_ = a.Decimal().Neg()
	_ = a.Decimal().Round(0)
	if got := zeroFen.String(); got != "0.00" || zeroFen.Decimal().Exponent() != -2 {
		t.Fatalf("the shared zero became %s (exponent %d)", got, zeroFen.Decimal().Exponent())
	}
}

// TestMoneyJSONForm pins Money's JSON form wherever an amount sits (it is
// written as a text, not by MarshalJSON): a quoted string with two
// decimals, null for a nil pointer, and read back to the same amount.
func TestMoneyJSONForm(t *testing.T) {
	m := MustMoney("1234.5")
	neg := fromDecimal(decimal.New(-5, -3)) // rounds as StringFixed does
	type holder struct {
		V   Money            `json:"v"`
		P   *Money           `json:"p"`
		N   *Money           `json:"n"`
		O   *Money           `json:"o,omitempty"`
		S   []Money          `json:"s"`
		M   map[string]Money `json:"m"`
		Any any              `json:"any"`
		Z   Money            `json:"z"`
	}
	h := holder{V: m, P: &m, S: []Money{m, Zero}, M: map[string]Money{"k": m}, Any: m}
	got, err := json.Marshal(h)
	if err != nil {
		t.Fatal(err)
	}
	want := `{"v":"1234.50","p":"1234.50","n":null,"s":["1234.50","0.00"],"m":{"k":"1234.50"},"any":"1234.50","z":"0.00"}`
	if string(got) != want {
		t.Fatalf("json.Marshal = %s\nwant            %s", got, want)
	}
	var back holder
	if err := json.Unmarshal(got, &back); err != nil {
		t.Fatal(err)
	}
	if !back.V.Equal(m) || !back.P.Equal(m) || back.N != nil || !back.S[0].Equal(m) || !back.M["k"].Equal(m) {
		t.Fatalf("read back %+v", back)
	}
	if b, err := json.Marshal(neg); err != nil || string(b) != `"-0.01"` {
		t.Fatalf("json.Marshal(-0.005) = %s, %v", b, err)
	}
	if b, err := m.AppendText([]byte("x")); err != nil || string(b) != "x1234.50" {
		t.Fatalf("AppendText = %q, %v", b, err)
	}
}

// validMoney answers from the int64 form what the decimal rule answers:
// not negative, and no digit past the hundredths.
func TestValidMoneyIsTheDecimalRule(t *testing.T) {
	rule := func(m Money) bool { d := m.Decimal(); return !d.IsNegative() && d.Equal(d.Round(2)) }
	for _, s := range []string{"0", "0.00", "0.1", "0.01", "-0.01", "-1", "1.005", "-1.005", "12345678901234567.89",
		"99999999999999999.99", "1e3", "1.2e-5", "-9999999999999999.99", "100000000000000000000"} {
		m := fromDecimal(decimal.RequireFromString(s))
		if got, want := validMoney(m), rule(m); got != want {
			t.Fatalf("validMoney(%s) = %v, the decimal rule says %v", s, got, want)
		}
	}
	r := rand.New(rand.NewPCG(7, 7))
	for range 20000 {
		m := fromDecimal(decimal.New(r.Int64N(2_000_000)-1_000_000, -int32(r.IntN(5))))
		if got, want := validMoney(m), rule(m); got != want {
			t.Fatalf("validMoney(%s) = %v, the decimal rule says %v", m.Decimal(), got, want)
		}
	}
}
