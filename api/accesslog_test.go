package api_test

import (
	"bytes"
	"strings"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"github.com/fapiao/fapiao/api"
)

// recorder keeps each write to it apart, to check lines are never split.
type recorder struct {
	mu     sync.Mutex
	writes []string
	wrote  chan struct{}
}

func (r *recorder) Write(p []byte) (int, error) {
	r.mu.Lock()
	r.writes = append(r.writes, string(p))
	r.mu.Unlock()
	select {
	case r.wrote <- struct{}{}:
	default:
	}
	return len(p), nil
}

func (r *recorder) all() []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]string(nil), r.writes...)
}

func TestBufferedLogHoldsLinesUntilFlushOrClose(t *testing.T) {
	rec := &recorder{wrote: make(chan struct{}, 1)}
	b := api.NewBufferedLog(rec, time.Hour) // the timer never fires here
	for _, line := range []string{"a=1\n", "b=2\n"} {
		if n, err := b.Write([]byte(line)); n != len(line) || err != nil {
			t.Fatalf("Write = %d, %v", n, err)
		}
	}
	if got := rec.all(); len(got) != 0 {
		t.Fatalf("written before a flush: %q", got)
	}
	if err := b.Close(); err != nil {
		t.Fatal(err)
	}
	if got := strings.Join(rec.all(), ""); got != "a=1\nb=2\n" {
		t.Fatalf("after Close: %q", got)
	}
	if _, err := b.Write([]byte("c=3\n")); err != nil {
		t.Fatal(err)
	}
	if got := strings.Join(rec.all(), ""); got != "a=1\nb=2\nc=3\n" {
		t.Fatalf("a write after Close is not written through: %q", got)
	}
	if err := b.Close(); err != nil {
		t.Fatalf("second Close: %v", err)
	}
}

// TestBufferedLogFlushesOnTimer: a buffered line is written when the
// interval has passed, and not before (on synctest's fake clock, so the
// test neither waits a real interval nor depends on the machine's speed).
func TestBufferedLogFlushesOnTimer(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		rec := &recorder{wrote: make(chan struct{}, 1)}
		b := api.NewBufferedLog(rec, time.Second)
		defer b.Close()
		if _, err := b.Write([]byte("x=1\n")); err != nil {
			t.Fatal(err)
		}
		time.Sleep(time.Second - time.Nanosecond)
		synctest.Wait()
		if got := rec.all(); len(got) != 0 {
			t.Fatalf("flushed before the interval: %q", got)
		}
		time.Sleep(time.Nanosecond)
		synctest.Wait()
		if got := strings.Join(rec.all(), ""); got != "x=1\n" {
			t.Fatalf("flushed %q at the interval", got)
		}
	})
}

func TestBufferedLogNeverSplitsALine(t *testing.T) {
	rec := &recorder{wrote: make(chan struct{}, 1)}
	b := api.NewBufferedLog(rec, time.Hour)
	line := strings.Repeat("k", 999) + "\n"
	var want bytes.Buffer
	for range 100 { // ~100 KB: the buffer fills several times
		want.WriteString(line)
		if _, err := b.Write([]byte(line)); err != nil {
			t.Fatal(err)
		}
	}
	huge := strings.Repeat("h", 100<<10) + "\n" // larger than the buffer
	want.WriteString(huge)
	if _, err := b.Write([]byte(huge)); err != nil {
		t.Fatal(err)
	}
	if err := b.Close(); err != nil {
		t.Fatal(err)
	}
	var got strings.Builder
	for i, w := range rec.all() {
		if !strings.HasSuffix(w, "\n") {
			t.Fatalf("write %d ends mid-line", i)
		}
		got.WriteString(w)
	}
	if got.String() != want.String() {
		t.Fatalf("lines lost or reordered: %d bytes, want %d", got.Len(), want.Len())
	}
}

func TestBufferedLogConcurrentWriters(t *testing.T) {
	rec := &recorder{wrote: make(chan struct{}, 1)}
	b := api.NewBufferedLog(rec, time.Millisecond)
	var wg sync.WaitGroup
	for range 8 {
		wg.Go(func() {
			for range 500 {
				_, _ = b.Write([]byte("line=1\n"))
			}
		})
	}
	wg.Wait()
	if err := b.Close(); err != nil {
		t.Fatal(err)
	}
	if n := strings.Count(strings.Join(rec.all(), ""), "line=1\n"); n != 8*500 {
		t.Fatalf("%d lines, want %d", n, 8*500)
	}
}
