package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"time"

	"github.com/fapiao/fapiao/api"
	"github.com/fapiao/fapiao/api/console"
	"github.com/fapiao/fapiao/cmd/fapiao/internal/deadlines"
	"github.com/fapiao/fapiao/eventstore"
	"github.com/fapiao/fapiao/eventstore/storeurl"
	"github.com/fapiao/fapiao/ledger"
	"github.com/fapiao/fapiao/projections"
)

// defaultIssuer is the legal entity on the provider's invoices (the seed's 开票单位).
const defaultIssuer = "北京金山云网络技术有限公司"

// HTTP server limits. Reads and writes are bounded so that a slow client
// cannot hold a connection for ever; the write bound leaves room for a GET
// that waits the full 5 s for Fapiao-Min-Position.
const (
	readHeaderTimeout = 5 * time.Second
	readTimeout       = 30 * time.Second
	writeTimeout      = 30 * time.Second
	idleTimeout       = 120 * time.Second
	maxHeaderBytes    = 64 << 10
	// openTimeout bounds waiting for the store (an esdb server) at start-up.
	openTimeout = 30 * time.Second
	// shutdownTimeout bounds waiting for in-flight requests on SIGTERM.
	shutdownTimeout = 25 * time.Second
)

// defaultMetricsAddr is where /metrics is served unless --metrics-addr
// says otherwise: loopback, for a local agent to scrape.
const defaultMetricsAddr = "127.0.0.1:9090"

// serveFlags are the flags of fapiao serve.
type serveFlags struct {
	addr, store, tokens, clock, pprof, issuer string
	signingKey, tree                          string // --signing-key, --tree
	views                                     string // --views
	metricsAddr                               string
	demo, allowReadableTokens                 bool
	start                                     time.Time // parsed --clock; zero for the system clock
	memoryLimit                               int64     // parsed --memory-limit; 0 keeps GOMEMLIMIT's
	cacheEvents                               int       // --cache-events
	limits                                    limitFlags
}

// limitFlags are serve's abuse limits (api.Config); negative disables one.
type limitFlags struct {
	rate, authFail     float64
	burst, authBurst   int
	accountWriteBudget int
}

func (l limitFlags) apply(c *api.Config) {
	c.RateLimit, c.Burst = l.rate, l.burst
	c.AuthFailLimit, c.AuthFailBurst = l.authFail, l.authBurst
	c.AccountWriteBudget = l.accountWriteBudget
}

