package projections

import (
	"bytes"
	"cmp"
	"context"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/google/uuid"
	bolt "go.etcd.io/bbolt"
	"golang.org/x/mod/modfile"

	"github.com/fapiao/fapiao/eventstore"
	boltstore "github.com/fapiao/fapiao/eventstore/bolt"
	"github.com/fapiao/fapiao/eventstore/seglog"
)

// streamLendingStore lends one stream at a time as bolt.Store.LendStream
// does, a few records at a time from one buffer overwritten once fn
// returns; it lends the whole log as lendingStore does for the log-order
// build it falls back to.
type streamLendingStore struct {
	*lendingStore
	streams atomic.Int64 // streams lent
}

func newStreamLendingStore(records []eventstore.Record, chunk int) *streamLendingStore {
	return &streamLendingStore{lendingStore: &lendingStore{fakeStore: newFakeStore(records), chunk: chunk}}
}

func (s *streamLendingStore) LastPosition() eventstore.Position {
	recs, _ := s.after(0)
	if len(recs) == 0 {
		return 0
	}
	return recs[len(recs)-1].Position
}

func (s *streamLendingStore) StreamNames(_ context.Context, prefix, after string, limit int) ([]string, error) {
	recs, _ := s.after(0)
	var names []string
	for _, r := range recs {
		if strings.HasPrefix(r.Stream, prefix) && r.Stream > after && !slices.Contains(names, r.Stream) {
			names = append(names, r.Stream)
		}
	}
	sort.Strings(names)
	return names[:min(limit, len(names))], nil
}

func (s *streamLendingStore) LendStream(ctx context.Context, stream string, upTo eventstore.Position, parts eventstore.LendParts, _ []eventstore.Record, fn func([]eventstore.Record) error) error {
	all, _ := s.after(0)
	var recs []eventstore.Record
	for _, r := range all {
		if r.Stream == stream && r.Position <= upTo {
			if parts != eventstore.LendWhole {
				r.Metadata = nil
			}
			recs = append(recs, r)
		}
	}
	if len(recs) == 0 {
		return eventstore.ErrStreamNotFound
	}
	s.streams.Add(1)
	return lendChunks(ctx, recs, s.chunk, fn)
}

// applyEach applies every record on its own, keeping a record's error as
// a fault as a build does.
func applyEach(t testing.TB, records []eventstore.Record) *Projections {
	t.Helper()
	p := New()
	t.Cleanup(func() { p.Close() })
	for _, r := range records {
		if err := p.Apply(r); err != nil {
			var se *storageError
			if errors.As(err, &se) || errors.Is(err, ErrOutOfOrder) {
				t.Fatal(err)
			}
		}
	}
	return p
}

// renumber gives the records the positions 1, 2, 3, … an eventstore.StreamLender has.
func renumber(records []eventstore.Record) []eventstore.Record {
	out := slices.Clone(records)
	for i := range out {
		out[i].Position = eventstore.Position(i + 1)
	}
	return out
}

