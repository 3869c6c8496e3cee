package esdb

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"iter"

	client "github.com/EventStore/EventStore-Client-Go/v4/esdb"

	"github.com/fapiao/fapiao/eventstore"
)

// pageSize is how many events one read call asks for; a long read is a
// sequence of calls, so no call holds the server for long.
const pageSize = 500

// ReadStream yields the events of stream from revision from on.
func (s *Store) ReadStream(ctx context.Context, stream string, from uint64) iter.Seq2[eventstore.Record, error] {
	return func(yield func(eventstore.Record, error) bool) {
		next, first := from, true
		for {
			n := 0
			err := s.page(ctx, func(c *client.Client) (*client.ReadStream, error) {
				return c.ReadStream(ctx, stream, client.ReadStreamOptions{From: client.Revision(next)}, pageSize)
			}, func(r eventstore.Record) bool {
				n++
				next = r.Revision + 1
				return yield(r, nil)
			})
			switch {
			case errors.Is(err, errStop):
				return
			case errors.Is(err, eventstore.ErrStreamNotFound) && !first:
				return // the stream was deleted under us: nothing more to read
			case err != nil:
				yield(eventstore.Record{}, err)
				return
			}
			if n < pageSize {
				return
			}
			first = false
		}
	}
}

// ReadAll yields the events of the store's streams with position > after.
func (s *Store) ReadAll(ctx context.Context, after eventstore.Position) iter.Seq2[eventstore.Record, error] {
	return func(yield func(eventstore.Record, error) bool) {
		last := after
		for {
			var from client.AllPosition = client.Start{}
			if last > 0 {
				// Reading $all from a position includes the event there.
				from = client.Position{Commit: last, Prepare: last}
			}
			n := 0
			err := s.page(ctx, func(c *client.Client) (*client.ReadStream, error) {
				return c.ReadAll(ctx, client.ReadAllOptions{From: from}, pageSize)
			}, func(r eventstore.Record) bool {
				n++
				if r.Position <= last {
					return true
				}
				last = r.Position
				if !s.keep(r.Stream) {
					return true
				}
				return yield(r, nil)
			})
			switch {
			case errors.Is(err, errStop):
				return
			case err != nil:
				yield(eventstore.Record{}, err)
				return
			}
			if n < pageSize {
				return
			}
		}
	}
}

// errStop says the consumer stopped the iteration.
var errStop = errors.New("esdb: iteration stopped")

// page runs one read call and passes its events to each until it returns
// false (errStop). A client that looks cut off is replaced.
func (s *Store) page(ctx context.Context, open func(*client.Client) (*client.ReadStream, error), each func(eventstore.Record) bool) error {
	c, err := s.conn(ctx)
	if err != nil {
		if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
			return fmt.Errorf("esdb: %w", err)
		}
		return err
	}
	defer c.leave()
	var rs *client.ReadStream
	if err := protect(func() error {
		var err error
		rs, err = open(c.c)
		return err
	}); err != nil {
		return s.failed(ctx, c, err)
	}
	defer rs.Close()
	for {
		var ev *client.ResolvedEvent
		err := protect(func() error {
			var err error
			ev, err = rs.Recv()
			return err
		})
		if errors.Is(err, io.EOF) {
			if s.isClosed() {
				return eventstore.ErrClosed
			}
			return nil
		}
		if err != nil {
			return s.failed(ctx, c, err)
		}
		if !each(toRecord(ev)) {
			return errStop
		}
	}
}

// failed classifies a call's error, replacing the client if it is cut off.
func (s *Store) failed(ctx context.Context, c *conn, err error) error {
	out, gone := s.classify(ctx, err)
	if gone {
		s.discard(c)
	}
	return out
}

// readOne reads one event of stream at from in direction dir.
func (s *Store) readOne(ctx context.Context, stream string, from client.StreamPosition, dir client.Direction) (eventstore.Record, error) {
	var rec eventstore.Record
	found := false
	err := s.page(ctx, func(cl *client.Client) (*client.ReadStream, error) {
		return cl.ReadStream(ctx, stream, client.ReadStreamOptions{From: from, Direction: dir}, 1)
	}, func(r eventstore.Record) bool {
		rec, found = r, true
		return true
	})
	if err == nil && !found {
		err = eventstore.ErrStreamNotFound
	}
	return rec, err
}

func toRecord(ev *client.ResolvedEvent) eventstore.Record {
	e := ev.Event
	if e == nil { // a link to a deleted event; we never write links
		e = ev.Link
	}
	return eventstore.Record{
		Position: e.Position.Commit,
		Stream:   e.StreamID,
		Revision: e.EventNumber,
		ID:       e.EventID,
		Type:     e.EventType,
		Data:     raw(e.Data),
		Metadata: raw(e.UserMetadata),
	}
}

func raw(b []byte) json.RawMessage {
	if len(b) == 0 {
		return nil
	}
	return json.RawMessage(b)
}
