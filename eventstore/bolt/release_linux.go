package bolt

import (
	"syscall"

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