// oddLog is a generated log with what a per-account build must place as
// the log does: records of other streams (first and last too), of the
// stream "account-", more faults than the faults bucket keeps (undecodable
// events, events the fold refuses) spread over the accounts, and a last
// account record whose metadata is empty.
func oddLog(t *testing.T) []eventstore.Record {
	w := genLog(t, 21, 9, 7, 2, 0)
	recs := []eventstore.Record{{Stream: "invoice-numbers", Type: "NumberReserved", Data: []byte(`{}`), Metadata: []byte(`{}`)}}
	for i, r := range w.records {
		recs = append(recs, r)
		switch {
		case i%4 == 3:
			// An undecodable event, at the account's next revision.
			recs = append(recs, eventstore.Record{Stream: r.Stream, Type: "InvoiceApproved", Data: []byte(`{"invoice_id":`), Metadata: r.Metadata})
		case i%5 == 1:
			// An event for an invoice the account never had.
			recs = append(recs, eventstore.Record{Stream: r.Stream, Type: "InvoiceApproved",
				Data: []byte(`{"invoice_id":"0d8f7c1e-2b6a-4c3d-9e8f-7a6b5c4d3e2f","approved_at":"2024-01-01T00:00:00Z"}`), Metadata: r.Metadata})
		case i%13 == 0:
			recs = append(recs, eventstore.Record{Stream: "invoice-numbers", Type: "NumberReserved", Data: []byte(`{}`), Metadata: []byte(`{}`)})
		case i%29 == 1:
			recs = append(recs, eventstore.Record{Stream: "account-", Type: "InvoiceApproved", Data: []byte(`{}`), Metadata: []byte(`{}`)})
		}
	}
	// Statements a segmented log stores in their form (internal/eventform)
	// that domain.StatementFromForm declines: a merchant it does not take
	// as plain, read from their JSON; an amount of three places, a fault.
	for _, merchant := range []string{"A&B", "ok"} {
		amount := map[string]string{"A&B": "10.00", "ok": "1.505"}[merchant]
		recs = append(recs, eventstore.Record{Stream: "account-acc-00002", Type: "StatementPosted", Metadata: []byte(`{}`),
			Data: fmt.Appendf(nil, `{"month":"2031-0%d","lines":[{"line_id":"x","product":"ECS","billing_mode":"prepaid","purchased_at":"2026-01-15","channel":"marketplace_merchant","merchant":%q,"amount":%q,"voucher":"0.00","coupon":"0.00","gift_balance":"0.00"}],"posted_at":"2031-02-03T09:00:00+08:00"}`, len(merchant), merchant, amount)})
	}
	last := recs[len(recs)-1]
	recs = append(recs, eventstore.Record{Stream: "account-acc-00002", Type: "Nonsense", Data: []byte(`{}`), Metadata: []byte{}})
	_ = last
	recs = append(recs, eventstore.Record{Stream: "invoice-numbers", Type: "NumberReserved", Data: []byte(`{}`), Metadata: []byte(`{}`)})
	revs := map[string]uint64{}
	for i := range recs {
		recs[i].Revision = revs[recs[i].Stream]
		revs[recs[i].Stream]++
		recs[i].ID[0], recs[i].ID[1], recs[i].ID[2] = byte(i), byte(i>>8), 0xab
	}
	return renumber(recs)
}

// TestByAccountBuildIsLogOrder: a private build that folds account by
// account (a store that lends streams) gives the file applying every
// record on its own gives, bucket for bucket, with commits of every size
// and through lent records overwritten after each chunk; the log's
// faults, other streams and last metadata included.
func TestByAccountBuildIsLogOrder(t *testing.T) {
	recs := oddLog(t)
	want := dumpBuckets(t, applyEach(t, recs).db)
	if len(want[string(bktFaults)]) != maxFaults || len(want[string(bktClosings)]) == 0 || len(want[string(bktByID)]) == 0 {
		t.Fatalf("the log has %d faults kept, %d closings, %d invoices: it tests too little",
			len(want[string(bktFaults)]), len(want[string(bktClosings)]), len(want[string(bktByID)]))
	}
	defer func(c, r int) { buildCommitBytes, refsSpill = c, r }(buildCommitBytes, refsSpill)
	bothWrites(t, func(t *testing.T) {
		for _, tc := range []struct{ chunk, commit, spill int }{{1, 1, 1}, {7, 3000, 5}, {1000, 8 << 20, 1 << 20}} {
			t.Run(fmt.Sprintf("chunk=%d,commit=%d,spill=%d", tc.chunk, tc.commit, tc.spill), func(t *testing.T) {
				buildCommitBytes, refsSpill = tc.commit, tc.spill
				store := newStreamLendingStore(recs, tc.chunk)
				diffBuckets(t, "replay", replayBuckets(t, store, nil), want)
				diffBuckets(t, "rebuild", rebuildBuckets(t, store), want)
				if store.streams.Load() == 0 || store.lent.Load() != 0 {
					t.Fatalf("%d streams lent, %d log chunks: the build did not fold by account", store.streams.Load(), store.lent.Load())
				}
			})
		}
	})
	// A replay with a stop folds in log order.
	store := newStreamLendingStore(recs, 7)
	half := recs[len(recs)/2].Position
	diffBuckets(t, "replay stopped", replayBuckets(t, store, AfterPosition(half)), dumpBuckets(t, applyEach(t, recs[:len(recs)/2+1]).db))
}

