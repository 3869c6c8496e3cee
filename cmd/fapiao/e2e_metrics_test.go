package main

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
