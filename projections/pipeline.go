package projections

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"iter"
	"runtime"
	"runtime/debug"
	"sync"
	"time"

	"github.com/fapiao/fapiao/domain"
	"github.com/fapiao/fapiao/eventstore"
)

// Decoding the events' JSON is most of a fold's cost and needs no shared
// state, so Replay and Run decode on every core and fold in log order on
// one: a reader feeds messages to a batcher, which takes whatever has
// arrived (up to maxBatch, without waiting for more, so a live event is not
// held back), workers decode each batch, and the caller folds the batches
// in the order they were made, one write lock per batch.

const maxBatch = 256

// decoded is a message with its event decoded.
type decoded struct {
	msg       eventstore.Message
	id        string
	isAccount bool
	ev        domain.Event
	err       error
}

type chunk struct {
	items []decoded
	err   error // the source's error, after the items
	done  chan struct{}
	// lent: the items' Data and Metadata are the store's mapped bytes,
	// valid only until the chunk is decoded (lendSource); decoding copies
	// each Metadata into meta (reused with the chunk) and drops the Data,
	// but for the first record of the read when keepFirst (the log's
	// identity hashes it).
	lent, keepFirst bool
	meta            []byte
}

// errStop ends consume early; it is not returned.
var errStop = errors.New("stop")

// lendSource reads the log in chunks lent inside the store's read
// transaction (bolt.Store.LendAll): fn must be done with the records'
// bytes when it returns.
type lendSource func(ctx context.Context, fn func([]eventstore.Record) error) error

// consume folds the messages of src in order. stop (optional) ends it before
// a record, onCaughtUp is called for a caught-up signal, onErr decides what
// a record's error does (a non-nil result ends consume with it). It returns
// src's error, or nil when src ends or stop said so.
//
// Batches are committed when they reach commitEvery records (or hold
// maxDirtyBytes of accounts), before a caught-up signal, at the end, and,
// unless bulk, whenever no more decoded records are waiting: live, what
// arrived is committed at once, or at the end of liveCommitInterval after
// the last commit, or as soon as a reader waits for a position; catching
// up, batches grow by themselves.
//
// With lend (a private build on a store that lends its records), the
// records are read from lend instead of src, and each chunk the store
// lends is decoded before its read transaction ends: the records are
// never copied out of the store.
func (p *Projections) consume(ctx context.Context, src func(context.Context) iter.Seq2[eventstore.Message, error],
	stop func(eventstore.Record) bool, onCaughtUp func(), onErr func(error) error, bulk bool, lend lendSource) (err error) {
	p.wmu.Lock()
	defer p.wmu.Unlock()
	ctx, wg := newWorkGroup(ctx)
	defer wg.stop()

	workers := max(runtime.GOMAXPROCS(0), 1)
	work := make(chan *chunk, workers)
	order := make(chan *chunk, 2*workers)
	if lend != nil {
		wg.Go(func() { readLent(ctx, lend, work, order) })
	} else {
		msgs := make(chan eventstore.Message, 4*maxBatch)
		var srcErr error // written by the reader before it closes msgs
		wg.Go(func() {
			defer close(msgs)
			for m, err := range src(ctx) {
				if err != nil {
					srcErr = err
					return
				}
				select {
				case msgs <- m:
				case <-ctx.Done():
					return
				}
			}
		})
		wg.Go(func() {
			defer close(order)
			defer close(work)
			for {
				b, ok := nextBatch(ctx, msgs)
				if !ok {
					if ctx.Err() == nil && srcErr != nil {
						b = &chunk{err: srcErr, done: closedChan}
						select {
						case order <- b:
						case <-ctx.Done():
						}
					}
					return
				}
				if !sendEach(ctx, b, work, order) {
					return
				}
			}
		})
	}
	for range workers {
		wg.Go(func() {
			for b := range work {
				b.decode()
				close(b.done)
			}
		})
	}

	if bulk && p.exclusive {
		defer paceBuild()()
	}
	f := &folder{p: p, stop: stop, onCaughtUp: onCaughtUp, onErr: onErr}
	// Whatever ends consume, what was folded is committed: the file then
	// holds exactly the records before the committed position.
	defer func() {
		if cerr := f.commit(); err == nil && cerr != nil {
			err = cerr
		}
	}()
	// Live, a batch left open waits for the end of its commit interval
	// (due), or for a reader that waits for a position (waiting).
	var due <-chan time.Time
	var waiting <-chan struct{}
	if !bulk {
		waiting = p.waiting
	}
	for {
		var b *chunk
		select {
		case c, ok := <-order:
			if !ok {
				return ctx.Err()
			}
			b = c
		case <-due:
			due = nil
			f.observe()
			if err := f.commit(); err != nil {
				return err
			}
			continue
		case <-waiting:
			due = nil
			if err := f.commit(); err != nil {
				return err
			}
			continue
		case <-ctx.Done():
			return ctx.Err()
		}
		select {
		case <-b.done:
		case <-ctx.Done():
			return ctx.Err()
		}
		if b.err != nil {
			return b.err
		}
		err := f.foldChunk(b.items)
		b.release() // folded: no other goroutine holds it any more
		if err != nil {
			if errors.Is(err, errStop) {
				return nil
			}
			return err
		}
		if f.b != nil && !bulk && len(order) == 0 {
			// The pace sees every chunk folded live (livepace.go).
			wait := f.pace.wait(time.Now(), f.committed)
			switch {
			case due != nil: // the batch's commit is due already
			case wait <= 0 || p.waiters.Load() > 0:
				if wait <= 0 {
					f.observe()
				}
				if err := f.commit(); err != nil {
					return err
				}
			default:
				due = time.After(wait)
			}
		}
	}
}

