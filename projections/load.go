package projections

import (
	"bytes"
	"cmp"
	"errors"
	"fmt"
	"maps"
	"os"
	"runtime"
	"slices"
	"sync"

	bolt "go.etcd.io/bbolt"

	"github.com/fapiao/fapiao/eventstore"
	"github.com/fapiao/fapiao/internal/boltload"
)

// A per-account build of up to loadMaxEvents records writes its views file
// whole (boltload) beside p's empty one, and p then takes it: every
// bucket is written in key order, page by page, instead of put entry by
// entry through bbolt's cursor and split into pages again at each commit.
// Putting was over a quarter of a million-event replay's CPU
// (docs/performance.md, "The views written as pages"). What spans accounts
// is held to the end without spilling (32 bytes an invoice), then each
// bucket is sorted and written on a goroutine of its own.

// loadMaxEvents bounds the builds that load their file: theirs hold every
// invoice until the end (≈ 5 MB at a million events), where a longer
// build spills every refsSpill invoices into bbolt. A variable for the
// tests.
var loadMaxEvents eventstore.Position = 4 << 20

// loadSuffix names the file a build of p's file loads, beside it.
const loadSuffix = ".load"

// startLoad starts wr's file beside p's, with every bucket (empty until
// written) and p's meta as the empty file has it.
func (p *Projections) startLoad(wr *acctWriter) error {
	path := p.path + loadSuffix
	if p.temp {
		f, err := os.CreateTemp(p.opts.TempDir, "fapiao-views-*.db")
		if err != nil {
			return fmt.Errorf("projections: views file: %w", err)
		}
		path = f.Name()
		f.Close()
	} else if err := os.Remove(path); err != nil && !errors.Is(err, os.ErrNotExist) {
		return fmt.Errorf("projections: views file: %w", err) // a failed build's
	}
	base := map[string][]byte{}
	err := wr.db.View(func(tx *bolt.Tx) error {
		return tx.Bucket(bktMeta).ForEach(func(k, v []byte) error {
			base[string(k)] = bytes.Clone(v)
			return nil
		})
	})
	if err != nil {
		return storage(err)
	}
	w, err := boltload.Create(path, viewsPageSize)
	if err != nil {
		if p.temp {
			os.Remove(path)
		}
		return storage(err)
	}
	for _, b := range allBuckets {
		w.Bucket(string(b))
	}
	wr.load, wr.loadPath, wr.baseMeta = w, path, base
	return nil
}

// abortLoad removes the file of a load that did not finish.
func (wr *acctWriter) abortLoad() {
	if wr.load != nil {
		wr.load.Abort()
		wr.load = nil
	}
}

// loadAll is putAll into the loaded file.
func (wr *acctWriter) loadAll(bucket []byte, n int, entry func(arena []byte, n int) ([]byte, int)) error {
	b := wr.load.Bucket(string(bucket))
	var arena []byte
	for i := range n {
		var v int
		arena, v = entry(arena[:0], i)
		if err := b.Put(arena[:v], arena[v:]); err != nil {
			return storage(err)
		}
	}
	return nil
}

