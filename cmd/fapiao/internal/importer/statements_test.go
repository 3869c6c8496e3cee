package importer_test

import (
	"bytes"
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/fapiao/fapiao/cmd/fapiao/internal/audit"
	"github.com/fapiao/fapiao/cmd/fapiao/internal/importer"
	"github.com/fapiao/fapiao/cmd/fapiao/internal/jobtest"
	"github.com/fapiao/fapiao/cmd/fapiao/internal/progress"
	"github.com/fapiao/fapiao/domain"
	"github.com/fapiao/fapiao/eventstore"
	"github.com/fapiao/fapiao/ledger"
	"github.com/fapiao/fapiao/projections"
)

const goodLine = `{"account_id":"%s","month":"%s","lines":[{"line_id":"l1","product":"KEC","billing_mode":"prepaid","purchased_at":"%s-02","channel":"kingsoft","amount":"%s","voucher":"0.00","coupon":"0.00","gift_balance":"0.00"}]}`

func statementFile(bad ...string) string {
	var b strings.Builder
	for i := range 20 {
		acc := fmt.Sprintf("acc-%02d", i%5)
		month := fmt.Sprintf("2025-%02d", 1+i/5)
		fmt.Fprintf(&b, goodLine+"\n", acc, month, month, "100.00")
	}
	for _, l := range bad {
		b.WriteString(l + "\n")
	}
	return b.String()
}

func TestImportStatements(t *testing.T) {
	t.Parallel()
	jobtest.EachStore(t, func(t *testing.T, store eventstore.Store) {
		led := ledger.New(store, ledger.Options{Clock: ledger.FixedClock(jobtest.ReportNow)})
		bad := []string{
			`{"account_id":"acc-00","month":"2025-09","lines":[{"line_id":"x","product":"KEC","billing_mode":"prepaid","purchased_at":"2025-09-02","channel":"kingsoft","amount":"1.00","voucher":"2.00","coupon":"0.00","gift_balance":"0.00"}]}`,
			`{"account_id":"acc-00","month":"2025-09","lines":[{"line_id":"x","product":"KEC","billing_mode":"prepaid","purchased_at":"2025-09-02","channel":"kingsoft","amount":12,"voucher":"0.00","coupon":"0.00","gift_balance":"0.00"}]}`,
			`{"account_id":"acc-00","month":"2025-09","colour":"red","lines":[]}`,
			`{"account_id":"bad id!","month":"2025-09","lines":[]}`,
			`not json`,
			`{"account_id":"acc-01","month":"2099-01","lines":[{"line_id":"x","product":"KEC","billing_mode":"prepaid","purchased_at":"2099-01-02","channel":"kingsoft","amount":"1.00","voucher":"0.00","coupon":"0.00","gift_balance":"0.00"}]}`,
			// Another statement for a month already in the file (STMT-2).
			fmt.Sprintf(goodLine, "acc-00", "2025-01", "2025-01", "999.00"),
		}
		file := statementFile(bad...)
		var shown bytes.Buffer
		meter := progress.NewMeter(&shown, false, "import")
		meter.Step = 10
		sum, err := importer.ImportStatements(context.Background(), led, strings.NewReader(file), importer.ImportOptions{Workers: 3, Meter: meter, Total: 27})
		require.ErrorIs(t, err, audit.ErrInvariant)
		require.Equal(t, 27, sum.Lines)
		require.Equal(t, 20, sum.Posted)
		require.Equal(t, 0, sum.Unchanged)
		require.Equal(t, 7, sum.Failed)
		wantFields := []struct {
			line  int
			field string
			code  string
		}{
			{21, "lines[0].amount", "STMT-3"},
			{22, "lines[0].amount", ""},
			{23, "colour", ""},
			{24, "account_id", ""},
			{25, "", ""},
			{26, "", "STMT-1"},
			{27, "", "STMT-2"},
		}
		require.Len(t, sum.Failures, len(wantFields))
		for i, w := range wantFields {
			f := sum.Failures[i]
			require.Equal(t, w.line, f.Line, "%+v", f)
			require.Equal(t, w.field, f.Field, "line %d: %+v", w.line, f)
			require.Equal(t, w.code, f.Code, "line %d: %+v", w.line, f)
		}
		require.Contains(t, shown.String(), "import: 100% 27/27 lines (posted 20, unchanged 0, failed 7)")
		require.Contains(t, shown.String(), "import:  37% 10/27")

		// Per-account order: each account's statements are its revisions in month order.
		for r, err := range store.ReadStream(context.Background(), "account-acc-03", 0) {
			require.NoError(t, err)
			require.Contains(t, string(r.Data), fmt.Sprintf(`"month":"2025-%02d"`, r.Revision+1))
		}
		before := len(jobtest.ReadAll(t, store))

		// Re-running the file writes nothing.
		sum, err = importer.ImportStatements(context.Background(), led, strings.NewReader(file), importer.ImportOptions{})
		require.ErrorIs(t, err, audit.ErrInvariant)
		require.Equal(t, 0, sum.Posted)
		require.Equal(t, 20, sum.Unchanged)
		require.Equal(t, 7, sum.Failed)
		require.Equal(t, before, len(jobtest.ReadAll(t, store)))
	})
}

func TestImportStatementsClean(t *testing.T) {
	t.Parallel()
	store := jobtest.NewMem(t)
	led := ledger.New(store, ledger.Options{Clock: ledger.FixedClock(jobtest.ReportNow)})
	sum, err := importer.ImportStatements(context.Background(), led, strings.NewReader(statementFile()), importer.ImportOptions{})
	require.NoError(t, err)
	require.Equal(t, importer.ImportSummary{Lines: 20, Posted: 20}, sum)
	for _, r := range jobtest.ReadAll(t, store) {
		m, err := eventstore.ParseMetadata(r.Metadata)
		require.NoError(t, err)
		require.Equal(t, eventstore.Actor{Role: "billing", ID: "import"}, m.Actor)
		require.True(t, strings.HasPrefix(m.IdempotencyKey, "import:"), m.IdempotencyKey)
	}
}

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
