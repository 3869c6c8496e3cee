package bench

import (
	"fmt"
	"testing"

	"github.com/google/uuid"

	"github.com/fapiao/fapiao/domain"
)

// TestScriptCommandsAsBefore holds the script's precomputed and hand-made
// parts to the forms they replaced (fmt, uuid's text, statementOf).
func TestScriptCommandsAsBefore(t *testing.T) {
	for _, n := range []int64{0, 1, 9, 12345678, 99999999, 100000000, 1234567890123} {
		if got, want := invoiceNumber(n), fmt.Sprintf("%08d", n); got != want {
			t.Errorf("invoiceNumber(%d) = %q, want %q", n, got, want)
		}
	}
	for range 1000 {
		id := uuid.New()
		if got, want := trackingNumber(id), "SF"+id.String()[:10]; got != want {
			t.Errorf("trackingNumber(%s) = %q, want %q", id, got, want)
		}
	}
	for i := range monthsPerAccount {
		amount := "100.00"
		if i%2 == 1 {
			amount = "50.00"
		}
		if got, want := fmt.Sprint(posts[i]), fmt.Sprint(statementOf(monthName(i), amount)); got != want {
			t.Errorf("posts[%d] = %s, want %s", i, got, want)
		}
		if got := monthLists[i]; len(got) != 1 || got[0] != monthName(i) {
			t.Errorf("monthLists[%d] = %v", i, got)
		}
	}
	if benchIssuedOn != domain.BusinessDate(benchNow) {
		t.Errorf("benchIssuedOn = %q", benchIssuedOn)
	}
}
