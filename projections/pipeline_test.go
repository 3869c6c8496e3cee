package projections

import (
	"context"
	"path/filepath"
	"reflect"
	"testing"
	"time"

	"github.com/fapiao/fapiao/eventstore"
)

// TestLiveCommitInterval: under a stream of records the live fold holds
// its batch open until the end of the commit interval, but a reader that
// waits for a position has it committed at once, and what was folded is
// committed when the fold ends; the file then equals applying every record
// once.
func TestLiveCommitInterval(t *testing.T) {
	old := liveCommitInterval
	liveCommitInterval = time.Hour // only a waiter or the end commits
	t.Cleanup(func() { liveCommitInterval = old })
	w := genLog(t, 13, 3, 4, 2, 0)
	half := len(w.records) / 2
	store := newFakeStore(w.records[:half])
	p := openViews(t, filepath.Join(t.TempDir(), "views.db"), store, nil)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- Run(ctx, store, p, nil) }()
	stopped := false
	defer func() {
		if !stopped {
			cancel()
			<-done
		}
		p.Close()
	}()
	for !p.Ready() {
		time.Sleep(time.Millisecond)
	}
	if got := p.Position(); got != w.records[half-1].Position {
		t.Fatalf("caught up at %d, want %d", got, w.records[half-1].Position)
	}

	// After a quiet spell a record is committed at once, though nobody
	// waits for it.
	store.add(w.records[half])
	for deadline := time.Now().Add(10 * time.Second); p.Position() != w.records[half].Position; time.Sleep(time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("a record after a quiet spell was not committed (position %d)", p.Position())
		}
	}
	// The next one, within the interval, stays in the open batch.
	store.add(w.records[half+1])
	time.Sleep(100 * time.Millisecond)
	if got := p.Position(); got != w.records[half].Position {
		t.Fatalf("a record nobody waited for was committed within the interval (position %d)", got)
	}
	// A waiter has it committed, and every later one it waits for.
	for _, r := range w.records[half+1 : half+6] {
		if r.Position != w.records[half+1].Position {
			store.add(r)
		}
		wctx, wcancel := context.WithTimeout(ctx, 10*time.Second)
		start := time.Now()
		err := p.WaitFor(wctx, r.Position)
		wcancel()
		if err != nil {
			t.Fatalf("waiting for %d: %v", r.Position, err)
		}
		t.Logf("position %d reached in %v", r.Position, time.Since(start))
	}
	// The rest without a waiter, then the end: whatever was folded is
	// committed, and the next run resumes after it.
	store.add(w.records[half+6:]...)
	time.Sleep(50 * time.Millisecond)
	cancel()
	<-done
	stopped = true
	resumesToOnce(t, p, store, w.records)
}

// resumesToOnce checks a views file after its live fold ended: a run
// resumes from what the fold committed up to the last of records, and the
// file then equals applying every record once.
func resumesToOnce(t *testing.T, p *Projections, store *fakeStore, records []eventstore.Record) {
	t.Helper()
	last := records[len(records)-1].Position
	if p.Position() != last {
		runUntil(t, p, store, last)
	}
	if got := p.Position(); got != last {
		t.Fatalf("after the fold ended the file is at %d, want %d", got, last)
	}
	if got, want := viewsState(t, p), viewsState(t, applyAll(t, records)); !reflect.DeepEqual(got, want) {
		t.Error("the views differ from applying every record once")
	}
}
