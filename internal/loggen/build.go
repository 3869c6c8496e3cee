package loggen

import (
	"context"
	"fmt"
	"io"
	"runtime"
	"sync"
	"time"

	"github.com/fapiao/fapiao/eventstore"
	"github.com/fapiao/fapiao/eventstore/bolt"
	"github.com/fapiao/fapiao/eventstore/seglog"
)

// Store is what Build writes to: an embedded store that says its last
// position.
type Store interface {
	eventstore.Store
	LastPosition() eventstore.Position
}

// OpenBulk opens the embedded store of the engine at path ("bolt", the
// default, or "log") for a bulk load, without syncing: a build that fails
// is started again from scratch.
func OpenBulk(path, engine string) (Store, error) {
	if engine == "log" {
		return seglog.Open(path, seglog.Options{NoSync: true})
	}
	return bolt.Open(path, bolt.Options{NoSync: true})
}

// CohortAccounts bounds the accounts Build generates at once. A log larger
// than CohortAccounts*EventsPerAccount events (1M) is written cohort after
// cohort, each taken through its months and then dropped: the generator's
// memory is one cohort's folded accounts whatever the size (≈1 GiB), where
// holding 100 000 accounts for 10M events would take ten times that. Each
// cohort's months start again from 2025-01, so past 1M events positions
// follow cohorts, not time; a log of up to 1M is one cohort.
const CohortAccounts = 10_000

// buildSeed seeds every Build's writers (with their worker and cohort).
const buildSeed = 0x5eed

// Build writes a log of about events events into a store of the engine
// ("bolt" or "log") at path, opened with OpenBulk, and returns how many it
// wrote. Progress goes to log if it is not nil.
func Build(ctx context.Context, path, engine string, events int, log io.Writer) (int, error) {
	return BuildCohorts(ctx, path, engine, events, CohortAccounts, log)
}

// BuildCohorts is Build with cohorts of the given number of accounts.
func BuildCohorts(ctx context.Context, path, engine string, events, cohortAccounts int, log io.Writer) (int, error) {
	store, err := OpenBulk(path, engine)
	if err != nil {
		return 0, err
	}
	defer store.Close()
	accounts := max(events/EventsPerAccount, 1)
	cohorts := (accounts + cohortAccounts - 1) / cohortAccounts
	counters := &Counters{}
	started := time.Now()
	for c := range cohorts {
		first, end := c*cohortAccounts, min((c+1)*cohortAccounts, accounts)
		// Each cohort writes its share of the events, in proportion to its
		// accounts; the last one stops at the target itself.
		target := int(int64(events) * int64(end) / int64(accounts))
		if err := cohort(ctx, store, counters, c, first, end, target); err != nil {
			return 0, err
		}
		if cohorts > 1 {
			logf(log, "replay: cohort %d of %d: %d events so far, %.1fs\n", c+1, cohorts, store.LastPosition(), time.Since(started).Seconds())
		}
	}
	n := int(store.LastPosition())
	logf(log, "replay: built a log of %d events (%d accounts) in %.1fs\n", n, accounts, time.Since(started).Seconds())
	return n, nil
}

// cohort generates accounts [first, end) month by month until the log
// holds target events.
func cohort(ctx context.Context, store Appender, counters *Counters, c, first, end, target int) error {
	// Many more workers than cores: each waits for its commits, and the
	// bolt writer batches what they hand it.
	workers := min(end-first, 16*runtime.GOMAXPROCS(0))
	var (
		wg       sync.WaitGroup
		mu       sync.Mutex
		firstErr error
	)
	for w := range workers {
		wg.Go(func() {
			gw := NewWriter(ctx, store, counters, w, uint16(c), buildSeed)
			if err := gw.run(first, end, workers, target); err != nil {
				mu.Lock()
				if firstErr == nil {
					firstErr = err
				}
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	return firstErr
}

// run generates the worker's accounts of [first, end) month by month until
// the log holds target events.
func (gw *Writer) run(first, end, workers, target int) error {
	var mine []*Account
	for a := first + gw.worker; a < end; a += workers {
		mine = append(mine, NewAccount(fmt.Sprintf("acc-%06d", a)))
	}
	gw.Now = Start
	for _, a := range mine {
		if err := gw.Onboard(a); err != nil {
			return err
		}
	}
	for m := 0; ; m++ {
		for _, a := range mine {
			if int(gw.counters.Written()) >= target || gw.ctx.Err() != nil {
				return gw.ctx.Err()
			}
			if err := gw.Month(a, m, StatementLines); err != nil {
				return err
			}
		}
	}
}

func logf(w io.Writer, format string, args ...any) {
	if w != nil {
		fmt.Fprintf(w, format, args...)
	}
}
