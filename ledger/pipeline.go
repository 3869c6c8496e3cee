package ledger

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/fapiao/fapiao/domain"
	"github.com/fapiao/fapiao/eventstore"
)

// Commands on one account are serialised: each is decided on the state the
// one before it left. Deciding is microseconds, but a durable append is an
// fsync, so one command per append caps an account at one command per
// fsync. Instead, commands queue per account and the first one in becomes
// the leader: it takes everything queued (up to maxBatchCommands), decides
// the commands one after the other on the evolving state, and appends all
// their events in one append with one expected revision (group commit at
// the ledger level). Each command still gets its own result, events, rule
// error and idempotency record, exactly as if run alone in that order. When
// the batch is answered, leadership passes to the first command that queued
// meanwhile. A lone command is a batch of one: nothing waits for company.
//
// What cannot share a batch waits for the next one: a command whose
// idempotency key an earlier command of the batch used (its replay must
// read what that one wrote).

// maxBatchCommands bounds a batch, so that one append stays a reasonable
// size and the leader's own caller is not held up for long.
const maxBatchCommands = 128

// waiter is one command in an account's queue.
type waiter struct {
	c   command
	ctx context.Context
	out outcome
	// lead is set, before done is closed, when the waiter is to take over
	// as the account's leader instead of having been answered.
	lead bool
	// alone is set by enqueue when w leads an idle account and is its
	// whole batch, taken out of the queue already (lead skips take: one
	// lock of the queues fewer for a lone command).
	alone bool
	done  chan struct{} // set by enqueue when w is to wait
	// aq is the account's queue, set by enqueue: it stays the account's
	// while w is in it, so the leader's take and finish need not look it
	// up again.
	aq *accountQueue
	// detached is the context the waiter's batch runs under when it
	// leads: context.WithoutCancel without its allocation a command.
	detached detached
}

// detached is a context with its parent's values but never canceled and
// without a deadline, as context.WithoutCancel returns: the leader's
// store calls must not fail because its own caller left. It lives in the
// pooled waiter, so a batch's context costs no allocation.
type detached struct{ parent context.Context }

func (detached) Deadline() (time.Time, bool) { return time.Time{}, false }
func (detached) Done() <-chan struct{}       { return nil }
func (detached) Err() error                  { return nil }
func (d *detached) Value(key any) any        { return d.parent.Value(key) }
func (d *detached) String() string           { return fmt.Sprint(d.parent) + ".WithoutCancel" }

// outcome is what a command's attempt gave.
type outcome struct {
	res      Result
	err      error
	deferred bool // to be decided in the next batch
}

// queues holds the accounts that have commands running or waiting.
type queues struct {
	mu sync.Mutex
	m  map[string]*accountQueue
	// idle keeps queues of accounts that went idle, for reuse: with one
	// client per account, an account's queue comes and goes with every
	// command.
	idle []*accountQueue
}

// maxIdleQueues bounds the queues kept for reuse.
const maxIdleQueues = 1024

type accountQueue struct {
	pending []*waiter
	busy    bool // a leader is running
}

func newQueues() *queues { return &queues{m: map[string]*accountQueue{}} }

// enqueue adds w to the account's queue and reports whether w must lead.
func (q *queues) enqueue(acc string, w *waiter) bool {
	q.mu.Lock()
	defer q.mu.Unlock()
	aq := q.m[acc]
	if aq == nil {
		if n := len(q.idle); n > 0 {
			aq, q.idle = q.idle[n-1], q.idle[:n-1]
		} else {
			aq = &accountQueue{}
		}
		q.m[acc] = aq
	}
	w.aq = aq
	aq.pending = append(aq.pending, w)
	if aq.busy {
		// Only a command that waits needs a channel to be woken by (a lone
		// command leads at once): made here, before any leader can see w.
		w.done = make(chan struct{})
		return false
	}
	aq.busy = true
	if len(aq.pending) == 1 {
		aq.pending[0] = nil
		aq.pending, w.alone = aq.pending[:0], true
	}
	return true
}

