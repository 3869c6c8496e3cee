package api

import (
	"context"
	"errors"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/go-json-experiment/json"
	"github.com/go-json-experiment/json/jsontext"
	"github.com/labstack/echo/v4"

	"github.com/fapiao/fapiao/domain"
	"github.com/fapiao/fapiao/eventstore"
	"github.com/fapiao/fapiao/internal/jsonscan"
	"github.com/fapiao/fapiao/ledger"
)

// The live feed (GET /v1/events/stream): the global log as Server-Sent
// Events, caught up from a position and then followed live through one
// store subscription per connection.
//
// Memory per connection is bounded, whatever the client does: the store's
// subscription is pulled, so nothing is read that the connection has no
// room for, and the connection holds at most two batches of frames (the one
// being written, the one being filled), each cut at streamBatchBytes plus
// one frame. A client that reads slower than the log grows first fills its
// socket; the write then blocks, and when it has not finished within
// StreamStallTimeout the stream ends. The client resumes with
// Last-Event-ID, losing nothing.

// Defaults of Config.StreamHeartbeat and Config.StreamStallTimeout.
const (
	DefaultStreamHeartbeat    = 15 * time.Second
	DefaultStreamStallTimeout = 10 * time.Second
)

// streamBatchBytes is where a batch of frames is cut: one write and one
// flush per batch, not per event. 256 KiB rather than 64 took a fifth off
// the server's CPU an event (docs/performance.md, "Code health"); a
// connection holds two batches at most, 512 KiB.
const streamBatchBytes = 256 << 10

// feedScanWake is how many records the catch-up reads between wake-ups of
// the writer when its batch is not full (a few milliseconds' worth).
const feedScanWake = 4096

// feedFilter is what a feed request asks for: events after a position, of
// some types, of one account.
type feedFilter struct {
	after  eventstore.Position
	types  map[string]bool // nil: every type
	stream string          // "": every stream
}

func (f feedFilter) match(r eventstore.Record) bool {
	return (f.types == nil || f.types[r.Type]) && (f.stream == "" || r.Stream == f.stream)
}

// feedTypes is every event type the log can hold: the domain's and the
// ledger's invoice-number reservations.
var feedTypes = func() map[string]bool {
	m := map[string]bool{ledger.ReservationEventType: true}
	for _, t := range domain.EventTypes() {
		m[t] = true
	}
	return m
}()

// feedParams reads from, Last-Event-ID (which wins: a browser's
// EventSource sends it on reconnection with the URL it first opened),
// types and account.
func feedParams(c echo.Context) (feedFilter, error) {
	var f feedFilter
	from, err := fromParam(c)
	if err != nil {
		return f, err
	}
	if from > 0 {
		f.after = from - 1 // from is inclusive
	}
	if raw, ok := c.Request().Header["Last-Event-Id"]; ok {
		id, err := strconv.ParseUint(strings.TrimSpace(strings.Join(raw, "")), 10, 64)
		if err != nil || len(raw) != 1 {
			return f, badRequest("Last-Event-ID", "Last-Event-ID must be the id of an event of this feed: a log position, a whole number.")
		}
		f.after = id // resume after it
	}
	if raw, ok := c.QueryParams()["types"]; ok {
		f.types = map[string]bool{}
		for _, t := range strings.Split(strings.Join(raw, ","), ",") {
			if !feedTypes[t] {
				return f, badRequest("types", "types must be event types separated by commas, like InvoiceIssued,InvoiceVoided; "+strconv.Quote(t)+" is not one.")
			}
			f.types[t] = true
		}
	}
	if acc := c.QueryParam("account"); acc != "" {
		if !domain.ValidAccountID(acc) {
			return f, badRequest("account", "account must be an account ID: 1-64 letters, digits, - or _.")
		}
		f.stream = ledger.StreamName(acc)
	}
	return f, nil
}

// eventStream serves the feed. Headers go out with the first batch (or
// when the subscription has caught up, or at the first heartbeat), so a
// store that fails at once is a problem answer, not a cut stream.
func (s *server) eventStream(c echo.Context) error {
	f, err := feedParams(c)
	if err != nil {
		return err
	}
	res := c.Response()
	h := res.Header()
	h.Set(echo.HeaderContentType, "text/event-stream")
	h.Set("X-Accel-Buffering", "no") // a proxy in front must not hold frames back
	if c.Request().Method == http.MethodHead {
		res.WriteHeader(http.StatusOK)
		return nil
	}
	// The server's WriteTimeout (serve: 30 s) would fail every write after
	// it: a stream sets its own deadline before each write instead. (Its
	// ReadTimeout does not matter: net/http clears the read deadline when
	// the request's body has been read.)
	rc := http.NewResponseController(res)

	ctx, cancel := context.WithCancel(c.Request().Context())
	defer cancel()
	fb := newFeedBuffer()
	produced := make(chan struct{})
	go func() {
		defer close(produced)
		fb.finish(s.feed(ctx, f, fb))
	}()
	defer func() {
		cancel()
		<-produced
	}()
	return s.writeFeed(ctx, c, rc, fb)
}

