package api_test

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/stretchr/testify/require"
)

// getOps sends a GET to the operations handler.
func (s *testServer) getOps(path string) *httptest.ResponseRecorder { return s.callOps("GET", path) }

// callOps sends a request without a body to the operations handler.
func (s *testServer) callOps(method, path string) *httptest.ResponseRecorder {
	rec := httptest.NewRecorder()
	s.ops.ServeHTTP(rec, httptest.NewRequest(method, path, nil))
	return rec
}

func TestOps(t *testing.T) {
	s := newTestServer(t)
	s.must(200, "GET", "/healthz", "", nil)
	s.seed()
	s.must(200, "GET", "/readyz", "", nil)
	s.must(200, "GET", "/v1/reconciliation?month=2026-10", tokFinance, nil)

	rec := s.getOps("/metrics")
	require.Equal(t, http.StatusOK, rec.Code)
	m := rec.Body.String()
	for _, want := range []string{
		`fapiao_http_requests_total{method="POST",route="/v1/accounts/:acc/statements",status="201"} 3`,
		`fapiao_events_appended_total`,
		`fapiao_projection_position`,
		`fapiao_projection_lag`,
		`fapiao_http_request_duration_seconds_bucket`,
	} {
		require.Contains(t, m, want)
	}
	require.NotContains(t, m, "acc-1", "routes are labelled by template")
	require.Equal(t, http.StatusOK, s.getOps("/healthz").Code)

	s.store.Close()
	r := s.call("GET", "/readyz", "", nil)
	requireProblem(t, r, 503)
	require.Equal(t, http.StatusServiceUnavailable, s.getOps("/readyz").Code)
}

// TestMetricsNotOnTheAPIListener: /metrics is not served to the API's
// callers, with or without a token (a scrape flood cost them latency, and
// the series tell the log's size); it is on the operations handler.
func TestMetricsNotOnTheAPIListener(t *testing.T) {
	s := newTestServer(t)
	for _, tok := range []string{"", tokAuditor, tokFinance} {
		require.Equal(t, http.StatusNotFound, s.call("GET", "/metrics", tok, nil).Status)
	}
	require.Equal(t, http.StatusOK, s.getOps("/metrics").Code)
}

// TestReadyzRevealsNoLogSize: the API listener's /readyz answers the status
// only, to anyone; the operations listener's adds the log position.
func TestReadyzRevealsNoLogSize(t *testing.T) {
	s := newTestServer(t)
	s.seed()
	var public map[string]any
	require.NoError(t, json.Unmarshal(s.must(200, "GET", "/readyz", "", nil).Body, &public))
	require.Equal(t, map[string]any{"status": "ready"}, public)
	var ops map[string]any
	rec := s.getOps("/readyz")
	require.Equal(t, http.StatusOK, rec.Code)
	require.NoError(t, json.Unmarshal(rec.Body.Bytes(), &ops))
	require.Equal(t, "ready", ops["status"])
	require.Equal(t, float64(s.store.LastPosition()), ops["position"])
}
