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

// serveFlags are the flags of fapiao serve.
type serveFlags struct {
	addr, store, tokens, clock, pprof, issuer string
	signingKey, tree                          string // --signing-key, --tree
	demo                                      bool
	start                                     time.Time // parsed --clock; zero for the system clock
	memoryLimit                               int64     // parsed --memory-limit; 0 keeps GOMEMLIMIT's
}

func parseServeFlags(e *env, args []string) (serveFlags, error) {
	var f serveFlags
	fs := newFlagSet(e, "serve", "--addr 127.0.0.1:8080 --store STORE --tokens FILE [--demo] [--clock RFC3339] [--pprof ADDR] [--issuer NAME] [--memory-limit SIZE] [--signing-key FILE [--tree FILE]]")
	fs.StringVar(&f.addr, "addr", "127.0.0.1:8080", "listen `address` (host:port; port 0 picks a free one)")
	fs.StringVar(&f.store, "store", storeurl.Default, "the event store `URL` (bolt:///… or esdb://…)")
	fs.StringVar(&f.tokens, "tokens", "", "the bearer tokens `file` (JSON, see API.md); with --demo, written when absent")
	fs.BoolVar(&f.demo, "demo", false, "seed a demo account when the store is empty and print demo tokens")
	fs.StringVar(&f.clock, "clock", "", "start the server's clock at this `instant` (RFC 3339); it then runs on")
	fs.StringVar(&f.pprof, "pprof", "", "serve net/http/pprof on this loopback `address` (e.g. 127.0.0.1:6060)")
	fs.StringVar(&f.issuer, "issuer", defaultIssuer, "the legal entity printed on invoices (ISSUE-1)")
	fs.StringVar(&f.signingKey, "signing-key", "", "sign checkpoints of the log's Merkle tree with this private key `file` (fapiao keygen); serves /v1/checkpoint and /v1/proofs")
	fs.StringVar(&f.tree, "tree", "", "keep the Merkle tree's hashes in this `file` (default: beside a bolt store, STORE.tlog; ./data/esdb.tlog for esdb)")
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
	if f.clock != "" {
		t, err := time.Parse(time.RFC3339, f.clock)
		if err != nil {
			return f, usagef("--clock: want an RFC 3339 instant like 2026-10-05T09:30:00+08:00: %v", err)
		}
		f.start = t
	}
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
	access := slog.New(slog.NewTextHandler(accessBuf, nil))
	clock := ledger.SystemClock()
	if !f.start.IsZero() {
		clock = ledger.StartingAt(f.start)
	}

	openCtx, cancel := context.WithTimeout(ctx, openTimeout)
	store, err := storeurl.Open(openCtx, f.store)
	cancel()
	if err != nil {
		return err
	}
	defer func() {
		if err := store.Close(); err != nil {
			log.Error("closing the store", "err", err)
		}
	}()

	var demo *demoInfo
	tokensPath := f.tokens
	if f.demo {
		if demo, err = prepareDemo(ctx, store, clock, f, log); err != nil {
			return err
		}
		tokensPath = demo.tokensPath
	}
	tokens, err := api.LoadTokens(tokensPath)
	if err != nil {
		return err
	}

	started := time.Now()
	restoreGC := startupGC(f.memoryLimit)
	proj, err := projections.Replay(ctx, store, nil)
	restoreGC()
	if err != nil {
		return fmt.Errorf("rebuilding the read models: %w", err)
	}
	log.Info("read models rebuilt from the log", "position", proj.Position(), "took", time.Since(started).Round(time.Millisecond))
	projCtx, stopProj := context.WithCancel(context.WithoutCancel(ctx))
	projDone := make(chan struct{})
	go func() {
		defer close(projDone)
		_ = projections.Run(projCtx, store, proj, log) // returns only when projCtx ends
	}()
	defer func() {
		stopProj()
		<-projDone
	}()

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

	led := ledger.New(store, ledger.Options{Clock: clock, Issuer: f.issuer})
	handler := api.New(api.Config{
		Ledger:      led,
		Projections: proj,
		Store:       store,
		Tokens:      tokens,
		Logger:      log,
		AccessLog:   access,
		Clock:       clock,
		Console:     console.Handler(console.WithIssuer(f.issuer)),
		Tree:        tl.tree,
		Checkpoints: tl.checkpoints,
	})
	return serveHTTP(ctx, e, f, handler, log, demo)
}

// serveHTTP listens, prints where, serves until ctx ends and shuts down
// gracefully.
func serveHTTP(ctx context.Context, e *env, f serveFlags, handler http.Handler, log *slog.Logger, demo *demoInfo) error {
	ln, err := net.Listen("tcp", f.addr)
	if err != nil {
		return fmt.Errorf("listen: %w", err)
	}
	srv := &http.Server{
		Handler:           handler,
		ReadHeaderTimeout: readHeaderTimeout,
		ReadTimeout:       readTimeout,
		WriteTimeout:      writeTimeout,
		IdleTimeout:       idleTimeout,
		MaxHeaderBytes:    maxHeaderBytes,
		ErrorLog:          slog.NewLogLogger(log.Handler(), slog.LevelWarn),
	}
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
