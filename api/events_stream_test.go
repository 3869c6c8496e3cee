package api_test

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"iter"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/stretchr/testify/require"

	"github.com/fapiao/fapiao/api"
	"github.com/fapiao/fapiao/eventstore"
	"github.com/fapiao/fapiao/eventstore/bolt"
	"github.com/fapiao/fapiao/eventstore/memstore"
	"github.com/fapiao/fapiao/internal/testkit"
	"github.com/fapiao/fapiao/ledger"
)

const feedPath = "/v1/events/stream"

// isFeed reports whether path is the live feed, whose answer never ends by
// itself: the tests that walk every route read only its headers.
func isFeed(path string) bool { return strings.HasPrefix(path, feedPath) }

// streamCall is call for the feed: a 200's body is not read (it never
// ends); any other answer is read and checked like every answer.
func (s *testServer) streamCall(method, path, token string, body any, headers ...string) response {
	s.t.Helper()
	if body != nil {
		return s.call(method, path, token, body, headers...)
	}
	resp := s.openFeed(http.DefaultClient, path, token, headers...)
	if resp.StatusCode != http.StatusOK || method != http.MethodGet {
		resp.Body.Close()
		return s.call(method, path, token, nil, headers...)
	}
	resp.Body.Close()
	return response{Status: resp.StatusCode, Header: resp.Header}
}

// openFeed sends GET path and returns the answer once its headers came; the
// test's cleanup closes the body.
func (s *testServer) openFeed(client *http.Client, path, token string, headers ...string) *http.Response {
	s.t.Helper()
	req, err := http.NewRequest(http.MethodGet, s.url+path, nil)
	require.NoError(s.t, err)
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	for i := 0; i+1 < len(headers); i += 2 {
		req.Header.Set(headers[i], headers[i+1])
	}
	resp, err := client.Do(req)
	require.NoError(s.t, err)
	s.t.Cleanup(func() { resp.Body.Close() })
	return resp
}

// frame is one Server-Sent Event, or a comment.
type frame struct {
	id, event, data string
	comment         bool
}

// sseReader parses a text/event-stream as the HTML standard does, for the
// fields the feed uses.
type sseReader struct {
	t   *testing.T
	r   *bufio.Reader
	out chan frameOrErr
}

type frameOrErr struct {
	f   frame
	err error
}

func newSSEReader(t *testing.T, resp *http.Response) *sseReader {
	t.Helper()
	require.Equal(t, http.StatusOK, resp.StatusCode)
	require.Equal(t, "text/event-stream", resp.Header.Get("Content-Type"))
	sr := &sseReader{t: t, r: bufio.NewReader(resp.Body), out: make(chan frameOrErr)}
	stop := make(chan struct{})
	done := make(chan struct{})
	t.Cleanup(func() { close(stop); resp.Body.Close(); <-done })
	go func() {
		defer close(done)
		for {
			f, err := sr.read()
			select {
			case sr.out <- frameOrErr{f, err}:
			case <-stop:
				return
			}
			if err != nil {
				return
			}
		}
	}()
	return sr
}

func (sr *sseReader) read() (frame, error) {
	var f frame
	seen := false
	for {
		line, err := sr.r.ReadString('\n')
		if err != nil {
			return f, err
		}
		line = strings.TrimSuffix(line, "\n")
		switch {
		case line == "":
			if seen {
				return f, nil
			}
		case strings.HasPrefix(line, ":"):
			return frame{comment: true, data: line}, nil
		default:
			seen = true
			name, value, _ := strings.Cut(line, ":")
			value = strings.TrimPrefix(value, " ")
			switch name {
			case "id":
				f.id = value
			case "event":
				f.event = value
			case "data":
				if f.data != "" {
					f.data += "\n"
				}
				f.data += value
			}
		}
	}
}

// next is the next event (comments skipped), within 10 s.
func (sr *sseReader) next() frame {
	sr.t.Helper()
	for {
		f, err := sr.nextAny()
		require.NoError(sr.t, err)
		if !f.comment {
			return f
		}
	}
}