// take removes the next batch of the account's queue aq and returns it
// appended to dst.
func (q *queues) take(aq *accountQueue, dst []*waiter) []*waiter {
	q.mu.Lock()
	defer q.mu.Unlock()
	n := min(len(aq.pending), maxBatchCommands)
	dst = append(dst, aq.pending[:n]...)
	clear(aq.pending[:n])
	if n == len(aq.pending) {
		aq.pending = aq.pending[:0] // the array is reused
	} else {
		aq.pending = aq.pending[n:]
	}
	return dst
}

// finish puts deferred commands back at the front of the account's queue
// aq and returns the next leader, or nil when the queue is empty (then the
// account is idle).
func (q *queues) finish(acc string, aq *accountQueue, deferred []*waiter) *waiter {
	q.mu.Lock()
	defer q.mu.Unlock()
	if len(deferred) > 0 {
		aq.pending = append(deferred, aq.pending...)
	}
	if len(aq.pending) == 0 {
		delete(q.m, acc)
		if len(q.idle) < maxIdleQueues {
			*aq = accountQueue{pending: aq.pending[:0]} // idle: not busy
			q.idle = append(q.idle, aq)
		}
		return nil
	}
	return aq.pending[0]
}

// waiters holds waiters between commands (one was an allocation a command).
// A waiter goes back only from submit, once its command is answered: a
// leader touches the waiters it answers only before closing their done
// channels, and the queue holds none it has handed out.
var waiters = sync.Pool{New: func() any { return new(waiter) }}

// submit runs c through the account's queue and returns its result.
func (l *Ledger) submit(ctx context.Context, c command) (Result, error) {
	w := waiters.Get().(*waiter)
	*w = waiter{c: c, ctx: ctx}
	if !l.queues.enqueue(c.AccountID, w) {
		// Not watching ctx: the leader may be appending this command right
		// now. It checks ctx before deciding; the wait is one append.
		<-w.done
		if !w.lead {
			return w.finish()
		}
	}
	l.lead(ctx, c.AccountID, w)
	return w.finish()
}

// finish returns w's outcome and puts w back for another command.
func (w *waiter) finish() (Result, error) {
	res, err := w.out.res, w.out.err
	*w = waiter{}
	waiters.Put(w)
	return res, err
}

// lead runs one batch for the account, then hands the queue to the next
// waiter (or leaves the account idle). self is the first of the queue when
// it leads, so it is in the batch, and the first command of a batch is
// never deferred: the one batch answers it.
func (l *Ledger) lead(ctx context.Context, acc string, self *waiter) {
	// The leader's store calls must not fail because its own caller left:
	// they carry the other commands of the batch too.
	// self is not put back before lead returns, so neither is its
	// context, and no store call keeps ctx past its return.
	self.detached = detached{parent: ctx}
	ctx = &self.detached
	// A batch is most often one command: its slice stays on the stack.
	var buf [4]*waiter
	aq := self.aq
	batch := buf[:0]
	if self.alone {
		batch = append(batch, self)
	} else {
		batch = l.queues.take(aq, batch)
	}
	deferred := l.runBatch(ctx, acc, batch)
	next := l.queues.finish(acc, aq, deferred)
	for _, w := range batch {
		if !w.out.deferred && w != self {
			close(w.done)
		}
	}
	if next == self {
		// The invariant above is broken: self has no answer and nobody
		// would lead the queue again.
		panic("ledger: a batch deferred its own leader")
	}
	if next != nil {
		next.lead = true
		close(next.done)
	}
}