// feed reads the log after f.after, and then follows it, into fb.
func (s *server) feed(ctx context.Context, f feedFilter, fb *feedBuffer) error {
	var frame []byte
	// While catching up, the writer is woken for full batches only (once
	// per frame, it wrote a few frames per write); it is also woken every
	// feedScanWake records read, so that a filter matching little does
	// not hold its frames back until the catch-up ends. Once caught up,
	// every frame wakes it.
	live, scanned := false, 0
	for m, err := range s.cfg.Store.Subscribe(ctx, f.after) {
		if err != nil {
			return err
		}
		if m.CaughtUp {
			live = true
			fb.caughtUp()
			continue
		}
		scanned++
		wake := live || scanned%feedScanWake == 0
		if !f.match(m.Record) {
			if wake {
				fb.wake()
			}
			continue
		}
		if frame, err = appendFrame(frame[:0], m.Record); err != nil {
			return err
		}
		if !fb.add(ctx, frame, wake) {
			return ctx.Err()
		}
	}
	return errors.New("api: the log's subscription ended")
}

// appendFrame appends the event's frame: its position as id, its type as
// event, and as data its wire form exactly as /v1/events renders it (one
// line: the encoder writes compact JSON, where a newline can only appear
// escaped).
func appendFrame(b []byte, r eventstore.Record) ([]byte, error) {
	b = append(b, "id: "...)
	b = strconv.AppendUint(b, r.Position, 10)
	if !strings.ContainsAny(r.Type, "\r\n") { // else the line would break the frame; data has the type
		b = append(b, "\nevent: "...)
		b = append(b, r.Type...)
	}
	b = append(b, "\ndata: "...)
	start := len(b)
	b, err := appendWireEvent(b, r)
	if err != nil {
		// The encoder of every answer says what is wrong, or writes it
		// after all: the same bytes either way.
		w := appender{b: b[:start]}
		if err := json.MarshalWrite(&w, &r); err != nil {
			return b[:start], err
		}
		b = w.b
	}
	return append(b, '\n', '\n'), nil
}

// appendWireEvent appends encode(r), field by field: the
// reflective encoder took a third of a catch-up's time. Strings are quoted
// and data and metadata formatted by the same JSON v2 code with the same
// options but one; a test holds the two to the same bytes. It fails,
// leaving the caller to use encode, where that could differ (empty data
// or metadata, invalid UTF-8 or JSON).
//
// The option: names are not checked for duplicates, which was half of the
// formatting's cost. No writer of the log repeats a name (its data and
// metadata are marshalled Go structs, hashed into the chain); a record
// that did would be sent here as stored, where /v1/events answers 500.
func appendWireEvent(b []byte, r eventstore.Record) ([]byte, error) {
	if len(r.Data) == 0 || len(r.Metadata) == 0 {
		return b, errors.New("api: empty data or metadata")
	}
	var err error
	b = append(b, `{"position":`...)
	b = strconv.AppendUint(b, r.Position, 10)
	b = append(b, `,"stream":`...)
	if b, err = jsontext.AppendQuote(b, r.Stream); err != nil {
		return b, err
	}
	b = append(b, `,"revision":`...)
	b = strconv.AppendUint(b, r.Revision, 10)
	b = append(b, `,"id":`...)
	b = jsonscan.AppendQuotedUUID(b, r.ID)
	b = append(b, `,"type":`...)
	if b, err = jsontext.AppendQuote(b, r.Type); err != nil {
		return b, err
	}
	b = append(b, `,"data":`...)
	if b, err = jsontext.AppendFormat(b, r.Data, jsontext.AllowDuplicateNames(true)); err != nil {
		return b, err
	}
	b = append(b, `,"metadata":`...)
	if b, err = jsontext.AppendFormat(b, r.Metadata, jsontext.AllowDuplicateNames(true)); err != nil {
		return b, err
	}
	return append(b, '}'), nil
}

// appender is an io.Writer appending to a slice.
type appender struct{ b []byte }

func (a *appender) Write(p []byte) (int, error) {
	a.b = append(a.b, p...)
	return len(p), nil
}