func (sr *sseReader) nextAny() (frame, error) {
	sr.t.Helper()
	select {
	case fe := <-sr.out:
		return fe.f, fe.err
	case <-time.After(10 * time.Second):
		sr.t.Fatal("no frame within 10 s")
		return frame{}, nil
	}
}

// countingStore counts the events the feed pulled from the log and tells
// when a feed's subscription ended.
type countingStore struct {
	eventstore.Store
	pulled atomic.Int64
	ended  chan struct{}
	once   sync.Once
}

func (c *countingStore) Subscribe(ctx context.Context, after eventstore.Position) iter.Seq2[eventstore.Message, error] {
	return func(yield func(eventstore.Message, error) bool) {
		defer c.once.Do(func() { close(c.ended) })
		for m, err := range c.Store.Subscribe(ctx, after) {
			if err == nil && !m.CaughtUp {
				c.pulled.Add(1)
			}
			if !yield(m, err) {
				return
			}
		}
	}
}

// newFeedServer is a test server whose API reads its own log: the feed
// tests append to it whatever they need, without the ledger.
func newFeedServer(t *testing.T, opts ...serverOption) (*testServer, *memstore.Store, *countingStore) {
	t.Helper()
	log := memstore.New()
	cs := &countingStore{Store: log, ended: make(chan struct{})}
	opts = append([]serverOption{func(c *api.Config) { c.Store = cs }}, opts...)
	s := newTestServer(t, opts...)
	t.Cleanup(func() { log.Close() })
	return s, log, cs
}

// appendEvents appends n events of an account's stream, each with pad
// bytes of data.
func appendEvents(t testing.TB, log eventstore.Store, account string, n, pad int) {
	t.Helper()
	filler := strings.Repeat("x", pad)
	for n > 0 {
		batch := make([]eventstore.EventData, min(n, 500))
		for i := range batch {
			batch[i] = eventstore.EventData{ID: uuid.New(), Type: "StatementPosted",
				Data:     json.RawMessage(`{"month":"2026-10","pad":"` + filler + `"}`),
				Metadata: json.RawMessage(`{"actor":{"role":"billing","id":"billing-system"}}`)}
		}
		_, err := log.Append(context.Background(), "account-"+account, eventstore.Any, batch...)
		require.NoError(t, err)
		n -= len(batch)
	}
}

// rawItems is /v1/events from position 1, each item's bytes as answered.
func rawItems(t *testing.T, s *testServer) []json.RawMessage {
	t.Helper()
	var page struct {
		Items []json.RawMessage `json:"items"`
	}
	require.NoError(t, json.Unmarshal(s.must(200, "GET", "/v1/events?limit=1000", tokAuditor, nil).Body, &page))
	return page.Items
}

// TestEventStreamCatchUpThenLive: the feed sends the log from the position
// asked for, each event as /v1/events renders it, byte for byte; then an
// event appended after the catch-up arrives live.
func TestEventStreamCatchUpThenLive(t *testing.T) {
	s := newTestServer(t)
	s.seed()
	for tok, month := range map[string]string{tokFinance: "2026-09", tokAuditor: "2026-08"} {
		items := rawItems(t, s)
		require.Greater(t, len(items), 3)
		sr := newSSEReader(t, s.openFeed(http.DefaultClient, feedPath+"?from=2", tok))
		for _, raw := range items[1:] {
			var it struct {
				Position uint64 `json:"position"`
				Type     string `json:"type"`
			}
			require.NoError(t, json.Unmarshal(raw, &it))
			f := sr.next()
			require.Equal(t, strconv.FormatUint(it.Position, 10), f.id)
			require.Equal(t, it.Type, f.event)
			require.Equal(t, string(raw), f.data, "data is the /v1/events item")
		}
		live := s.must(201, "POST", "/v1/accounts/acc-2/statements", tokBilling, statementBody(month, "7.00"))
		f := sr.next()
		require.Equal(t, strconv.FormatUint(position(t, live), 10), f.id)
		require.Equal(t, "StatementPosted", f.event)
		require.Contains(t, f.data, `"7.00"`)
	}
}

