package audit_test

import (
	"bytes"
	"context"
	"fmt"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/stretchr/testify/require"

	"github.com/fapiao/fapiao/cmd/fapiao/internal/audit"
	"github.com/fapiao/fapiao/eventstore"
	"github.com/fapiao/fapiao/ledger"
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
	for _, st := range stores {
		t.Run(st.name, func(t *testing.T) {
			t.Parallel()
			store := st.open(t)
			led := ledger.New(store, ledger.Options{Clock: fixedClock(reportNow)})
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
			var progress bytes.Buffer
			meter := audit.NewMeter(&progress, false, "import")
			meter.Step = 10
			sum, err := audit.ImportStatements(context.Background(), led, strings.NewReader(file), audit.ImportOptions{Workers: 3, Meter: meter, Total: 27})
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
			require.Contains(t, progress.String(), "import: 100% 27/27 lines (posted 20, unchanged 0, failed 7)")
			require.Contains(t, progress.String(), "import:  37% 10/27")

			// Per-account order: each account's statements are its revisions in month order.
			for r, err := range store.ReadStream(context.Background(), "account-acc-03", 0) {
				require.NoError(t, err)
				require.Contains(t, string(r.Data), fmt.Sprintf(`"month":"2025-%02d"`, r.Revision+1))
			}
			before := len(readAll(t, store))

			// Re-running the file writes nothing.
			sum, err = audit.ImportStatements(context.Background(), led, strings.NewReader(file), audit.ImportOptions{})
			require.ErrorIs(t, err, audit.ErrInvariant)
			require.Equal(t, 0, sum.Posted)
			require.Equal(t, 20, sum.Unchanged)
			require.Equal(t, 7, sum.Failed)
			require.Equal(t, before, len(readAll(t, store)))
		})
	}
}

func TestImportStatementsClean(t *testing.T) {
	t.Parallel()
	store := newMem(t)
	led := ledger.New(store, ledger.Options{Clock: fixedClock(reportNow)})
	sum, err := audit.ImportStatements(context.Background(), led, strings.NewReader(statementFile()), audit.ImportOptions{})
	require.NoError(t, err)
	require.Equal(t, audit.ImportSummary{Lines: 20, Posted: 20}, sum)
	for _, r := range readAll(t, store) {
		m, err := eventstore.ParseMetadata(r.Metadata)
		require.NoError(t, err)
		require.Equal(t, eventstore.Actor{Role: "billing", ID: "import"}, m.Actor)
		require.True(t, strings.HasPrefix(m.IdempotencyKey, "import:"), m.IdempotencyKey)
	}
}

func TestMeterTerminal(t *testing.T) {
	t.Parallel()
	var out bytes.Buffer
	m := audit.NewMeter(&out, true, "migrate")
	m.SetTotal(4)
	m.Update(1, "events")
	m.Finish(4, "events")
	require.Equal(t, "\r\033[Kmigrate [#######.......................]  25% 1/4 events"+
		"\r\033[Kmigrate [##############################] 100% 4/4 events\n", out.String())
}

// TestMeterFitsTheTerminal: the import's bar line, with its long note,
// stays within the terminal's width less one column at every redraw (80
// when the width is unknown; at ≈96 columns every redraw of an 80-column
// terminal added a line): the bar shrinks, then goes, then the note is
// cut; a wide terminal gets the full bar.
func TestMeterFitsTheTerminal(t *testing.T) {
	t.Parallel()
	const note = "lines (posted 100000, unchanged 0, failed 12)"
	for _, tc := range []struct {
		width   int
		bar     bool // a bar is drawn
		fullBar bool // at its full 30 columns
		cut     bool // the note is cut
	}{
		{0, false, false, false}, // unknown: 80
		{80, false, false, false},
		{100, true, false, false},
		{140, true, true, false},
		{40, false, false, true},
		{1, false, false, true},
	} {
		var out bytes.Buffer
		m := audit.NewMeter(&out, true, "import")
		m.Width = tc.width
		m.SetTotal(100000)
		m.Update(1000, note)
		m.Finish(100000, note)
		cols := tc.width
		if cols == 0 {
			cols = 80
		}
		draws := strings.Split(strings.TrimSuffix(out.String(), "\n"), "\r\033[K")[1:]
		require.Len(t, draws, 2, "width %d: %q", tc.width, out.String())
		for _, d := range draws {
			require.LessOrEqual(t, utf8.RuneCountInString(d), max(cols-1, 1), "width %d: %q", tc.width, d)
			require.Equal(t, tc.bar, strings.Contains(d, "["), "width %d: %q", tc.width, d)
			require.Equal(t, tc.fullBar, strings.Contains(d, "["+strings.Repeat("#", 30)+"]") || strings.Contains(d, "[."+strings.Repeat(".", 29)+"]"), "width %d: %q", tc.width, d)
			require.Equal(t, tc.cut, strings.HasSuffix(d, "…"), "width %d: %q", tc.width, d)
			if !tc.cut {
				require.True(t, strings.HasSuffix(d, note), "width %d: the counts are kept: %q", tc.width, d)
			}
		}
	}
}
