package main

import (
	"net/http"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/fapiao/fapiao/eventstore/bolt/bolttest"
)

// TestServerMeetsDamageOnAWrite: the file is damaged under a running
// server (every child reference of the log's branch pages sent far past
// the end), so the next append's commit meets it. The server answers 500
// problem+json, the internal type saying the store is damaged (never 409
// "retry"), says it is not
// ready, refuses further writes the same way, and does not crash.
func TestServerMeetsDamageOnAWrite(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	path := damagedStoreIn(t, dir, func(*testing.T, string) {})
	pages := bolttest.Pages(t, path)
	tokens := writeTokens(t, dir)
	srv := startServer(t, "bolt://"+path, tokens, "2026-05-20T12:00:00+08:00")
	var pos uint64
	billing := client{t: t, srv: &srv, token: tokBilling, pos: &pos}

	// Damage the log's branch pages in the file the server has mapped.
	damaged := bolttest.BreakLogBranches(t, path, pages)
	require.Positive(t, damaged, "the demo log has a branch page")

	for range 2 {
		r := billing.do(http.MethodPost, "/v1/accounts/acc-1/statements", statement("2026-03", 1))
		require.Equal(t, http.StatusInternalServerError, r.Status, string(r.Body))
		require.Equal(t, "application/problem+json", r.Header.Get("Content-Type"))
		p := r.JSON(t)
		require.Equal(t, "https://fapiao.dev/problems/internal", p["type"], string(r.Body))
		require.NotContains(t, strings.ToLower(string(r.Body)), "retry the request")
	}
	resp, err := http.Get(srv.base + "/readyz")
	require.NoError(t, err)
	resp.Body.Close()
	require.Equal(t, http.StatusServiceUnavailable, resp.StatusCode)
	resp, err = http.Get(srv.base + "/healthz")
	require.NoError(t, err)
	resp.Body.Close()
	require.Equal(t, http.StatusOK, resp.StatusCode, "the process is alive")
	// A read of the damaged log says so too, the same way.
	auditor := client{t: t, srv: &srv, token: tokAuditor, pos: new(uint64)}
	r := auditor.do(http.MethodGet, "/v1/events?from=1", nil)
	require.Equal(t, http.StatusInternalServerError, r.Status, string(r.Body))
	require.Equal(t, "https://fapiao.dev/problems/internal", r.JSON(t)["type"])
	srv.stop(t)
	require.Contains(t, srv.stderr.String(), "bolt: commit to", "the damage was met by the append's commit")
	require.NotContains(t, srv.stderr.String(), "goroutine ")
	require.NotContains(t, srv.stderr.String(), "panic:")
}
