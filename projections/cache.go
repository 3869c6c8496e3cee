package projections

import (
	"container/list"
	"encoding/binary"
	"fmt"
	"maps"
	"slices"
	"sync"

	"github.com/google/uuid"

	"github.com/fapiao/fapiao/domain"
	"github.com/fapiao/fapiao/eventstore"
)

// accountView is one account's fold plus the projection's own per-account
// index, as stored under the account's key.
type accountView struct {
	acc *domain.Account
	// holders maps a statement month to the live invoices holding it, kept
	// from the events independently of the fold (REC-1, APP-7).
	holders map[string][]uuid.UUID
	// stamp is the position of the last record folded into it: a cached
	// view is the file's when their stamps agree.
	stamp eventstore.Position
	// size is the length of its last encoding (snapshot and tail), the
	// cache's measure.
	size int
	// tail counts the events stored after its snapshot (tail.go); -1
	// while it has no snapshot in the file.
	tail int
	// lent is set, under the cache's lock, once a reader has been handed
	// the view (accountCache.get, reader.account): from then on it is
	// never changed, and a batch folds into a clone of it. A view no
	// reader was handed is taken out of the cache by the batch and folded
	// in place (accountCache.take).
	lent bool
	// hot counts the batches that still fold into a copy of the account
	// although its view was not lent: a reader wanted it while a batch
	// had it out of the cache, and had to decode it from the file
	// (accountCache.putTaken).
	hot int
}

// hotBatches is how many of an account's batches copy its view after a
// reader wanted it while a batch had it out of the cache: an account read
// while it is written is copied, as every account was, rather than
// decoded by a reader at each batch.
const hotBatches = 8

func newAccountView(id string) *accountView {
	return &accountView{acc: domain.NewAccount(id), holders: map[string][]uuid.UUID{}, tail: -1}
}

// clone copies the view for a batch to fold into while readers keep the
// committed one. Both copies are copy-on-write: the account's
// (domain.Account.Clone), and the holders' slices, which the fold replaces
// (indexInvoice, removeID) and never writes through.
func (av *accountView) clone() *accountView {
	h := maps.Clone(av.holders)
	if h == nil {
		h = map[string][]uuid.UUID{}
	}
	return &accountView{acc: av.acc.Clone(), holders: h, stamp: av.stamp, size: av.size, tail: av.tail}
}

// encode is the accounts bucket's value: stamp, holders, snapshot.
func (av *accountView) encode(buf []byte) []byte {
	buf = binary.BigEndian.AppendUint64(buf[:0], av.stamp)
	buf = appendHolders(buf, av.holders)
	return domain.AppendSnapshot(buf, av.acc)
}

func appendHolders(buf []byte, holders map[string][]uuid.UUID) []byte {
	buf = binary.AppendUvarint(buf, uint64(len(holders)))
	// The months on the stack: a live commit encodes the holders of each
	// account it changed, and slices.Sorted made a new slice each time.
	var months [64]string
	keys := months[:0]
	for m := range holders {
		keys = append(keys, m)
	}
	slices.Sort(keys)
	for _, m := range keys {
		ids := holders[m]
		buf = binary.AppendUvarint(buf, uint64(len(m)))
		buf = append(buf, m...)
		buf = binary.AppendUvarint(buf, uint64(len(ids)))
		for _, id := range ids {
			buf = append(buf, id[:]...)
		}
	}
	return buf
}

func stampOf(v []byte) (eventstore.Position, bool) {
	if len(v) < 8 {
		return 0, false
	}
	return binary.BigEndian.Uint64(v), true
}

func decodeAccountView(id string, v []byte) (*accountView, error) {
	bad := func(what string) error { return fmt.Errorf("%w: account %s: %s", ErrDamaged, id, what) }
	stamp, ok := stampOf(v)
	if !ok {
		return nil, bad("too short")
	}
	av := &accountView{stamp: stamp, size: len(v)}
	holders, rest, ok := readHolders(v[8:])
	if !ok {
		return nil, bad("holders")
	}
	av.holders = holders
	acc, err := domain.DecodeSnapshot(rest)
	if err != nil {
		return nil, fmt.Errorf("%w: account %s: %w", ErrDamaged, id, err)
	}
	if acc.ID != id {
		return nil, bad("the snapshot is of " + acc.ID)
	}
	av.acc = acc
	return av, nil
}

// readHolders reads what appendHolders wrote at the start of v and
// returns the rest; false if v does not hold it.
func readHolders(v []byte) (map[string][]uuid.UUID, []byte, bool) {
	rest := v
	uv := func() (uint64, bool) {
		x, n := binary.Uvarint(rest)
		if n <= 0 {
			return 0, false
		}
		rest = rest[n:]
		return x, true
	}
	n, ok := uv()
	if !ok || n > uint64(len(rest)) {
		return nil, nil, false
	}
	holders := make(map[string][]uuid.UUID, n)
	for range n {
		l, ok := uv()
		if !ok || l > uint64(len(rest)) {
			return nil, nil, false
		}
		m := string(rest[:l])
		rest = rest[l:]
		k, ok := uv()
		if !ok || k*16 > uint64(len(rest)) {
			return nil, nil, false
		}
		ids := make([]uuid.UUID, k)
		for i := range ids {
			ids[i] = uuid.UUID(rest[:16])
			rest = rest[16:]
		}
		holders[m] = ids
	}
	return holders, rest, true
}