// TestEventStreamResumesWithLastEventID: a client that lost its connection
// reconnects with the last id it saw and gets the rest, with no gap and no
// duplicate; Last-Event-ID wins over from, and from is inclusive.
func TestEventStreamResumesWithLastEventID(t *testing.T) {
	s, log, _ := newFeedServer(t)
	appendEvents(t, log, "acc-1", 20, 10)

	first := s.openFeed(http.DefaultClient, feedPath+"?from=3", tokFinance)
	sr := newSSEReader(t, first)
	var got []string
	for range 5 {
		got = append(got, sr.next().id)
	}
	first.Body.Close() // the connection is lost

	sr = newSSEReader(t, s.openFeed(http.DefaultClient, feedPath+"?from=3", tokFinance, "Last-Event-ID", got[len(got)-1]))
	for range 13 {
		got = append(got, sr.next().id)
	}
	appendEvents(t, log, "acc-1", 2, 10)
	got = append(got, sr.next().id, sr.next().id)
	var want []string
	for p := 3; p <= 22; p++ {
		want = append(want, strconv.Itoa(p))
	}
	require.Equal(t, want, got)
}

// TestEventStreamFilters: types and account select the events; the others
// are not sent, in the catch-up or live.
func TestEventStreamFilters(t *testing.T) {
	s := newTestServer(t)
	s.seed()
	types := map[string]bool{"StatementPosted": true, "InvoiceRequested": true}
	var want []string
	for _, raw := range rawItems(t, s) {
		var it struct {
			Position uint64 `json:"position"`
			Stream   string `json:"stream"`
			Type     string `json:"type"`
		}
		require.NoError(t, json.Unmarshal(raw, &it))
		if types[it.Type] && it.Stream == "account-acc-1" {
			want = append(want, fmt.Sprint(it.Position))
		}
	}
	require.Len(t, want, 3, "acc-1's two statements and its application")
	sr := newSSEReader(t, s.openFeed(http.DefaultClient, feedPath+"?types=StatementPosted,InvoiceRequested&account=acc-1", tokAuditor))
	var got []string
	for range want {
		got = append(got, sr.next().id)
	}
	require.Equal(t, want, got)
	// Live: another account's statement and acc-1's new address are left out.
	s.must(201, "POST", "/v1/accounts/acc-2/statements", tokBilling, statementBody("2026-09", "7.00"))
	s.must(201, "POST", "/v1/accounts/acc-1/addresses", tokCustomer, addressBody)
	match := s.must(201, "POST", "/v1/accounts/acc-1/statements", tokBilling, statementBody("2026-08", "3.00"))
	f := sr.next()
	require.Equal(t, fmt.Sprint(position(t, match)), f.id)
	require.Equal(t, "StatementPosted", f.event)

	// One type alone, several types= parameters alike.
	sr = newSSEReader(t, s.openFeed(http.DefaultClient, feedPath+"?types=InvoiceRequested&types=TitleSubmitted&account=acc-1", tokFinance))
	require.Equal(t, "TitleSubmitted", sr.next().event)
	require.Equal(t, "InvoiceRequested", sr.next().event)
}

// TestEventStreamHeartbeat: an idle feed sends a comment line every
// StreamHeartbeat (15 s by default).
func TestEventStreamHeartbeat(t *testing.T) {
	s, _, _ := newFeedServer(t, func(c *api.Config) { c.StreamHeartbeat = 20 * time.Millisecond })
	sr := newSSEReader(t, s.openFeed(http.DefaultClient, feedPath, tokFinance))
	for range 3 {
		f, err := sr.nextAny()
		require.NoError(t, err)
		require.True(t, f.comment, "an idle feed sends only comments: %+v", f)
	}
}

