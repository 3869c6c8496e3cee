package storeurl

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/fapiao/fapiao/eventstore"
	"github.com/fapiao/fapiao/eventstore/esdb/esdbtest"
	"github.com/fapiao/fapiao/eventstore/storetest"
)

// roundTrip appends one event and reads it back, proving the store works.
func roundTrip(t *testing.T, s eventstore.Store) {
	t.Helper()
	ctx := context.Background()
	ev := storetest.Events(1, "probe")[0]
	if _, err := s.Append(ctx, "account-probe", eventstore.NoStream, ev); err != nil {
		t.Fatalf("append: %v", err)
	}
	n := 0
	for r, err := range s.ReadStream(ctx, "account-probe", 0) {
		if err != nil {
			t.Fatalf("read: %v", err)
		}
		if r.ID != ev.ID {
			t.Fatalf("read back event %v, want %v", r.ID, ev.ID)
		}
		n++
	}
	if n != 1 {
		t.Fatalf("read %d events, want 1", n)
	}
}

// openProbeClose opens url, proves the store works and closes it.
func openProbeClose(t *testing.T, url string) {
	t.Helper()
	s, err := Open(context.Background(), url)
	if err != nil {
		t.Fatalf("Open(%s): %v", url, err)
	}
	roundTrip(t, s)
	if err := s.Close(); err != nil {
		t.Fatalf("Close: %v", err)
	}
}

// within is a context that ends after d, or with the test.
func within(t *testing.T, d time.Duration) context.Context {
	ctx, cancel := context.WithTimeout(t.Context(), d)
	t.Cleanup(cancel)
	return ctx
}

func TestOpenBoltCreatesDirectory(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), "nested", "deeper", "fapiao.db")
	openProbeClose(t, "bolt://"+path)
	if _, err := os.Stat(path); err != nil {
		t.Fatalf("the store file was not created: %v", err)
	}
}

func TestOpenBoltRelative(t *testing.T) {
	// t.Chdir forbids t.Parallel.
	dir := t.TempDir()
	t.Chdir(dir)
	openProbeClose(t, "bolt://./data/fapiao.db")
	if _, err := os.Stat(filepath.Join(dir, "data", "fapiao.db")); err != nil {
		t.Fatalf("the relative store file is not under the working directory: %v", err)
	}
}

func TestOpenRefusesBadURL(t *testing.T) {
	t.Parallel()
	_, err := Open(context.Background(), "bolt://somehost/x.db")
	var perr *Error
	if !errors.As(err, &perr) {
		t.Fatalf("Open of a bad URL = %v, want *Error", err)
	}
}

// TestOpenESDB: an esdb:// URL opens a working store on a server that is
// up, and fails within the deadline on one that is down.
func TestOpenESDB(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		server  func(testing.TB) *esdbtest.Server
		timeout time.Duration
		up      bool
	}{
		{"Up", esdbtest.New, 10 * time.Second, true},
		{"Down", esdbtest.NewDown, 300 * time.Millisecond, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			srv := tt.server(t)
			s, err := Open(within(t, tt.timeout), srv.URL())
			if !tt.up {
				if err == nil {
					s.Close()
					t.Fatal("Open of a server that is down succeeded")
				}
				return
			}
			if err != nil {
				t.Fatalf("Open(%s): %v", srv.URL(), err)
			}
			defer s.Close()
			roundTrip(t, s)
		})
	}
}

// TestOpenESDBStreamPrefixes: WithStreamPrefixes reaches the esdb store,
// whose global log then keeps only those streams; without it the log holds
// every stream but the system's.
func TestOpenESDBStreamPrefixes(t *testing.T) {
	t.Parallel()
	srv := esdbtest.New(t)
	ctx := within(t, 10*time.Second)
	streams := func(opts ...Option) []string {
		s, err := Open(ctx, srv.URL(), opts...)
		if err != nil {
			t.Fatal(err)
		}
		defer s.Close()
		var seen []string
		for r, err := range s.ReadAll(ctx, eventstore.Start) {
			if err != nil {
				t.Fatal(err)
			}
			seen = append(seen, r.Stream)
		}
		return seen
	}
	s, err := Open(ctx, srv.URL())
	if err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"account-1", "other-1"} {
		if _, err := s.Append(ctx, name, eventstore.NoStream, storetest.Events(1, name)...); err != nil {
			t.Fatal(err)
		}
	}
	s.Close()
	if got := streams(WithStreamPrefixes("account-")); strings.Join(got, ",") != "account-1" {
		t.Errorf("with the prefix account-: %v", got)
	}
	if got := streams(); strings.Join(got, ",") != "account-1,other-1" {
		t.Errorf("without prefixes: %v", got)
	}
}

func TestOpenLogCreatesDirectory(t *testing.T) {
	t.Parallel()
	dir := filepath.Join(t.TempDir(), "nested", "log")
	openProbeClose(t, "log://"+dir+"/")
	segs, err := filepath.Glob(filepath.Join(dir, "*.seg"))
	if err != nil || len(segs) != 1 {
		t.Fatalf("want one segment in %s, got %v (%v)", dir, segs, err)
	}
}

// TestOpenReadOnlyCreatesNothing: a read-only open of a path with no store
// (in a directory that does not exist either) or of an empty file fails,
// naming the path, and leaves the file system as it was; a store opened
// read-only refuses appends.
func TestOpenReadOnlyCreatesNothing(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	missing := filepath.Join(dir, "no", "such", "fapiao.db")
	_, err := OpenReadOnly(context.Background(), "bolt://"+missing)
	if err == nil || !errors.Is(err, os.ErrNotExist) || !strings.Contains(err.Error(), missing) {
		t.Fatalf("OpenReadOnly of a missing path: %v", err)
	}
	if _, err := os.Stat(filepath.Join(dir, "no")); !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("the directory was created: %v", err)
	}

	empty := filepath.Join(dir, "empty.db")
	if err := os.WriteFile(empty, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	for _, open := range []func(context.Context, string, ...Option) (eventstore.Store, error){OpenReadOnly, Open} {
		if _, err := open(context.Background(), "bolt://"+empty); !errors.Is(err, eventstore.ErrCorrupt) || !strings.Contains(err.Error(), "empty") {
			t.Fatalf("open of an empty file: %v", err)
		}
	}
	if info, err := os.Stat(empty); err != nil || info.Size() != 0 {
		t.Fatalf("the empty file changed: %v %v", info, err)
	}

	path := filepath.Join(dir, "fapiao.db")
	openProbeClose(t, "bolt://"+path)
	ro, err := OpenReadOnly(context.Background(), "bolt://"+path)
	if err != nil {
		t.Fatal(err)
	}
	defer ro.Close()
	_, err = ro.Append(context.Background(), "account-probe", eventstore.Any, storetest.Events(1, "probe")...)
	if !errors.Is(err, eventstore.ErrReadOnly) {
		t.Fatalf("append to a read-only store: %v", err)
	}
}