// CacheOptions caps the cache of decoded accounts. Zero values take the
// defaults.
type CacheOptions struct {
	MaxAccounts int // default 10 000
	// MaxBytes bounds the accounts' encoded size (a decoded account takes
	// about three times that in memory); default 32 MiB.
	MaxBytes int64
}

func (o CacheOptions) withDefaults() CacheOptions {
	if o.MaxAccounts <= 0 {
		o.MaxAccounts = 10_000
	}
	if o.MaxBytes <= 0 {
		o.MaxBytes = 32 << 20
	}
	return o
}

// CacheStats is what the cache holds and how it did.
type CacheStats struct {
	Accounts  int    `json:"accounts"`
	Bytes     int64  `json:"bytes"` // encoded size of the accounts held
	Hits      uint64 `json:"hits"`
	Misses    uint64 `json:"misses"`
	Evictions uint64 `json:"evictions"`
}

// accountCache is a size-capped LRU of decoded, committed account views.
// Views in it are never changed unless the projections are being built
// privately (Replay, a rebuild): a live batch folds into a clone of a view
// a reader was handed, and takes any other out of the cache before it
// folds into it (take).
type accountCache struct {
	mu    sync.Mutex
	opts  CacheOptions
	lru   *list.List // of *cacheEntry, most recent first
	byID  map[string]*list.Element
	bytes int64
	stats CacheStats
}

func newAccountCache(o CacheOptions) *accountCache {
	return &accountCache{opts: o.withDefaults(), lru: list.New(), byID: map[string]*list.Element{}}
}

// get returns the cached view of id if its stamp is stamp, for a reader:
// the view is lent from then on.
func (c *accountCache) get(id string, stamp eventstore.Position) *accountView {
	c.mu.Lock()
	defer c.mu.Unlock()
	if e := c.byID[id]; e != nil {
		if ce := e.Value.(*cacheEntry); ce.av.stamp == stamp {
			c.lru.MoveToFront(e)
			c.stats.Hits++
			ce.av.lent = true
			return ce.av
		}
	}
	c.stats.Misses++
	return nil
}

// peek returns the cached view of id whatever its stamp, for the writer.
func (c *accountCache) peek(id string) *accountView {
	c.mu.Lock()
	defer c.mu.Unlock()
	if e := c.byID[id]; e != nil {
		return e.Value.(*cacheEntry).av
	}
	return nil
}

// take returns the cached view of id if its stamp is stamp, for a live
// batch to fold into. owned says no reader was ever handed it: it is then
// taken out of the cache, so that no reader is handed it while the batch
// changes it in place (a reader meanwhile decodes the committed view from
// its own transaction), and the batch's commit caches it again. A lent
// view stays cached, and the batch folds into a clone of it. Under a
// stream of commands on accounts nobody reads at that moment, this spares
// each batch a copy of each account it changes, which grows with the
// account (docs/performance.md, issue 16).
func (c *accountCache) take(id string, stamp eventstore.Position) (av *accountView, owned bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	e := c.byID[id]
	if e == nil {
		return nil, false
	}
	ce := e.Value.(*cacheEntry)
	if ce.av.stamp != stamp {
		return nil, false
	}
	if ce.av.lent || ce.av.hot > 0 {
		return ce.av, false
	}
	c.lru.Remove(e)
	delete(c.byID, id)
	c.bytes -= int64(ce.size)
	return ce.av, true
}

// cacheEntry is a cached view and the size it was counted with.
type cacheEntry struct {
	av   *accountView
	size int
}

// put caches av unless a newer view of the account is there.
func (c *accountCache) put(av *accountView) {
	c.mu.Lock()
	defer c.mu.Unlock()
	id := av.acc.ID
	if e := c.byID[id]; e != nil {
		ce := e.Value.(*cacheEntry)
		if ce.av != av && ce.av.stamp > av.stamp {
			return
		}
		c.bytes += int64(av.size - ce.size)
		ce.av, ce.size = av, av.size
		c.lru.MoveToFront(e)
	} else {
		c.byID[id] = c.lru.PushFront(&cacheEntry{av: av, size: av.size})
		c.bytes += int64(av.size)
	}
	for c.lru.Len() > 1 && (c.lru.Len() > c.opts.MaxAccounts || c.bytes > c.opts.MaxBytes) {
		e := c.lru.Back()
		ce := e.Value.(*cacheEntry)
		c.lru.Remove(e)
		delete(c.byID, ce.av.acc.ID)
		c.bytes -= int64(ce.size)
		c.stats.Evictions++
	}
}

// putTaken caches av, which a batch took out of the cache (take) and
// folded into, after its commit. A view of the account found cached meanwhile
// was put there by a reader who missed it: the account is read while it is
// written, and its next hotBatches batches copy it instead of taking it.
func (c *accountCache) putTaken(av *accountView) {
	c.mu.Lock()
	if c.byID[av.acc.ID] != nil {
		av.hot = hotBatches
	}
	c.mu.Unlock()
	c.put(av)
}

func (c *accountCache) clear() {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.lru.Init()
	clear(c.byID)
	c.bytes = 0
}

func (c *accountCache) snapshot() CacheStats {
	c.mu.Lock()
	defer c.mu.Unlock()
	s := c.stats
	s.Accounts = c.lru.Len()
	s.Bytes = c.bytes
	return s
}
