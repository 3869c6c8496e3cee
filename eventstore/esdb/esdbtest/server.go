// Package esdbtest is a test-only EventStoreDB: an in-memory gRPC server that
// speaks the part of the EventStoreDB client protocol that the esdb adapter
// uses, built on the server interfaces generated in EventStore-Client-Go/v4's
// protos packages. It lets the adapter and the contract suite run in CI
// without a real server, and it injects the faults a real server cannot be
// made to produce on demand (stop and restart on the same address, an answer
// lost after the commit, a server that is down at start).
//
// What it implements: Streams.Append; Streams.Read for a stream (forwards and
// backwards, with a count), for $all (forwards and backwards, with a count)
// and for filtered subscriptions to $all (confirmation, checkpoints, caught-up,
// live events). ServerFeatures and Gossip answer Unimplemented, which the
// client accepts for a single node. Everything else answers Unimplemented.
//
// Fault controls: NewDown (an address that refuses connections until
// Restart), Stop and Restart (same address, data kept, live streams cut),
// DropNextAppendAnswer (commit, then fail the answer with Unavailable),
// Stall (calls hang until their deadline), IdempotentWithoutPosition (an
// older server's answer to an idempotent re-append).
//
// Judgements about EventStoreDB's behaviour, where the fake had to choose:
//
//   - Positions. Each event is its own committed record: its commit and
//     prepare positions are equal and strictly increasing, and they advance
//     by the record's size like a byte offset (so they are not contiguous).
//     The log starts with a system event ($settings) so that $all is never
//     free of system events, and no user event has position 0.
//   - Stream reads carry each event's position in the recorded event, as
//     servers since 20.6 do (older servers sent the maximum uint64).
//   - Idempotent appends. With an exact expected revision or "no stream", a
//     re-append whose event IDs equal, in order, the events that follow the
//     expected revision writes nothing and answers success with the current
//     revision and the position of the last of those events. With "any" or
//     "stream exists" the same holds when the IDs are found as a run in the
//     stream (the server's ID cache, which we do not age out). A run that
//     matches only in part is a wrong expected version.
//   - Wrong expected version is an answer, not an error: both the 20.6.0
//     fields and the current ones are filled in.
//   - A read of a stream with no events answers stream_not_found as a message.
//   - Reading $all from a position includes the event at that position;
//     subscribing from a position excludes it (Start includes everything).
//   - A subscription sends a checkpoint after every max-search-window ×
//     checkpoint-multiplier events scanned (matching or not), and caught_up
//     once it has sent every event committed when it started to wait.
//   - Every recorded event carries type, content-type and created (100 ns
//     ticks since the Unix epoch): the client exits the process without it.
package esdbtest

import (
	"context"
	"errors"
	"fmt"
	"net"
	"sync"
	"testing"
	"time"

	"github.com/EventStore/EventStore-Client-Go/v4/protos/gossip"
	"github.com/EventStore/EventStore-Client-Go/v4/protos/serverfeatures"
	api "github.com/EventStore/EventStore-Client-Go/v4/protos/streams"
	"github.com/google/uuid"
	"google.golang.org/grpc"
	"google.golang.org/grpc/status"
)

// Server is a running (or stopped) fake EventStoreDB node. Its data survive
// Stop and Restart.
type Server struct {
	addr string

	mu      sync.Mutex
	grpc    *grpc.Server
	serving chan struct{} // closed when Serve returns
	log     []*event
	streams map[string][]*event
	nextPos uint64
	changed chan struct{} // closed and replaced at every commit
	dropAns int           // append answers still to drop
	oldIdem bool          // answer idempotent appends without a position
	stall   chan struct{} // while non-nil, appends and reads wait for it
	appends int           // committed appends, for tests
}

type event struct {
	stream      string
	revision    uint64
	id          uuid.UUID
	typ         string
	contentType string
	created     int64
	data        []byte
	meta        []byte
	pos         uint64
}

// firstPosition is where the fake's log starts, past a header, as a real
// transaction file does.
const firstPosition = 128

// New starts a fake server on 127.0.0.1 with an ephemeral port and stops it
// when the test ends.
func New(t testing.TB) *Server {
	t.Helper()
	s := NewDown(t)
	if err := s.Restart(); err != nil {
		t.Fatalf("esdbtest: start: %v", err)
	}
	return s
}

