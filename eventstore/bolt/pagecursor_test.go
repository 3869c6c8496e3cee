package bolt

import (
	"bytes"
	"fmt"
	"math/rand/v2"
	"path/filepath"
	"testing"

	"github.com/google/uuid"
	"github.com/stretchr/testify/require"
	bbolt "go.etcd.io/bbolt"

	"github.com/fapiao/fapiao/eventstore"
)

// TestPageCursorIsCursor: a pageCursor (pages read with pread, branch
// pages kept) walks the stream index and the heads as bbolt's Cursor
// does: the same keys and values from the first to the last, and the same
// place for a seek to a key that is there, one between two keys, one
// before the first and one past the last; a second transaction after
// more commits too (the kept branch pages are the first one's).
func TestPageCursorIsCursor(t *testing.T) {
	s, err := Open(filepath.Join(t.TempDir(), "fapiao.db"), Options{NoSync: true})
	require.NoError(t, err)
	defer s.Close()
	rng := rand.New(rand.NewPCG(1, 2))
	for round := range 2 {
		for i := range 2500 { // enough for three levels of index pages
			n := 1 + rng.IntN(6)
			batch := make([]eventstore.EventData, n)
			for j := range batch {
				batch[j] = eventstore.EventData{ID: uuid.New(), Type: "T", Data: []byte(`{}`), Metadata: []byte(`{}`)}
			}
			_, err := s.Append(t.Context(), fmt.Sprintf("stream-%d-%d", i%1700, round), eventstore.Any, batch...)
			require.NoError(t, err)
		}
		err := s.db.View(func(tx *bbolt.Tx) error {
			lr, err := newLeafReader(s, tx, nil)
			require.NoError(t, err)
			for _, name := range [][]byte{bucketRevs, bucketHeads} {
				pc, ok := newIndexCursor(tx, lr, name).(*pageCursor)
				require.True(t, ok, "round %d: %s is an inline bucket", round, name)
				var keys [][]byte
				c := tx.Bucket(name).Cursor()
				k, v := c.First()
				gk, gv, err := pc.seek([]byte{0})
				depth := len(pc.path)
				for ; k != nil; k, v = c.Next() {
					require.NoError(t, err)
					require.True(t, bytes.Equal(k, gk) && bytes.Equal(v, gv), "round %d, %s: %q → %x, want %q → %x", round, name, gk, gv, k, v)
					keys = append(keys, bytes.Clone(k))
					gk, gv, err = pc.next()
				}
				require.NoError(t, err)
				require.Nil(t, gk, "round %d, %s: a key past the last", round, name)
				require.GreaterOrEqual(t, depth, 1, "round %d, %s: no branch page", round, name)
				if name[0] == 'r' {
					require.GreaterOrEqual(t, depth, 2, "round %d: the index has one level of branch pages", round)
				}
				for range 3000 {
					key := keys[rng.IntN(len(keys))]
					switch rng.IntN(4) {
					case 0:
						key = append(bytes.Clone(key), 0) // between two keys
					case 1:
						key = key[:rng.IntN(len(key)+1)] // a prefix, maybe empty
					case 2:
						key = []byte{0xff, 0xff}
					}
					wk, wv := c.Seek(key)
					gk, gv, err := pc.seek(key)
					require.NoError(t, err)
					require.True(t, bytes.Equal(wk, gk) && bytes.Equal(wv, gv) && (wk == nil) == (gk == nil), "round %d, %s: seek %q: %q, want %q", round, name, key, gk, wk)
					for range rng.IntN(3) {
						wk, wv = c.Next()
						gk, gv, err = pc.next()
						require.NoError(t, err)
						require.True(t, bytes.Equal(wk, gk) && bytes.Equal(wv, gv) && (wk == nil) == (gk == nil), "round %d, %s: next after seek %q: %q, want %q", round, name, key, gk, wk)
					}
				}
			}
			return nil
		})
		require.NoError(t, err)
	}
}

// TestPageCursorRefusesDamage: an index page whose elements point outside
// it, or whose flags are neither a branch's nor a leaf's, is ErrCorrupt,
// never a panic or a key from outside the page.
func TestPageCursorRefusesDamage(t *testing.T) {
	leaf := make([]byte, 4096)
	native.PutUint16(leaf[pageFlagsOffset:], leafPageFlag)
	native.PutUint16(leaf[pageCountOffset:], 2)
	e := pageHeaderSize
	native.PutUint32(leaf[e+4:], 32) // pos
	native.PutUint32(leaf[e+8:], 3)  // key size
	native.PutUint32(leaf[e+12:], 5) // value size
	_, _, err := leafElem(leaf, 2, 0)
	require.NoError(t, err)
	native.PutUint32(leaf[e+12:], 1<<31) // a value past the page
	_, _, err = leafElem(leaf, 2, 0)
	require.ErrorIs(t, err, eventstore.ErrCorrupt)
	native.PutUint32(leaf[e+12:], 0xffffffff-2) // a size that wraps a 32-bit sum
	_, _, err = leafElem(leaf, 2, 0)
	require.ErrorIs(t, err, eventstore.ErrCorrupt)
	_, _, err = leafElem(leaf, 2, 2) // past the count
	require.ErrorIs(t, err, eventstore.ErrCorrupt)

	branch := make([]byte, 4096)
	native.PutUint16(branch[pageFlagsOffset:], branchPageFlag)
	native.PutUint16(branch[pageCountOffset:], 2)
	for i, k := range []string{"b", "a"} { // out of order
		e := pageHeaderSize + i*branchElemSize
		native.PutUint32(branch[e:], uint32(100-e+i))
		native.PutUint32(branch[e+4:], 1)
		branch[100+i] = k[0]
	}
	_, err = parseKeyBranch(9, branch)
	require.ErrorIs(t, err, eventstore.ErrCorrupt)
	native.PutUint32(branch[pageHeaderSize+4:], 1<<20) // a key past the page
	_, err = parseKeyBranch(9, branch)
	require.ErrorIs(t, err, eventstore.ErrCorrupt)
}
