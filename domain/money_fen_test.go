package domain

import (
	"fmt"
	"math/rand/v2"
	"reflect"
	"sync"
	"testing"

	"github.com/shopspring/decimal"
)

// randomAmount is an amount of any exponent from -4 to 3 and up to 19
// digits, either sign: the two-decimal amounts fenSum holds and the ones it
// must hand back to decimal.
func randomAmount(r *rand.Rand) Money {
	digits := 1 + r.IntN(19)
	c := r.Int64N(int64(min(uint64(1)<<62, pow10(digits))))
	if r.IntN(4) == 0 {
		c = -c
	}
	return fromDecimal(decimal.New(c, int32(r.IntN(8)-4)))
}

func pow10(n int) uint64 {
	p := uint64(1)
	for range n {
		p *= 10
	}
	return p
}

// sameDecimal says whether two amounts are the same decimal: value,
// digits and exponent, as String and Exponent show them.
func sameDecimal(a, b Money) bool {
	return a.Decimal().Exponent() == b.Decimal().Exponent() && a.Decimal().Coefficient().Cmp(b.Decimal().Coefficient()) == 0
}

// TestBAL2_AvailableInFenIsTheDecimalSum holds Available's int64 sum to
// the decimal.Add chain it replaces: the same decimal, exponent included,
// on random accounts, and the decimal chain wherever fenSum gives up.
func TestBAL2_AvailableInFenIsTheDecimalSum(t *testing.T) {
	r := rand.New(rand.NewPCG(17, 29))
	held := 0
	for n := range 20000 {
		a := &Account{Statements: map[string]*Statement{}}
		for m := range r.IntN(6) {
			st := &Statement{}
			switch r.IntN(3) {
			case 0: // what the ledger stores: two decimals, a few digits
				st.Free = Split{Kingsoft: fromDecimal(decimal.New(r.Int64N(1e9), -2)), Marketplace: fromDecimal(decimal.New(r.Int64N(1e6), -2))}
			case 1:
				st.Free = Split{Kingsoft: randomAmount(r), Marketplace: randomAmount(r)}
			default:
				st.Free = Split{Kingsoft: MustMoney(fmt.Sprint(r.IntN(1000))), Marketplace: Zero}
			}
			a.Statements[fmt.Sprintf("2026-%02d", m+1)] = st
		}
		f := newFenSum()
		for _, s := range a.Statements {
			f.add(s.Free.Kingsoft)
			f.add(s.Free.Marketplace)
		}
		if f.ok {
			held++
		}
		if got, want := a.Available(), a.availableDecimal(); !sameDecimal(got, want) {
			t.Fatalf("case %d: Available %s (exp %d), decimal sum %s (exp %d)", n, got.Decimal(), got.Decimal().Exponent(), want.Decimal(), want.Decimal().Exponent())
		}
	}
	if held < 8000 { // ≈ 9 900: positive exponents are handed to decimal too
		t.Fatalf("only %d of 20000 sums were made in fen: the test proves little", held)
	}
}

// TestMoneyAddSmallIsDecimal holds Add and Sub's int64 path to
// decimal.Add and Sub: the same decimal, exponent included, on random
// amounts on both sides of its bounds and the zero value.
func TestMoneyAddSmallIsDecimal(t *testing.T) {
	r := rand.New(rand.NewPCG(17, 32))
	amount := func() Money {
		switch r.IntN(4) {
		case 0:
			return Zero
		case 1:
			return fromDecimal(decimal.New(r.Int64N(1e12)-5e11, -2))
		}
		return randomAmount(r)
	}
	small := 0
	for n := range 50000 {
		a, b := amount(), amount()
		if _, _, ok := a.small(); ok && !b.isBig() {
			small++
		}
		if got, want := a.Add(b), (fromDecimal(a.Decimal().Add(b.Decimal()))); !sameDecimal(got, want) {
			t.Fatalf("case %d: %s + %s = %s (exp %d), decimal says %s (exp %d)", n, a.Decimal(), b.Decimal(), got.Decimal(), got.Decimal().Exponent(), want.Decimal(), want.Decimal().Exponent())
		}
		if got, want := a.Sub(b), (fromDecimal(a.Decimal().Sub(b.Decimal()))); !sameDecimal(got, want) {
			t.Fatalf("case %d: %s - %s = %s (exp %d), decimal says %s (exp %d)", n, a.Decimal(), b.Decimal(), got.Decimal(), got.Decimal().Exponent(), want.Decimal(), want.Decimal().Exponent())
		}
	}
	if small < 15000 {
		t.Fatalf("only %d of 50000 sums took the int64 path: the test proves little", small)
	}
}