func parseServeFlags(e *env, args []string) (serveFlags, error) {
	var f serveFlags
	fs := newFlagSet(e, "serve", "--addr 127.0.0.1:8080 --store STORE --tokens FILE [--demo] [--allow-readable-tokens] [--clock RFC3339] [--metrics-addr ADDR] [--pprof ADDR] [--issuer NAME] [--memory-limit SIZE] [--cache-events N] [--rate-limit N] [--rate-burst N] [--auth-fail-limit N] [--auth-fail-burst N] [--account-write-budget N] [--signing-key FILE [--tree FILE]] [--views URL]")
	fs.StringVar(&f.addr, "addr", "127.0.0.1:8080", "listen `address` (host:port; port 0 picks a free one)")
	fs.StringVar(&f.store, "store", storeurl.Default, "the event store `URL` (bolt:///… or esdb://…)")
	fs.StringVar(&f.tokens, "tokens", "", "the bearer tokens `file` (JSON, see API.md); with --demo, written when absent")
	fs.BoolVar(&f.allowReadableTokens, "allow-readable-tokens", false, "load a --tokens file that group or others may read or write (refused otherwise); prefer token_sha256 entries in such a file")
	fs.BoolVar(&f.demo, "demo", false, "seed a demo account when the store is empty and print demo tokens")
	fs.StringVar(&f.clock, "clock", "", "start the server's clock at this `instant` (RFC 3339); it then runs on")
	fs.StringVar(&f.metricsAddr, "metrics-addr", defaultMetricsAddr, "serve /metrics and a /readyz with the log position on this `address`, apart from the API (empty: not at all)")
	fs.StringVar(&f.pprof, "pprof", "", "serve net/http/pprof on this loopback `address` (e.g. 127.0.0.1:6060)")
	fs.StringVar(&f.issuer, "issuer", defaultIssuer, "the legal entity printed on invoices (ISSUE-1)")
	fs.Float64Var(&f.limits.rate, "rate-limit", api.DefaultRateLimit, "each token's sustained `requests` per second (negative: no limit)")
	fs.IntVar(&f.limits.burst, "rate-burst", api.DefaultBurst, "each token's burst of `requests`")
	fs.Float64Var(&f.limits.authFail, "auth-fail-limit", api.DefaultAuthFailLimit, "failed authentications per second one client address may make (negative: no limit)")
	fs.IntVar(&f.limits.authBurst, "auth-fail-burst", api.DefaultAuthFailBurst, "failed authentications one client address may make at once")
	fs.IntVar(&f.limits.accountWriteBudget, "account-write-budget", api.DefaultAccountWriteBudget, "`events` one account may gain per minute from its customers, and as many from staff (negative: no limit)")
	fs.StringVar(&f.signingKey, "signing-key", "", "sign checkpoints of the log's Merkle tree with this private key `file` (fapiao keygen); serves /v1/checkpoint and /v1/proofs")
	fs.StringVar(&f.views, "views", "", "keep the read models in this views `file` (a path or bolt:///path; default: views.db beside a bolt store, ./data/views.db otherwise)")
	fs.StringVar(&f.tree, "tree", "", "keep the Merkle tree's hashes in this `file` (default: beside a bolt store, STORE.tlog; ./data/esdb.tlog for esdb)")
	fs.IntVar(&f.cacheEvents, "cache-events", ledger.DefaultCacheEvents, "keep at most `N` events folded in the ledger's cache of accounts, in all (≈ 550 bytes of heap an event; negative: no bound)")
	memoryLimit := fs.String("memory-limit", "", "the Go runtime's soft memory `limit` (e.g. 900MiB; default: GOMEMLIMIT, else none); with a limit, the start-up rebuild collects only near it")
	if err := parseFlags(fs, args); err != nil {
		return f, err
	}
	var err error
	if f.memoryLimit, err = parseMemoryLimit(*memoryLimit); err != nil {
		return f, usagef("--memory-limit: %v", err)
	}
	if f.tokens == "" && !f.demo {
		return f, usagef("--tokens FILE is required (or --demo, which writes a demo tokens file)")
	}
	if _, err := storeurl.Parse(f.store); err != nil {
		return f, usagef("--store: %v", err)
	}
	start, err := parseClockFlag(f.clock)
	if err != nil {
		return f, err
	}
	f.start = start
	if f.pprof != "" {
		if err := checkLoopback(f.pprof); err != nil {
			return f, usagef("--pprof: %v", err)
		}
	}
	if f.tree != "" && f.signingKey == "" {
		return f, usagef("--tree goes with --signing-key: the tree is kept only to sign checkpoints")
	}
	if f.issuer == "" {
		return f, usagef("--issuer must not be empty")
	}
	if f.limits.rate == 0 || f.limits.authFail == 0 || f.limits.accountWriteBudget == 0 {
		return f, usagef("--rate-limit, --auth-fail-limit and --account-write-budget must not be 0 (a negative value turns a limit off)")
	}
	if f.limits.burst < 1 || f.limits.authBurst < 1 {
		return f, usagef("--rate-burst and --auth-fail-burst must be at least 1")
	}
	return f, nil
}

