package seglog_test

import (
	"fmt"
	"path/filepath"
	"runtime"
	"testing"

	"github.com/fapiao/fapiao/eventstore"
	"github.com/fapiao/fapiao/eventstore/seglog"
	"github.com/fapiao/fapiao/eventstore/storetest"
)

// BenchmarkAppend measures durable appends (fdatasync on), as bolt's does:
// each writer its own stream, one event per append.
func BenchmarkAppend(b *testing.B) {
	storetest.BenchAppend(b, func(b *testing.B) eventstore.Store {
		s, err := seglog.Open(filepath.Join(b.TempDir(), "log"))
		if err != nil {
			b.Fatal(err)
		}
		return s
	})
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
			batch[j] = storetest.BenchEvent()
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