// TestEventStreamOutlivesServerTimeouts: a stream lasts longer than the
// server's ReadTimeout and WriteTimeout (serve sets 30 s each); and the
// server's graceful shutdown ends it rather than waiting for it.
func TestEventStreamOutlivesServerTimeoutsAndEndsAtShutdown(t *testing.T) {
	s, log, _ := newFeedServer(t, func(c *api.Config) { c.StreamHeartbeat = 20 * time.Millisecond })
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	srv := &http.Server{Handler: s.handler, ReadTimeout: 100 * time.Millisecond, WriteTimeout: 100 * time.Millisecond}
	served := make(chan error, 1)
	go func() { served <- srv.Serve(ln) }()
	t.Cleanup(func() { srv.Close() })
	own := *s
	own.url = "http://" + ln.Addr().String()

	sr := newSSEReader(t, own.openFeed(http.DefaultClient, feedPath+"?from=1", tokFinance))
	time.Sleep(500 * time.Millisecond) // 5 × both timeouts
	appendEvents(t, log, "acc-1", 1, 10)
	require.Equal(t, "1", sr.next().id)

	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	began := time.Now()
	require.NoError(t, srv.Shutdown(ctx), "Shutdown waited for the stream")
	require.Less(t, time.Since(began), 5*time.Second)
	require.ErrorIs(t, <-served, http.ErrServerClosed)
	for {
		f, err := sr.nextAny()
		if err != nil {
			require.ErrorIs(t, err, io.EOF, "the stream ended cleanly")
			break
		}
		require.True(t, f.comment, "%+v", f)
	}
}

// TestEventStreamCutsSlowConsumer: a client that stops reading while the
// log grows does not make the server read the log for it: once its socket
// is full the server holds at most two batches (2 × 256 KiB and a frame),
// then ends the stream after StreamStallTimeout. What the client got is the
// log without a gap, and it resumes from there.
func TestEventStreamCutsSlowConsumer(t *testing.T) {
	s, log, cs := newFeedServer(t, func(c *api.Config) { c.StreamStallTimeout = 300 * time.Millisecond })
	// The client's socket buffer is kept small (no autotuning up to 32 MiB
	// on loopback), so that the log below is many times what the sockets
	// hold.
	client := &http.Client{Transport: &http.Transport{DialContext: func(ctx context.Context, network, addr string) (net.Conn, error) {
		c, err := (&net.Dialer{}).DialContext(ctx, network, addr)
		if tc, ok := c.(*net.TCPConn); ok {
			err = errors.Join(err, tc.SetReadBuffer(32<<10))
		}
		return c, err
	}}}
	const n, pad = 12000, 2048 // 24 MiB of log; the sockets hold ≈4 MiB
	resp := s.openFeed(client, feedPath+"?from=1", tokFinance)
	require.Equal(t, http.StatusOK, resp.StatusCode)
	appendEvents(t, log, "acc-1", n, pad)

	select {
	case <-cs.ended:
	case <-time.After(60 * time.Second):
		t.Fatal("the server did not cut the stream of a client that stopped reading")
	}
	// Now the client reads what reached it: every event up to some
	// position, then the end of the connection.
	sr := newSSEReader(t, resp)
	received := 0
	for {
		f, err := sr.nextAny()
		if err != nil {
			require.NotErrorIs(t, err, context.DeadlineExceeded)
			break
		}
		if f.comment {
			continue
		}
		if f.id == "" { // the last frame, cut short
			break
		}
		received++
		require.Equal(t, strconv.Itoa(received), f.id, "no gap")
	}
	pulled := int(cs.pulled.Load())
	t.Logf("the client received %d events, the server pulled %d of %d from the log", received, pulled, n)
	require.Less(t, pulled, n/2, "the server kept reading the log for a client that did not read")
	require.Greater(t, received, 0)
	frameBytes := pad // a frame is more than its padding
	require.LessOrEqual(t, pulled-received, 2*(256<<10+frameBytes)/frameBytes+1,
		"the server held more than two batches for the client")

	// The client resumes after the last event it got.
	sr = newSSEReader(t, s.openFeed(http.DefaultClient, feedPath, tokFinance, "Last-Event-ID", strconv.Itoa(received)))
	require.Equal(t, strconv.Itoa(received+1), sr.next().id)
}