// runServe is fapiao serve: it runs until ctx ends (SIGINT, SIGTERM), then
// lets in-flight requests finish and closes the store.
func runServe(ctx context.Context, e *env, args []string) error {
	f, err := parseServeFlags(e, args)
	if err != nil {
		return err
	}
	log := slog.New(slog.NewTextHandler(e.stderr, nil))
	// The access log alone is buffered (a write per request was ~5% of the
	// CPU under load): flushed every 100 ms and when serve returns, so a
	// clean stop loses nothing, a crash at most the last 100 ms of access
	// lines. Everything else stays unbuffered on log.
	accessBuf := api.NewBufferedLog(e.stderr, 100*time.Millisecond)
	defer accessBuf.Close()
	access := api.NewAccessLog(accessBuf)
	clock := ledger.SystemClock()
	if !f.start.IsZero() {
		clock = ledger.StartingAt(f.start)
	}

	openCtx, cancel := context.WithTimeout(ctx, openTimeout)
	store, err := storeurl.Open(openCtx, f.store, fapiaoStreams)
	cancel()
	if err != nil {
		return damageHint(err, f.store)
	}
	defer func() {
		if err := store.Close(); err != nil {
			log.Error("closing the store", "err", err)
		}
	}()
	// The quick check (the cost of an open, whatever the log's length)
	// runs while the tokens load; nothing is written and nothing served
	// before it has passed. The index is checked once the views say how
	// much of the log is new (openViews).
	checked := make(chan error, 1)
	go func() { checked <- startupCheck(ctx, store, f.store, log) }()
	var checkErr error
	checkDone := false
	waitCheck := func() error {
		if !checkDone {
			checkErr, checkDone = <-checked, true
		}
		return checkErr
	}
	defer func() { _ = waitCheck() }() // before the store closes

	var demo *demoInfo
	tokensPath := f.tokens
	if f.demo {
		if err := waitCheck(); err != nil {
			return err
		}
		if demo, err = prepareDemo(ctx, store, clock, f, log); err != nil {
			return err
		}
		tokensPath = demo.tokensPath
	}
	tokens, err := api.LoadTokensFile(tokensPath, api.TokensFileOptions{AllowReadable: f.allowReadableTokens})
	if err != nil {
		return err
	}

	started := time.Now()
	// The views file is opened (or created) only once the store passed
	// its check: a damaged store leaves nothing behind.
	if err := waitCheck(); err != nil {
		return err
	}
	// Allocated before anything else is, so that its pages come fresh
	// from the system, already zero, and stay untouched.
	defer holdHeapFloor()()
	restoreGC := startupGC(f.memoryLimit)
	proj, indexChecked, err := openViews(ctx, store, f.store, f.views, log)
	restoreGC()
	if err != nil {
		return damageHint(err, f.store)
	}
	// After the cold rebuild, which is CPU-bound and at its memory goal's
	// edge: a third worker there bought nothing and cost RSS.
	defer spareProc()()
	defer proj.Close()
	log.Info("read models opened", "views", proj.Path(), "position", proj.Position(), "took", time.Since(started).Round(time.Millisecond))
	projCtx, stopProj := context.WithCancel(context.WithoutCancel(ctx))
	projDone := make(chan struct{})
	go func() {
		defer close(projDone)
		_ = projections.Run(projCtx, store, proj, log) // returns only when projCtx ends
	}()
	stopRun := func() {
		stopProj()
		<-projDone
	}
	defer stopRun()
	// A first start's rebuild has begun beside the index check; nothing
	// is served before the check has passed.
	if err := indexChecked(stopRun); err != nil {
		return damageHint(err, f.store)
	}

	var tl transparencyLog
	if f.signingKey != "" {
		treePath := f.tree
		if treePath == "" {
			treePath = defaultTreePath(f.store)
		}
		started, err := startTransparency(ctx, store, f.signingKey, treePath, log)
		if err != nil {
			return err
		}
		defer started.stop()
		tl = *started
	}

	led := ledger.New(store, ledger.Options{Clock: clock, Issuer: f.issuer, CacheEvents: f.cacheEvents})
	// RED-3's expiries are written by the server itself (deadlines.go);
	// every replica runs one, idempotently.
	schedCtx, stopSched := context.WithCancel(ctx)
	schedDone := make(chan struct{})
	go func() {
		defer close(schedDone)
		(&deadlines.Scheduler{Ledger: led, Projections: proj, Clock: clock, Log: log}).Run(schedCtx)
	}()
	defer func() {
		stopSched()
		<-schedDone
	}()
	apiCfg := api.Config{
		Ledger:      led,
		Projections: proj,
		Store:       store,
		Tokens:      tokens,
		Logger:      log,
		AccessLog:   access,
		Clock:       clock,
		Console:     console.Handler(console.WithIssuer(f.issuer), console.WithClock(clock)),
		Tree:        tl.tree,
		Checkpoints: tl.checkpoints,
	}
	f.limits.apply(&apiCfg)
	handler, ops := api.NewWithOps(apiCfg)
	return serveHTTP(ctx, e, f, handler, ops, log, demo)
}

