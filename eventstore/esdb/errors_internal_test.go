package esdb

import (
	"context"
	"errors"
	"fmt"
	"io"
	"testing"

	"github.com/fapiao/fapiao/eventstore"
)

// TestClassifyConnectionEnded: the client reports a call whose connection
// ended under it (the server stopped) as an unclassified error wrapping
// EOF; the store must call that unavailable, and replace the client.
func TestClassifyConnectionEnded(t *testing.T) {
	var s Store
	for _, cause := range []error{io.EOF, io.ErrUnexpectedEOF} {
		err := fmt.Errorf("could not send append request. Reason: %w", cause)
		out, gone := s.classify(context.Background(), err)
		if !errors.Is(out, eventstore.ErrUnavailable) || !gone {
			t.Errorf("classify(%v) = %v, gone %v; want ErrUnavailable, gone", err, out, gone)
		}
	}
}
