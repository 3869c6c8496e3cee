package domain

import (
	"encoding/json"
	"fmt"
	"strconv"

	"github.com/shopspring/decimal"
)

// Money is an amount of CNY with exactly two decimals. Its JSON form is a
// string ("1234.50"), never a number, so that no float ever touches it.
type Money struct{ d decimal.Decimal }

// Zero is 0.00.
var Zero = Money{}

// ParseMoney reads a non-negative amount with at most two decimals. It is
// strict: no sign, no exponent, no third decimal, no spaces, at most 16
// integer digits.
func ParseMoney(s string) (Money, error) {
	if !isAmount(s) {
		return Zero, fmt.Errorf("%q is not an amount: use digits with at most two decimals, like \"1234.50\"", s)
	}
	d, err := decimal.NewFromString(s)
	if err != nil {
		return Zero, fmt.Errorf("%q is not an amount: %w", s, err)
	}
	return Money{d}, nil
}

// isAmount reports whether s matches ^(0|[1-9][0-9]{0,15})(\.[0-9]{1,2})?$,
// the amounts ParseMoney accepts, without a regular expression: every
// decoded statement line holds four amounts, and the regexp was a good part
// of decoding them.
func isAmount[T string | []byte](s T) bool {
	digits := func(s T, i int) int { // index of the first non-digit from i
		for i < len(s) && s[i] >= '0' && s[i] <= '9' {
			i++
		}
		return i
	}
	i := digits(s, 0)
	switch {
	case i == 0: // no integer part
		return false
	case s[0] == '0' && i > 1: // a leading zero
		return false
	case i > 16:
		return false
	}
	if i == len(s) {
		return true
	}
	if s[i] != '.' {
		return false
	}
	j := digits(s, i+1)
	return j == len(s) && j-i-1 >= 1 && j-i-1 <= 2
}

// MustMoney is ParseMoney for constants in tests and demo data; it panics on
// a malformed amount.
func MustMoney(s string) Money {
	m, err := ParseMoney(s)
	if err != nil {
		panic(err)
	}
	return m
}

// MoneyFromDecimal rounds d half-up to the fen.
func MoneyFromDecimal(d decimal.Decimal) Money { return Money{d.Round(2)} }

// Decimal returns the amount as a decimal.
func (m Money) Decimal() decimal.Decimal { return m.d }

// Add returns m + o.
func (m Money) Add(o Money) Money {
	if d, ok := addSmall(m, o, 1); ok {
		return Money{d}
	}
	return Money{m.d.Add(o.d)}
}

// Sub returns m - o.
func (m Money) Sub(o Money) Money {
	if d, ok := addSmall(m, o, -1); ok {
		return Money{d}
	}
	return Money{m.d.Sub(o.d)}
}

// addSmall is m + sign·o as decimal.Add and Sub make it (the exact result
// at the smaller exponent; TestMoneyAddSmallIsDecimal compares them) in
// int64, for amounts small holds: their rescaled coefficients stay below
// 10^18 and the result below 2·10^18. Folding and deciding add and
// subtract amounts all the time, and math/big's rescaling allocated.
func addSmall(m, o Money, sign int64) (decimal.Decimal, bool) {
	a, ea, ok := m.small()
	if !ok {
		return decimal.Decimal{}, false
	}
	b, eb, ok := o.small()
	if !ok {
		return decimal.Decimal{}, false
	}
	for ; ea > eb; ea-- {
		a *= 10
	}
	for ; eb > ea; eb-- {
		b *= 10
	}
	// Adding zero at the operand's own exponent gives the operand: the
	// decimal is shared, not made again (decimals are never changed in
	// place). Folding and deciding add zero parts (an empty bucket, no
	// voucher) all the time.
	switch {
	case b == 0 && a != 0 && ea == m.d.Exponent():
		return m.d, true
	case a == 0 && b != 0 && sign > 0 && ea == o.d.Exponent():
		return o.d, true
	}
	return decimal.New(a+sign*b, ea), true
}

// small returns m's coefficient and exponent when the exponent is -2 to
// 16 and the coefficient has at most 16-exponent digits: then it is the
// whole coefficient, and the amount in hundredths is below 10^18.
func (m Money) small() (c int64, e int32, ok bool) {
	e = m.d.Exponent()
	if e < -2 || e > 16 || m.d.NumDigits() > 16-int(e) {
		return 0, 0, false
	}
	return m.d.CoefficientInt64(), e, true
}

// Cmp compares m and o: -1, 0 or +1.
func (m Money) Cmp(o Money) int { return m.d.Cmp(o.d) }

// Equal reports whether m == o.
func (m Money) Equal(o Money) bool { return m.d.Equal(o.d) }

// IsZero reports whether m == 0.
func (m Money) IsZero() bool { return m.d.IsZero() }

// IsPositive reports whether m > 0.
func (m Money) IsPositive() bool { return m.d.IsPositive() }

