// Package boltload writes a new bbolt file whole, from entries given in key
// order. A cold build of the views has every entry of every bucket in hand
// in order; put one at a time through bbolt, each entry is a descent of the
// tree and a copy into a node, and each commit splits the nodes into pages
// again. Here each page is laid out once and written once
// (docs/performance.md, "The views written as pages").
//
// The file is in bbolt's format 2, as bbolt itself lays it out: pages with
// their header, leaf and branch elements, two meta pages with their FNV-64a
// checksum and an empty free list. bbolt then opens, checks and changes it
// like any file of its own. Only top-level buckets of plain keys and values
// are written (no nested buckets), in the machine's byte order, as bbolt
// does.
package boltload

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"hash/fnv"
	"os"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
)

// bbolt's format 2 (go.etcd.io/bbolt/internal/common).
const (
	pageHeaderSize = 16 // id u64, flags u16, count u16, overflow u32
	elemSize       = 16 // leaf: flags, pos, ksize, vsize u32; branch: pos, ksize u32, pgid u64
	branchPage     = 0x01
	leafPage       = 0x02
	metaPage       = 0x04
	freelistPage   = 0x10
	bucketLeaf     = 0x01 // a leaf element that is a bucket
	magic          = 0xED0CDAED
	version        = 2
	maxKeySize     = 32768
	maxPageCount   = 0xFFFF - 1 // elements a page's count holds
)

var order = binary.NativeEndian

// Writer writes one new file. Different buckets may be filled by different
// goroutines at once; one bucket by one at a time.
type Writer struct {
	f        *os.File
	pageSize int
	next     atomic.Uint64 // the next page to hand out; 0 and 1 are the metas
	mu       sync.Mutex
	buckets  map[string]*Bucket
}

// Create creates the file at path, which must not exist or be empty, of
// pages of pageSize bytes (a power of two, at least 1 KiB).
//
// Not truncated: ext4 writes back a file truncated to nothing when it is
// closed (auto_da_alloc), which was 46 ms of a million-event replay's
// 1.05 s for a file that may never be synced.
func Create(path string, pageSize int) (*Writer, error) {
	if pageSize < 1024 || pageSize&(pageSize-1) != 0 {
		return nil, fmt.Errorf("boltload: page size %d is not a power of two of at least 1024", pageSize)
	}
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		return nil, fmt.Errorf("boltload: %w", err)
	}
	if fi, err := f.Stat(); err != nil || fi.Size() != 0 {
		f.Close()
		if err == nil {
			err = errors.New("the file is not empty")
		}
		return nil, fmt.Errorf("boltload: %s: %w", path, err)
	}
	w := &Writer{f: f, pageSize: pageSize, buckets: map[string]*Bucket{}}
	w.next.Store(2)
	return w, nil
}

// Bucket returns the top-level bucket name, empty until entries are put.
func (w *Writer) Bucket(name string) *Bucket {
	w.mu.Lock()
	defer w.mu.Unlock()
	b := w.buckets[name]
	if b == nil {
		b = &Bucket{w: w, name: name}
		w.buckets[name] = b
	}
	return b
}

// Bucket is one bucket's leaves, written as they fill, and the first key
// of each, for the branches above them.
type Bucket struct {
	w      *Writer
	name   string
	flags  uint32   // of each element: bucketLeaf in the root bucket
	sizes  []uint32 // key and value sizes of the page being filled, two an entry
	data   []byte   // their keys and values, one after the other
	page   []byte   // the page being written, reused
	last   []byte   // the last key put
	n      int
	leaves []child
	err    error
}

// child is a page a branch points to, by its first key.
type child struct {
	key []byte
	id  uint64
}

