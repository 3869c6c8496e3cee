package api

import (
	"encoding/json"
	"hash/maphash"
	"strconv"
	"sync"

	"github.com/google/uuid"
	"github.com/labstack/echo/v4"

	"github.com/fapiao/fapiao/domain"
)

// jsonCache keeps the encoded JSON of invoices and balances under their
// account's version (domain.Account.Version, which every folded event
// moves on): an entry is used only while the version the projections
// answer is the one it was encoded at, so it is never stale. It spares the
// GETs most of their encoding/json reflection and, for the balance, the
// big-number sums. Shards keep the cores from queueing on one lock; each
// shard is bounded, an arbitrary entry making room for a new one.
type jsonCache struct {
	seed   maphash.Seed
	shards [cacheShards]cacheShard
}

const (
	cacheShards   = 32
	cacheShardCap = 512 // entries per shard: 16k invoices of ~1 KB, ~16 MiB at most
)

type cacheShard struct {
	mu sync.Mutex
	m  map[cacheKey]cacheEntry
}

// cacheKey names an invoice, or with the nil ID the account's balance.
type cacheKey struct {
	acc string
	id  uuid.UUID
}

type cacheEntry struct {
	version uint64
	body    []byte // read-only once stored
	// actions are an invoice's "actions" arrays, encoded, by role (the
	// index in cachedRoles): they depend only on the invoice, which the
	// version pins, and the caller's role. Nil for balances.
	actions *roleActions
}

// cachedRoles are the roles an invoice entry keeps the actions of.
var cachedRoles = [...]domain.Role{domain.RoleCustomer, domain.RoleFinance, domain.RoleSupport,
	domain.RoleBilling, domain.RoleAuditor}

type roleActions [len(cachedRoles)][]byte

func roleIndex(r domain.Role) int {
	for i, c := range cachedRoles {
		if c == r {
			return i
		}
	}
	return -1
}

// actionArrays interns the encoded actions arrays: there are a handful of
// distinct ones, and every cached invoice points at them.
var actionArrays struct {
	mu sync.Mutex
	m  map[string][]byte
}

func internActions(actions []string) []byte {
	b := appendStrings(nil, actions)
	actionArrays.mu.Lock()
	defer actionArrays.mu.Unlock()
	if v, ok := actionArrays.m[string(b)]; ok {
		return v
	}
	if actionArrays.m == nil {
		actionArrays.m = map[string][]byte{}
	}
	actionArrays.m[string(b)] = b
	return b
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
	e, ok := c.entry(k, version)
	return e.body, ok
}

// entry returns k's entry if it was stored at version.
func (c *jsonCache) entry(k cacheKey, version uint64) (cacheEntry, bool) {
	s := c.shard(k)
	s.mu.Lock()
	e, ok := s.m[k]
	s.mu.Unlock()
	if !ok || e.version != version {
		return cacheEntry{}, false
	}
	return e, true
}

// put stores body as k's at version, unless a newer version is there.
func (c *jsonCache) put(k cacheKey, version uint64, body []byte) {
	c.putEntry(k, cacheEntry{version: version, body: body})
}

// putEntry stores e as k's, unless a newer version is there.
func (c *jsonCache) putEntry(k cacheKey, e cacheEntry) {
	version := e.version
	s := c.shard(k)
	s.mu.Lock()
	defer s.mu.Unlock()
	if old, ok := s.m[k]; ok {
		if old.version > version {
			return
		}
	} else if len(s.m) >= cacheShardCap {
		for old := range s.m {
			delete(s.m, old)
			break
		}
	}
	s.m[k] = e
}

// invoice returns the invoice's JSON object without its closing brace, as
// viewInvoice renders it but for the actions, and its actions by role, from
// the cache when the account is still at version.
func (c *jsonCache) invoice(inv *domain.Invoice, version uint64) (cachedInvoice, error) {
	k := cacheKey{acc: inv.AccountID, id: inv.ID}
	if e, ok := c.entry(k, version); ok && e.actions != nil {
		return cachedInvoice{fields: e.body, actions: e.actions}, nil
	}
	v := *inv // the projections' own: not to be changed
	if v.Statements == nil {
		v.Statements = []string{}
	}
	b, err := json.Marshal(&v)
	if err != nil {
		return cachedInvoice{}, err
	}
	b = b[:len(b)-1] // an object: drop its "}"
	if v := viewInvoice(*inv, ""); v.Deficit != nil {
		// As invoiceView writes it: after the invoice's fields (DEF-2).
		b = append(append(append(b, `,"deficit":"`...), v.Deficit.String()...), '"')
	}
	acts := new(roleActions)
	for i, r := range cachedRoles {
		acts[i] = internActions(inv.Actions(r))
	}
	c.putEntry(k, cacheEntry{version: version, body: b, actions: acts})
	return cachedInvoice{fields: b, actions: acts}, nil
}

// cachedInvoice is an invoice's cached JSON: its fields and its actions.
type cachedInvoice struct {
	fields  []byte
	actions *roleActions
}

// appendTo appends the invoice view for role r: the cached fields, then
// the actions, as encoding/json writes invoiceView (the embedded invoice's
// fields first, actions last).
func (ci cachedInvoice) appendTo(dst []byte, inv *domain.Invoice, r domain.Role) []byte {
	dst = append(dst, ci.fields...)
	dst = append(dst, `,"actions":`...)
	if i := roleIndex(r); i >= 0 {
		dst = append(dst, ci.actions[i]...)
	} else {
		dst = appendStrings(dst, inv.Actions(r)) // a role added since
	}
	return append(dst, '}')
}

// appendStrings appends a JSON array of strings as encoding/json writes it.
func appendStrings(dst []byte, ss []string) []byte {
	dst = append(dst, '[')
	for i, s := range ss {
		if i > 0 {
			dst = append(dst, ',')
		}
		dst = appendString(dst, s)
	}
	return append(dst, ']')
}

// appendString appends s as a JSON string: directly when it needs no
// escaping (actions, cursors), through encoding/json otherwise.
func appendString(dst []byte, s string) []byte {
	for i := 0; i < len(s); i++ {
		if b := s[i]; b < 0x20 || b >= 0x7f || b == '"' || b == '\\' || b == '<' || b == '>' || b == '&' {
			q, _ := json.Marshal(s)
			return append(dst, q...)
		}
	}
	dst = append(dst, '"')
	dst = append(dst, s...)
	return append(dst, '"')
}

// blob writes a JSON answer with its length, so that net/http sends it as
// is rather than in chunks (a page of 20 invoices is ~20 KB).
func blob(c echo.Context, status int, b []byte) error {
	c.Response().Header().Set(echo.HeaderContentLength, strconv.Itoa(len(b)))
	return c.Blob(status, echo.MIMEApplicationJSON, b)
}

// answer writes v as the JSON answer: every JSON answer is rendered here
// or, for the hot GETs and commands, from bytes the same encoder made
// (jsonCache, encodeInvoice).
func answer(c echo.Context, status int, v any) error {
	b, err := json.Marshal(v)
	if err != nil {
		return err
	}
	return blob(c, status, append(b, '\n'))
}

// bufPool recycles answer buffers: a page of 20 invoices is ~20 KB.
var bufPool = sync.Pool{New: func() any { b := make([]byte, 0, 32<<10); return &b }}
