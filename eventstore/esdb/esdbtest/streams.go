package esdbtest

import (
	"bytes"
	"encoding/binary"
	"errors"
	"io"
	"regexp"
	"sort"
	"strconv"
	"strings"

	"github.com/EventStore/EventStore-Client-Go/v4/protos/shared"
	api "github.com/EventStore/EventStore-Client-Go/v4/protos/streams"
	"github.com/google/uuid"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
)

type streamsServer struct {
	api.UnimplementedStreamsServer
	s *Server
}

// Append reads the options, then the proposed events, and answers once the
// client has closed its side, as the real server does.
func (x *streamsServer) Append(stream api.Streams_AppendServer) error {
	first, err := stream.Recv()
	if err != nil {
		return err
	}
	opts := first.GetOptions()
	if opts == nil {
		return status.Error(codes.InvalidArgument, "esdbtest: first append message must be options")
	}
	name := string(opts.GetStreamIdentifier().GetStreamName())
	var evs []*event
	for {
		req, err := stream.Recv()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return err
		}
		msg := req.GetProposedMessage()
		if msg == nil {
			return status.Error(codes.InvalidArgument, "esdbtest: expected a proposed message")
		}
		id, err := uuidFromProto(msg.GetId())
		if err != nil {
			return status.Error(codes.InvalidArgument, err.Error())
		}
		typ, ok := msg.GetMetadata()["type"]
		if !ok || typ == "" {
			return status.Error(codes.InvalidArgument, "esdbtest: event type missing")
		}
		evs = append(evs, &event{
			id: id, typ: typ, contentType: msg.GetMetadata()["content-type"],
			data: bytes.Clone(msg.GetData()), meta: bytes.Clone(msg.GetCustomMetadata()),
		})
	}
	if err := x.s.wait(stream.Context()); err != nil {
		return err
	}
	resp, drop := x.s.append(name, opts, evs)
	if drop {
		return status.Error(codes.Unavailable, "esdbtest: answer lost after commit (injected)")
	}
	return stream.SendAndClose(resp)
}

func (s *Server) append(name string, opts *api.AppendReq_Options, evs []*event) (*api.AppendResp, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	cur := s.streams[name]
	exists := len(cur) > 0
	last := uint64(len(cur)) - 1 // meaningless unless exists

	// start is the revision the new events would take if the expected
	// revision names one; -1 means "find the run anywhere" (any, exists).
	start := -1
	ok := true
	switch e := opts.GetExpectedStreamRevision().(type) {
	case *api.AppendReq_Options_NoStream:
		start, ok = 0, !exists
	case *api.AppendReq_Options_Revision:
		start, ok = int(e.Revision)+1, exists && last == e.Revision
	case *api.AppendReq_Options_StreamExists:
		ok = exists
	}

	if len(evs) > 0 {
		if at, match := idempotentRun(cur, evs, start); match == len(evs) {
			resp := success(uint64(at+len(evs)-1), cur[at+len(evs)-1].pos)
			if s.oldIdem {
				resp.GetSuccess().PositionOption = &api.AppendResp_Success_NoPosition{NoPosition: &shared.Empty{}}
			}
			return resp, false
		} else if match > 0 {
			ok = false // a partial re-append is not idempotent
		}
	}
	if !ok {
		return wrongExpected(opts, exists, last), false
	}
	if len(evs) == 0 {
		// Nothing to write: the stream's state is the answer.
		if !exists {
			return &api.AppendResp{Result: &api.AppendResp_Success_{Success: &api.AppendResp_Success{
				CurrentRevisionOption: &api.AppendResp_Success_NoStream{NoStream: &shared.Empty{}},
				PositionOption:        &api.AppendResp_Success_NoPosition{NoPosition: &shared.Empty{}},
			}}}, false
		}
		return success(last, cur[last].pos), false
	}
	s.commitLocked(name, evs)
	s.appends++
	drop := s.dropAns > 0
	if drop {
		s.dropAns--
	}
	end := s.streams[name][len(s.streams[name])-1]
	return success(end.revision, end.pos), drop
}

// idempotentRun looks for the proposed IDs, in order, in cur: at start, or
// (start < 0) wherever the first ID is. It returns where the run begins and
// how many of the proposed events it matches.
func idempotentRun(cur []*event, evs []*event, start int) (int, int) {
	if start < 0 {
		start = -1
		for i, e := range cur {
			if e.id == evs[0].id {
				start = i
				break
			}
		}
		if start < 0 {
			return 0, 0
		}
	}
	n := 0
	for n < len(evs) && start+n < len(cur) && cur[start+n].id == evs[n].id {
		n++
	}
	return start, n
}

