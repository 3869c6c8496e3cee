package importer_test

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/fapiao/fapiao/cmd/fapiao/internal/audit"
	"github.com/fapiao/fapiao/cmd/fapiao/internal/importer"
	"github.com/fapiao/fapiao/cmd/fapiao/internal/jobtest"
	"github.com/fapiao/fapiao/domain"
	"github.com/fapiao/fapiao/ledger"
	"github.com/fapiao/fapiao/projections"
)

const adjustmentLine = `{"account_id":"%s","month":"%s","adjustment":{"adjustment_id":"%s","bucket":"kingsoft","amount":"%s","reason":"refund","reference":"ORD-1"}}`

// TestDEF1_ImportAdjustmentLines: a billing system's nightly refund batch
// goes through fapiao import beside statements: each adjustment line is
// posted as POST …/adjustments would (DEF-1), in file order per account; a
// re-run writes nothing; bad lines are reported and write nothing.
func TestDEF1_ImportAdjustmentLines(t *testing.T) {
	t.Parallel()
	store := jobtest.NewMem(t)
	led := ledger.New(store, ledger.Options{Clock: ledger.FixedClock(jobtest.ReportNow)})
	file := strings.Join([]string{
		fmt.Sprintf(goodLine, "acc-a", "2025-01", "2025-01", "100.00"),
		fmt.Sprintf(goodLine, "acc-a", "2025-02", "2025-02", "50.00"),
		fmt.Sprintf(adjustmentLine, "acc-a", "2025-01", "r-1", "30.00"),
		fmt.Sprintf(adjustmentLine, "acc-a", "2025-02", "r-2", "50.00"),
		fmt.Sprintf(adjustmentLine, "acc-a", "2025-03", "r-3", "1.00"),  // no such statement
		fmt.Sprintf(adjustmentLine, "acc-a", "2025-01", "r-4", "70.01"), // below zero
		fmt.Sprintf(adjustmentLine, "acc-a", "2025-01", "r-1", "31.00"), // another body under r-1
		fmt.Sprintf(adjustmentLine, "acc-a", "2025-01", "r-5", "1.005"), // three decimals
		`{"account_id":"acc-a","month":"2025-01","lines":[],"adjustment":{"adjustment_id":"r-6","bucket":"kingsoft","amount":"1.00","reason":"r"}}`,
	}, "\n") + "\n"
	sum, err := importer.ImportStatements(context.Background(), led, strings.NewReader(file), importer.ImportOptions{Workers: 2})
	require.ErrorIs(t, err, audit.ErrInvariant)
	require.Equal(t, 4, sum.Posted, "%+v", sum)
	require.Equal(t, 5, sum.Failed, "%+v", sum)
	codes := map[int]string{}
	for _, f := range sum.Failures {
		codes[f.Line] = f.Code
	}
	require.Equal(t, map[int]string{5: "DEF-1", 6: "DEF-1", 7: "APP-6", 8: "DEF-1", 9: ""}, codes)
	before := len(jobtest.ReadAll(t, store))

	p, err := projections.Replay(context.Background(), store, nil)
	require.NoError(t, err)
	b, _ := p.Balance("acc-a")
	require.True(t, b.Total.Equal(domain.MustMoney("70.00")), "%+v", b)
	st, _ := p.Statements("acc-a", "")
	require.True(t, st[0].Adjusted.Equal(domain.MustMoney("30.00")))
	require.True(t, st[1].Invoiceable.IsZero())

	// The same batch again: the good lines are unchanged, nothing written.
	sum, err = importer.ImportStatements(context.Background(), led, strings.NewReader(file), importer.ImportOptions{})
	require.ErrorIs(t, err, audit.ErrInvariant)
	require.Equal(t, 4, sum.Unchanged)
	require.Equal(t, before, len(jobtest.ReadAll(t, store)))
}
