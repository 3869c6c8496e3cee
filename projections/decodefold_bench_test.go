package projections

import (
	"testing"

	"github.com/fapiao/fapiao/domain"
	"github.com/fapiao/fapiao/internal/testkit"
)

// BenchmarkDecodeLog and BenchmarkDecodeFold are the per-event CPU of a
// rebuild that is neither reading nor writing: the generated log's
// account records decoded as the build decodes them
// (domain.DecodeEventSummarized), and decoded and folded into their
// accounts as the build's workers fold them (foldAccount: the domain's
// fold), on one goroutine. The allocations an event
// are exact where the rates swing with the machine's load.
func BenchmarkDecodeLog(b *testing.B) {
	w := benchWorld(b)
	b.ReportAllocs()
	cpu := testkit.ProcessCPU()
	for b.Loop() {
		for _, r := range w.records {
			if _, ok := accountID(r.Stream); !ok {
				continue // the invoice numbers' own streams
			}
			if _, err := domain.DecodeEventSummarized(r.Type, r.Data); err != nil {
				b.Fatal(err)
			}
		}
	}
	reportRates(b, len(w.records), cpu)
}

func BenchmarkDecodeFold(b *testing.B) {
	w := benchWorld(b)
	b.ReportAllocs()
	cpu := testkit.ProcessCPU()
	for b.Loop() {
		accounts := map[string]*domain.Account{}
		for _, r := range w.records {
			id, ok := accountID(r.Stream)
			if !ok {
				continue
			}
			ev, err := domain.DecodeEventSummarized(r.Type, r.Data)
			if err != nil {
				b.Fatal(err)
			}
			a := accounts[id]
			if a == nil {
				a = domain.NewAccount(id)
				accounts[id] = a
			}
			if err := foldAccount(a, ev); err != nil {
				b.Fatal(err)
			}
		}
	}
	reportRates(b, len(w.records), cpu)
}
