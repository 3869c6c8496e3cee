package projections

import (
	"context"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/fapiao/fapiao/eventstore"
	bolt "go.etcd.io/bbolt"
)

// TestPaceFor: the interval rises with the rate of records, in
// proportion, between liveCommitInterval and liveCommitMax.
func TestPaceFor(t *testing.T) {
	lo, hi := liveCommitInterval, liveCommitMax
	for _, tc := range []struct {
		name    string
		records int
		elapsed time.Duration
		want    time.Duration
	}{
		{"nothing", 0, time.Second, lo},
		{"no time", 5, 0, lo},
		{"one record after a quiet spell", 1, 3 * time.Second, lo},
		{"a light stream (100/s)", 10, 100 * time.Millisecond, lo},
		{"a quarter of busy (500/s)", 50, 100 * time.Millisecond, lo},
		{"half busy (1 000/s)", 100, 100 * time.Millisecond, hi / 2},
		{"busy (2 000/s)", 200, 100 * time.Millisecond, hi},
		{"busier (10 000/s)", 250, 25 * time.Millisecond, hi},
	} {
		if got := paceFor(tc.records, tc.elapsed); got != tc.want {
			t.Errorf("%s: paceFor(%d, %v) = %v, want %v", tc.name, tc.records, tc.elapsed, got, tc.want)
		}
	}
}

// simulatePace runs the live fold's commit decisions (consume's, in
// pipeline.go) on a virtual clock: a record every gap for n records,
// each folded at once. It returns the records of each commit and the
// longest any record stayed uncommitted.
func simulatePace(gap time.Duration, n int) (batches []int, longest time.Duration) {
	var (
		lp        livePace
		start     = time.Date(2026, 11, 30, 0, 0, 0, 0, time.UTC)
		committed time.Time // zero: as a new folder
		due       time.Time // zero: no commit due
		open      []time.Time
	)
	commit := func(at time.Time) {
		lp.observe(len(open), at.Sub(committed))
		for _, r := range open {
			longest = max(longest, at.Sub(r))
		}
		batches = append(batches, len(open))
		open, committed, due = nil, at, time.Time{}
	}
	for i := range n {
		now := start.Add(time.Duration(i) * gap)
		if !due.IsZero() && !now.Before(due) {
			commit(due)
		}
		open = append(open, now)
		w := lp.wait(now, committed)
		switch {
		case !due.IsZero(): // the batch's commit is due already
		case w <= 0:
			commit(now)
		default:
			due = now.Add(w)
		}
	}
	if len(open) > 0 {
		commit(due)
	}
	return batches, longest
}

// TestLivePaceBatches: on a virtual clock, a busy stream is committed in
// batches of ≈ liveCommitMax's worth of records, a light one every
// liveCommitInterval, records apart by more than liveCommitInterval each
// at once; no record ever waits longer than liveCommitMax.
func TestLivePaceBatches(t *testing.T) {
	for _, tc := range []struct {
		name     string
		gap      time.Duration
		n        int
		minBatch int // of the batches after the first few
		maxBatch int
	}{
		{"busy, 4 000/s", 250 * time.Microsecond, 20_000, 380, 401},
		{"at the busy rate, 2 000/s", 500 * time.Microsecond, 10_000, 190, 201},
		{"light, 400/s", 2500 * time.Microsecond, 2_000, 9, 11},
		{"quiet, 20/s", 50 * time.Millisecond, 100, 1, 1},
	} {
		batches, longest := simulatePace(tc.gap, tc.n)
		if longest > liveCommitMax {
			t.Errorf("%s: a record waited %v, more than %v", tc.name, longest, liveCommitMax)
		}
		total := 0
		for i, b := range batches {
			total += b
			if i < 4 || i == len(batches)-1 {
				continue // the ramp and the end
			}
			if b < tc.minBatch || b > tc.maxBatch {
				t.Errorf("%s: batch %d of %d holds %d records, want %d–%d", tc.name, i, len(batches), b, tc.minBatch, tc.maxBatch)
			}
		}
		if total != tc.n {
			t.Errorf("%s: %d records committed, want %d", tc.name, total, tc.n)
		}
		t.Logf("%s: %d commits, longest wait %v", tc.name, len(batches), longest)
	}
}

