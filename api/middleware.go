package api

import (
	"context"
	"encoding/binary"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"net/http"
	"net/netip"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/google/uuid"
	"github.com/labstack/echo/v4"

	"github.com/fapiao/fapiao/domain"
)

// keyRequest holds the request's *reqState.
const keyRequest = "fapiao.request"

// reqState is what the middleware learns about a request, in one context
// value: a boxed string and a boxed Principal per request were two
// allocations more on every request.
type reqState struct {
	id            string
	principal     Principal
	authenticated bool
	// authAt is when authenticate read the clock; rateLimit charges the
	// token at the same instant rather than reading it again.
	authAt time.Time
	// conn is the request's connection when it is OneWriteListener's.
	conn *oneWriteConn
}

// reqContext is the echo.Context requestID hands down the chain, with the
// request's state beside it: Echo's context store (c.Set) made a map and
// took a lock on every request, 2 % of a GET's CPU (docs/performance.md,
// "The mix, 30 Nov, fourth round"). An error answer is rendered with this
// context too (observe), so that the error handler sees the state.
type reqContext struct {
	echo.Context
	st reqState
}

func stateOf(c echo.Context) *reqState {
	if rc, ok := c.(*reqContext); ok {
		return &rc.st
	}
	// A context requestID did not make (tests that call a middleware
	// alone): the state, if any, is in Echo's store.
	st, _ := c.Get(keyRequest).(*reqState)
	return st
}

// principalOf returns the authenticated caller; only /v1 routes have one.
func principalOf(c echo.Context) (Principal, bool) {
	if st := stateOf(c); st != nil && st.authenticated {
		return st.principal, true
	}
	return Principal{}, false
}

// requestID returns the request's ID (X-Request-Id).
func requestID(c echo.Context) string {
	if st := stateOf(c); st != nil {
		return st.id
	}
	return ""
}

// recoverPanic turns a handler's panic into a 500 problem instead of a
// dropped connection, and logs it.
func (s *server) recoverPanic(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) (err error) {
		defer func() {
			if v := recover(); v != nil {
				if v == http.ErrAbortHandler {
					panic(v)
				}
				s.log.ErrorContext(c.Request().Context(), "panic", slog.String("request_id", requestID(c)),
					slog.String("route", c.Path()), slog.String("panic", fmt.Sprint(v)))
				err = problem(http.StatusInternalServerError, "Something went wrong on our side.")
			}
		}()
		return next(c)
	}
}

// requestID echoes a sane X-Request-Id or makes one, so that a client's
// report and our logs name the same request.
func (s *server) requestID(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		id := c.Request().Header.Get(echo.HeaderXRequestID)
		if !validRequestID(id) {
			id = newRequestID()
		}
		c.Response().Header()[echo.HeaderXRequestID] = []string{id} // the canonical key: Set would canonicalise it again
		return next(&reqContext{Context: c, st: reqState{id: id, conn: connOf(c)}})
	}
}

// newRequestID is a random UUID (version 4) from the runtime's generator
// (ChaCha8, seeded by the system) rather than crypto/rand: a request ID
// names a request in logs and must not repeat, but guards nothing, and
// crypto/rand's read was 1 % of the server's CPU under load.
func newRequestID() string {
	var id uuid.UUID
	binary.LittleEndian.PutUint64(id[:8], rand.Uint64())
	binary.LittleEndian.PutUint64(id[8:], rand.Uint64())
	id[6] = id[6]&0x0f | 0x40 // version 4
	id[8] = id[8]&0x3f | 0x80 // RFC 9562 variant
	return id.String()
}

func validRequestID(id string) bool {
	// Printable ASCII without spaces, which would split the log's fields.
	return id != "" && len(id) <= 128 && domain.PrintableASCII(id) && !strings.Contains(id, " ")
}

// securityHeaders sets the headers every answer carries. No CORS header is
// ever set: the API is not meant to be called from other origins.
func (s *server) securityHeaders(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		// The values are shared, read-only slices assigned under their
		// canonical keys: Header.Set would allocate a slice for each on
		// every request. net/http only reads them (Add would append to a
		// copy: each has no spare capacity).
		h := c.Response().Header()
		h["X-Content-Type-Options"] = hdrNosniff
		h["X-Frame-Options"] = hdrDeny
		h["Referrer-Policy"] = hdrNoReferrer
		path := c.Request().URL.Path
		if path == "/console" || strings.HasPrefix(path, "/console/") {
			h["Content-Security-Policy"] = hdrCSPConsole
		} else {
			h["Content-Security-Policy"] = hdrCSPNone
		}
		if isV1(path) {
			h["Cache-Control"] = hdrNoStore
		}
		return next(c)
	}
}

var (
	hdrNosniff    = []string{"nosniff"}
	hdrDeny       = []string{"DENY"}
	hdrNoReferrer = []string{"no-referrer"}
	hdrCSPConsole = []string{"default-src 'self'; frame-ancestors 'none'"}
	hdrCSPNone    = []string{"default-src 'none'; frame-ancestors 'none'"}
	hdrNoStore    = []string{"no-store"}
)

func isV1(path string) bool { return path == "/v1" || strings.HasPrefix(path, "/v1/") }

