package projections

import (
	"context"
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
