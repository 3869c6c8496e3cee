package projections

import (
	"bytes"
	"context"
	"math/rand/v2"
	"path/filepath"
	"reflect"
	"slices"
	"testing"

	"github.com/google/uuid"
	"github.com/stretchr/testify/require"
	bolt "go.etcd.io/bbolt"

	"github.com/fapiao/fapiao/eventstore"
)

// dumpBuckets is every entry of a views file but the meta's completion
// mark, bucket by bucket; an account is its snapshot with its tail folded
// in (tail.go), and the tails are not listed: a live file has them where a
// private build's has snapshots.
func dumpBuckets(t testing.TB, db *bolt.DB) map[string]map[string]string {
	t.Helper()
	out := map[string]map[string]string{}
	err := db.View(func(tx *bolt.Tx) error {
		for err := range tx.Check() { // bbolt's own check of the file, loaded or put
			return err
		}
		for _, name := range allBuckets {
			if bytes.Equal(name, bktTail) {
				continue
			}
			m := map[string]string{}
			err := tx.Bucket(name).ForEach(func(k, v []byte) error {
				if bytes.Equal(name, bktAccounts) {
					av, err := decodeStored(tx, string(k), v)
					if err != nil {
						return err
					}
					v = av.encode(nil)
				}
				if !bytes.Equal(name, bktMeta) || !bytes.Equal(k, metaComplete) {
					m[string(k)] = string(v)
				}
				return nil
			})
			if err != nil {
				return err
			}
			out[string(name)] = m
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func diffBuckets(t testing.TB, what string, got, want map[string]map[string]string) {
	t.Helper()
	for b, w := range want {
		g := got[b]
		n := 0
		for k, v := range w {
			gv, ok := g[k]
			if ok && b == string(bktAccounts) {
				// Snapshots write maps in no order: compared decoded.
				ok = reflect.DeepEqual(mustDecode(t, k, gv), mustDecode(t, k, v))
			} else if ok {
				ok = gv == v
			}
			if !ok {
				n++
			}
		}
		if n > 0 || len(g) != len(w) {
			t.Errorf("%s: bucket %s has %d entries, want %d; %d missing or different", what, b, len(g), len(w), n)
		}
	}
}

func mustDecode(t testing.TB, id, v string) *accountView {
	t.Helper()
	av, err := decodeAccountView(id, []byte(v))
	if err != nil {
		t.Fatal(err)
	}
	return av
}

// TestPrivateBuildAcrossWrites: a private build (Replay, Rebuild) holds its
// accounts and index entries back and writes them in key order every
// bulkRecords records; with many such writes (invoices requested before
// one and changed after it) the file holds the same entries, byte for
// byte, as applying every record on its own. So do its accounts, whether
// encoded on one core or on all.
func TestPrivateBuildAcrossWrites(t *testing.T) {
	w := genLog(t, 11, 12, 8, 2, 0)
	want := dumpBuckets(t, applyAll(t, w.records).db)
	if len(want[string(bktClosings)]) == 0 || len(want[string(bktByID)]) == 0 {
		t.Fatal("the log has no invoices or no closings: it tests nothing")
	}
	store := newFakeStore(w.records)
	defer func(c, r, e, a, s int) {
		commitEvery, bulkRecords, parallelEncodeMin, encodeArena, encodeSlack = c, r, e, a, s
	}(commitEvery, bulkRecords, parallelEncodeMin, encodeArena, encodeSlack)
	for i, every := range []int{2 * len(w.records), 2 * len(w.records), 97, 13, 2 * len(w.records), 97} {
		commitEvery, bulkRecords = 5, every
		parallelEncodeMin = 1 + 100*(i%2) // in parallel, then not
		if i >= 4 {
			// Accounts outgrow their arenas, or start new ones.
			parallelEncodeMin, encodeArena, encodeSlack = 1, 300, 0
		}
		diffBuckets(t, "replay", replayBuckets(t, store, nil), want)
		diffBuckets(t, "rebuild", rebuildBuckets(t, store), want)
	}
}

// replayBuckets is every bucket of a private replay of store.
func replayBuckets(t *testing.T, store eventstore.Store, stop func(eventstore.Record) bool) map[string]map[string]string {
	t.Helper()
	p, err := Replay(context.Background(), store, stop)
	if err != nil {
		t.Fatal(err)
	}
	defer p.Close()
	return dumpBuckets(t, p.db)
}

// rebuildBuckets is every bucket of a views file rebuilt from store.
func rebuildBuckets(t *testing.T, store eventstore.Store) map[string]map[string]string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "views.db")
	if _, err := Rebuild(context.Background(), store, path, Options{}); err != nil {
		t.Fatal(err)
	}
	db, err := bolt.Open(path, 0o600, &bolt.Options{ReadOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	return dumpBuckets(t, db)
}

// TestPrivateBuildFromLentRecords: a private build on a store that lends
// its records (valid only until each chunk is decoded, then overwritten)
// gives the file that applying every record on its own gives, and reads
// through the loan; so does a replay whose stop reads the records'
// metadata.
func TestPrivateBuildFromLentRecords(t *testing.T) {
	w := genLog(t, 12, 9, 6, 2, 0)
	want := dumpBuckets(t, applyAll(t, w.records).db)
	// A replay stopped by the metadata of a record past the middle (its
	// stop reads the lent metadata): the first whose metadata no record
	// before it has.
	half := len(w.records) / 2
	for ; half < len(w.records); half++ {
		if !slices.ContainsFunc(w.records[:half], func(r eventstore.Record) bool { return bytes.Equal(r.Metadata, w.records[half].Metadata) }) {
			break
		}
	}
	stopAt := w.records[half].Metadata
	wantHalf := dumpBuckets(t, applyAll(t, w.records[:half]).db)
	defer func(c, r int) { commitEvery, bulkRecords = c, r }(commitEvery, bulkRecords)
	for _, chunk := range []int{1, 7, 1000} {
		store := &lendingStore{fakeStore: newFakeStore(w.records), chunk: chunk}
		commitEvery, bulkRecords = 5, 97
		diffBuckets(t, "replay", replayBuckets(t, store, nil), want)
		stop := func(r eventstore.Record) bool { return bytes.Equal(r.Metadata, stopAt) }
		diffBuckets(t, "replay stopped", replayBuckets(t, store, stop), wantHalf)
		diffBuckets(t, "rebuild", rebuildBuckets(t, store), want)
		if store.lent.Load() == 0 || store.yielded.Load() != 0 {
			t.Fatalf("chunk %d: %d chunks lent, %d records copied: the build did not borrow", chunk, store.lent.Load(), store.yielded.Load())
		}
	}
}

// TestIndexBufGetIsMap: get finds what a map from id to the newest entry
// finds, below scanRefs (looked through) and past it (mapped), with ids
// held twice, absent ids, and after the entries are let go.
func TestIndexBufGetIsMap(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	x := newIndexBuf()
	for round := range 3 {
		want := map[uuid.UUID]int{}
		var ids []uuid.UUID
		for n := range 3 * scanRefs {
			id := uuid.New()
			if len(ids) > 0 && rng.IntN(8) == 0 {
				id = ids[rng.IntN(len(ids))] // held twice: the newest answers
			}
			ids = append(ids, id)
			x.add(invoiceRef{pos: uint64(n + 1), id: id})
			want[id] = n + 1
			for _, id := range append(ids, uuid.New()) {
				r := x.get(id)
				if pos, ok := want[id]; !ok {
					require.Nil(t, r, "round %d, %d held", round, n+1)
				} else {
					require.NotNil(t, r, "round %d, %d held", round, n+1)
					require.Equal(t, uint64(pos), r.pos, "round %d, %d held", round, n+1)
				}
			}
		}
		clear(x.at) // as a build lets them go
		x.refs = x.refs[:0]
		require.Nil(t, x.get(ids[0]))
	}
}
