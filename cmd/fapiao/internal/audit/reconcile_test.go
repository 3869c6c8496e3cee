package audit_test

import (
	"bytes"
	"context"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/stretchr/testify/require"

	"github.com/fapiao/fapiao/cmd/fapiao/internal/audit"
	"github.com/fapiao/fapiao/cmd/fapiao/internal/jobtest"
	"github.com/fapiao/fapiao/domain"
	"github.com/fapiao/fapiao/eventstore"
)

// TestReconcileGolden: March's report on each fixture in each format, and
// how many of its invoices were electronic (the e-invoice fixture issues
// two and red-flushes both).
func TestReconcileGolden(t *testing.T) {
	t.Parallel()
	paper, electronic := jobtest.Seed(t, jobtest.NewBolt(t)), jobtest.SeedElectronic(t, jobtest.NewBolt(t))
	for _, tc := range []struct {
		store          eventstore.Store
		format, golden string
		electronic     int // issued and red-flushed electronically
	}{
		{paper, audit.FormatJSON, "reconcile_2026-03.json", 0},
		{paper, audit.FormatCSV, "reconcile_2026-03.csv", 0},
		{electronic, audit.FormatJSON, "reconcile_electronic_2026-03.json", 2},
		{electronic, audit.FormatCSV, "reconcile_electronic_2026-03.csv", 2},
	} {
		t.Run(tc.golden, func(t *testing.T) {
			var out bytes.Buffer
			rep, err := audit.Reconcile(context.Background(), tc.store, "2026-03", jobtest.ReportNow, false, tc.format, &out)
			require.NoError(t, err)
			require.True(t, rep.OK)
			e := rep.Tax.ByMedium[domain.Electronic]
			require.Equal(t, tc.electronic, e.Issued.Count)
			require.Equal(t, tc.electronic, e.RedFlushed.Count)
			jobtest.CheckGolden(t, tc.golden, out.Bytes())
		})
	}
}

func TestReconcileEveryStore(t *testing.T) {
	t.Parallel()
	jobtest.EachStore(t, func(t *testing.T, store eventstore.Store) {
		jobtest.Seed(t, store)
		rep, err := audit.Reconcile(context.Background(), store, "2026-02", time.Time{}, false, audit.FormatJSON, &bytes.Buffer{})
		require.NoError(t, err)
		require.True(t, rep.OK)
		require.Len(t, rep.Accounts, 2)
		require.Equal(t, 0, rep.Tax.Issued.Count, "acc-a's invoice was issued in March, not February")
		require.Equal(t, jobtest.At(4, 7, 10, 0).UTC(), rep.AsOf.UTC(), "a zero now is the last event's business time")
	})
}

// TestReconcileBrokenInvariant: an event the fold cannot take (written past
// the ledger, with a valid chain) breaks the report; the report is still
// written and the error lists the problem.
func TestReconcileBrokenInvariant(t *testing.T) {
	t.Parallel()
	store := jobtest.Seed(t, jobtest.NewMem(t))
	meta, err := eventstore.Seal(eventstore.Metadata{OccurredAt: jobtest.ReportNow, Actor: jobtest.Billing, SchemaVersion: 1}, "", "account-acc-z", 0, "InvoiceShipped", []byte(`{"invoice_id":"`+uuid.NewString()+`"}`))
	require.NoError(t, err)
	_, err = store.Append(context.Background(), "account-acc-z", eventstore.NoStream,
		eventstore.EventData{ID: uuid.New(), Type: "InvoiceShipped", Data: []byte(`{"invoice_id":"` + uuid.NewString() + `"}`), Metadata: meta})
	require.NoError(t, err)

	for _, format := range []string{audit.FormatJSON, audit.FormatCSV} {
		var out bytes.Buffer
		rep, err := audit.Reconcile(context.Background(), store, "2026-03", jobtest.ReportNow, false, format, &out)
		require.ErrorIs(t, err, audit.ErrInvariant)
		require.False(t, rep.OK)
		require.Contains(t, err.Error(), "FOLD")
		require.NotEmpty(t, out.String())
	}
	_, err = audit.Reconcile(context.Background(), store, "2026-03", jobtest.ReportNow, false, "xml", &bytes.Buffer{})
	require.Error(t, err)
	_, err = audit.Reconcile(context.Background(), store, "March", jobtest.ReportNow, false, audit.FormatJSON, &bytes.Buffer{})
	require.Error(t, err)
}

// TestAUD2_ReconcileAtAnInstant: with --now T the report is the state at
// T, not at the end of the log while its as_of says T.
func TestAUD2_ReconcileAtAnInstant(t *testing.T) {
	t.Parallel()
	store := jobtest.Seed(t, jobtest.NewBolt(t))
	ctx := context.Background()
	whole, err := audit.Reconcile(ctx, store, "2026-03", jobtest.BeforeIssue, false, audit.FormatJSON, &bytes.Buffer{})
	require.NoError(t, err)
	require.Positive(t, whole.Tax.Issued.Count, "the whole log holds March's issue")
	at, err := audit.Reconcile(ctx, store, "2026-03", jobtest.BeforeIssue, true, audit.FormatJSON, &bytes.Buffer{})
	require.NoError(t, err)
	require.Equal(t, 0, at.Tax.Issued.Count, "nothing was issued yet at that instant")
	require.Less(t, at.Position, whole.Position)
	require.True(t, at.AsOf.Equal(jobtest.BeforeIssue))
	empty, err := audit.Reconcile(ctx, store, "2026-03", time.Time{}.Add(time.Hour), true, audit.FormatJSON, &bytes.Buffer{})
	require.NoError(t, err)
	require.Empty(t, empty.Accounts, "before the first event: the empty state")
}
