package testkit_test

import (
	"errors"
	"go/build"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/fapiao/fapiao/internal/testkit"
)

// TestNotInTheBinary follows the imports of cmd/fapiao's non-test files
// through the module: testkit is not among them, so no test helper reaches
// the binary. (Test-support packages such as cmd/fapiao/internal/jobtest may
// import it: only tests import them.)
func TestNotInTheBinary(t *testing.T) {
	const module = "github.com/fapiao/fapiao"
	root := filepath.Join("..", "..")
	seen := map[string]bool{}
	queue := []string{module + "/cmd/fapiao"}
	for len(queue) > 0 {
		pkg := queue[0]
		queue = queue[1:]
		if seen[pkg] {
			continue
		}
		seen[pkg] = true
		// The imports of the package's non-test files, as the build sees them.
		p, err := build.ImportDir(filepath.Join(root, filepath.FromSlash(strings.TrimPrefix(pkg, module))), 0)
		if err != nil {
			t.Fatal(err)
		}
		for _, imp := range p.Imports {
			if imp == module || strings.HasPrefix(imp, module+"/") {
				queue = append(queue, imp)
			}
		}
	}
	if len(seen) < 10 {
		t.Fatalf("followed only %d packages: the walk is broken", len(seen))
	}
	if seen[module+"/internal/testkit"] {
		t.Fatal("the binary imports internal/testkit: only tests may")
	}
}

func TestSyncBufferUnderConcurrentWrites(t *testing.T) {
	var b testkit.SyncBuffer
	var wg sync.WaitGroup
	for range 8 {
		wg.Go(func() {
			for range 100 {
				_, _ = b.Write([]byte("ab"))
				_ = b.String()
			}
		})
	}
	wg.Wait()
	if got := len(b.String()); got != 8*100*2 {
		t.Fatalf("%d bytes, want %d", got, 1600)
	}
}

func TestReadAnswer(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("X-Test", "1")
		w.WriteHeader(http.StatusTeapot)
		_, _ = w.Write([]byte(`{"code":"T-1"}`))
	}))
	defer srv.Close()
	resp, err := http.Get(srv.URL)
	if err != nil {
		t.Fatal(err)
	}
	a, err := testkit.ReadAnswer(resp)
	if err != nil {
		t.Fatal(err)
	}
	if a.Status != http.StatusTeapot || a.Header.Get("X-Test") != "1" || a.JSON(t)["code"] != "T-1" {
		t.Fatalf("answer %+v", a)
	}
}

func TestWaitReadyPollsUntilReady(t *testing.T) {
	var calls atomic.Int32
	testkit.WaitReady(t, 5*time.Second, func() error {
		if calls.Add(1) < 3 {
			return errors.New("starting")
		}
		return nil
	})
	if calls.Load() != 3 {
		t.Fatalf("%d probes, want 3", calls.Load())
	}
	ready := make(chan struct{})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		select {
		case <-ready:
		default:
			w.WriteHeader(http.StatusServiceUnavailable)
		}
	}))
	defer srv.Close()
	probe := testkit.HTTPReady(srv.URL)
	if probe() == nil {
		t.Fatal("a 503 counted as ready")
	}
	close(ready)
	testkit.WaitReady(t, 5*time.Second, probe)
	if err := testkit.Until("flag", func() bool { return false })(); err == nil {
		t.Fatal("Until: false counted as ready")
	}
}

func TestGoldenEvents(t *testing.T) {
	events := testkit.GoldenEvents(t)
	if len(events) < 20 {
		t.Fatalf("%d golden events, want every type's", len(events))
	}
	for _, e := range events {
		if e.Type == "" || strings.Contains(e.Type, ".") || !strings.HasPrefix(e.Name, e.Type) {
			t.Errorf("%q: type %q", e.Name, e.Type)
		}
		if got := testkit.ReadGoldenEvent(t, e.Name); string(got) != string(e.Data) {
			t.Errorf("%q: ReadGoldenEvent differs from GoldenEvents", e.Name)
		}
	}
}

// TestProcessCPU: the CPU time grows as this process works (the loop spins
// until the clock ticks, or gives up).
func TestProcessCPU(t *testing.T) {
	before := testkit.ProcessCPU()
	deadline := time.Now().Add(20 * time.Second)
	for x := 0; testkit.ProcessCPU() <= before; x++ {
		if time.Now().After(deadline) {
			t.Fatalf("CPU time stayed at %v over a busy loop (%d turns)", before, x)
		}
	}
}
