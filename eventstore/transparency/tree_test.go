package transparency_test

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/stretchr/testify/require"
	"golang.org/x/mod/sumdb/tlog"

	"github.com/fapiao/fapiao/eventstore"
	"github.com/fapiao/fapiao/eventstore/memstore"
	"github.com/fapiao/fapiao/eventstore/transparency"
)

// fixedLog appends n events with fixed content over three streams, each
// sealed into its stream's hash chain, so the log (and its tree) is the
// same on every run.
func fixedLog(t *testing.T, n int) *memstore.Store {
	t.Helper()
	s := memstore.New()
	t.Cleanup(func() { s.Close() })
	appendFixed(t, s, 0, n)
	return s
}

// appendFixed appends the fixed log's events from..to-1 to s.
func appendFixed(t *testing.T, s eventstore.Store, from, to int) {
	t.Helper()
	ctx := context.Background()
	prev := map[string]string{}
	next := map[string]uint64{}
	for i := range to {
		stream := fmt.Sprintf("account-acc-%d", i%3)
		data := json.RawMessage(fmt.Sprintf(`{"n":%d}`, i))
		meta := eventstore.Metadata{
			OccurredAt:    time.Date(2026, 10, 1, 9, 0, i, 0, time.FixedZone("CST", 8*3600)),
			Actor:         eventstore.Actor{Role: "billing", ID: "test"},
			SchemaVersion: eventstore.SchemaVersion,
		}
		raw, hash, err := eventstore.SealHash(meta, prev[stream], stream, next[stream], "TestEvent", data)
		require.NoError(t, err)
		if i >= from {
			id := uuid.NewSHA1(uuid.NameSpaceOID, fmt.Appendf(nil, "event %d", i))
			_, err = s.Append(ctx, stream, eventstore.Any, eventstore.EventData{ID: id, Type: "TestEvent", Data: data, Metadata: raw})
			require.NoError(t, err)
		}
		prev[stream], next[stream] = hash, next[stream]+1
	}
}

// mth is RFC 6962's Merkle tree hash written out from the RFC, the test's
// oracle for what tlog computes.
func mth(leaves [][]byte) [32]byte {
	if len(leaves) == 0 {
		return sha256.Sum256(nil)
	}
	if len(leaves) == 1 {
		return sha256.Sum256(append([]byte{0}, leaves[0]...))
	}
	k := 1
	for k*2 < len(leaves) {
		k *= 2
	}
	l, r := mth(leaves[:k]), mth(leaves[k:])
	return sha256.Sum256(append(append([]byte{1}, l[:]...), r[:]...))
}

func eventHashes(t *testing.T, s eventstore.Store) [][]byte {
	t.Helper()
	var out [][]byte
	for r, err := range s.ReadAll(context.Background(), eventstore.Start) {
		require.NoError(t, err)
		h, err := transparency.RecordHash(r)
		require.NoError(t, err)
		b, err := hex.DecodeString(h)
		require.NoError(t, err)
		out = append(out, b)
	}
	return out
}

// TestTreeMatchesRFC6962 checks every prefix's root against the RFC's
// definition over the events' hashes.
func TestTreeMatchesRFC6962(t *testing.T) {
	s := fixedLog(t, 37)
	tree := transparency.New()
	require.NoError(t, transparency.Build(context.Background(), s, tree, 0))
	leaves := eventHashes(t, s)
	require.Equal(t, int64(len(leaves)), tree.Size())
	for n := 0; n <= len(leaves); n++ {
		root, err := tree.Root(int64(n))
		require.NoError(t, err)
		require.Equal(t, tlog.Hash(mth(leaves[:n])), root, "size %d", n)
	}
}

