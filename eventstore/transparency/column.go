package transparency

import (
	"fmt"
	"os"
)

// flushBytes is how much a column buffers before writing to its file: one
// write per batch instead of one per leaf.
const flushBytes = 1 << 20

// column is an append-only array of fixed-size records: on a file (the
// flushed part) plus an in-memory tail not yet written. A column without a
// file keeps everything in memory.
type column struct {
	f       *os.File // nil: memory only
	size    int      // bytes per record
	flushed int64    // records on the file
	pending []byte   // records after flushed
}

func (c *column) len() int64 { return c.flushed + int64(len(c.pending)/c.size) }

func (c *column) append(rec []byte) error {
	c.pending = append(c.pending, rec...)
	if c.f != nil && len(c.pending) >= flushBytes {
		return c.flush()
	}
	return nil
}

// read copies record i into dst (len c.size).
func (c *column) read(i int64, dst []byte) error {
	if i < 0 || i >= c.len() {
		return fmt.Errorf("transparency: record %d of %d: %w", i, c.len(), errOutOfRange)
	}
	if i >= c.flushed {
		off := (i - c.flushed) * int64(c.size)
		copy(dst, c.pending[off:off+int64(c.size)])
		return nil
	}
	if _, err := c.f.ReadAt(dst[:c.size], i*int64(c.size)); err != nil {
		return fmt.Errorf("transparency: read %s record %d: %w", c.f.Name(), i, err)
	}
	return nil
}

// flush writes the pending records to the file (no fsync).
func (c *column) flush() error {
	if c.f == nil || len(c.pending) == 0 {
		return nil
	}
	if _, err := c.f.WriteAt(c.pending, c.flushed*int64(c.size)); err != nil {
		return fmt.Errorf("transparency: write %s: %w", c.f.Name(), err)
	}
	c.flushed += int64(len(c.pending) / c.size)
	c.pending = c.pending[:0]
	return nil
}

// sync flushes and fsyncs.
func (c *column) sync() error {
	if err := c.flush(); err != nil {
		return err
	}
	if c.f == nil {
		return nil
	}
	if err := c.f.Sync(); err != nil {
		return fmt.Errorf("transparency: fsync %s: %w", c.f.Name(), err)
	}
	return nil
}

// truncate keeps the first n records.
func (c *column) truncate(n int64) error {
	if n >= c.len() {
		return nil
	}
	if n >= c.flushed {
		c.pending = c.pending[:(n-c.flushed)*int64(c.size)]
		return nil
	}
	c.pending = c.pending[:0]
	c.flushed = n
	if err := c.f.Truncate(n * int64(c.size)); err != nil {
		return fmt.Errorf("transparency: truncate %s: %w", c.f.Name(), err)
	}
	return nil
}