// Put appends key and value. Keys must increase strictly (bytes.Compare),
// as bbolt keeps them; the value's bytes are copied.
func (b *Bucket) Put(key, value []byte) error {
	if b.err != nil {
		return b.err
	}
	switch {
	case len(key) == 0 || len(key) > maxKeySize:
		return fmt.Errorf("boltload: bucket %q: a key of %d bytes", b.name, len(key))
	case b.n > 0 && bytes.Compare(key, b.last) <= 0:
		return fmt.Errorf("boltload: bucket %q: key %x after %x: keys must increase", b.name, key, b.last)
	case int64(len(value)) > 1<<31-2:
		return fmt.Errorf("boltload: bucket %q: a value of %d bytes", b.name, len(value))
	}
	count := len(b.sizes) / 2
	if count > 0 && (b.fill()+elemSize+len(key)+len(value) > b.w.pageSize || count == maxPageCount) {
		if b.err = b.flush(); b.err != nil {
			return b.err
		}
	}
	b.data = append(append(b.data, key...), value...)
	b.sizes = append(b.sizes, uint32(len(key)), uint32(len(value)))
	b.last = append(b.last[:0], key...)
	b.n++
	return nil
}

// Len is the number of entries put.
func (b *Bucket) Len() int { return b.n }

// fill is the bytes of the page being filled.
func (b *Bucket) fill() int { return pageHeaderSize + len(b.sizes)/2*elemSize + len(b.data) }

// flush writes the page being filled: a run of pages when one entry is
// larger than a page, as bbolt's overflow.
func (b *Bucket) flush() error {
	count := len(b.sizes) / 2
	buf := b.pageBuf(b.fill())
	elems := pageHeaderSize + count*elemSize
	off := elems
	for i := range count {
		e := buf[pageHeaderSize+i*elemSize:]
		k, v := b.sizes[2*i], b.sizes[2*i+1]
		order.PutUint32(e[0:], b.flags)
		order.PutUint32(e[4:], uint32(off-(pageHeaderSize+i*elemSize)))
		order.PutUint32(e[8:], k)
		order.PutUint32(e[12:], v)
		off += int(k + v)
	}
	copy(buf[elems:], b.data)
	id, err := b.w.writePage(buf, leafPage, count)
	if err != nil {
		return err
	}
	var first []byte // none in an empty bucket's one leaf
	if count > 0 {
		first = bytes.Clone(b.data[:b.sizes[0]])
	}
	b.leaves = append(b.leaves, child{key: first, id: id})
	b.sizes, b.data = b.sizes[:0], b.data[:0]
	return nil
}

// pageBuf is the bucket's page buffer for size bytes, whole pages, zeroed.
func (b *Bucket) pageBuf(size int) []byte {
	n := (size + b.w.pageSize - 1) / b.w.pageSize * b.w.pageSize
	if cap(b.page) < n {
		b.page = make([]byte, n)
	}
	b.page = b.page[:n]
	clear(b.page)
	return b.page
}

// finish writes what is left of the bucket and the branches above its
// leaves, and returns its root page.
func (b *Bucket) finish() (uint64, error) {
	if b.err != nil {
		return 0, b.err
	}
	if len(b.sizes) > 0 || len(b.leaves) == 0 { // an empty bucket is an empty leaf
		if err := b.flush(); err != nil {
			return 0, err
		}
	}
	level := b.leaves
	for len(level) > 1 {
		var err error
		if level, err = b.branches(level); err != nil {
			return 0, err
		}
	}
	return level[0].id, nil
}

