package projections

import (
	"context"
	"flag"
	"runtime"
	"sync"
	"testing"
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
	b.ResetTimer()
	for b.Loop() {
		p := New()
		for _, r := range w.records {
			if err := p.Apply(r); err != nil {
				b.Fatal(err)
			}
		}
	}
	b.ReportMetric(float64(len(w.records))*float64(b.N)/b.Elapsed().Seconds(), "events/s")
}

// BenchmarkReplayStore replays the same log through Replay from an
// in-memory store: the decoding pipeline included.
func BenchmarkReplayStore(b *testing.B) {
	w := benchWorld(b)
	s := newFakeStore(w.records)
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		if _, err := Replay(context.Background(), s, nil); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(len(w.records))*float64(b.N)/b.Elapsed().Seconds(), "events/s")
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	b.ReportMetric(float64(ms.HeapInuse)/(1<<20), "heap-MiB")
}
