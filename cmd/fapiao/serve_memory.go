package main

import (
	"fmt"
	"math"
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
