package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"

	berrors "go.etcd.io/bbolt/errors"
	"golang.org/x/term"

	"github.com/fapiao/fapiao/eventstore"
	"github.com/fapiao/fapiao/eventstore/seglog"
	"github.com/fapiao/fapiao/eventstore/storeurl"
)

// openForJob opens the store of an operator's command. A bolt file or log
// directory held by a running server fails within about a second (the lock
// timeout) with a
// message that says so and names the HTTP endpoint that answers the same
// question while the server runs — the command never hangs on the lock.
func openForJob(ctx context.Context, raw, endpoint string) (eventstore.Store, error) {
	if _, err := storeurl.Parse(raw); err != nil {
		return nil, usagef("%v", err)
	}
	openCtx, cancel := context.WithTimeout(ctx, openTimeout)
	defer cancel()
	s, err := storeurl.Open(openCtx, raw)
	if errors.Is(err, berrors.ErrTimeout) || errors.Is(err, seglog.ErrLocked) {
		hint := "stop the server first"
		if endpoint != "" {
			hint = "ask the running server instead (" + endpoint + "), or stop it first"
		}
		return nil, fmt.Errorf("store %s is held by another process, probably a running `fapiao serve`: %s", raw, hint)
	}
	return s, err
}

// closeStore closes s and keeps the first error.
func closeStore(s eventstore.Store, err *error) {
	if cerr := s.Close(); cerr != nil && *err == nil {
		*err = fmt.Errorf("closing the store: %w", cerr)
	}
}

// isTerminal reports whether w is a terminal, where progress is a bar
// redrawn in place rather than a line every second.
func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	return ok && term.IsTerminal(int(f.Fd()))
}
