package main

import (
	"runtime"
	"testing"
)

// TestSpareProc: one P more than the default while it holds, the default
// back after; GOMAXPROCS set in the environment is left as it is.
func TestSpareProc(t *testing.T) {
	n := runtime.GOMAXPROCS(0)
	t.Setenv("GOMAXPROCS", "")
	restore := spareProc()
	if got := runtime.GOMAXPROCS(0); got != n+1 {
		restore()
		t.Fatalf("GOMAXPROCS %d with the spare P, want %d", got, n+1)
	}
	restore()
	if got := runtime.GOMAXPROCS(0); got != n {
		t.Fatalf("GOMAXPROCS %d after restore, want %d", got, n)
	}

	t.Setenv("GOMAXPROCS", "1")
	restore = spareProc()
	defer restore()
	if got := runtime.GOMAXPROCS(0); got != n {
		t.Fatalf("GOMAXPROCS set by the operator: %d, want it left at %d", got, n)
	}
}
