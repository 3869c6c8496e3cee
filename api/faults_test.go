package api_test

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/fapiao/fapiao/api"
	"github.com/fapiao/fapiao/eventstore/faultstore"
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
			require.Equal(t, "1", r.header.Get("Retry-After"))
			require.Empty(t, r.header.Get(api.HeaderPosition), "nothing acknowledged")
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
			list := s.must(200, "GET", "/v1/accounts/acc-1/addresses", tokCustomer, nil, api.HeaderMinPosition, ok.header.Get(api.HeaderPosition)).json(t)
			require.Len(t, list["items"], 2, "the seeded address and the retried one, once")
			written := uint64(1) // the address, once
			if tc.mode == faultstore.AfterWrite {
				written++ // the statement, whose answer was lost
			}
			require.Equal(t, before+written, s.store.LastPosition(), "each command written once")
		})
	}
}