// TestByAccountBuildCrossAccountFallsBack: an invoice requested in two
// accounts (a forged log) is placed by the log's order, which a fold by
// account cannot see: the build is redone in log order, and its file is
// the one applying every record gives.
func TestByAccountBuildCrossAccountFallsBack(t *testing.T) {
	w := genLog(t, 22, 4, 3, 2, 0)
	recs := slices.Clone(w.records)
	var req eventstore.Record
	for _, r := range recs {
		if r.Type == "InvoiceRequested" && r.Stream == "account-acc-00003" {
			req = r
			break
		}
	}
	if req.Stream == "" {
		t.Fatal("no request to copy")
	}
	// The same request in an account that sorts before, then after.
	bothWrites(t, func(t *testing.T) {
		crossAccount(t, recs, req)
	})
}

func crossAccount(t *testing.T, recs []eventstore.Record, req eventstore.Record) {
	for _, stream := range []string{"account-acc-00000", "account-acc-00009"} {
		var data map[string]any
		if err := json.Unmarshal(req.Data, &data); err != nil {
			t.Fatal(err)
		}
		forged := append(slices.Clone(recs), eventstore.Record{Stream: stream, Type: req.Type, Data: req.Data, Metadata: req.Metadata})
		revs := map[string]uint64{}
		for i := range forged {
			forged[i].Revision = revs[forged[i].Stream]
			revs[forged[i].Stream]++
		}
		forged = renumber(forged)
		want := dumpBuckets(t, applyEach(t, forged).db)
		store := newStreamLendingStore(forged, 5)
		diffBuckets(t, "rebuild "+stream, rebuildBuckets(t, store), want)
		// The two requests in two flushes of the invoices.
		func() {
			defer func(r int) { refsSpill = r }(refsSpill)
			refsSpill = 2
			diffBuckets(t, "replay "+stream, replayBuckets(t, store, nil), want)
		}()
		if store.streams.Load() == 0 || store.lent.Load() == 0 {
			t.Fatalf("%s: %d streams lent, %d log chunks: not built by account, then in log order", stream, store.streams.Load(), store.lent.Load())
		}
	}
}

// TestByAccountBuildConfirmations: the pending confirmations (one open,
// one used by a red invoice) are the log-order build's; a confirmation
// entered in a second account too (forged) sends the build back to log
// order.
func TestByAccountBuildConfirmations(t *testing.T) {
	w, _, _ := electronicWorld(t)
	recs := renumber(w.records)
	want := dumpBuckets(t, applyEach(t, recs).db)
	if len(want[string(bktPending)]) == 0 {
		t.Fatal("no pending confirmation: the log tests nothing")
	}
	bothWrites(t, func(t *testing.T) { confirmations(t, recs, want) })
}

func confirmations(t *testing.T, recs []eventstore.Record, want map[string]map[string]string) {
	store := newStreamLendingStore(recs, 3)
	diffBuckets(t, "rebuild", rebuildBuckets(t, store), want)
	if store.streams.Load() == 0 || store.lent.Load() != 0 {
		t.Fatalf("%d streams lent, %d log chunks: the build did not fold by account", store.streams.Load(), store.lent.Load())
	}
	var entered eventstore.Record
	for _, r := range recs {
		if r.Type == "RedLetterConfirmationEntered" {
			entered = r
		}
	}
	for _, stream := range []string{"account-acc-a", "account-acc-z"} {
		forged := append(slices.Clone(recs), eventstore.Record{Stream: stream, Type: entered.Type, Data: entered.Data, Metadata: entered.Metadata})
		forged = renumber(forged)
		want := dumpBuckets(t, applyEach(t, forged).db)
		store := newStreamLendingStore(forged, 3)
		diffBuckets(t, "rebuild "+stream, rebuildBuckets(t, store), want)
	}
}

// TestByAccountBuildOnStores: on the bolt store (records read through its
// per-stream index with pread) and on the segmented log, a rebuild folds
// by account and gives the file applying every record on its own gives.
func TestByAccountBuildOnStores(t *testing.T) {
	for name, open := range map[string]func(dir string) (eventstore.Store, error){
		"bolt":   func(dir string) (eventstore.Store, error) { return boltstore.Open(filepath.Join(dir, "log.db")) },
		"seglog": func(dir string) (eventstore.Store, error) { return seglog.Open(dir) },
	} {
		t.Run(name, func(t *testing.T) {
			s, err := open(t.TempDir())
			if err != nil {
				t.Fatal(err)
			}
			defer s.Close()
			if _, ok := s.(eventstore.StreamLender); !ok {
				t.Fatalf("%T lends no streams", s)
			}
			for _, r := range oddLog(t) {
				_, err := s.Append(t.Context(), r.Stream, eventstore.Any, eventstore.EventData{ID: r.ID, Type: r.Type, Data: r.Data, Metadata: r.Metadata})
				if err != nil && !json.Valid(r.Data) {
					continue // the store keeps only JSON: the undecodable events stay out
				}
				if err != nil {
					t.Fatal(err)
				}
			}
			var recs []eventstore.Record
			for r, err := range s.ReadAll(t.Context(), eventstore.Start) {
				if err != nil {
					t.Fatal(err)
				}
				recs = append(recs, r)
			}
			want := dumpBuckets(t, applyEach(t, recs).db)
			if len(want[string(bktFaults)]) == 0 || len(want[string(bktByID)]) == 0 {
				t.Fatal("no faults or no invoices: the log tests too little")
			}
			bothWrites(t, func(t *testing.T) {
				diffBuckets(t, "rebuild", rebuildBuckets(t, s), want)
				diffBuckets(t, "replay", replayBuckets(t, s, nil), want)
			})
		})
	}
}

