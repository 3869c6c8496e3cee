package bench

import (
	"os"
	"path/filepath"
	"slices"
	"syscall"
	"time"

	"github.com/fapiao/fapiao/eventstore"
)

// The append scenario's store figures: how many events share a commit, what
// the disk's own sync costs in the same minutes (the floor of one writer's
// latency), the CPU each command costs, and the bytes each event takes.

// batchStater is a store that counts its commits (bolt, seglog).
type batchStater interface {
	BatchStats() (commits, events uint64)
}

// storeFigures reads a store's size and position where it can say them.
func storeFigures(s eventstore.Store) (bytes int64, events uint64) {
	if p, ok := s.(interface{ LastPosition() eventstore.Position }); ok {
		events = p.LastPosition()
	}
	switch s := s.(type) {
	case interface{ DataBytes() int64 }:
		// The segmented log preallocates segments; count what holds data.
		bytes = s.DataBytes()
	case interface{ Path() string }:
		bytes = pathBytes(s.Path())
	}
	return bytes, events
}

// pathBytes is the size of a file, or of the files in a directory.
func pathBytes(path string) int64 {
	var n int64
	_ = filepath.WalkDir(path, func(_ string, d os.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			if fi, err := d.Info(); err == nil {
				n += fi.Size()
			}
		}
		return nil
	})
	return n
}

// storeDir is the directory a store keeps its files in ("" if none).
func storeDir(s eventstore.Store) string {
	p, ok := s.(interface{ Path() string })
	if !ok {
		return ""
	}
	if fi, err := os.Stat(p.Path()); err == nil && fi.IsDir() {
		return p.Path()
	}
	return filepath.Dir(p.Path())
}

// fsyncProbe appends 512 bytes and fdatasyncs them n times in a file of
// its own in dir, and returns the latencies. The file is preallocated
// and synced first, as the log's segments are, so each probe is what a
// commit of one small append costs the log: a data flush into reserved
// space, which on this machine's ext4 costs ≈ 1.3× a flush of blocks
// already written (docs/performance.md, "The fsync probe").
func fsyncProbe(dir string, n int) ([]time.Duration, error) {
	f, err := os.CreateTemp(dir, ".fsync-probe-")
	if err != nil {
		return nil, err
	}
	defer os.Remove(f.Name())
	defer f.Close()
	if err := preallocate(f, int64(n)*512); err != nil {
		return nil, err
	}
	if err := f.Sync(); err != nil {
		return nil, err
	}
	buf := make([]byte, 512)
	out := make([]time.Duration, 0, n)
	for i := range n {
		buf[0] = byte(i)
		t0 := time.Now()
		if _, err := f.WriteAt(buf, int64(i)*512); err != nil {
			return nil, err
		}
		if err := fdatasync(f); err != nil {
			return nil, err
		}
		out = append(out, time.Since(t0))
	}
	return out, nil
}

func medianMs(ds []time.Duration) float64 {
	if len(ds) == 0 {
		return 0
	}
	ds = slices.Clone(ds)
	slices.Sort(ds)
	return float64(ds[len(ds)/2].Microseconds()) / 1000
}

// cpuTime is the process's user and system CPU so far.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
