package bench

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"math"
	"net/http"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"
)

// server is a `fapiao serve` child process.
type server struct {
	cmd     *exec.Cmd
	base    string // http://127.0.0.1:port
	started time.Time
	ready   time.Duration // from start to the first 200 of /readyz
	// readyCPU is the child's CPU (user and system) when it became ready.
	readyCPU time.Duration
	stderr   *tailBuffer
	// peakAnon is the largest anonymous resident set (RssAnon: the heap,
	// not the mapped bolt file) seen by sampling until stop.
	peakAnon   atomic.Uint64 // math.Float64bits of MiB
	stopSample chan struct{}
	sampled    chan struct{}
}

// startServer runs exe serve on a free loopback port with the store and
// tokens given, and waits until /readyz answers 200.
func startServer(ctx context.Context, exe, store, tokens string, extra ...string) (*server, error) {
	args := append([]string{"serve", "--addr", "127.0.0.1:0", "--metrics-addr", "", "--store", store, "--tokens", tokens}, extra...)
	cmd := exec.Command(exe, args...)
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		return nil, err
	}
	s := &server{cmd: cmd, stderr: &tailBuffer{max: 8 << 10}}
	cmd.Stderr = s.stderr
	s.started = time.Now()
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("bench: starting %s serve: %w", exe, err)
	}
	s.stopSample, s.sampled = make(chan struct{}), make(chan struct{})
	go s.sampleAnon()
	// serve prints "fapiao: listening on http://HOST:PORT (…)" once it listens.
	found := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(stdout)
		for sc.Scan() {
			if rest, ok := strings.CutPrefix(sc.Text(), "fapiao: listening on "); ok {
				found <- strings.Fields(rest)[0]
			}
		}
		close(found)
	}()
	select {
	case base, ok := <-found:
		if !ok {
			s.stop()
			return nil, fmt.Errorf("bench: serve exited before listening: %s", s.stderr)
		}
		s.base = base
	case <-ctx.Done():
		s.stop()
		return nil, ctx.Err()
	case <-time.After(5 * time.Minute):
		s.stop()
		return nil, fmt.Errorf("bench: serve did not listen within 5 minutes: %s", s.stderr)
	}
	if err := s.waitReady(ctx); err != nil {
		s.stop()
		return nil, err
	}
	return s, nil
}

// waitReady polls /readyz every few milliseconds: the server has no way to
// announce readiness but answering it.
func (s *server) waitReady(ctx context.Context) error {
	client := &http.Client{Timeout: 2 * time.Second}
	tick := time.NewTicker(5 * time.Millisecond)
	defer tick.Stop()
	for {
		resp, err := client.Get(s.base + "/readyz")
		if err == nil {
			io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				s.ready = time.Since(s.started)
				s.readyCPU = procCPU(strconv.Itoa(s.cmd.Process.Pid))
				return nil
			}
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-tick.C:
		}
	}
}

// sampleAnon records the child's RssAnon every 10 ms until stop.
func (s *server) sampleAnon() {
	defer close(s.sampled)
	pid := strconv.Itoa(s.cmd.Process.Pid)
	t := time.NewTicker(10 * time.Millisecond)
	defer t.Stop()
	for {
		if mb := procStatusMB(pid, "RssAnon:"); mb > math.Float64frombits(s.peakAnon.Load()) {
			s.peakAnon.Store(math.Float64bits(mb))
		}
		select {
		case <-s.stopSample:
			return
		case <-t.C:
		}
	}
}

// peakAnonMB is the largest RssAnon sampled, in MiB.
func (s *server) peakAnonMB() float64 { return math.Float64frombits(s.peakAnon.Load()) }

// stop asks the server to shut down (SIGTERM) and waits for it; it returns
// the child's peak resident set in MiB. That is read from the child's own
// /proc status (VmHWM) before it exits: the rusage of a reaped child is no
// good, as Linux carries the parent's high-water mark over the exec into it.
func (s *server) stop() float64 {
	close(s.stopSample)
	<-s.sampled
	peak := procPeakRSSMB(strconv.Itoa(s.cmd.Process.Pid))
	_ = s.cmd.Process.Signal(syscall.SIGTERM)
	done := make(chan error, 1)
	go func() { done <- s.cmd.Wait() }()
	select {
	case <-done:
	case <-time.After(30 * time.Second):
		_ = s.cmd.Process.Kill()
		<-done
	}
	return peak
}

// viewsUnsupported is the Views of a result whose serve has no --views.
const viewsUnsupported = "not supported by this build"

// serveHasViews reports whether exe's serve takes --views (issue 16's
// persisted read models): its usage lists the flag. A build without it
// refuses the flag, so the scenarios leave it out and say so.
func serveHasViews(exe string) bool {
	out, _ := exec.Command(exe, "serve", "--help").CombinedOutput()
	return servesViews(out)
}

// servesViews reads serve's usage: a flag's line starts "  -views".
func servesViews(usage []byte) bool {
	for line := range strings.Lines(string(usage)) {
		if f := strings.Fields(line); len(f) > 0 && strings.HasPrefix(line, "  -") && f[0] == "-views" {
			return true
		}
	}
	return false
}

// viewsURL is the --views argument for a bbolt views file at path.
func viewsURL(path string) string { return "bolt://" + path }

// cpuMeter starts measuring the CPU (user and system) of the serve child
// and of this process; the function it returns gives what each has used
// since.
func (s *server) cpuMeter() func() (server, client time.Duration) {
	pid := strconv.Itoa(s.cmd.Process.Pid)
	server0, client0 := procCPU(pid), procCPU("self")
	return func() (time.Duration, time.Duration) {
		return procCPU(pid) - server0, procCPU("self") - client0
	}
}

// tailBuffer keeps the last bytes written to it, for error messages.
type tailBuffer struct {
	mu  sync.Mutex
	max int
	buf []byte
}

func (t *tailBuffer) Write(p []byte) (int, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.buf = append(t.buf, p...)
	if len(t.buf) > t.max {
		t.buf = t.buf[len(t.buf)-t.max:]
	}
	return len(p), nil
}

func (t *tailBuffer) String() string {
	t.mu.Lock()
	defer t.mu.Unlock()
	return strings.TrimSpace(string(t.buf))
}

// writeTokens writes a tokens file (API.md) of the principals given.
func writeTokens(path string, entries []tokenEntry) error {
	var b strings.Builder
	b.WriteString("[\n")
	for i, e := range entries {
		if i > 0 {
			b.WriteString(",\n")
		}
		fmt.Fprintf(&b, `{"token":%q,"role":%q`, e.Token, e.Role)
		if e.AccountID != "" {
			fmt.Fprintf(&b, `,"account_id":%q`, e.AccountID)
		}
		b.WriteString("}")
	}
	b.WriteString("\n]\n")
	return os.WriteFile(path, []byte(b.String()), 0o600)
}

type tokenEntry struct{ Token, Role, AccountID string }