// bothWrites runs test with the per-account build loading its file whole
// (boltload) and putting into bbolt (loadMaxEvents 0, as a build of more
// than loadMaxEvents records does).
func bothWrites(t *testing.T, test func(t *testing.T)) {
	defer func(m eventstore.Position) { loadMaxEvents = m }(loadMaxEvents)
	for _, way := range []struct {
		name string
		max  eventstore.Position
	}{{"loaded", 1 << 40}, {"put", 0}} {
		t.Run(way.name, func(t *testing.T) {
			loadMaxEvents = way.max
			test(t)
		})
	}
}

// TestLoadedBuildIsWrittenOnce: a rebuild that loads its file leaves it
// as one transaction wrote it, the mark that it is whole the only commit
// through bbolt (a put build commits every buildCommitBytes), and nothing
// beside it.
func TestLoadedBuildIsWrittenOnce(t *testing.T) {
	defer func(c int) { buildCommitBytes = c }(buildCommitBytes)
	buildCommitBytes = 1
	store := newStreamLendingStore(oddLog(t), 5)
	txids := map[eventstore.Position]int{}
	for _, max := range []eventstore.Position{1 << 40, 0} {
		func() {
			defer func(m eventstore.Position) { loadMaxEvents = m }(loadMaxEvents)
			loadMaxEvents = max
			dir := t.TempDir()
			path := filepath.Join(dir, "views.db")
			if _, err := Rebuild(t.Context(), store, path, Options{}); err != nil {
				t.Fatal(err)
			}
			db, err := bolt.Open(path, 0o600, &bolt.Options{ReadOnly: true})
			if err != nil {
				t.Fatal(err)
			}
			defer db.Close()
			if err := db.View(func(tx *bolt.Tx) error { txids[max] = tx.ID(); return nil }); err != nil {
				t.Fatal(err)
			}
			if files, _ := filepath.Glob(filepath.Join(dir, "*")); len(files) != 1 {
				t.Fatalf("files left beside the views: %v", files)
			}
		}()
	}
	if txids[1<<40] != 2 || txids[0] <= 10 {
		t.Fatalf("transactions: loaded %d (want 2: bbolt's new file's 1, then the mark), put %d (want many)", txids[1<<40], txids[0])
	}
}

// TestSharedTxKnowsItsBbolt: sharedTx rests on how bbolt v1.5.0 changes a
// transaction's state in a Put (see its comment). Another bbolt must be
// read again before this version moves.
func TestSharedTxKnowsItsBbolt(t *testing.T) {
	data, err := os.ReadFile("../go.mod")
	if err != nil {
		t.Fatal(err)
	}
	mod, err := modfile.ParseLax("go.mod", data, nil)
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range mod.Require {
		if r.Mod.Path == "go.etcd.io/bbolt" {
			if r.Mod.Version != "v1.5.0" {
				t.Fatalf("bbolt is %s: read its Bucket.Put and Tx again for sharedTx's lanes, then update this version", r.Mod.Version)
			}
			return
		}
	}
	t.Fatal("bbolt is not required in go.mod")
}

// lanesWriter is a views file, closed at the test's end, and a writer
// with its transaction begun.
func lanesWriter(t *testing.T) (*bolt.DB, *acctWriter) {
	t.Helper()
	db, err := bolt.Open(filepath.Join(t.TempDir(), "views.db"), 0o600, nil)
	noErr(t, err)
	t.Cleanup(func() { db.Close() })
	noErr(t, db.Update(initFile))
	wr := &acctWriter{db: db}
	noErr(t, wr.begin())
	return db, wr
}

