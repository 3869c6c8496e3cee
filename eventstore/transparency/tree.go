// Package transparency keeps the global log as an RFC 6962 Merkle tree and
// signs checkpoints of it (DESIGN.md, "Transparency").
//
// The leaves are the events in global log order: leaf i is the (i+1)-th
// event of the log (on bolt, the event at position i+1; on EventStoreDB,
// whose positions are byte offsets, the (i+1)-th event all the same), and
// its data is the 32 raw bytes of the event's chain hash (the hex "hash"
// of its metadata, decoded). The leaf hash is tlog.RecordHash of those
// bytes, SHA-256(0x00 ‖ hash), and interior nodes are tlog.NodeHash: the
// tree, its proofs and their checks are golang.org/x/mod/sumdb/tlog's, the
// Go checksum database's own code. A log copied between stores (fapiao
// migrate) keeps order and hashes, so it keeps its tree and checkpoints.
//
// Tree keeps tlog's stored hashes (tlog.StoredHashIndex order) in an
// append-only side file of 32-byte hashes, and each leaf's log position in
// a second file of 8-byte big-endian positions, so a proof reads O(log n)
// hashes instead of replaying the log.
package transparency

import (
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"sync"

	"golang.org/x/mod/sumdb/tlog"
)

var (
	// ErrOutOfOrder: a leaf's position is not after the tree's last one
	// (a resubscription delivering an event again).
	ErrOutOfOrder = errors.New("transparency: position not after the tree's last")
	// ErrReadOnly: the tree was opened read-only.
	ErrReadOnly   = errors.New("transparency: tree opened read-only")
	errOutOfRange = errors.New("out of range")
)

// Tree is the Merkle tree of the log, safe for concurrent use: one writer
// (Append) and any number of provers.
type Tree struct {
	mu        sync.RWMutex
	n         int64
	hashes    column // tlog stored hashes
	positions column // the log position of each leaf
	readOnly  bool
}

// New returns an empty tree kept in memory.
func New() *Tree {
	return &Tree{hashes: column{size: tlog.HashSize}, positions: column{size: 8}}
}

// PositionsPath is the file beside path that holds the leaves' positions.
func PositionsPath(path string) string { return path + ".pos" }

// Open opens (creating it if needed) the tree kept at path and
// PositionsPath(path). A torn or partial tail, as a crash can leave, is cut
// back to the longest consistent tree; the caller then checks the last
// leaf against the log (Follow does) and catches up from there.
func Open(path string) (*Tree, error) {
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return nil, fmt.Errorf("transparency: %w", err)
	}
	return open(path, os.O_RDWR|os.O_CREATE)
}

// OpenReadOnly opens an existing tree without changing it (fapiao verify).
func OpenReadOnly(path string) (*Tree, error) {
	return open(path, os.O_RDONLY)
}

func open(path string, flag int) (*Tree, error) {
	hf, err := os.OpenFile(path, flag, 0o644)
	if err != nil {
		return nil, fmt.Errorf("transparency: open tree: %w", err)
	}
	pf, err := os.OpenFile(PositionsPath(path), flag, 0o644)
	if err != nil {
		hf.Close()
		return nil, fmt.Errorf("transparency: open tree positions: %w", err)
	}
	t := &Tree{hashes: column{f: hf, size: tlog.HashSize}, positions: column{f: pf, size: 8}, readOnly: flag == os.O_RDONLY}
	if err := t.recover(); err != nil {
		t.Close()
		return nil, err
	}
	return t, nil
}

