package api

import (
	"io"
	"sync"
	"time"
)

// BufferedLog is an io.Writer for the access log only: it gathers lines in
// memory and writes them out every interval, when the buffer fills, and on
// Close, because a write(2) per request is a visible share of the server's
// CPU under load (docs/performance.md, "Code health (issue 18)").
// The price: a crash (not a clean stop, which calls Close) loses the lines
// of up to one interval. That is acceptable for access logs and for nothing
// else: errors, panics and lifecycle messages go to an unbuffered logger.
//
// Each Write is expected to be one whole line (slog handlers write one
// record per call); a line is never split between two writes to the
// underlying writer, so lines of another logger on the same file do not
// land in the middle of one.
type BufferedLog struct {
	mu     sync.Mutex
	w      io.Writer
	buf    []byte
	err    error // the first error of the underlying writer, kept
	stop   chan struct{}
	done   chan struct{}
	closed bool
}

// bufferedLogSize is the buffer's capacity: ~200 access lines.
const bufferedLogSize = 32 << 10

// NewBufferedLog returns a BufferedLog writing to w every interval (at most
// a tenth of a second is what the access log promises).
func NewBufferedLog(w io.Writer, interval time.Duration) *BufferedLog {
	b := &BufferedLog{w: w, buf: make([]byte, 0, bufferedLogSize), stop: make(chan struct{}), done: make(chan struct{})}
	go b.run(interval)
	return b
}

func (b *BufferedLog) run(interval time.Duration) {
	defer close(b.done)
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		select {
		case <-t.C:
			b.Flush()
		case <-b.stop:
			return
		}
	}
}

// Write buffers p; after Close it writes p through.
func (b *BufferedLog) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.closed {
		return b.w.Write(p)
	}
	if len(b.buf)+len(p) > cap(b.buf) {
		b.flushLocked()
		if len(p) > cap(b.buf) {
			if _, err := b.w.Write(p); err != nil && b.err == nil {
				b.err = err
			}
			return len(p), nil
		}
	}
	b.buf = append(b.buf, p...)
	return len(p), nil
}

// Flush writes out what is buffered.
func (b *BufferedLog) Flush() error {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.flushLocked()
	return b.err
}

func (b *BufferedLog) flushLocked() {
	if len(b.buf) == 0 {
		return
	}
	if _, err := b.w.Write(b.buf); err != nil && b.err == nil {
		b.err = err
	}
	b.buf = b.buf[:0]
}

// Close stops the timer and writes out what is buffered; later writes go
// straight through. It returns the first error the underlying writer gave.
func (b *BufferedLog) Close() error {
	b.mu.Lock()
	if b.closed {
		b.mu.Unlock()
		return b.err
	}
	b.closed = true
	b.flushLocked()
	err := b.err
	b.mu.Unlock()
	close(b.stop)
	<-b.done
	return err
}
