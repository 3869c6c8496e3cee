package bolt

import (
	"syscall"
	"unsafe"

	bbolt "go.etcd.io/bbolt"
)

// releaseMapped tells the kernel that the process no longer needs the pages
// of the mapped file in its resident set. bbolt maps the file read-only and
// writes with pwrite, so the pages are clean: they stay in the page cache
// and fault back in (without I/O) if read again. Called inside a read
// transaction, which keeps bbolt from remapping meanwhile.
func releaseMapped(db *bbolt.DB, tx *bbolt.Tx) {
	base, size := db.Info().Data, uintptr(tx.Size())
	size &^= uintptr(syscall.Getpagesize() - 1)
	if size == 0 {
		return
	}
	// Best effort: an error only means the pages stay resident.
	_, _, _ = syscall.Syscall(syscall.SYS_MADVISE, base, size, syscall.MADV_DONTNEED)
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
type readahead struct{ to uintptr }

// prefetch asks the kernel to read into the page cache the part of the file
// that follows last, a value just read in tx. A scan of a bulk-loaded log
// walks the file nearly in order, and page faults on pages not in the cache
// read them one small piece at a time, with the scan waiting on each.
// MADV_WILLNEED starts the reads and returns; it maps nothing, so the
// resident set does not grow. Called inside tx, which keeps bbolt from
// remapping meanwhile.
func (ra *readahead) prefetch(db *bbolt.DB, tx *bbolt.Tx, last []byte) {
	if ra == nil || len(last) == 0 {
		return
	}
	base, size := db.Info().Data, uintptr(tx.Size())
	p := uintptr(unsafe.Pointer(unsafe.SliceData(last)))
	if p < base || p >= base+size {
		return // not in the map (cannot happen for a value read in tx)
	}
	off := p - base
	if off+prefetchSlack < ra.to {
		return
	}
	page := uintptr(syscall.Getpagesize())
	from := max(off, ra.to) &^ (page - 1)
	to := min(off+prefetchWindow, size)
	if to <= from {
		return
	}
	ra.to = to
	// Best effort: an error only means the faults read the file themselves.
	_, _, _ = syscall.Syscall(syscall.SYS_MADVISE, base+from, to-from, syscall.MADV_WILLNEED)
}
