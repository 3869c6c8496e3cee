package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"runtime"
	"runtime/pprof"
	"runtime/trace"
	"slices"
	"time"

	"github.com/fapiao/fapiao/cmd/fapiao/internal/bench"
)

// benchScenarios are the subcommands of fapiao bench.
var benchScenarios = []string{"append", "replay", "http", "feed", "all"}

// runBench is fapiao bench SCENARIO [flags]: it prints one JSON object per
// scenario run on stdout and a human summary on stderr.
func runBench(ctx context.Context, e *env, args []string) error {
	if len(args) == 0 || args[0] == "-h" || args[0] == "--help" || args[0] == "-help" {
		fmt.Fprint(e.stderr, `Usage: fapiao bench SCENARIO [flags]

Scenarios:
  append   commands through the ledger on a real store (fsync on)
  replay   rebuild every projection from a large log; start serve on it
  http     load a fapiao serve child over loopback with keep-alive
  feed     the live feed's catch-up: the replay log read through /v1/events/stream
  all      the three in turn (--short: a quick version, under two minutes)

Run 'fapiao bench SCENARIO -h' for a scenario's flags.
`)
		if len(args) == 0 {
			return &usageError{msg: "missing scenario", shown: true}
		}
		return nil
	}
	scenario, rest := args[0], args[1:]
	exe, err := os.Executable()
	if err != nil {
		return fmt.Errorf("bench: finding this binary (to start serve): %w", err)
	}
	out := json.NewEncoder(e.stdout)
	// Each scenario reads its flags, then run runs it, profiled if asked.
	var run func() (any, error)
	var profile func() (stop func() error, err error)
	switch scenario {
	case "append":
		cfg := bench.AppendConfig{Log: e.stderr}
		fs := newFlagSet(e, "bench append", "[--store URL | --engine bolt|log] [--accounts 256] [--clients N] [--rate N] [--duration 10s]")
		fs.StringVar(&cfg.Store, "store", "", "the store `URL` (default: a new store of --engine's kind in a temporary directory)")
		fs.StringVar(&cfg.Engine, "engine", "bolt", "the temporary store's `kind`: bolt, or log (the segmented log)")
		fs.IntVar(&cfg.Accounts, "accounts", 256, "accounts written concurrently, one writer each")
		fs.IntVar(&cfg.Clients, "clients", 0, "concurrent writers in all; above --accounts, each account is shared by clients/accounts writers (apply/cancel mix)")
		fs.Float64Var(&cfg.Rate, "rate", 0, "send `N` commands a second in all on a schedule (open loop; latency counted from when each fell due); 0: each client sends its next command when the last is answered")
		fs.DurationVar(&cfg.Duration, "duration", 10*time.Second, "how long to run")
		profile = profileFlags(fs, "the run")
		if err := parseFlags(fs, rest); err != nil {
			return err
		}
		if cfg.Accounts < 1 || cfg.Duration <= 0 || cfg.Rate < 0 {
			return usagef("--accounts and --duration must be positive, --rate not negative")
		}
		run = func() (any, error) {
			// The ledger runs here as it runs in serve: with serve's heap
			// floor, so the collector paces as it does there, and its
			// spare P.
			defer spareProc()()
			defer holdHeapFloor()()
			return result(bench.RunAppend(ctx, cfg))
		}
	case "replay":
		cfg := bench.ReplayConfig{Exe: exe, Log: e.stderr}
		fs := newFlagSet(e, "bench replay", "[--events 1000000] [--store URL | --engine bolt|log] [--cache DIR] [--serve-memory-limit SIZE] [--serve-exe FILE] [--build-only] [--in-process=false]")
		cachedLogFlags(fs, &cfg.CachedLog, "events in the log")
		profile = profileFlags(fs, "this process (build and replay)")
		fs.StringVar(&cfg.ServeMemoryLimit, "serve-memory-limit", "", "start serve with --memory-limit `SIZE` (e.g. 800MiB)")
		fs.StringVar(&cfg.Exe, "serve-exe", exe, "start serve from this fapiao `binary` (another build's cold start, timed by this client)")
		fs.BoolVar(&cfg.BuildOnly, "build-only", false, "build (or find) the cached log and stop")
		inProcess := fs.Bool("in-process", true, "also replay into the in-memory projections in this process (false at 10M: ≈4 GiB of heap)")
		if err := parseFlags(fs, rest); err != nil {
			return err
		}
		if cfg.Events < 1 {
			return usagef("--events must be positive")
		}
		cfg.SkipInProcess = !*inProcess
		run = func() (any, error) { return result(bench.RunReplay(ctx, cfg)) }
	case "http":
		cfg := bench.HTTPConfig{Exe: exe, Log: e.stderr}
		fs := newFlagSet(e, "bench http", "[--connections 64] [--duration 10s] [--post-connections N] [--engine bolt|log] [--server-pprof ADDR] [--serve-exe PATH]")
		fs.IntVar(&cfg.Connections, "connections", 64, "keep-alive connections (a quarter of them POST)")
		fs.DurationVar(&cfg.Duration, "duration", 10*time.Second, "how long to load")
		fs.StringVar(&cfg.Pprof, "server-pprof", "", "start serve with --pprof `ADDR` (to profile it under load)")
		fs.IntVar(&cfg.Posters, "post-connections", 0, "how many of the connections POST (default a quarter; -1 none: the GETs alone)")
		fs.StringVar(&cfg.Exe, "serve-exe", exe, "the fapiao `binary` to run as the server (another build, loaded by this one's client)")
		fs.StringVar(&cfg.Engine, "engine", "bolt", "the server's store: bolt (the default store) or log (the segmented log)")
		profile = profileFlags(fs, "the client")
		if err := parseFlags(fs, rest); err != nil {
			return err
		}
		cfg.NoPosts = cfg.Posters < 0
		if cfg.Connections < 2 || cfg.Duration <= 0 {
			return usagef("--connections must be at least 2 and --duration positive")
		}
		run = func() (any, error) { return result(bench.RunHTTP(ctx, cfg)) }
	case "feed":
		cfg := bench.FeedConfig{Exe: exe, Log: e.stderr}
		fs := newFlagSet(e, "bench feed", "[--events 1000000] [--store URL | --engine bolt|log] [--cache DIR]")
		cachedLogFlags(fs, &cfg.CachedLog, "events in the log (the replay scenario's, cached)")
		profile = profileFlags(fs, "the consumer")
		if err := parseFlags(fs, rest); err != nil {
			return err
		}
		if cfg.Events < 1 {
			return usagef("--events must be positive")
		}
		run = func() (any, error) { return result(bench.RunFeed(ctx, cfg)) }
	case "all":
		var short bool
		fs := newFlagSet(e, "bench all", "[--short]")
		fs.BoolVar(&short, "short", false, "a quick version of each scenario (make bench)")
		if err := parseFlags(fs, rest); err != nil {
			return err
		}
		return benchAll(ctx, e, exe, short, out)
	default:
		return usagef("unknown scenario %q (want one of %v)", scenario, benchScenarios)
	}
	stop, err := profile()
	if err != nil {
		return err
	}
	res, err := run()
	if err := errors.Join(err, stop()); err != nil {
		return err
	}
	return out.Encode(res)
}

