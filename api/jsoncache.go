package api

import (
	"hash/maphash"
	"strconv"
	"sync"

	"github.com/google/uuid"
	"github.com/labstack/echo/v4"

	"github.com/fapiao/fapiao/domain"
)

// jsonCache keeps the encoded JSON of invoices (per role) and balances under their
// account's version (domain.Account.Version, which every folded event
// moves on): an entry is used only while the version the projections
// answer is the one it was encoded at, so it is never stale. Entries are
// made by encode, the one encoder of every answer. It spares the GETs most
// of their encoding and, for the balance, the big-number sums. Shards keep the cores from queueing on one lock; each
// shard is bounded, an arbitrary entry making room for a new one.
type jsonCache struct {
	seed   maphash.Seed
	shards [cacheShards]cacheShard
}

const (
	cacheShards   = 32
	cacheShardCap = 512 // entries per shard: 16k invoices of ~1 KB, ~16 MiB
	// cacheShardBytes bounds a shard's bodies too: a page of invoices is
	// ~20 KB, and 512 of them would be 10 MiB a shard.
	cacheShardBytes = 1 << 20
)

type cacheShard struct {
	mu    sync.Mutex
	m     map[cacheKey]cacheEntry
	bytes int // the bodies' length
}

// cacheKey names an invoice as a role sees it (its actions are the role's),
// with the nil ID and no role the account's balance, or with a page an
// account's page of invoices as the role sees it.
type cacheKey struct {
	acc  string
	id   uuid.UUID
	role domain.Role
	page pageKey
}

// pageKey names a page of an account's invoices: the list's parameters.
type pageKey struct {
	status domain.InvoiceStatus
	limit  int
	cursor string
}

type cacheEntry struct {
	version uint64
	body    []byte // read-only once stored
}

func newJSONCache() *jsonCache {
	c := &jsonCache{seed: maphash.MakeSeed()}
	for i := range c.shards {
		c.shards[i].m = map[cacheKey]cacheEntry{}
	}
	return c
}

func (c *jsonCache) shard(k cacheKey) *cacheShard {
	return &c.shards[maphash.Comparable(c.seed, k)%cacheShards]
}

// get returns k's body if it was stored at version.
func (c *jsonCache) get(k cacheKey, version uint64) ([]byte, bool) {
	s := c.shard(k)
	s.mu.Lock()
	e, ok := s.m[k]
	s.mu.Unlock()
	if !ok || e.version != version {
		return nil, false
	}
	return e.body, true
}

// put stores body as k's at version, unless a newer version is there.
func (c *jsonCache) put(k cacheKey, version uint64, body []byte) {
	s := c.shard(k)
	s.mu.Lock()
	defer s.mu.Unlock()
	if old, ok := s.m[k]; ok {
		if old.version > version {
			return
		}
		delete(s.m, k)
		s.bytes -= len(old.body)
	}
	for old, e := range s.m {
		if len(s.m) < cacheShardCap && s.bytes+len(body) <= cacheShardBytes {
			break
		}
		delete(s.m, old)
		s.bytes -= len(e.body)
	}
	s.m[k] = cacheEntry{version: version, body: body}
	s.bytes += len(body)
}

// invoice returns the invoice's JSON as role r sees it, as encode writes
// it (what answer writes for viewInvoice, without the newline), from the
// cache when the account is still at version.
func (c *jsonCache) invoice(inv *domain.Invoice, version uint64, r domain.Role) ([]byte, error) {
	k := cacheKey{acc: inv.AccountID, id: inv.ID, role: r}
	if b, ok := c.get(k, version); ok {
		return b, nil
	}
	v := viewInvoice(inv, r)
	b, err := appendInvoiceOut(nil, &v)
	if err != nil {
		return nil, err
	}
	c.put(k, version, b)
	return b, nil
}

// answer writes v as the JSON answer: every JSON answer is rendered here
// or, for the hot GETs and commands, from bytes the same encoder made or
// appendInvoiceOut wrote as it does (jsonCache, encodeInvoice).
func answer(c echo.Context, status int, v any) error {
	b, err := encode(v)
	if err != nil {
		return err
	}
	return blob(c, status, append(b, '\n'))
}

// bufPool recycles page buffers: a page of 20 invoices is ~20 KB.
var bufPool = sync.Pool{New: func() any { b := make([]byte, 0, 32<<10); return &b }}

// blob writes a JSON answer with its length, so that net/http sends it as
// is rather than in chunks (a page of 20 invoices is ~20 KB), and HEAD
// answers the same Content-Length as GET; in one write (blobOneWrite).
func blob(c echo.Context, status int, b []byte) error {
	c.Response().Header().Set(echo.HeaderContentLength, strconv.Itoa(len(b)))
	return blobOneWrite(c, status, echo.MIMEApplicationJSON, b)
}
