package bench

import (
	"context"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"runtime"
	"runtime/metrics"
	"sync"
	"sync/atomic"
	"time"

	"github.com/fapiao/fapiao/eventstore"
	"github.com/fapiao/fapiao/eventstore/storeurl"
	"github.com/fapiao/fapiao/ledger"
)

// AppendConfig sizes the append scenario.
type AppendConfig struct {
	// Store is the store URL; empty for a new store of kind Engine in a
	// temporary directory (fsync on, as in production), removed afterwards.
	Store string
	// Engine is the kind of that temporary store: "bolt" (the default) or
	// "log" (the segmented log, eventstore/seglog).
	Engine string
	// Accounts is how many accounts are written concurrently, one writer
	// goroutine each; 1 measures a single writer.
	Accounts int
	// Clients, when above Accounts, shares each account among
	// Clients/Accounts writers that apply for and cancel invoices over
	// statements of their own (sharedClient): what one account sustains
	// when its commands arrive concurrently. Zero means Accounts.
	Clients int
	// Rate, when positive, is the commands a second sent in all, on a
	// schedule (open loop): each client's commands fall due at even
	// intervals, and a command's latency counts from when it fell due, so
	// a client that falls behind counts its wait too (no coordinated
	// omission). Zero is the closed loop: each client sends its next
	// command when the last is answered, and the rate is whatever the
	// ledger sustains.
	Rate     float64
	Duration time.Duration
	Log      io.Writer // the human summary; nil for none
}

// AppendResult is the append scenario's figures.
type AppendResult struct {
	Scenario string `json:"scenario"`
	Accounts int    `json:"accounts"`
	Clients  int    `json:"clients"`
	// Rate is the offered rate of an open-loop run (AppendConfig.Rate);
	// absent for the closed loop. CommandsPerSec is what was answered.
	Rate           float64 `json:"rate,omitempty"`
	Commands       int     `json:"commands"`
	Events         int     `json:"events"`
	Seconds        float64 `json:"seconds"`
	CommandsPerSec float64 `json:"commands_per_sec"`
	EventsPerSec   float64 `json:"events_per_sec"`
	P50ms          float64 `json:"p50_ms"`
	P99ms          float64 `json:"p99_ms"`
	// The tail beside the mean: with every client closed-loop, the mean
	// is clients / rate (Little's law), and p99 over mean says how
	// unevenly the wait is shared out.
	MeanMs    float64 `json:"mean_ms"`
	P90ms     float64 `json:"p90_ms"`
	P999ms    float64 `json:"p999_ms"`
	PeakRSSMB float64 `json:"peak_rss_mb"`
	// Procs is GOMAXPROCS during the load: the command's, which gives the
	// ledger serve's spare P (the cores and one more) unless GOMAXPROCS is
	// set.
	Procs int `json:"procs"`
	// GCCycles is how many collections ran during the load, and
	// GCCPUusPerCommand the runtime's estimate of the CPU they took
	// (marking, assists, pauses) per command.
	// AllocBytesPerCommand is the heap the process allocated per command
	// (runtime/metrics), which sets how often the collector runs.
	GCCycles             uint64  `json:"gc_cycles"`
	GCCPUusPerCommand    float64 `json:"gc_cpu_us_per_command"`
	AllocBytesPerCommand float64 `json:"alloc_bytes_per_command"`
	// Store figures (zero where the store cannot say them): events per
	// commit (per fdatasync for the log; bolt syncs twice per commit),
	// CPU of the whole process per command, store bytes per event in the
	// store, and the p50 of a 512-byte write + fdatasync probe run in the
	// store's directory just before and after the load.
	Store           string  `json:"store"`
	EventsPerCommit float64 `json:"events_per_commit"`
	CPUusPerCommand float64 `json:"cpu_us_per_command"`
	BytesPerEvent   float64 `json:"bytes_per_event"`
	FsyncP50ms      float64 `json:"fsync_p50_ms"`
}

