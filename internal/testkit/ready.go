package testkit

import (
	"fmt"
	"net/http"
	"testing"
	"time"
)

// WaitReady calls ready until it answers nil, and fails t with its last
// answer if that does not happen within the given time. It is the one way
// tests wait for a server or a runner to be ready: through its readiness
// signal (/readyz, Ready()), never by matching log text.
func WaitReady(t testing.TB, within time.Duration, ready func() error) {
	t.Helper()
	deadline := time.Now().Add(within)
	pause := time.Millisecond
	for {
		err := ready()
		if err == nil {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("not ready within %v: %v", within, err)
		}
		time.Sleep(pause)
		pause = min(2*pause, 20*time.Millisecond)
	}
}

// Until is a readiness probe from a predicate: what is not ready yet is
// described by what.
func Until(what string, ok func() bool) func() error {
	return func() error {
		if ok() {
			return nil
		}
		return fmt.Errorf("%s: not yet", what)
	}
}

// HTTPReady is a readiness probe: GET url answers 200 (a server's /readyz).
func HTTPReady(url string) func() error {
	return func() error {
		resp, err := http.Get(url)
		if err != nil {
			return err
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			return fmt.Errorf("GET %s: %s", url, resp.Status)
		}
		return nil
	}
}
