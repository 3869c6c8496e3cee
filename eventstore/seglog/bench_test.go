package seglog_test

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"

	"github.com/google/uuid"

	"github.com/fapiao/fapiao/eventstore"
	"github.com/fapiao/fapiao/eventstore/seglog"
	"github.com/fapiao/fapiao/eventstore/storetest"
	"github.com/fapiao/fapiao/internal/testkit"
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

// ledgerEvent is an event shaped as the ledger writes them (an invoice
// request: UUIDs, amounts, times, a title and an address in its data; the
// metadata envelope with its three hashes), different in every event.
func ledgerEvent(stream string, i int) eventstore.EventData {
	h := func(tag string) string {
		sum := sha256.Sum256([]byte(fmt.Sprint(tag, stream, i)))
		return hex.EncodeToString(sum[:])
	}
	acct := strings.TrimPrefix(stream, "account-")
	data := fmt.Sprintf(`{"invoice_id":"%s","statements":["2026-%02d"],"amount":"%d.%02d","kingsoft":"100.00","marketplace":"%d.00","title":{"type":"vat_general","holder":"company","name":"示例科技有限公司","taxpayer_id":"91110108MA01ABCDEN"},"address":{"recipient":"张三","phone":"13800138000","province":"北京市","city":"北京市","district":"海淀区","street":"中关村大街1号","postal_code":"100080"},"address_id":"%s","requested_at":"2026-03-10T10:%02d:00+08:00","sla_due":"2026-03-13"}`,
		uuid.New(), 1+i%12, 100+i%900, i%100, i%50, uuid.New(), i%60)
	meta := fmt.Sprintf(`{"occurred_at":"2026-03-10T10:%02d:00+08:00","actor":{"role":"customer","id":"%s"},"correlation_id":"%s","causation_id":"%s","idempotency_key":"%s-%d","request_hash":"%s","schema_version":1,"prev_hash":"%s","hash":"%s"}`,
		i%60, acct, uuid.New(), uuid.New(), acct, i, h("req"), h("prev"), h("hash"))
	return eventstore.EventData{ID: uuid.New(), Type: "InvoiceRequested", Data: json.RawMessage(data), Metadata: json.RawMessage(meta)}
}

// benchLog writes n ledger-shaped events (one append of 100 per stream,
// 1 000 streams round robin) without syncing, closes the store (which
// writes its index checkpoint), and returns the directory.
func benchLog(b *testing.B, n int) (string, float64) {
	b.Helper()
	dir := filepath.Join(b.TempDir(), "log")
	s, err := seglog.Open(dir, seglog.Options{NoSync: true})
	if err != nil {
		b.Fatal(err)
	}
	batch := make([]eventstore.EventData, 100)
	for i := 0; i < n; i += len(batch) {
		stream := fmt.Sprintf("account-b%09d-w%d", i/len(batch)%1000, i%7)
		for j := range batch {
			batch[j] = ledgerEvent(stream, i+j)
		}
		if _, err := s.Append(b.Context(), stream, eventstore.Any, batch...); err != nil {
			b.Fatal(err)
		}
	}
	if err := s.Close(); err != nil {
		b.Fatal(err)
	}
	return dir, float64(s.DataBytes()) / float64(n)
}

// BenchmarkOpen measures the open that derives the index: from the index
// checkpoint and the log's checksums, or (scan) from every group's
// records. index-B/event is the heap the open store holds per event.
func BenchmarkOpen(b *testing.B) {
	const n = 100_000
	for _, mode := range []string{"checkpoint", "scan"} {
		b.Run(mode, func(b *testing.B) {
			dir, size := benchLog(b, n)
			if mode == "scan" {
				if err := os.Remove(filepath.Join(dir, "index.ckpt")); err != nil {
					b.Fatal(err)
				}
			}
			var before, after runtime.MemStats
			b.ResetTimer()
			cpu := testkit.ProcessCPU()
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
				if info := s.OpenInfo(); (mode == "checkpoint") != (info.Checkpoint == n) {
					b.Fatalf("%s: opened with %+v", mode, info)
				}
				if last {
					runtime.GC()
					runtime.ReadMemStats(&after)
				}
				s.Close()
			}
			b.ReportMetric(float64(n)*float64(b.N)/b.Elapsed().Seconds(), "events/s")
			b.ReportMetric(float64(testkit.ProcessCPU()-cpu)/float64(b.N)/1e6, "cpu-ms/open")
			b.ReportMetric(size, "log-B/event")
			if after.HeapAlloc > before.HeapAlloc {
				b.ReportMetric(float64(after.HeapAlloc-before.HeapAlloc)/n, "index-B/event")
			}
		})
	}
}

// BenchmarkReadAll measures a replay's read of the whole log. cpu-ns/event
// is the process's CPU (the read-ahead goroutine's included) per event.
func BenchmarkReadAll(b *testing.B) {
	const n = 100_000
	dir, size := benchLog(b, n)
	s, err := seglog.Open(dir, seglog.Options{ReadOnly: true})
	if err != nil {
		b.Fatal(err)
	}
	defer s.Close()
	b.ReportAllocs()
	b.ResetTimer()
	cpu := testkit.ProcessCPU()
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
	b.ReportMetric(float64(testkit.ProcessCPU()-cpu)/float64(n*b.N), "cpu-ns/event")
	b.ReportMetric(size, "log-B/event")
}