// liveCommitInterval is the least time between two live commits when
// records keep coming: under a stream of commands a commit takes what
// arrived meanwhile, and its costs that do not grow with its records (the
// views file's transaction, each changed account's copy and tail entry)
// are paid once for several commands. A record arriving after a quiet
// spell is committed at once, and a reader waiting for a position
// (WaitFor, Fapiao-Min-Position) has the open batch committed at once: the
// interval only delays what nobody waits for: a read without a position
// may lag the log by up to this much under a stream (API.md promises
// nothing there). 25 ms rather than 10: at 2 000 commands/s a batch holds
// ≈ 50 records instead of 20, and the views' CPU a record falls ≈ 20 %, the
// bytes written by half (docs/performance.md, "The mix, early morning of
// 30 Nov"). The least interval: livepace.go lengthens it to liveCommitMax
// as the records come faster. A variable for the tests.
var liveCommitInterval = 25 * time.Millisecond

// commitEvery is the most records one batch holds (a variable for the
// crash test, which wants many commits).
var commitEvery = 20_000

// bulkDirtyBytes bounds the changed accounts a private build (exclusive)
// keeps decoded across its commits. Such a file is served only once it is
// complete, so its intermediate commits need not hold the accounts: they
// are encoded when this much has changed and at the end, not at every
// commit (an account is encoded whole, and in a build most of them change
// between two commits: encoding them at each was most of a rebuild's CPU).
const bulkDirtyBytes = 128 << 20

// bulkRecords bounds the records a private build folds between two commits
// of its accounts: an account not yet encoded has no size to count, so the
// bytes alone would let a fresh build keep every account. A variable for
// the tests, which want many such commits.
var bulkRecords = 1_000_000

// folder folds chunks into the open batch.
type folder struct {
	p          *Projections
	b          *batch
	stop       func(eventstore.Record) bool
	onCaughtUp func()
	onErr      func(error) error
	// carried are the changed accounts a partial commit kept for the next
	// batch, their size and the index entries held back with them.
	carried      map[string]*accountView
	carriedBytes int
	carriedIdx   *indexBuf
	carriedRecs  int // records folded since the accounts were last written
	// committed is when the last commit ended (liveCommitInterval).
	committed time.Time
	// pace sets the live commit interval (livepace.go).
	pace livePace
}

