// Package bolttest damages bolt store files on purpose, for the tests that
// prove damage is reported rather than crashing or believed: it finds the
// pages of each kind (bbolt's own view of their types, the store's
// buckets told apart by their keys) and flips or cuts bytes.
package bolttest

import (
	"encoding/binary"
	"os"
	"testing"

	bbolt "go.etcd.io/bbolt"
)

// Kinds of page Pages tells apart.
const (
	KindMeta     = "meta"
	KindFreelist = "freelist"
	KindFree     = "free"
	KindRoot     = "root"   // the leaf holding the buckets themselves
	KindLog      = "log"    // a leaf of the log: the records
	KindIndex    = "index"  // a leaf of the per-stream index
	KindHeads    = "heads"  // a leaf of the stream heads
	KindBranch   = "branch" // a branch page of any bucket
)

// Page is one page of a bolt file.
type Page struct {
	ID       uint64
	Kind     string
	Count    int // elements
	Overflow int
	// Offset is the page's first byte in the file; Size its bytes
	// (overflow included).
	Offset, Size int64
}

// Page header and element layouts of bbolt's file format.
const (
	headerSize     = 16
	leafElemSize   = 16
	branchElemSize = 16
	bucketLeafFlag = 0x01
)

// Pages lists the pages of the bolt file at path (not held by anyone).
func Pages(t testing.TB, path string) []Page {
	t.Helper()
	raw, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("bolttest: %v", err)
	}
	db, err := bbolt.Open(path, 0o600, &bbolt.Options{ReadOnly: true, PreLoadFreelist: true})
	if err != nil {
		t.Fatalf("bolttest: open %s: %v", path, err)
	}
	defer db.Close()
	pageSize := int64(db.Info().PageSize)
	var pages []Page
	err = db.View(func(tx *bbolt.Tx) error {
		for id := 0; ; {
			info, err := tx.Page(id)
			if err != nil {
				return err
			}
			if info == nil {
				return nil
			}
			p := Page{ID: uint64(id), Count: info.Count, Overflow: info.OverflowCount, Offset: int64(id) * pageSize, Size: int64(info.OverflowCount+1) * pageSize}
			step := info.OverflowCount + 1
			switch info.Type {
			case "free":
				p.Kind, p.Overflow, p.Size, step = KindFree, 0, pageSize, 1
			case "meta":
				p.Kind = KindMeta
			case "freelist":
				p.Kind = KindFreelist
			case "branch":
				p.Kind = KindBranch
			case "leaf":
				p.Kind = leafKind(raw[p.Offset:p.Offset+p.Size], info.Count)
			default:
				p.Kind = info.Type
			}
			pages = append(pages, p)
			id += step
		}
	})
	if err != nil {
		t.Fatalf("bolttest: pages of %s: %v", path, err)
	}
	return pages
}

// leafKind tells which bucket a leaf belongs to from its first element.
func leafKind(page []byte, count int) string {
	if count == 0 {
		return "leaf"
	}
	e := page[headerSize:]
	flags := binary.LittleEndian.Uint32(e[0:])
	pos := binary.LittleEndian.Uint32(e[4:])
	ksize := binary.LittleEndian.Uint32(e[8:])
	vsize := binary.LittleEndian.Uint32(e[12:])
	if flags&bucketLeafFlag != 0 {
		return KindRoot
	}
	kv := e[pos:]
	key, val := kv[:ksize], kv[ksize:ksize+vsize]
	switch {
	case len(key) == 8 && len(val) > 0 && val[0] == 1:
		return KindLog
	case len(val) == 24:
		return KindIndex
	case len(val) == 8:
		return KindHeads
	}
	return "leaf"
}

// Find returns the pages of a kind.
func Find(pages []Page, kind string) []Page {
	var out []Page
	for _, p := range pages {
		if p.Kind == kind {
			out = append(out, p)
		}
	}
	return out
}

// FirstChildOffset is the file offset of the first child page ID of a
// branch page.
func FirstChildOffset(p Page) int64 { return p.Offset + headerSize + 8 }

// BreakLogBranches damages every branch page of the log (the bucket with
// 8-byte keys) in the file at path, which an open store may have mapped:
// each child page ID moves 2^22 pages on, far outside the map. It returns
// how many pages it damaged.
func BreakLogBranches(t testing.TB, path string, pages []Page) int {
	t.Helper()
	raw, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("bolttest: %v", err)
	}
	damaged := 0
	for _, p := range Find(pages, KindBranch) {
		elems := raw[p.Offset+headerSize:]
		if binary.LittleEndian.Uint32(elems[4:]) != 8 { // the first key's size
			continue // not the log's
		}
		for i := range p.Count {
			XOR(t, path, p.Offset+headerSize+int64(branchElemSize*i)+8+2, 0x40)
		}
		damaged++
	}
	return damaged
}

// XOR flips bits of the byte at off.
func XOR(t testing.TB, path string, off int64, mask byte) {
	t.Helper()
	f, err := os.OpenFile(path, os.O_RDWR, 0)
	if err != nil {
		t.Fatalf("bolttest: %v", err)
	}
	defer f.Close()
	b := []byte{0}
	if _, err := f.ReadAt(b, off); err != nil {
		t.Fatalf("bolttest: read byte %d: %v", off, err)
	}
	b[0] ^= mask
	if _, err := f.WriteAt(b, off); err != nil {
		t.Fatalf("bolttest: write byte %d: %v", off, err)
	}
}

// Copy copies the file at src to dst.
func Copy(t testing.TB, src, dst string) {
	t.Helper()
	b, err := os.ReadFile(src)
	if err != nil {
		t.Fatalf("bolttest: %v", err)
	}
	if err := os.WriteFile(dst, b, 0o600); err != nil {
		t.Fatalf("bolttest: %v", err)
	}
}

// HighWater is the number of bytes of the file its pages use (bbolt may
// have grown the file beyond them).
func HighWater(pages []Page) int64 {
	var end int64
	for _, p := range pages {
		end = max(end, p.Offset+p.Size)
	}
	return end
}
