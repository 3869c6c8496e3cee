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
// projections have caught up with the log once.
func (s *server) readyz(c echo.Context) error {
	checks := map[string]string{"store": "ok", "projections": "ok"}
	ready := true
	if err := s.probeStore(c.Request().Context()); err != nil {
		checks["store"], ready = "unreachable", false
	}
	if !s.cfg.Projections.Ready() {
		checks["projections"], ready = "catching up", false
	}
	if !ready {
		p := problem(http.StatusServiceUnavailable, "The server is not ready: store "+checks["store"]+", projections "+checks["projections"]+".")
		p.RetryAfter = 1
		return p
	}
	return answer(c, http.StatusOK, readyOut{Status: "ready", Position: s.cfg.Projections.Position()})
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
