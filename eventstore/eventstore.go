// Package eventstore defines the log that fapiao keeps: an append-only,
// globally ordered sequence of events, partitioned into streams.
//
// Every backend (the embedded bolt store, the EventStoreDB adapter) is a
// sibling package that implements Store and passes the contract suite in
// eventstore/storetest. The semantics follow EventStoreDB so that a log can
// move between backends (fapiao migrate) without changing meaning.
package eventstore

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"iter"

	"github.com/google/uuid"
)

// Store is the event log. Implementations are safe for concurrent use.
type Store interface {
	// Append writes events to the end of stream, atomically, if the stream's
	// current revision matches expected. Re-appending events whose IDs were
	// already written at the same expected revision writes nothing and returns
	// the original result (EventStoreDB's idempotent-append rule). Once it
	// has answered it keeps nothing of events: the caller may write over
	// their bytes (the ledger reuses its buffers; storetest checks it).
	Append(ctx context.Context, stream string, expected ExpectedRevision, events ...EventData) (AppendResult, error)

	// ReadStream yields the events of stream with revision >= from, in order.
	// A stream that has no events yields ErrStreamNotFound once.
	ReadStream(ctx context.Context, stream string, from uint64) iter.Seq2[Record, error]

	// ReadAll yields the events of the global log with position > after, in
	// order. Start reads from the beginning.
	ReadAll(ctx context.Context, after Position) iter.Seq2[Record, error]

	// Subscribe yields the events with position > after (catch-up), then one
	// Message with CaughtUp set, then live events as they are committed, until
	// ctx ends or the iteration stops. It yields an error (and ends) if the
	// subscription is dropped; callers resume from the last position they saw.
	Subscribe(ctx context.Context, after Position) iter.Seq2[Message, error]

	// Close releases the store. Appends and reads after Close fail with ErrClosed.
	Close() error
}

// StreamAppend is one stream's part of an AppendAtomic: what Append takes.
type StreamAppend struct {
	Stream   string
	Expected ExpectedRevision
	Events   []EventData
}

// AtomicAppender is a store that appends to several streams at once, all or
// nothing: every part is written (each as Append would, its expected
// revision checked and an idempotent retry recognised), or none is and the
// error is the first refusal (a *WrongExpectedVersionError for a wrong
// expected revision). The streams must be distinct. Optional: the segmented
// log commits the parts in one group (one write, one fdatasync), where two
// Appends are two group commits a caller waits for one after the other.
type AtomicAppender interface {
	AppendAtomic(ctx context.Context, parts []StreamAppend) ([]AppendResult, error)
}

// Position is an event's place in the global log. Positions are strictly
// increasing but need not be contiguous (EventStoreDB's are byte offsets).
type Position = uint64

// Start is the position before the first event: ReadAll(ctx, Start) reads all.
const Start Position = 0

// EventData is an event to append. ID must be set by the caller: a retried
// append is recognised by its event IDs.
type EventData struct {
	ID       uuid.UUID
	Type     string
	Data     json.RawMessage
	Metadata json.RawMessage
}

// Record is an event as stored: its data plus where it sits in its stream and
// in the global log. Its JSON form is the wire form of API.md.
type Record struct {
	Position Position        `json:"position"`
	Stream   string          `json:"stream"`
	Revision uint64          `json:"revision"`
	ID       uuid.UUID       `json:"id"`
	Type     string          `json:"type"`
	Data     json.RawMessage `json:"data"`
	Metadata json.RawMessage `json:"metadata"`
	// Form is FormJSON but in a record LendStream lent with LendForms.
	Form DataForm `json:"-"`
}

// AppendResult says where the last appended event landed.
type AppendResult struct {
	// NextExpectedRevision is the stream's revision after the append: the
	// revision of the last event written.
	NextExpectedRevision uint64
	// Position is the global position of the last event written.
	Position Position
	// FirstPosition, when not 0, says the events of this append sit at the
	// consecutive positions FirstPosition … Position, so a caller learns
	// each event's position without reading it back. 0 means the store does
	// not know (EventStoreDB's positions are byte offsets).
	FirstPosition Position
}

// Message is one step of a subscription: an event, or the signal that the
// subscription has caught up with the log and what follows is live.
type Message struct {
	Record   Record
	CaughtUp bool
}

// ExpectedRevision is the optimistic-concurrency condition of an append.
// The zero value is Any.
type ExpectedRevision struct {
	kind     expectKind
	revision uint64
}

type expectKind uint8

