package ledger

import (
	"context"
	"fmt"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/fapiao/fapiao/domain"
	"github.com/fapiao/fapiao/eventstore"
	"github.com/fapiao/fapiao/eventstore/faultstore"
	"github.com/fapiao/fapiao/eventstore/memstore"
)

// spoiler fails (or lets another writer win) the first account append that
// carries more than one event: a batch of several commands.
type spoiler struct {
	eventstore.Store
	mu    sync.Mutex
	armed bool
	spoil func(ctx context.Context, stream string, exp eventstore.ExpectedRevision, evs []eventstore.EventData) (eventstore.AppendResult, error)
}

func (s *spoiler) Append(ctx context.Context, stream string, exp eventstore.ExpectedRevision, evs ...eventstore.EventData) (eventstore.AppendResult, error) {
	s.mu.Lock()
	fire := s.armed && len(evs) > 1
	if fire {
		s.armed = false
	}
	s.mu.Unlock()
	if fire {
		return s.spoil(ctx, stream, exp, evs)
	}
	return s.Store.Append(ctx, stream, exp, evs...)
}

// TestFailedAppendLeavesCacheAsTheLog: whatever happens to a batch's
// append — refused before writing, written but answered with an error, or
// lost to another writer — the state the account's next command is decided
// on is exactly a fresh fold of the log, hash included.
func TestFailedAppendLeavesCacheAsTheLog(t *testing.T) {
	ctx := context.Background()
	billingActor := eventstore.Actor{Role: string(domain.RoleBilling), ID: "billing"}
	cases := []struct {
		name string
		// spoil is the batch's append; other is a second ledger on the log.
		spoil func(mem eventstore.Store, other *Ledger) func(context.Context, string, eventstore.ExpectedRevision, []eventstore.EventData) (eventstore.AppendResult, error)
		err   error // what the batch's commands get (nil: they succeed on a retry)
	}{
		{"refused", func(eventstore.Store, *Ledger) func(context.Context, string, eventstore.ExpectedRevision, []eventstore.EventData) (eventstore.AppendResult, error) {
			return func(context.Context, string, eventstore.ExpectedRevision, []eventstore.EventData) (eventstore.AppendResult, error) {
				return eventstore.AppendResult{}, faultstore.ErrIO
			}
		}, eventstore.ErrUnavailable},
		{"written, answer lost", func(mem eventstore.Store, _ *Ledger) func(context.Context, string, eventstore.ExpectedRevision, []eventstore.EventData) (eventstore.AppendResult, error) {
			return func(ctx context.Context, stream string, exp eventstore.ExpectedRevision, evs []eventstore.EventData) (eventstore.AppendResult, error) {
				if _, err := mem.Append(ctx, stream, exp, evs...); err != nil {
					return eventstore.AppendResult{}, err
				}
				return eventstore.AppendResult{}, faultstore.ErrIO
			}
		}, eventstore.ErrUnavailable},
		{"lost race", func(mem eventstore.Store, other *Ledger) func(context.Context, string, eventstore.ExpectedRevision, []eventstore.EventData) (eventstore.AppendResult, error) {
			return func(ctx context.Context, stream string, exp eventstore.ExpectedRevision, evs []eventstore.EventData) (eventstore.AppendResult, error) {
				if _, err := other.Execute(ctx, Request{AccountID: "a1", Actor: billingActor, Command: pipelineStatement("2025-06", "7.00")}); err != nil {
					return eventstore.AppendResult{}, err
				}
				return mem.Append(ctx, stream, exp, evs...)
			}
		}, nil},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			mem := memstore.New()
			t.Cleanup(func() { _ = mem.Close() })
			sp := &spoiler{Store: mem}
			gated := newGatedStore(sp, StreamName("a1"))
			l := New(gated, Options{Clock: pipelineClock})
			sp.spoil = tc.spoil(mem, New(mem, Options{Clock: pipelineClock}))

			// The first command is held in its append; three more queue
			// behind it and become one batch, whose append is spoiled.
			first := make(chan error, 1)
			go func() {
				_, err := l.Execute(ctx, Request{AccountID: "a1", Actor: billingActor, Command: pipelineStatement("2026-01", "100.00")})
				first <- err
			}()
			<-gated.entered
			sp.mu.Lock()
			sp.armed = true
			sp.mu.Unlock()
			errs := make(chan error, 3)
			for i := range 3 {
				go func() {
					_, err := l.Execute(ctx, Request{AccountID: "a1", Actor: billingActor, IdempotencyKey: fmt.Sprint("k", i),
						Command: pipelineStatement(fmt.Sprintf("2025-%02d", i+1), "10.00")})
					errs <- err
				}()
			}
			waitQueued(t, l, "a1", 3)
			close(gated.gate)
			require.NoError(t, <-first)
			for range 3 {
				err := <-errs
				if tc.err == nil {
					assert.NoError(t, err)
				} else {
					assert.ErrorIs(t, err, tc.err)
				}
			}

			m := l.locks.lock("a1")
			got, err := l.current(ctx, "a1")
			m.Unlock()
			require.NoError(t, err)
			fresh, err := New(mem, Options{}).current(ctx, "a1")
			require.NoError(t, err)
			assert.Equal(t, fresh.acc, got.acc, "the state the next command is decided on")
			assert.Equal(t, fresh.lastHash, got.lastHash)
			assert.NotZero(t, got.acc.Version)

			// And the next command chains onto the log as it is.
			_, err = l.Execute(ctx, Request{AccountID: "a1", Actor: billingActor, Command: pipelineStatement("2025-12", "1.00")})
			require.NoError(t, err)
			prev := ""
			for r, err := range mem.ReadStream(ctx, StreamName("a1"), 0) {
				require.NoError(t, err)
				prev, err = eventstore.VerifyLink(r, prev)
				require.NoError(t, err)
			}
		})
	}
}

