package main

import (
	"os"
	"runtime"
	"sync"
)

// spareProc gives the runtime one P more than its default (the cores it
// may use), unless GOMAXPROCS is set, which is the operator's choice; the
// returned function puts the default back once every caller has called
// its own (serves in one process, as the tests run them, share the one
// spare).
//
// Why: the store's commit writer spends much of its time in fdatasync,
// and the runtime lets a goroutine in a system call keep its P until the
// call returns or sysmon takes the P back. sysmon, finding little to take
// most of the time, sleeps up to 10 ms between looks, so a 0.12 ms
// fdatasync holds its P through the whole call: at 256 accounts on two
// cores, 20 % of each P's time, 0.4 of the 2 Ps, while a hundred commands
// wait to run (a runtime trace; docs/performance.md, "One P more than the
// cores"). With one P more, the commands keep both cores busy: more
// commands a second for less CPU each, and a shorter tail.
//
// Set once, the runtime no longer follows a change of the container's CPU
// limit; GOMAXPROCS chooses otherwise.
func spareProc() (restore func()) {
	if os.Getenv("GOMAXPROCS") != "" {
		return func() {}
	}
	spare.Lock()
	defer spare.Unlock()
	if spare.holders == 0 {
		spare.def = runtime.GOMAXPROCS(0)
		runtime.GOMAXPROCS(spare.def + 1)
	}
	spare.holders++
	return sync.OnceFunc(func() {
		spare.Lock()
		defer spare.Unlock()
		if spare.holders--; spare.holders == 0 {
			runtime.GOMAXPROCS(spare.def)
		}
	})
}

// spare is who holds the spare P, and the default it replaced.
var spare struct {
	sync.Mutex
	holders int
	def     int
}
