package ledger

import (
	"container/list"
	"hash/maphash"
	"sync"

	"github.com/fapiao/fapiao/domain"
	"github.com/fapiao/fapiao/eventstore"
)

// folded is an account as folded from its stream: the state, plus what the
// next append needs (the last event's hash; the revision is acc.Version).
// It is changed only by the holder of its account's lock.
type folded struct {
	acc      *domain.Account
	lastHash string
	stream   string // StreamName(acc.ID), kept: every command reads and appends it
	// catchUp is the state of the running catch-up (load.go) and yield
	// its callback (catchUp.yield), made once per folded account.
	catchUp catchUpRun
	yield   func(eventstore.Record, error) bool
}

// accountCache keeps the most recently used folded accounts, so a hot
// account is caught up with a short read instead of folded from scratch.
//
// It is bounded by accounts and by the events folded into them in all. An
// account's memory grows with its history (≈ 550 bytes of heap an event:
// BenchmarkAppendHeap), so a count alone bounds nothing: at 10 000 accounts
// of two years each it held ≈ 1.5 GB, every collection marked all of it,
// and the marks were the tail of `bench append` (docs/performance.md,
// "Ledger tail, 30 Nov evening").
type accountCache struct {
	mu        sync.Mutex
	size      int        // accounts at most
	maxEvents int        // events at most (≤ 0: no bound)
	events    int        // the items' weights in all
	order     *list.List // front: most recently used; values are *cacheItem
	items     map[string]*list.Element
	// pushes counts the entries put or moved at the front, so an entry
	// is at most pushes − its moved from the front. A hit moves its
	// account to the front only when that may be more than a quarter of
	// the entries: every command looks its account up, and moving it each
	// time rewrote four list links (cache misses, and write barriers while
	// the collector marks) for an order that matters only at eviction.
	// After a hit the account is within the front quarter, so it is
	// evicted only after three quarters of the entries have been pushed in
	// front of it; with four entries or fewer it is strict LRU.
	pushes uint64
}

type cacheItem struct {
	id     string
	f      *folded
	moved  uint64 // accountCache.pushes when it was last put at the front
	weight int    // the events folded into f when last seen (get, put)
}

func newAccountCache(size, maxEvents int) *accountCache {
	return &accountCache{size: size, maxEvents: maxEvents, order: list.New(), items: map[string]*list.Element{}}
}

// get returns the account's cached state, nil if none. The caller holds
// the account's lock: the events folded into it since it was last seen
// (its commands fold in place) are counted now.
func (c *accountCache) get(id string) *folded {
	c.mu.Lock()
	defer c.mu.Unlock()
	el, ok := c.items[id]
	if !ok {
		return nil
	}
	it := el.Value.(*cacheItem)
	if c.pushes-it.moved > uint64(c.order.Len()/4) {
		c.pushes++
		it.moved = c.pushes
		c.order.MoveToFront(el)
	}
	f := it.f
	if w := int(f.acc.Version); w != it.weight {
		c.events += w - it.weight
		it.weight = w
		c.evict()
	}
	return f
}

func (c *accountCache) put(id string, f *folded) {
	if c.size <= 0 {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	w := int(f.acc.Version) // the caller holds the account's lock
	c.pushes++
	if el, ok := c.items[id]; ok {
		it := el.Value.(*cacheItem)
		c.events += w - it.weight
		it.f, it.moved, it.weight = f, c.pushes, w
		c.order.MoveToFront(el)
	} else {
		c.events += w
		c.items[id] = c.order.PushFront(&cacheItem{id: id, f: f, moved: c.pushes, weight: w})
	}
	c.evict()
}

// evict drops the least recently used accounts while the cache holds more
// than its bounds, but never the last one: an account larger than the
// whole budget is still kept while it is the only one.
func (c *accountCache) evict() {
	for c.order.Len() > 1 && (c.order.Len() > c.size || (c.maxEvents > 0 && c.events > c.maxEvents)) {
		c.remove(c.order.Back())
	}
}

func (c *accountCache) remove(el *list.Element) {
	it := el.Value.(*cacheItem)
	c.order.Remove(el)
	delete(c.items, it.id)
	c.events -= it.weight
}

func (c *accountCache) drop(id string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if el, ok := c.items[id]; ok {
		c.remove(el)
	}
}

// accountLocks serialises the commands on one account within this process,
// so they queue instead of losing races to each other. Accounts share a
// fixed set of mutexes; two accounts on one stripe merely wait for each
// other. Other processes are kept honest by the expected revision.
//
// The lock is held across the account's append, so an account that shares
// its stripe with a busy one waits a whole group commit for each command
// of the other's: its latency doubles. With 1 024 stripes, 256 busy
// accounts put one in five on a shared stripe (1 − (1 − 1/1024)^255), and
// those commands were the tail of `bench append` at 256 accounts. With
// 65 536 stripes it is one account in 260 (0.4 %); the array is 512 KiB of
// zeroed memory a Ledger, untouched pages of it never resident.
type accountLocks struct {
	seed    maphash.Seed
	stripes [lockStripes]sync.Mutex
}

// lockStripes is how many mutexes the accounts share.
const lockStripes = 1 << 16

func newAccountLocks() *accountLocks { return &accountLocks{seed: maphash.MakeSeed()} }

// lock locks the account's stripe and returns it, for the caller to
// unlock (a mutex, not its Unlock method value: that was an allocation
// per command).
func (l *accountLocks) lock(id string) *sync.Mutex {
	m := l.stripe(id)
	m.Lock()
	return m
}

// stripe is the mutex the account shares with the others of its stripe.
func (l *accountLocks) stripe(id string) *sync.Mutex {
	return &l.stripes[maphash.String(l.seed, id)%uint64(len(l.stripes))]
}

// DefaultCacheEvents is the cache's default bound on events (≈ 70 MiB of
// heap): room for 256 busy accounts of two years each (≈ 300 events)
// with half as many again of idle ones.
const DefaultCacheEvents = 1 << 17