// TestIncrementalEqualsScratch builds a file tree in steps, closing and
// reopening it between them, and compares it with one built in one go.
func TestIncrementalEqualsScratch(t *testing.T) {
	ctx := context.Background()
	s := fixedLog(t, 300)
	scratch := transparency.New()
	require.NoError(t, transparency.Build(ctx, s, scratch, 0))

	path := filepath.Join(t.TempDir(), "tree")
	for _, upto := range []int64{1, 2, 7, 64, 65, 200, 300} {
		tree, err := transparency.Open(path)
		require.NoError(t, err)
		require.NoError(t, transparency.Build(ctx, s, tree, upto))
		require.Equal(t, upto, tree.Size())
		require.NoError(t, tree.Close())
	}
	tree, err := transparency.OpenReadOnly(path)
	require.NoError(t, err)
	defer tree.Close()
	require.Equal(t, scratch.Size(), tree.Size())
	for n := int64(1); n <= scratch.Size(); n++ {
		want, err := scratch.Root(n)
		require.NoError(t, err)
		got, err := tree.Root(n)
		require.NoError(t, err)
		require.Equal(t, want, got, "size %d", n)
	}
	info, err := os.Stat(path)
	require.NoError(t, err)
	require.Equal(t, tlog.StoredHashCount(300)*tlog.HashSize, info.Size(), "the file holds exactly tlog's stored hashes")
}

// TestRecoveryAfterTruncation cuts the side files at many sizes, as a crash
// mid-write could: reopening keeps the longest consistent tree (its roots
// right) and Build brings it back to the log.
func TestRecoveryAfterTruncation(t *testing.T) {
	ctx := context.Background()
	s := fixedLog(t, 50)
	scratch := transparency.New()
	require.NoError(t, transparency.Build(ctx, s, scratch, 0))
	wantRoot, err := scratch.Root(50)
	require.NoError(t, err)
	full := filepath.Join(t.TempDir(), "full")
	tree, err := transparency.Open(full)
	require.NoError(t, err)
	require.NoError(t, transparency.Build(ctx, s, tree, 0))
	require.NoError(t, tree.Close())
	hashes, err := os.ReadFile(full)
	require.NoError(t, err)
	positions, err := os.ReadFile(transparency.PositionsPath(full))
	require.NoError(t, err)

	cases := []struct {
		name         string
		hashes, pos  int // bytes kept
		wantLeavesLE int64
	}{
		{"empty files", 0, 0, 0},
		{"torn last hash", len(hashes) - 5, len(positions), 49},
		{"positions behind", len(hashes), len(positions) - 8*10, 40},
		{"torn position", len(hashes), len(positions) - 3, 49},
		{"hashes far behind", 32 * 20, len(positions), 11},
		{"both halved", len(hashes) / 2, len(positions) / 2, 25},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "tree")
			require.NoError(t, os.WriteFile(path, hashes[:c.hashes], 0o644))
			require.NoError(t, os.WriteFile(transparency.PositionsPath(path), positions[:c.pos], 0o644))
			tree, err := transparency.Open(path)
			require.NoError(t, err)
			defer tree.Close()
			n := tree.Size()
			require.LessOrEqual(t, n, c.wantLeavesLE)
			require.LessOrEqual(t, tlog.StoredHashCount(n)*tlog.HashSize, int64(c.hashes))
			require.LessOrEqual(t, n*8, int64(c.pos))
			if n > 0 {
				got, err := tree.Root(n)
				require.NoError(t, err)
				want, err := scratch.Root(n)
				require.NoError(t, err)
				require.Equal(t, want, got)
			}
			rebuilt, err := transparency.Reconcile(ctx, s, tree)
			require.NoError(t, err)
			require.False(t, rebuilt, "a prefix of the log is kept")
			require.NoError(t, transparency.Build(ctx, s, tree, 0))
			got, err := tree.Root(50)
			require.NoError(t, err)
			require.Equal(t, wantRoot, got)
		})
	}
}

