package main

// What an operator watches of a running serve: its metrics and readiness,
// and its access log.

import (
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"
)

// TestE2EMetricsOnTheirOwnListener: serve answers /metrics on
// --metrics-addr only (404 on the API's address), with the request series;
// the API's /readyz tells the status alone, the metrics listener's the log
// position too.
func TestE2EMetricsOnTheirOwnListener(t *testing.T) {
	t.Parallel()
	s := startFreshServer(t, "--clock", "2026-11-10T10:00:00+08:00")
	var ops string
	select {
	case ops = <-s.metrics:
	case <-time.After(startDeadline):
		t.Fatal("serve did not say where the metrics are")
	}
	get := func(url string) (int, string) {
		t.Helper()
		resp, err := http.Get(url)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, err := io.ReadAll(resp.Body)
		if err != nil {
			t.Fatal(err)
		}
		return resp.StatusCode, string(b)
	}
	if code, _ := get(s.base + "/metrics"); code != http.StatusNotFound {
		t.Errorf("API listener /metrics: %d, want 404", code)
	}
	code, body := get(ops + "/metrics")
	if code != http.StatusOK || !strings.Contains(body, "fapiao_http_requests_total") {
		t.Fatalf("metrics listener /metrics: %d\n%.300s", code, body)
	}
	for _, tc := range []struct {
		url          string
		wantPosition bool
	}{{s.base + "/readyz", false}, {ops + "/readyz", true}} {
		code, body := get(tc.url)
		var m map[string]any
		if code != http.StatusOK || json.Unmarshal([]byte(body), &m) != nil || m["status"] != "ready" {
			t.Fatalf("%s: %d %s", tc.url, code, body)
		}
		if _, has := m["position"]; has != tc.wantPosition {
			t.Errorf("%s: %s: position shown %v, want %v", tc.url, body, has, tc.wantPosition)
		}
	}
}

// TestE2EAccessLogFlushedOnStop: serve buffers the access log for up to
// 100 ms, but a clean stop writes out every line, and the token stays out.
func TestE2EAccessLogFlushedOnStop(t *testing.T) {
	t.Parallel()
	srv := startFreshServer(t)
	const id = "access-log-flush-check"
	req, err := http.NewRequest(http.MethodGet, srv.base+"/v1/accounts/acc-1/invoiceable", nil)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer "+tokCustomer)
	req.Header.Set("X-Request-Id", id)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("status %d", resp.StatusCode)
	}
	srv.stop(t) // at once: well within the flush interval
	logs := srv.stderr.String()
	if !strings.Contains(logs, "request_id="+id) {
		t.Fatalf("the access line was lost at a clean stop:\n%s", logs)
	}
	if strings.Contains(logs, tokCustomer) {
		t.Fatalf("the token is in the logs:\n%s", logs)
	}
}
