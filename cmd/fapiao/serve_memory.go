package main

import (
	"fmt"
	"math"
	"runtime"
	"runtime/debug"
	"strconv"
	"strings"
)

// parseMemoryLimit reads a size the way GOMEMLIMIT writes it: a whole number
// of bytes with an optional unit B, KiB, MiB, GiB or TiB. "" and "0" mean no
// limit (0).
func parseMemoryLimit(s string) (int64, error) {
	if s == "" {
		return 0, nil
	}
	units := []struct {
		suffix string
		shift  uint
	}{{"TiB", 40}, {"GiB", 30}, {"MiB", 20}, {"KiB", 10}, {"B", 0}}
	num, shift := s, uint(0)
	for _, u := range units {
		if n, ok := strings.CutSuffix(s, u.suffix); ok {
			num, shift = n, u.shift
			break
		}
	}
	n, err := strconv.ParseInt(num, 10, 64)
	if err != nil || n < 0 || n > math.MaxInt64>>shift {
		return 0, fmt.Errorf("want a size like 900MiB or 1GiB, got %q", s)
	}
	return n << shift, nil
}

// startupGC sets the soft memory limit (0 keeps the runtime's, from
// GOMEMLIMIT or none) and, when some limit is in force, turns the
// collector's proportional pacing off for the start-up rebuild: the
// collector then runs only as the heap nears the limit instead of every time
// it doubles, which is most of the rebuild's CPU. The returned function
// restores GOGC; call it once the read models are built. Without a limit it
// changes nothing. A log whose read models outgrow the limit still rebuilds:
// the runtime caps the collector at about half the CPU, and then it is the
// limit that was too small.
func startupGC(limit int64) (restore func()) {
	if limit > 0 {
		debug.SetMemoryLimit(limit)
	}
	if debug.SetMemoryLimit(-1) == math.MaxInt64 {
		return func() {}
	}
	old := debug.SetGCPercent(-1)
	return func() { debug.SetGCPercent(old) }
}

// heapFloor is what serve keeps allocated and untouched once its read
// models are open, so that the collector's pacing counts it as live heap.
// The views moved the read models out of the heap; what is left (tens of
// MiB) made the collector run every few MiB allocated, and its fixed cost
// per cycle (stacks, globals, write barriers on) was a tenth of the
// server's CPU under bench http (docs/performance.md, issue 16). The bytes
// are never written, so their pages are never resident.
const heapFloor = 64 << 20

// holdHeapFloor allocates heapFloor bytes and keeps them until release is
// called.
func holdHeapFloor() (release func()) {
	floor := make([]byte, heapFloor)
	return func() { runtime.KeepAlive(floor) }
}