// TestCacheKeepsRecentlyUsed: the cache evicts the account used longest
// ago when hits move their accounts lazily (accountCache.pushes): strict
// LRU for a small cache, and for a large one no account is evicted that
// was used before fewer than three quarters of its size were added.
func TestCacheKeepsRecentlyUsed(t *testing.T) {
	small := newAccountCache(3, 0)
	for _, id := range []string{"a", "b", "c"} {
		small.put(id, cachedOf(1))
	}
	small.get("a") // b is now the least recently used
	small.put("d", cachedOf(1))
	if small.get("b") != nil || small.get("a") == nil || small.get("c") == nil || small.get("d") == nil {
		t.Fatal("a cache of three did not evict its least recently used account")
	}

	const size = 400
	c := newAccountCache(size, 0)
	for i := range size {
		c.put(fmt.Sprint(i), cachedOf(1))
	}
	// Hits on the oldest hundred (the back of the list), then half the
	// cache's size of new accounts: the hit accounts stay, the others of
	// the first ones go.
	for i := range size / 4 {
		c.get(fmt.Sprint(i))
	}
	for i := range size / 2 {
		c.put(fmt.Sprint("new", i), cachedOf(1))
	}
	for i := range size / 4 {
		if c.get(fmt.Sprint(i)) == nil {
			t.Fatalf("account %d, hit recently, was evicted", i)
		}
	}
	if c.get(fmt.Sprint(size/4)) != nil {
		t.Fatal("an account never hit outlived the ones hit after it")
	}
}

// cachedOf is a folded account of n events, as the cache weighs it.
func cachedOf(n uint64) *folded {
	return &folded{acc: &domain.Account{Version: n}}
}

// TestCacheBoundedByEvents: the cache holds at most maxEvents events
// folded into its accounts, counts what a cached account folded since it
// was last seen when it is looked up again, evicts the least recently used
// accounts to stay within the bound, and keeps a lone account larger than
// the bound.
func TestCacheBoundedByEvents(t *testing.T) {
	c := newAccountCache(100, 10)
	c.put("a", cachedOf(4))
	c.put("b", cachedOf(4))
	require.Equal(t, 8, c.events)

	// a's commands fold in place; the next look-up counts them, and the
	// least recently used account (b, a having just been used) goes.
	a := c.get("a")
	a.acc.Version = 9
	require.Same(t, a, c.get("a"))
	require.Nil(t, c.get("b"), "b should be evicted: 9 + 4 events exceed 10")
	require.Equal(t, 9, c.events)

	// A newcomer pushes the older account out; one larger than the whole
	// bound stays while it is alone.
	c.put("c", cachedOf(3))
	require.Nil(t, c.get("a"))
	require.NotNil(t, c.get("c"))
	c.put("huge", cachedOf(50))
	require.NotNil(t, c.get("huge"))
	require.Nil(t, c.get("c"))
	require.Equal(t, 50, c.events)

	// drop and a put of a new state keep the count exact.
	c.put("huge", cachedOf(2))
	c.put("d", cachedOf(5))
	require.Equal(t, 7, c.events)
	c.drop("huge")
	require.Equal(t, 5, c.events)
	c.drop("d")
	require.Zero(t, c.events)
	require.Zero(t, c.order.Len())

	// No bound on events: only the count of accounts.
	free := newAccountCache(2, -1)
	free.put("x", cachedOf(1000))
	free.put("y", cachedOf(1000))
	require.NotNil(t, free.get("x"))
	require.NotNil(t, free.get("y"))
}
