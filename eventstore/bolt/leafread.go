package bolt

import (
	"encoding/binary"
	"fmt"
	"math/bits"
	"os"
	"sort"
	"sync"
	"sync/atomic"
	"unsafe"

	bbolt "go.etcd.io/bbolt"
)

// A stream's records lie across the whole log, a page or so apart, and a
// read through the map faults each one in with its neighbours (the
// kernel's fault-around maps up to 64 KiB a fault): at a million events a
// per-stream build spent ≈ 3 s in those faults and ≈ 2 s unmapping them
// again to keep the resident set bounded. leafReader instead finds a
// record's leaf page through the log bucket's branch pages and reads each
// page with pread into a buffer; the branch pages are kept parsed
// (branchCache),
// so that a record mostly costs one system call, and no page of the log
// is mapped (a branch page read through the map brought 64 KiB of leaves
// with it).
//
// The pages are bbolt's on-disk format (page header, branch and leaf
// elements, native byte order), read only inside a read transaction that
// can see them: bbolt writes only pages no open transaction can see.
// Every offset read from a page is checked against the page; a page that
// does not parse is ErrCorrupt. TestLeafReaderIsGet compares it with
// bbolt's own Get on every record of a store.

// maxLeafReadSize bounds a page with its overflow; more is damage.
const maxLeafReadSize = 64 << 20

// leafFile is the store's file opened for pread, shared by the readers
// (ReadAt is safe for concurrent use), opened on first use and closed
// with the store.
type leafFile struct {
	once        sync.Once
	f           *os.File
	err         error
	branches    branchCache[*branchNode]
	keyBranches branchCache[*keyBranch] // the index's and the heads' (pageCursor)
}

func (s *Store) preadFile() (*os.File, error) {
	s.leaf.once.Do(func() {
		s.leaf.f, s.leaf.err = os.Open(s.path)
	})
	return s.leaf.f, s.leaf.err
}

// leafReader looks up log records by position in one read transaction.
type leafReader struct {
	f           *os.File
	size        uint64 // the file's size as tx sees it
	pageSize    int
	root        uint64 // the log bucket's root page; 0: inline, use Get
	log         *bbolt.Bucket
	txid        int
	branches    *branchCache[*branchNode]
	keyBranches *branchCache[*keyBranch]
	// The last leaf read, kept: a stream's records often share one. A key
	// between its first and last keys is in it or nowhere (the leaves
	// split the keys in order), so such a key needs no walk down the
	// branch pages.
	leafID         uint64
	leaf           []byte
	leafLo, leafHi uint64
	// rootNode is the log's root branch page parsed, looked up in the
	// shared cache once a reader; the pages below it hang from it
	// (branchElem.node).
	rootNode *branchNode
	arena    []byte // the leaves' bytes lent with the chunk
}

// branchNode is a branch page parsed: its elements' keys (positions, in
// order) and child page ids. Parsed once when read, so that a lookup is a
// search over numbers, and every element is checked once. A key and its
// child lie side by side, and the first and last keys in the node itself:
// a lookup is cache misses more than arithmetic (child).
type branchNode struct {
	id          uint64
	first, last uint64 // elems' first and last keys
	elems       []branchElem
	size        int // what the cache counts it for: its slice and itself
}

// branchElem is a branch page's element: the first key of its child, the
// child's page id, and the child parsed once some reader read it as a
// branch page (nil until then, and for a leaf). The children hang from
// their parent, so a walk from the root reaches the page above a leaf
// with a load an element, without the shared cache's lock and map: those
// were ≈ 3 % of a rebuild's CPU, the bottom branch page missing a
// reader's own path at almost every record.
type branchElem struct {
	key, kid uint64
	node     atomic.Pointer[branchNode]
}

