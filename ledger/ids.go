package ledger

import (
	"crypto/rand"
	"crypto/sha1"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"reflect"
	"strconv"
	"sync"

	"github.com/google/uuid"

	"github.com/fapiao/fapiao/domain"
	"github.com/fapiao/fapiao/eventstore"
	"github.com/fapiao/fapiao/internal/jsonscan"
)

// idNamespace is the UUIDv5 namespace of every ID the ledger derives. It
// must never change: retried appends are recognised by their event IDs.
var idNamespace = uuid.MustParse("6b0f7c52-8f0e-4b43-9a63-0c2f6f3f1a7e")

// derivedID is the UUIDv5 of (account, command key, kind, index). The key is
// length-prefixed so that no two different inputs share a name.
//
// It is uuid.NewSHA1(idNamespace, name) with name
// fmt.Sprintf("%s|%d:%s|%s|%d", accountID, len(key), key, kind, i), built in
// a stack buffer (a command derives several IDs; TestDerivedIDIsUUIDv5
// compares the two). The key may be bytes not yet made a string.
func derivedID[K string | []byte](accountID string, key K, kind string, i int) uuid.UUID {
	var buf [192]byte
	b := append(buf[:0], idNamespace[:]...)
	b = append(b, accountID...)
	b = append(b, '|')
	b = strconv.AppendInt(b, int64(len(key)), 10)
	b = append(b, ':')
	b = append(b, key...)
	b = append(b, '|')
	b = append(b, kind...)
	b = append(b, '|')
	b = strconv.AppendInt(b, int64(i), 10)
	sum := sha1.Sum(b)
	var id uuid.UUID
	copy(id[:], sum[:])
	id[6] = id[6]&0x0f | 0x50 // version 5
	id[8] = id[8]&0x3f | 0x80 // RFC 4122 variant
	return id
}

// idSource hands out the IDs a decision asks for (domain.Env.NewID), the
// same sequence on every attempt of one command.
type idSource struct {
	accountID, key string
	n              int
	newID          func() uuid.UUID // next, made once: a method value handed to Decide escapes
}

func (s *idSource) next() uuid.UUID {
	id := derivedID(s.accountID, s.key, "id", s.n)
	s.n++
	return id
}

// idSources keeps idSources (and their method values) between decisions:
// two allocations a command otherwise.
var idSources = sync.Pool{New: func() any {
	s := new(idSource)
	s.newID = s.next
	return s
}}

// getIDSource returns an idSource for the command (accountID, key) from
// the start of its sequence; putIDSource gives it back once the decision
// has returned.
func getIDSource(accountID, key string) *idSource {
	s := idSources.Get().(*idSource)
	s.accountID, s.key, s.n = accountID, key, 0
	return s
}

func putIDSource(s *idSource) {
	s.accountID, s.key = "", ""
	idSources.Put(s)
}

// appendRandomUUID appends a random version 4 UUID in its 36-character
// form to b.
func appendRandomUUID(b []byte) []byte {
	var u uuid.UUID
	rand.Read(u[:])         // never fails (crypto/rand: the process stops first)
	u[6] = u[6]&0x0f | 0x40 // version 4
	u[8] = u[8]&0x3f | 0x80 // RFC 4122 variant
	return jsonscan.AppendUUID(b, u)
}

// idemScope is the namespace of a caller's idempotency keys on an account
// (APP-6, API.md: keys are scoped to the caller). The account's own
// customer has the empty scope, so its keys (and the IDs derived from them,
// which already include the account) are what they were before keys were
// scoped; staff are scoped by role and name. Events record the actor, so a
// stored command's scope is known again when the stream is folded.
func idemScope(accountID string, a eventstore.Actor) string {
	if a.Role == string(domain.RoleCustomer) && a.ID == accountID {
		return ""
	}
	return a.Role + "/" + a.ID
}

// ownCustomer reports whether a is the account's own customer, whose keys
// have the empty scope (idemScope).
func ownCustomer(accountID string, a eventstore.Actor) bool {
	return a.Role == string(domain.RoleCustomer) && a.ID == accountID
}

// appendScopedKey appends a staff caller's key in its scope,
// domain.ScopedKey(idemScope(accountID, a), key), as prepare writes it
// beside a command's other IDs: a staff scope is never empty, and it is
// wanted only with a key.
func appendScopedKey(b []byte, a eventstore.Actor, key string) []byte {
	b = append(b, 0)
	b = append(b, a.Role...)
	b = append(b, '/')
	b = append(b, a.ID...)
	b = append(b, 0)
	return append(b, key...)
}

// StreamName is the stream that holds an account's events.
func StreamName(accountID string) string { return AccountStreamPrefix + accountID }

// RequestHashOf is the SHA-256 (hex) of v's canonical JSON: the request
// fingerprint stored with an idempotency key (APP-6). Equal documents give
// equal hashes whatever their key order. A value that cannot be encoded as
// JSON (no request body is such) is hashed from its Go syntax instead.
func RequestHashOf(v any) string {
	buf := hashBufPool.Get().(*[]byte)
	defer hashBufPool.Put(buf)
	raw, err := json.Marshal(v)
	var c []byte
	if err == nil {
		c, err = eventstore.AppendCanonical((*buf)[:0], raw)
	}
	if err != nil {
		c = fmt.Appendf((*buf)[:0], "go:%T:%#v", v, v)
	}
	if cap(c) <= 64<<10 { // a large body's buffer is left to the collector
		*buf = c[:0]
	}
	sum := sha256.Sum256(c)
	return hex.EncodeToString(sum[:])
}

// hashBufPool holds RequestHashOf's canonical bytes between uses.
var hashBufPool = sync.Pool{New: func() any { b := make([]byte, 0, 1024); return &b }}

// commandHash fingerprints a command when the caller gave a key but no
// request hash: its Go type and its fields (commandHashDefined), written
// directly for the common commands (fingerprint.go).
func commandHash(cmd domain.Command) string {
	if h, ok := commandHashFast(cmd); ok {
		return h
	}
	return commandHashDefined(cmd)
}

// commandHashDefined is commandHash by its definition.
func commandHashDefined(cmd any) string {
	return RequestHashOf(struct {
		Type    string `json:"type"`
		Command any    `json:"command"`
	}{typeName(cmd), cmd})
}

// typeName is fmt.Sprintf("%T", v), which fmt defines as the reflected
// type's String, without fmt's buffer and copy.
func typeName(v any) string {
	if v == nil {
		return "<nil>"
	}
	return reflect.TypeOf(v).String()
}
