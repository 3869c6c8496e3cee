package domain

import (
	"encoding/json"
	"fmt"
	"math"
	"strconv"
	"sync"

	"github.com/shopspring/decimal"
)

// Money is an amount of CNY with exactly two decimals. Its JSON form is a
// string ("1234.50"), never a number, so that no float ever touches it.
//
// It is a decimal, kept as its coefficient and exponent packed in one int64
// whenever it has at most two decimals and is below 10^18 hundredths (every
// amount the ledger accepts: at most 16 integer digits and two decimals),
// and as a decimal.Decimal held in a table (bigMoney) otherwise. The value,
// digits and exponent are always the decimal's own (Decimal gives it back):
// only its storage changed, because decimal.New makes a big.Int, two
// allocations, under every amount decoded and every sum the fold makes
// (docs/performance.md, "Rebuild decoding and fold"). Money holds no
// pointer, so the collector never scans the amounts of the accounts a
// server keeps (six an invoice, four a statement line).
type Money struct {
	// v is the coefficient times four plus minus the exponent (0, 1 or 2)
	// in the int64 form: the zero value is 0 at exponent 0, as decimal's.
	// v&3 == 3 marks the other form, v>>2 being the decimal's index in
	// bigMoney.
	v int64
}

// bigTag marks an amount outside the int64 form.
const bigTag = 3

// c and e are the coefficient and exponent of the int64 form.
func (m Money) c() int64 { return m.v >> 2 }
func (m Money) e() int32 { return -int32(m.v & 3) }

// isBig reports whether m is outside the int64 form.
func (m Money) isBig() bool { return m.v&3 == bigTag }

// bigMoney holds the decimals outside the int64 form, each once: equal
// decimals (digits and exponent) get one index, so that Money compares with
// == and reflect.DeepEqual as it did. It only grows, by the distinct amounts
// beyond 10^16 yuan or with other exponents that sums and conversions make,
// which no accepted amount is and no real account reaches.
var bigMoney struct {
	sync.RWMutex
	all   []decimal.Decimal
	index map[bigKey]int64
}

// bigKey is a decimal's identity: its coefficient's digits and exponent.
type bigKey struct {
	coefficient string
	exponent    int32
}

// held returns d in the table's form.
func held(d decimal.Decimal) Money {
	k := bigKey{d.Coefficient().String(), d.Exponent()}
	bigMoney.RLock()
	i, ok := bigMoney.index[k]
	bigMoney.RUnlock()
	if !ok {
		bigMoney.Lock()
		if i, ok = bigMoney.index[k]; !ok {
			if bigMoney.index == nil {
				bigMoney.index = map[bigKey]int64{}
			}
			i = int64(len(bigMoney.all))
			bigMoney.all = append(bigMoney.all, d)
			bigMoney.index[k] = i
		}
		bigMoney.Unlock()
	}
	return Money{v: i<<2 | bigTag}
}

// big returns m's decimal; m.isBig() must hold.
func (m Money) big() decimal.Decimal {
	bigMoney.RLock()
	defer bigMoney.RUnlock()
	return bigMoney.all[m.v>>2]
}

// packed is c·10^e in the int64 form; fits(c, e) must hold.
func packed(c int64, e int32) Money { return Money{v: c<<2 | int64(-e)} }

// Zero is 0.00.
var Zero = Money{}

// fits reports whether the decimal c·10^e is held in the int64 form: an
// exponent from -2 to 0 and at most 16-e digits (0 has one), so that the
// amount in hundredths, c·10^(e+2), is below 10^18 in size (four times the
// coefficient and the exponent fit in an int64), and two of them aligned
// to the smaller exponent add and compare in an int64.
func fits(c int64, e int32) bool {
	if e < -2 || e > 0 || c == math.MinInt64 {
		return false
	}
	if c < 0 {
		c = -c
	}
	return c < pow10i[16-e]
}

// pow10i[n] is 10^n.
var pow10i = func() (p [19]int64) {
	p[0] = 1
	for i := 1; i < len(p); i++ {
		p[i] = p[i-1] * 10
	}
	return p
}()

// newMoney is the decimal c·10^e.
func newMoney(c int64, e int32) Money {
	if fits(c, e) {
		return packed(c, e)
	}
	return held(decimal.New(c, e))
}

// fromDecimal is d itself, exactly (digits and exponent).
func fromDecimal(d decimal.Decimal) Money {
	if e := d.Exponent(); e >= -2 && e <= 0 && d.NumDigits() <= 16-int(e) {
		return packed(d.CoefficientInt64(), e)
	}
	return held(d)
}

