package seglog_test

import (
	"encoding/json"
	"fmt"
	"path/filepath"
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
