package api

import (
	"context"
	"errors"
	"net/http"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/fapiao/fapiao/eventstore"
)

// healthz says the process is alive.
func (s *server) healthz(c echo.Context) error {
	return answer(c, http.StatusOK, healthOut{Status: "ok"})
}

// readyz says whether the server can answer: the store is reachable and the
// projections have caught up with the log once. It says nothing more: the
// log position (how much business there is) is on the operations
// listener's /readyz only.
func (s *server) readyz(c echo.Context) error {
	if err := s.ready(c); err != nil {
		return err
	}
	return answer(c, http.StatusOK, healthOut{Status: "ready"})
}

// readyzDetailed is readyz with the projections' log position, for the
// operations listener.
func (s *server) readyzDetailed(c echo.Context) error {
	if err := s.ready(c); err != nil {
		return err
	}
	return answer(c, http.StatusOK, readyOut{Status: "ready", Position: s.cfg.Projections.Position()})
}

// ready is nil when the server can answer, else the 503 problem.
func (s *server) ready(c echo.Context) error {
	checks := map[string]string{"store": "ok", "projections": "ok"}
	ready := true
	if err := s.probeStore(c.Request().Context()); err != nil {
		checks["store"], ready = "unreachable", false
	}
	if s.storeDamage() != nil {
		checks["store"], ready = "damaged (run fapiao verify)", false
	}
	if !s.cfg.Projections.Ready() {
		checks["projections"], ready = "catching up", false
	}
	if !ready {
		p := problem(http.StatusServiceUnavailable, "The server is not ready: store "+checks["store"]+", projections "+checks["projections"]+".")
		p.RetryAfter = 1
		return p
	}
	return nil
}

// storeDamage is the damage a request or the store itself met, if any.
func (s *server) storeDamage() error {
	if p := s.damage.Load(); p != nil {
		return *p
	}
	if d, ok := s.cfg.Store.(eventstore.DamageReporter); ok {
		return d.Damage()
	}
	return nil
}

// opsServer is the operations handler (NewWithOps): GET and HEAD alike.
func (s *server) opsServer() *echo.Echo {
	e := echo.New()
	e.HideBanner, e.HidePort = true, true
	e.HTTPErrorHandler = s.errorHandler
	for path, h := range map[string]echo.HandlerFunc{
		"/metrics": s.metricsHandler(), "/healthz": s.healthz, "/readyz": s.readyzDetailed,
	} {
		e.GET(path, h)
		e.HEAD(path, h)
	}
	return e
}

// probeStore reads a stream that never exists: any answer but "not found"
// (or an empty stream) means the store cannot be used.
func (s *server) probeStore(ctx context.Context) error {
	ctx, cancel := context.WithTimeout(ctx, 2*time.Second)
	defer cancel()
	for _, err := range s.cfg.Store.ReadStream(ctx, "fapiao-readiness-probe", 0) {
		if err == nil || errors.Is(err, eventstore.ErrStreamNotFound) {
			return nil
		}
		return err
	}
	return nil
}

// refuseWritesWhenDamaged answers every change with the damaged-store
// problem once the store is known to be damaged: writing on a damaged log
// spreads the damage. Reads from the read models go on.
func (s *server) refuseWritesWhenDamaged(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		switch c.Request().Method {
		case http.MethodGet, http.MethodHead, http.MethodOptions:
			return next(c)
		}
		if err := s.storeDamage(); err != nil {
			return err
		}
		return next(c)
	}
}
