package main

import (
	"net/http"
	"strings"
	"testing"
)

// TestE2EAccessLogFlushedOnStop: serve buffers the access log for up to
// 100 ms, but a clean stop writes out every line, and the token stays out.
func TestE2EAccessLogFlushedOnStop(t *testing.T) {
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
