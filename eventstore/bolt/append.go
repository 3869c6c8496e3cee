package bolt

import (
	"context"
	"fmt"
	"sync"

	"github.com/fapiao/fapiao/eventstore"
)

// request is one Append waiting for the writer. Requests are pooled: the
// steady state of a busy server is one allocation-free round trip each.
type request struct {
	ctx      context.Context
	stream   string
	expected eventstore.ExpectedRevision
	events   []eventstore.EventData
	size     int

	res eventstore.AppendResult
	// first is the position of the first event when the events sit at
	// consecutive positions first … res.Position (contiguous).
	first      eventstore.Position
	contiguous bool
	err        error
	done       chan struct{} // capacity 1: the writer never blocks answering
}

var requestPool = sync.Pool{New: func() any { return &request{done: make(chan struct{}, 1)} }}

func (r *request) release() {
	r.ctx, r.events, r.err = nil, nil, nil
	r.first, r.contiguous = 0, false
	requestPool.Put(r)
}

// Append implements eventstore.Store. The append is handed to the writer
// goroutine, which commits it together with every other pending append;
// Append returns once the batch is durable (or failed).
//
// The result's FirstPosition is set whenever the events sit at consecutive
// positions: always when this append wrote them, and on an idempotent retry
// of events that one append wrote.
func (s *Store) Append(ctx context.Context, stream string, expected eventstore.ExpectedRevision, events ...eventstore.EventData) (eventstore.AppendResult, error) {
	size, err := checkAppend(stream, events)
	if err != nil {
		return eventstore.AppendResult{}, err
	}
	if err := ctxErr(ctx); err != nil {
		return eventstore.AppendResult{}, err
	}
	if s.isClosed() {
		return eventstore.AppendResult{}, eventstore.ErrClosed
	}
	if s.readOnly {
		return eventstore.AppendResult{}, fmt.Errorf("bolt: append to %q in %s: %w", stream, s.path, eventstore.ErrReadOnly)
	}
	if err := s.Damage(); err != nil {
		return eventstore.AppendResult{}, fmt.Errorf("bolt: append to %q refused, the store is damaged: %w", stream, err)
	}
	r := requestPool.Get().(*request)
	r.ctx, r.stream, r.expected, r.events, r.size = ctx, stream, expected, events, size
	select {
	case s.reqs <- r:
	case <-s.quit:
		r.release()
		return eventstore.AppendResult{}, eventstore.ErrClosed
	case <-ctx.Done():
		r.release()
		return eventstore.AppendResult{}, ctx.Err()
	}
	// Not watching ctx from here on: the writer may already be committing
	// this append, and an answer of "cancelled" for a write that happened
	// would mislead. A commit takes one fsync.
	select {
	case <-r.done:
	case <-s.writerDone:
		select {
		case <-r.done:
		default:
			// Queued after the writer's last look: never written. r stays
			// referenced by the channel buffer, so it is not pooled.
			return eventstore.AppendResult{}, eventstore.ErrClosed
		}
	}
	res, err := r.res, r.err
	if err == nil && r.contiguous && len(events) > 0 {
		res.FirstPosition = r.first
	}
	r.release()
	return res, err
}

// checkAppend is eventstore.CheckAppend for bolt.
func checkAppend(stream string, events []eventstore.EventData) (int, error) {
	return eventstore.CheckAppend("bolt", stream, events)
}