// parseBranch parses branch page id; a page whose elements lie outside it
// or whose keys are not positions in order is ErrCorrupt.
func parseBranch(id uint64, p []byte) (*branchNode, error) {
	count := int(native.Uint16(p[pageCountOffset:]))
	if count == 0 || pageHeaderSize+count*branchElemSize > len(p) {
		return nil, corruptf("bolt: log page %d: a branch page of %d elements", id, count)
	}
	n := &branchNode{id: id, elems: make([]branchElem, count), size: int(unsafe.Sizeof(branchElem{}))*count + 64}
	for i := range count {
		e := pageHeaderSize + i*branchElemSize
		k, ok := logKey(p, e, int(native.Uint32(p[e:])), int(native.Uint32(p[e+4:])))
		if !ok || (i > 0 && k <= n.elems[i-1].key) {
			return nil, corruptf("bolt: log page %d: branch element %d lies outside its page, is no position or is out of order", id, i)
		}
		n.elems[i].key, n.elems[i].kid = k, native.Uint64(p[e+8:])
	}
	n.first, n.last = n.elems[0].key, n.elems[count-1].key
	return n, nil
}

// child is the child whose keys hold want: the last element whose key is
// at most want, the first if none is (bbolt's Cursor.searchBranch).
//
// The log's keys are every position in order, so a branch page's keys
// are close to evenly spaced: the search starts where want would lie if
// they were, and mostly finds the element there or beside it. A binary
// search from the middle missed the cache at most of its steps, ≈ 5 % of
// a rebuild's CPU in three pages of ≈ 170 keys a lookup.
func (n *branchNode) child(want uint64) uint64 { return n.elems[n.index(want)].kid }

// index is the index of child's element.
func (n *branchNode) index(want uint64) int {
	elems := n.elems
	last := len(elems) - 1
	switch {
	case want <= n.first:
		return 0
	case want >= n.last:
		return last
	}
	// first < want < last: the guess is in [0, last).
	hi, lo := bits.Mul64(want-n.first, uint64(last))
	g, _ := bits.Div64(hi, lo, n.last-n.first)
	i := int(g)
	for range 4 {
		switch {
		case elems[i].key > want:
			i--
		case elems[i+1].key <= want:
			i++
		default:
			return i
		}
	}
	return n.search(want)
}

// search is child's binary search: the index of the last key at most
// want, 0 if none is.
func (n *branchNode) search(want uint64) int {
	lo, hi := 0, len(n.elems) // the first key > want is in [lo, hi]
	for lo < hi {
		m := int(uint(lo+hi) >> 1)
		if n.elems[m].key > want {
			hi = m
		} else {
			lo = m + 1
		}
	}
	if lo > 0 {
		lo--
	}
	return lo
}

func newLeafReader(s *Store, tx *bbolt.Tx, arena []byte) (*leafReader, error) {
	f, err := s.preadFile()
	if err != nil {
		return nil, fmt.Errorf("bolt: opening %s for reading: %w", s.path, err)
	}
	log := tx.Bucket(bucketLog)
	return &leafReader{f: f, size: uint64(tx.Size()), pageSize: s.db.Info().PageSize, root: uint64(log.Root()), log: log,
		txid: tx.ID(), branches: &s.leaf.branches, keyBranches: &s.leaf.keyBranches, arena: arena[:0]}, nil
}

// get returns the log's value at key (8 bytes), nil if there is none. The
// value is valid until the reader's arena is reused.
func (lr *leafReader) get(key []byte) ([]byte, error) {
	if lr.root == 0 {
		return lr.log.Get(key), nil
	}
	if len(key) != 8 {
		return nil, nil // no position: the log holds none
	}
	want := binary.BigEndian.Uint64(key)
	if lr.leaf != nil && want >= lr.leafLo && want <= lr.leafHi {
		return leafValue(lr.leaf, key)
	}
	id := lr.root
	var parent *branchElem // the element whose child id is, to hang it from
	for depth := 0; ; depth++ {
		if depth > 64 {
			return nil, corruptf("bolt: the log's pages nest deeper than 64")
		}
		var n *branchNode
		if parent != nil {
			n = parent.node.Load()
		} else if n = lr.rootNode; n == nil || n.id != id {
			if n = lr.branches.get(lr.txid, id); n != nil {
				lr.rootNode = n
			}
		}
		if n != nil {
			parent = &n.elems[n.index(want)]
			id = parent.kid
			continue
		}
		if id == lr.leafID && lr.leaf != nil {
			return leafValue(lr.leaf, key)
		}
		p, err := lr.readPage(id)
		if err != nil {
			return nil, err
		}
		switch flags := native.Uint16(p[8:]); {
		case flags&branchPageFlag != 0:
			n, err := parseBranch(id, p)
			if err != nil {
				return nil, err
			}
			if parent == nil {
				lr.branches.put(lr.txid, n)
				lr.rootNode = n
			} else if lr.branches.reserve(lr.txid, n.size) && !parent.node.CompareAndSwap(nil, n) {
				lr.branches.reserve(lr.txid, -n.size) // another reader hung its copy first
			}
			parent = &n.elems[n.index(want)]
			id = parent.kid
		case flags&leafPageFlag != 0:
			lo, hi, ok := leafRange(p)
			if !ok {
				lr.leafID, lr.leaf = 0, nil
				return leafValue(p, key) // says what is wrong with it
			}
			lr.leafID, lr.leaf, lr.leafLo, lr.leafHi = id, p, lo, hi
			return leafValue(p, key)
		default:
			return nil, corruptf("bolt: log page %d is neither a branch nor a leaf (flags %#x)", id, flags)
		}
	}
}

