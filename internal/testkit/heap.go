package testkit

import (
	"runtime"
	"runtime/metrics"
	"testing"
)

// HeapLeft measures what a benchmark's operations leave on the heap: call
// it before the timed loop and call what it returns after (the timer
// stopped). That reports, per operation and after a full collection, the
// live heap gained (live-B/op) and the part the collector must scan
// (scan-B/op, /gc/scan/heap:bytes), on which each mark phase's length
// grows. Unlike a rate, neither figure depends on what else the machine
// runs.
func HeapLeft(b *testing.B) (report func()) {
	live0, scan0 := heapAfterGC()
	return func() {
		live, scan := heapAfterGC()
		b.ReportMetric(float64(int64(live)-int64(live0))/float64(b.N), "live-B/op")
		b.ReportMetric(float64(int64(scan)-int64(scan0))/float64(b.N), "scan-B/op")
	}
}

func heapAfterGC() (live, scan uint64) {
	runtime.GC()
	s := []metrics.Sample{{Name: "/gc/heap/live:bytes"}, {Name: "/gc/scan/heap:bytes"}}
	metrics.Read(s)
	return s[0].Value.Uint64(), s[1].Value.Uint64()
}
