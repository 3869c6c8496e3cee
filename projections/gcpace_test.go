package projections

import (
	"context"
	"runtime"
	"runtime/debug"
	"testing"
)

// TestPacePercent: the collector's pacing aims a private build's heap at
// buildHeapGoal, within its bounds.
func TestPacePercent(t *testing.T) {
	for _, tc := range []struct {
		live uint64
		want int
	}{
		{1 << 20, paceMaxPercent},               // a small heap: rare cycles
		{buildHeapGoal / 4, 300},                // a cycle when the heap is the goal
		{buildHeapGoal / 2, 100},                // the default
		{buildHeapGoal * 3 / 4, paceMinPercent}, // never closer than every half
		{2 * buildHeapGoal, paceMinPercent},
	} {
		if got := pacePercent(tc.live); got != tc.want {
			t.Errorf("pacePercent(%d MiB) = %d, want %d", tc.live>>20, got, tc.want)
		}
	}
}

// TestPacePercentFrom: a build's goal counts above the live heap it
// started with (a store's index): on 64 MiB held before it, a 96 MiB goal
// is a heap of 160 MiB, within the same bounds; on none, the goal alone.
func TestPacePercentFrom(t *testing.T) {
	const mib = 1 << 20
	for _, tc := range []struct {
		live, base uint64
		want       int
	}{
		{80 * mib, 64 * mib, 100},             // a cycle when the heap is 160 MiB
		{64 * mib, 64 * mib, 150},             // the build holds nothing yet
		{32 * mib, 64 * mib, 400},             // less is live than before it
		{100 * mib, 64 * mib, 60},             // (160 - 100) / 100
		{120 * mib, 64 * mib, paceMinPercent}, // never closer than every half
		{200 * mib, 64 * mib, paceMinPercent},
		{80 * mib, 0, paceMinPercent}, // the same heap with nothing before: 96 MiB
		{48 * mib, 0, 100},
		{1 * mib, 0, paceMaxPercent},
		{0, 0, paceMaxPercent}, // nothing measured yet
	} {
		if got := pacePercentFrom(tc.live, tc.base, 96*mib); got != tc.want {
			t.Errorf("pacePercentFrom(%d MiB, %d MiB, 96 MiB) = %d, want %d", tc.live/mib, tc.base/mib, got, tc.want)
		}
	}
}

// TestPacingIsRestored: GOGC is what it was once the builds end, paced or
// not, and a collector turned off stays off.
func TestPacingIsRestored(t *testing.T) {
	w := genLog(t, 13, 4, 3, 2, 0)
	store := newFakeStore(w.records)
	defer debug.SetGCPercent(debug.SetGCPercent(100))
	for _, gogc := range []int{100, 37, -1} {
		debug.SetGCPercent(gogc)
		end := paceBuild()
		// Paced after each collection: within the bounds, or still off.
		got := debug.SetGCPercent(-1)
		debug.SetGCPercent(got)
		if gogc >= 0 && (got < paceMinPercent || got > paceMaxPercent) || gogc < 0 && got != -1 {
			t.Errorf("GOGC %d: during a build it is %d", gogc, got)
		}
		p, err := Replay(context.Background(), store, nil) // a second build inside the first
		if err != nil {
			t.Fatal(err)
		}
		p.Close()
		end()
		end() // twice is once
		if got := debug.SetGCPercent(gogc); got != gogc {
			t.Errorf("GOGC %d: after the builds it is %d", gogc, got)
		}
	}
}

// TestPacingStartsFromTheLiveHeap: a build sets GOGC for its goal above
// the live heap at once, not the default until its first collection (a
// server's first cycle then waited for twice its live heap).
func TestPacingStartsFromTheLiveHeap(t *testing.T) {
	defer debug.SetGCPercent(debug.SetGCPercent(100))
	runtime.GC()
	if _, live := heapLive(); live == 0 || live > buildHeapGoal/(paceMaxPercent/100) {
		t.Fatalf("the test's live heap is %d bytes: too large to aim at the bound", live)
	}
	end := paceBuild()
	got := debug.SetGCPercent(-1)
	debug.SetGCPercent(got)
	end()
	if got != paceMaxPercent {
		t.Errorf("GOGC at the start of a build on a small heap = %d, want %d", got, paceMaxPercent)
	}
}