// runBatch decides and appends a batch, retrying it whole when the append
// loses a race, and returns the commands deferred to the next batch. Each
// other waiter's outcome is set.
func (l *Ledger) runBatch(ctx context.Context, acc string, batch []*waiter) (deferred []*waiter) {
	defer l.locks.lock(acc).Unlock()
	var buf [4]outcome // a batch's outcomes, on the stack for a small batch
	// A lone command appends its invoice numbers' reservations with its
	// events in one atomic append where the store can (claimAtomic).
	atomic := l.atomic != nil && len(batch) == 1
	for attempt := 0; ; attempt++ {
		outs, err := l.attemptBatch(ctx, acc, batch, buf[:0], atomic)
		if errors.Is(err, errAtomicRefused) {
			// A part was refused: the account moved, or a number is taken
			// (ISSUE-2). Decide again at once the way that tells the two
			// apart, with the reservations appended first.
			l.cache.drop(acc)
			atomic = false
			attempt--
			continue
		}
		if err == nil {
			for i, w := range batch {
				w.out = outs[i]
				if outs[i].deferred {
					deferred = append(deferred, w)
				}
			}
			return deferred
		}
		// Someone else wrote to the account: what we folded is stale.
		l.cache.drop(acc)
		if attempt >= l.maxRetries {
			for _, w := range batch {
				w.out = outcome{err: fmt.Errorf("%w (account %s, %d attempts): %w", ErrConflict, acc, attempt+1, err)}
			}
			return nil
		}
		if err := backoff(ctx, attempt); err != nil {
			for _, w := range batch {
				w.out = outcome{err: err}
			}
			return nil
		}
	}
}

// sealedBuf is where a batch's sealed events are gathered: the slice of
// them, and the arena their bytes are written in — the data's copies,
// the envelopes, the hashes (eventstore.SealDataIn). Both are the batch's
// until the store has answered — Store.Append keeps nothing of its
// events, and the results keep none of those bytes (records, and
// Result.Events for the data) — and are then reused: they were half the
// bytes a command allocated, and so of the collections that stall the
// commands (docs/performance.md, "Envelopes in a reused arena").
type sealedBuf struct {
	events []eventstore.EventData
	arena  []byte
}

// sealedBufs keeps sealedBufs between batches.
var sealedBufs = sync.Pool{New: func() any { return new(sealedBuf) }}

// maxPooledSealed bounds the events a pooled slice keeps room for, and
// maxPooledArena the bytes of a pooled arena.
const (
	maxPooledSealed = 256
	maxPooledArena  = 256 << 10
)

// span is where one command's events sit in a batch's append.
type span struct{ cmd, first, n int }