const (
	expectAny expectKind = iota
	expectNoStream
	expectStreamExists
	expectExact
)

var (
	// Any appends whatever the stream's state.
	Any = ExpectedRevision{kind: expectAny}
	// NoStream appends only if the stream has no events.
	NoStream = ExpectedRevision{kind: expectNoStream}
	// StreamExists appends only if the stream has at least one event.
	StreamExists = ExpectedRevision{kind: expectStreamExists}
)

// Exact appends only if the stream's last event has revision rev.
func Exact(rev uint64) ExpectedRevision { return ExpectedRevision{kind: expectExact, revision: rev} }

// IsAny, IsNoStream, IsStreamExists report the mode; Revision reports an
// exact revision and whether the mode is exact.
func (e ExpectedRevision) IsAny() bool          { return e.kind == expectAny }
func (e ExpectedRevision) IsNoStream() bool     { return e.kind == expectNoStream }
func (e ExpectedRevision) IsStreamExists() bool { return e.kind == expectStreamExists }
func (e ExpectedRevision) Revision() (uint64, bool) {
	return e.revision, e.kind == expectExact
}

// Matches reports whether a stream whose last revision is current (exists
// false for a stream with no events) satisfies e.
func (e ExpectedRevision) Matches(current uint64, exists bool) bool {
	switch e.kind {
	case expectNoStream:
		return !exists
	case expectStreamExists:
		return exists
	case expectExact:
		return exists && current == e.revision
	default:
		return true
	}
}

func (e ExpectedRevision) String() string {
	switch e.kind {
	case expectNoStream:
		return "no stream"
	case expectStreamExists:
		return "stream exists"
	case expectExact:
		return fmt.Sprintf("revision %d", e.revision)
	default:
		return "any"
	}
}

var (
	// ErrStreamNotFound: the stream has no events.
	ErrStreamNotFound = errors.New("eventstore: stream not found")
	// ErrClosed: the store was closed.
	ErrClosed = errors.New("eventstore: store closed")
	// ErrUnavailable: the backend cannot be reached or cannot write (disk
	// full, I/O error, server down). Nothing was written.
	ErrUnavailable = errors.New("eventstore: unavailable")
	// ErrCorrupt: the store's data is damaged (a bad page, an index that
	// disagrees with the log, a file cut short). Retrying does not help;
	// the store must be checked (fapiao verify) and restored. Errors wrap
	// it with what is damaged and where.
	ErrCorrupt = errors.New("eventstore: store damaged")
	// ErrReadOnly: the store was opened for reading only.
	ErrReadOnly = errors.New("eventstore: store opened read-only")
)

// WrongExpectedVersionError says an append's condition did not hold.
// Nothing was written.
type WrongExpectedVersionError struct {
	Stream   string
	Expected ExpectedRevision
	// Actual is the stream's last revision; ActualExists is false for a
	// stream with no events.
	Actual       uint64
	ActualExists bool
}

func (e *WrongExpectedVersionError) Error() string {
	actual := "no stream"
	if e.ActualExists {
		actual = fmt.Sprintf("revision %d", e.Actual)
	}
	return fmt.Sprintf("eventstore: wrong expected version on %q: expected %s, actual %s", e.Stream, e.Expected, actual)
}

// Is makes errors.Is(err, ErrWrongExpectedVersion) true for any
// *WrongExpectedVersionError.
func (e *WrongExpectedVersionError) Is(target error) bool { return target == ErrWrongExpectedVersion }

// ErrWrongExpectedVersion matches every *WrongExpectedVersionError with errors.Is.
var ErrWrongExpectedVersion = errors.New("eventstore: wrong expected version")

// CheckAppend rejects what no store can keep — an empty stream name, an
// event without an ID or a type — naming the store (backend) and the event;
// it returns the append's approximate payload size in bytes, which the
// embedded stores budget their commits by.
func CheckAppend(backend, stream string, events []EventData) (int, error) {
	if stream == "" {
		return 0, fmt.Errorf("%s: append: empty stream name", backend)
	}
	size := len(stream)
	for i := range events {
		if events[i].ID == uuid.Nil {
			return 0, fmt.Errorf("%s: append to %q: event %d has no ID", backend, stream, i)
		}
		if events[i].Type == "" {
			return 0, fmt.Errorf("%s: append to %q: event %d has no type", backend, stream, i)
		}
		size += len(events[i].Data) + len(events[i].Metadata) + len(events[i].Type) + 64
	}
	return size, nil
}
