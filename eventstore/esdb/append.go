package esdb

import (
	"context"
	"errors"
	"fmt"
	"regexp"
	"strconv"

	client "github.com/EventStore/EventStore-Client-Go/v4/esdb"
	"github.com/google/uuid"

	"github.com/fapiao/fapiao/eventstore"
)

// Append writes events to stream if its revision matches expected. On an
// unreachable server it retries with the same event IDs and expectation,
// which the server recognises as the same write.
func (s *Store) Append(ctx context.Context, stream string, expected eventstore.ExpectedRevision, events ...eventstore.EventData) (eventstore.AppendResult, error) {
	data := make([]client.EventData, len(events))
	for i, e := range events {
		if e.ID == uuid.Nil {
			// The client would put a random ID here, and a retry would
			// then write the event twice.
			return eventstore.AppendResult{}, fmt.Errorf("esdb: event %d of %s has no ID", i, stream)
		}
		data[i] = client.EventData{
			EventID:     e.ID,
			EventType:   e.Type,
			ContentType: client.ContentTypeJson,
			Data:        e.Data,
			Metadata:    e.Metadata,
		}
	}
	opts := client.AppendToStreamOptions{ExpectedRevision: toExpected(expected)}
	var last error
	for try := 0; try <= s.retries; try++ {
		if try > 0 {
			if err := s.sleep(ctx, s.backoff.Delay(try-1)); err != nil {
				return eventstore.AppendResult{}, s.wrapWait(err, last)
			}
		}
		c, err := s.conn(ctx)
		if err != nil {
			if errors.Is(err, eventstore.ErrUnavailable) {
				last = err
				continue
			}
			return eventstore.AppendResult{}, s.wrapWait(err, last)
		}
		var res *client.WriteResult
		err = protect(func() error {
			var err error
			res, err = c.c.AppendToStream(ctx, stream, opts, data...)
			return err
		})
		c.leave()
		if err == nil {
			return s.appendResult(ctx, stream, res)
		}
		var ce *client.Error
		if errors.As(err, &ce) && ce.Code() == client.ErrorCodeWrongExpectedVersion {
			return eventstore.AppendResult{}, s.wrongExpected(ctx, stream, expected, ce)
		}
		out, gone := s.classify(ctx, err)
		if !gone {
			return eventstore.AppendResult{}, out
		}
		s.discard(c)
		last = out
	}
	return eventstore.AppendResult{}, last
}

// wrapWait reports an error that ended a wait, with the failure that caused
// the wait.
func (s *Store) wrapWait(err, last error) error {
	if last == nil {
		if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
			return fmt.Errorf("esdb: %w", err)
		}
		return err
	}
	return fmt.Errorf("%w (after: %w)", err, last)
}

func toExpected(e eventstore.ExpectedRevision) client.ExpectedRevision {
	switch {
	case e.IsNoStream():
		return client.NoStream{}
	case e.IsStreamExists():
		return client.StreamExists{}
	}
	if rev, ok := e.Revision(); ok {
		return client.StreamRevision{Value: rev}
	}
	return client.Any{}
}

func (s *Store) appendResult(ctx context.Context, stream string, res *client.WriteResult) (eventstore.AppendResult, error) {
	out := eventstore.AppendResult{NextExpectedRevision: res.NextExpectedVersion, Position: res.CommitPosition}
	if out.Position != 0 {
		return out, nil
	}
	// Some servers answer an idempotent re-append without a position:
	// the position is the last written event's, so read it.
	rec, err := s.readOne(ctx, stream, client.Revision(res.NextExpectedVersion), client.Forwards)
	if err != nil {
		return eventstore.AppendResult{}, err
	}
	out.Position = rec.Position
	return out, nil
}

// gotRevision is the actual revision in the client's wrong-expected-version
// text: "expecting '<expected>' but got '<actual>'".
var gotRevision = regexp.MustCompile(`but got '([^']*)'`)

func (s *Store) wrongExpected(ctx context.Context, stream string, expected eventstore.ExpectedRevision, ce *client.Error) error {
	w := &eventstore.WrongExpectedVersionError{Stream: stream, Expected: expected}
	if m := gotRevision.FindStringSubmatch(ce.Error()); m != nil {
		if m[1] == "no_stream" {
			return w
		}
		if rev, err := strconv.ParseUint(m[1], 10, 64); err == nil {
			w.Actual, w.ActualExists = rev, true
			return w
		}
	}
	// The text changed: ask the stream instead (racy, but only a report).
	rec, err := s.readOne(ctx, stream, client.End{}, client.Backwards)
	switch {
	case errors.Is(err, eventstore.ErrStreamNotFound):
	case err != nil:
		return fmt.Errorf("%w; reading the actual revision: %w", w, err)
	default:
		w.Actual, w.ActualExists = rec.Revision, true
	}
	return w
}
