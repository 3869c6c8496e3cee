package storetest

import (
	"encoding/json"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/google/uuid"

	"github.com/fapiao/fapiao/eventstore"
)

// BenchData is a realistic event body: about 300 bytes of JSON.
var BenchData = json.RawMessage(`{"invoice_id":"8f14e45f-ceea-467f-a0e6-1c7f1d1b7e2a","account_id":"acct-000123","number":"0412345678","amount":"12345.67","tax":"1604.94","currency":"CNY","title":{"name":"上海某某科技有限公司","taxpayer_id":"91310000MA1FL4XQ3K"},"lines":[{"desc":"consulting","qty":"1","price":"12345.67"}]}`)

// BenchMeta is BenchData's metadata.
var BenchMeta = json.RawMessage(`{"occurred_at":"2025-03-01T10:00:00+08:00","actor":{"role":"customer","id":"acct-000123"},"schema_version":1}`)

// BenchEvent is one event of BenchData with a new ID.
func BenchEvent() eventstore.EventData {
	return eventstore.EventData{ID: uuid.New(), Type: "InvoiceIssued", Data: BenchData, Metadata: BenchMeta}
}

// Batcher is offered by stores that commit appends in groups: how many
// commits they made and how many events those held.
type Batcher interface {
	BatchStats() (commits, events uint64)
}

// BenchAppend measures durable appends with 1, 16 and 256 writers, each
// its own stream, one event per append, on a new store from open.
func BenchAppend(b *testing.B, open func(b *testing.B) eventstore.Store) {
	for _, writers := range []int{1, 16, 256} {
		b.Run(fmt.Sprintf("writers=%d", writers), func(b *testing.B) {
			s := open(b)
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
						res, err := s.Append(b.Context(), stream, exp, BenchEvent())
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
			if bs, ok := s.(Batcher); ok {
				if commits, events := bs.BatchStats(); commits > 0 {
					b.ReportMetric(float64(events)/float64(commits), "events/commit")
				}
			}
		})
	}
}