// flushLoaded writes what spans accounts into the loaded file, once, at
// the end: each bucket's order sorted, then the buckets written side by
// side.
func (wr *acctWriter) flushLoaded() error {
	refs := wr.refs
	var byPos, byStatus, byAcct, byID []int32
	var wg sync.WaitGroup
	wg.Go(func() { byPos, byStatus = refOrders(refs) })
	wg.Go(func() {
		byAcct = accInvOrder(refs, wr.names)
		slices.SortFunc(wr.closings, func(a, b closingEntry) int { return cmp.Compare(a.pos, b.pos) })
		slices.SortFunc(wr.pending, func(a, b pendingEntry) int { return compareIDs(&a.id, &b.id) })
	})
	byID, err := byIDOrder(refs)
	wg.Wait()
	if err != nil {
		return err
	}
	name := func(r *globalRef) string { return wr.names[r.acct] }
	puts := []func() error{
		func() error {
			return wr.loadAll(bktInvoices, len(byPos), func(a []byte, n int) ([]byte, int) {
				r := &refs[byPos[n]]
				return invoiceEntry(a, r, name(r))
			})
		},
		func() error {
			return wr.loadAll(bktStatus, len(byStatus), func(a []byte, n int) ([]byte, int) { return statusEntry(a, &refs[byStatus[n]]) })
		},
		func() error {
			return wr.loadAll(bktByID, len(byID), func(a []byte, n int) ([]byte, int) {
				r := &refs[byID[n]]
				return byIDEntry(a, r, name(r))
			})
		},
		func() error {
			return wr.loadAll(bktAccInv, len(byAcct), func(a []byte, n int) ([]byte, int) {
				r := &refs[byAcct[n]]
				return accInvEntry(a, name(r), r)
			})
		},
		func() error {
			err := wr.loadAll(bktClosings, len(wr.closings), func(a []byte, n int) ([]byte, int) { return posEntry(a, &wr.closings[n]) })
			if err != nil {
				return err
			}
			return wr.loadAll(bktPending, len(wr.pending), func(a []byte, n int) ([]byte, int) {
				return append(append(a, wr.pending[n].id[:]...), wr.pending[n].value...), 16
			})
		},
	}
	errs := make([]error, len(puts))
	for i, put := range puts {
		wg.Go(func() { errs[i] = put() })
	}
	wg.Wait()
	return errors.Join(errs...)
}

// accInvOrder is the order of refs by account then position (accinv's
// keys, whose accounts are prefixed by their length). The refs come
// account by account in the accounts' order, each's in position order:
// a stable counting sort by the length of the account's name is enough.
func accInvOrder(refs []globalRef, names []string) []int32 {
	longest := 0
	for _, name := range names {
		longest = max(longest, len(name))
	}
	count, next := make([]int32, longest+1), make([]int32, longest+1)
	for i := range refs {
		count[len(names[refs[i].acct])]++
	}
	for l := 1; l <= longest; l++ {
		next[l] = next[l-1] + count[l-1]
	}
	order := make([]int32, len(refs))
	for i := range refs {
		l := len(names[refs[i].acct])
		order[next[l]] = int32(i)
		next[l]++
	}
	return order
}

// finishLoaded writes the meta (the empty file's, with meta's changes over
// it) and closes the loaded file.
func (wr *acctWriter) finishLoaded(meta map[string][]byte) error {
	maps.Copy(wr.baseMeta, meta)
	m := wr.load.Bucket(string(bktMeta))
	for _, k := range slices.Sorted(maps.Keys(wr.baseMeta)) {
		if err := m.Put([]byte(k), wr.baseMeta[k]); err != nil {
			return storage(err)
		}
	}
	err := wr.load.Close()
	wr.load = nil
	if err != nil {
		os.Remove(wr.loadPath)
		return storage(err)
	}
	return nil
}

// adopt makes the file a build loaded at path p's own, in place of p's
// empty one: renamed over it, or, for temporary projections, unlinked
// once open.
func (p *Projections) adopt(path string) error {
	p.mu.Lock()
	defer p.mu.Unlock()
	old := p.db
	p.db = nil
	if err := old.Close(); err != nil {
		os.Remove(path)
		return storage(err)
	}
	if !p.temp {
		if err := os.Rename(path, p.path); err != nil {
			os.Remove(path)
			return fmt.Errorf("projections: views file: %w", err)
		}
		path = p.path
	}
	db, err := bolt.Open(path, 0o600, buildOptions())
	if p.temp {
		os.Remove(path)
	}
	if err != nil {
		return storage(err)
	}
	p.db = db
	if p.temp {
		runtime.AddCleanup(p, func(db *bolt.DB) { _ = db.Close() }, db)
	} else {
		p.ino = inode(p.path)
	}
	return nil
}