// recover sets n to the largest tree both files hold completely and, when
// writable, truncates whatever lies beyond it.
func (t *Tree) recover() error {
	hs, err := t.hashes.f.Stat()
	if err != nil {
		return fmt.Errorf("transparency: %w", err)
	}
	ps, err := t.positions.f.Stat()
	if err != nil {
		return fmt.Errorf("transparency: %w", err)
	}
	nHashes, n := hs.Size()/tlog.HashSize, ps.Size()/8
	for n > 0 && tlog.StoredHashCount(n) > nHashes {
		n--
	}
	t.n = n
	t.hashes.flushed, t.positions.flushed = tlog.StoredHashCount(n), n
	if t.readOnly {
		return nil
	}
	if hs.Size() != tlog.StoredHashCount(n)*tlog.HashSize {
		if err := t.hashes.f.Truncate(tlog.StoredHashCount(n) * tlog.HashSize); err != nil {
			return fmt.Errorf("transparency: %w", err)
		}
	}
	if ps.Size() != n*8 {
		if err := t.positions.f.Truncate(n * 8); err != nil {
			return fmt.Errorf("transparency: %w", err)
		}
	}
	return nil
}

// Close syncs a writable tree to disk and closes its files.
func (t *Tree) Close() error {
	t.mu.Lock()
	defer t.mu.Unlock()
	var errs []error
	if !t.readOnly {
		errs = append(errs, t.hashes.sync(), t.positions.sync())
	}
	for _, f := range []*os.File{t.hashes.f, t.positions.f} {
		if f != nil {
			errs = append(errs, f.Close())
		}
	}
	t.hashes.f, t.positions.f = nil, nil
	return errors.Join(errs...)
}

// LeafData is a leaf's data: the 32 bytes of an event's hex chain hash.
func LeafData(eventHash string) ([]byte, error) {
	b, err := hex.DecodeString(eventHash)
	if err != nil || len(b) != tlog.HashSize {
		return nil, fmt.Errorf("transparency: event hash %q is not 64 hex digits", eventHash)
	}
	return b, nil
}

// LeafHash is the tree's hash of a leaf: tlog.RecordHash(LeafData).
func LeafHash(eventHash string) (tlog.Hash, error) {
	b, err := LeafData(eventHash)
	if err != nil {
		return tlog.Hash{}, err
	}
	return tlog.RecordHash(b), nil
}

// Size is the number of leaves.
func (t *Tree) Size() int64 {
	t.mu.RLock()
	defer t.mu.RUnlock()
	return t.n
}

// LastPosition is the log position of the last leaf, 0 for an empty tree.
func (t *Tree) LastPosition() (uint64, error) {
	t.mu.RLock()
	defer t.mu.RUnlock()
	if t.n == 0 {
		return 0, nil
	}
	return t.position(t.n - 1)
}