// branchCache keeps the log bucket's branch pages read with pread, parsed
// (branchNode, counted at their parsed size), for
// the transaction that read them (txid): pages are never rewritten while
// a transaction that can see them is open, but a later commit may reuse
// a page id. At most branchCacheSize bytes; when full, an arbitrary page
// makes room (the upper levels, read at every lookup, come back at once).
type branchCache[N cachedBranch] struct {
	mu    sync.Mutex
	txid  int
	pages map[uint64]N
	bytes int
}

// cachedBranch is a parsed branch page: the log's (branchNode) or the
// index's (keyBranch).
type cachedBranch interface {
	comparable
	nodeID() uint64
	nodeSize() int
}

func (n *branchNode) nodeID() uint64 { return n.id }
func (n *branchNode) nodeSize() int  { return n.size }

// branchCacheSize bounds the parsed branch pages kept (a variable for the
// tests).
var branchCacheSize = 8 << 20

// get is page id as transaction txid reads it, or the zero N (nil).
func (c *branchCache[N]) get(txid int, id uint64) N {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.txid != txid {
		var none N
		return none
	}
	return c.pages[id]
}

func (c *branchCache[N]) put(txid int, n N) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.txid != txid || c.pages == nil {
		c.txid, c.pages, c.bytes = txid, map[uint64]N{}, 0
	}
	for k, v := range c.pages {
		if c.bytes+n.nodeSize() <= branchCacheSize {
			break
		}
		delete(c.pages, k)
		c.bytes -= v.nodeSize()
	}
	c.pages[n.nodeID()] = n
	c.bytes += n.nodeSize()
}

// reserve counts size more bytes (less if negative) for a page hung from
// its parent (branchElem.node) for transaction txid, if they fit: false
// once the cache holds branchCacheSize, or when it has moved on to another
// transaction. A page not hung is read again at each walk through it.
func (c *branchCache[N]) reserve(txid int, size int) bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.txid != txid || c.pages == nil {
		return false
	}
	if size > 0 && c.bytes+size > branchCacheSize {
		return false
	}
	c.bytes += size
	return true
}

// readPage reads page id with its overflow pages into the arena.
func (lr *leafReader) readPage(id uint64) ([]byte, error) {
	ps := uint64(lr.pageSize)
	off := id * ps
	if id < 2 || off+ps > lr.size {
		return nil, corruptf("bolt: log page %d is outside the file (%d bytes)", id, lr.size)
	}
	n := int(ps)
	buf := lr.alloc(n)
	if _, err := lr.f.ReadAt(buf, int64(off)); err != nil {
		return nil, fmt.Errorf("bolt: reading log page %d: %w", id, err)
	}
	if native.Uint64(buf) != id {
		return nil, corruptf("bolt: page %d holds page id %d", id, native.Uint64(buf))
	}
	if over := uint64(native.Uint32(buf[12:])); over > 0 {
		total := (over + 1) * ps
		if total > maxLeafReadSize || off+total > lr.size {
			return nil, corruptf("bolt: log page %d overflows by %d pages past the file", id, over)
		}
		whole := lr.alloc(int(total))
		copy(whole, buf)
		if _, err := lr.f.ReadAt(whole[n:], int64(off)+int64(n)); err != nil {
			return nil, fmt.Errorf("bolt: reading log page %d: %w", id, err)
		}
		buf = whole
	}
	return buf, nil
}

