package logcopy_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/google/uuid"
	"github.com/stretchr/testify/require"

	"github.com/fapiao/fapiao/cmd/fapiao/internal/audit"
	"github.com/fapiao/fapiao/cmd/fapiao/internal/jobtest"
	"github.com/fapiao/fapiao/cmd/fapiao/internal/logcopy"
	"github.com/fapiao/fapiao/cmd/fapiao/internal/progress"
	"github.com/fapiao/fapiao/eventstore"
)

func TestExportCanonical(t *testing.T) {
	t.Parallel()
	store := jobtest.Seed(t, jobtest.NewMem(t))
	out := jobtest.Export(t, store)
	jobtest.CheckGolden(t, "export.jsonl", []byte(out))
	rows := strings.Split(strings.TrimSuffix(out, "\n"), "\n")
	require.Len(t, rows, 18)
	require.True(t, strings.HasPrefix(rows[0], `{"position":1,"stream":"account-acc-a","revision":0,"id":"`), rows[0])
	require.Contains(t, rows[0], `"metadata":{"actor":{"id":"billing","role":"billing"},"causation_id":`, "metadata keys sorted")

	var from bytes.Buffer
	n, err := logcopy.Export(context.Background(), store, 16, &from)
	require.NoError(t, err)
	require.Equal(t, 2, n)
	require.Equal(t, strings.Join(rows[16:], "\n")+"\n", from.String())
}

// TestExportImportRoundTrip: export → import into an empty store (which
// verifies every chain, the e-invoice fixture's quota and number streams
// included) → export gives the same bytes (bolt to bolt: both number their
// log from 1), for each fixture.
func TestExportImportRoundTrip(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		golden string
		seed   func(testing.TB, eventstore.Store) eventstore.Store
		events int
		holds  []string // what the export must show of the fixture
	}{
		{"export.jsonl", jobtest.Seed, 18, nil},
		{"export_electronic.jsonl", jobtest.SeedElectronic, 27, []string{"QuotaSet", "QuotaUsed", "InvoiceNumberReserved",
			"RedLetterConfirmationEntered", "RedLetterConfirmationConfirmed", "RedLetterConfirmationExpired", "ExchangeFailed",
			`"medium":"electronic"`, `"confirmation_id"`}},
	} {
		t.Run(tc.golden, func(t *testing.T) {
			t.Parallel()
			src := tc.seed(t, jobtest.NewBolt(t))
			first := jobtest.Export(t, src)
			jobtest.CheckGolden(t, tc.golden, []byte(first))
			for _, s := range tc.holds {
				require.Contains(t, first, s)
			}

			dst := jobtest.NewBolt(t)
			var out bytes.Buffer
			res, err := logcopy.ImportLog(context.Background(), dst, strings.NewReader(first), nil, &out)
			require.NoError(t, err)
			require.Equal(t, logcopy.CopyResult{Copied: tc.events}, res)
			require.Equal(t, first, jobtest.Export(t, dst))
			require.Contains(t, out.String(), fmt.Sprintf("verified %d events", tc.events))

			// A second import of the same file writes nothing.
			res, err = logcopy.ImportLog(context.Background(), dst, strings.NewReader(first), nil, &out)
			require.NoError(t, err)
			require.Equal(t, logcopy.CopyResult{Skipped: tc.events}, res)
			require.Equal(t, first, jobtest.Export(t, dst))
		})
	}
}

func TestImportLogRefusesTamperedAndForeign(t *testing.T) {
	t.Parallel()
	src := jobtest.Seed(t, jobtest.NewMem(t))
	log := jobtest.Export(t, src)

	t.Run("altered amount", func(t *testing.T) {
		dst := jobtest.NewMem(t)
		bad := strings.Replace(log, `"amount":"300.00"`, `"amount":"900.00"`, 1)
		require.NotEqual(t, log, bad)
		_, err := logcopy.ImportLog(context.Background(), dst, strings.NewReader(bad), nil, &bytes.Buffer{})
		require.ErrorIs(t, err, audit.ErrInvariant)
		var ve *eventstore.VerifyError
		require.ErrorAs(t, err, &ve)
	})
	t.Run("target holds other events", func(t *testing.T) {
		dst := jobtest.NewMem(t)
		_, err := dst.Append(context.Background(), "account-acc-a", eventstore.NoStream,
			eventstore.EventData{ID: uuid.New(), Type: "X", Data: []byte(`{}`), Metadata: []byte(`{}`)})
		require.NoError(t, err)
		_, err = logcopy.ImportLog(context.Background(), dst, strings.NewReader(log), nil, &bytes.Buffer{})
		require.ErrorIs(t, err, logcopy.ErrTargetDiffers)
	})
	t.Run("not an export", func(t *testing.T) {
		_, err := logcopy.ImportLog(context.Background(), jobtest.NewMem(t), strings.NewReader(`{"account_id":"a","month":"2026-01","lines":[]}`+"\n"), nil, &bytes.Buffer{})
		require.ErrorContains(t, err, "line 1")
	})
}