// TestEventStreamBadInput: a malformed from, types, account or
// Last-Event-ID is a 400 problem naming the field.
func TestEventStreamBadInput(t *testing.T) {
	s, _, _ := newFeedServer(t)
	for _, tc := range []struct {
		query, lastID, field string
	}{
		{"?from=x", "", "from"},
		{"?from=-1", "", "from"},
		{"?types=NoSuchEvent", "", "types"},
		{"?types=", "", "types"},
		{"?types=InvoiceIssued,,InvoiceVoided", "", "types"},
		{"?types=invoiceissued", "", "types"},
		{"?account=not%20an%20id", "", "account"},
		{"", "x", "Last-Event-ID"},
		{"", "-3", "Last-Event-ID"},
		{"?from=1", "1.5", "Last-Event-ID"},
	} {
		t.Run(tc.query+" "+tc.lastID, func(t *testing.T) {
			var h []string
			if tc.lastID != "" {
				h = []string{"Last-Event-ID", tc.lastID}
			}
			r := s.call("GET", feedPath+tc.query, tokFinance, nil, h...)
			require.Equal(t, http.StatusBadRequest, r.Status, "%s", r.Body)
			require.Equal(t, "application/problem+json", r.Header.Get("Content-Type"))
			require.Equal(t, tc.field, r.JSON(t)["errors"].([]any)[0].(map[string]any)["field"])
		})
	}
}

// BenchmarkEventStreamCatchUp measures the feed's catch-up to one consumer:
// a log of 100 000 events of the sizes fapiao writes (the audit fixture's
// 18 events, 880 bytes a line, repeated over many accounts), in memory and
// in a bolt file, read from position 1 over loopback HTTP by a client that
// counts the frames. The figure of record is events/s (goal: 200 000);
// cpu-µs/event is the CPU of server and client together, which a busy
// machine does not inflate as it does the wall time.
func BenchmarkEventStreamCatchUp(b *testing.B) {
	const n = 100_000
	raw, err := os.ReadFile("../testdata/audit/export.jsonl")
	require.NoError(b, err)
	var fixture []eventstore.Record
	for line := range strings.Lines(string(raw)) {
		var r eventstore.Record
		require.NoError(b, json.Unmarshal([]byte(line), &r))
		fixture = append(fixture, r)
	}
	fill := func(log eventstore.Store) {
		for k, i := 0, 0; i < n; k++ { // copy k of the fixture, under new stream names
			byStream := map[string][]eventstore.EventData{}
			var order []string
			for _, r := range fixture[:min(len(fixture), n-i)] {
				if _, ok := byStream[r.Stream]; !ok {
					order = append(order, r.Stream)
				}
				byStream[r.Stream] = append(byStream[r.Stream], eventstore.EventData{ID: uuid.New(), Type: r.Type, Data: r.Data, Metadata: r.Metadata})
				i++
			}
			for _, stream := range order {
				_, err := log.Append(context.Background(), fmt.Sprintf("%s-%d", stream, k), eventstore.NoStream, byStream[stream]...)
				require.NoError(b, err)
			}
		}
	}
	tokens, err := api.ParseTokens([]byte(strings.Replace(tokensJSON, "AUDITOR_DIGEST", sha256Hex(tokAuditor), 1)))
	require.NoError(b, err)
	for _, st := range []struct {
		name string
		open func() eventstore.Store
	}{
		{"memstore", func() eventstore.Store { return memstore.New() }},
		{"bolt", func() eventstore.Store {
			s, err := bolt.Open(filepath.Join(b.TempDir(), "feed.db"), bolt.Options{NoSync: true})
			require.NoError(b, err)
			return s
		}},
	} {
		b.Run(st.name, func(b *testing.B) {
			log := st.open()
			defer log.Close()
			fill(log)
			srv := httptest.NewServer(api.New(api.Config{Store: log, Tokens: tokens, Logger: quiet, AccessLog: quiet,
				RateLimit: -1, Clock: ledger.FixedClock(testNow)}))
			defer srv.Close()
			cpu0, bytes := testkit.ProcessCPU(), 0
			for b.Loop() {
				req, err := http.NewRequest(http.MethodGet, srv.URL+feedPath+"?from=1", nil)
				require.NoError(b, err)
				req.Header.Set("Authorization", "Bearer "+tokFinance)
				resp, err := http.DefaultClient.Do(req)
				require.NoError(b, err)
				require.Equal(b, http.StatusOK, resp.StatusCode)
				br := bufio.NewReaderSize(resp.Body, 64<<10)
				for events := 0; events < n; {
					line, err := br.ReadSlice('\n')
					if err != nil {
						b.Fatal(err) // not require: its Helper calls cost more than a line
					}
					bytes += len(line)
					if len(line) > 4 && string(line[:4]) == "id: " {
						events++
					}
				}
				resp.Body.Close()
			}
			b.ReportMetric(float64(n)*float64(b.N)/b.Elapsed().Seconds(), "events/s")
			b.ReportMetric(float64((testkit.ProcessCPU()-cpu0).Microseconds())/float64(n*b.N), "cpu-µs/event")
			b.ReportMetric(float64(bytes)/float64(n*b.N), "B/frame")
		})
	}
}