// RunAppend sends the command mix of script through one ledger for the
// duration, from cfg.Accounts goroutines, and measures every command.
func RunAppend(ctx context.Context, cfg AppendConfig) (AppendResult, error) {
	if cfg.Accounts < 1 {
		return AppendResult{}, fmt.Errorf("bench: append needs at least one account")
	}
	store, cleanup, err := openAppendStore(ctx, cfg.Store, cfg.Engine)
	if err != nil {
		return AppendResult{}, err
	}
	defer cleanup()
	var probe []time.Duration
	dir := storeDir(store)
	if dir != "" {
		if probe, err = fsyncProbe(dir, 100); err != nil {
			return AppendResult{}, fmt.Errorf("bench: fsync probe: %w", err)
		}
	}
	resetPeakRSS()
	l := ledger.New(store, ledger.Options{Clock: ledger.FixedClock(benchNow), Issuer: "Example Cloud Ltd.", CacheSize: max(10000, 2*cfg.Accounts), CacheEvents: max(ledger.DefaultCacheEvents, 512*cfg.Accounts)})

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
	var commits0, events0 uint64
	if b, ok := store.(batchStater); ok {
		commits0, events0 = b.BatchStats()
	}
	var interval time.Duration // between a client's commands; 0: closed loop
	if cfg.Rate > 0 {
		interval = time.Duration(float64(clients) / cfg.Rate * float64(time.Second))
	}
	gc0 := gcFigures()
	cpu0 := cpuTime()
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
			// The clients' schedules are staggered over one interval.
			due := start.Add(interval * time.Duration(w) / time.Duration(clients))
			for ctx.Err() == nil {
				t0 := time.Now()
				if interval > 0 {
					if d := due.Sub(t0); d > 0 {
						time.Sleep(d)
					}
					t0, due = due, due.Add(interval)
				}
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
	cpu := cpuTime() - cpu0
	gc := gcFigures().minus(gc0)
	if firstErr != nil {
		return AppendResult{}, firstErr
	}
	var perCommit float64
	if b, ok := store.(batchStater); ok {
		commits, events := b.BatchStats()
		if commits > commits0 {
			perCommit = float64(events-events0) / float64(commits-commits0)
		}
	}
	if dir != "" {
		more, err := fsyncProbe(dir, 100)
		if err != nil {
			return AppendResult{}, fmt.Errorf("bench: fsync probe: %w", err)
		}
		probe = append(probe, more...)
	}
	bytes, inStore := storeFigures(store)
	all := latencies(samples)
	total := 0
	for _, n := range events {
		total += n
	}
	res := AppendResult{
		Scenario:       "append",
		Accounts:       cfg.Accounts,
		Clients:        clients,
		Rate:           cfg.Rate,
		Commands:       len(all),
		Events:         total,
		Seconds:        round(elapsed.Seconds()),
		CommandsPerSec: rate(len(all), elapsed),
		EventsPerSec:   rate(total, elapsed),
		P50ms:          percentile(all, 0.50),
		P99ms:          percentile(all, 0.99),
		MeanMs:         mean(all),
		P90ms:          percentile(all, 0.90),
		P999ms:         percentile(all, 0.999),
		PeakRSSMB:      peakRSSMB(),
		Procs:          runtime.GOMAXPROCS(0),
		GCCycles:       gc.cycles,

		Store:           storeKind(cfg),
		EventsPerCommit: math.Round(perCommit*10) / 10,
		FsyncP50ms:      medianMs(probe),
	}
	if len(all) > 0 {
		res.CPUusPerCommand = math.Round(float64(cpu.Microseconds())/float64(len(all))*10) / 10
		res.GCCPUusPerCommand = math.Round(gc.cpuSeconds*1e6/float64(len(all))*10) / 10
		res.AllocBytesPerCommand = math.Round(float64(gc.allocBytes) / float64(len(all)))
	}
	if inStore > 0 {
		res.BytesPerEvent = math.Round(float64(bytes) / float64(inStore))
	}
	if cfg.Rate > 0 {
		logf(cfg.Log, "append: open loop, %.0f commands/s offered\n", cfg.Rate)
	}
	logf(cfg.Log, "append: %d accounts, %d clients, %d commands (%d events) in %.1fs: %.0f commands/s, %.0f events/s, p50 %.2f ms, p99 %.2f ms, peak RSS %.0f MiB\n",
		res.Accounts, res.Clients, res.Commands, res.Events, res.Seconds, res.CommandsPerSec, res.EventsPerSec, res.P50ms, res.P99ms, res.PeakRSSMB)
	logf(cfg.Log, "append: latency mean %.2f ms, p90 %.2f ms, p99.9 %.2f ms; %d collections, %.1f µs of GC CPU and %.0f bytes allocated per command; GOMAXPROCS %d\n",
		res.MeanMs, res.P90ms, res.P999ms, res.GCCycles, res.GCCPUusPerCommand, res.AllocBytesPerCommand, res.Procs)
	logf(cfg.Log, "append: %s store: %.1f events per commit, %.1f µs CPU per command, %.0f bytes per event, fsync probe p50 %.3f ms\n",
		res.Store, res.EventsPerCommit, res.CPUusPerCommand, res.BytesPerEvent, res.FsyncP50ms)
	return res, nil
}

// storeKind names the store a run used, for the result.
func storeKind(cfg AppendConfig) string {
	if cfg.Store != "" {
		if u, err := storeurl.Parse(cfg.Store); err == nil {
			return string(u.Backend)
		}
		return "?"
	}
	if cfg.Engine == "" {
		return "bolt"
	}
	return cfg.Engine
}

// engineOf is the store kind an --engine flag names ("" is bolt), and the
// extension of its file or directory in the bench's names.
func engineOf(flag string) (engine, ext string, err error) {
	switch flag {
	case "", "bolt":
		return "bolt", "db", nil
	case "log":
		return "log", "log", nil
	}
	return "", "", fmt.Errorf("bench: unknown engine %q: want bolt or log", flag)
}

// openAppendStore opens url, or a fresh store of the engine's kind in a
// temporary directory.
func openAppendStore(ctx context.Context, url, engine string) (eventstore.Store, func(), error) {
	if url != "" {
		s, err := storeurl.Open(ctx, url)
		if err != nil {
			return nil, nil, err
		}
		return s, func() { _ = s.Close() }, nil
	}
	engine, ext, err := engineOf(engine)
	if err != nil {
		return nil, nil, err
	}
	dir, err := os.MkdirTemp("", "fapiao-bench-append-")
	if err != nil {
		return nil, nil, err
	}
	s, err := storeurl.Open(ctx, engine+"://"+filepath.Join(dir, "append."+ext))
	if err != nil {
		os.RemoveAll(dir)
		return nil, nil, err
	}
	return s, func() { _ = s.Close(); os.RemoveAll(dir) }, nil
}

// gcStats are the runtime's collection figures at one moment.
type gcStats struct {
	cycles     uint64
	cpuSeconds float64
	allocBytes uint64
}

// gcFigures reads the collections so far and the CPU the runtime counts
// as the collector's (runtime/metrics: an estimate, marking and assists
// and pauses included).
func gcFigures() gcStats {
	samples := []metrics.Sample{{Name: "/gc/cycles/total:gc-cycles"}, {Name: "/cpu/classes/gc/total:cpu-seconds"}, {Name: "/gc/heap/allocs:bytes"}}
	metrics.Read(samples)
	var g gcStats
	if samples[0].Value.Kind() == metrics.KindUint64 {
		g.cycles = samples[0].Value.Uint64()
	}
	if samples[1].Value.Kind() == metrics.KindFloat64 {
		g.cpuSeconds = samples[1].Value.Float64()
	}
	if samples[2].Value.Kind() == metrics.KindUint64 {
		g.allocBytes = samples[2].Value.Uint64()
	}
	return g
}

func (g gcStats) minus(o gcStats) gcStats {
	return gcStats{cycles: g.cycles - o.cycles, cpuSeconds: g.cpuSeconds - o.cpuSeconds, allocBytes: g.allocBytes - o.allocBytes}
}

// mean is the mean of durations in milliseconds.
func mean(ds []time.Duration) float64 {
	if len(ds) == 0 {
		return 0
	}
	var sum time.Duration
	for _, d := range ds {
		sum += d
	}
	return ms(sum / time.Duration(len(ds)))
}