// NewDown reserves an address for a fake server but does not serve it yet:
// connections are refused until Restart, as with a server that is down at
// start.
func NewDown(t testing.TB) *Server {
	t.Helper()
	lis, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatalf("esdbtest: listen: %v", err)
	}
	addr := lis.Addr().String()
	if err := lis.Close(); err != nil {
		t.Fatalf("esdbtest: close: %v", err)
	}
	s := &Server{
		addr:    addr,
		streams: map[string][]*event{},
		nextPos: firstPosition,
		changed: make(chan struct{}),
	}
	// The log, like a real one, holds system events that readers of the
	// application's streams must not see.
	s.commitLocked("$settings", []*event{{
		id: uuid.New(), typ: "$settings", contentType: "application/json",
		data: []byte(`{"$userStreamAcl":{}}`),
	}})
	t.Cleanup(s.Stop)
	return s
}

// Addr is host:port of the server.
func (s *Server) Addr() string { return s.addr }

// URL is the connection string of the server (insecure, single node).
func (s *Server) URL() string { return "esdb://" + s.addr + "?tls=false" }

// Stop stops serving: open connections and streams are cut, new ones are
// refused. The data are kept for Restart. Stop is idempotent.
func (s *Server) Stop() {
	s.mu.Lock()
	g, done := s.grpc, s.serving
	s.grpc = nil
	s.mu.Unlock()
	if g == nil {
		return
	}
	g.Stop()
	<-done
}

// Restart serves again on the same address, with the same data.
func (s *Server) Restart() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.grpc != nil {
		return errors.New("esdbtest: already serving")
	}
	var lis net.Listener
	var err error
	// The port was ours a moment ago; a socket of the previous run may
	// still hold it briefly, so try for a bounded time.
	for deadline := time.Now().Add(5 * time.Second); ; {
		lis, err = net.Listen("tcp", s.addr)
		if err == nil || time.Now().After(deadline) {
			break
		}
		time.Sleep(10 * time.Millisecond)
	}
	if err != nil {
		return fmt.Errorf("esdbtest: listen on %s: %w", s.addr, err)
	}
	// Like the real server, take appends up to its 16 MiB limit (and a
	// little more for framing), not gRPC's default of 4 MiB.
	g := grpc.NewServer(grpc.MaxRecvMsgSize(17 << 20))
	api.RegisterStreamsServer(g, &streamsServer{s: s})
	serverfeatures.RegisterServerFeaturesServer(g, serverfeatures.UnimplementedServerFeaturesServer{})
	gossip.RegisterGossipServer(g, gossip.UnimplementedGossipServer{})
	done := make(chan struct{})
	s.grpc, s.serving = g, done
	go func() {
		defer close(done)
		_ = g.Serve(lis)
	}()
	return nil
}

// DropNextAppendAnswer makes the next append commit its events and then
// fail its answer with Unavailable, as when the connection breaks after the
// write.
func (s *Server) DropNextAppendAnswer() {
	s.mu.Lock()
	s.dropAns++
	s.mu.Unlock()
}

// Stall makes appends and reads hang (until their deadline, or until
// Stall(false)), as on an overloaded server.
func (s *Server) Stall(on bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	switch {
	case on && s.stall == nil:
		s.stall = make(chan struct{})
	case !on && s.stall != nil:
		close(s.stall)
		s.stall = nil
	}
}

// wait holds a call while the server is stalled.
func (s *Server) wait(ctx context.Context) error {
	s.mu.Lock()
	st := s.stall
	s.mu.Unlock()
	if st == nil {
		return nil
	}
	select {
	case <-st:
		return nil
	case <-ctx.Done():
		return status.FromContextError(ctx.Err()).Err()
	}
}

// IdempotentWithoutPosition makes idempotent re-appends answer without a
// position, as servers before 20.6 did (their -1 became no_position).
func (s *Server) IdempotentWithoutPosition(on bool) {
	s.mu.Lock()
	s.oldIdem = on
	s.mu.Unlock()
}

// Appends is the number of appends that wrote events (idempotent
// re-appends excluded).
func (s *Server) Appends() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.appends
}

// EventCount is the number of events in the log, system events included.
func (s *Server) EventCount() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.log)
}

// commitLocked appends events to stream, assigning revisions, positions and
// the created time, and wakes subscriptions. s.mu must be held.
func (s *Server) commitLocked(stream string, evs []*event) {
	now := time.Now().UnixNano() / 100
	for _, e := range evs {
		e.stream = stream
		e.revision = uint64(len(s.streams[stream]))
		e.created = now
		e.pos = s.nextPos
		// A record's size: a fixed header plus its variable parts.
		s.nextPos += uint64(64 + len(stream) + len(e.typ) + len(e.data) + len(e.meta))
		s.log = append(s.log, e)
		s.streams[stream] = append(s.streams[stream], e)
	}
	close(s.changed)
	s.changed = make(chan struct{})
}