// ParseMoney reads a non-negative amount with at most two decimals. It is
// strict: no sign, no exponent, no third decimal, no spaces, at most 16
// integer digits.
func ParseMoney(s string) (Money, error) {
	if !isAmount(s) {
		return Zero, fmt.Errorf("%q is not an amount: use digits with at most two decimals, like \"1234.50\"", s)
	}
	return plainAmount(s), nil
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
func MoneyFromDecimal(d decimal.Decimal) Money { return fromDecimal(d.Round(2)) }

// Decimal returns the amount as a decimal (a new one from the int64 form:
// for the edges, such as the tax's division, not for the fold).
func (m Money) Decimal() decimal.Decimal {
	if m.isBig() {
		return m.big()
	}
	if m.v == 0 {
		return decimal.Decimal{} // Zero, as it always was
	}
	return decimal.New(m.c(), m.e())
}

// Add returns m + o.
func (m Money) Add(o Money) Money { return m.add(o, 1) }

// Sub returns m - o.
func (m Money) Sub(o Money) Money { return m.add(o, -1) }

// add is m + sign·o as decimal.Add and Sub make it: the exact result at the
// smaller exponent (TestMoneyAddSmallIsDecimal compares them), in int64 for
// amounts in the int64 form: aligned, each is below 10^18 in size and the
// result below 2·10^18.
func (m Money) add(o Money, sign int64) Money {
	if m.isBig() || o.isBig() {
		if sign < 0 {
			return fromDecimal(m.Decimal().Sub(o.Decimal()))
		}
		return fromDecimal(m.Decimal().Add(o.Decimal()))
	}
	a, b, e := align(m, o)
	return newMoney(a+sign*b, e)
}

// align returns m's and o's coefficients at the smaller of their exponents,
// and that exponent; both in the int64 form.
func align(m, o Money) (a, b int64, e int32) {
	a, b = m.c(), o.c()
	me, oe := m.e(), o.e()
	if me > oe {
		a *= pow10i[me-oe]
		return a, b, oe
	}
	b *= pow10i[oe-me]
	return a, b, me
}

// small returns m's coefficient and exponent when m is in the int64 form
// (fits): then the amount in hundredths is below 10^18.
func (m Money) small() (c int64, e int32, ok bool) {
	return m.c(), m.e(), !m.isBig()
}

// Cmp compares m and o: -1, 0 or +1.
func (m Money) Cmp(o Money) int {
	if m.isBig() || o.isBig() {
		return m.Decimal().Cmp(o.Decimal())
	}
	a, b, _ := align(m, o)
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

// Equal reports whether m == o.
func (m Money) Equal(o Money) bool { return m.Cmp(o) == 0 }

// IsZero reports whether m == 0.
func (m Money) IsZero() bool { return m.sign() == 0 }

// IsPositive reports whether m > 0.
func (m Money) IsPositive() bool { return m.sign() > 0 }

// IsNegative reports whether m < 0.
func (m Money) IsNegative() bool { return m.sign() < 0 }

func (m Money) sign() int {
	switch {
	case m.isBig():
		return m.big().Sign()
	case m.v < 0:
		return -1
	case m.v > 3: // 0 to 2: a zero coefficient, whatever the exponent
		return 1
	}
	return 0
}

// String formats m with exactly two decimals.
func (m Money) String() string {
	var buf [24]byte
	return string(m.AppendFixed(buf[:0]))
}

// AppendFixed appends m with exactly two decimals, as decimal's
// StringFixed(2) writes it (String and MarshalJSON's digits; the ledger's
// command fingerprint writes amounts with it), from the int64 form without
// math/big (TestMoneyAppendFixed compares them).
func (m Money) AppendFixed(b []byte) []byte {
	c, e, ok := m.small() // |c| < 10^(16-e): it fits, and so does c·10^(e+2)
	if !ok {
		return append(b, m.big().StringFixed(2)...)
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

// plainAmount is the amount isAmount accepted: the decimal that
// decimal.NewFromString makes of it (the digits without the point as
// coefficient, minus the number of decimals as exponent), which at most 16
// integer digits and two decimals always hold in the int64 form.
func plainAmount[T string | []byte](b T) Money {
	var v int64
	var exp int32
	frac := false
	for i := 0; i < len(b); i++ {
		c := b[i]
		if c == '.' {
			frac = true
			continue
		}
		v = v*10 + int64(c-'0')
		if frac {
			exp--
		}
	}
	return packed(v, exp)
}

// zeroFen is "0.00": every zero amount decoded (most of a statement line's).
var zeroFen = packed(0, -2)

// fenSum adds amounts in int64 hundredths, the way decimal.Add would: the
// total is the exact sum at the smallest exponent of its terms (Zero's is
// 0), so money() gives the very decimal the decimal.Add chain gives, digits
// and exponent. Summing on math/big was most of RequestInvoice.Decide.
// A term outside the int64 form, or a total of 10^18 hundredths or more,
// clears ok and the caller sums in decimal instead
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
	return newMoney(h, s.exp)
}
