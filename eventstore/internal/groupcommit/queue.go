// Package groupcommit is the write path the embedded stores (bolt, seglog)
// share: a queue of appends drained by one writer goroutine that commits
// them as one group (one transaction, one fsync), and EventStoreDB's
// expected-revision decision. How a group is written is each store's own
// business.
package groupcommit

import (
	"context"
	"sync"

	"github.com/fapiao/fapiao/eventstore"
)

// Request is one append waiting for the writer. Requests are pooled: the
// steady state of a busy server is one allocation-free round trip each.
type Request struct {
	Ctx      context.Context
	Stream   string
	Expected eventstore.ExpectedRevision
	Events   []eventstore.EventData
	Size     int // bytes of the events, as eventstore.CheckAppend counted them

	// Set by the store's commit.
	Res eventstore.AppendResult
	Err error
	// First is the position of the first event when the events sit at
	// consecutive positions First … Res.Position (Contiguous).
	First      eventstore.Position
	Contiguous bool

	// More are further parts of an atomic append (SubmitAtomic): the
	// store's commit writes this request and each of More, or none. Only a
	// store whose commit knows them submits any.
	More []*Request

	done chan struct{} // capacity 1: the writer never blocks answering
}

var requestPool = sync.Pool{New: func() any { return &Request{done: make(chan struct{}, 1)} }}

func (r *Request) release() {
	for _, m := range r.More {
		m.release()
	}
	clear(r.More)
	r.More = r.More[:0]
	r.Ctx, r.Events, r.Err = nil, nil, nil
	r.Res = eventstore.AppendResult{}
	r.First, r.Contiguous = 0, false
	requestPool.Put(r)
}

// Limits bound one group: enough to amortise an fsync many times over,
// small enough that a group neither holds much memory nor delays its first
// append long.
type Limits struct {
	Events int
	Bytes  int
}

// Queue hands appends to the writer.
type Queue struct {
	reqs       chan *Request
	quit       chan struct{} // closed by Close: the writer stops taking work
	writerDone chan struct{} // closed when the writer has returned
	started    bool
	closeOnce  sync.Once
	// enq is held shared by Submit while it queues a request, and by
	// Close alone while it sets closed, before quit is closed: so every
	// request queued is in reqs before the writer can see quit, and the
	// writer answers each one (a commit, or refuseQueued). Submit then
	// waits on its request's done channel alone. It used to wait in a
	// select beside writerDone, for a request queued after the writer's
	// last look: every append of every writer locked that one shared
	// channel and queued on it (runtime.selectgo was 5 % of bench
	// append's CPU at 256 accounts).
	enq     sync.RWMutex
	closed  bool          // set under enq by Close: Submit queues nothing more
	closing chan struct{} // closed when Close begins: a Submit waiting for room gives up
	// commit is the store's (Start), and commitMu the turn to run it: the
	// writer's groups and the lone appends committed by their own caller
	// (commitAlone) take turns; alone is the latter's group of one.
	commit   func([]*Request)
	commitMu sync.Mutex
	alone    [1]*Request
}

// NewQueue returns a queue. A store that writes Starts it; a read-only one
// does not, and every Submit then fails once the queue is closed.
func NewQueue() *Queue {
	return &Queue{
		reqs:       make(chan *Request, 1024),
		quit:       make(chan struct{}),
		writerDone: make(chan struct{}),
		closing:    make(chan struct{}),
	}
}

// Closed reports whether Close was called.
func (q *Queue) Closed() bool {
	select {
	case <-q.quit:
		return true
	default:
		return false
	}
}

// Close stops the writer after the group it is committing (appends still
// queued fail with ErrClosed) and waits for it. Calling it again is harmless.
func (q *Queue) Close() {
	q.closeOnce.Do(func() {
		close(q.closing)
		q.enq.Lock() // waits for a Submit that is queueing, if any
		q.closed = true
		q.enq.Unlock()
		close(q.quit)
		if !q.started {
			q.refuseQueued() // no writer to answer them
			close(q.writerDone)
		}
	})
	<-q.writerDone
}

// Admit says why an append may not be queued, if it may not: a cancelled
// ctx, a closed store, else refuse's answer (why an open store takes no
// writes: read-only, damaged; nil when it does). The embedded stores check
// in this order, after the events themselves (eventstore.CheckAppend).
func (q *Queue) Admit(ctx context.Context, refuse func() error) error {
	if err := CtxErr(ctx); err != nil {
		return err
	}
	if q.Closed() {
		return eventstore.ErrClosed
	}
	return refuse()
}

// Submit queues an append and waits for the writer's answer. FirstPosition
// is set whenever the events sit at consecutive positions: always when
// this append wrote them, and on a retry of events that one append wrote.
func (q *Queue) Submit(ctx context.Context, stream string, expected eventstore.ExpectedRevision, events []eventstore.EventData, size int) (eventstore.AppendResult, error) {
	r := requestPool.Get().(*Request)
	r.Ctx, r.Stream, r.Expected, r.Events, r.Size = ctx, stream, expected, events, size
	if err := q.wait(ctx, r); err != nil {
		return eventstore.AppendResult{}, err
	}
	res, err := r.result()
	r.release()
	return res, err
}

