package api

import (
	"errors"
	"net/http"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/labstack/echo/v4"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/fapiao/fapiao/ledger"
	"github.com/fapiao/fapiao/projections"
)

// metrics are the server's Prometheus series. Routes are labelled by their
// template (/v1/accounts/:acc/...), never by the concrete path, so account
// IDs neither leak nor blow up the series count.
type metrics struct {
	reg      *prometheus.Registry
	requests *prometheus.CounterVec
	latency  *prometheus.HistogramVec
	appended prometheus.Counter
	// head is the highest position a command of this process reached; the
	// projection lag is measured against it.
	head atomic.Uint64
	// routeNames are the templates a request may be labelled with.
	routeNames map[string]struct{}
	// series caches each label set's counter and histogram: looking them
	// up by label values hashes the values on every request.
	series sync.Map // seriesKey → series
}

type seriesKey struct {
	method, route string
	status        int
}

type series struct {
	requests prometheus.Counter
	latency  prometheus.Observer
}

func newMetrics(reg *prometheus.Registry, proj *projections.Projections) *metrics {
	if reg == nil {
		reg = prometheus.NewRegistry()
		register(reg, collectors.NewGoCollector())
		register(reg, collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	}
	m := &metrics{reg: reg, routeNames: map[string]struct{}{}}
	m.requests = register(reg, prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "fapiao_http_requests_total", Help: "HTTP requests by method, route template and status.",
	}, []string{"method", "route", "status"}))
	m.latency = register(reg, prometheus.NewHistogramVec(prometheus.HistogramOpts{
		Name: "fapiao_http_request_duration_seconds", Help: "HTTP request latency by method and route template.",
		Buckets: []float64{.0005, .001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5},
	}, []string{"method", "route"}))
	m.appended = register(reg, prometheus.NewCounter(prometheus.CounterOpts{
		Name: "fapiao_events_appended_total", Help: "Events appended by commands of this server.",
	}))
	if proj != nil {
		register(reg, prometheus.NewGaugeFunc(prometheus.GaugeOpts{
			Name: "fapiao_projection_position", Help: "Log position the projections have reached.",
		}, func() float64 { return float64(proj.Position()) }))
		register(reg, prometheus.NewGaugeFunc(prometheus.GaugeOpts{
			Name: "fapiao_projection_lag", Help: "Log positions between this server's last write and the projections.",
		}, func() float64 {
			head, pos := m.head.Load(), proj.Position()
			if head <= pos {
				return 0
			}
			return float64(head - pos)
		}))
	}
	return m
}

// register adds c to reg, or returns the collector already registered under
// the same name (a second server on one registry shares the series).
func register[C prometheus.Collector](reg *prometheus.Registry, c C) C {
	if err := reg.Register(c); err != nil {
		var are prometheus.AlreadyRegisteredError
		if errors.As(err, &are) {
			if existing, ok := are.ExistingCollector.(C); ok {
				return existing
			}
		}
		panic(err)
	}
	return c
}

func (m *metrics) observe(method, route string, status int, elapsed time.Duration) {
	method = methodLabel(method)
	k := seriesKey{method: method, route: route, status: status}
	v, ok := m.series.Load(k)
	if !ok {
		v, _ = m.series.LoadOrStore(k, series{
			requests: m.requests.WithLabelValues(method, route, strconv.Itoa(status)),
			latency:  m.latency.WithLabelValues(method, route),
		})
	}
	s := v.(series)
	s.requests.Inc()
	s.latency.Observe(elapsed.Seconds())
}

// methodLabel keeps the method label to the methods HTTP defines: a client
// sending made-up methods must not grow the series (and the cache above)
// without bound.
func methodLabel(method string) string {
	switch method {
	case http.MethodGet, http.MethodPost, http.MethodPut, http.MethodDelete, http.MethodHead,
		http.MethodPatch, http.MethodOptions, http.MethodConnect, http.MethodTrace:
		return method
	}
	return "other"
}

// commandDone counts a command's new events.
func (m *metrics) commandDone(res ledger.Result) {
	if !res.Replayed {
		m.appended.Add(float64(len(res.Records)))
	}
	for {
		cur := m.head.Load()
		if res.Position <= cur || m.head.CompareAndSwap(cur, res.Position) {
			return
		}
	}
}

func (s *server) metricsHandler() echo.HandlerFunc {
	return echo.WrapHandler(promhttp.HandlerFor(s.metrics.reg, promhttp.HandlerOpts{}))
}
