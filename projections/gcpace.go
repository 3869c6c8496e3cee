package projections

import (
	"runtime"
	"runtime/debug"
	"runtime/metrics"
	"sync"
)

// A private build (Rebuild, Replay) keeps a growing set of decoded
// accounts live (≈ 500 MB at a million events) while it allocates several
// times that in passing. With the collector's default pacing (a cycle each
// time the heap doubles) its many cycles while the heap is small cost
// little each, but the last ones, on the full set, let the heap reach
// twice it: ≈ 1 GB at 1M events. While a build runs, the pacing instead
// aims at a heap of buildHeapGoal: few cycles while the live set is
// small, and more often than doubling once it is large, but never more
// often than every paceMinPercent of it. Restored when the last build ends.
// 640 MiB since the build releases its accounts as it writes them (its last
// cycle no longer marks them): lower peak RSS than 768 for no more CPU,
// where 512 or 576 cost one more cycle on the full set (the figures are in
// docs/performance.md, "Code health").
//
// The goal counts above the live heap the first build starts with (the
// store's index, the server's own state): a segmented log's in-heap index
// (≈ 50 MB at 1M events) otherwise ate the per-account build's room, and
// it ran twice bolt's cycles, each marking that index again. And the goal
// is set at the start from that live heap, not left at the default until
// the first cycle (which let a server's first cycle wait for twice its
// live heap: its peak RSS). Figures: docs/performance.md, "Rebuild pacing
// on the log, 30 Nov (s12b-gcpace)".
const (
	buildHeapGoal   = 640 << 20
	paceMinPercent  = 50
	paceMaxPercent  = 800
	paceDefaultGOGC = 100
)

var pacer struct {
	mu     sync.Mutex
	builds int    // private builds running
	prev   int    // GOGC before the first of them
	cycles uint64 // collections when last paced
	on     bool   // pacing (GOGC was not off)
	armed  bool   // a sentinel waits for the next collection
	goal   uint64 // the heap aimed at: the least of the builds' goals
	base   uint64 // the live heap when the first of them started, or less since
}

// sentinel is collected by the next collection, which then runs its
// cleanup: the pacer's tick, right after each cycle (a tick from the build
// itself came late while it wrote, and a cycle ran meanwhile on the goal
// set for a live heap half the size).
type sentinel struct{ _ [32]byte }

// arm makes the next collection tick; the caller holds pacer.mu.
func arm() {
	pacer.armed = true
	runtime.AddCleanup(new(sentinel), func(struct{}) {
		if paceTick() {
			pacer.mu.Lock()
			arm()
			pacer.mu.Unlock()
		}
	}, struct{}{})
}

// paceBuild starts pacing the collector for a private build; the result
// ends it.
func paceBuild() (end func()) { return paceBuildGoal(buildHeapGoal) }

// paceBuildGoal is paceBuild aiming at a heap of goal bytes (a build whose
// live set is small: byaccount.go).
func paceBuildGoal(goal uint64) (end func()) {
	pacer.mu.Lock()
	defer pacer.mu.Unlock()
	if pacer.builds == 0 || goal < pacer.goal {
		pacer.goal = goal
	}
	if pacer.builds == 0 {
		// The live heap of the last cycle: what the builds will not free.
		cycles, live := heapLive()
		pacer.base, pacer.cycles = live, cycles
		gogc := paceDefaultGOGC
		if live > 0 {
			gogc = pacePercentFrom(live, pacer.base, pacer.goal)
		}
		pacer.prev = debug.SetGCPercent(gogc)
		pacer.on = pacer.prev >= 0
		if !pacer.on {
			debug.SetGCPercent(pacer.prev) // the collector is off: leave it so
		}
	}
	pacer.builds++
	if pacer.on && !pacer.armed {
		arm()
	}
	var once sync.Once
	return func() {
		once.Do(func() {
			pacer.mu.Lock()
			defer pacer.mu.Unlock()
			if pacer.builds--; pacer.builds == 0 && pacer.on {
				debug.SetGCPercent(pacer.prev)
			}
		})
	}
}

// paceTick sets GOGC for the live heap after a collection; it reports
// whether a build still runs (else the sentinels stop).
func paceTick() bool {
	pacer.mu.Lock()
	defer pacer.mu.Unlock()
	if pacer.builds == 0 || !pacer.on {
		pacer.armed = false
		return false
	}
	cycles, live := heapLive()
	if cycles == pacer.cycles || live == 0 {
		return true
	}
	pacer.cycles = cycles
	// Less live than the base: the base was garbage the last cycle before
	// the build had not yet found (or the process has freed it since).
	pacer.base = min(pacer.base, live)
	debug.SetGCPercent(pacePercentFrom(live, pacer.base, pacer.goal))
	return true
}

// heapLive reads the collections so far and the heap the last one found
// live (0, 0 if the runtime does not say).
func heapLive() (cycles, live uint64) {
	var s [2]metrics.Sample
	s[0].Name, s[1].Name = "/gc/cycles/total:gc-cycles", "/gc/heap/live:bytes"
	metrics.Read(s[:])
	if s[0].Value.Kind() != metrics.KindUint64 || s[1].Value.Kind() != metrics.KindUint64 {
		return 0, 0
	}
	return s[0].Value.Uint64(), s[1].Value.Uint64()
}

// pacePercent is the GOGC that aims a heap of live bytes at buildHeapGoal.
func pacePercent(live uint64) int { return pacePercentFrom(live, 0, buildHeapGoal) }

// pacePercentFrom is the GOGC that aims a heap of live bytes at goal bytes
// above base, the live heap the builds started with.
func pacePercentFrom(live, base, goal uint64) int {
	if live == 0 {
		return paceMaxPercent
	}
	goal += base
	if live >= goal {
		return paceMinPercent
	}
	return min(max(int((goal-live)*100/live), paceMinPercent), paceMaxPercent)
}
