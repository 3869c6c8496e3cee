package groupcommit

import (
	"bytes"
	"context"
	"errors"
	"runtime"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/fapiao/fapiao/eventstore"
)

// TestCloseAnswersEverySubmit: appends racing Close, the queue full
// (1 024 requests) behind a slow writer, each get an answer — written, or
// ErrClosed — and none waits for ever; after Close, Submit refuses at
// once. Submit waits on its request alone, so a request left in the queue
// unanswered would hang here.
func TestCloseAnswersEverySubmit(t *testing.T) {
	for round := range 20 {
		q := NewQueue()
		var committed atomic.Int64
		q.Start(Limits{Events: 16, Bytes: 1 << 20}, func(batch []*Request) {
			time.Sleep(50 * time.Microsecond) // a slow fsync: the queue fills
			for _, r := range batch {
				r.Res = eventstore.AppendResult{Position: 1}
				committed.Add(1)
			}
		})
		const submitters = 1500 // more than the queue holds
		var (
			wg              sync.WaitGroup
			written, closed atomic.Int64
			other           = make(chan error, submitters)
		)
		for range submitters {
			wg.Go(func() {
				_, err := q.Submit(context.Background(), "s", eventstore.Any, []eventstore.EventData{{}}, 1)
				switch {
				case err == nil:
					written.Add(1)
				case errors.Is(err, eventstore.ErrClosed):
					closed.Add(1)
				default:
					other <- err
				}
			})
		}
		time.Sleep(time.Duration(round%5) * time.Millisecond)
		q.Close()
		done := make(chan struct{})
		go func() { wg.Wait(); close(done) }()
		select {
		case <-done:
		case <-time.After(10 * time.Second):
			t.Fatalf("round %d: %d of %d appends unanswered after Close", round, submitters-written.Load()-closed.Load(), submitters)
		}
		close(other)
		for err := range other {
			t.Fatalf("round %d: unexpected error %v", round, err)
		}
		if written.Load() != committed.Load() {
			t.Fatalf("round %d: %d appends answered as written, %d committed", round, written.Load(), committed.Load())
		}
		_, err := q.Submit(context.Background(), "s", eventstore.Any, []eventstore.EventData{{}}, 1)
		if !errors.Is(err, eventstore.ErrClosed) {
			t.Fatalf("round %d: Submit after Close: %v, want ErrClosed", round, err)
		}
	}
}

// TestCloseAnswersAQueueNeverStarted: a queue with no writer (a read-only
// store's) answers what was queued when it closes.
func TestCloseAnswersAQueueNeverStarted(t *testing.T) {
	q := NewQueue()
	errc := make(chan error, 1)
	go func() {
		_, err := q.Submit(context.Background(), "s", eventstore.Any, nil, 0)
		errc <- err
	}()
	time.Sleep(10 * time.Millisecond)
	q.Close()
	select {
	case err := <-errc:
		if !errors.Is(err, eventstore.ErrClosed) {
			t.Fatalf("Submit: %v, want ErrClosed", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("a Submit on a queue never started was not answered at Close")
	}
}

// TestCloseWithAFullQueueNeverStarted: Close returns, and answers every
// Submit, even when a queue with no writer is full and a Submit waits for
// room.
func TestCloseWithAFullQueueNeverStarted(t *testing.T) {
	q := NewQueue()
	const submitters = 1100 // more than the queue holds
	var wg sync.WaitGroup
	var answered atomic.Int64
	for range submitters {
		wg.Go(func() {
			if _, err := q.Submit(context.Background(), "s", eventstore.Any, nil, 0); errors.Is(err, eventstore.ErrClosed) {
				answered.Add(1)
			}
		})
	}
	time.Sleep(20 * time.Millisecond)
	closed := make(chan struct{})
	go func() { q.Close(); wg.Wait(); close(closed) }()
	select {
	case <-closed:
	case <-time.After(10 * time.Second):
		t.Fatal("Close or a Submit hung on a full queue never started")
	}
	if answered.Load() != submitters {
		t.Fatalf("%d of %d Submits answered ErrClosed", answered.Load(), submitters)
	}
}

// TestLoneAppendCommitsInItsCaller: with nothing queued and nothing being
// committed, an append is committed as a group of one by its own caller,
// not by the writer; while a commit is under way the others queue and the
// writer commits them; and never do two commits run at once.
func TestLoneAppendCommitsInItsCaller(t *testing.T) {
	q := NewQueue()
	defer q.Close()
	var (
		running, overlaps atomic.Int64
		byWriter          atomic.Int64 // groups the writer goroutine committed
		alone             atomic.Int64 // groups their caller committed
		release           = make(chan struct{})
		entered           = make(chan struct{}, 1)
		hold              atomic.Bool
	)
	q.Start(Limits{Events: 64, Bytes: 1 << 20}, func(batch []*Request) {
		if running.Add(1) > 1 {
			overlaps.Add(1)
		}
		defer running.Add(-1)
		stack := make([]byte, 8<<10)
		stack = stack[:runtime.Stack(stack, false)]
		switch {
		case bytes.Contains(stack, []byte("(*Queue).commitAlone")):
			alone.Add(1)
		case bytes.Contains(stack, []byte("(*Queue).run")):
			byWriter.Add(1)
		}
		if hold.CompareAndSwap(true, false) {
			entered <- struct{}{}
			<-release
		}
		for i, r := range batch {
			r.Res = eventstore.AppendResult{Position: eventstore.Position(len(batch)*100 + i)}
		}
	})
	submit := func() error {
		_, err := q.Submit(context.Background(), "s", eventstore.Any, []eventstore.EventData{{}}, 1)
		return err
	}

	// Alone: its caller commits it, as a group of one.
	res, err := q.Submit(context.Background(), "s", eventstore.Any, []eventstore.EventData{{}}, 1)
	if err != nil || res.Position != 100 || alone.Load() != 1 || byWriter.Load() != 0 {
		t.Fatalf("lone append: %+v, %v; committed alone %d, by the writer %d; want alone, as a group of one", res, err, alone.Load(), byWriter.Load())
	}

	// A commit held open: the appends made meanwhile cannot take the turn,
	// so they queue, and the writer commits them once it is released.
	hold.Store(true)
	first := make(chan error, 1)
	go func() { first <- submit() }()
	<-entered
	var wg sync.WaitGroup
	for range 8 {
		wg.Go(func() {
			if err := submit(); err != nil {
				t.Error(err)
			}
		})
	}
	time.Sleep(100 * time.Millisecond) // for them to queue
	close(release)
	wg.Wait()
	if err := <-first; err != nil {
		t.Fatal(err)
	}
	if byWriter.Load() == 0 {
		t.Fatal("no append queued behind a commit under way was committed by the writer")
	}

	// Many at once: whoever commits, one commit at a time.
	for range 200 {
		wg.Go(func() {
			if err := submit(); err != nil {
				t.Error(err)
			}
		})
	}
	wg.Wait()
	if overlaps.Load() != 0 {
		t.Fatalf("%d commits ran while another was under way", overlaps.Load())
	}
}
