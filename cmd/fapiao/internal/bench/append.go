package bench

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sync"
	"sync/atomic"
	"time"

	"github.com/fapiao/fapiao/eventstore"
	"github.com/fapiao/fapiao/eventstore/storeurl"
	"github.com/fapiao/fapiao/ledger"
)

// AppendConfig sizes the append scenario.
type AppendConfig struct {
	// Store is the store URL; empty for a new bolt file in a temporary
	// directory (fsync on, as in production), removed afterwards.
	Store string
	// Accounts is how many accounts are written concurrently, one writer
	// goroutine each; 1 measures a single writer.
	Accounts int
	// Clients, when above Accounts, shares each account among
	// Clients/Accounts writers that apply for and cancel invoices over
	// statements of their own (sharedClient): what one account sustains
	// when its commands arrive concurrently. Zero means Accounts.
	Clients  int
	Duration time.Duration
	Log      io.Writer // the human summary; nil for none
}

// AppendResult is the append scenario's figures.
type AppendResult struct {
	Scenario       string  `json:"scenario"`
	Accounts       int     `json:"accounts"`
	Clients        int     `json:"clients"`
	Commands       int     `json:"commands"`
	Events         int     `json:"events"`
	Seconds        float64 `json:"seconds"`
	CommandsPerSec float64 `json:"commands_per_sec"`
	EventsPerSec   float64 `json:"events_per_sec"`
	P50ms          float64 `json:"p50_ms"`
	P99ms          float64 `json:"p99_ms"`
	PeakRSSMB      float64 `json:"peak_rss_mb"`
}

// RunAppend sends the command mix of script through one ledger for the
// duration, from cfg.Accounts goroutines, and measures every command.
func RunAppend(ctx context.Context, cfg AppendConfig) (AppendResult, error) {
	if cfg.Accounts < 1 {
		return AppendResult{}, fmt.Errorf("bench: append needs at least one account")
	}
	store, cleanup, err := openAppendStore(ctx, cfg.Store)
	if err != nil {
		return AppendResult{}, err
	}
	defer cleanup()
	resetPeakRSS()
	l := ledger.New(store, ledger.Options{Clock: fixedClock{benchNow}, Issuer: "Example Cloud Ltd.", CacheSize: max(10000, 2*cfg.Accounts)})

	run := "b" + runID()
	var numbers atomic.Int64
	clients := max(cfg.Clients, cfg.Accounts)
	perAccount := clients / cfg.Accounts
	clients = perAccount * cfg.Accounts
	var shared [][]*sharedClient
	if perAccount > 1 {
		for a := range cfg.Accounts {
			cs, err := setupShared(ctx, l, fmt.Sprintf("%s-s%d", run, a), perAccount)
			if err != nil {
				return AppendResult{}, err
			}
			shared = append(shared, cs)
		}
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	var (
		wg       sync.WaitGroup
		mu       sync.Mutex
		firstErr error
		samples  = make([][]time.Duration, clients)
		events   = make([]int, clients)
		deadline = time.Now().Add(cfg.Duration)
	)
	start := time.Now()
	for w := range clients {
		wg.Add(1)
		go func() {
			defer wg.Done()
			var s interface {
				next(context.Context) (int, error)
			}
			if shared != nil {
				s = shared[w/perAccount][w%perAccount]
			} else {
				s = &script{l: l, prefix: fmt.Sprintf("%s-w%d", run, w), code: "11" + run[len(run)-8:], numbers: &numbers}
			}
			lat := make([]time.Duration, 0, 1024)
			for ctx.Err() == nil {
				t0 := time.Now()
				if t0.After(deadline) {
					break
				}
				n, err := s.next(ctx)
				if err != nil {
					if ctx.Err() == nil {
						mu.Lock()
						if firstErr == nil {
							firstErr = err
						}
						mu.Unlock()
						cancel()
					}
					break
				}
				lat = append(lat, time.Since(t0))
				events[w] += n
			}
			samples[w] = lat
		}()
	}
	wg.Wait()
	elapsed := time.Since(start)
	if firstErr != nil {
		return AppendResult{}, firstErr
	}
	all := latencies(samples)
	total := 0
	for _, n := range events {
		total += n
	}
	res := AppendResult{
		Scenario:       "append",
		Accounts:       cfg.Accounts,
		Clients:        clients,
		Commands:       len(all),
		Events:         total,
		Seconds:        round(elapsed.Seconds()),
		CommandsPerSec: rate(len(all), elapsed),
		EventsPerSec:   rate(total, elapsed),
		P50ms:          percentile(all, 0.50),
		P99ms:          percentile(all, 0.99),
		PeakRSSMB:      peakRSSMB(),
	}
	logf(cfg.Log, "append: %d accounts, %d clients, %d commands (%d events) in %.1fs: %.0f commands/s, %.0f events/s, p50 %.2f ms, p99 %.2f ms, peak RSS %.0f MiB\n",
		res.Accounts, res.Clients, res.Commands, res.Events, res.Seconds, res.CommandsPerSec, res.EventsPerSec, res.P50ms, res.P99ms, res.PeakRSSMB)
	return res, nil
}

// openAppendStore opens url, or a fresh bolt file in a temporary directory.
func openAppendStore(ctx context.Context, url string) (eventstore.Store, func(), error) {
	if url != "" {
		s, err := storeurl.Open(ctx, url)
		if err != nil {
			return nil, nil, err
		}
		return s, func() { _ = s.Close() }, nil
	}
	dir, err := os.MkdirTemp("", "fapiao-bench-append-")
	if err != nil {
		return nil, nil, err
	}
	s, err := storeurl.Open(ctx, "bolt://"+filepath.Join(dir, "append.db"))
	if err != nil {
		os.RemoveAll(dir)
		return nil, nil, err
	}
	return s, func() { _ = s.Close(); os.RemoveAll(dir) }, nil
}