// commit commits the open batch whole: its accounts too, and those a
// partial commit carried.
func (f *folder) commit() error {
	if f.b != nil || f.carried != nil {
		defer func() { f.committed = time.Now() }()
	}
	if f.b == nil && f.carried != nil {
		b, err := f.p.begin()
		if err != nil {
			return err
		}
		b.dirty, b.dirtyBytes, b.idx = f.carried, f.carriedBytes, f.carriedIdx
		f.carried, f.carriedIdx, f.b = nil, nil, b
	}
	if f.b == nil {
		return nil
	}
	b := f.b
	f.b = nil
	return b.commit(true)
}

// commitFull commits the open batch when it is full: whole, unless the
// projections are private and its accounts still fit bulkDirtyBytes; then
// the accounts stay decoded for the next batch.
func (f *folder) commitFull() error {
	b := f.b
	if !f.p.exclusive || b.dirtyBytes >= bulkDirtyBytes || f.carriedRecs+b.records >= bulkRecords {
		f.carriedRecs = 0
		return f.commit()
	}
	f.b = nil
	f.carried, f.carriedBytes, f.carriedIdx = b.dirty, b.dirtyBytes, b.idx
	f.carriedRecs += b.records
	return b.commit(false)
}

// foldChunk folds a decoded chunk into the open batch (opening one).
func (f *folder) foldChunk(items []decoded) error {
	for i := range items {
		d := &items[i]
		if d.msg.CaughtUp {
			// What precedes the signal is committed before anyone is told.
			if err := f.commit(); err != nil {
				return err
			}
			if f.onCaughtUp != nil {
				f.onCaughtUp()
			}
			continue
		}
		if f.stop != nil && f.stop(d.msg.Record) {
			return errStop
		}
		if f.b == nil {
			b, err := f.p.begin()
			if err != nil {
				return err
			}
			if f.carried != nil {
				b.dirty, b.dirtyBytes, b.idx = f.carried, f.carriedBytes, f.carriedIdx
				f.carried, f.carriedIdx = nil, nil
			}
			f.b = b
		}
		err := f.b.apply(d)
		var se *storageError
		if errors.As(err, &se) {
			f.b.rollback()
			f.b = nil
			return err
		}
		if err != nil && f.onErr != nil {
			if err := f.onErr(err); err != nil {
				return err
			}
		}
		if f.b != nil && (f.b.records >= commitEvery || f.b.dirtyBytes >= maxDirtyBytes) {
			if err := f.commitFull(); err != nil {
				return err
			}
		}
	}
	return nil
}

var closedChan = func() chan struct{} { c := make(chan struct{}); close(c); return c }()

// batchPool recycles batches: at maxBatch items of a few hundred bytes each,
// a new one per batch was a tenth of a replay's allocation.
var batchPool = sync.Pool{New: func() any { return &chunk{items: make([]decoded, 0, maxBatch)} }}

// release returns a folded batch to the pool, dropping what its items refer
// to (records, events) so that the pool keeps nothing alive.
func (b *chunk) release() {
	clear(b.items)
	b.items = b.items[:0]
	b.err, b.done = nil, nil
	b.lent, b.keepFirst = false, false
	batchPool.Put(b)
}

// nextBatch waits for one message, then takes those already waiting.
func nextBatch(ctx context.Context, msgs <-chan eventstore.Message) (*chunk, bool) {
	var first eventstore.Message
	select {
	case m, ok := <-msgs:
		if !ok {
			return nil, false
		}
		first = m
	case <-ctx.Done():
		return nil, false
	}
	b := batchPool.Get().(*chunk)
	b.items = append(b.items[:0], decoded{msg: first})
	b.done = make(chan struct{})
	for len(b.items) < maxBatch {
		select {
		case m, ok := <-msgs:
			if !ok {
				return b, true
			}
			b.items = append(b.items, decoded{msg: m})
		default:
			return b, true
		}
	}
	return b, true
}

