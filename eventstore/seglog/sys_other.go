//go:build !linux

package seglog

import (
	"errors"
	"os"
	"time"
)

// Elsewhere than Linux the store is untested: fsync stands in for
// fdatasync, the file is grown rather than preallocated, and there is no
// lock, so opening for writing is refused.
func fdatasync(f *os.File) error { return f.Sync() }

func preallocate(f *os.File, size int64) error { return f.Truncate(size) }

func lockFile(*os.File, time.Duration) error {
	return errors.New("seglog: writing is supported on Linux only")
}

func writerRunning(string) bool { return false }

func mapFile(*os.File, int64) []byte { return nil }

func mapPopulated(*os.File, int64) []byte { return nil }

func unmapFile([]byte) {}