func success(rev, pos uint64) *api.AppendResp {
	return &api.AppendResp{Result: &api.AppendResp_Success_{Success: &api.AppendResp_Success{
		CurrentRevisionOption: &api.AppendResp_Success_CurrentRevision{CurrentRevision: rev},
		PositionOption: &api.AppendResp_Success_Position{Position: &api.AppendResp_Position{
			CommitPosition: pos, PreparePosition: pos,
		}},
	}}}
}

func wrongExpected(opts *api.AppendReq_Options, exists bool, last uint64) *api.AppendResp {
	w := &api.AppendResp_WrongExpectedVersion{}
	if exists {
		w.CurrentRevisionOption_20_6_0 = &api.AppendResp_WrongExpectedVersion_CurrentRevision_20_6_0{CurrentRevision_20_6_0: last}
		w.CurrentRevisionOption = &api.AppendResp_WrongExpectedVersion_CurrentRevision{CurrentRevision: last}
	} else {
		w.CurrentRevisionOption_20_6_0 = &api.AppendResp_WrongExpectedVersion_NoStream_20_6_0{NoStream_20_6_0: &shared.Empty{}}
		w.CurrentRevisionOption = &api.AppendResp_WrongExpectedVersion_CurrentNoStream{CurrentNoStream: &shared.Empty{}}
	}
	switch e := opts.GetExpectedStreamRevision().(type) {
	case *api.AppendReq_Options_Revision:
		w.ExpectedRevisionOption_20_6_0 = &api.AppendResp_WrongExpectedVersion_ExpectedRevision_20_6_0{ExpectedRevision_20_6_0: e.Revision}
		w.ExpectedRevisionOption = &api.AppendResp_WrongExpectedVersion_ExpectedRevision{ExpectedRevision: e.Revision}
	case *api.AppendReq_Options_NoStream:
		// 20.6.0 had no "no stream" expectation; it sent revision -1.
		w.ExpectedRevisionOption_20_6_0 = &api.AppendResp_WrongExpectedVersion_ExpectedRevision_20_6_0{ExpectedRevision_20_6_0: ^uint64(0)}
		w.ExpectedRevisionOption = &api.AppendResp_WrongExpectedVersion_ExpectedNoStream{ExpectedNoStream: &shared.Empty{}}
	case *api.AppendReq_Options_StreamExists:
		w.ExpectedRevisionOption_20_6_0 = &api.AppendResp_WrongExpectedVersion_StreamExists_20_6_0{StreamExists_20_6_0: &shared.Empty{}}
		w.ExpectedRevisionOption = &api.AppendResp_WrongExpectedVersion_ExpectedStreamExists{ExpectedStreamExists: &shared.Empty{}}
	default:
		w.ExpectedRevisionOption_20_6_0 = &api.AppendResp_WrongExpectedVersion_Any_20_6_0{Any_20_6_0: &shared.Empty{}}
		w.ExpectedRevisionOption = &api.AppendResp_WrongExpectedVersion_ExpectedAny{ExpectedAny: &shared.Empty{}}
	}
	return &api.AppendResp{Result: &api.AppendResp_WrongExpectedVersion_{WrongExpectedVersion: w}}
}

// Read serves stream reads, $all reads and $all subscriptions.
func (x *streamsServer) Read(req *api.ReadReq, out api.Streams_ReadServer) error {
	o := req.GetOptions()
	if o == nil {
		return status.Error(codes.InvalidArgument, "esdbtest: read options missing")
	}
	if err := x.s.wait(out.Context()); err != nil {
		return err
	}
	backwards := o.GetReadDirection() == api.ReadReq_Options_Backwards
	switch so := o.GetStreamOption().(type) {
	case *api.ReadReq_Options_Stream:
		if o.GetSubscription() != nil {
			return status.Error(codes.Unimplemented, "esdbtest: stream subscriptions are not implemented")
		}
		return x.s.readStream(so.Stream, backwards, o.GetCount(), out)
	case *api.ReadReq_Options_All:
		if o.GetSubscription() != nil {
			return x.s.subscribeAll(so.All, o.GetFilter(), out)
		}
		return x.s.readAll(so.All, backwards, o.GetCount(), out)
	}
	return status.Error(codes.InvalidArgument, "esdbtest: read needs a stream or $all")
}

func (s *Server) readStream(so *api.ReadReq_Options_StreamOptions, backwards bool, count uint64, out api.Streams_ReadServer) error {
	name := string(so.GetStreamIdentifier().GetStreamName())
	s.mu.Lock()
	cur := s.streams[name]
	s.mu.Unlock() // cur is append-only: its prefix never changes
	if len(cur) == 0 {
		return out.Send(&api.ReadResp{Content: &api.ReadResp_StreamNotFound_{StreamNotFound: &api.ReadResp_StreamNotFound{
			StreamIdentifier: &shared.StreamIdentifier{StreamName: []byte(name)},
		}}})
	}
	var sel []*event
	switch r := so.GetRevisionOption().(type) {
	case *api.ReadReq_Options_StreamOptions_Revision:
		if backwards {
			end := min(r.Revision, uint64(len(cur)-1))
			sel = reversed(cur[:end+1])
		} else if r.Revision < uint64(len(cur)) {
			sel = cur[r.Revision:]
		}
	case *api.ReadReq_Options_StreamOptions_End:
		if backwards {
			sel = reversed(cur)
		}
	default: // start
		if !backwards {
			sel = cur
		}
	}
	return sendEvents(out, sel, count)
}

