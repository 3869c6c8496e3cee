package main

import (
	"math"
	"runtime/debug"
	"testing"
)

func TestParseMemoryLimit(t *testing.T) {
	tests := []struct {
		in   string
		want int64
		ok   bool
	}{
		{"", 0, true}, {"0", 0, true}, {"1024", 1024, true}, {"512B", 512, true},
		{"64KiB", 64 << 10, true}, {"900MiB", 900 << 20, true}, {"2GiB", 2 << 30, true}, {"1TiB", 1 << 40, true},
		{"-1", 0, false}, {"1.5GiB", 0, false}, {"1GB", 0, false}, {"MiB", 0, false}, {"lots", 0, false},
		{"9999999TiB", 0, false},
	}
	for _, tt := range tests {
		got, err := parseMemoryLimit(tt.in)
		if (err == nil) != tt.ok || got != tt.want {
			t.Errorf("parseMemoryLimit(%q) = %d, %v; want %d (ok %v)", tt.in, got, err, tt.want, tt.ok)
		}
	}
}

// TestStartupGC: with a limit the rebuild runs without proportional pacing
// and GOGC comes back; without one nothing changes.
func TestStartupGC(t *testing.T) {
	oldLimit := debug.SetMemoryLimit(-1)
	oldPercent := debug.SetGCPercent(-1)
	debug.SetGCPercent(oldPercent)
	t.Cleanup(func() { debug.SetMemoryLimit(oldLimit); debug.SetGCPercent(oldPercent) })

	debug.SetMemoryLimit(math.MaxInt64)
	startupGC(0)()
	if got := debug.SetGCPercent(oldPercent); got != oldPercent {
		t.Fatalf("without a limit GOGC became %d", got)
	}

	restore := startupGC(1 << 40)
	if got := debug.SetMemoryLimit(-1); got != 1<<40 {
		t.Fatalf("memory limit %d, want %d", got, int64(1<<40))
	}
	if got := debug.SetGCPercent(-1); got != -1 {
		t.Fatalf("during the rebuild GOGC is %d, want off", got)
	}
	restore()
	if got := debug.SetGCPercent(oldPercent); got != oldPercent {
		t.Fatalf("after the rebuild GOGC is %d, want %d", got, oldPercent)
	}
}
