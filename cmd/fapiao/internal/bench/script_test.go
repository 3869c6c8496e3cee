package bench

import (
	"context"
	"encoding/json"
	"fmt"
	"sync/atomic"
	"testing"

	"github.com/google/uuid"

	"github.com/fapiao/fapiao/domain"
	"github.com/fapiao/fapiao/eventstore/memstore"
	"github.com/fapiao/fapiao/ledger"
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

// TestScriptAnswersAreMarshal: the answer each command of the script gets
// (its own view, written again every command) is json.Marshal of the
// invoice or statement it acted on, read back from the ledger afterwards.
func TestScriptAnswersAreMarshal(t *testing.T) {
	ctx := context.Background()
	l := ledger.New(memstore.New(), ledger.Options{Clock: ledger.FixedClock(benchNow), Issuer: "Example Cloud Ltd."})
	var numbers atomic.Int64
	s := &script{l: l, prefix: "t", code: "1100000001", numbers: &numbers}
	for range 3 * len(cycle) {
		step, month, onboarding := s.step, s.month, s.step == 1 && s.onboard < 2
		if _, err := s.next(ctx); err != nil {
			t.Fatal(err)
		}
		if onboarding {
			continue
		}
		acc, err := l.Load(ctx, s.acc)
		if err != nil {
			t.Fatal(err)
		}
		var want []byte
		if cycle[step] == "post" {
			want, err = json.Marshal(acc.Statements[monthName(month+step)]) // the cycle posts two months
		} else {
			id := acc.InvoiceOrder[len(acc.InvoiceOrder)-1]
			if s.view.id != id {
				t.Fatalf("%s: the answer's ID %s, the newest invoice %s", cycle[step], s.view.id, id)
			}
			want, err = json.Marshal(acc.Invoices[id])
		}
		if err != nil {
			t.Fatal(err)
		}
		if string(s.view.json) != string(want) {
			t.Fatalf("%s: the answer is\n%s\nwant\n%s", cycle[step], s.view.json, want)
		}
	}
}
