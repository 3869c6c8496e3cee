// Package api is fapiao's HTTP interface (API.md): Echo routes, bearer-token
// authentication, tenant isolation, problem+json errors, read-your-writes,
// OpenAPI, metrics and access logs.
//
// Commands go to the ledger and answer from the account state the ledger
// decided on, so they are immediate; GETs read the projections and, given
// Fapiao-Min-Position, first wait until the projections reached it.
//
// Authorization is decided in this order: a valid bearer token (401), then,
// for customers, the account named in the path must be their own (404 for
// any other, whatever the route: a customer learns nothing about other
// accounts, not even which routes exist for them), then the role (403).
// A malformed account, invoice or address ID in a path is 404: no resource
// can have that name. An account without events is 404 for staff; for its
// own customer it is simply empty.
package api

import (
	"log/slog"
	"net/http"
	"net/netip"
	"sync/atomic"
	"time"

	"github.com/labstack/echo/v4"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/fapiao/fapiao/eventstore"
	"github.com/fapiao/fapiao/eventstore/transparency"
	"github.com/fapiao/fapiao/ledger"
	"github.com/fapiao/fapiao/projections"
)

// Config is what the server needs. Ledger, Projections, Store and Tokens
// are required; the rest have defaults.
type Config struct {
	Ledger      *ledger.Ledger
	Projections *projections.Projections
	Store       eventstore.Store
	Tokens      *Tokens
	Logger      *slog.Logger // default: slog.Default()
	// AccessLog receives the "http request" line of every request; default:
	// Logger. serve gives it a BufferedLog: see there what that may lose.
	AccessLog *slog.Logger
	Clock     ledger.Clock // default: the wall clock
	// Console, when set, is served at /console/.
	Console http.Handler
	// Registry receives the server's metrics, served at /metrics by the
	// operations handler (NewWithOps); default: a new registry with the Go
	// and process collectors.
	Registry *prometheus.Registry
	// RateLimit is each token's sustained requests per second and Burst the
	// bucket size; defaults DefaultRateLimit and DefaultBurst. A negative
	// RateLimit disables it.
	RateLimit float64
	Burst     int
	// AuthFailLimit is the failed authentications per second one client
	// address may make, AuthFailBurst how many at once; defaults
	// DefaultAuthFailLimit and DefaultAuthFailBurst. Negative disables.
	AuthFailLimit float64
	AuthFailBurst int
	// AccountWriteBudget is how many events one account may gain per minute
	// (and at once) from customers, and as many from staff; default
	// DefaultAccountWriteBudget. Negative disables.
	AccountWriteBudget int
	// Tree, when set, answers the Merkle proofs of the log (/v1/proofs/…);
	// Checkpoints, when set, the signed checkpoints (/v1/checkpoint). serve
	// sets both with --signing-key; without, those routes are 404.
	Tree        *transparency.Tree
	Checkpoints *transparency.Checkpointer
	// MaxWait bounds how long a GET waits for Fapiao-Min-Position; default 5 s.
	MaxWait time.Duration
	// StreamHeartbeat is how often the event feed (/v1/events/stream) sends
	// a comment line; default DefaultStreamHeartbeat. StreamStallTimeout is
	// how long one write to a feed's client may block before the stream is
	// cut (the client resumes with Last-Event-ID); default
	// DefaultStreamStallTimeout.
	StreamHeartbeat    time.Duration
	StreamStallTimeout time.Duration
}

// server holds the configured dependencies the handlers share.
type server struct {
	cfg      Config
	log      *slog.Logger
	access   *slog.Logger
	clock    ledger.Clock
	metrics  *metrics
	limiter  *keyedLimiter[[32]byte]     // per token digest
	authFail *keyedLimiter[netip.Prefix] // failed authentications per client address
	writes   *keyedLimiter[writeKey]     // events per account per minute
	json     *jsonCache
	streams  streamHub // ends the event feeds at shutdown
	// damage is the first eventstore.ErrCorrupt a request met (*error):
	// from then on /readyz says not ready.
	damage atomic.Pointer[error]
}

// New returns the Echo server with every endpoint of API.md.
func New(cfg Config) *echo.Echo {
	e, _ := NewWithOps(cfg)
	return e
}

// NewWithOps returns the API server of New and its operations handler: the
// Prometheus /metrics, /healthz and a /readyz that also tells the log
// position. serve puts the operations handler on its own listener
// (--metrics-addr, loopback by default): a scrape costs CPU the API's
// callers would wait for, and the log's size is nobody else's business.
func NewWithOps(cfg Config) (*echo.Echo, *echo.Echo) {
	s := &server{cfg: cfg, log: cfg.Logger, clock: cfg.Clock}
	if s.log == nil {
		s.log = slog.Default()
	}
	s.access = cfg.AccessLog
	if s.access == nil {
		s.access = s.log
	}
	if s.clock == nil {
		s.clock = ledger.SystemClock()
	}
	if s.cfg.MaxWait <= 0 {
		s.cfg.MaxWait = 5 * time.Second
	}
	if s.cfg.StreamHeartbeat <= 0 {
		s.cfg.StreamHeartbeat = DefaultStreamHeartbeat
	}
	if s.cfg.StreamStallTimeout <= 0 {
		s.cfg.StreamStallTimeout = DefaultStreamStallTimeout
	}
	s.initLimits()
	s.json = newJSONCache()
	s.metrics = newMetrics(cfg.Registry, cfg.Projections)

	e := echo.New()
	e.HideBanner, e.HidePort = true, true
	e.HTTPErrorHandler = s.errorHandler
	// Echo applies middleware per request, a closure per middleware each
	// time; the chains are built once here instead. The global one ends in
	// the handler the router found (c.Handler(), what Echo passes as next
	// to the e.Use middleware), so it must stay the only e.Use middleware.
	global := chain(func(c echo.Context) error { return c.Handler()(c) },
		s.requestID, s.securityHeaders, s.observe, s.recoverPanic, s.authenticate, s.rateLimit, s.refuseWritesWhenDamaged)
	e.Use(func(echo.HandlerFunc) echo.HandlerFunc { return global })
	for _, r := range s.routes() {
		mw := []echo.MiddlewareFunc{s.allow(r.roles)}
		if r.method == http.MethodGet {
			mw = append(mw, s.minPosition)
		}
		h := chain(r.handler, mw...)
		e.Add(r.method, r.path, h)
		if r.method == http.MethodGet {
			// RFC 9110: every GET answers HEAD, with the same headers;
			// net/http drops the body.
			e.Add(http.MethodHead, r.path, h)
		}
	}
	s.opsRoutes(e)
	if cfg.Console != nil {
		// The console sees the full path (/console/...), as if mounted with http.Handle.
		h := echo.WrapHandler(cfg.Console)
		e.GET("/console/*", h)
		e.HEAD("/console/*", h)
		redirect := func(c echo.Context) error { return c.Redirect(http.StatusMovedPermanently, "/console/") }
		e.GET("/console", redirect)
		e.HEAD("/console", redirect)
	}
	for _, r := range e.Routes() {
		s.metrics.routeNames[r.Path] = struct{}{}
	}
	return e, s.opsServer()
}

// chain wraps h in mw as Echo would, the first the outermost, once.
func chain(h echo.HandlerFunc, mw ...echo.MiddlewareFunc) echo.HandlerFunc {
	for i := len(mw) - 1; i >= 0; i-- {
		h = mw[i](h)
	}
	return h
}
