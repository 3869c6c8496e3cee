package projections

import (
	"context"
	"flag"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/fapiao/fapiao/eventstore"
	"github.com/fapiao/fapiao/internal/testkit"
)

// liveBatch folds recs as one live batch and commits it, as Run does with
// what a subscription delivered at once.
func liveBatch(p *Projections, recs []eventstore.Record) error {
	p.wmu.Lock()
	defer p.wmu.Unlock()
	items := make([]decoded, len(recs))
	for i := range recs {
		items[i] = decoded{msg: eventstore.Message{Record: recs[i]}}
		items[i].decode()
	}
	f := &folder{p: p}
	if err := f.foldChunk(items); err != nil {
		return err
	}
	return f.commit()
}

// interleave deals the records of each stream in turn, keeping each
// stream's order, and renumbers their positions: live, a batch holds the
// commands of many accounts, not a run of one account's.
func interleave(recs []eventstore.Record, after eventstore.Position) []eventstore.Record {
	var order []string
	by := map[string][]eventstore.Record{}
	for _, r := range recs {
		if by[r.Stream] == nil {
			order = append(order, r.Stream)
		}
		by[r.Stream] = append(by[r.Stream], r)
	}
	out := make([]eventstore.Record, 0, len(recs))
	for len(out) < len(recs) {
		for _, s := range order {
			if q := by[s]; len(q) > 0 {
				r := q[0]
				by[s] = q[1:]
				after++
				r.Position = after
				out = append(out, r)
			}
		}
	}
	return out
}

var livePer = flag.Int("bench.per", 10, "records a live batch of BenchmarkLiveCommit")

// BenchmarkLiveCommit folds the second half of a log of 16 accounts into a
// served views file in live batches of 10 records over many accounts (what
// `bench http`'s 16 POSTing connections make), from a file holding the
// first half: the views' share of a command's CPU on the server.
func BenchmarkLiveCommit(b *testing.B) {
	w := genLog(b, 11, 16, 60, 2, 0)
	half := len(w.records) / 2
	live := interleave(w.records[half:], w.records[half-1].Position)
	dir := b.TempDir()
	store, img := seededViews(b, dir, w.records[:half])
	per := *livePer
	for _, synced := range []bool{false, true} {
		name := "unsynced"
		if synced {
			name = "fsync" // as where the boot cannot be told
		}
		b.Run(name, func(b *testing.B) {
			if synced {
				old := bootID
				bootID = func() string { return "" }
				defer func() { bootID = old }()
			}
			benchLive(b, dir, img, store, live, per)
		})
	}
}

// seededViews is the image of a views file caught up with records, and a
// store holding them: each round of a live benchmark starts from it.
func seededViews(b *testing.B, dir string, records []eventstore.Record) (eventstore.Store, []byte) {
	seed := filepath.Join(dir, "seed.db")
	store := newFakeStore(records)
	p := openViews(b, seed, store, nil)
	if err := CatchUp(context.Background(), store, p); err != nil {
		b.Fatal(err)
	}
	p.Close()
	img, err := os.ReadFile(seed)
	if err != nil {
		b.Fatal(err)
	}
	return store, img
}

func benchLive(b *testing.B, dir string, img []byte, store eventstore.Store, live []eventstore.Record, per int) {
	b.ReportAllocs()
	var spent time.Duration // CPU in the batches only
	var wrote int64
	for b.Loop() {
		b.StopTimer()
		path := filepath.Join(dir, "views.db")
		if err := os.WriteFile(path, img, 0o600); err != nil {
			b.Fatal(err)
		}
		p := openViews(b, path, store, nil)
		b.StartTimer()
		cpu := testkit.ProcessCPU()
		w0 := wchar()
		for i := 0; i < len(live); i += per {
			if err := liveBatch(p, live[i:min(i+per, len(live))]); err != nil {
				b.Fatal(err)
			}
		}
		spent += testkit.ProcessCPU() - cpu
		wrote += wchar() - w0
		b.StopTimer()
		p.Close()
		b.StartTimer()
	}
	n := float64(len(live) * b.N)
	b.ReportMetric(n/b.Elapsed().Seconds(), "records/s")
	b.ReportMetric(float64(spent.Microseconds())/n, "cpu-µs/record")
	if wrote > 0 {
		b.ReportMetric(float64(wrote)/n, "written-B/record")
	}
}

var (
	growRounds = flag.Int("bench.rounds", 300, "apply→cancel rounds per account of BenchmarkLiveGrowing")
	growPer    = flag.Int("bench.growper", 20, "records a live batch of BenchmarkLiveGrowing")
)

// BenchmarkLiveGrowing folds what `bench http`'s 16 POSTing connections
// make into a served views file, in live batches of 20 records: each
// account, seeded as the bench seeds it (24 statements, 22 issued
// invoices), applies for an invoice over its free month and cancels it,
// round after round, so it gains an invoice every two records. Costs that
// grow with the account show here and not in BenchmarkLiveCommit.
func BenchmarkLiveGrowing(b *testing.B) {
	w, seedRecs := growingLog(b, 16, *growRounds)
	dir := b.TempDir()
	store, img := seededViews(b, dir, w.records[:seedRecs])
	benchLive(b, dir, img, store, w.records[seedRecs:], *growPer)
}

// wchar is the bytes this process has passed to write calls (Linux;
// 0 elsewhere): what the batches wrote to the views file.
func wchar() int64 {
	b, _ := os.ReadFile("/proc/self/io")
	for _, l := range strings.Split(string(b), "\n") {
		if v, ok := strings.CutPrefix(l, "wchar: "); ok {
			n, _ := strconv.ParseInt(v, 10, 64)
			return n
		}
	}
	return 0
}
