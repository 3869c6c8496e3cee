package bolt

import (
	"os"
	"unsafe"

	bbolt "go.etcd.io/bbolt"
	"golang.org/x/sys/unix"
)

// mapped is the part of bbolt's read-only map of the file that tx sees: the
// file's first tx.Size() bytes. db.Info().Data is the only address of the
// map bbolt exports; TestMappedIsTheFile checks that it still is on each
// bbolt upgrade. Valid only inside tx, which keeps bbolt from remapping.
func mapped(db *bbolt.DB, tx *bbolt.Tx) []byte {
	base := db.Info().Data
	// The map is outside the Go heap, so turning its address back into a
	// pointer is sound; the indirection says so to vet, which cannot know.
	p := *(*unsafe.Pointer)(unsafe.Pointer(&base))
	return unsafe.Slice((*byte)(p), tx.Size())
}

// releaseMapped tells the kernel that the process no longer needs the pages
// of the mapped file in its resident set. bbolt maps the file read-only and
// writes with pwrite, so the pages are clean: they stay in the page cache
// and fault back in (without I/O) if read again. Called inside a read
// transaction.
func releaseMapped(db *bbolt.DB, tx *bbolt.Tx) {
	m := mapped(db, tx)
	m = m[:len(m)&^(os.Getpagesize()-1)]
	if len(m) == 0 {
		return
	}
	// Best effort: an error only means the pages stay resident.
	_ = unix.Madvise(m, unix.MADV_DONTNEED)
}

// prefetchWindow is how far past the last record read a scan asks the
// kernel to read the file ahead, and prefetchSlack how close to the end
// of what it asked for it gets before asking again.
const (
	prefetchWindow = 16 << 20
	prefetchSlack  = 8 << 20
)

// readahead is a scan's prefetch state: the file offset up to which it has
// asked the kernel to read ahead.
type readahead struct{ to int }

// prefetch asks the kernel to read into the page cache the part of the file
// that follows last, a value just read in tx. A scan of a bulk-loaded log
// walks the file nearly in order, and page faults on pages not in the cache
// read them one small piece at a time, with the scan waiting on each.
// MADV_WILLNEED starts the reads and returns; it maps nothing, so the
// resident set does not grow. Called inside tx.
func (ra *readahead) prefetch(db *bbolt.DB, tx *bbolt.Tx, last []byte) {
	if ra == nil || len(last) == 0 {
		return
	}
	m := mapped(db, tx)
	off := int(uintptr(unsafe.Pointer(unsafe.SliceData(last))) - uintptr(unsafe.Pointer(unsafe.SliceData(m))))
	if off < 0 || off >= len(m) {
		return // not in the map (a value a write transaction copied, or not bbolt's)
	}
	if off+prefetchSlack < ra.to {
		return
	}
	page := os.Getpagesize()
	from := max(off, ra.to) &^ (page - 1)
	to := min(off+prefetchWindow, len(m))
	if to <= from {
		return
	}
	ra.to = to
	// Best effort: an error only means the faults read the file themselves.
	_ = unix.Madvise(m[from:to], unix.MADV_WILLNEED)
}
