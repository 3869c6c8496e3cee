package api_test

import (
	"testing"

	"github.com/stretchr/testify/require"
)

func TestOps(t *testing.T) {
	s := newTestServer(t)
	s.must(200, "GET", "/healthz", "", nil)
	s.seed()
	s.must(200, "GET", "/readyz", "", nil)
	s.must(200, "GET", "/v1/reconciliation?month=2026-10", tokFinance, nil)

	m := string(s.must(200, "GET", "/metrics", "", nil).body)
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

	s.store.Close()
	r := s.call("GET", "/readyz", "", nil)
	requireProblem(t, r, 503)
}
