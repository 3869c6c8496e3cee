package esdb

import (
	"context"
	"errors"
	"fmt"
	"io"
	"time"

	client "github.com/EventStore/EventStore-Client-Go/v4/esdb"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"github.com/fapiao/fapiao/eventstore"
)

// classify maps an error of the client to the store's errors. gone reports
// that the client looks cut off from the server and should be replaced.
func (s *Store) classify(ctx context.Context, err error) (out error, gone bool) {
	if err == nil {
		return nil, false
	}
	if s.isClosed() {
		return eventstore.ErrClosed, false
	}
	if ctx.Err() != nil {
		return fmt.Errorf("esdb: %w", ctx.Err()), false
	}
	if dl, ok := ctx.Deadline(); ok && !time.Now().Before(dl) {
		// The server's timer (gRPC sends the deadline along) can fire a
		// moment before ctx's own.
		return fmt.Errorf("esdb: %w", context.DeadlineExceeded), false
	}
	if errors.Is(err, eventstore.ErrUnavailable) {
		return err, true
	}
	if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
		// The connection ended under the call (the server stopped): the
		// client reports it as an unclassified error wrapping EOF.
		return fmt.Errorf("%w: %v", eventstore.ErrUnavailable, err), true
	}
	var e *client.Error
	if errors.As(err, &e) {
		switch e.Code() {
		case client.ErrorCodeResourceNotFound:
			return eventstore.ErrStreamNotFound, false
		case client.ErrorUnavailable, client.ErrorCodeConnectionClosed,
			client.ErrorCodeDeadlineExceeded, client.ErrorAborted, client.ErrorCodeNotLeader:
			return fmt.Errorf("%w: %v", eventstore.ErrUnavailable, err), true
		}
	}
	switch status.Code(unwrapStatus(err)) {
	case codes.Unavailable, codes.Canceled, codes.DeadlineExceeded, codes.Aborted:
		// Canceled without a cancelled ctx: the connection was closed under
		// the call (the store replaced the client).
		return fmt.Errorf("%w: %v", eventstore.ErrUnavailable, err), true
	}
	return fmt.Errorf("esdb: %w", err), false
}

// unwrapStatus finds the gRPC status error inside err's chain, if any.
func unwrapStatus(err error) error {
	for e := err; e != nil; e = errors.Unwrap(e) {
		if _, ok := status.FromError(e); ok {
			return e
		}
	}
	return err
}

func (s *Store) isClosed() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.closed
}
