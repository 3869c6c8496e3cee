package audit_test

import (
	"bytes"
	"context"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/stretchr/testify/require"

	"github.com/fapiao/fapiao/cmd/fapiao/internal/audit"
	"github.com/fapiao/fapiao/eventstore"
)

func TestReconcileGolden(t *testing.T) {
	t.Parallel()
	store := newBolt(t)
	seed(t, store)
	for _, tc := range []struct{ format, golden string }{
		{audit.FormatJSON, "reconcile_2026-03.json"},
		{audit.FormatCSV, "reconcile_2026-03.csv"},
	} {
		t.Run(tc.format, func(t *testing.T) {
			var out bytes.Buffer
			rep, err := audit.Reconcile(context.Background(), store, "2026-03", reportNow, tc.format, &out)
			require.NoError(t, err)
			require.True(t, rep.OK)
			checkGolden(t, tc.golden, out.Bytes())
		})
	}
}

func TestReconcileEveryStore(t *testing.T) {
	t.Parallel()
	for _, st := range stores {
		t.Run(st.name, func(t *testing.T) {
			t.Parallel()
			store := st.open(t)
			seed(t, store)
			rep, err := audit.Reconcile(context.Background(), store, "2026-02", time.Time{}, audit.FormatJSON, &bytes.Buffer{})
			require.NoError(t, err)
			require.True(t, rep.OK)
			require.Len(t, rep.Accounts, 2)
			require.Equal(t, 0, rep.Tax.Issued.Count, "acc-a's invoice was issued in March, not February")
			require.Equal(t, cst(4, 7, 10, 0).UTC(), rep.AsOf.UTC(), "a zero now is the last event's business time")
		})
	}
}

// TestReconcileBrokenInvariant: an event the fold cannot take (written past
// the ledger, with a valid chain) breaks the report; the report is still
// written and the error lists the problem.
func TestReconcileBrokenInvariant(t *testing.T) {
	t.Parallel()
	store := newMem(t)
	seed(t, store)
	meta, err := eventstore.Seal(eventstore.Metadata{OccurredAt: reportNow, Actor: billing, SchemaVersion: 1}, "", "account-acc-z", 0, "InvoiceShipped", []byte(`{"invoice_id":"`+uuid.NewString()+`"}`))
	require.NoError(t, err)
	_, err = store.Append(context.Background(), "account-acc-z", eventstore.NoStream,
		eventstore.EventData{ID: uuid.New(), Type: "InvoiceShipped", Data: []byte(`{"invoice_id":"` + uuid.NewString() + `"}`), Metadata: meta})
	require.NoError(t, err)

	for _, format := range []string{audit.FormatJSON, audit.FormatCSV} {
		var out bytes.Buffer
		rep, err := audit.Reconcile(context.Background(), store, "2026-03", reportNow, format, &out)
		require.ErrorIs(t, err, audit.ErrInvariant)
		require.False(t, rep.OK)
		require.Contains(t, err.Error(), "FOLD")
		require.NotEmpty(t, out.String())
	}
	_, err = audit.Reconcile(context.Background(), store, "2026-03", reportNow, "xml", &bytes.Buffer{})
	require.Error(t, err)
	_, err = audit.Reconcile(context.Background(), store, "March", reportNow, audit.FormatJSON, &bytes.Buffer{})
	require.Error(t, err)
}