// TestEventStreamDataIsTheWireEvent: the feed writes each event without
// the reflective encoder; whatever the stored JSON looks like (escapes the
// encoder rewrites, whitespace, numbers it keeps), its data is byte for
// byte the item of /v1/events.
func TestEventStreamDataIsTheWireEvent(t *testing.T) {
	s, log, _ := newFeedServer(t)
	// Metadata as the document requires it, with the same kinds of detail.
	meta := func(actorID, space string) string {
		return `{` + space + `"actor":{"id":"` + actorID + `","role":"billing"},` + space + `"hash":"h","occurred_at":"2026-10-01T00:00:00+08:00",` +
			`"prev_hash":"",` + space + `"schema_version":1.0}`
	}
	for i, tc := range []struct{ data, metadata string }{
		{`{"a":"\u003cb\u003e \/ \u00e9 \n","n":1.0e2,"z":-0}`, meta(`x`, ``)},
		{"{ \"a\" : [ 1 , 2 ,\t{\"b\" :null} ] ,\n \"c\": true }", "  " + meta("\u2028\u2029 é 发票", "\n ") + "\t"},
		{`{"big":123456789012345678901234567890,"f":0.1000}`, meta(`\u0041\/`, ` `)},
		{`{"s":"\"quoted\" \\ back\tslash\u0001"}`, meta(`y`, ``)},
		{`{"x":{"y":[{"z":"\ud83d\ude00 \u0041"}]}}`, meta(`z`, "\r\n")},
	} {
		_, err := log.Append(context.Background(), fmt.Sprintf("account-acc-%d", i), eventstore.Any, eventstore.EventData{
			ID: uuid.New(), Type: "StatementPosted", Data: json.RawMessage(tc.data), Metadata: json.RawMessage(tc.metadata)})
		require.NoError(t, err)
	}
	items := rawItems(t, s)
	require.Len(t, items, 5)
	sr := newSSEReader(t, s.openFeed(http.DefaultClient, feedPath, tokAuditor))
	for i, raw := range items {
		f := sr.next()
		require.Equal(t, strconv.Itoa(i+1), f.id)
		require.Equal(t, string(raw), f.data)
	}
}

// TestEventStreamEndsWhenTheLogFails: a log that fails before anything was
// sent is a problem answer; one that fails later ends the stream, and the
// client resumes (here: to the same problem).
func TestEventStreamEndsWhenTheLogFails(t *testing.T) {
	s, log, _ := newFeedServer(t)
	appendEvents(t, log, "acc-1", 3, 10)
	sr := newSSEReader(t, s.openFeed(http.DefaultClient, feedPath, tokAuditor))
	for i := 1; i <= 3; i++ {
		require.Equal(t, strconv.Itoa(i), sr.next().id)
	}
	require.NoError(t, log.Close())
	for {
		f, err := sr.nextAny()
		if err != nil {
			require.ErrorIs(t, err, io.EOF, "the stream ended")
			break
		}
		require.True(t, f.comment, "%+v", f)
	}
	r := s.call("GET", feedPath+"?from=1", tokAuditor, nil)
	require.GreaterOrEqual(t, r.Status, 500, "%s", r.Body)
	require.Equal(t, "application/problem+json", r.Header.Get("Content-Type"))
}
