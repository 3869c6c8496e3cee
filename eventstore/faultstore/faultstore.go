// Package faultstore wraps an eventstore.Store and makes its appends fail on
// demand, the way a full disk, a failing device or a lost answer would, so
// that tests can check that the layers above answer 503, write nothing half
// and keep serving reads.
package faultstore

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"syscall"

	"github.com/fapiao/fapiao/eventstore"
)

// Errors a real backend reports when it cannot write. Each wraps
// eventstore.ErrUnavailable, as the Store contract asks, and the system
// error it stands for.
var (
	ErrDiskFull = fmt.Errorf("faultstore: write: %w (%w)", syscall.ENOSPC, eventstore.ErrUnavailable)
	ErrIO       = fmt.Errorf("faultstore: write: %w (%w)", syscall.EIO, eventstore.ErrUnavailable)
)

// Mode says when a fault strikes.
type Mode int

const (
	// BeforeWrite fails the append and writes nothing: a full disk or a
	// failed fsync that the backend rolled back.
	BeforeWrite Mode = iota
	// AfterWrite writes the events and then reports the error: the answer
	// was lost (a network cut after an EventStoreDB commit). A retry with
	// the same event IDs must be recognised as the same append.
	AfterWrite
)

// Store is a Store whose appends fail while a fault is set. Reads,
// subscriptions and Close always go to the wrapped store.
type Store struct {
	eventstore.Store

	mu     sync.Mutex
	err    error
	mode   Mode
	left   int // appends still to fail; < 0 means until Heal
	failed int
}

// New wraps s; it behaves exactly like s until Fail is called.
func New(s eventstore.Store) *Store { return &Store{Store: s} }

// Fail makes the next n appends fail with err in mode (n < 0: every append
// until Heal). err should wrap eventstore.ErrUnavailable, as a real
// backend's would.
func (s *Store) Fail(err error, mode Mode, n int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.err, s.mode, s.left = err, mode, n
}

// Heal ends the fault.
func (s *Store) Heal() { s.Fail(nil, BeforeWrite, 0) }

// Failed reports how many appends failed so far.
func (s *Store) Failed() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.failed
}

// fault returns the error and mode for this append, if one is due.
func (s *Store) fault() (error, Mode) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.err == nil || s.left == 0 {
		return nil, BeforeWrite
	}
	if s.left > 0 {
		s.left--
	}
	s.failed++
	return s.err, s.mode
}

// Append fails as configured, or appends to the wrapped store.
func (s *Store) Append(ctx context.Context, stream string, expected eventstore.ExpectedRevision, events ...eventstore.EventData) (eventstore.AppendResult, error) {
	err, mode := s.fault()
	if err == nil {
		return s.Store.Append(ctx, stream, expected, events...)
	}
	if mode == AfterWrite {
		if _, werr := s.Store.Append(ctx, stream, expected, events...); werr != nil {
			return eventstore.AppendResult{}, errors.Join(err, werr)
		}
	}
	return eventstore.AppendResult{}, err
}
