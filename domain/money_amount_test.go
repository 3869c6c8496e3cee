package domain

import (
	"encoding/json"
	"math/rand/v2"
	"reflect"
	"regexp"
	"strings"
	"testing"
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
