package bench

import (
	"context"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"runtime"
	"time"

	"github.com/fapiao/fapiao/eventstore/bolt"
	"github.com/fapiao/fapiao/eventstore/seglog"
	"github.com/fapiao/fapiao/eventstore/storeurl"
	"github.com/fapiao/fapiao/internal/loggen"
	"github.com/fapiao/fapiao/projections"
)

// ReplayConfig sizes the replay scenario.
type ReplayConfig struct {
	CachedLog
	// Exe is the fapiao binary to start `serve` with; empty skips that part.
	Exe string
	// ServeMemoryLimit is passed to serve as --memory-limit when not empty.
	ServeMemoryLimit string
	// BuildOnly stops once the log is built (or found cached): for the
	// 10M log, generated once, measured in another run.
	BuildOnly bool
	// SkipInProcess leaves out projections.Replay in this process (its
	// read models are the whole history in memory: ≈4 GiB at 10M).
	SkipInProcess bool
	Log           io.Writer
}

// ReplayResult is the replay scenario's figures.
type ReplayResult struct {
	Scenario     string  `json:"scenario"`
	Events       int     `json:"events"`
	ReplaySecs   float64 `json:"replay_seconds"`
	EventsPerSec float64 `json:"events_per_sec"`
	// ReplayHeapMB is the Go heap in use after the replay: the read models.
	ReplayHeapMB float64 `json:"replay_heap_mb"`
	// ReplayCPUusPerEvent is this process's CPU (user and system) per
	// event during the replay: it holds still when other work shares the
	// cores, where the rate does not.
	ReplayCPUusPerEvent float64 `json:"replay_cpu_us_per_event,omitempty"`
	// ReadySecs is from starting `fapiao serve` to its first 200 on /readyz.
	ReadySecs float64 `json:"ready_seconds"`
	// ReadyCPUusPerEvent is the serve child's CPU (user and system) from
	// its start to ready, per event of the log: the cold start's cost.
	ReadyCPUusPerEvent float64 `json:"ready_cpu_us_per_event,omitempty"`
	// PeakRSSMB is the serve child's peak resident set (VmHWM), which
	// counts the pages of the mapped bolt file it touched.
	PeakRSSMB float64 `json:"peak_rss_mb"`
	// PeakAnonMB is the serve child's largest anonymous resident set
	// sampled until ready (every 10 ms): its memory without the file.
	PeakAnonMB float64 `json:"peak_anon_mb"`
	FileMB     float64 `json:"file_mb"`
	// BuildSecs and BuildPeakRSSMB are the generator's wall time and this
	// process's peak resident set while it built the log (absent when the
	// log was cached).
	BuildSecs      float64 `json:"build_seconds,omitempty"`
	BuildPeakRSSMB float64 `json:"build_peak_rss_mb,omitempty"`

	// Views says how the serve child kept its read models: "on disk"
	// (serve --views, issue 16) or viewsUnsupported (a build without the
	// flag: every start rebuilds them in memory, and the restart figures
	// are absent).
	Views string `json:"views,omitempty"`
	// RebuildEventsPerSec is the events over ReadySecs: the first start's
	// rebuild of the read models (into the views file, with views).
	RebuildEventsPerSec float64 `json:"rebuild_events_per_sec,omitempty"`
	// RestartReadySecs, RestartPeakRSSMB and RestartPeakAnonMB are those
	// of a second serve on the views file the first one left.
	RestartReadySecs  float64 `json:"restart_ready_seconds,omitempty"`
	RestartPeakRSSMB  float64 `json:"restart_peak_rss_mb,omitempty"`
	RestartPeakAnonMB float64 `json:"restart_peak_anon_mb,omitempty"`
	// ViewsFileMB is the views file's size after the restart.
	ViewsFileMB float64 `json:"views_file_mb,omitempty"`
}