// IsNegative reports whether m < 0.
func (m Money) IsNegative() bool { return m.d.IsNegative() }

// String formats m with exactly two decimals.
func (m Money) String() string {
	var buf [24]byte
	return string(m.AppendFixed(buf[:0]))
}

// AppendFixed appends m with exactly two decimals, as StringFixed(2)
// writes it (String and MarshalJSON's digits; the ledger's command
// fingerprint writes amounts with it). Amounts are written with every event and every answer, and
// StringFixed goes through math/big (five allocations an amount): an
// amount of at most two decimals and 18 digits in hundredths is written
// from its int64 coefficient instead (TestMoneyAppendFixed compares them).
func (m Money) AppendFixed(b []byte) []byte {
	c, e, ok := m.small() // |c| < 10^(16-e): it fits, and so does c·10^(e+2)
	if !ok {
		return append(b, m.d.StringFixed(2)...)
	}
	for ; e > -2; e-- {
		c *= 10
	}
	if c < 0 {
		b = append(b, '-')
		c = -c
	}
	b = strconv.AppendInt(b, c/100, 10)
	return append(b, '.', byte('0'+c/10%10), byte('0'+c%10))
}

// MarshalText writes m with two decimals, so that its JSON form is that
// string ("1234.50"). A text marshaler rather than MarshalJSON: for a
// Marshaler, encoding/json checks and compacts the returned JSON, which
// cost as much again as writing the amount (every answer and view carries
// a dozen amounts); a text is only quoted. TestMoneyJSONForm pins the form.
func (m Money) MarshalText() ([]byte, error) {
	return m.AppendFixed(make([]byte, 0, 24)), nil
}

// AppendText appends m with two decimals (encoding.TextAppender).
func (m Money) AppendText(b []byte) ([]byte, error) { return m.AppendFixed(b), nil }

// UnmarshalJSON reads a JSON string holding an amount, strictly (ParseMoney).
// Numbers are refused: they would invite floats.
func (m *Money) UnmarshalJSON(b []byte) error {
	if n := len(b); n >= 2 && b[0] == '"' && b[n-1] == '"' && isAmount(b[1:n-1]) {
		// The common case: a plain amount needs neither JSON unquoting nor
		// a string.
		*m = plainAmount(b[1 : n-1])
		return nil
	}
	var s string
	if err := json.Unmarshal(b, &s); err != nil {
		return fmt.Errorf("an amount must be a JSON string like \"1234.50\"")
	}
	v, err := ParseMoney(s)
	if err != nil {
		return err
	}
	*m = v
	return nil
}

// plainAmount is ParseMoney for an amount isAmount accepted, from its bytes:
// the same decimal as decimal.NewFromString makes (the digits without the
// point as an int64, which 18 digits always fit, and minus the number of
// decimals as exponent), without converting to a string first.
func plainAmount(b []byte) Money {
	var v int64
	var exp int32
	frac := false
	for _, c := range b {
		if c == '.' {
			frac = true
			continue
		}
		v = v*10 + int64(c-'0')
		if frac {
			exp--
		}
	}
	if v == 0 && exp == -2 {
		return zeroFen // most amounts a statement line carries are 0.00
	}
	return Money{decimal.New(v, exp)}
}

// zeroFen is "0.00", shared: a decimal is never changed in place (every
// operation makes a new one), so one value serves every zero amount
// decoded, without a big.Int of its own.
var zeroFen = Money{decimal.New(0, -2)}

// fenSum adds amounts in int64 hundredths, the way decimal.Add would: the
// total is the exact sum at the smallest exponent of its terms (Zero's is
// 0), so money() gives the very decimal the decimal.Add chain gives, digits
// and exponent. Summing on math/big was most of RequestInvoice.Decide.
// A term of more than two decimals or 16 digits, or a total of 10^18
// hundredths or more, clears ok and the caller sums in decimal instead
// (TestBAL2_AvailableInFenIsTheDecimalSum).
type fenSum struct {
	h   int64 // the total in hundredths
	exp int32 // the smallest exponent added, at most 0
	ok  bool
}

const fenLimit = 1_000_000_000_000_000_000 // 10^18 hundredths

func newFenSum() fenSum { return fenSum{ok: true} }

func (s *fenSum) add(m Money) {
	c, e, ok := m.small()
	if !s.ok || !ok {
		s.ok = false
		return
	}
	if e < s.exp {
		s.exp = e
	}
	for ; e > -2; e-- {
		c *= 10
	}
	s.h += c // both below 10^18 in size: no overflow
	if s.h >= fenLimit || s.h <= -fenLimit {
		s.ok = false
	}
}

// money is the total; only meaningful while ok.
func (s fenSum) money() Money {
	h := s.h
	for e := s.exp; e > -2; e-- {
		h /= 10 // exact: every term is a multiple of 10^(s.exp+2) hundredths
	}
	return Money{decimal.New(h, s.exp)}
}
