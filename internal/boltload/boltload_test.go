package boltload

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"math/rand/v2"
	"path/filepath"
	"slices"
	"testing"

	"github.com/stretchr/testify/require"
	bolt "go.etcd.io/bbolt"
)

// entries is what a test puts: bucket name → keys and values in key order.
type entries map[string][][2][]byte

// randomEntries makes buckets of every shape a load meets: empty, one
// entry, many small entries (several levels of branches at small pages),
// values larger than a page (overflow runs), long keys.
func randomEntries(rng *rand.Rand, pageSize int) entries {
	e := entries{"empty": nil}
	for b := range 2 + rng.IntN(5) {
		name := fmt.Sprintf("bucket-%d", b)
		n := []int{3000, 1, 10, 300, 3000}[min(b, 1+rng.IntN(4))] // the first one large
		keys := map[string]bool{}
		for len(keys) < n {
			k := make([]byte, 1+rng.IntN(24))
			if rng.IntN(50) == 0 {
				k = make([]byte, pageSize/2+rng.IntN(pageSize)) // a key longer than half a page
			}
			for i := range k {
				k[i] = byte(rng.IntN(256))
			}
			keys[string(k)] = true
		}
		sorted := make([]string, 0, n)
		for k := range keys {
			sorted = append(sorted, k)
		}
		slices.Sort(sorted)
		for _, k := range sorted {
			v := make([]byte, rng.IntN(64))
			switch rng.IntN(20) {
			case 0:
				v = make([]byte, pageSize+rng.IntN(3*pageSize)) // an overflow run
			case 1:
				v = nil
			}
			for i := range v {
				v[i] = byte(rng.IntN(256))
			}
			e[name] = append(e[name], [2][]byte{[]byte(k), v})
		}
	}
	return e
}

func load(t *testing.T, path string, pageSize int, e entries) {
	t.Helper()
	w, err := Create(path, pageSize)
	require.NoError(t, err)
	for name, kvs := range e {
		b := w.Bucket(name)
		for _, kv := range kvs {
			require.NoError(t, b.Put(kv[0], kv[1]))
		}
	}
	require.NoError(t, w.Close())
}

// requireHolds checks db with bbolt's own check and reads every bucket
// back as e.
func requireHolds(t *testing.T, db *bolt.DB, e entries) {
	t.Helper()
	require.NoError(t, db.View(func(tx *bolt.Tx) error {
		for err := range tx.Check() {
			return err
		}
		var names []string
		require.NoError(t, tx.ForEach(func(name []byte, b *bolt.Bucket) error {
			names = append(names, string(name))
			var got [][2][]byte
			require.NoError(t, b.ForEach(func(k, v []byte) error {
				got = append(got, [2][]byte{bytes.Clone(k), bytes.Clone(v)})
				return nil
			}))
			want := e[string(name)]
			require.Len(t, got, len(want), "bucket %q", name)
			for i := range want {
				require.Equal(t, want[i][0], got[i][0], "bucket %q key %d", name, i)
				require.True(t, bytes.Equal(want[i][1], got[i][1]), "bucket %q value %d", name, i)
			}
			for _, kv := range want { // found by a descent too, not only by the walk
				require.True(t, bytes.Equal(kv[1], b.Get(kv[0])), "bucket %q: Get %x", name, kv[0])
			}
			return nil
		}))
		require.ElementsMatch(t, slices.Collect(mapsKeys(e)), names)
		return nil
	}))
}

func mapsKeys(e entries) func(func(string) bool) {
	return func(yield func(string) bool) {
		for k := range e {
			if !yield(k) {
				return
			}
		}
	}
}

// TestLoadIsBoltsOwn: bbolt opens a loaded file, its check passes, every
// entry reads back, and bbolt then changes it (puts, deletes, a bucket
// dropped and one created) and checks it again, at several page sizes.
func TestLoadIsBoltsOwn(t *testing.T) {
	for _, pageSize := range []int{1024, 4096, 16384} {
		for seed := range uint64(3) {
			t.Run(fmt.Sprintf("page=%d/seed=%d", pageSize, seed), func(t *testing.T) {
				rng := rand.New(rand.NewPCG(seed, uint64(pageSize)))
				e := randomEntries(rng, pageSize)
				path := filepath.Join(t.TempDir(), "views.db")
				load(t, path, pageSize, e)
				for _, noFreelistSync := range []bool{false, true} {
					db, err := bolt.Open(path, 0o600, &bolt.Options{NoFreelistSync: noFreelistSync})
					require.NoError(t, err)
					require.Equal(t, pageSize, db.Info().PageSize)
					requireHolds(t, db, e)
					require.NoError(t, db.View(func(tx *bolt.Tx) error {
						st := tx.Bucket([]byte("bucket-0")).Stats()
						require.Positive(t, st.LeafOverflowN, "no overflow run")
						if pageSize == 1024 {
							require.GreaterOrEqual(t, st.Depth, 3, "no branch over branches")
						}
						return nil
					}))
					require.NoError(t, db.Close())
				}

				db, err := bolt.Open(path, 0o600, nil)
				require.NoError(t, err)
				defer db.Close()
				require.NoError(t, db.Update(func(tx *bolt.Tx) error {
					for name, kvs := range e {
						b := tx.Bucket([]byte(name))
						kept := kvs[:0:0]
						for i, kv := range kvs {
							if i%3 == 0 {
								require.NoError(t, b.Delete(kv[0]))
								continue
							}
							kept = append(kept, kv)
						}
						for i := range 50 {
							k := binary.BigEndian.AppendUint64([]byte{0xff, 0xfe}, uint64(i))
							v := []byte(fmt.Sprint(i))
							require.NoError(t, b.Put(k, v))
							kept = append(kept, [2][]byte{k, v})
						}
						slices.SortFunc(kept, func(a, b [2][]byte) int { return bytes.Compare(a[0], b[0]) })
						e[name] = kept
					}
					require.NoError(t, tx.DeleteBucket([]byte("empty")))
					delete(e, "empty")
					b, err := tx.CreateBucket([]byte("new"))
					require.NoError(t, err)
					e["new"] = [][2][]byte{{[]byte("k"), []byte("v")}}
					return b.Put([]byte("k"), []byte("v"))
				}))
				requireHolds(t, db, e)
			})
		}
	}
}

// TestLoadRefusesKeysOutOfOrder: a key equal to or below the last one put,
// or empty, is refused, and the bucket stays refused.
func TestLoadRefusesKeysOutOfOrder(t *testing.T) {
	w, err := Create(filepath.Join(t.TempDir(), "views.db"), 4096)
	require.NoError(t, err)
	defer w.Abort()
	b := w.Bucket("b")
	require.NoError(t, b.Put([]byte("b"), nil))
	require.ErrorContains(t, b.Put([]byte("b"), nil), "keys must increase")
	require.ErrorContains(t, b.Put([]byte("a"), nil), "keys must increase")
	require.ErrorContains(t, w.Bucket("c").Put(nil, nil), "a key of 0 bytes")
	require.NoError(t, b.Put([]byte("c"), nil))
	require.Equal(t, 2, b.Len())
	_, err = Create(filepath.Join(t.TempDir(), "x.db"), 3000)
	require.ErrorContains(t, err, "power of two")
}
