package bench

import (
	"context"
	"fmt"
	"runtime"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/fapiao/fapiao/internal/testkit"
	"github.com/fapiao/fapiao/ledger"
)

// BenchmarkAppendHeap runs b.N commands of `bench append`'s mix (256
// accounts, one client each, the segmented log, the ledger as RunAppend
// makes it) and reports what they leave on the heap per command once
// collected: live-B/op, and scan-B/op, the part the collector must scan
// (/gc/scan/heap:bytes). Every mark phase of a run grows with the second,
// which sets the run's tail (docs/performance.md, "Ledger at 256
// accounts"); unlike the run's rates, neither figure depends on what else
// the machine runs. Use a fixed count: -benchtime 300000x is about an 8 s
// run's commands.
func BenchmarkAppendHeap(b *testing.B) {
	ctx := context.Background()
	store, cleanup, err := openAppendStore(ctx, "", "log")
	if err != nil {
		b.Fatal(err)
	}
	defer cleanup()
	l := ledger.New(store, ledger.Options{Clock: ledger.FixedClock(benchNow), Issuer: "Example Cloud Ltd.", CacheSize: 10000})
	heapLeft := testkit.HeapLeft(b)
	run := "h" + runID()
	var (
		numbers atomic.Int64
		left    atomic.Int64
		wg      sync.WaitGroup
	)
	left.Store(int64(b.N))
	b.ResetTimer()
	for w := range 256 {
		wg.Go(func() {
			s := &script{l: l, prefix: fmt.Sprintf("%s-w%d", run, w), code: "11" + run[len(run)-8:], numbers: &numbers}
			for left.Add(-1) >= 0 {
				if _, err := s.next(ctx); err != nil {
					b.Error(err)
					return
				}
			}
		})
	}
	wg.Wait()
	b.StopTimer()
	heapLeft()
	runtime.KeepAlive(l)
}
