package api_test

import (
	"fmt"
	"log/slog"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/fapiao/fapiao/api"
	"github.com/fapiao/fapiao/eventstore"
	"github.com/fapiao/fapiao/eventstore/faultstore"
	"github.com/fapiao/fapiao/internal/testkit"
	"github.com/fapiao/fapiao/ledger"
)

// withFaults puts a fault-injecting wrapper between the ledger and the
// test server's store; the projections keep reading the store itself.
func withFaults(fs **faultstore.Store) serverOption {
	return func(c *api.Config) {
		*fs = faultstore.New(c.Store)
		c.Store = *fs
		c.Ledger = ledger.New(*fs, ledger.Options{Clock: c.Clock, Issuer: "Test Cloud Ltd"})
	}
}

// TestStorageFaults: a store that cannot write makes a command answer 503
// problem+json with Retry-After, writes nothing, and leaves reads working;
// the same request retried with its Idempotency-Key after the fault
// succeeds once, also when the first attempt was written but its answer
// lost.
func TestStorageFaults(t *testing.T) {
	cases := []struct {
		name string
		err  error
		mode faultstore.Mode
	}{
		{"disk full", faultstore.ErrDiskFull, faultstore.BeforeWrite},
		{"I/O error", faultstore.ErrIO, faultstore.BeforeWrite},
		{"answer lost after the write", faultstore.ErrIO, faultstore.AfterWrite},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			var fs *faultstore.Store
			s := newTestServer(t, withFaults(&fs))
			s.seed()
			before := s.store.LastPosition()

			fs.Fail(tc.err, tc.mode, -1)
			r := s.call("POST", "/v1/accounts/acc-1/addresses", tokCustomer, addressBody, "Idempotency-Key", "addr-during-fault")
			requireProblem(t, r, 503)
			require.Equal(t, "1", r.Header.Get("Retry-After"))
			require.Empty(t, r.Header.Get(api.HeaderPosition), "nothing acknowledged")
			if tc.mode == faultstore.BeforeWrite {
				require.Equal(t, before, s.store.LastPosition(), "nothing written")
			}
			// Statements are posted by another role on another account: same answer.
			requireProblem(t, s.call("POST", "/v1/accounts/acc-2/statements", tokBilling, statementBody("2026-09", "1.00")), 503)

			// Reads keep working during the fault.
			s.must(200, "GET", "/v1/accounts/acc-1/invoiceable", tokCustomer, nil)
			s.must(200, "GET", "/v1/invoices", tokFinance, nil)
			s.must(200, "GET", "/healthz", "", nil)

			fs.Heal()
			ok := s.must(201, "POST", "/v1/accounts/acc-1/addresses", tokCustomer, addressBody, "Idempotency-Key", "addr-during-fault")
			list := s.must(200, "GET", "/v1/accounts/acc-1/addresses", tokCustomer, nil, api.HeaderMinPosition, ok.Header.Get(api.HeaderPosition)).JSON(t)
			require.Len(t, list["items"], 2, "the seeded address and the retried one, once")
			written := uint64(1) // the address, once
			if tc.mode == faultstore.AfterWrite {
				written++ // the statement, whose answer was lost
			}
			require.Equal(t, before+written, s.store.LastPosition(), "each command written once")
		})
	}
}

// TestStoreDamage: a store that reports damage (eventstore.ErrCorrupt) on
// a write makes the command answer 500 problem+json (the internal type,
// its detail saying the store is damaged) — never 409 "retry", never 503
// "retry later" — and the
// server says it is not ready and refuses every later change the same
// way, even one the store might take, while reads of the read models go
// on.
func TestStoreDamage(t *testing.T) {
	var fs *faultstore.Store
	var logged testkit.SyncBuffer
	s := newTestServer(t, withFaults(&fs), func(c *api.Config) { c.Logger = slog.New(slog.NewTextHandler(&logged, nil)) })
	s.seed()
	before := s.store.LastPosition()
	fs.Fail(fmt.Errorf("bolt: commit: page 7: invalid page type (%w)", eventstore.ErrCorrupt), faultstore.BeforeWrite, 1)

	r := s.call("POST", "/v1/accounts/acc-1/addresses", tokCustomer, addressBody)
	requireProblem(t, r, 500)
	require.Equal(t, "https://fapiao.dev/problems/internal", r.JSON(t)["type"])
	require.Empty(t, r.Header.Get("Retry-After"), "retrying does not mend a damaged store")
	require.Equal(t, 1, strings.Count(logged.String(), `msg="request failed"`), "the failed command is logged as an error")
	// The error handler sees the request's state (requestID's context):
	// the line names the request by the ID it was answered with.
	require.NotEmpty(t, r.Header.Get("X-Request-Id"))
	for line := range strings.Lines(logged.String()) {
		if strings.Contains(line, `msg="request failed"`) {
			require.Contains(t, line, "request_id="+r.Header.Get("X-Request-Id")+" ", "the failed request's log line carries its ID")
		}
	}
	requireProblem(t, s.call("GET", "/readyz", "", nil), 503)
	require.Contains(t, string(s.call("GET", "/readyz", "", nil).Body), "damaged")
	require.Equal(t, 1, strings.Count(logged.String(), `msg="request failed"`), "a readiness probe's 503 is its answer, not a failure to log")

	r = s.call("POST", "/v1/accounts/acc-2/statements", tokBilling, statementBody("2026-09", "1.00"))
	requireProblem(t, r, 500)
	require.Equal(t, "https://fapiao.dev/problems/internal", r.JSON(t)["type"])
	require.Equal(t, 1, fs.Failed(), "the second change never reached the store")
	require.Equal(t, before, s.store.LastPosition(), "nothing written")
	s.must(200, "GET", "/v1/accounts/acc-1/invoiceable", tokCustomer, nil)
	s.must(200, "GET", "/healthz", "", nil)
}
