package bolt

import (
	"context"
	"fmt"

	"github.com/fapiao/fapiao/eventstore"
)

// Append implements eventstore.Store. The append is handed to the writer
// goroutine, which commits it together with every other pending append;
// Append returns once the batch is durable (or failed).
//
// The result's FirstPosition is set whenever the events sit at consecutive
// positions: always when this append wrote them, and on an idempotent retry
// of events that one append wrote.
func (s *Store) Append(ctx context.Context, stream string, expected eventstore.ExpectedRevision, events ...eventstore.EventData) (eventstore.AppendResult, error) {
	size, err := checkAppend(stream, events)
	if err == nil {
		err = s.q.Admit(ctx, func() error { return s.refuseAppend(stream) })
	}
	if err != nil {
		return eventstore.AppendResult{}, err
	}
	return s.q.Submit(ctx, stream, expected, events, size)
}

// refuseAppend says why the open store takes no append: it is read-only,
// or damaged.
func (s *Store) refuseAppend(stream string) error {
	if s.readOnly {
		return fmt.Errorf("bolt: append to %q in %s: %w", stream, s.path, eventstore.ErrReadOnly)
	}
	if err := s.Damage(); err != nil {
		return fmt.Errorf("bolt: append to %q refused, the store is damaged: %w", stream, err)
	}
	return nil
}

// checkAppend is eventstore.CheckAppend for bolt.
func checkAppend(stream string, events []eventstore.EventData) (int, error) {
	return eventstore.CheckAppend("bolt", stream, events)
}