// serveHTTP listens, prints where, serves until ctx ends and shuts down
// gracefully.
func serveHTTP(ctx context.Context, e *env, f serveFlags, handler, ops http.Handler, log *slog.Logger, demo *demoInfo) error {
	ln, err := net.Listen("tcp", f.addr)
	if err != nil {
		return fmt.Errorf("listen: %w", err)
	}
	var opsURL string
	if f.metricsAddr != "" {
		opsLn, err := net.Listen("tcp", f.metricsAddr)
		if err != nil {
			ln.Close()
			return fmt.Errorf("--metrics-addr: listen: %w", err)
		}
		opsSrv := &http.Server{Handler: ops, ReadHeaderTimeout: readHeaderTimeout, ReadTimeout: readTimeout,
			WriteTimeout: writeTimeout, IdleTimeout: idleTimeout, MaxHeaderBytes: maxHeaderBytes,
			ErrorLog: slog.NewLogLogger(log.Handler(), slog.LevelWarn)}
		go func() {
			if err := opsSrv.Serve(opsLn); err != nil && !errors.Is(err, http.ErrServerClosed) {
				log.Error("metrics listener", "err", err)
			}
		}()
		defer opsSrv.Close()
		opsURL = "http://" + opsLn.Addr().String()
	}
	srv := &http.Server{
		Handler:           handler,
		ReadHeaderTimeout: readHeaderTimeout,
		ReadTimeout:       readTimeout,
		WriteTimeout:      writeTimeout,
		IdleTimeout:       idleTimeout,
		MaxHeaderBytes:    maxHeaderBytes,
		ErrorLog:          slog.NewLogLogger(log.Handler(), slog.LevelWarn),
		ConnContext:       api.OneWriteConnContext,
	}
	ln = api.OneWriteListener(ln)
	var debug *http.Server
	if f.pprof != "" {
		if debug, err = startPprof(f.pprof, log); err != nil {
			ln.Close()
			return err
		}
		defer debug.Close()
	}

	base := "http://" + ln.Addr().String()
	served := make(chan error, 1)
	go func() { served <- srv.Serve(ln) }()
	// The e2e test and scripts read this line to find a port chosen with :0.
	fmt.Fprintf(e.stdout, "fapiao: listening on %s (console %s/console/, store %s)\n", base, base, redactedStore(f.store))
	if opsURL != "" {
		fmt.Fprintf(e.stdout, "fapiao: metrics on %s/metrics (and %s/readyz with the log position)\n", opsURL, opsURL)
	}
	if demo != nil {
		demo.print(e.stdout, base)
	}

	select {
	case err := <-served:
		return fmt.Errorf("serve: %w", err)
	case <-ctx.Done():
	}
	log.Info("shutting down: waiting for in-flight requests")
	sctx, cancel := context.WithTimeout(context.Background(), shutdownTimeout)
	defer cancel()
	if err := srv.Shutdown(sctx); err != nil {
		return fmt.Errorf("shutdown: %w", err)
	}
	if err := <-served; !errors.Is(err, http.ErrServerClosed) {
		return fmt.Errorf("serve: %w", err)
	}
	log.Info("stopped")
	return nil
}

// redactedStore prints a store address without its password.
func redactedStore(raw string) string {
	u, err := storeurl.Parse(raw)
	if err != nil {
		return "(invalid)"
	}
	return u.String()
}

// storeEmpty reports whether the log holds no event at all.
func storeEmpty(ctx context.Context, s eventstore.Store) (bool, error) {
	for _, err := range s.ReadAll(ctx, eventstore.Start) {
		return false, err
	}
	return true, ctx.Err()
}

// startupCheck runs the store's quick structural check (eventstore.Checker)
// and refuses to serve a store that fails it: serving would answer from a
// damaged log, and the first write could spread the damage.
func startupCheck(ctx context.Context, store eventstore.Store, raw string, log *slog.Logger) error {
	started := time.Now()
	if err := quickCheck(ctx, store, raw); err != nil {
		return fmt.Errorf("refusing to serve: %w", err)
	}
	log.Info("store checked", "took", time.Since(started).Round(time.Millisecond))
	return nil
}

// damageHint adds what to do to an error that reports a damaged store.
func damageHint(err error, raw string) error {
	if errors.Is(err, eventstore.ErrCorrupt) {
		return fmt.Errorf("%w; run `fapiao verify --store %s` for a full report, and restore the store from a backup", err, redactedStore(raw))
	}
	return err
}
