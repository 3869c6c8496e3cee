package testkit_test

import (
	"errors"
	"go/parser"
	"go/token"
	"io/fs"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/fapiao/fapiao/internal/testkit"
)

// TestOnlyTestsImportIt walks the module's Go files: no file but a test
// imports testkit, so no test helper reaches the binary.
func TestOnlyTestsImportIt(t *testing.T) {
	const self = "github.com/fapiao/fapiao/internal/testkit"
	root := filepath.Join("..", "..")
	fset := token.NewFileSet()
	err := filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() && (d.Name() == "testdata" || strings.HasPrefix(d.Name(), ".")) && path != root {
			return filepath.SkipDir
		}
		if d.IsDir() || !strings.HasSuffix(path, ".go") || strings.HasSuffix(path, "_test.go") {
			return nil
		}
		f, err := parser.ParseFile(fset, path, nil, parser.ImportsOnly)
		if err != nil {
			return err
		}
		for _, imp := range f.Imports {
			if p, _ := strconv.Unquote(imp.Path.Value); p == self && !strings.HasPrefix(filepath.ToSlash(path), "../../internal/testkit/") {
				t.Errorf("%s imports testkit: only tests may", path)
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
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

func TestGoldenPassesTheSameContent(t *testing.T) {
	path := filepath.Join(t.TempDir(), "x.golden")
	if err := os.WriteFile(path, []byte("same\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	testkit.Golden(t, path, []byte("same\n"))
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
