package esdbtest

import (
	"sort"

	api "github.com/EventStore/EventStore-Client-Go/v4/protos/streams"
	"github.com/google/uuid"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
)

// subscribeAll serves a catch-up subscription to $all until the client
// cancels it or the server stops.
func (s *Server) subscribeAll(ao *api.ReadReq_Options_AllOptions, fo *api.ReadReq_Options_FilterOptions, out api.Streams_ReadServer) error {
	flt, err := newFilter(fo)
	if err != nil {
		return status.Error(codes.InvalidArgument, err.Error())
	}
	// Checkpoints come every window × multiplier scanned events.
	every := 0
	if fo != nil {
		window := uint32(32)
		if m := fo.GetMax(); m > 0 {
			window = m
		}
		every = int(window * max(fo.GetCheckpointIntervalMultiplier(), 1))
	}

	s.mu.Lock()
	log := s.log
	s.mu.Unlock()
	next := 0 // index in the log of the next event to consider
	switch p := ao.GetAllOption().(type) {
	case *api.ReadReq_Options_AllOptions_Position:
		at := p.Position.GetCommitPosition()
		next = sort.Search(len(log), func(i int) bool { return log[i].pos > at }) // exclusive
	case *api.ReadReq_Options_AllOptions_End:
		next = len(log)
	}

	if err := out.Send(&api.ReadResp{Content: &api.ReadResp_Confirmation{Confirmation: &api.ReadResp_SubscriptionConfirmation{
		SubscriptionId: uuid.NewString(),
	}}}); err != nil {
		return err
	}
	ctx := out.Context()
	caughtUp, scanned := false, 0
	for {
		s.mu.Lock()
		log, changed := s.log, s.changed
		s.mu.Unlock()
		for ; next < len(log); next++ {
			e := log[next]
			if flt.match(e) {
				if err := out.Send(readEvent(e)); err != nil {
					return err
				}
			}
			scanned++
			if every > 0 && scanned%every == 0 {
				if err := out.Send(&api.ReadResp{Content: &api.ReadResp_Checkpoint_{Checkpoint: &api.ReadResp_Checkpoint{
					CommitPosition: e.pos, PreparePosition: e.pos,
				}}}); err != nil {
					return err
				}
			}
		}
		if !caughtUp {
			caughtUp = true
			if err := out.Send(&api.ReadResp{Content: &api.ReadResp_CaughtUp_{CaughtUp: &api.ReadResp_CaughtUp{}}}); err != nil {
				return err
			}
		}
		select {
		case <-changed:
		case <-ctx.Done():
			return status.FromContextError(ctx.Err()).Err()
		}
	}
}
