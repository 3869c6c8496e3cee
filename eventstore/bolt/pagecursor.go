package bolt

import (
	"bytes"
	"sort"

	bbolt "go.etcd.io/bbolt"
)

// The per-stream build reads a stream's index entries (revs) and its head
// (heads) for every stream of the log. Through bbolt's map, each of those
// pages faulted in with its neighbours (a whole large folio when the file
// sits in the page cache), so the mapped pages had to be released every
// few streams; the faults and the releases were ≈ 6 % of a rebuild's CPU.
// pageCursor reads those buckets' pages with pread instead, as leafReader
// reads the log's leaves: its branch pages kept parsed for the
// transaction (keyBranches), its leaves in the reader's arena. Every
// offset read from a page is checked against the page; a page that does
// not parse is ErrCorrupt. TestPageCursorIsCursor compares it with bbolt's
// Cursor on every key of both buckets.

// indexCursor walks a bucket's keys in order: bbolt's Cursor (an inline
// bucket, which has no pages of its own) or a pageCursor. k is nil past
// the last key; the bytes are valid until the reader's arena is reused.
type indexCursor interface {
	seek(key []byte) (k, v []byte, err error)
	next() (k, v []byte, err error)
}

// newIndexCursor is a cursor over bucket name of tx, reading its pages
// with lr.
func newIndexCursor(tx *bbolt.Tx, lr *leafReader, name []byte) indexCursor {
	b := tx.Bucket(name)
	if b.Root() == 0 {
		return mapCursor{b.Cursor()}
	}
	return &pageCursor{lr: lr, root: uint64(b.Root()), cache: lr.keyBranches}
}

// mapCursor is bbolt's Cursor as an indexCursor.
type mapCursor struct{ c *bbolt.Cursor }

func (m mapCursor) seek(key []byte) ([]byte, []byte, error) {
	k, v := m.c.Seek(key)
	return k, v, nil
}

func (m mapCursor) next() ([]byte, []byte, error) {
	k, v := m.c.Next()
	return k, v, nil
}

// keyBranch is a branch page of a bucket whose keys are bytes, parsed:
// a copy of the page, and each element's key (into it) and child.
type keyBranch struct {
	id   uint64
	keys [][]byte
	kids []uint64
	size int
}

func (n *keyBranch) nodeID() uint64 { return n.id }
func (n *keyBranch) nodeSize() int  { return n.size }

// parseKeyBranch parses branch page id; a page whose elements lie outside
// it or whose keys are not in order is ErrCorrupt.
func parseKeyBranch(id uint64, p []byte) (*keyBranch, error) {
	count := int(native.Uint16(p[pageCountOffset:]))
	if count == 0 || pageHeaderSize+count*branchElemSize > len(p) {
		return nil, corruptf("bolt: index page %d: a branch page of %d elements", id, count)
	}
	p = bytes.Clone(p) // the arena it was read into is reused
	n := &keyBranch{id: id, keys: make([][]byte, count), kids: make([]uint64, count), size: len(p) + 40*count + 64}
	for i := range count {
		e := pageHeaderSize + i*branchElemSize
		k, ok := pageBytes(p, e, native.Uint32(p[e:]), uint64(native.Uint32(p[e+4:])))
		if !ok || (i > 0 && bytes.Compare(k, n.keys[i-1]) <= 0) {
			return nil, corruptf("bolt: index page %d: branch element %d lies outside its page or is out of order", id, i)
		}
		n.keys[i], n.kids[i] = k, native.Uint64(p[e+8:])
	}
	return n, nil
}

// child is the index of the child whose keys hold key: the last element
// whose key is at most key, the first if none is (bbolt's
// Cursor.searchBranch).
func (n *keyBranch) child(key []byte) int {
	i := sort.Search(len(n.keys), func(i int) bool { return bytes.Compare(n.keys[i], key) > 0 })
	return max(i-1, 0)
}

// pageBytes is the n bytes at offset pos from element e of page p; false
// if they are not within the page.
func pageBytes(p []byte, e int, pos uint32, n uint64) ([]byte, bool) {
	at := uint64(e) + uint64(pos)
	if n > uint64(len(p)) || at+n > uint64(len(p)) {
		return nil, false
	}
	return p[at : at+n], true
}