// TestReconcileRebuildsAForeignTree: a tree whose last leaf is not the
// log's (the store was replaced) is cut and rebuilt to the log's tree.
func TestReconcileRebuildsAForeignTree(t *testing.T) {
	ctx := context.Background()
	s := fixedLog(t, 10)
	tree := transparency.New()
	require.NoError(t, transparency.Build(ctx, s, tree, 9))
	require.NoError(t, tree.Append(10, hex.EncodeToString(make([]byte, 32))))
	rebuilt, err := transparency.Reconcile(ctx, s, tree)
	require.NoError(t, err)
	require.True(t, rebuilt)
	require.Zero(t, tree.Size())
	require.NoError(t, transparency.Build(ctx, s, tree, 0))
	got, err := tree.Root(10)
	require.NoError(t, err)
	require.Equal(t, tlog.Hash(mth(eventHashes(t, s))), got)
}

// TestIndexSparsePositions: EventStoreDB's positions are byte offsets;
// leaves are still numbered 0, 1, 2, … and found by position.
func TestIndexSparsePositions(t *testing.T) {
	tree := transparency.New()
	positions := []uint64{100, 250, 251, 900, 4000}
	for i, p := range positions {
		require.NoError(t, tree.Append(p, fmt.Sprintf("%064x", i+1)))
	}
	for i, p := range positions {
		idx, ok, err := tree.Index(p)
		require.NoError(t, err)
		require.True(t, ok)
		require.Equal(t, int64(i), idx)
	}
	for _, p := range []uint64{0, 1, 3, 101, 5000} {
		_, ok, err := tree.Index(p)
		require.NoError(t, err)
		require.False(t, ok, "position %d", p)
	}
	require.ErrorIs(t, tree.Append(4000, fmt.Sprintf("%064x", 9)), transparency.ErrOutOfOrder)
	require.Error(t, tree.Append(5000, "not-hex"))
	require.Equal(t, int64(5), tree.Size())
}

// TestProofsCheck proves every leaf in every tree size and every pair of
// sizes, and checks each proof as an offline client would; a proof for
// the wrong leaf or root fails.
func TestProofsCheck(t *testing.T) {
	s := fixedLog(t, 20)
	tree := transparency.New()
	require.NoError(t, transparency.Build(context.Background(), s, tree, 0))
	leaves := eventHashes(t, s)
	cps := make([]transparency.Checkpoint, 21)
	for n := int64(1); n <= 20; n++ {
		root, err := tree.Root(n)
		require.NoError(t, err)
		cps[n] = transparency.Checkpoint{Origin: "test", Tree: tlog.Tree{N: n, Hash: root}}
	}
	for n := int64(1); n <= 20; n++ {
		for i := range n {
			hashes, err := tree.ProveInclusion(i, n)
			require.NoError(t, err)
			eh := hex.EncodeToString(leaves[i])
			lh, err := transparency.LeafHash(eh)
			require.NoError(t, err)
			p := transparency.InclusionProof{Position: uint64(i + 1), Index: i, Size: n, EventHash: eh, LeafHash: lh, Hashes: hashes}
			require.NoError(t, transparency.CheckInclusion(p, cps[n]), "leaf %d of %d", i, n)
			wrong := p
			wrong.EventHash = hex.EncodeToString(leaves[(i+1)%20])
			wrong.LeafHash, _ = transparency.LeafHash(wrong.EventHash)
			require.Error(t, transparency.CheckInclusion(wrong, cps[n]))
		}
		for m := int64(1); m <= n; m++ {
			hashes, err := tree.ProveConsistency(m, n)
			require.NoError(t, err)
			p := transparency.ConsistencyProof{From: m, To: n, Hashes: hashes}
			require.NoError(t, transparency.CheckConsistency(p, cps[m], cps[n]))
			if m < n && m > 1 {
				forged := cps[m]
				forged.Hash = cps[m-1].Hash
				require.Error(t, transparency.CheckConsistency(p, forged, cps[n]))
			}
		}
	}
	_, err := tree.ProveInclusion(20, 20)
	require.Error(t, err)
	_, err = tree.ProveConsistency(0, 5)
	require.Error(t, err)
	_, err = tree.ProveConsistency(5, 21)
	require.Error(t, err)
}

