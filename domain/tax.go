package domain

import "github.com/shopspring/decimal"

// DefaultTaxRate is ISSUE-1's default VAT rate, 6%.
var DefaultTaxRate = decimal.New(6, -2)

// Tax splits a tax-inclusive amount into net and tax (ISSUE-1): net =
// round(amount / (1 + rate), 2, half-up) and tax = amount − net, so that
// net + tax is always exactly the amount.
func Tax(amount Money, rate decimal.Decimal) (net, tax Money) {
	n := amount.Decimal().DivRound(decimal.NewFromInt(1).Add(rate), 2)
	net = fromDecimal(n)
	return net, amount.Sub(net)
}

// ParseTaxRate reads a VAT rate: a decimal fraction strictly between 0 and 1
// with at most four decimals ("0.06", "0.13").
func ParseTaxRate(s string) (decimal.Decimal, bool) {
	r, err := decimal.NewFromString(s)
	if err != nil || !r.IsPositive() || r.Cmp(decimal.NewFromInt(1)) >= 0 || !r.Equal(r.Round(4)) {
		return decimal.Decimal{}, false
	}
	return r, true
}