// writeFeed writes fb's batches and the heartbeats until the client goes,
// cannot keep up, the subscription fails or the server shuts down.
func (s *server) writeFeed(ctx context.Context, c echo.Context, rc *http.ResponseController, fb *feedBuffer) error {
	res := c.Response()
	beat := time.NewTicker(s.cfg.StreamHeartbeat)
	defer beat.Stop()
	shutdown := s.streams.shutdownOf(c.Request())
	started := false
	start := func() {
		if !started {
			started = true
			res.WriteHeader(http.StatusOK)
		}
	}
	// write sends b and flushes it, within StreamStallTimeout.
	write := func(b []byte) error {
		if err := rc.SetWriteDeadline(time.Now().Add(s.cfg.StreamStallTimeout)); err != nil {
			return err
		}
		if len(b) > 0 {
			if _, err := res.Write(b); err != nil {
				return err
			}
		}
		return rc.Flush()
	}
	var spare []byte
	for {
		select {
		case <-ctx.Done():
			return nil // the client went
		case <-shutdown:
			return nil // the client resumes elsewhere, or later
		case <-beat.C:
			start()
			if err := write(heartbeat); err != nil {
				s.feedCut(c, err)
				return nil
			}
			continue
		case <-fb.ready:
		}
		batch, caughtUp, done, err := fb.take(spare)
		if done && err != nil && !started && ctx.Err() == nil {
			return err // nothing sent yet: a problem answer
		}
		if len(batch) > 0 || caughtUp {
			start()
			if err := write(batch); err != nil {
				s.feedCut(c, err)
				return nil
			}
		}
		if done {
			if err != nil && ctx.Err() == nil {
				s.log.WarnContext(ctx, "event stream: the log's subscription failed; the client resumes",
					"request_id", requestID(c), "err", err)
			}
			return nil
		}
		spare = batch[:0]
	}
}

var heartbeat = []byte(": heartbeat\n\n")

// feedCut logs a stream ended because its client did not take what was
// written in time (or went away meanwhile).
func (s *server) feedCut(c echo.Context, err error) {
	s.log.InfoContext(c.Request().Context(), "event stream: cut, the client did not keep up (it resumes with Last-Event-ID)",
		"request_id", requestID(c), "err", err)
}

// feedBuffer hands batches of frames from the subscription to the writer:
// the subscription fills pending while the writer writes the previous
// batch, and waits when pending is full.
type feedBuffer struct {
	mu      sync.Mutex
	pending []byte
	caught  bool // caught up since the last take
	done    bool
	err     error
	ready   chan struct{} // something to take (1 slot)
	space   chan struct{} // the writer took a batch (1 slot)
}

func newFeedBuffer() *feedBuffer {
	return &feedBuffer{ready: make(chan struct{}, 1), space: make(chan struct{}, 1),
		pending: make([]byte, 0, streamBatchBytes+4096)}
}

func signal(ch chan struct{}) {
	select {
	case ch <- struct{}{}:
	default:
	}
}

// add appends a frame, first waiting while pending is full. It wakes the
// writer when the batch is full, or when wake says so. It reports false
// when ctx ended meanwhile.
func (fb *feedBuffer) add(ctx context.Context, frame []byte, wake bool) bool {
	for {
		fb.mu.Lock()
		if len(fb.pending) < streamBatchBytes {
			fb.pending = append(fb.pending, frame...)
			full := len(fb.pending) >= streamBatchBytes
			fb.mu.Unlock()
			if full || wake {
				signal(fb.ready)
			}
			return true
		}
		fb.mu.Unlock()
		select {
		case <-fb.space:
		case <-ctx.Done():
			return false
		}
	}
}

// wake lets the writer take what is pending.
func (fb *feedBuffer) wake() { signal(fb.ready) }

func (fb *feedBuffer) caughtUp() {
	fb.mu.Lock()
	fb.caught = true
	fb.mu.Unlock()
	signal(fb.ready)
}

func (fb *feedBuffer) finish(err error) {
	fb.mu.Lock()
	fb.done, fb.err = true, err
	fb.mu.Unlock()
	signal(fb.ready)
}

// take swaps pending for spare (emptied) and returns the batch.
func (fb *feedBuffer) take(spare []byte) (batch []byte, caughtUp, done bool, err error) {
	fb.mu.Lock()
	batch, fb.pending = fb.pending, spare
	caughtUp, fb.caught = fb.caught, false
	done, err = fb.done, fb.err
	fb.mu.Unlock()
	signal(fb.space)
	return batch, caughtUp, done, err
}

// streamHub ends the open streams when their http.Server shuts down:
// Shutdown waits for every active request, and a stream never ends by
// itself.
type streamHub struct {
	mu        sync.Mutex
	shutdowns map[*http.Server]chan struct{}
}

// shutdownOf is closed when the server serving r shuts down; nil (never)
// when r came from elsewhere (a test's recorder).
func (h *streamHub) shutdownOf(r *http.Request) <-chan struct{} {
	hs, _ := r.Context().Value(http.ServerContextKey).(*http.Server)
	if hs == nil {
		return nil
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	ch, ok := h.shutdowns[hs]
	if !ok {
		if h.shutdowns == nil {
			h.shutdowns = map[*http.Server]chan struct{}{}
		}
		ch = make(chan struct{})
		h.shutdowns[hs] = ch
		hs.RegisterOnShutdown(func() {
			h.mu.Lock()
			delete(h.shutdowns, hs)
			h.mu.Unlock()
			close(ch)
		})
	}
	return ch
}
