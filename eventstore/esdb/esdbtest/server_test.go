package esdbtest_test

import (
	"context"
	"errors"
	"io"
	"strconv"
	"testing"
	"time"

	"github.com/EventStore/EventStore-Client-Go/v4/protos/shared"
	api "github.com/EventStore/EventStore-Client-Go/v4/protos/streams"
	"github.com/google/uuid"
	"github.com/stretchr/testify/require"
	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"

	"github.com/fapiao/fapiao/eventstore/esdb/esdbtest"
)

// These tests speak the protocol directly, to check the answers the client
// library reduces to text or hides.

func dial(t *testing.T, srv *esdbtest.Server) api.StreamsClient {
	cc, err := grpc.NewClient(srv.Addr(), grpc.WithTransportCredentials(insecure.NewCredentials()))
	require.NoError(t, err)
	t.Cleanup(func() { _ = cc.Close() })
	return api.NewStreamsClient(cc)
}

func appendRaw(t *testing.T, c api.StreamsClient, stream string, opts *api.AppendReq_Options, ids ...uuid.UUID) *api.AppendResp {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), 10*time.Second)
	defer cancel()
	a, err := c.Append(ctx)
	require.NoError(t, err)
	opts.StreamIdentifier = &shared.StreamIdentifier{StreamName: []byte(stream)}
	require.NoError(t, a.Send(&api.AppendReq{Content: &api.AppendReq_Options_{Options: opts}}))
	for _, id := range ids {
		require.NoError(t, a.Send(&api.AppendReq{Content: &api.AppendReq_ProposedMessage_{ProposedMessage: &api.AppendReq_ProposedMessage{
			Id:       &shared.UUID{Value: &shared.UUID_String_{String_: id.String()}},
			Metadata: map[string]string{"type": "T", "content-type": "application/json"},
			Data:     []byte(`{}`),
		}}}))
	}
	resp, err := a.CloseAndRecv()
	require.NoError(t, err)
	return resp
}

func TestWrongExpectedVersionAnswer(t *testing.T) {
	srv := esdbtest.New(t)
	c := dial(t, srv)
	ok := appendRaw(t, c, "s-1", &api.AppendReq_Options{ExpectedStreamRevision: &api.AppendReq_Options_NoStream{NoStream: &shared.Empty{}}}, uuid.New(), uuid.New())
	require.Equal(t, uint64(1), ok.GetSuccess().GetCurrentRevision())

	resp := appendRaw(t, c, "s-1", &api.AppendReq_Options{ExpectedStreamRevision: &api.AppendReq_Options_Revision{Revision: 0}}, uuid.New())
	w := resp.GetWrongExpectedVersion()
	require.NotNil(t, w, "a wrong expected version is an answer")
	require.Equal(t, uint64(1), w.GetCurrentRevision())
	require.Equal(t, uint64(1), w.GetCurrentRevision_20_6_0())
	require.Equal(t, uint64(0), w.GetExpectedRevision())

	resp = appendRaw(t, c, "s-2", &api.AppendReq_Options{ExpectedStreamRevision: &api.AppendReq_Options_StreamExists{StreamExists: &shared.Empty{}}}, uuid.New())
	w = resp.GetWrongExpectedVersion()
	require.NotNil(t, w.GetCurrentNoStream())
	require.NotNil(t, w.GetExpectedStreamExists())
}

