package projections

import (
	"context"
	"flag"
	"runtime"
	"sync"
	"testing"
	"time"

	"github.com/fapiao/fapiao/internal/testkit"
)

var benchEvents = flag.Int("bench.events", 200_000, "events in BenchmarkReplay's log")

var (
	benchOnce sync.Once
	benchLog  *world
)

// benchWorld is a log of about -bench.events events over 1000 accounts with
// 5-line statements, made once per run.
func benchWorld(b *testing.B) *world {
	benchOnce.Do(func() {
		accounts := max(*benchEvents/200, 10)
		benchLog = genLog(b, 7, accounts, 1000, 5, *benchEvents)
	})
	return benchLog
}

// BenchmarkReplay folds a realistic log into New() record by record, as Run
// does (performance issue: ≥ 500k events/s into all projections).
func BenchmarkReplay(b *testing.B) {
	w := benchWorld(b)
	b.ReportAllocs()
	cpu := testkit.ProcessCPU()
	for b.Loop() {
		p := New()
		for _, r := range w.records {
			if err := p.Apply(r); err != nil {
				b.Fatal(err)
			}
		}
	}
	reportRates(b, len(w.records), cpu)
}

// BenchmarkReplayStore replays the same log through Replay from an
// in-memory store: the decoding pipeline included.
func BenchmarkReplayStore(b *testing.B) {
	w := benchWorld(b)
	s := newFakeStore(w.records)
	b.ReportAllocs()
	cpu := testkit.ProcessCPU()
	for b.Loop() {
		if _, err := Replay(context.Background(), s, nil); err != nil {
			b.Fatal(err)
		}
	}
	reportRates(b, len(w.records), cpu)
	// What the read models keep: the live heap with and without them.
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	p, _ := Replay(context.Background(), s, nil)
	runtime.GC()
	runtime.ReadMemStats(&after)
	b.ReportMetric(float64(after.HeapAlloc-before.HeapAlloc)/float64(len(w.records)), "kept-B/event")
	runtime.KeepAlive(p)
}

func reportRates(b *testing.B, events int, cpuBefore time.Duration) {
	n := float64(events) * float64(b.N)
	b.ReportMetric(n/b.Elapsed().Seconds(), "events/s")
	b.ReportMetric(float64(testkit.ProcessCPU()-cpuBefore)/n, "cpu-ns/event")
}
