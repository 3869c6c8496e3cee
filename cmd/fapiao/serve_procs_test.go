package main

import (
	"runtime"
	"testing"
)

// TestSpareProc: one P more than the default while any caller holds it,
// however many (serves in one process share it), the default back once
// the last lets go, each release counted once; GOMAXPROCS set in the
// environment is left as it is.
func TestSpareProc(t *testing.T) {
	n := runtime.GOMAXPROCS(0)
	t.Setenv("GOMAXPROCS", "")
	first := spareProc()
	second := spareProc()
	if got := runtime.GOMAXPROCS(0); got != n+1 {
		first()
		second()
		t.Fatalf("GOMAXPROCS %d with the spare P held twice, want %d", got, n+1)
	}
	first()
	first() // a second call of the same release counts for nothing
	if got := runtime.GOMAXPROCS(0); got != n+1 {
		second()
		t.Fatalf("GOMAXPROCS %d while one holder is left, want %d", got, n+1)
	}
	second()
	if got := runtime.GOMAXPROCS(0); got != n {
		t.Fatalf("GOMAXPROCS %d after the last release, want %d", got, n)
	}

	t.Setenv("GOMAXPROCS", "1")
	restore := spareProc()
	defer restore()
	if got := runtime.GOMAXPROCS(0); got != n {
		t.Fatalf("GOMAXPROCS set by the operator: %d, want it left at %d", got, n)
	}
}
