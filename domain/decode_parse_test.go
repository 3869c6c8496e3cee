package domain

import (
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/google/uuid"
)

// TestParseIDIsUnmarshalText: parseID accepts what uuid's UnmarshalText
// accepts, with the same UUID, and leaves its destination as UnmarshalText
// does otherwise: the canonical form in either case, every byte value at
// every place of it, the other forms uuid takes, and other lengths.
func TestParseIDIsUnmarshalText(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 4))
	var inputs []string
	for range 40 {
		var id uuid.UUID
		for i := range id {
			id[i] = byte(r.IntN(256))
		}
		s := id.String()
		inputs = append(inputs, s, strings.ToUpper(s), "urn:uuid:"+s, "{"+s+"}", strings.ReplaceAll(s, "-", ""))
		for p := range len(s) {
			for _, c := range []byte{'-', '0', '9', 'a', 'f', 'g', 'A', 'F', 'G', '/', ':', '@', '`', 0, 0xff, 0x80} {
				b := []byte(s)
				b[p] = c
				inputs = append(inputs, string(b))
			}
		}
	}
	base := "5f0c6f2e-8a44-4c1b-9d2e-0a1b2c3d4e5f"
	for p := range len(base) {
		for v := range 256 {
			b := []byte(base)
			b[p] = byte(v)
			inputs = append(inputs, string(b))
		}
	}
	inputs = append(inputs, "", "5f0c6f2e", base+"0", base[1:], " "+base[1:], "5f0c6f2e-8a44-4c1b-9d2e-0a1b2c3d4e5", "5f0c6f2e+8a44-4c1b-9d2e-0a1b2c3d4e5f")
	for _, in := range inputs {
		seed := uuid.UUID{1, 2, 3}
		got, want := seed, seed
		gotOK := parseID([]byte(in), &got)
		wantOK := want.UnmarshalText([]byte(in)) == nil
		if gotOK != wantOK || got != want {
			t.Fatalf("%q: parseID %v %v, UnmarshalText %v %v", in, got, gotOK, want, wantOK)
		}
	}
}

// TestAmountOfIsUnmarshalJSON: amountOf accepts only what Money's
// UnmarshalJSON accepts, as the same Money, and UnmarshalJSON reads every
// plain amount it declines the same way it would have (amountOf declines
// nothing UnmarshalJSON takes as a plain amount): amounts of every length
// with and without decimals, leading zeros, signs, exponents, spaces and
// other bytes at every place, and random strings of digits and points.
func TestAmountOfIsUnmarshalJSON(t *testing.T) {
	inputs := []string{"", "0", "00", "0.0", "0.00", "0.000", "1", "1.", ".5", "1.5", "1.50", "1.500", "01", "01.00",
		"-1", "+1", "1e2", "1.0e2", " 1", "1 ", "1,00", "9999999999999999", "9999999999999999.99", "10000000000000000",
		"99999999999999999", "1234567890123456.7", "12345678901234567.00", "0.01", "100.10", "1..0", "1.2.3", "٣"}
	r := rand.New(rand.NewPCG(5, 6))
	const alphabet = "0123456789012345678901234567890123456789..-+eE x\\x00\xff"
	for range 200000 {
		b := make([]byte, r.IntN(22))
		for i := range b {
			b[i] = alphabet[r.IntN(len(alphabet))]
		}
		inputs = append(inputs, string(b))
	}
	for n := 1; n <= 18; n++ {
		digits := strings.Repeat("7", n)
		inputs = append(inputs, digits, digits+".1", digits+".12", digits+".123", "1"+digits[1:]+".00")
	}
	for _, in := range inputs {
		var want Money
		wantOK := isAmount(in) && want.UnmarshalJSON([]byte(`"`+in+`"`)) == nil
		got, ok := amountOf([]byte(in))
		if ok != wantOK || ok && (got != want || got.String() != want.String()) {
			t.Fatalf("%q: amountOf %v %v, UnmarshalJSON %v %v", in, got, ok, want, wantOK)
		}
	}
}