// branches writes the pages of branches over level, as many children a
// page as fit, and returns them as the level above.
func (b *Bucket) branches(level []child) ([]child, error) {
	var up []child
	for len(level) > 0 {
		size, n := pageHeaderSize, 0
		for n < len(level) && n < maxPageCount && (n < 2 || size+elemSize+len(level[n].key) <= b.w.pageSize) {
			size += elemSize + len(level[n].key)
			n++
		}
		if len(level)-n == 1 { // bbolt wants two children a branch at least
			if n > 2 {
				n--
			} else {
				n++
			}
			size = pageHeaderSize
			for _, c := range level[:n] {
				size += elemSize + len(c.key)
			}
		}
		buf := b.pageBuf(size)
		off := pageHeaderSize + n*elemSize
		for i, c := range level[:n] {
			e := buf[pageHeaderSize+i*elemSize:]
			order.PutUint32(e[0:], uint32(off-(pageHeaderSize+i*elemSize)))
			order.PutUint32(e[4:], uint32(len(c.key)))
			order.PutUint64(e[8:], c.id)
			off += copy(buf[off:], c.key)
		}
		id, err := b.w.writePage(buf, branchPage, n)
		if err != nil {
			return nil, err
		}
		up = append(up, child{key: level[0].key, id: id})
		level = level[n:]
	}
	return up, nil
}

// writePage gives buf (whole pages) its header and the next free pages,
// and writes it there.
func (w *Writer) writePage(buf []byte, flags uint16, count int) (uint64, error) {
	pages := uint64(len(buf) / w.pageSize)
	id := w.next.Add(pages) - pages
	order.PutUint64(buf[0:], id)
	order.PutUint16(buf[8:], flags)
	order.PutUint16(buf[10:], uint16(count))
	order.PutUint32(buf[12:], uint32(pages-1))
	if _, err := w.f.WriteAt(buf, int64(id)*int64(w.pageSize)); err != nil {
		return 0, fmt.Errorf("boltload: %w", err)
	}
	return id, nil
}

// Close writes each bucket's last leaf and branches, the root bucket, an
// empty free list and the two meta pages, and closes the file. It does not
// fsync: the caller syncs the file (bbolt's first synced commit does) or
// throws it away.
func (w *Writer) Close() error {
	err := w.close()
	return errors.Join(err, w.f.Close())
}

func (w *Writer) close() error {
	names := make([]string, 0, len(w.buckets))
	for name := range w.buckets {
		names = append(names, name)
	}
	slices.SortFunc(names, strings.Compare) // byte order, as bbolt's keys
	root := &Bucket{w: w, name: "(root)", flags: bucketLeaf}
	for _, name := range names {
		id, err := w.buckets[name].finish()
		if err != nil {
			return err
		}
		var v [16]byte // the bucket's header: its root page and sequence 0
		order.PutUint64(v[:], id)
		if err := root.Put([]byte(name), v[:]); err != nil {
			return err
		}
	}
	rootID, err := root.finish()
	if err != nil {
		return err
	}
	freelist := make([]byte, w.pageSize) // count 0: no page is free
	freelistID, err := w.writePage(freelist, freelistPage, 0)
	if err != nil {
		return err
	}
	hwm := w.next.Load()
	if err := w.f.Truncate(int64(hwm) * int64(w.pageSize)); err != nil {
		return fmt.Errorf("boltload: %w", err)
	}
	metas := make([]byte, 2*w.pageSize)
	for txid := range uint64(2) { // as bbolt's own new file: transactions 0 and 1
		p := metas[int(txid)*w.pageSize:]
		order.PutUint64(p[0:], txid)
		order.PutUint16(p[8:], metaPage)
		m := p[pageHeaderSize:]
		order.PutUint32(m[0:], magic)
		order.PutUint32(m[4:], version)
		order.PutUint32(m[8:], uint32(w.pageSize))
		order.PutUint32(m[12:], 0) // flags
		order.PutUint64(m[16:], rootID)
		order.PutUint64(m[24:], 0) // the root bucket's sequence
		order.PutUint64(m[32:], freelistID)
		order.PutUint64(m[40:], hwm)
		order.PutUint64(m[48:], txid)
		h := fnv.New64a()
		h.Write(m[:56])
		order.PutUint64(m[56:], h.Sum64())
	}
	if _, err := w.f.WriteAt(metas, 0); err != nil {
		return fmt.Errorf("boltload: %w", err)
	}
	return nil
}

// Abort closes and removes the file.
func (w *Writer) Abort() {
	w.f.Close()
	os.Remove(w.f.Name())
}
