package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"

	berrors "go.etcd.io/bbolt/errors"
	"golang.org/x/term"

	"github.com/fapiao/fapiao/cmd/fapiao/internal/progress"
	"github.com/fapiao/fapiao/eventstore"
	"github.com/fapiao/fapiao/eventstore/seglog"
	"github.com/fapiao/fapiao/eventstore/storeurl"
	"github.com/fapiao/fapiao/ledger"
)

// openForJob opens the store of an operator's read-only command (verify,
// export, replay, reconcile, migrate's source): it never creates or changes
// anything, and a path with no store is an error. A bolt file or log
// directory held by a running server fails within about a second (the lock
// timeout) with a
// message that says so and names the HTTP endpoint that answers the same
// question while the server runs — the command never hangs on the lock.
//
// The store's quick check runs first (eventstore.Checker): a job does not
// report from a damaged log as if it were whole.
func openForJob(ctx context.Context, raw, endpoint string) (eventstore.Store, error) {
	s, err := openStore(ctx, raw, endpoint, storeurl.OpenReadOnly)
	if err != nil {
		return nil, damageHint(err, raw)
	}
	if err := quickCheck(ctx, s, raw); err != nil {
		return nil, errors.Join(err, s.Close())
	}
	// A job reads the whole log: the whole index costs it little more.
	if err := indexCheck(ctx, s, raw, eventstore.Start); err != nil {
		return nil, errors.Join(err, s.Close())
	}
	return s, nil
}

// openForVerify is openForJob without the quick check: verify runs the
// full one and reports what it finds.
func openForVerify(ctx context.Context, raw string) (eventstore.Store, error) {
	s, err := openStore(ctx, raw, "", storeurl.OpenReadOnly)
	return s, damageHint(err, raw)
}

// quickCheck runs the store's quick structural check, if it offers one,
// and turns damage into an error that says what to do.
func quickCheck(ctx context.Context, store eventstore.Store, raw string) error {
	c, ok := store.(eventstore.Checker)
	if !ok {
		return nil
	}
	rep, err := c.Check(ctx, true)
	if err != nil {
		return fmt.Errorf("checking the store: %w", err)
	}
	return damaged(rep, raw)
}

// indexCheck checks the store's indexes (eventstore.IndexChecker, if it
// keeps any) for the records after from: all of them from Start; from a
// server's views position, what the log gained since its last run.
func indexCheck(ctx context.Context, store eventstore.Store, raw string, from eventstore.Position) error {
	ic, ok := store.(eventstore.IndexChecker)
	if !ok {
		return nil
	}
	rep, err := ic.CheckIndexSince(ctx, from)
	if err != nil {
		return fmt.Errorf("checking the store's index: %w", err)
	}
	return damaged(rep, raw)
}

// damaged is the error of a check that found damage (nil if it found none).
func damaged(rep eventstore.CheckReport, raw string) error {
	if rep.OK() {
		return nil
	}
	return fmt.Errorf("the store is damaged (%d problems; the first: %s) (%w); run `fapiao verify --store %s` for a full report, and restore the store from a backup",
		len(rep.Damage)+rep.More, rep.Damage[0], eventstore.ErrCorrupt, redactedStore(raw))
}

// openForWrite opens the store of a command that writes (import,
// migrate's target), creating a bolt file if there is none.
func openForWrite(ctx context.Context, raw, endpoint string) (eventstore.Store, error) {
	return openStore(ctx, raw, endpoint, storeurl.Open)
}

// fapiaoStreams keeps a shared EventStoreDB's global log to the ledger's
// streams.
var fapiaoStreams = storeurl.WithStreamPrefixes(ledger.StreamPrefixes()...)

func openStore(ctx context.Context, raw, endpoint string, open func(context.Context, string, ...storeurl.Option) (eventstore.Store, error)) (eventstore.Store, error) {
	if _, err := storeurl.Parse(raw); err != nil {
		return nil, usagef("%v", err)
	}
	openCtx, cancel := context.WithTimeout(ctx, openTimeout)
	defer cancel()
	s, err := open(openCtx, raw, fapiaoStreams)
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

// newMeter is a progress meter on w, as wide as w's terminal when it is
// one and its width is known (else the meter keeps to 80 columns).
func newMeter(w io.Writer, label string) *progress.Meter {
	tty := isTerminal(w)
	m := progress.NewMeter(w, tty, label)
	if f, ok := w.(*os.File); ok && tty {
		if cols, _, err := term.GetSize(int(f.Fd())); err == nil && cols > 0 {
			m.Width = cols
		}
	}
	return m
}