// readLent cuts each chunk lend lends into batches for the workers and the
// fold, and returns to lend (ending the chunk's read transaction) only
// once the workers have decoded them all: after that no batch refers to
// the store's bytes. It closes work and order when lend ends; lend's
// error follows the batches on order.
func readLent(ctx context.Context, lend lendSource, work, order chan<- *chunk) {
	defer close(order)
	defer close(work)
	first := true
	var done []chan struct{}
	err := lend(ctx, func(recs []eventstore.Record) error {
		done = done[:0]
		// Whatever happens, the workers finish what they were given before
		// the transaction ends (they never drop a batch).
		defer func() {
			for _, d := range done {
				<-d
			}
		}()
		for len(recs) > 0 {
			n := min(len(recs), maxBatch)
			b := batchPool.Get().(*chunk)
			b.items = b.items[:0]
			for _, r := range recs[:n] {
				b.items = append(b.items, decoded{msg: eventstore.Message{Record: r}})
			}
			recs = recs[n:]
			b.lent, b.keepFirst, first = true, first, false
			b.done = make(chan struct{})
			select {
			case work <- b:
			case <-ctx.Done():
				return ctx.Err()
			}
			done = append(done, b.done)
			select {
			case order <- b:
			case <-ctx.Done():
				return ctx.Err()
			}
		}
		return nil
	})
	if err != nil && ctx.Err() == nil {
		select {
		case order <- &chunk{err: err, done: closedChan}:
		case <-ctx.Done():
		}
	}
}

// decode decodes the chunk's events. A lent chunk ends up owning what its
// items keep (see chunk); a memory fault reading the store's mapped bytes
// (a file truncated under it) is the chunk's error, not a crash.
func (b *chunk) decode() {
	if !b.lent {
		for i := range b.items {
			b.items[i].decode()
		}
		return
	}
	defer debug.SetPanicOnFault(debug.SetPanicOnFault(true))
	defer func() {
		if v := recover(); v != nil {
			// Only a fault on the mapped bytes (its panic has the address);
			// anything else is a bug, not a damaged log.
			if _, fault := v.(interface{ Addr() uintptr }); !fault {
				panic(v)
			}
			b.err = fmt.Errorf("projections: reading the log: %v: %w", v, eventstore.ErrCorrupt)
		}
	}()
	b.meta = b.meta[:0]
	for i := range b.items {
		d := &b.items[i]
		d.decode()
		r := &d.msg.Record
		if i == 0 && b.keepFirst {
			r.Data, r.Metadata = bytes.Clone(r.Data), bytes.Clone(r.Metadata)
			continue
		}
		start, empty := len(b.meta), r.Metadata != nil && len(r.Metadata) == 0
		b.meta = append(b.meta, r.Metadata...)
		r.Data, r.Metadata = nil, b.meta[start:len(b.meta):len(b.meta)]
		if empty {
			r.Metadata = []byte{}
		}
	}
}

func (d *decoded) decode() {
	if d.msg.CaughtUp {
		return
	}
	r := &d.msg.Record
	d.id, d.isAccount = accountID(r.Stream)
	if d.isAccount {
		// The fold keeps no statement lines (dropLines): only their sums.
		d.ev, d.err = domain.DecodeEventSummarized(r.Type, r.Data)
	}
}

// sendEach sends v on each channel in turn (a worker's, then the writer's,
// which keeps the order), and says false when ctx ends first.
func sendEach[T any](ctx context.Context, v T, chans ...chan T) bool {
	for _, ch := range chans {
		select {
		case ch <- v:
		case <-ctx.Done():
			return false
		}
	}
	return true
}

// workGroup is the goroutines of one build or replay, working under one
// context.
type workGroup struct {
	sync.WaitGroup
	cancel context.CancelFunc
}

func newWorkGroup(ctx context.Context) (context.Context, *workGroup) {
	ctx, cancel := context.WithCancel(ctx)
	return ctx, &workGroup{cancel: cancel}
}

// stop cancels the context, then waits for the goroutines. In that order:
// one blocked on a full channel after a stop returns only once the context
// ends (two separate defers ran the wait first, last-in first-out, and a
// stopped replay could hang).
func (g *workGroup) stop() {
	g.cancel()
	g.Wait()
}