// TestSharedTxLanes: two lanes putting into their own buckets of one
// transaction at once, with commits between their batches of every size,
// leave each bucket with every entry (under the race detector: what the
// lanes share of bbolt's transaction is only read), and a lane's failure
// stops the other.
func TestSharedTxLanes(t *testing.T) {
	defer func(c int) { buildCommitBytes = c }(buildCommitBytes)
	const n = 20_000 // enough for many pages, splits and commits
	for _, commit := range []int{1, 4096, 300 << 10, 8 << 20} {
		t.Run(fmt.Sprintf("commit=%d", commit), func(t *testing.T) {
			buildCommitBytes = commit
			db, wr := lanesWriter(t)
			st := newSharedTx(wr, bktInvoices, bktStatus)
			entry := func(tag byte) func([]byte, int) ([]byte, int) {
				return func(arena []byte, i int) ([]byte, int) {
					arena = binary.BigEndian.AppendUint64(arena, uint64(i))
					k := len(arena)
					return append(arena, tag, byte(i), byte(i>>8)), k
				}
			}
			other := make(chan error, 1)
			go func() { other <- st.done(st.putAll(1, n, entry('s'))) }()
			noErr(t, st.done(st.putAll(0, n, entry('i'))))
			noErr(t, <-other)
			noErr(t, wr.commit())
			err := db.View(func(tx *bolt.Tx) error {
				for lane, name := range [][]byte{bktInvoices, bktStatus} {
					got := 0
					err := tx.Bucket(name).ForEach(func(k, v []byte) error {
						i := int(binary.BigEndian.Uint64(k))
						if i != got || !bytes.Equal(v, []byte{"is"[lane], byte(i), byte(i >> 8)}) {
							return fmt.Errorf("%s: entry %d is %x → %x", name, got, k, v)
						}
						got++
						return nil
					})
					if err != nil {
						return err
					}
					if got != n {
						return fmt.Errorf("%s: %d entries, want %d", name, got, n)
					}
				}
				return nil
			})
			noErr(t, err)
		})
	}
	t.Run("a lane fails", func(t *testing.T) {
		_, wr := lanesWriter(t)
		defer wr.rollback()
		st := newSharedTx(wr, bktInvoices)
		empty := func(arena []byte, _ int) ([]byte, int) { return arena, len(arena) } // no key: bbolt refuses it
		if err := st.done(st.putAll(0, 10, empty)); err == nil {
			t.Fatal("a key-less entry was put")
		}
		if err := st.putAll(0, 10, empty); !errors.Is(err, errLaneStopped) {
			t.Fatalf("the other lane after a failure: %v, want errLaneStopped", err)
		}
	})
}

func noErr(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

// TestRadixOrder: radixOrder is a stable sort by key, whatever the keys'
// width, and byIDOrder orders ids alike in the bits it sorts by by the
// rest, and finds one twice.
func TestRadixOrder(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 7))
	for _, bits := range []int{0, 1, 11, 12, 22, 64} {
		keys := make([]uint64, 3000)
		for i := range keys {
			if bits > 0 {
				keys[i] = rng.Uint64() >> (64 - bits)
			}
		}
		want := indices(len(keys))
		slices.SortStableFunc(want, func(a, b int32) int { return cmp.Compare(keys[a], keys[b]) })
		if got := radixOrder(keys, bits); !slices.Equal(got, want) {
			t.Fatalf("%d bits: not the stable order", bits)
		}
	}
	refs := make([]globalRef, 500)
	for i := range refs {
		// Ids alike in their first 33 bits, or in more.
		hi := uint64(rng.IntN(20)) << 31
		if i%3 == 0 {
			hi |= rng.Uint64() >> 33
		}
		refs[i].id = uuid.UUID(binary.BigEndian.AppendUint64(binary.BigEndian.AppendUint64(nil, hi), rng.Uint64()))
	}
	byID, err := byIDOrder(refs)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.IsSortedFunc(byID, func(a, b int32) int { return compareIDs(&refs[a].id, &refs[b].id) }) || len(byID) != len(refs) {
		t.Fatal("byIDOrder: not in id order")
	}
	refs = append(refs, refs[123])
	if _, err := byIDOrder(refs); !errors.Is(err, errCrossAccount) {
		t.Fatalf("an id twice: %v", err)
	}
}