// leafElem is element i of leaf page p (which has count elements): its key
// and value (nil for a nested bucket, as bbolt's Cursor gives it).
func leafElem(p []byte, count, i int) (k, v []byte, err error) {
	e := pageHeaderSize + i*leafElemSize
	if i >= count || e+leafElemSize > len(p) {
		return nil, nil, corruptf("bolt: index leaf element %d of %d lies outside its page", i, count)
	}
	flags, pos, ks, vs := native.Uint32(p[e:]), native.Uint32(p[e+4:]), native.Uint32(p[e+8:]), native.Uint32(p[e+12:])
	kv, ok := pageBytes(p, e, pos, uint64(ks)+uint64(vs))
	if !ok || ks == 0 {
		return nil, nil, corruptf("bolt: index leaf element %d lies outside its page", i)
	}
	k, v = kv[:ks:ks], kv[ks:]
	if flags&bucketLeafFlag != 0 {
		v = nil
	}
	return k, v, nil
}

// pageCursor is an indexCursor over a bucket's pages read with pread.
type pageCursor struct {
	lr    *leafReader
	root  uint64
	cache *branchCache[*keyBranch]
	// path is the branch pages from the root to the leaf, each with the
	// child taken.
	path  []cursorFrame
	leaf  []byte
	count int // the leaf's elements
	at    int // the element the cursor is on
}

type cursorFrame struct {
	n *keyBranch
	i int
}

// maxPageDepth bounds a walk down the pages; deeper is damage.
const maxPageDepth = 64

// seek moves to the first key at or after key.
func (c *pageCursor) seek(key []byte) ([]byte, []byte, error) {
	c.path = c.path[:0]
	if err := c.descend(c.root, key); err != nil {
		return nil, nil, err
	}
	var bad error
	c.at = sort.Search(c.count, func(i int) bool {
		k, _, err := leafElem(c.leaf, c.count, i)
		if err != nil {
			bad = err
			return true
		}
		return bytes.Compare(k, key) >= 0
	})
	if bad != nil {
		return nil, nil, bad
	}
	if c.at < c.count {
		return leafElem(c.leaf, c.count, c.at)
	}
	return c.nextLeaf()
}

// descend walks from page id down to a leaf, pushing each branch on the
// path, and makes that leaf the cursor's, at its first key: through the
// child that would hold key, or the first child when key is nil.
func (c *pageCursor) descend(id uint64, key []byte) error {
	for {
		if len(c.path) > maxPageDepth {
			return corruptf("bolt: the index's pages nest deeper than %d", maxPageDepth)
		}
		n, leaf, err := c.page(id)
		if err != nil {
			return err
		}
		if n == nil {
			c.leaf, c.count, c.at = leaf, int(native.Uint16(leaf[pageCountOffset:])), 0
			return nil
		}
		i := 0
		if key != nil {
			i = n.child(key)
		}
		c.path = append(c.path, cursorFrame{n, i})
		id = n.kids[i]
	}
}

// next moves to the next key.
func (c *pageCursor) next() ([]byte, []byte, error) {
	if c.leaf == nil {
		return nil, nil, nil
	}
	if c.at++; c.at < c.count {
		return leafElem(c.leaf, c.count, c.at)
	}
	return c.nextLeaf()
}

// nextLeaf moves to the first key of the next leaf that has one.
func (c *pageCursor) nextLeaf() ([]byte, []byte, error) {
	for len(c.path) > 0 {
		top := &c.path[len(c.path)-1]
		if top.i+1 >= len(top.n.kids) {
			c.path = c.path[:len(c.path)-1]
			continue
		}
		top.i++
		if err := c.descend(top.n.kids[top.i], nil); err != nil {
			return nil, nil, err
		}
		if c.count > 0 {
			return leafElem(c.leaf, c.count, 0)
		}
	}
	c.leaf = nil
	return nil, nil, nil
}

// page is page id: a branch (parsed, kept for the transaction) or a leaf
// (read into the reader's arena).
func (c *pageCursor) page(id uint64) (*keyBranch, []byte, error) {
	lr := c.lr
	if n := c.cache.get(lr.txid, id); n != nil {
		return n, nil, nil
	}
	p, err := lr.readPage(id)
	if err != nil {
		return nil, nil, err
	}
	switch flags := native.Uint16(p[pageFlagsOffset:]); {
	case flags&branchPageFlag != 0:
		n, err := parseKeyBranch(id, p)
		if err != nil {
			return nil, nil, err
		}
		c.cache.put(lr.txid, n)
		return n, nil, nil
	case flags&leafPageFlag != 0:
		if count := int(native.Uint16(p[pageCountOffset:])); pageHeaderSize+count*leafElemSize > len(p) {
			return nil, nil, corruptf("bolt: index page %d: a leaf page of %d elements", id, count)
		}
		return nil, p, nil
	default:
		return nil, nil, corruptf("bolt: index page %d is neither a branch nor a leaf (flags %#x)", id, flags)
	}
}
