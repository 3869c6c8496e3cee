package audit_test

import (
	"bytes"
	"context"
	"errors"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/uuid"
	"github.com/stretchr/testify/require"

	"github.com/fapiao/fapiao/cmd/fapiao/internal/audit"
	"github.com/fapiao/fapiao/eventstore"
	"github.com/fapiao/fapiao/eventstore/seglog"
)

func export(t *testing.T, s eventstore.Store) string {
	t.Helper()
	var buf bytes.Buffer
	_, err := audit.Export(context.Background(), s, eventstore.Start, &buf)
	require.NoError(t, err)
	return buf.String()
}

func TestExportCanonical(t *testing.T) {
	t.Parallel()
	store := newMem(t)
	seed(t, store)
	out := export(t, store)
	checkGolden(t, "export.jsonl", []byte(out))
	lines := strings.Split(strings.TrimSuffix(out, "\n"), "\n")
	require.Len(t, lines, 18)
	require.True(t, strings.HasPrefix(lines[0], `{"position":1,"stream":"account-acc-a","revision":0,"id":"`), lines[0])
	require.Contains(t, lines[0], `"metadata":{"actor":{"id":"billing","role":"billing"},"causation_id":`, "metadata keys sorted")

	var from bytes.Buffer
	n, err := audit.Export(context.Background(), store, 16, &from)
	require.NoError(t, err)
	require.Equal(t, 2, n)
	require.Equal(t, strings.Join(lines[16:], "\n")+"\n", from.String())
}

// TestExportImportRoundTrip: export → import into an empty store → export
// gives the same bytes (bolt to bolt: both number their log from 1).
func TestExportImportRoundTrip(t *testing.T) {
	t.Parallel()
	src := newBolt(t)
	seed(t, src)
	first := export(t, src)

	dst := newBolt(t)
	var out bytes.Buffer
	res, err := audit.ImportLog(context.Background(), dst, strings.NewReader(first), nil, &out)
	require.NoError(t, err)
	require.Equal(t, audit.CopyResult{Copied: 18}, res)
	require.Equal(t, first, export(t, dst))
	require.Contains(t, out.String(), "verified 18 events")

	// A second import of the same file writes nothing.
	res, err = audit.ImportLog(context.Background(), dst, strings.NewReader(first), nil, &out)
	require.NoError(t, err)
	require.Equal(t, audit.CopyResult{Skipped: 18}, res)
	require.Equal(t, first, export(t, dst))
}

func TestImportLogRefusesTamperedAndForeign(t *testing.T) {
	t.Parallel()
	src := newMem(t)
	seed(t, src)
	log := export(t, src)

	t.Run("altered amount", func(t *testing.T) {
		dst := newMem(t)
		bad := strings.Replace(log, `"amount":"300.00"`, `"amount":"900.00"`, 1)
		require.NotEqual(t, log, bad)
		_, err := audit.ImportLog(context.Background(), dst, strings.NewReader(bad), nil, &bytes.Buffer{})
		require.ErrorIs(t, err, audit.ErrInvariant)
		var ve *eventstore.VerifyError
		require.ErrorAs(t, err, &ve)
	})
	t.Run("target holds other events", func(t *testing.T) {
		dst := newMem(t)
		_, err := dst.Append(context.Background(), "account-acc-a", eventstore.NoStream,
			eventstore.EventData{ID: uuid.New(), Type: "X", Data: []byte(`{}`), Metadata: []byte(`{}`)})
		require.NoError(t, err)
		_, err = audit.ImportLog(context.Background(), dst, strings.NewReader(log), nil, &bytes.Buffer{})
		require.ErrorIs(t, err, audit.ErrTargetDiffers)
	})
	t.Run("not an export", func(t *testing.T) {
		_, err := audit.ImportLog(context.Background(), newMem(t), strings.NewReader(`{"account_id":"a","month":"2026-01","lines":[]}`+"\n"), nil, &bytes.Buffer{})
		require.ErrorContains(t, err, "line 1")
	})
}

func TestMigrate(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name     string
		from, to func(testing.TB) eventstore.Store
	}{
		{"bolt to esdb", newBolt, newESDB},
		{"bolt to bolt", newBolt, newBolt},
		{"esdb to bolt", newESDB, newBolt},
		{"bolt to log", newBolt, newLog},
		{"log to bolt", newLog, newBolt},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			from, to := tc.from(t), tc.to(t)
			seed(t, from)
			var out bytes.Buffer
			res, err := audit.Migrate(context.Background(), from, to, nil, &out)
			require.NoError(t, err)
			require.Equal(t, 18, res.Copied)
			require.Equal(t, 18, res.Compared)
			require.Equal(t, 18, res.Verified.Events)
			requireSameLog(t, from, to)
		})
	}
}

// newLog is the segmented log store in a new directory.
func newLog(t testing.TB) eventstore.Store {
	t.Helper()
	s, err := seglog.Open(filepath.Join(t.TempDir(), "log"))
	require.NoError(t, err)
	t.Cleanup(func() { _ = s.Close() })
	return s
}

// requireSameLog compares two logs event by event, positions aside.
func requireSameLog(t *testing.T, a, b eventstore.Store) {
	t.Helper()
	ra, rb := readAll(t, a), readAll(t, b)
	require.Equal(t, len(ra), len(rb))
	for i := range ra {
		ra[i].Position, rb[i].Position = 0, 0
		la, err := audit.CanonicalRecord(ra[i])
		require.NoError(t, err)
		lb, err := audit.CanonicalRecord(rb[i])
		require.NoError(t, err)
		require.Equal(t, string(la), string(lb))
	}
}

// TestMigrateResume cancels a migration part-way, then runs it again: the
// second run skips what the first wrote and the result equals the source.
func TestMigrateResume(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name string
		to   func(testing.TB) eventstore.Store
	}{{"bolt", newBolt}, {"esdb", newESDB}} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			from, to := newBolt(t), tc.to(t)
			seed(t, from)
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			appends := 0
			_, err := audit.Migrate(ctx, from, cancelAfter{to, cancel, 5, &appends}, nil, &bytes.Buffer{})
			require.Error(t, err)
			require.True(t, errors.Is(err, context.Canceled), "%v", err)
			partial := len(readAll(t, to))
			require.Greater(t, partial, 0)
			require.Less(t, partial, 18)

			var plain bytes.Buffer
			meter := audit.NewMeter(&plain, false, "migrate")
			meter.Step = 5
			res, err := audit.Migrate(context.Background(), from, to, meter, &bytes.Buffer{})
			require.NoError(t, err)
			require.Equal(t, partial, res.Skipped)
			require.Equal(t, 18-partial, res.Copied)
			requireSameLog(t, from, to)
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
