package domain

import (
	"testing"

	"github.com/shopspring/decimal"
)

// TestDEF2_OwesIsAPositiveDeficit: the shortcut settle takes for invoices
// with nothing raised answers as Deficit does, negative parts included.
func TestDEF2_OwesIsAPositiveDeficit(t *testing.T) {
	amounts := []string{"0", "0.01", "5.00", "-1.00"}
	m := func(s string) Money { return fromDecimal(decimal.RequireFromString(s)) }
	for _, status := range []InvoiceStatus{Issued, Cancelled} {
		for _, raised := range amounts {
			for _, offset := range amounts {
				for _, red := range amounts {
					inv := &Invoice{Status: status, Raised: m(raised), OffsetAmount: m(offset), RedFlushedAmount: m(red)}
					if got, want := inv.owes(), inv.Deficit().IsPositive(); got != want {
						t.Errorf("%s raised %s offset %s red %s: owes %v, deficit %s", status, raised, offset, red, got, inv.Deficit())
					}
				}
			}
		}
	}
}
