package projections

import "time"

// The live fold's commit interval follows the rate records arrive at.
// A live commit has costs that do not grow with its records (the views
// file's transaction and the pages it rewrites, each changed account's
// tail entry or snapshot), so the fewer commits a stream of commands is
// folded in, the less each command costs: in BenchmarkLiveGrowing (the
// accounts of `bench http`'s POSTs) batches of 50 records cost ≈ 60 µs of
// CPU a record, of 200 ≈ 35 (docs/performance.md, "The mix, 30 Nov, fourth
// round"). The batch grows only when the records come fast: up to
// liveBusyRate records a second the interval rises in proportion from
// liveCommitInterval to liveCommitMax, so a busy server commits ≈ 10 times
// a second, a light stream every liveCommitInterval as before, and a
// record after a quiet spell at once. Readers that wait for a position
// (WaitFor, Fapiao-Min-Position) have the open batch committed at once
// whatever the interval; a read without one may lag the log by up to
// liveCommitMax under a busy stream (API.md promises nothing there).
var (
	// liveCommitMax is the longest the live fold keeps a batch open.
	liveCommitMax = 100 * time.Millisecond
	// liveBusyRate is the rate of records (a second) from which the
	// interval is liveCommitMax: a batch then holds ≈ 200 records.
	liveBusyRate = 2000.0
)

// livePace decides when the live fold commits its open batch.
type livePace struct {
	// interval is the current least time between two commits under a
	// stream; zero until a commit was observed (liveCommitInterval).
	interval time.Duration
	// lastFold is when the previous chunk was folded.
	lastFold time.Time
}

// wait returns how much longer the open batch may stay open, now that a
// chunk was folded into it at now, the last commit having ended at
// committed: ≤ 0 means commit now. A chunk that comes after a quiet spell
// (none folded for liveCommitInterval) is committed at once.
func (lp *livePace) wait(now, committed time.Time) time.Duration {
	quiet := lp.lastFold.IsZero() || now.Sub(lp.lastFold) >= liveCommitInterval
	lp.lastFold = now
	if quiet {
		return 0
	}
	return lp.current() - now.Sub(committed)
}

// current is the interval in force.
func (lp *livePace) current() time.Duration {
	if lp.interval == 0 {
		return liveCommitInterval
	}
	return lp.interval
}

// observe is told of a live commit of records folded since the previous
// commit ended, over elapsed, and sets the interval for the next batch
// from their rate.
func (lp *livePace) observe(records int, elapsed time.Duration) {
	lp.interval = paceFor(records, elapsed)
}

// paceFor is the interval for a stream of records over elapsed: in
// proportion to their rate, from liveCommitInterval (at liveBusyRate/4 and
// below, with the defaults) to liveCommitMax (at liveBusyRate and above).
func paceFor(records int, elapsed time.Duration) time.Duration {
	lo, hi := liveCommitInterval, max(liveCommitMax, liveCommitInterval)
	if records <= 0 || elapsed <= 0 {
		return lo
	}
	rate := float64(records) / elapsed.Seconds()
	if rate >= liveBusyRate {
		return hi
	}
	return min(max(time.Duration(float64(hi)*rate/liveBusyRate), lo), hi)
}

// observe tells the pace of the live commit about to be made of the open
// batch (one due at the end of its interval, or made at once).
func (f *folder) observe() {
	if f.b != nil {
		f.pace.observe(f.b.records, time.Since(f.committed))
	}
}