// attemptBatch is one load–decide–append round for a batch. It returns
// ErrWrongExpectedVersion (wrapped) when the append lost a race: then no
// outcome stands and the batch is to be decided again. The outcomes are
// appended to buf. The caller holds the account's lock.
func (l *Ledger) attemptBatch(ctx context.Context, acc string, batch []*waiter, buf []outcome, atomic bool) ([]outcome, error) {
	outs := slices.Grow(buf, len(batch))[:len(batch)]
	clear(outs)
	f, err := l.current(ctx, acc)
	if err != nil {
		for i := range outs {
			outs[i].err = err
		}
		return outs, nil
	}
	base := f.acc.Version
	stream := f.stream
	sb := sealedBufs.Get().(*sealedBuf)
	all := sb.events[:0]
	sb.arena = sb.arena[:0]
	defer func() {
		// The store is done with the events once it has answered, and
		// the results keep none of their bytes. Past len too: a failed
		// seal cut all short of what it had written.
		clear(all[:cap(all)])
		sb.events = nil
		if cap(all) <= maxPooledSealed {
			sb.events = all[:0]
		}
		if cap(sb.arena) > maxPooledArena {
			sb.arena = nil
		}
		sealedBufs.Put(sb)
	}()
	var (
		pending []eventstore.StreamAppend // reservations to append with all (claimAtomic)
		spans   []span
		keys    map[string]bool // idempotency keys decided in this batch
		changed bool            // f holds events not yet appended
	)
	for i, w := range batch {
		c := w.c
		if err := w.ctx.Err(); err != nil {
			outs[i].err = err
			continue
		}
		if c.IdempotencyKey != "" {
			if keys[c.key] {
				outs[i].deferred = true
				continue
			}
			// c.key is the key in its scope (prepare).
			first, seen, err := f.acc.CheckIdempotencyDigest(c.idem, c.IdempotencyKey, c.RequestHash)
			if err != nil {
				outs[i].err = err
				continue
			}
			if seen {
				if changed {
					// Its replay would show this batch's unwritten state.
					outs[i].deferred = true
				} else {
					outs[i].res, outs[i].err = l.replay(ctx, &c, f, first)
				}
				continue
			}
			if len(batch) > 1 { // a lone command has no one to share its key with
				if keys == nil {
					keys = map[string]bool{}
				}
				keys[c.key] = true
			}
		}
		now := CanonicalTime(l.clock, l.clock.Now())
		ids := getIDSource(c.AccountID, c.key)
		events, err := c.Command.Decide(f.acc, domain.Env{
			Now:      now,
			Issuer:   l.issuer,
			TaxRate:  l.taxRate,
			Calendar: l.calendar(),
			NewID:    ids.newID,
		})
		putIDSource(ids)
		if err != nil {
			outs[i].err = err
			continue
		}
		if len(events) == 0 {
			outs[i].res = c.result(f.acc)
			continue
		}
		meta := c.metadata(now)
		np := len(pending)
		claimed := false
		if atomic {
			pending, claimed, err = l.claimAtomic(ctx, c, meta, events, pending)
		}
		if err == nil && !claimed {
			err = l.claim(ctx, c, meta, events)
		}
		if err != nil {
			pending = pending[:np]
			outs[i].err = err
			continue
		}
		n := len(all)
		var hash string
		all, hash, err = seal(&sb.arena, all, stream, c, meta, f, events)
		if err != nil {
			all, pending = all[:n], pending[:np]
			outs[i].err = err
			continue
		}
		sealed := all[n:]
		// The cached state moves on now; if the append fails the cache is
		// dropped and the account folded again from the log. It folds the
		// events as stored — seal's stored forms (domain's
		// TestStoredFormIsTheDecodedForm), or decoded from their JSON — so
		// the cache holds exactly what a fresh fold of the log would give.
		changed = true
		first := f.acc.Version
		for j, e := range sealed {
			stored, err := events[j], error(nil)
			if stored == nil {
				stored, err = domain.DecodeEvent(e.Type, e.Data)
			}
			if err == nil {
				events[j] = stored // for the result (Result.Events)
				err = f.acc.Fold(stored)
			}
			if err != nil {
				l.cache.drop(acc)
				err = fmt.Errorf("ledger: cannot decode and fold the %s just encoded for %s: %w", e.Type, stream, err)
				for j := range outs {
					outs[j] = outcome{err: err}
				}
				return outs, nil
			}
		}
		f.lastHash = strings.Clone(hash) // the arena's bytes: the next batch writes over them
		if c.IdempotencyKey != "" {
			f.acc.RememberDigest(c.idem, first, f.acc.Version-1)
		}
		spans = append(spans, span{cmd: i, first: n, n: len(sealed)})
		outs[i].res = c.result(f.acc)
		outs[i].res.Events = events
	}
	if len(all) == 0 {
		return outs, nil
	}
	expected := eventstore.NoStream
	if base > 0 {
		expected = eventstore.Exact(base - 1)
	}
	var res eventstore.AppendResult
	if len(pending) > 0 {
		parts := append([]eventstore.StreamAppend{{Stream: stream, Expected: expected, Events: all}}, pending...)
		var rs []eventstore.AppendResult
		if rs, err = l.atomic.AppendAtomic(ctx, parts); err == nil {
			res = rs[0]
		} else if errors.Is(err, eventstore.ErrWrongExpectedVersion) {
			l.cache.drop(acc)
			return nil, fmt.Errorf("%w: %w", errAtomicRefused, err)
		}
	} else {
		res, err = l.store.Append(ctx, stream, expected, all...)
	}
	if err != nil {
		l.cache.drop(acc)
		if errors.Is(err, eventstore.ErrWrongExpectedVersion) {
			return nil, err
		}
		err = fmt.Errorf("ledger: append to %s: %w", stream, err)
		for _, s := range spans {
			outs[s.cmd] = outcome{err: err}
		}
		return outs, nil
	}
	recs := l.records(ctx, stream, base, all, res)
	for _, s := range spans {
		o := &outs[s.cmd]
		o.res.Records = recs[s.first : s.first+s.n : s.first+s.n]
		// A position that could not be read back is 0; the batch's last
		// position is then a safe one to wait for (read-your-writes).
		o.res.Position = recs[s.first+s.n-1].Position
		if o.res.Position == 0 {
			o.res.Position = res.Position
		}
	}
	return outs, nil
}