// leafArenaSize is the arenas' block: a stream's chunk of pages mostly
// fits in one.
const leafArenaSize = 1 << 20

// alloc cuts n bytes from the arena (grown in blocks: what was cut before
// stays lent).
func (lr *leafReader) alloc(n int) []byte {
	if cap(lr.arena)-len(lr.arena) < n {
		lr.arena = make([]byte, 0, max(n, leafArenaSize))
	}
	b := lr.arena[len(lr.arena) : len(lr.arena)+n : len(lr.arena)+n]
	lr.arena = lr.arena[:len(lr.arena)+n]
	return b
}

// logKey is the position at offset pos from element e of page p, a key of
// ks bytes; false if it is not 8 bytes within the page.
func logKey(p []byte, e, pos, ks int) (uint64, bool) {
	if ks != 8 || pos < 0 {
		return 0, false
	}
	k, ok := pageBytes(p, e, uint32(pos), 8)
	if !ok {
		return 0, false
	}
	return binary.BigEndian.Uint64(k), true
}

// leafRange is the first and last keys of leaf page p; false if it has
// none or they are not positions within the page.
func leafRange(p []byte) (lo, hi uint64, ok bool) {
	count := int(native.Uint16(p[pageCountOffset:]))
	if count == 0 || pageHeaderSize+count*leafElemSize > len(p) {
		return 0, 0, false
	}
	first, last := pageHeaderSize, pageHeaderSize+(count-1)*leafElemSize
	lo, ok1 := logKey(p, first, int(native.Uint32(p[first+4:])), int(native.Uint32(p[first+8:])))
	hi, ok2 := logKey(p, last, int(native.Uint32(p[last+4:])), int(native.Uint32(p[last+8:])))
	return lo, hi, ok1 && ok2 && lo <= hi
}

// leafValue is the value of key in leaf page p (nil if absent).
func leafValue(p []byte, key []byte) ([]byte, error) {
	count := int(native.Uint16(p[pageCountOffset:]))
	if pageHeaderSize+count*leafElemSize > len(p) {
		return nil, corruptf("a leaf page of %d elements", count)
	}
	want := binary.BigEndian.Uint64(key)
	keyAt := func(i int) (uint64, bool) {
		e := pageHeaderSize + i*leafElemSize
		return logKey(p, e, int(native.Uint32(p[e+4:])), int(native.Uint32(p[e+8:])))
	}
	// The log's keys are every position in order, so a leaf's keys mostly
	// run without a gap from its first: the element is then at want minus
	// the first key, which one look confirms (keys in a page are unique).
	// Otherwise, or if that element is not want, the binary search.
	i := -1
	if count > 0 {
		if first, ok := keyAt(0); ok && want >= first && want-first < uint64(count) {
			if k, ok := keyAt(int(want - first)); ok && k == want {
				i = int(want - first)
			}
		}
	}
	if i < 0 {
		bad := false
		i = sort.Search(count, func(i int) bool {
			k, ok := keyAt(i)
			bad = bad || !ok
			return k >= want
		})
		if bad {
			return nil, corruptf("a leaf element lies outside its page or is no position")
		}
	}
	if i == count {
		return nil, nil
	}
	e := pageHeaderSize + i*leafElemSize
	flags, pos, vs := native.Uint32(p[e:]), int(native.Uint32(p[e+4:])), int(native.Uint32(p[e+12:]))
	if k, _ := logKey(p, e, pos, 8); k != want || flags&bucketLeafFlag != 0 {
		return nil, nil
	}
	at := e + pos + 8
	if vs < 0 || at+vs > len(p) || at+vs < at {
		return nil, corruptf("a leaf value lies outside its page")
	}
	return p[at : at+vs], nil
}