func TestReadAnswers(t *testing.T) {
	srv := esdbtest.New(t)
	c := dial(t, srv)
	ctx, cancel := context.WithTimeout(t.Context(), 10*time.Second)
	defer cancel()
	before := time.Now()
	appendRaw(t, c, "s-r", &api.AppendReq_Options{ExpectedStreamRevision: &api.AppendReq_Options_Any{Any: &shared.Empty{}}}, uuid.New(), uuid.New())

	read := func(opts *api.ReadReq_Options) []*api.ReadResp {
		opts.CountOption = &api.ReadReq_Options_Count{Count: 100}
		r, err := c.Read(ctx, &api.ReadReq{Options: opts})
		require.NoError(t, err)
		var out []*api.ReadResp
		for {
			m, err := r.Recv()
			if errors.Is(err, io.EOF) {
				return out
			}
			require.NoError(t, err)
			out = append(out, m)
		}
	}
	missing := read(&api.ReadReq_Options{StreamOption: &api.ReadReq_Options_Stream{Stream: &api.ReadReq_Options_StreamOptions{
		StreamIdentifier: &shared.StreamIdentifier{StreamName: []byte("nope")},
		RevisionOption:   &api.ReadReq_Options_StreamOptions_Start{Start: &shared.Empty{}},
	}}})
	require.Len(t, missing, 1)
	require.NotNil(t, missing[0].GetStreamNotFound(), "stream not found is a message")

	all := read(&api.ReadReq_Options{StreamOption: &api.ReadReq_Options_All{All: &api.ReadReq_Options_AllOptions{
		AllOption: &api.ReadReq_Options_AllOptions_Start{Start: &shared.Empty{}},
	}}})
	require.Len(t, all, 3, "the $settings system event and ours")
	require.Equal(t, "$settings", string(all[0].GetEvent().GetEvent().GetStreamIdentifier().GetStreamName()))
	var prev uint64
	for _, m := range all {
		e := m.GetEvent().GetEvent()
		require.Greater(t, e.GetCommitPosition(), prev+1, "positions increase, not contiguously")
		require.Equal(t, e.GetCommitPosition(), e.GetPreparePosition())
		prev = e.GetCommitPosition()
		ticks, err := strconv.ParseInt(e.GetMetadata()["created"], 10, 64)
		require.NoError(t, err, "created is 100 ns ticks")
		if string(e.GetStreamIdentifier().GetStreamName()) == "s-r" {
			require.WithinDuration(t, before, time.Unix(0, ticks*100), time.Minute)
		}
	}

	// Reading $all from a position includes the event there.
	from := all[1].GetEvent().GetEvent().GetCommitPosition()
	tail := read(&api.ReadReq_Options{StreamOption: &api.ReadReq_Options_All{All: &api.ReadReq_Options_AllOptions{
		AllOption: &api.ReadReq_Options_AllOptions_Position{Position: &api.ReadReq_Options_Position{CommitPosition: from, PreparePosition: from}},
	}}})
	require.Len(t, tail, 2)
}

func TestSubscriptionProtocol(t *testing.T) {
	srv := esdbtest.New(t)
	c := dial(t, srv)
	ctx, cancel := context.WithTimeout(t.Context(), 10*time.Second)
	defer cancel()
	for range 3 {
		appendRaw(t, c, "other-1", &api.AppendReq_Options{ExpectedStreamRevision: &api.AppendReq_Options_Any{Any: &shared.Empty{}}}, uuid.New())
	}
	first := uuid.New()
	appendRaw(t, c, "mine-1", &api.AppendReq_Options{ExpectedStreamRevision: &api.AppendReq_Options_Any{Any: &shared.Empty{}}}, first)

	sub, err := c.Read(ctx, &api.ReadReq{Options: &api.ReadReq_Options{
		StreamOption: &api.ReadReq_Options_All{All: &api.ReadReq_Options_AllOptions{AllOption: &api.ReadReq_Options_AllOptions_Start{Start: &shared.Empty{}}}},
		CountOption:  &api.ReadReq_Options_Subscription{Subscription: &api.ReadReq_Options_SubscriptionOptions{}},
		FilterOption: &api.ReadReq_Options_Filter{Filter: &api.ReadReq_Options_FilterOptions{
			Filter: &api.ReadReq_Options_FilterOptions_StreamIdentifier{StreamIdentifier: &api.ReadReq_Options_FilterOptions_Expression{Prefix: []string{"mine-"}}},
			Window: &api.ReadReq_Options_FilterOptions_Max{Max: 2}, CheckpointIntervalMultiplier: 1,
		}},
	}})
	require.NoError(t, err)
	kinds := func(n int) []string {
		var out []string
		for range n {
			m, err := sub.Recv()
			require.NoError(t, err)
			switch {
			case m.GetConfirmation() != nil:
				out = append(out, "confirmation")
			case m.GetCheckpoint() != nil:
				out = append(out, "checkpoint")
			case m.GetCaughtUp() != nil:
				out = append(out, "caught-up")
			case m.GetEvent() != nil:
				out = append(out, string(m.GetEvent().GetEvent().GetStreamIdentifier().GetStreamName()))
			}
		}
		return out
	}
	// $settings, other ×3 and mine-1 scanned: checkpoints after 2 and 4.
	require.Equal(t, []string{"confirmation", "checkpoint", "checkpoint", "mine-1", "caught-up"}, kinds(5))
	appendRaw(t, c, "other-1", &api.AppendReq_Options{ExpectedStreamRevision: &api.AppendReq_Options_Any{Any: &shared.Empty{}}}, uuid.New())
	appendRaw(t, c, "mine-2", &api.AppendReq_Options{ExpectedStreamRevision: &api.AppendReq_Options_Any{Any: &shared.Empty{}}}, uuid.New())
	require.Equal(t, []string{"checkpoint", "mine-2"}, kinds(2), "live events follow")
}
