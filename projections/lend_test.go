package projections

import (
	"reflect"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/fapiao/fapiao/domain"
	"github.com/fapiao/fapiao/eventstore"
)

// TestLiveBatchFoldsInPlaceUnlessLent: a live batch folds into the cached
// view itself while no reader was handed it, and into a copy once one
// was; a view a reader holds never changes. The file ends as a fresh
// replay's.
func TestLiveBatchFoldsInPlaceUnlessLent(t *testing.T) {
	t.Parallel()
	w := genLog(t, 21, 2, 14, 2, 0)
	const acc = "acc-00000"
	p := logViews(t, w)
	var inPlace, copied int
	lend := false // alternately lend the view before the account's next record, or not
	for _, r := range w.records {
		before := p.cache.peek(acc)
		var held *domain.Account
		var heldCopy *domain.Account
		if r.Stream == accountStreamPrefix+acc && before != nil {
			if lend {
				if _, ok := p.Balance(acc); !ok {
					t.Fatal("no balance for a cached account")
				}
				if !before.lent {
					t.Fatalf("position %d: the reader was not handed the cached view", r.Position)
				}
				held = before.acc
				heldCopy = held.DeepClone()
			}
			lend = !lend
		}
		if err := p.Apply(r); err != nil {
			t.Fatal(err)
		}
		if r.Stream != accountStreamPrefix+acc || before == nil {
			continue
		}
		after := p.cache.peek(acc)
		switch {
		case held != nil:
			if after == before {
				t.Fatalf("position %d: the batch folded into a view a reader holds", r.Position)
			}
			if !reflect.DeepEqual(held, heldCopy) {
				t.Fatalf("position %d (%s): the view a reader holds changed", r.Position, r.Type)
			}
			copied++
		case after == before:
			inPlace++
		default:
			t.Fatalf("position %d: a view no reader was handed was copied", r.Position)
		}
	}
	if inPlace == 0 || copied == 0 {
		t.Fatalf("folded in place %d times, into a copy %d times: want both", inPlace, copied)
	}
	want := New()
	for _, r := range w.records {
		if err := want.Apply(r); err != nil {
			t.Fatal(err)
		}
	}
	for _, id := range []string{acc, "acc-00001"} {
		got, ok1 := p.Account(id)
		exp, ok2 := want.Account(id)
		if !ok1 || !ok2 || !reflect.DeepEqual(got, exp) {
			t.Fatalf("%s differs from a fresh replay's", id)
		}
	}
}

// TestLentViewsUnderLiveBatches reads an account over and over while live
// batches fold into it (run with -race): what a reader was handed holds
// still while it reads, and its version never goes back.
func TestLentViewsUnderLiveBatches(t *testing.T) {
	t.Parallel()
	w := genLog(t, 22, 1, 24, 2, 0)
	const acc = "acc-00000"
	p := logViews(t, w)
	var done atomic.Bool
	var wg sync.WaitGroup
	errs := make(chan string, 2)
	for range 2 {
		wg.Go(func() {
			var last uint64
			for !done.Load() {
				p.withAccount("test", acc, func(av *accountView) {
					v := av.acc.Version
					n := 0
					for range av.acc.Invoices {
						n++
					}
					_ = av.acc.DeepClone() // reads all of it
					if av.acc.Version != v || len(av.acc.Invoices) != n {
						report(errs, "a view changed while a reader held it")
					}
					if v < last {
						report(errs, "a reader saw an older version after a newer one")
					}
					last = v
				})
			}
		})
	}
	for i := 0; i < len(w.records); {
		n := min(1+i%7, len(w.records)-i) // batches of 1 to 7 records
		if err := liveBatch(p, w.records[i:i+n]); err != nil {
			t.Fatal(err)
		}
		i += n
	}
	done.Store(true)
	wg.Wait()
	close(errs)
	for e := range errs {
		t.Fatal(e)
	}
}

// report sends msg unless errs is full: the first failures are enough.
func report(errs chan<- string, msg string) {
	select {
	case errs <- msg:
	default:
	}
}

// TestReadWhileTakenCopiesNextBatches: a reader who wants an account while
// a batch has its view out of the cache is answered from the file as
// committed, and the account's next hotBatches batches fold into copies
// (a reader of an account under writes would otherwise decode it at each
// batch); after them, batches fold in place again.
func TestReadWhileTakenCopiesNextBatches(t *testing.T) {
	t.Parallel()
	w := genLog(t, 23, 1, 30, 2, 0)
	const acc = "acc-00000"
	p := logViews(t, w)
	recs := w.records
	for len(recs) > 0 && p.cache.peek(acc) == nil {
		if err := p.Apply(recs[0]); err != nil {
			t.Fatal(err)
		}
		recs = recs[1:]
	}
	taken := p.cache.peek(acc)
	committed := taken.acc.DeepClone() // not p.Account: that would lend it

	// A batch takes the view out; a reader wants it meanwhile.
	func() {
		p.wmu.Lock()
		defer p.wmu.Unlock()
		b, err := p.begin()
		if err != nil {
			t.Fatal(err)
		}
		d := decoded{msg: eventstore.Message{Record: recs[0]}}
		d.decode()
		if err := b.apply(&d); err != nil {
			b.rollback()
			t.Fatal(err)
		}
		if !b.taken[acc] {
			b.rollback()
			t.Fatal("the batch copied a view no reader was handed")
		}
		got, ok := p.Account(acc)
		if !ok || !reflect.DeepEqual(got, committed) {
			b.rollback()
			t.Fatal("a reader during the batch was not answered the committed account")
		}
		if err := b.commit(true); err != nil {
			t.Fatal(err)
		}
	}()
	recs = recs[1:]
	if v := p.cache.peek(acc); v != taken || v.hot != hotBatches {
		t.Fatalf("after the batch: cached the batch's view %t, hot %d; want true, %d", v == taken, v.hot, hotBatches)
	}

	// The next hotBatches batches copy; the one after folds in place.
	i := 0
	for _, r := range recs {
		before := p.cache.peek(acc)
		if err := p.Apply(r); err != nil {
			t.Fatal(err)
		}
		if r.Stream != accountStreamPrefix+acc {
			continue
		}
		after := p.cache.peek(acc)
		if copied := after != before; copied != (i < hotBatches) {
			t.Fatalf("batch %d after the read: copied %t", i, copied)
		}
		if i++; i > hotBatches {
			break
		}
	}
	if i <= hotBatches {
		t.Fatalf("only %d batches of the account after the read", i)
	}
}