// RunReplay builds (or reuses) a log of cfg.Events events, rebuilds every
// projection from it in this process, then starts `serve` on it and waits
// for /readyz.
func RunReplay(ctx context.Context, cfg ReplayConfig) (ReplayResult, error) {
	path, engine, err := cfg.path()
	if err != nil {
		return ReplayResult{}, err
	}
	res := ReplayResult{Scenario: "replay"}
	resetPeakRSS()
	buildStarted := time.Now()
	built, err := ensureLog(ctx, path, engine, cfg.Events, cfg.Store != "", cfg.Log)
	if err != nil {
		return res, err
	}
	if built {
		res.BuildSecs = round(time.Since(buildStarted).Seconds())
		res.BuildPeakRSSMB = peakRSSMB()
	}
	res.FileMB = round(float64(pathBytes(path)) / (1 << 20))

	store, err := openStored(path, engine)
	if err != nil {
		return res, err
	}
	if d, ok := store.(interface{ DataBytes() int64 }); ok {
		// The log's segments are preallocated: count what holds data.
		res.FileMB = round(float64(d.DataBytes()) / (1 << 20))
	}
	res.Events = int(store.LastPosition())
	if cfg.BuildOnly || cfg.SkipInProcess {
		store.Close()
	} else if err := replayInProcess(ctx, store, &res); err != nil {
		return res, err
	}
	if cfg.BuildOnly {
		logf(cfg.Log, "replay: the log of %d events is in %s (%.0f MiB)\n", res.Events, path, res.FileMB)
		return res, nil
	}

	if cfg.Exe != "" {
		run, err := newServeRun("replay", cfg.Exe)
		if err != nil {
			return res, err
		}
		defer run.remove()
		if err := run.writeTokens([]tokenEntry{{Token: "bench-auditor-token", Role: "auditor"}}); err != nil {
			return res, err
		}
		var extra []string
		if cfg.ServeMemoryLimit != "" {
			extra = []string{"--memory-limit", cfg.ServeMemoryLimit}
		}
		res.Views = run.viewsMode()
		// The first start: no views file, serve builds its read models
		// from the whole log (with views, into the file).
		srv, err := run.start(ctx, engine+"://"+path, extra...)
		if err != nil {
			return res, err
		}
		res.ReadySecs = round(srv.ready.Seconds())
		res.ReadyCPUusPerEvent = perEvent(srv.readyCPU, res.Events)
		res.PeakRSSMB = srv.stop()
		res.PeakAnonMB = srv.peakAnonMB()
		res.RebuildEventsPerSec = rate(res.Events, srv.ready)
		if run.views != "" {
			// The second start, on the views the first one left.
			srv, err := run.start(ctx, engine+"://"+path, extra...)
			if err != nil {
				return res, fmt.Errorf("bench: restarting on the views: %w", err)
			}
			res.RestartReadySecs = round(srv.ready.Seconds())
			res.RestartPeakRSSMB = srv.stop()
			res.RestartPeakAnonMB = srv.peakAnonMB()
			res.ViewsFileMB = round(float64(pathBytes(run.views)) / (1 << 20))
		}
	}
	logf(cfg.Log, "replay: %d events in %.2fs: %.0f events/s (%.2f µs of CPU an event), read models %.0f MiB of heap; serve ready in %.2fs (%.2f µs of CPU an event), peak RSS %.0f MiB (anonymous %.0f MiB; file %.0f MiB)\n",
		res.Events, res.ReplaySecs, res.EventsPerSec, res.ReplayCPUusPerEvent, res.ReplayHeapMB, res.ReadySecs, res.ReadyCPUusPerEvent, res.PeakRSSMB, res.PeakAnonMB, res.FileMB)
	if res.Views == "on disk" {
		logf(cfg.Log, "replay: restart on the views ready in %.2fs, peak RSS %.0f MiB (anonymous %.0f MiB); views file %.0f MiB\n",
			res.RestartReadySecs, res.RestartPeakRSSMB, res.RestartPeakAnonMB, res.ViewsFileMB)
	} else if res.Views != "" {
		logf(cfg.Log, "replay: views: %s\n", res.Views)
	}
	return res, nil
}

// replayInProcess rebuilds every projection from store in this process
// (then closes it) and records the rate and the read models' heap.
func replayInProcess(ctx context.Context, store loggen.Store, res *ReplayResult) error {
	runtime.GC()
	started, cpu0 := time.Now(), cpuTime()
	p, err := projections.Replay(ctx, store, nil)
	elapsed, cpu := time.Since(started), cpuTime()-cpu0
	store.Close()
	if err != nil {
		return fmt.Errorf("bench: replay: %w", err)
	}
	runtime.GC()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	res.ReplaySecs = round(elapsed.Seconds())
	res.EventsPerSec = rate(res.Events, elapsed)
	res.ReplayCPUusPerEvent = perEvent(cpu, res.Events)
	res.ReplayHeapMB = round(float64(ms.HeapInuse) / (1 << 20))
	if err := p.Close(); err != nil { // its temporary views file
		return fmt.Errorf("bench: replay: %w", err)
	}
	runtime.GC()
	return nil
}