// Append adds the event at position pos with chain hash eventHash as the
// next leaf.
func (t *Tree) Append(pos uint64, eventHash string) error {
	leaf, err := LeafHash(eventHash)
	if err != nil {
		return err
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.readOnly {
		return ErrReadOnly
	}
	if t.n > 0 {
		last, err := t.position(t.n - 1)
		if err != nil {
			return err
		}
		if pos <= last {
			return fmt.Errorf("%w: %d after %d", ErrOutOfOrder, pos, last)
		}
	}
	hashes, err := tlog.StoredHashesForRecordHash(t.n, leaf, t.reader())
	if err != nil {
		return fmt.Errorf("transparency: leaf %d: %w", t.n, err)
	}
	for _, h := range hashes {
		if err := t.hashes.append(h[:]); err != nil {
			return err
		}
	}
	var p [8]byte
	binary.BigEndian.PutUint64(p[:], pos)
	if err := t.positions.append(p[:]); err != nil {
		return err
	}
	t.n++
	return nil
}

// Sync writes the tree to its files and fsyncs them; a memory tree has
// nothing to do.
func (t *Tree) Sync() error {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.readOnly {
		return nil
	}
	// Hashes first: a crash between the two leaves positions short, and
	// recover cuts the tree to the shorter of the two.
	if err := t.hashes.sync(); err != nil {
		return err
	}
	return t.positions.sync()
}

// Truncate keeps the first n leaves (a tree found ahead of, or different
// from, the log is cut back and rebuilt).
func (t *Tree) Truncate(n int64) error {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.readOnly {
		return ErrReadOnly
	}
	if n >= t.n {
		return nil
	}
	if err := t.positions.truncate(n); err != nil {
		return err
	}
	if err := t.hashes.truncate(tlog.StoredHashCount(n)); err != nil {
		return err
	}
	t.n = n
	return nil
}

// reader reads stored hashes; the caller holds t.mu.
func (t *Tree) reader() tlog.HashReader {
	return tlog.HashReaderFunc(func(indexes []int64) ([]tlog.Hash, error) {
		out := make([]tlog.Hash, len(indexes))
		for i, x := range indexes {
			if err := t.hashes.read(x, out[i][:]); err != nil {
				return nil, err
			}
		}
		return out, nil
	})
}

// position reads leaf i's position; the caller holds t.mu.
func (t *Tree) position(i int64) (uint64, error) {
	var p [8]byte
	if err := t.positions.read(i, p[:]); err != nil {
		return 0, err
	}
	return binary.BigEndian.Uint64(p[:]), nil
}

// Position is the log position of leaf i.
func (t *Tree) Position(i int64) (uint64, error) {
	t.mu.RLock()
	defer t.mu.RUnlock()
	return t.position(i)
}

// Leaf is leaf i's hash.
func (t *Tree) Leaf(i int64) (tlog.Hash, error) {
	t.mu.RLock()
	defer t.mu.RUnlock()
	if i < 0 || i >= t.n {
		return tlog.Hash{}, fmt.Errorf("transparency: leaf %d of %d: %w", i, t.n, errOutOfRange)
	}
	var h tlog.Hash
	err := t.hashes.read(tlog.StoredHashIndex(0, i), h[:])
	return h, err
}

// Index finds the leaf of the event at position pos; ok is false when no
// leaf has that position.
func (t *Tree) Index(pos uint64) (index int64, ok bool, err error) {
	t.mu.RLock()
	defer t.mu.RUnlock()
	// Dense positions (bolt, memstore): leaf pos-1, one read.
	if pos >= 1 && int64(pos) <= t.n {
		p, err := t.position(int64(pos) - 1)
		if err != nil {
			return 0, false, err
		}
		if p == pos {
			return int64(pos) - 1, true, nil
		}
	}
	var readErr error
	i := sort.Search(int(t.n), func(i int) bool {
		p, err := t.position(int64(i))
		if err != nil {
			readErr = err
			return true
		}
		return p >= pos
	})
	if readErr != nil {
		return 0, false, readErr
	}
	if int64(i) == t.n {
		return 0, false, nil
	}
	p, err := t.position(int64(i))
	return int64(i), err == nil && p == pos, err
}

// Root is the root hash of the tree's first size leaves.
func (t *Tree) Root(size int64) (tlog.Hash, error) {
	t.mu.RLock()
	defer t.mu.RUnlock()
	if size < 0 || size > t.n {
		return tlog.Hash{}, fmt.Errorf("transparency: size %d beyond the tree's %d: %w", size, t.n, errOutOfRange)
	}
	return tlog.TreeHash(size, t.reader())
}

// ProveInclusion proves leaf index is in the tree of size leaves.
func (t *Tree) ProveInclusion(index, size int64) (tlog.RecordProof, error) {
	t.mu.RLock()
	defer t.mu.RUnlock()
	if size > t.n || index < 0 || index >= size {
		return nil, fmt.Errorf("transparency: leaf %d in a tree of %d (have %d): %w", index, size, t.n, errOutOfRange)
	}
	return tlog.ProveRecord(size, index, t.reader())
}

// ProveConsistency proves the tree of to leaves extends the tree of from.
func (t *Tree) ProveConsistency(from, to int64) (tlog.TreeProof, error) {
	t.mu.RLock()
	defer t.mu.RUnlock()
	if to > t.n || from < 1 || from > to {
		return nil, fmt.Errorf("transparency: tree %d from %d (have %d): %w", to, from, t.n, errOutOfRange)
	}
	return tlog.ProveTree(to, from, t.reader())
}
