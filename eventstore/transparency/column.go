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
// file keeps everything in memory. The tail is kept in chunks of
// flushBytes so that growing it never copies what it holds.
type column struct {
	f       *os.File // nil: memory only
	size    int      // bytes per record
	flushed int64    // records on the file
	chunks  [][]byte // records after flushed, flushBytes each but the last
	tail    int64    // records in chunks
}

func (c *column) len() int64 { return c.flushed + c.tail }

// perChunk is how many records a chunk holds (size divides flushBytes).
func (c *column) perChunk() int64 { return int64(flushBytes / c.size) }

func (c *column) append(rec []byte) error {
	if c.tail%c.perChunk() == 0 {
		if c.f != nil && c.tail > 0 {
			if err := c.flush(); err != nil {
				return err
			}
		}
		c.chunks = append(c.chunks, make([]byte, 0, flushBytes))
	}
	last := len(c.chunks) - 1
	c.chunks[last] = append(c.chunks[last], rec...)
	c.tail++
	return nil
}

// read copies record i into dst (len c.size).
func (c *column) read(i int64, dst []byte) error {
	if i < 0 || i >= c.len() {
		return fmt.Errorf("transparency: record %d of %d: %w", i, c.len(), errOutOfRange)
	}
	if i >= c.flushed {
		j := i - c.flushed
		off := (j % c.perChunk()) * int64(c.size)
		copy(dst, c.chunks[j/c.perChunk()][off:off+int64(c.size)])
		return nil
	}
	if c.f == nil {
		return fmt.Errorf("transparency: record %d: %w", i, os.ErrClosed)
	}
	if _, err := c.f.ReadAt(dst[:c.size], i*int64(c.size)); err != nil {
		return fmt.Errorf("transparency: read %s record %d: %w", c.f.Name(), i, err)
	}
	return nil
}

// flush writes the tail to the file (no fsync).
func (c *column) flush() error {
	if c.f == nil || c.tail == 0 {
		return nil
	}
	off := c.flushed * int64(c.size)
	for _, ch := range c.chunks {
		if _, err := c.f.WriteAt(ch, off); err != nil {
			return fmt.Errorf("transparency: write %s: %w", c.f.Name(), err)
		}
		off += int64(len(ch))
	}
	c.flushed += c.tail
	c.chunks, c.tail = c.chunks[:0], 0
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
		keep := n - c.flushed
		full := keep / c.perChunk()
		rest := keep % c.perChunk()
		c.chunks = c.chunks[:full+1]
		c.chunks[full] = c.chunks[full][:rest*int64(c.size)]
		if rest == 0 {
			c.chunks = c.chunks[:full]
		}
		c.tail = keep
		return nil
	}
	c.chunks, c.tail = c.chunks[:0], 0
	c.flushed = n
	if err := c.f.Truncate(n * int64(c.size)); err != nil {
		return fmt.Errorf("transparency: truncate %s: %w", c.f.Name(), err)
	}
	return nil
}