// TestRecordHashAsJSON: the fast read of an envelope's trailing hash gives
// what decoding the metadata gives, or defers to decoding.
func TestRecordHashAsJSON(t *testing.T) {
	h := strings.Repeat("ab", 32)
	cases := []string{
		`{"hash":"` + h + `"}`,
		`{"a":1,"hash":"` + h + `"}`,
		`{"a":1, "hash":"` + h + `"}` + "\n",
		`{"hash":"` + strings.Repeat("0", 64) + `","a":{"hash":"` + h + `"}}`,
		`{"hash":"x","hash":"` + h + `"}`,
		`{"a":"b\",\"hash\":\"` + h + `"}`,
		`{"a":1,"hash":"` + strings.ToUpper(h) + `"}`,
		`{"a":1,"hash":"` + h[:62] + `"}`,
		`{"a":{"b":2},"hash":"` + h + `"}`,
	}
	for _, c := range cases {
		var m struct {
			Hash string `json:"hash"`
		}
		require.NoError(t, json.Unmarshal([]byte(c), &m), c)
		got, err := transparency.RecordHash(eventstore.Record{Metadata: json.RawMessage(c)})
		require.NoError(t, err, c)
		require.Equal(t, m.Hash, got, c)
	}
	_, err := transparency.RecordHash(eventstore.Record{Metadata: json.RawMessage(`not json`)})
	require.Error(t, err)
}

// TestLargeTreeAcrossChunks: past the 1 MiB chunks the in-memory tail is
// kept in, a memory tree, a file tree (flushed mid-way, reopened) and the
// RFC's definition agree, also after truncating across chunk boundaries.
func TestLargeTreeAcrossChunks(t *testing.T) {
	const n = 40_000 // 80k stored hashes: three chunks of 32768
	leaf := func(i int) string {
		h := sha256.Sum256(fmt.Appendf(nil, "leaf %d", i))
		return hex.EncodeToString(h[:])
	}
	mem := transparency.New()
	path := filepath.Join(t.TempDir(), "tree")
	file, err := transparency.Open(path)
	require.NoError(t, err)
	for i := range n {
		require.NoError(t, mem.Append(uint64(i+1), leaf(i)))
		require.NoError(t, file.Append(uint64(i+1), leaf(i)))
	}
	require.NoError(t, file.Close())
	file, err = transparency.Open(path)
	require.NoError(t, err)
	defer file.Close()
	require.Equal(t, int64(n), file.Size())
	for _, size := range []int64{1, 16384, 16385, 32768, 32769, n} {
		a, err := mem.Root(size)
		require.NoError(t, err)
		b, err := file.Root(size)
		require.NoError(t, err)
		require.Equal(t, a, b, "size %d", size)
	}
	var leaves [][]byte
	for i := range n {
		b, _ := hex.DecodeString(leaf(i))
		leaves = append(leaves, b)
	}
	root, err := mem.Root(n)
	require.NoError(t, err)
	require.Equal(t, tlog.Hash(mth(leaves)), root)

	for _, keep := range []int64{32769, 32768, 20000, 16384, 1} {
		require.NoError(t, mem.Truncate(keep))
		for i := keep; i < keep+3; i++ {
			require.NoError(t, mem.Append(uint64(i+1), leaf(int(i))))
		}
		got, err := mem.Root(keep + 3)
		require.NoError(t, err)
		require.Equal(t, tlog.Hash(mth(leaves[:keep+3])), got, "truncated to %d", keep)
	}
}

// TestClosedTreeErrs: a closed file tree answers errors, never a panic
// (a late request after serve's shutdown).
func TestClosedTreeErrs(t *testing.T) {
	s := fixedLog(t, 5)
	tree, err := transparency.Open(filepath.Join(t.TempDir(), "tree"))
	require.NoError(t, err)
	require.NoError(t, transparency.Build(context.Background(), s, tree, 0))
	require.NoError(t, tree.Close())
	_, err = tree.Root(5)
	require.ErrorIs(t, err, os.ErrClosed)
	_, err = tree.ProveInclusion(1, 5)
	require.Error(t, err)
	_, _, err = tree.Index(3)
	require.Error(t, err)
}
