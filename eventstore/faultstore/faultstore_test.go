package faultstore_test

import (
	"context"
	"encoding/json"
	"errors"
	"syscall"
	"testing"

	"github.com/google/uuid"
	"github.com/stretchr/testify/require"

	"github.com/fapiao/fapiao/eventstore"
	"github.com/fapiao/fapiao/eventstore/faultstore"
	"github.com/fapiao/fapiao/eventstore/memstore"
	"github.com/fapiao/fapiao/eventstore/storetest"
)

// Without a fault the wrapper is the store it wraps.
func TestContract(t *testing.T) {
	storetest.Run(t, func(t *testing.T) eventstore.Store { return faultstore.New(memstore.New()) }, storetest.Features{Contiguous: true})
}

func event() eventstore.EventData {
	return eventstore.EventData{ID: uuid.New(), Type: "Tested", Data: json.RawMessage(`{}`), Metadata: json.RawMessage(`{}`)}
}

func TestFaults(t *testing.T) {
	cases := []struct {
		name    string
		err     error
		mode    faultstore.Mode
		errno   syscall.Errno
		written bool
	}{
		{"disk full", faultstore.ErrDiskFull, faultstore.BeforeWrite, syscall.ENOSPC, false},
		{"I/O error", faultstore.ErrIO, faultstore.BeforeWrite, syscall.EIO, false},
		{"lost answer", faultstore.ErrIO, faultstore.AfterWrite, syscall.EIO, true},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			ctx := context.Background()
			mem := memstore.New()
			s := faultstore.New(mem)
			s.Fail(tc.err, tc.mode, 1)
			ev := event()
			_, err := s.Append(ctx, "s", eventstore.NoStream, ev)
			require.ErrorIs(t, err, eventstore.ErrUnavailable)
			require.ErrorIs(t, err, tc.errno)
			require.Equal(t, 1, s.Failed())
			if tc.written {
				require.Equal(t, uint64(1), mem.LastPosition())
			} else {
				require.Zero(t, mem.LastPosition(), "nothing written")
			}
			// The fault was for one append: the retry goes through, and a
			// retry of a written append is recognised by its event ID.
			res, err := s.Append(ctx, "s", eventstore.NoStream, ev)
			require.NoError(t, err)
			require.Equal(t, uint64(1), res.Position)
			require.Equal(t, uint64(1), mem.LastPosition())
		})
	}
}

func TestFailUntilHealed(t *testing.T) {
	ctx := context.Background()
	s := faultstore.New(memstore.New())
	s.Fail(faultstore.ErrDiskFull, faultstore.BeforeWrite, -1)
	for range 3 {
		_, err := s.Append(ctx, "s", eventstore.Any, event())
		require.True(t, errors.Is(err, eventstore.ErrUnavailable))
	}
	for _, err := range s.ReadAll(ctx, eventstore.Start) {
		t.Fatalf("reads keep working and see nothing: %v", err)
	}
	s.Heal()
	_, err := s.Append(ctx, "s", eventstore.Any, event())
	require.NoError(t, err)
	require.Equal(t, 3, s.Failed())
}