// SubmitAtomic queues the parts as one request (the first, the others in
// its More) for a store whose commit writes them all or none, and waits for
// the writer's answer: each part's result, or the first part's error.
func (q *Queue) SubmitAtomic(ctx context.Context, parts []eventstore.StreamAppend, size int) ([]eventstore.AppendResult, error) {
	r := requestPool.Get().(*Request)
	r.Ctx, r.Stream, r.Expected, r.Events, r.Size = ctx, parts[0].Stream, parts[0].Expected, parts[0].Events, size
	for _, p := range parts[1:] {
		m := requestPool.Get().(*Request)
		m.Ctx, m.Stream, m.Expected, m.Events = ctx, p.Stream, p.Expected, p.Events
		r.More = append(r.More, m)
	}
	if err := q.wait(ctx, r); err != nil {
		return nil, err
	}
	defer r.release()
	out := make([]eventstore.AppendResult, len(parts))
	var err error
	out[0], err = r.result()
	for i, m := range r.More {
		var e error
		out[i+1], e = m.result()
		if err == nil {
			err = e
		}
	}
	if err != nil {
		return nil, err
	}
	return out, nil
}

// result is what the writer answered r.
func (r *Request) result() (eventstore.AppendResult, error) {
	res, err := r.Res, r.Err
	if err == nil && r.Contiguous && len(r.Events) > 0 {
		res.FirstPosition = r.First
	}
	return res, err
}

// wait queues r and waits for the writer's answer. On an error r was not
// queued and is released.
func (q *Queue) wait(ctx context.Context, r *Request) error {
	q.enq.RLock()
	if q.closed {
		q.enq.RUnlock()
		r.release()
		return eventstore.ErrClosed
	}
	if q.commitAlone(r) {
		q.enq.RUnlock()
		return nil
	}
	select {
	case q.reqs <- r:
		// Room in the queue, the usual case: queued without a select on
		// ctx (a blocking select locks every channel it waits on).
	default:
		// The queue is full: wait for room, ctx or Close (which waits
		// for this, enq, and may have no writer making room).
		select {
		case q.reqs <- r:
		case <-q.closing:
			q.enq.RUnlock()
			r.release()
			return eventstore.ErrClosed
		case <-ctx.Done():
			q.enq.RUnlock()
			r.release()
			return ctx.Err()
		}
	}
	q.enq.RUnlock()
	// Not watching ctx from here on: the writer may already be committing
	// this append, and an answer of "cancelled" for a write that happened
	// would mislead. A commit takes one fsync. The writer answers every
	// queued request, Close or not (enq).
	<-r.done
	return nil
}

// commitAlone commits r in the caller's goroutine, as a group of one,
// when nothing is queued and nothing is being committed, and reports
// whether it did. A lone append so costs no hand-off to the writer and
// back: two goroutines woken, often two threads, which on a VM whose
// fsync takes 0.1 ms were half of a lone append's time. Under load the
// queue is never empty and the writer groups the appends as before. The
// caller holds enq shared, so Close waits for this commit.
func (q *Queue) commitAlone(r *Request) bool {
	if q.commit == nil || len(q.reqs) > 0 || !q.commitMu.TryLock() {
		return false
	}
	defer q.commitMu.Unlock()
	if len(q.reqs) > 0 {
		return false // queued meanwhile: after those, by the writer
	}
	q.alone[0] = r
	q.commit(q.alone[:])
	q.alone[0] = nil
	return true
}

// Start starts the writer goroutine (see run); call it at most once,
// before the queue is shared.
func (q *Queue) Start(lim Limits, commit func([]*Request)) {
	q.started, q.commit = true, commit
	go q.run(lim)
}

// run is the writer: it takes the first pending append, drains every other
// one already waiting (up to lim), hands them to commit as one group and
// answers them all. There is no timer: under load the queue fills while a
// commit runs, so groups grow by themselves; a lone append commits at
// once. commit sets each request's Res or Err; it runs in the writer
// goroutine, or in a lone append's own (commitAlone), one commit at a
// time. run returns after Close.
func (q *Queue) run(lim Limits) {
	defer close(q.writerDone)
	group := make([]*Request, 0, 256)
	for {
		group = group[:0]
		select {
		case r := <-q.reqs:
			group = append(group, r)
		case <-q.quit:
			q.refuseQueued()
			return
		}
		events, size := len(group[0].Events), group[0].Size
	drain:
		for events < lim.Events && size < lim.Bytes {
			select {
			case r := <-q.reqs:
				group = append(group, r)
				events += len(r.Events)
				size += r.Size
			default:
				break drain
			}
		}
		q.commitMu.Lock()
		q.commit(group)
		q.commitMu.Unlock()
		for i, r := range group {
			r.done <- struct{}{}
			group[i] = nil
		}
	}
}

// refuseQueued answers the appends still queued at Close.
func (q *Queue) refuseQueued() {
	for {
		select {
		case r := <-q.reqs:
			r.Err = eventstore.ErrClosed
			r.done <- struct{}{}
		default:
			return
		}
	}
}

// CtxErr is ctx.Err() without the lock for contexts that can never end.
func CtxErr(ctx context.Context) error {
	if ctx.Done() == nil {
		return nil
	}
	return ctx.Err()
}
