package audit_test

import (
	"bytes"
	"context"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/fapiao/fapiao/cmd/fapiao/internal/audit"
	"github.com/fapiao/fapiao/cmd/fapiao/internal/jobtest"
	"github.com/fapiao/fapiao/cmd/fapiao/internal/logcopy"
	"github.com/fapiao/fapiao/domain"
)

// TestAuditElectronic: export, import (which verifies every chain, the
// quota and number streams included), replay and reconcile cover every
// e-invoice event, with golden files.
func TestAuditElectronic(t *testing.T) {
	t.Parallel()
	src := jobtest.SeedElectronic(t, jobtest.NewBolt(t))
	out := jobtest.Export(t, src)
	jobtest.CheckGolden(t, "export_electronic.jsonl", []byte(out))
	for _, typ := range []string{"QuotaSet", "QuotaUsed", "InvoiceNumberReserved", "RedLetterConfirmationEntered", "RedLetterConfirmationConfirmed",
		"RedLetterConfirmationExpired", "ExchangeFailed", `"medium":"electronic"`, `"confirmation_id"`} {
		require.Contains(t, out, typ)
	}

	dst := jobtest.NewBolt(t)
	var log bytes.Buffer
	res, err := logcopy.ImportLog(context.Background(), dst, strings.NewReader(out), nil, &log)
	require.NoError(t, err)
	require.Equal(t, out, jobtest.Export(t, dst))
	require.Positive(t, res.Copied)

	rep, err := audit.Replay(context.Background(), dst, audit.ReplayOptions{Account: "acc-e"})
	require.NoError(t, err)
	cfs := rep.Accounts[0].Confirmations
	require.Len(t, cfs, 3)
	require.Equal(t, []domain.ConfirmationStatus{domain.ConfirmationConfirmed, domain.ConfirmationExpired, domain.ConfirmationNotRequired},
		[]domain.ConfirmationStatus{cfs[0].Status, cfs[1].Status, cfs[2].Status})
	require.NotNil(t, rep.Accounts[0].Invoices[1].ExchangeFailure)
	jobtest.CheckGolden(t, "replay_electronic.json", replayJSON(t, rep))

	for _, tc := range []struct{ format, golden string }{
		{audit.FormatJSON, "reconcile_electronic_2026-03.json"},
		{audit.FormatCSV, "reconcile_electronic_2026-03.csv"},
	} {
		var buf bytes.Buffer
		r, err := audit.Reconcile(context.Background(), dst, "2026-03", jobtest.ReportNow, false, tc.format, &buf)
		require.NoError(t, err)
		require.True(t, r.OK)
		e := r.Tax.ByMedium[domain.Electronic]
		require.Equal(t, 2, e.Issued.Count)
		require.Equal(t, 2, e.RedFlushed.Count)
		jobtest.CheckGolden(t, tc.golden, buf.Bytes())
	}
}

// TestAuditElectronicMigrateAndVerify: the quota and number streams migrate
// to EventStoreDB with the account streams (its subscription prefixes know
// them) and verify there.
func TestAuditElectronicMigrateAndVerify(t *testing.T) {
	t.Parallel()
	from, to := jobtest.NewBolt(t), jobtest.NewESDB(t)
	jobtest.SeedElectronic(t, from)
	n := len(jobtest.ReadAll(t, from))
	var out bytes.Buffer
	res, err := logcopy.Migrate(context.Background(), from, to, nil, &out)
	require.NoError(t, err)
	require.Equal(t, n, res.Copied)
	jobtest.RequireSameLog(t, from, to)
	ver, err := audit.Verify(context.Background(), to, &out)
	require.NoError(t, err)
	require.Equal(t, n, ver.Events)
	// acc-e, quota-2026-03 and four invoice-number streams (two blue, two red).
	require.Equal(t, 6, ver.Streams)
}