func (s *Server) readAll(ao *api.ReadReq_Options_AllOptions, backwards bool, count uint64, out api.Streams_ReadServer) error {
	s.mu.Lock()
	log := s.log
	s.mu.Unlock()
	var sel []*event
	switch p := ao.GetAllOption().(type) {
	case *api.ReadReq_Options_AllOptions_Position:
		at := p.Position.GetCommitPosition()
		if backwards { // events before the position
			i := sort.Search(len(log), func(i int) bool { return log[i].pos >= at })
			sel = reversed(log[:i])
		} else { // the event at the position and after
			i := sort.Search(len(log), func(i int) bool { return log[i].pos >= at })
			sel = log[i:]
		}
	case *api.ReadReq_Options_AllOptions_End:
		if backwards {
			sel = reversed(log)
		}
	default:
		if !backwards {
			sel = log
		}
	}
	return sendEvents(out, sel, count)
}

func reversed(evs []*event) []*event {
	r := make([]*event, len(evs))
	for i, e := range evs {
		r[len(evs)-1-i] = e
	}
	return r
}

func sendEvents(out api.Streams_ReadServer, evs []*event, count uint64) error {
	for i, e := range evs {
		if uint64(i) >= count {
			break
		}
		if err := out.Send(readEvent(e)); err != nil {
			return err
		}
	}
	return nil
}

func readEvent(e *event) *api.ReadResp {
	hi, lo := binary.BigEndian.Uint64(e.id[:8]), binary.BigEndian.Uint64(e.id[8:])
	return &api.ReadResp{Content: &api.ReadResp_Event{Event: &api.ReadResp_ReadEvent{
		Event: &api.ReadResp_ReadEvent_RecordedEvent{
			Id: &shared.UUID{Value: &shared.UUID_Structured_{Structured: &shared.UUID_Structured{
				MostSignificantBits: int64(hi), LeastSignificantBits: int64(lo),
			}}},
			StreamIdentifier: &shared.StreamIdentifier{StreamName: []byte(e.stream)},
			StreamRevision:   e.revision,
			PreparePosition:  e.pos,
			CommitPosition:   e.pos,
			Metadata: map[string]string{
				"type":         e.typ,
				"content-type": e.contentType,
				"created":      strconv.FormatInt(e.created, 10),
			},
			CustomMetadata: e.meta,
			Data:           e.data,
		},
		Position: &api.ReadResp_ReadEvent_CommitPosition{CommitPosition: e.pos},
	}}}
}

func uuidFromProto(u *shared.UUID) (uuid.UUID, error) {
	if st := u.GetStructured(); st != nil {
		var id uuid.UUID
		binary.BigEndian.PutUint64(id[:8], uint64(st.GetMostSignificantBits()))
		binary.BigEndian.PutUint64(id[8:], uint64(st.GetLeastSignificantBits()))
		return id, nil
	}
	return uuid.Parse(u.GetString_())
}

// filter is a compiled subscription filter; nil matches everything.
type filter struct {
	onType   bool
	prefixes []string
	re       *regexp.Regexp
}

func newFilter(f *api.ReadReq_Options_FilterOptions) (*filter, error) {
	if f == nil {
		return nil, nil
	}
	var expr *api.ReadReq_Options_FilterOptions_Expression
	flt := &filter{}
	switch x := f.GetFilter().(type) {
	case *api.ReadReq_Options_FilterOptions_StreamIdentifier:
		expr = x.StreamIdentifier
	case *api.ReadReq_Options_FilterOptions_EventType:
		expr, flt.onType = x.EventType, true
	default:
		return nil, errors.New("esdbtest: filter needs a stream or event-type expression")
	}
	flt.prefixes = expr.GetPrefix()
	if expr.GetRegex() != "" {
		re, err := regexp.Compile(expr.GetRegex())
		if err != nil {
			return nil, err
		}
		flt.re = re
	}
	return flt, nil
}

func (f *filter) match(e *event) bool {
	if f == nil {
		return true
	}
	subject := e.stream
	if f.onType {
		subject = e.typ
	}
	if f.re != nil {
		return f.re.MatchString(subject)
	}
	for _, p := range f.prefixes {
		if strings.HasPrefix(subject, p) {
			return true
		}
	}
	return false
}