// TestMigrate copies each fixture between stores, checked and verified
// there; the e-invoice fixture's quota and number streams go with its
// account's (EventStoreDB's subscription prefixes know them).
func TestMigrate(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name            string
		from, to        func(testing.TB) eventstore.Store
		seed            func(testing.TB, eventstore.Store) eventstore.Store
		events, streams int
	}{
		// acc-a, acc-b and the number of acc-a's issued invoice.
		{"bolt to esdb", jobtest.NewBolt, jobtest.NewESDB, jobtest.Seed, 18, 3},
		{"bolt to bolt", jobtest.NewBolt, jobtest.NewBolt, jobtest.Seed, 18, 3},
		{"esdb to bolt", jobtest.NewESDB, jobtest.NewBolt, jobtest.Seed, 18, 3},
		{"bolt to log", jobtest.NewBolt, jobtest.NewLog, jobtest.Seed, 18, 3},
		{"log to bolt", jobtest.NewLog, jobtest.NewBolt, jobtest.Seed, 18, 3},
		// acc-e, quota-2026-03 and four invoice-number streams (two blue, two red).
		{"e-invoices bolt to esdb", jobtest.NewBolt, jobtest.NewESDB, jobtest.SeedElectronic, 27, 6},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			from, to := tc.from(t), tc.to(t)
			tc.seed(t, from)
			var out bytes.Buffer
			res, err := logcopy.Migrate(context.Background(), from, to, nil, &out)
			require.NoError(t, err)
			require.Equal(t, tc.events, res.Copied)
			require.Equal(t, tc.events, res.Compared)
			require.Equal(t, tc.events, res.Verified.Events)
			require.Equal(t, tc.streams, res.Verified.Streams)
			jobtest.RequireSameLog(t, from, to)
		})
	}
}

// TestMigrateResume cancels a migration part-way, then runs it again: the
// second run skips what the first wrote and the result equals the source.
func TestMigrateResume(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name string
		to   func(testing.TB) eventstore.Store
	}{{"bolt", jobtest.NewBolt}, {"esdb", jobtest.NewESDB}} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			from, to := jobtest.NewBolt(t), tc.to(t)
			jobtest.Seed(t, from)
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			appends := 0
			_, err := logcopy.Migrate(ctx, from, cancelAfter{to, cancel, 5, &appends}, nil, &bytes.Buffer{})
			require.Error(t, err)
			require.True(t, errors.Is(err, context.Canceled), "%v", err)
			partial := len(jobtest.ReadAll(t, to))
			require.Greater(t, partial, 0)
			require.Less(t, partial, 18)

			var plain bytes.Buffer
			meter := progress.NewMeter(&plain, false, "migrate")
			meter.Step = 5
			res, err := logcopy.Migrate(context.Background(), from, to, meter, &bytes.Buffer{})
			require.NoError(t, err)
			require.Equal(t, partial, res.Skipped)
			require.Equal(t, 18-partial, res.Copied)
			jobtest.RequireSameLog(t, from, to)
			require.Contains(t, plain.String(), "migrate: 100% 18/18 events")
		})
	}
}

// cancelAfter is a target store that cancels the migration's context once
// it has taken n appends: the copier's next call fails.
type cancelAfter struct {
	eventstore.Store
	cancel  func()
	n       int
	appends *int
}

func (c cancelAfter) Append(ctx context.Context, stream string, expected eventstore.ExpectedRevision, events ...eventstore.EventData) (eventstore.AppendResult, error) {
	res, err := c.Store.Append(ctx, stream, expected, events...)
	if *c.appends++; *c.appends == c.n {
		c.cancel()
	}
	return res, err
}