// perEvent is d in microseconds per event, to two places.
func perEvent(d time.Duration, events int) float64 {
	return math.Round(float64(d.Microseconds())/float64(max(events, 1))*100) / 100
}

// CachedLog is the log replay and feed read: generated once per size and
// engine, and kept.
type CachedLog struct {
	Events int
	// Store is a bolt or log URL to build the log in, or to reuse if it
	// already holds events; empty for one per size (and engine) in CacheDir.
	Store string
	// Engine is the kind of the cached store when Store is empty: "bolt"
	// (the default) or "log" (the segmented log).
	Engine string
	// CacheDir keeps the generated logs between runs; empty for the user
	// cache directory (else the temporary one), under fapiao-bench.
	CacheDir string
}

// path is the bolt file or log directory of the log, and its engine: the
// given store, or one per size and engine in the cache directory.
func (cfg CachedLog) path() (string, string, error) {
	if cfg.Store != "" {
		u, err := storeurl.Parse(cfg.Store)
		if err != nil {
			return "", "", err
		}
		if u.Backend != storeurl.Bolt && u.Backend != storeurl.Log {
			return "", "", fmt.Errorf("bench: replay builds its log in a bolt file or a log directory; %s is neither", u)
		}
		p, err := filepath.Abs(u.Path)
		return p, string(u.Backend), err
	}
	engine, ext, err := engineOf(cfg.Engine)
	if err != nil {
		return "", "", err
	}
	dir := cfg.CacheDir
	if dir == "" {
		if d, err := os.UserCacheDir(); err == nil {
			dir = filepath.Join(d, "fapiao-bench")
		} else {
			dir = filepath.Join(os.TempDir(), "fapiao-bench")
		}
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return "", "", err
	}
	name := fmt.Sprintf("replay-%d-v%d.%s", cfg.Events, genVersion, ext)
	if engine == "log" {
		// A log written in an older format reads, but is not what a log
		// of this build's appends would be: one cache per format.
		name = fmt.Sprintf("replay-%d-v%d-f%d.%s", cfg.Events, genVersion, seglog.FormatVersion, ext)
	}
	p, err := filepath.Abs(filepath.Join(dir, name))
	return p, engine, err
}

// openStored opens the replay's store for reading.
func openStored(path, engine string) (loggen.Store, error) {
	if engine == "log" {
		return seglog.Open(path, seglog.Options{ReadOnly: true})
	}
	return bolt.Open(path)
}

// genVersion names the generator's output in cache file names: bump it when
// the generated log changes, so that stale caches are not reused.
const genVersion = 1

// ensureLog builds the log at path unless a complete one is there: a
// marker file is written only once the build finished, so an interrupted
// build is started again from scratch. A store the user named is reused if
// it holds any event, and never removed. It reports whether it built one.
func ensureLog(ctx context.Context, path, engine string, events int, given bool, log io.Writer) (bool, error) {
	marker := path + ".complete"
	if given {
		s, err := loggen.OpenBulk(path, engine)
		if err != nil {
			return false, err
		}
		n := s.LastPosition()
		s.Close()
		if n > 0 {
			logf(log, "replay: reusing the %d events in %s\n", n, path)
			return false, nil
		}
		_, err = loggen.Build(ctx, path, engine, events, log)
		return err == nil, err
	}
	if _, err := os.Stat(marker); err == nil {
		logf(log, "replay: reusing the log in %s\n", path)
		return false, nil
	}
	if err := os.RemoveAll(path); err != nil {
		return false, err
	}
	logf(log, "replay: building a log of %d events in %s (cached for the next run)\n", events, path)
	if _, err := loggen.Build(ctx, path, engine, events, log); err != nil {
		return false, err
	}
	return true, os.WriteFile(marker, nil, 0o600)
}
