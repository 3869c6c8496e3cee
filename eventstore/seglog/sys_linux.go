package seglog

import (
	"errors"
	"os"
	"path/filepath"
	"time"

	"golang.org/x/sys/unix"
)

// fdatasync flushes a file's data and only the metadata needed to read it
// back: segments are preallocated, so a commit changes no size or block map
// and the disk sees one flush.
func fdatasync(f *os.File) error { return unix.Fdatasync(int(f.Fd())) }

// preallocate reserves a segment's blocks up front, so a full disk shows at
// segment creation rather than in the middle of a commit.
func preallocate(f *os.File, size int64) error {
	return unix.Fallocate(int(f.Fd()), 0, 0, size)
}

// lockFile takes an exclusive flock on f, retrying for up to timeout: the
// lock a running `fapiao serve` holds is refused within about a second.
func lockFile(f *os.File, timeout time.Duration) error {
	deadline := time.Now().Add(timeout)
	for {
		err := unix.Flock(int(f.Fd()), unix.LOCK_EX|unix.LOCK_NB)
		if err == nil {
			return nil
		}
		if !errors.Is(err, unix.EWOULDBLOCK) {
			return err
		}
		if time.Now().After(deadline) {
			return ErrLocked
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// writerRunning reports whether a process holds the log's lock, probing it
// without waiting and letting go at once.
func writerRunning(dir string) bool {
	f, err := os.Open(filepath.Join(dir, "LOCK"))
	if err != nil {
		return false
	}
	defer f.Close()
	if err := unix.Flock(int(f.Fd()), unix.LOCK_SH|unix.LOCK_NB); err != nil {
		return errors.Is(err, unix.EWOULDBLOCK)
	}
	_ = unix.Flock(int(f.Fd()), unix.LOCK_UN)
	return false
}

// mapFile maps a segment read-only for a scan, which then reads the page
// cache in place instead of copying it; nil if it cannot (the scan reads
// with pread then).
func mapFile(f *os.File, size int64) []byte {
	b := mapRead(f, size, 0)
	if b != nil {
		_ = unix.Madvise(b, unix.MADV_SEQUENTIAL)
	}
	return b
}

// mapPopulated maps a segment's first size bytes read-only for reads in
// place, its page table filled at once (MAP_POPULATE: one call, where
// faulting the pages in as they were read cost more than pread); nil if it
// cannot.
func mapPopulated(f *os.File, size int64) []byte {
	return mapRead(f, size, unix.MAP_POPULATE)
}

func mapRead(f *os.File, size int64, flags int) []byte {
	if size <= 0 || int64(int(size)) != size {
		return nil
	}
	b, err := unix.Mmap(int(f.Fd()), 0, int(size), unix.PROT_READ, unix.MAP_SHARED|flags)
	if err != nil {
		return nil
	}
	return b
}

func unmapFile(b []byte) {
	if b != nil {
		_ = unix.Munmap(b)
	}
}
