package seglog_test

import (
	"encoding/json"
	"fmt"
	"path/filepath"
	"runtime"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/google/uuid"

	"github.com/fapiao/fapiao/eventstore"
	"github.com/fapiao/fapiao/eventstore/seglog"
)

// benchData is a realistic event: about 300 bytes of JSON.
var benchData = json.RawMessage(`{"invoice_id":"8f14e45f-ceea-467f-a0e6-1c7f1d1b7e2a","account_id":"acct-000123","number":"0412345678","amount":"12345.67","tax":"1604.94","currency":"CNY","title":{"name":"上海某某科技有限公司","taxpayer_id":"91310000MA1FL4XQ3K"},"lines":[{"desc":"consulting","qty":"1","price":"12345.67"}]}`)

var benchMeta = json.RawMessage(`{"occurred_at":"2025-03-01T10:00:00+08:00","actor":{"role":"customer","id":"acct-000123"},"schema_version":1}`)

// BenchmarkAppend measures durable appends (fdatasync on), as bolt's does: each writer its own
// stream, one event per append.
func BenchmarkAppend(b *testing.B) {
	for _, writers := range []int{1, 16, 256} {
		b.Run(fmt.Sprintf("writers=%d", writers), func(b *testing.B) {
			s, err := seglog.Open(filepath.Join(b.TempDir(), "log"))
			if err != nil {
				b.Fatal(err)
			}
			defer s.Close()
			var next atomic.Int64
			errs := make(chan error, writers)
			var wg sync.WaitGroup
			b.ReportAllocs()
			b.ResetTimer()
			for w := range writers {
				wg.Go(func() {
					stream := fmt.Sprintf("account-%d", w)
					exp := eventstore.NoStream
					for next.Add(1) <= int64(b.N) {
						res, err := s.Append(b.Context(), stream, exp, eventstore.EventData{
							ID: uuid.New(), Type: "InvoiceIssued", Data: benchData, Metadata: benchMeta,
						})
						if err != nil {
							errs <- err
							return
						}
						exp = eventstore.Exact(res.NextExpectedRevision)
					}
				})
			}
			wg.Wait()
			b.StopTimer()
			close(errs)
			for err := range errs {
				b.Fatal(err)
			}
			b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "events/s")
			if commits, events := s.BatchStats(); commits > 0 {
				b.ReportMetric(float64(events)/float64(commits), "events/commit")
			}
		})
	}
}

// benchLog writes n events (one append of 100 per stream, 1 000 streams
// round robin) without syncing, and returns the directory.
func benchLog(b *testing.B, n int) string {
	b.Helper()
	dir := filepath.Join(b.TempDir(), "log")
	s, err := seglog.Open(dir, seglog.Options{NoSync: true})
	if err != nil {
		b.Fatal(err)
	}
	batch := make([]eventstore.EventData, 100)
	for i := 0; i < n; i += len(batch) {
		for j := range batch {
			batch[j] = eventstore.EventData{ID: uuid.New(), Type: "InvoiceIssued", Data: benchData, Metadata: benchMeta}
		}
		if _, err := s.Append(b.Context(), fmt.Sprintf("account-%d", i/len(batch)%1000), eventstore.Any, batch...); err != nil {
			b.Fatal(err)
		}
	}
	if err := s.Close(); err != nil {
		b.Fatal(err)
	}
	return dir
}

// BenchmarkOpen measures the scan at open that derives the index: every
// group read and checksummed. index-B/event is the heap the open store
// holds per event.
func BenchmarkOpen(b *testing.B) {
	const n = 100_000
	dir := benchLog(b, n)
	var before, after runtime.MemStats
	b.ResetTimer()
	for i := range b.N {
		last := i == b.N-1
		if last {
			runtime.GC()
			runtime.ReadMemStats(&before)
		}
		s, err := seglog.Open(dir, seglog.Options{ReadOnly: true})
		if err != nil {
			b.Fatal(err)
		}
		if last {
			runtime.GC()
			runtime.ReadMemStats(&after)
		}
		s.Close()
	}
	b.ReportMetric(float64(n)*float64(b.N)/b.Elapsed().Seconds(), "events/s")
	if after.HeapAlloc > before.HeapAlloc {
		b.ReportMetric(float64(after.HeapAlloc-before.HeapAlloc)/n, "index-B/event")
	}
}

// BenchmarkReadAll measures a replay's read of the whole log.
func BenchmarkReadAll(b *testing.B) {
	const n = 100_000
	s, err := seglog.Open(benchLog(b, n), seglog.Options{ReadOnly: true})
	if err != nil {
		b.Fatal(err)
	}
	defer s.Close()
	b.ReportAllocs()
	b.ResetTimer()
	for range b.N {
		got := 0
		for _, err := range s.ReadAll(b.Context(), eventstore.Start) {
			if err != nil {
				b.Fatal(err)
			}
			got++
		}
		if got != n {
			b.Fatalf("read %d events, want %d", got, n)
		}
	}
	b.ReportMetric(float64(n)*float64(b.N)/b.Elapsed().Seconds(), "events/s")
}