// TestAdaptiveLiveCommit: a stream fast enough to keep the interval at its
// longest (made an hour here) is folded exactly once: a reader waiting for
// a position has the open batch committed at once all along, the end of
// the fold commits what is left, and the file equals applying every record
// once. Then, with the interval at its usual bound, a stream's last
// record is committed with nobody waiting within a bounded time.
func TestAdaptiveLiveCommit(t *testing.T) {
	w := genLog(t, 29, 6, 12, 3, 0)
	half := len(w.records) / 2
	store, p, ctx, cancel, done := liveOnHalf(t, w.records, time.Hour) // any stream is busy

	// The stream, a record or two at a time, with readers waiting for
	// positions of it now and then.
	rest := w.records[half:]
	var wg sync.WaitGroup
	tx0, adds, waiters := lastTx(t, p), 0, 0
	for i := 0; i < len(rest); {
		n := min(1+adds%2, len(rest)-i)
		store.add(rest[i : i+n]...)
		i += n
		adds++
		if adds%8 == 0 {
			waiters++
			pos := rest[i-1].Position
			wg.Go(func() {
				wctx, wcancel := context.WithTimeout(ctx, 10*time.Second)
				defer wcancel()
				if err := p.WaitFor(wctx, pos); err != nil {
					t.Errorf("waiting for %d under a busy stream: %v", pos, err)
				}
			})
		}
		time.Sleep(200 * time.Microsecond)
	}
	wg.Wait()
	cancel()
	if err := <-done; err != nil && ctx.Err() == nil {
		t.Fatal(err)
	}
	// The first record (after the catch-up) at once, one batch at the end
	// of the first interval, one for each waiter, the end: a few more if
	// the machine made the stream pause (a quiet spell commits at once),
	// never one for each record.
	commits := lastTx(t, p) - tx0
	t.Logf("%d records in %d additions, %d waiters: %d commits", len(rest), adds, waiters, commits)
	if commits > waiters+adds/4 {
		t.Errorf("%d commits for %d additions and %d waiters: the batches did not grow", commits, adds, waiters)
	}
	// What the fold had read was committed when it ended; the next run
	// resumes after it.
	resumesToOnce(t, p, store, w.records)
}

// lastTx is the ID of the views file's last committed transaction.
func lastTx(t *testing.T, p *Projections) int {
	t.Helper()
	var id int
	if err := p.db.View(func(tx *bolt.Tx) error { id = tx.ID(); return nil }); err != nil {
		t.Fatal(err)
	}
	return id
}

// TestAdaptiveLiveCommitBound: with the interval at its longest, a
// stream's last record is committed though nobody waits for it, within
// the interval (and a generous margin for a loaded machine).
func TestAdaptiveLiveCommitBound(t *testing.T) {
	w := genLog(t, 31, 3, 4, 2, 0)
	half := len(w.records) / 2
	store, p, _, cancel, done := liveOnHalf(t, w.records, 300*time.Millisecond)
	defer func() { cancel(); <-done }()
	for _, r := range w.records[half:] {
		store.add(r)
		time.Sleep(100 * time.Microsecond)
	}
	last := w.records[len(w.records)-1].Position
	start := time.Now()
	for p.Position() != last {
		if time.Since(start) > liveCommitMax+10*time.Second {
			t.Fatalf("the stream's last record was not committed in %v (position %d, want %d)", time.Since(start), p.Position(), last)
		}
		time.Sleep(time.Millisecond)
	}
	t.Logf("the last record committed %v after the stream ended", time.Since(start))
}

// liveOnHalf sets the live commit's longest interval to longest, with
// every stream counted busy, and runs the live fold into a new views file
// over a store holding the first half of records, until it is ready. The
// caller stops it (cancel, then receive from done); the file is closed
// when the test ends.
func liveOnHalf(t *testing.T, records []eventstore.Record, longest time.Duration) (*fakeStore, *Projections, context.Context, context.CancelFunc, chan error) {
	t.Helper()
	oldMax, oldRate := liveCommitMax, liveBusyRate
	t.Cleanup(func() { liveCommitMax, liveBusyRate = oldMax, oldRate })
	liveCommitMax, liveBusyRate = longest, 1
	store := newFakeStore(records[:len(records)/2])
	p := openViews(t, filepath.Join(t.TempDir(), "views.db"), store, nil)
	t.Cleanup(func() { p.Close() })
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- Run(ctx, store, p, nil) }()
	for !p.Ready() {
		time.Sleep(time.Millisecond)
	}
	return store, p, ctx, cancel, done
}