// observe renders errors here rather than in Echo, so that the access log
// and the metrics see the status the client got. It logs no body, no query
// and no header: tokens, phone numbers and bank accounts stay out of logs.
func (s *server) observe(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		start := time.Now()
		if err := next(c); err != nil {
			// As c.Error does, but with c itself: Echo's Error would
			// hand the handler the context inside c, without its state.
			c.Echo().HTTPErrorHandler(err, c)
		}
		elapsed := time.Since(start)
		status := c.Response().Status
		route := c.Path()
		if _, known := s.metrics.routeNames[route]; !known {
			route = "unmatched"
		}
		method := c.Request().Method
		s.metrics.observe(method, route, status, elapsed)
		role := "-"
		if p, ok := principalOf(c); ok {
			role = string(p.Role)
		}
		level := slog.LevelInfo
		if status >= 500 {
			level = slog.LevelError
		}
		// The record goes to the handler without a caller's PC: Logger's
		// methods look it up on every call (runtime.Callers, 2 % of the
		// server's CPU for a GET) for a source no access log shows, and
		// would be this function anyway. Its time is the request's end.
		ctx := c.Request().Context()
		if h := s.access.Handler(); h.Enabled(ctx, level) {
			if ah, ok := h.(*accessHandler); ok && ah.line(start.Add(elapsed), level, method, route, status, elapsed, requestID(c), role) {
				return nil
			}
			r := slog.NewRecord(start.Add(elapsed), level, "http request", 0)
			r.AddAttrs(slog.String("method", method), slog.String("route", route), slog.Int("status", status),
				slog.Duration("latency", elapsed), slog.String("request_id", requestID(c)), slog.String("role", role))
			_ = h.Handle(ctx, r) // as Logger does: a log that cannot be written is not the client's error
		}
		return nil
	}
}

// authenticate requires a valid bearer token on every /v1 request. A client
// address that failed too often is refused (429) before its token is even
// looked at, so guessing tokens runs at the pace of the auth-fail limit.
func (s *server) authenticate(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		if !isV1(c.Request().URL.Path) {
			return next(c)
		}
		now := s.clock.Now()
		// The connection's address and last accepted token are kept on it
		// (connAuth): parsing the one and hashing the other on every
		// request are a visible part of a GET's CPU (docs/performance.md).
		var ca *connAuth
		if oc := connOf(c); oc != nil {
			ca = &oc.auth
		}
		var addr netip.Prefix
		if ca != nil {
			addr = ca.clientKey(c.Request().RemoteAddr)
		} else {
			addr = clientKey(c.Request().RemoteAddr)
		}
		if wait, blocked := s.authFail.blocked(addr, now); blocked {
			return tooManyAuthFailures(wait)
		}
		scheme, token, _ := strings.Cut(c.Request().Header.Get(echo.HeaderAuthorization), " ")
		p, ok := Principal{}, false
		if strings.EqualFold(scheme, "Bearer") {
			if token = strings.TrimSpace(token); ca != nil {
				p, ok = ca.lookup(s.cfg.Tokens, token)
			} else {
				p, ok = s.cfg.Tokens.Lookup(token)
			}
		}
		if !ok {
			if wait, allowed := s.authFail.take(addr, 1, now); !allowed {
				return tooManyAuthFailures(wait)
			}
			c.Response().Header().Set(echo.HeaderWWWAuthenticate, `Bearer realm="fapiao"`)
			return errUnauthorized
		}
		st := stateOf(c)
		if st == nil { // only when requestID did not run first
			st = &reqState{}
			c.Set(keyRequest, st)
		}
		st.principal, st.authenticated, st.authAt = p, true, now
		return next(c)
	}
}

func tooManyAuthFailures(wait time.Duration) *Problem {
	pr := problem(http.StatusTooManyRequests, "Too many failed authentications from this address; wait before trying again.")
	pr.RetryAfter = retryAfter(wait)
	return pr
}

// rateLimit applies each token's bucket.
func (s *server) rateLimit(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		st := stateOf(c)
		if st == nil || !st.authenticated {
			return next(c)
		}
		if wait, allowed := s.limiter.take(st.principal.digest, 1, st.authAt); !allowed {
			pr := problem(http.StatusTooManyRequests, "Too many requests with this token; slow down.")
			pr.RetryAfter = retryAfter(wait)
			return pr
		}
		return next(c)
	}
}

// allow enforces tenant isolation and the route's roles (see the package
// comment for the order).
func (s *server) allow(allowed []domain.Role) echo.MiddlewareFunc {
	return func(next echo.HandlerFunc) echo.HandlerFunc {
		return func(c echo.Context) error {
			p, ok := principalOf(c)
			if !ok {
				return errUnauthorized
			}
			if slices.Contains(c.ParamNames(), "acc") {
				acc := c.Param("acc")
				if !domain.ValidAccountID(acc) {
					return errNotFound
				}
				if p.Role == domain.RoleCustomer && acc != p.AccountID {
					return errNotFound
				}
			}
			if !slices.Contains(allowed, p.Role) {
				return errForbidden
			}
			return next(c)
		}
	}
}

// minPosition makes a GET wait until the projections reached the position
// in Fapiao-Min-Position (read-your-writes), for at most MaxWait.
func (s *server) minPosition(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		raw := c.Request().Header.Get(HeaderMinPosition)
		if raw == "" {
			return next(c)
		}
		pos, err := strconv.ParseUint(raw, 10, 64)
		if err != nil {
			return badRequest(HeaderMinPosition, "Fapiao-Min-Position must be a log position, a whole number.")
		}
		if s.cfg.Projections.Position() >= pos {
			return next(c) // already there: no timer, no wait
		}
		ctx, cancel := context.WithTimeout(c.Request().Context(), s.cfg.MaxWait)
		defer cancel()
		if err := s.cfg.Projections.WaitFor(ctx, pos); err != nil {
			if c.Request().Context().Err() != nil {
				return c.Request().Context().Err()
			}
			pr := problem(http.StatusServiceUnavailable,
				fmt.Sprintf("The read model has not reached position %d within %s; retry later.", pos, s.cfg.MaxWait))
			pr.RetryAfter = 1
			return pr
		}
		return next(c)
	}
}