// result is a scenario's result as run returns it.
func result[T any](res T, err error) (any, error) { return res, err }

// profileFlags adds --cpuprofile, --memprofile, --mutexprofile and --trace
// (of what) to fs. Once the flags are parsed, start begins the profiles they
// ask for, and its stop ends them, writing the allocation and contention
// profiles.
func profileFlags(fs *flag.FlagSet, what string) (start func() (stop func() error, err error)) {
	cpu := fs.String("cpuprofile", "", "write a CPU profile of "+what+" to `file`")
	mem := fs.String("memprofile", "", "write an allocation profile of "+what+" to `file` (every 4 KiB allocated sampled)")
	mutex := fs.String("mutexprofile", "", "write a profile of the contended locks of "+what+" to `file` (every contention sampled)")
	tr := fs.String("trace", "", "write an execution trace of "+what+" to `file` (go tool trace)")
	return func() (func() error, error) {
		var stops []func()
		stopAll := func() {
			for _, s := range slices.Backward(stops) {
				s()
			}
		}
		if *cpu != "" {
			s, err := startToFile(*cpu, pprof.StartCPUProfile, pprof.StopCPUProfile)
			if err != nil {
				return nil, err
			}
			stops = append(stops, s)
		}
		if *tr != "" {
			s, err := startToFile(*tr, trace.Start, trace.Stop)
			if err != nil {
				stopAll()
				return nil, err
			}
			stops = append(stops, s)
		}
		if *mem != "" {
			// Set before the run, so that every allocation of it is sampled
			// at this rate (the default, 512 KiB, sees too few of them).
			runtime.MemProfileRate = 4096
		}
		if *mutex != "" {
			runtime.SetMutexProfileFraction(1)
		}
		return func() error {
			stopAll()
			if *mutex != "" {
				if err := writeProfile("mutex", *mutex); err != nil {
					return err
				}
			}
			if *mem == "" {
				return nil
			}
			return writeProfile("allocs", *mem)
		}, nil
	}
}