// TestMoneyIsItsDecimal holds the int64 form to the decimal it stands for:
// on random decimals of every exponent and size, either sign, Money gives
// back the very decimal (digits and exponent), takes the int64 form
// exactly when fits says so (one form per value: reflect.DeepEqual and the
// stored form rely on it), and compares, signs and writes as decimal does.
func TestMoneyIsItsDecimal(t *testing.T) {
	r := rand.New(rand.NewPCG(41, 43))
	dec := func() decimal.Decimal {
		c := r.Int64N(int64(min(uint64(1)<<62, pow10(1+r.IntN(19)))))
		if r.IntN(3) == 0 {
			c = -c
		}
		return decimal.New(c, int32(r.IntN(8)-4))
	}
	// Zero and one at every exponent, of either sign (a zero at -2 once
	// reported itself positive: the exponent shares the packed int64).
	for e := int32(-4); e <= 3; e++ {
		for _, c := range []int64{0, 1, -1, 3, -4} {
			d := decimal.New(c, e)
			m := fromDecimal(d)
			if m.IsZero() != d.IsZero() || m.IsPositive() != d.IsPositive() || m.IsNegative() != d.IsNegative() ||
				m.Cmp(Zero) != d.Sign() || m.String() != d.StringFixed(2) {
				t.Fatalf("%d·10^%d: Money says otherwise than decimal", c, e)
			}
		}
	}
	inForm := 0
	for n := range 50000 {
		d, o := dec(), dec()
		if r.IntN(4) == 0 {
			o = d.Add(decimal.New(int64(r.IntN(3)-1), d.Exponent()))
		}
		m, mo := fromDecimal(d), fromDecimal(o)
		if got := m.Decimal(); got.Exponent() != d.Exponent() || got.Coefficient().Cmp(d.Coefficient()) != 0 {
			t.Fatalf("case %d: %s (exp %d) came back as %s (exp %d)", n, d, d.Exponent(), got, got.Exponent())
		}
		if _, _, small := m.small(); small != (d.Exponent() >= -2 && d.Exponent() <= 0 && d.NumDigits() <= 16-int(d.Exponent())) {
			t.Fatalf("case %d: %s (exp %d) int64 form %v", n, d, d.Exponent(), small)
		} else if small {
			inForm++
			if !reflect.DeepEqual(m, newMoney(d.CoefficientInt64(), d.Exponent())) {
				t.Fatalf("case %d: two forms of %s", n, d)
			}
		}
		if m.Cmp(mo) != d.Cmp(o) || m.Equal(mo) != d.Equal(o) || m.IsZero() != d.IsZero() ||
			m.IsPositive() != d.IsPositive() || m.IsNegative() != d.IsNegative() || m.String() != d.StringFixed(2) {
			t.Fatalf("case %d: %s against %s: Money says otherwise than decimal", n, d, o)
		}
	}
	if inForm < 10000 || inForm > 45000 {
		t.Fatalf("%d of 50000 in the int64 form: the test proves little", inForm)
	}
}

// TestMoneyHoldsNoPointer: an amount is one int64 whatever its form, so the
// collector never scans the amounts of cached accounts.
func TestMoneyHoldsNoPointer(t *testing.T) {
	typ := reflect.TypeFor[Money]()
	if typ.Size() != 8 {
		t.Fatalf("Money is %d bytes, want 8", typ.Size())
	}
	for i := range typ.NumField() {
		if k := typ.Field(i).Type.Kind(); k != reflect.Int64 {
			t.Fatalf("Money's field %s is a %s", typ.Field(i).Name, k)
		}
	}
}

// TestBigMoneyIsItsDecimal: amounts outside the int64 form (beyond 10^16
// yuan, or with another exponent) keep their digits and exponent, and equal
// decimals are equal Money, by == and by reflect.DeepEqual, however and on
// whichever goroutine they were made.
func TestBigMoneyIsItsDecimal(t *testing.T) {
	cases := []decimal.Decimal{
		decimal.New(1, 16),                  // 10^16 yuan: one digit too many
		decimal.New(-123456789012345678, 1), // negative, positive exponent
		decimal.New(5, -3),                  // a third decimal
		decimal.RequireFromString("1e30"),   // beyond int64
		decimal.RequireFromString("-98765432109876543210.12"),
	}
	for _, d := range cases {
		m := fromDecimal(d)
		if !m.isBig() {
			t.Fatalf("%s (exp %d) is in the int64 form", d, d.Exponent())
		}
		if got := m.Decimal(); got.Cmp(d) != 0 || got.Exponent() != d.Exponent() {
			t.Fatalf("%s (exp %d) came back as %s (exp %d)", d, d.Exponent(), got, got.Exponent())
		}
		if fromDecimal(decimal.NewFromBigInt(d.Coefficient(), d.Exponent())) != m {
			t.Fatalf("%s made twice is two amounts", d)
		}
		if !m.Sub(m).IsZero() || m.Cmp(m.Add(MustMoney("0.01"))) >= 0 {
			t.Fatalf("%s: arithmetic outside the int64 form is wrong", d)
		}
	}
	// The same decimal at another exponent is another amount, as in decimal.
	if fromDecimal(decimal.New(10, 16)) == fromDecimal(decimal.New(100, 15)) {
		t.Fatal("1.0e17 and 1.00e17 were held as one")
	}
	// Made concurrently (the race detector watches the table).
	var wg sync.WaitGroup
	got := make([]Money, 8)
	for i := range got {
		wg.Add(1)
		go func() {
			defer wg.Done()
			got[i] = fromDecimal(decimal.New(int64(7+i%2), 20)).Add(Zero)
		}()
	}
	wg.Wait()
	for i, m := range got {
		if !reflect.DeepEqual(m, got[i%2]) || m.Decimal().Cmp(decimal.New(int64(7+i%2), 20)) != 0 {
			t.Fatalf("amount %d made concurrently is %s", i, m)
		}
	}
}
