package projections

import (
	"context"
	"path/filepath"
	"reflect"
	"testing"

	bolt "go.etcd.io/bbolt"
)

// tailLengths counts each account's tail entries in the file, and says
// how many its snapshot lets it hold.
func tailLengths(t testing.TB, p *Projections) (n, room map[string]int) {
	t.Helper()
	n, room = map[string]int{}, map[string]int{}
	err := p.db.View(func(tx *bolt.Tx) error {
		return tx.Bucket(bktAccounts).ForEach(func(k, v []byte) error {
			room[string(k)] = min(max(len(v)/tailBytesPerEvent, minTail), maxTail)
			c := tx.Bucket(bktTail).Cursor()
			prefix := accInvPrefix(string(k))
			for tk, _ := c.Seek(prefix); tk != nil && len(tk) == len(prefix)+8 && string(tk[:len(prefix)]) == string(prefix); tk, _ = c.Next() {
				n[string(k)]++
			}
			return nil
		})
	})
	if err != nil {
		t.Fatal(err)
	}
	return n, room
}

// TestTailReadsAsTheSnapshot applies a log one record at a time, as the
// live subscription does (each account's events go to its tail, a
// snapshot when the tail is full), and at checkpoints reads every account
// back from the file alone (cache dropped): the answers equal those of a
// private replay, which writes only snapshots. Tails stay within the room
// their snapshot gives them (tailRoom) and are dropped when a snapshot is
// written; an account whose snapshot passes minTail kilobytes gets a
// longer tail.
func TestTailReadsAsTheSnapshot(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name string
		w    *world
		long bool // an account's tail passes minTail
	}{
		{"small accounts", genLog(t, 5, 3, 14, 2, 0), false},
		{"a large account", genLog(t, 6, 1, 150, 2, 0), true},
	} {
		t.Run(tc.name, func(t *testing.T) { testTailReadsAsTheSnapshot(t, tc.w, tc.long) })
	}
}

func testTailReadsAsTheSnapshot(t *testing.T, w *world, long bool) {
	store := newFakeStore(w.records)
	p := openViews(t, filepath.Join(t.TempDir(), "views.db"), store, nil)
	defer p.Close()
	var sawTail, sawDrop bool
	longest := 0
	last := map[string]int{}
	for i, r := range w.records {
		if err := p.Apply(r); err != nil {
			t.Fatal(err)
		}
		tails, room := tailLengths(t, p)
		for acc, n := range tails {
			if n > room[acc] {
				t.Fatalf("after record %d account %s has a tail of %d, more than its %d", i, acc, n, room[acc])
			}
			sawTail = sawTail || n > 0
			longest = max(longest, n)
		}
		for acc, n := range last {
			sawDrop = sawDrop || tails[acc] < n
		}
		last = tails
		if i%23 != 0 && i != len(w.records)-1 {
			continue
		}
		p.cache.clear()
		want, err := Replay(context.Background(), store, AfterPosition(r.Position))
		if err != nil {
			t.Fatal(err)
		}
		if got, exp := snapshot(p), snapshot(want); !reflect.DeepEqual(got, exp) {
			t.Fatalf("after record %d (position %d) the views read from snapshots and tails differ from a replay", i, r.Position)
		}
		want.Close()
	}
	if !sawTail || !sawDrop {
		t.Errorf("the log exercised tails %v, snapshots over a tail %v; want both", sawTail, sawDrop)
	}
	if (longest > minTail) != long {
		t.Errorf("the longest tail held %d events (minTail %d); want it longer: %v", longest, minTail, long)
	}
	if got := p.CacheStats().Misses; got == 0 {
		t.Error("no account was read from the file")
	}
}
