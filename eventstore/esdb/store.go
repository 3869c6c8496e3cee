// Package esdb is the EventStoreDB (KurrentDB) backend of eventstore.Store,
// on EventStore-Client-Go/v4.
//
// Mapping. A fapiao stream is an EventStoreDB stream of the same name; an
// event keeps our ID (never a random one), our type, content type
// application/json, our data, and our envelope (eventstore.Metadata as JSON)
// as the event's user metadata. Record.Position is the event's commit
// position in $all. The four expected revisions map to the client's Any,
// NoStream, StreamExists and StreamRevision; the server's idempotent
// re-append rule is the one eventstore documents.
//
// The global log. ReadAll and Subscribe never see system streams
// ($-streams); with WithStreamPrefixes they see only the streams whose
// names start with one of the prefixes, so that other applications'
// streams are excluded too (fapiao passes ledger.StreamPrefixes). ReadAll filters on the client (the
// client cannot filter a read of $all); Subscribe filters on the server.
//
// Failures. The client closes itself for good when discovery fails, and some
// of its calls then block or panic; the store therefore runs every call
// behind a recover, and on any sign of an unreachable server (gRPC
// Unavailable, Aborted, a deadline that is not the caller's, a connection
// closed under a call, not-leader) it retires the client — no new call
// enters it, and it is closed once the calls in it have left — and builds a
// new one for the next call. Unreachable servers give errors that wrap
// eventstore.ErrUnavailable; WaitReady waits, with backoff, for the server
// to answer. Appends are retried a few times on an unreachable server: a
// retry carries the same event IDs and expectation, so the server treats it
// as the idempotent re-append of a write whose answer was lost. (So an
// append that still fails with ErrUnavailable may, unlike the interface's
// general rule, have been written: retry it with the same IDs and
// expectation to find out.) Subscriptions are resubscribed from the last
// delivered position (exclusive) when they drop, for up to the store's
// outage limit, and yield the caught-up signal once.
//
// Judgements, where the client or the server left a choice:
//   - The client reports a wrong expected version only as text; the actual
//     revision is parsed from it, and read back from the stream if the text
//     ever changes.
//   - Servers before 20.6 sent no position on stream reads and some answered
//     idempotent appends without a position; a missing append position is
//     read back from the stream.
//   - Unless the connection string sets maxDiscoverAttempts and
//     discoveryInterval, the store sets them to 1 and 0: it retries itself,
//     with its own backoff and the caller's context, instead of the client's
//     ten attempts 100 ms apart that ignore the context.
//   - The caught-up signal needs a server that sends caught_up (EventStoreDB
//     23.10 and later, KurrentDB).
package esdb

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"time"

	client "github.com/EventStore/EventStore-Client-Go/v4/esdb"

	"github.com/fapiao/fapiao/eventstore"
)

// userStreams is the server-side filter of a store without prefixes: every
// stream but the system's ($-streams).
const userStreams = `^[^$]`

// Store is an eventstore.Store on an EventStoreDB server. It is safe for
// concurrent use.
type Store struct {
	cfg       client.Configuration
	prefixes  []string
	maxOutage time.Duration
	retries   int
	backoff   eventstore.Backoff

	mu     sync.Mutex
	cur    *conn
	closed bool
	done   chan struct{} // closed by Close
}

// Option configures a Store.
type Option func(*Store)

// WithStreamPrefixes keeps ReadAll and Subscribe to the streams whose names
// start with one of prefixes (by default: every stream but the system's).
func WithStreamPrefixes(prefixes ...string) Option {
	return func(s *Store) { s.prefixes = append([]string(nil), prefixes...) }
}

// WithMaxOutage sets how long a subscription keeps resubscribing to an
// unreachable server before it yields an error (default one minute).
func WithMaxOutage(d time.Duration) Option {
	return func(s *Store) { s.maxOutage = d }
}

// WithAppendRetries sets how many times an append is retried on an
// unreachable server (default 4).
func WithAppendRetries(n int) Option {
	return func(s *Store) { s.retries = n }
}

// Open returns a store for the server at url, an EventStoreDB connection
// string such as esdb://localhost:2113?tls=false or
// esdb://admin:changeit@host:2113?tlsCAFile=ca.crt. It does not wait for the
// server: calls fail with eventstore.ErrUnavailable until it answers, and
// WaitReady waits for it.
func Open(url string, opts ...Option) (*Store, error) {
	cfg, err := client.ParseConnectionString(url)
	if err != nil {
		return nil, fmt.Errorf("esdb: connection string: %w", err)
	}
	lower := strings.ToLower(url)
	if !strings.Contains(lower, "maxdiscoverattempts") {
		cfg.MaxDiscoverAttempts = 1
	}
	if !strings.Contains(lower, "discoveryinterval") {
		// The client sleeps this long even after its last attempt.
		cfg.DiscoveryInterval = 0
	}
	cfg.Logger = nil // the client's console logging would write to stdout
	s := &Store{
		cfg:       *cfg,
		maxOutage: time.Minute,
		retries:   4,
		backoff:   eventstore.Backoff{Min: 20 * time.Millisecond, Max: time.Second},
		done:      make(chan struct{}),
	}
	for _, o := range opts {
		o(s)
	}
	return s, nil
}

// WaitReady waits until the server answers, retrying with backoff, or ctx
// ends. It returns nil once a connection is established.
func (s *Store) WaitReady(ctx context.Context) error {
	var last error
	for try := 0; ; try++ {
		c, err := s.conn(ctx)
		switch {
		case err == nil:
			c.leave()
			return nil
		case !errors.Is(err, eventstore.ErrUnavailable):
			return s.wrapWait(err, last)
		}
		last = err
		if err := s.sleep(ctx, s.backoff.Delay(try)); err != nil {
			return s.wrapWait(err, last)
		}
	}
}

// protect runs f, turning a panic of the client into an error.
func protect(f func() error) (err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("%w: esdb client failed: %v", eventstore.ErrUnavailable, r)
		}
	}()
	return f()
}

// sleep waits d, or until ctx ends or the store closes.
func (s *Store) sleep(ctx context.Context, d time.Duration) error {
	return eventstore.Sleep(ctx, d, s.done)
}

// keep reports whether stream belongs to the store's global log.
func (s *Store) keep(stream string) bool {
	if len(s.prefixes) == 0 {
		return !strings.HasPrefix(stream, "$")
	}
	for _, p := range s.prefixes {
		if strings.HasPrefix(stream, p) {
			return true
		}
	}
	return false
}
