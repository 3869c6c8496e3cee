package projections

import (
	"context"
	"errors"
	"iter"
	"runtime"
	"sync"

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

type batch struct {
	items []decoded
	err   error // the source's error, after the items
	done  chan struct{}
}

// errStop ends consume early; it is not returned.
var errStop = errors.New("stop")

// consume folds the messages of src in order. stop (optional) ends it before
// a record, onCaughtUp is called for a caught-up signal, onErr decides what
// an Apply error does (a non-nil result ends consume with it). It returns
// src's error, or nil when src ends or stop said so.
func (p *Projections) consume(ctx context.Context, src func(context.Context) iter.Seq2[eventstore.Message, error],
	stop func(eventstore.Record) bool, onCaughtUp func(), onErr func(error) error) error {
	ctx, cancel := context.WithCancel(ctx)
	var wg sync.WaitGroup
	// Cancel first, then wait: a batcher blocked on a full order channel
	// after a stop only returns once ctx ends (two separate defers ran the
	// wait first, last-in first-out, and a stopped replay could hang).
	defer func() {
		cancel()
		wg.Wait()
	}()

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

	workers := max(runtime.GOMAXPROCS(0), 1)
	work := make(chan *batch, workers)
	order := make(chan *batch, 2*workers)
	wg.Go(func() {
		defer close(order)
		defer close(work)
		for {
			b, ok := nextBatch(ctx, msgs)
			if !ok {
				if ctx.Err() == nil && srcErr != nil {
					b = &batch{err: srcErr, done: closedChan}
					select {
					case order <- b:
					case <-ctx.Done():
					}
				}
				return
			}
			for _, ch := range []chan *batch{work, order} {
				select {
				case ch <- b:
				case <-ctx.Done():
					return
				}
			}
		}
	})
	for range workers {
		wg.Go(func() {
			for b := range work {
				for i := range b.items {
					b.items[i].decode()
				}
				close(b.done)
			}
		})
	}

	for b := range order {
		select {
		case <-b.done:
		case <-ctx.Done():
			return ctx.Err()
		}
		if b.err != nil {
			return b.err
		}
		err := p.foldBatch(b.items, stop, onCaughtUp, onErr)
		b.release() // folded: no other goroutine holds it any more
		if err != nil {
			if errors.Is(err, errStop) {
				return nil
			}
			return err
		}
	}
	return ctx.Err()
}

var closedChan = func() chan struct{} { c := make(chan struct{}); close(c); return c }()

// batchPool recycles batches: at maxBatch items of a few hundred bytes each,
// a new one per batch was a tenth of a replay's allocation.
var batchPool = sync.Pool{New: func() any { return &batch{items: make([]decoded, 0, maxBatch)} }}

// release returns a folded batch to the pool, dropping what its items refer
// to (records, events) so that the pool keeps nothing alive.
func (b *batch) release() {
	clear(b.items)
	b.items = b.items[:0]
	b.err, b.done = nil, nil
	batchPool.Put(b)
}

// nextBatch waits for one message, then takes those already waiting.
func nextBatch(ctx context.Context, msgs <-chan eventstore.Message) (*batch, bool) {
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
	b := batchPool.Get().(*batch)
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

func (d *decoded) decode() {
	if d.msg.CaughtUp {
		return
	}
	r := &d.msg.Record
	d.id, d.isAccount = accountID(r.Stream)
	if d.isAccount {
		d.ev, d.err = domain.DecodeEvent(r.Type, r.Data)
	}
}

// foldBatch applies a decoded batch under one write lock.
func (p *Projections) foldBatch(items []decoded, stop func(eventstore.Record) bool, onCaughtUp func(), onErr func(error) error) error {
	p.mu.Lock()
	defer p.mu.Unlock()
	for i := range items {
		d := &items[i]
		if d.msg.CaughtUp {
			if onCaughtUp != nil {
				onCaughtUp()
			}
			continue
		}
		if stop != nil && stop(d.msg.Record) {
			return errStop
		}
		if err := p.applyDecoded(d.msg.Record, d.id, d.isAccount, d.ev, d.err); err != nil && onErr != nil {
			if err := onErr(err); err != nil {
				return err
			}
		}
	}
	return nil
}
