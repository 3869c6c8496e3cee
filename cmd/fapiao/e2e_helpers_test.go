package main

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/shopspring/decimal"

	"github.com/fapiao/fapiao/internal/testkit"
)

// Bounds of the end-to-end waits: generous, since CI machines are slow and
// the binary may run with -race.
const (
	startDeadline = 30 * time.Second
	stopDeadline  = 30 * time.Second
)

// server is one running `fapiao serve`.
type server struct {
	cmd    *exec.Cmd
	base   string
	stderr *testkit.SyncBuffer
	exited chan error // receives cmd.Wait's result once
	// metrics is the operations listener's base URL (--metrics-addr on a
	// free loopback port), once serve printed it.
	metrics chan string
}

// startServer runs `fapiao serve` on a free loopback port (--addr :0; the
// port is read from the line the server prints) and waits until /readyz
// answers 200.
func startServer(t *testing.T, store, tokens, clock string) *server {
	t.Helper()
	return startServerArgs(t, "--store", store, "--tokens", tokens, "--clock", clock)
}

// startFreshServer is startServerArgs on a new bolt store with the e2e
// tokens (writeTokens), both in a new directory, and the flags given.
func startFreshServer(t *testing.T, args ...string) *server {
	t.Helper()
	dir := t.TempDir()
	return startServerArgs(t, append([]string{"--store", "bolt://" + filepath.Join(dir, "db", "fapiao.db"), "--tokens", writeTokens(t, dir)}, args...)...)
}

// startServerArgs is startServer with the serve flags given (--addr aside).
func startServerArgs(t *testing.T, args ...string) *server {
	t.Helper()
	s := &server{stderr: &testkit.SyncBuffer{}, exited: make(chan error, 1), metrics: make(chan string, 1)}
	s.cmd = exec.Command(fapiaoBin, append([]string{"serve", "--addr", "127.0.0.1:0", "--metrics-addr", "127.0.0.1:0"}, args...)...)
	s.cmd.Stderr = s.stderr
	stdout, err := s.cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := s.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if s.cmd.ProcessState == nil {
			s.cmd.Process.Kill()
			<-s.exited
		}
	})
	listening := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(stdout)
		for sc.Scan() {
			if rest, ok := strings.CutPrefix(sc.Text(), "fapiao: listening on "); ok {
				listening <- strings.Fields(rest)[0]
			}
			if rest, ok := strings.CutPrefix(sc.Text(), "fapiao: metrics on "); ok {
				s.metrics <- strings.TrimSuffix(strings.Fields(rest)[0], "/metrics")
			}
		}
		// Wait only after stdout is drained (os/exec's rule for StdoutPipe).
		s.exited <- s.cmd.Wait()
	}()
	timeout := time.NewTimer(startDeadline)
	defer timeout.Stop()
	select {
	case s.base = <-listening:
	case err := <-s.exited:
		t.Fatalf("fapiao serve exited before listening: %v\n%s", err, s.stderr)
	case <-timeout.C:
		t.Fatalf("fapiao serve did not listen within %v\n%s", startDeadline, s.stderr)
	}
	s.waitReady(t)
	return s
}

// waitReady waits until /readyz (store reachable, projections caught up)
// answers 200, within startDeadline.
func (s *server) waitReady(t *testing.T) {
	t.Helper()
	probe := testkit.HTTPReady(s.base + "/readyz")
	testkit.WaitReady(t, startDeadline, func() error {
		if err := probe(); err != nil {
			return fmt.Errorf("%w\n%s", err, s.stderr)
		}
		return nil
	})
}

// stop sends SIGTERM and waits for a clean exit (status 0).
func (s *server) stop(t *testing.T) {
	t.Helper()
	if err := s.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatalf("SIGTERM: %v", err)
	}
	timeout := time.NewTimer(stopDeadline)
	defer timeout.Stop()
	select {
	case err := <-s.exited:
		if err != nil {
			t.Fatalf("fapiao serve exited with %v after SIGTERM\n%s", err, s.stderr)
		}
	case <-timeout.C:
		t.Fatalf("fapiao serve did not stop within %v of SIGTERM\n%s", stopDeadline, s.stderr)
	}
	if !strings.Contains(s.stderr.String(), "msg=stopped") {
		t.Errorf("no clean shutdown in the log:\n%s", s.stderr)
	}
}

