package bolt

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"math/rand/v2"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/google/uuid"
	"github.com/stretchr/testify/require"
	bbolt "go.etcd.io/bbolt"

	"github.com/fapiao/fapiao/eventstore"
)

// TestLeafReaderIsGet: a lookup through leafReader (pages read with pread,
// branch pages kept) finds every key of the log as bbolt's Get does, with
// the same value, and no value where Get finds none; so does a second
// transaction after more commits (the kept branch pages are the first
// one's).
func TestLeafReaderIsGet(t *testing.T) {
	s, err := Open(filepath.Join(t.TempDir(), "fapiao.db"))
	require.NoError(t, err)
	defer s.Close()
	n := 0
	for round := range 2 {
		for i := range 30 {
			batch := make([]eventstore.EventData, 200)
			for j := range batch {
				data := fmt.Sprintf(`{"n":%d}`, n)
				if n%97 == 0 {
					data = fmt.Sprintf(`{"big":%q}`, strings.Repeat("y", 9000+n))
				}
				batch[j] = eventstore.EventData{ID: uuid.New(), Type: "T", Data: []byte(data), Metadata: []byte(`{}`)}
				n++
			}
			_, err := s.Append(t.Context(), fmt.Sprintf("s-%d", i%7), eventstore.Any, batch...)
			require.NoError(t, err)
		}
		err := s.db.View(func(tx *bbolt.Tx) error {
			lr, err := newLeafReader(s, tx, nil)
			require.NoError(t, err)
			require.NotZero(t, lr.root, "round %d: the log is one inline page", round)
			log := tx.Bucket(bucketLog)
			for pos := uint64(0); pos <= uint64(n)+3; pos++ {
				key := binary.BigEndian.AppendUint64(nil, pos)
				got, err := lr.get(key)
				require.NoError(t, err)
				want := log.Get(key)
				require.True(t, bytes.Equal(got, want) && (got == nil) == (want == nil), "round %d, position %d", round, pos)
			}
			// Out of order too: the kept leaf and branch path must not
			// answer for a key outside them.
			for _, p := range rand.Perm(n + 4) {
				key := binary.BigEndian.AppendUint64(nil, uint64(p))
				got, err := lr.get(key)
				require.NoError(t, err)
				want := log.Get(key)
				require.True(t, bytes.Equal(got, want) && (got == nil) == (want == nil), "round %d, position %d out of order", round, p)
			}
			// The log is three levels deep: the walks went through branch
			// pages hung from the root (branchElem.node).
			require.Greater(t, log.Stats().Depth, 2, "round %d", round)
			require.Positive(t, hungBelow(lr.rootNode), "round %d", round)

			// With no room in the cache, nothing is hung and every walk
			// reads the pages below the root again: the same answers.
			defer func(size int) { branchCacheSize = size }(branchCacheSize)
			branchCacheSize = 0
			s.leaf.branches = branchCache[*branchNode]{}
			lr, err = newLeafReader(s, tx, nil)
			require.NoError(t, err)
			for _, p := range rand.Perm(n + 4) {
				key := binary.BigEndian.AppendUint64(nil, uint64(p))
				got, err := lr.get(key)
				require.NoError(t, err)
				want := log.Get(key)
				require.True(t, bytes.Equal(got, want) && (got == nil) == (want == nil), "round %d, position %d, no cache", round, p)
			}
			require.Zero(t, hungBelow(lr.rootNode), "round %d", round)
			return nil
		})
		require.NoError(t, err)
	}
}

// hungBelow counts the parsed branch pages hung below n.
func hungBelow(n *branchNode) int {
	c := 0
	for i := range n.elems {
		if kid := n.elems[i].node.Load(); kid != nil {
			c += 1 + hungBelow(kid)
		}
	}
	return c
}

// TestBranchChildIsSearch: child's search from a guess finds the child a
// binary search finds (the last key at most want, else the first), on
// evenly and unevenly spaced keys, at the ends, between keys and on them,
// and with keys near the top of the range (the guess's product overflows
// 64 bits).
func TestBranchChildIsSearch(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 8))
	binary := func(keys []uint64, want uint64) int {
		i := sort.Search(len(keys), func(i int) bool { return keys[i] > want })
		return max(i-1, 0)
	}
	for round := range 3000 {
		n := &branchNode{}
		k := uint64(rng.IntN(1000))
		if round%5 == 0 {
			k = 1<<63 + uint64(rng.IntN(1000))
		}
		for i := range 1 + rng.IntN(300) {
			gap := uint64(1 + rng.IntN(10))
			switch round % 3 {
			case 1: // a few huge gaps
				if rng.IntN(20) == 0 {
					gap = uint64(rng.Int64N(1 << 40))
				}
			case 2: // geometric
				gap = 1 + k/uint64(50+rng.IntN(50))
				if k > 1<<62 {
					gap = uint64(1 + rng.IntN(1<<20))
				}
			}
			n.elems = append(n.elems, branchElem{key: k, kid: uint64(i)})
			k += gap
		}
		var keys []uint64
		for i := range n.elems {
			keys = append(keys, n.elems[i].key)
		}
		n.first, n.last = keys[0], keys[len(keys)-1]
		for range 50 {
			var want uint64
			switch rng.IntN(4) {
			case 0:
				want = keys[rng.IntN(len(keys))]
			case 1:
				want = keys[rng.IntN(len(keys))] + 1
			case 2:
				want = keys[0] - uint64(rng.IntN(2))
			default:
				want = keys[0] + rng.Uint64N(keys[len(keys)-1]-keys[0]+3)
			}
			if got, exp := n.child(want), n.elems[binary(keys, want)].kid; got != exp {
				t.Fatalf("round %d: keys %v, want %d: child %d, search %d", round, keys, want, got, exp)
			}
		}
	}
}

// TestLeafValueWithGaps: a leaf whose keys do not run without a gap (the
// log never has one; a damaged or foreign file may) is still searched
// right: leafValue's direct look at want minus the first key finds another
// key there and falls back to the binary search. Keys put straight into
// the log bucket with gaps of every size; every position in their range
// and past it is compared with bbolt's Get.
func TestLeafValueWithGaps(t *testing.T) {
	s, err := Open(filepath.Join(t.TempDir(), "fapiao.db"))
	require.NoError(t, err)
	defer s.Close()
	rng := rand.New(rand.NewPCG(11, 12))
	pos, last := uint64(1), uint64(0)
	require.NoError(t, s.db.Update(func(tx *bbolt.Tx) error {
		log := tx.Bucket(bucketLog)
		for range 3000 {
			value := bytes.Repeat([]byte{byte(pos)}, 20+rng.IntN(200))
			if err := log.Put(binary.BigEndian.AppendUint64(nil, pos), value); err != nil {
				return err
			}
			last = pos
			pos += uint64(1 + rng.IntN(3)*rng.IntN(3))
		}
		return nil
	}))
	require.NoError(t, s.db.View(func(tx *bbolt.Tx) error {
		lr, err := newLeafReader(s, tx, nil)
		require.NoError(t, err)
		require.NotZero(t, lr.root)
		log := tx.Bucket(bucketLog)
		for _, p := range rand.Perm(int(last) + 5) {
			key := binary.BigEndian.AppendUint64(nil, uint64(p))
			got, err := lr.get(key)
			require.NoError(t, err)
			want := log.Get(key)
			require.True(t, bytes.Equal(got, want) && (got == nil) == (want == nil), "position %d", p)
		}
		return nil
	}))
}
