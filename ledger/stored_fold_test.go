package ledger_test

import (
	"context"
	"iter"
	"sync/atomic"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/fapiao/fapiao/domain"
	"github.com/fapiao/fapiao/eventstore"
	"github.com/fapiao/fapiao/eventstore/seglog"
)

// TestCachedAccountIsTheLogsFold: the ledger folds the events it decides
// in their stored form (domain.EventEncoder.Stored) rather than decoding
// them; after a life of every everyday command — an amount of one decimal,
// the clock in Asia/Shanghai where the log's instants decode to a zone of
// the offset alone — the account the ledger holds equals a fresh fold of
// its log, on the segmented log and in memory.
func TestCachedAccountIsTheLogsFold(t *testing.T) {
	ctx := context.Background()
	for _, engine := range []string{"mem", "log"} {
		t.Run(engine, func(t *testing.T) {
			var s eventstore.Store
			if engine == "log" {
				s = openLog(t)
			} else {
				s = newMem(t)
			}
			l := newLedger(s)
			const acc = "acc-stored"
			addr := ready(t, l, acc, "2025-11", "2025-12", "2026-01")
			exec(t, l, acc, billing, statement("2025-10", "12.3"))
			inv := apply(t, l, acc, addr, "2025-11", "2025-10")
			exec(t, l, acc, finance, domain.ApproveInvoice{InvoiceID: inv})
			exec(t, l, acc, finance, issue(inv, 17))
			exec(t, l, acc, finance, domain.ShipInvoice{InvoiceID: inv, Courier: "SF Express", TrackingNumber: "SF1"})
			rej := apply(t, l, acc, addr, "2025-12")
			exec(t, l, acc, finance, domain.RejectInvoice{InvoiceID: rej, Reason: "title mismatch"})
			can := apply(t, l, acc, addr, "2025-12")
			exec(t, l, acc, customer(acc), domain.CancelInvoice{InvoiceID: can, By: domain.RoleCustomer})
			apply(t, l, acc, addr, "2026-01")

			cached, err := l.Load(ctx, acc)
			require.NoError(t, err)
			fresh, err := newLedger(s).Load(ctx, acc)
			require.NoError(t, err)
			require.Equal(t, fresh, cached)
			require.Equal(t, "12.30", fresh.Statements["2025-10"].Buckets.Kingsoft.String())
		})
	}
}

// TestCatchUpSeesAnotherLedgersEvents: on the segmented log the ledger
// learns from the store's StreamLen that its cached account is current;
// events another ledger (a replica, the CLI) wrote must still be read.
func TestCatchUpSeesAnotherLedgersEvents(t *testing.T) {
	ctx := context.Background()
	s := openLog(t)
	l1, l2 := newLedger(s), newLedger(s)
	const acc = "acc-two"
	exec(t, l1, acc, billing, statement("2025-11", "100.00"))
	exec(t, l2, acc, billing, statement("2025-12", "50.00"))
	got, err := l1.Load(ctx, acc)
	require.NoError(t, err)
	require.Contains(t, got.Statements, "2025-12", "the cached account caught up with the other ledger's event")
	require.Equal(t, uint64(2), got.Version)
	// And l1's next command is decided on it, first time.
	exec(t, l1, acc, billing, statement("2026-01", "1.00"))
	fresh, err := newLedger(s).Load(ctx, acc)
	require.NoError(t, err)
	got, err = l1.Load(ctx, acc)
	require.NoError(t, err)
	require.Equal(t, fresh, got)
}

// readCounter is the segmented log, counting its stream reads.
type readCounter struct {
	*seglog.Store
	reads atomic.Int64
}

func (r *readCounter) ReadStream(ctx context.Context, stream string, from uint64) iter.Seq2[eventstore.Record, error] {
	r.reads.Add(1)
	return r.Store.ReadStream(ctx, stream, from)
}

// TestCatchUpAsksBeforeItReads: a command on a cached account that no one
// else moved reads nothing: the store's StreamLen said the cache is
// current.
func TestCatchUpAsksBeforeItReads(t *testing.T) {
	s := &readCounter{Store: openLog(t)}
	l := newLedger(s)
	const acc = "acc-quiet"
	exec(t, l, acc, billing, statement("2025-11", "100.00"))
	s.reads.Store(0)
	exec(t, l, acc, billing, statement("2025-12", "50.00"))
	exec(t, l, acc, billing, statement("2026-01", "1.00"))
	require.Zero(t, s.reads.Load(), "stream reads for commands on a current cached account")
}