// startToFile starts a profile or trace of this process (start:
// pprof.StartCPUProfile, trace.Start) into a new file at path; the
// returned function stops it and closes the file.
func startToFile(path string, start func(io.Writer) error, stop func()) (func(), error) {
	f, err := os.Create(path)
	if err != nil {
		return nil, err
	}
	if err := start(f); err != nil {
		f.Close()
		return nil, err
	}
	return func() { stop(); f.Close() }, nil
}

// writeProfile writes the named runtime profile, as sampled so far, to path.
func writeProfile(name, path string) error {
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	if err := pprof.Lookup(name).WriteTo(f, 0); err != nil {
		f.Close()
		return fmt.Errorf("bench: %s profile: %w", name, err)
	}
	return f.Close()
}

// benchAll runs the three scenarios; --short sizes them to finish in well
// under two minutes together, the log of replay included.
func benchAll(ctx context.Context, e *env, exe string, short bool, out *json.Encoder) error {
	dur, events := 10*time.Second, 1_000_000
	if short {
		dur, events = 3*time.Second, 100_000
	}
	a, err := bench.RunAppend(ctx, bench.AppendConfig{Accounts: 256, Duration: dur, Log: e.stderr})
	if err != nil {
		return err
	}
	if err := out.Encode(a); err != nil {
		return err
	}
	r, err := bench.RunReplay(ctx, bench.ReplayConfig{CachedLog: bench.CachedLog{Events: events}, Exe: exe, Log: e.stderr})
	if err != nil {
		return err
	}
	if err := out.Encode(r); err != nil {
		return err
	}
	h, err := bench.RunHTTP(ctx, bench.HTTPConfig{Connections: 64, Duration: dur, Exe: exe, Log: e.stderr})
	if err != nil {
		return err
	}
	return out.Encode(h)
}

// cachedLogFlags registers which cached log replay and feed read, and
// where they find (or build) it.
func cachedLogFlags(fs *flag.FlagSet, l *bench.CachedLog, events string) {
	fs.IntVar(&l.Events, "events", 1_000_000, events)
	fs.StringVar(&l.Store, "store", "", "a bolt or log store `URL` to build the log in (or reuse); default: one per size in --cache")
	fs.StringVar(&l.Engine, "engine", "bolt", "the cached store's `kind`: bolt, or log (the segmented log)")
	fs.StringVar(&l.CacheDir, "cache", "", "`directory` of the cached logs (default: the user cache directory, else the temporary one)")
}
