package audit_test

import (
	"bytes"
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/fapiao/fapiao/cmd/fapiao/internal/audit"
	"github.com/fapiao/fapiao/cmd/fapiao/internal/jobtest"
	"github.com/fapiao/fapiao/domain"
	"github.com/fapiao/fapiao/eventstore"
)

func replayJSON(t *testing.T, rep audit.ReplayReport) []byte {
	t.Helper()
	var buf bytes.Buffer
	require.NoError(t, audit.WriteJSON(&buf, rep))
	return buf.Bytes()
}

func TestReplayGolden(t *testing.T) {
	t.Parallel()
	paper, electronic := jobtest.Seed(t, jobtest.NewBolt(t)), jobtest.SeedElectronic(t, jobtest.NewBolt(t))
	ctx := context.Background()
	for _, tc := range []struct {
		golden string
		store  eventstore.Store
		opts   audit.ReplayOptions
	}{
		{"replay.json", paper, audit.ReplayOptions{}},
		{"replay_acc-a_as_of.json", paper, audit.ReplayOptions{Account: "acc-a", AsOf: &jobtest.BeforeIssue}},
		{"replay_position_3.json", paper, audit.ReplayOptions{Position: ptr[eventstore.Position](3)}},
		{"replay_electronic.json", electronic, audit.ReplayOptions{Account: "acc-e"}},
	} {
		t.Run(tc.golden, func(t *testing.T) {
			rep, err := audit.Replay(ctx, tc.store, tc.opts)
			require.NoError(t, err)
			jobtest.CheckGolden(t, tc.golden, replayJSON(t, rep))
		})
	}
}

// TestReplayElectronic: the e-invoice fixture's three red-letter
// confirmations replay confirmed, expired (RED-3) and not required, and the
// failed exchange (RETURN-6) is on its invoice.
func TestReplayElectronic(t *testing.T) {
	t.Parallel()
	store := jobtest.SeedElectronic(t, jobtest.NewMem(t))
	rep, err := audit.Replay(context.Background(), store, audit.ReplayOptions{Account: "acc-e"})
	require.NoError(t, err)
	cfs := rep.Accounts[0].Confirmations
	require.Len(t, cfs, 3)
	require.Equal(t, []domain.ConfirmationStatus{domain.ConfirmationConfirmed, domain.ConfirmationExpired, domain.ConfirmationNotRequired},
		[]domain.ConfirmationStatus{cfs[0].Status, cfs[1].Status, cfs[2].Status})
	require.NotNil(t, rep.Accounts[0].Invoices[1].ExchangeFailure)
}

// TestReplayAsOf checks AUD-2 on its own terms: the state as of a time is
// the state before the first later event, and the balance moves with it.
func TestReplayAsOf(t *testing.T) {
	t.Parallel()
	store := jobtest.Seed(t, jobtest.NewMem(t))
	ctx := context.Background()
	before, err := audit.Replay(ctx, store, audit.ReplayOptions{Account: "acc-a", AsOf: &jobtest.BeforeIssue})
	require.NoError(t, err)
	now, err := audit.Replay(ctx, store, audit.ReplayOptions{Account: "acc-a"})
	require.NoError(t, err)
	require.Len(t, before.Accounts, 1)
	require.Equal(t, "issuing", string(before.Accounts[0].Invoices[0].Status))
	require.Equal(t, "issued", string(now.Accounts[0].Invoices[0].Status))
	require.Nil(t, before.Accounts[0].Invoices[0].Shipment)
	require.NotNil(t, now.Accounts[0].Invoices[0].Shipment)
	require.Len(t, before.Accounts[0].Statements, 2, "the March statement was posted after")
	require.Less(t, before.Position, now.Position)

	_, err = audit.Replay(ctx, store, audit.ReplayOptions{Account: "acc-b", Position: ptr[eventstore.Position](1)})
	require.ErrorIs(t, err, audit.ErrNoAccount, "acc-b's first event is at position 3")
	_, err = audit.Replay(ctx, store, audit.ReplayOptions{AsOf: &jobtest.BeforeIssue, Position: ptr[eventstore.Position](1)})
	require.Error(t, err)
}

// TestReplaySameOnEveryStore: the state does not depend on the backend
// (positions do: EventStoreDB's are its own).
func TestReplaySameOnEveryStore(t *testing.T) {
	t.Parallel()
	var want []byte
	for _, st := range jobtest.Stores {
		store := st.Open(t)
		jobtest.Seed(t, store)
		rep, err := audit.Replay(context.Background(), store, audit.ReplayOptions{})
		require.NoError(t, err, st.Name)
		rep.Position = 0
		got := replayJSON(t, rep)
		if want == nil {
			want = got
			continue
		}
		require.Equal(t, string(want), string(got), st.Name)
	}
}

func ptr[T any](v T) *T { return &v }

// TestAUD2_ReplayBeforeTheFirstEventIsEmpty: position 0, and any instant
// before the first event (the zero time included), give the empty state,
// not today's.
func TestAUD2_ReplayBeforeTheFirstEventIsEmpty(t *testing.T) {
	t.Parallel()
	store := jobtest.Seed(t, jobtest.NewBolt(t))
	ctx := context.Background()
	whole, err := audit.Replay(ctx, store, audit.ReplayOptions{})
	require.NoError(t, err)
	require.NotEmpty(t, whole.Accounts)
	for name, opts := range map[string]audit.ReplayOptions{
		"position 0":         {Position: ptr[eventstore.Position](0)},
		"the zero time":      {AsOf: ptr(time.Time{})},
		"before the first":   {AsOf: ptr(time.Date(2000, 1, 1, 0, 0, 0, 0, time.UTC))},
		"a second before it": {AsOf: ptr(firstEventTime(t, store).Add(-time.Second))},
	} {
		rep, err := audit.Replay(ctx, store, opts)
		require.NoError(t, err, name)
		require.Empty(t, rep.Accounts, name)
		require.Equal(t, eventstore.Start, rep.Position, name)
	}
	rep, err := audit.Replay(ctx, store, audit.ReplayOptions{AsOf: ptr(firstEventTime(t, store))})
	require.NoError(t, err)
	require.Len(t, rep.Accounts, 1, "the instant of the first event includes it")
}

func firstEventTime(t *testing.T, store eventstore.Store) time.Time {
	t.Helper()
	for r, err := range store.ReadAll(context.Background(), eventstore.Start) {
		require.NoError(t, err)
		m, err := eventstore.ParseMetadata(r.Metadata)
		require.NoError(t, err)
		return m.OccurredAt
	}
	t.Fatal("empty log")
	return time.Time{}
}