// kill sends SIGKILL and waits for the process to be gone.
func (s *server) kill(t *testing.T) {
	t.Helper()
	if err := s.cmd.Process.Kill(); err != nil {
		t.Fatalf("SIGKILL: %v", err)
	}
	<-s.exited
}

// client calls the API as one token and remembers the highest
// Fapiao-Position it has seen, which it sends as Fapiao-Min-Position on
// every GET (read-your-writes).
type client struct {
	t     *testing.T
	srv   **server // the current server: restarts replace it
	token string
	pos   *uint64 // shared by the journey's clients
}

// response is what a test looks at.
type response = testkit.Answer

func (c client) do(method, path string, body any) response {
	c.t.Helper()
	var rd io.Reader
	if body != nil {
		raw, err := json.Marshal(body)
		if err != nil {
			c.t.Fatal(err)
		}
		rd = bytes.NewReader(raw)
	}
	req, err := http.NewRequest(method, (*c.srv).base+path, rd)
	if err != nil {
		c.t.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer "+c.token)
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if method == http.MethodGet && *c.pos > 0 {
		req.Header.Set("Fapiao-Min-Position", strconv.FormatUint(*c.pos, 10))
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		c.t.Fatalf("%s %s: %v", method, path, err)
	}
	r, err := testkit.ReadAnswer(resp)
	if err != nil {
		c.t.Fatalf("%s %s: reading the answer: %v", method, path, err)
	}
	if p := resp.Header.Get("Fapiao-Position"); p != "" {
		n, err := strconv.ParseUint(p, 10, 64)
		if err != nil {
			c.t.Fatalf("%s %s: Fapiao-Position %q: %v", method, path, p, err)
		}
		*c.pos = max(*c.pos, n)
	}
	return r
}

// must calls and checks the status, failing with the answer otherwise.
func (c client) must(want int, method, path string, body any) map[string]any {
	c.t.Helper()
	r := c.do(method, path, body)
	if r.Status != want {
		c.t.Fatalf("%s %s = %d, want %d\n%s", method, path, r.Status, want, r.Body)
	}
	if method != http.MethodGet && r.Header.Get("Fapiao-Position") == "" {
		c.t.Fatalf("%s %s: no Fapiao-Position header", method, path)
	}
	if len(r.Body) == 0 {
		return nil
	}
	return r.JSON(c.t)
}

// refused calls and checks a problem+json refusal with the rule code.
func (c client) refused(want int, code, method, path string, body any) {
	c.t.Helper()
	r := c.do(method, path, body)
	if r.Status != want {
		c.t.Fatalf("%s %s = %d, want %d (%s)\n%s", method, path, r.Status, want, code, r.Body)
	}
	if ct := r.Header.Get("Content-Type"); !strings.HasPrefix(ct, "application/problem+json") {
		c.t.Errorf("%s %s: Content-Type %q, want application/problem+json", method, path, ct)
	}
	if got := r.JSON(c.t)["code"]; got != code {
		c.t.Fatalf("%s %s: code %v, want %s\n%s", method, path, got, code, r.Body)
	}
}

// money reads a JSON money string.
func money(t *testing.T, v any) decimal.Decimal {
	t.Helper()
	s, ok := v.(string)
	if !ok {
		t.Fatalf("money %v (%T) is not a JSON string", v, v)
	}
	d, err := decimal.NewFromString(s)
	if err != nil {
		t.Fatalf("money %q: %v", s, err)
	}
	return d
}

// items returns a list answer's items as objects.
func items(t *testing.T, v map[string]any) []map[string]any {
	t.Helper()
	raw, ok := v["items"].([]any)
	if !ok {
		t.Fatalf("no items in %v", v)
	}
	out := make([]map[string]any, len(raw))
	for i, it := range raw {
		out[i] = it.(map[string]any)
	}
	return out
}
