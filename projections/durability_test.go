package projections

import (
	"bytes"
	"log/slog"
	"path/filepath"
	"reflect"
	"strings"
	"sync"
	"testing"
)

// playBoot makes the tests' machine run under boot id ("" where the boot
// cannot be told) until the test ends. Tests that call it do not run in
// parallel: every open reads it.
func playBoot(t *testing.T, id string) {
	old := bootID
	bootID = func() string { return id }
	t.Cleanup(func() { bootID = old })
}

// TestViewsUnsyncedAcrossRestarts: a served views file commits without
// fsync, marked with the boot it was written under. A process that died
// (its writes are in the page cache) reopens at its position; a file left
// unsynced by a machine that has restarted since is rebuilt, with a log
// line saying why; a file closed cleanly is whole under any boot; where
// the boot cannot be told, every commit is synced.
func TestViewsUnsyncedAcrossRestarts(t *testing.T) {
	w := genLog(t, 12, 4, 4, 2, 0)
	last := w.records[len(w.records)-1].Position
	cases := []struct {
		name   string
		clean  bool   // the first process closed the file
		reboot string // the boot the second process runs under
		served bool
		why    string
	}{
		{"process died", false, "boot-a", true, ""},
		{"machine restarted", false, "boot-b", false, "restarted"},
		{"closed, machine restarted", true, "boot-b", true, ""},
		{"closed, boot unknown", true, "", true, ""},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			playBoot(t, "boot-a")
			store := newFakeStore(w.records)
			path := filepath.Join(t.TempDir(), "views.db")
			p := openViews(t, path, store, nil)
			runUntil(t, p, store, last)
			if !p.db.NoSync {
				t.Fatal("the served file commits with fsync under a known boot")
			}
			if tc.clean {
				if err := p.Close(); err != nil {
					t.Fatal(err)
				}
			} else if err := p.db.Close(); err != nil { // as a killed process leaves it
				t.Fatal(err)
			}

			playBoot(t, tc.reboot)
			var logs bytes.Buffer
			var mu sync.Mutex
			p = openViews(t, path, store, slog.New(slog.NewTextHandler(&lockedWriter{w: &logs, mu: &mu}, nil)))
			defer p.Close()
			if served := p.Position() == last; served != tc.served {
				t.Fatalf("opened at %d: served %v, want %v", p.Position(), served, tc.served)
			}
			if p.db.NoSync != (tc.reboot != "") {
				t.Errorf("NoSync %v under boot %q", p.db.NoSync, tc.reboot)
			}
			runUntil(t, p, store, last)
			mu.Lock()
			text := logs.String()
			mu.Unlock()
			if tc.why != "" && !strings.Contains(text, tc.why) {
				t.Errorf("no log line saying %q:\n%s", tc.why, text)
			}
			if got, want := viewsState(t, p), viewsState(t, applyAll(t, w.records)); !reflect.DeepEqual(got, want) {
				t.Error("the views differ from a fresh fold")
			}
		})
	}
}
