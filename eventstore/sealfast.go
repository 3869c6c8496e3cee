package eventstore

import (
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"strconv"
	"sync"
	"unsafe"

	"github.com/fapiao/fapiao/internal/jsonscan"
)

// Sealing is on every append's path: json.Marshal of the envelope, then the
// canonical pass over those bytes to hash them, was a third of the
// ledger's sealing CPU. The envelopes fapiao writes hold nothing but IDs,
// hex hashes, roles, keys and an RFC 3339 instant, so sealFast writes the
// stored bytes and their canonical form directly. It declines (ok false)
// as soon as a string would need an escape in either form, and SealHash
// then takes the general path: the bytes can only differ if sealFast
// accepted an envelope it writes wrongly, which TestSealFastMatchesGeneral
// and FuzzSealFast compare.

// sealBuf holds sealFast's canonical bytes between uses.
type sealBuf struct{ canon []byte }

var sealPool = sync.Pool{New: func() any { return &sealBuf{canon: make([]byte, 0, 2048)} }}

// plainJSON reports whether s is written as itself between quotes by
// encoding/json, both with HTML escaping (json.Marshal) and without (the
// canonical form): printable ASCII other than the quote, the backslash
// and the three HTML characters.
func plainJSON(s string) bool {
	// Eight bytes at a time (the envelope's strings are hashes and IDs of
	// 36 to 64 bytes), then the rest by the table.
	i := 0
	for ; i+8 <= len(s); i += 8 {
		if jsonscan.WordNotPlain(binary.LittleEndian.Uint64(unsafe.Slice(unsafe.StringData(s[i:]), 8))) != 0 {
			return false
		}
	}
	for ; i < len(s); i++ {
		if !plainByte[s[i]] {
			return false
		}
	}
	return true
}

var plainByte = func() (t [256]bool) {
	for b := 0x20; b < 0x7f; b++ {
		t[b] = b != '"' && b != '\\' && b != '<' && b != '>' && b != '&'
	}
	return t
}()

// sealFast is SealHash for an envelope of plain strings. ok false (and no
// error) asks for the general path.
// cdata, when not nil, is the caller's canonical form of data, used as it is.
// With copyData, stored is a copy of data in the envelope's allocation
// (SealData); else nil.
func sealFast(m *Metadata, prevHash, stream string, revision uint64, typ string, data, cdata []byte, copyData bool, arena *[]byte) (stored, raw []byte, hash string, ok bool, err error) {
	if !plainJSON(m.Actor.Role) || !plainJSON(m.Actor.ID) || !plainJSON(m.CorrelationID) ||
		!plainJSON(m.CausationID) || !plainJSON(m.IdempotencyKey) || !plainJSON(m.RequestHash) ||
		!plainJSON(prevHash) {
		return nil, nil, "", false, nil
	}
	var tbuf [64]byte
	at, err := m.OccurredAt.AppendText(tbuf[:0])
	if err != nil {
		return nil, nil, "", false, nil // json.Marshal reports it
	}

	sb := sealPool.Get().(*sealBuf)
	defer sealPool.Put(sb)
	// The bytes the chain hash is over, in one buffer (chainSum's parts in
	// its order): one pass of SHA-256 and no copy into the digest's own
	// buffer. The two lengths not known yet are filled in afterwards.
	c := chainHead(sb.canon[:0], prevHash, stream, revision, typ)
	dataLen := len(c)
	c = append(c, make([]byte, 8)...)
	if cdata != nil {
		c = append(c, cdata...)
	} else if c, err = canonicalAppend(c, data, false); err != nil {
		sb.canon = c[:0]
		return nil, nil, "", false, nil // the general path reports it
	}
	metaLen := len(c)
	c = append(c, make([]byte, 8)...)
	binary.BigEndian.PutUint64(c[dataLen:], uint64(metaLen-dataLen-8))

	// The canonical envelope without its hash: members sorted by key.
	c = appendAfter(c, `{"actor":{"id":"`, m.Actor.ID)
	c = appendAfter(c, `","role":"`, m.Actor.Role)
	c = append(c, `"}`...)
	c = appendMember(c, "causation_id", m.CausationID)
	c = appendMember(c, "correlation_id", m.CorrelationID)
	c = appendMember(c, "idempotency_key", m.IdempotencyKey)
	c = appendAfter(c, `,"occurred_at":"`, at)
	c = appendAfter(c, `","prev_hash":"`, prevHash)
	c = append(c, '"')
	c = appendMember(c, "request_hash", m.RequestHash)
	c = append(c, `,"schema_version":`...)
	c = strconv.AppendInt(c, int64(m.SchemaVersion), 10)
	c = append(c, '}')
	binary.BigEndian.PutUint64(c[metaLen:], uint64(len(c)-metaLen-8))
	if cap(c) <= 64<<10 { // a large event's buffer is left to the collector
		sb.canon = c
	}

	sum := sha256.Sum256(c)

	// The stored envelope: json.Marshal's member order, Hash last. One
	// allocation holds the hash's hex, which the returned string is, then
	// the copy of data when asked for, then the envelope (capacities
	// capped: the data's and the envelope's bytes can be appended to or
	// written over without reaching the others'); with an arena, the same
	// bytes carved from it (SealDataIn).
	const fixed = 16 + 19 + 8 + 2 + 20 + 18 + 21 + 18 + 18 + 20 + 14 + 10 + 2 // keys, quotes, punctuation
	size := fixed + len(at) + len(m.Actor.Role) + len(m.Actor.ID) + len(m.CorrelationID) + len(m.CausationID) +
		len(m.IdempotencyKey) + len(m.RequestHash) + len(prevHash) + 2*sha256.Size
	const hexLen = 2 * sha256.Size
	keep := 0 // the bytes of data copied
	if copyData {
		keep = len(data)
	}
	var buf []byte
	if arena == nil {
		buf = make([]byte, hexLen+keep, hexLen+keep+size)
	} else {
		buf = carve(arena, hexLen+keep+size)[:hexLen+keep]
	}
	hex.Encode(buf, sum[:])
	hash = unsafe.String(&buf[0], hexLen) // buf[:hexLen] is never written again
	if copyData {
		stored = buf[hexLen : hexLen+keep : hexLen+keep]
		copy(stored, data)
	}
	out := buf[hexLen+keep : hexLen+keep : cap(buf)]
	out = appendAfter(out, `{"occurred_at":"`, at)
	out = appendAfter(out, `","actor":{"role":"`, m.Actor.Role)
	out = appendAfter(out, `","id":"`, m.Actor.ID)
	out = append(out, `"}`...)
	out = appendMember(out, "correlation_id", m.CorrelationID)
	out = appendMember(out, "causation_id", m.CausationID)
	out = appendMember(out, "idempotency_key", m.IdempotencyKey)
	out = appendMember(out, "request_hash", m.RequestHash)
	out = append(out, `,"schema_version":`...)
	out = strconv.AppendInt(out, int64(m.SchemaVersion), 10)
	out = appendAfter(out, `,"prev_hash":"`, prevHash)
	out = appendAfter(out, `","hash":"`, hash)
	out = append(out, `"}`...)
	return stored, out, hash, true, nil
}

// minArena is the least an arena grows by (SealDataIn): a few events'
// envelopes.
const minArena = 16 << 10

// carve returns n bytes at the end of *arena, capacity clipped, taking a
// new block when they do not fit (the old one stays with what holds it).
func carve(arena *[]byte, n int) []byte {
	a := *arena
	if cap(a)-len(a) < n {
		a = make([]byte, 0, max(2*cap(a), n, minArena))
	}
	*arena = a[:len(a)+n]
	return a[len(a) : len(a)+n : len(a)+n]
}

// appendAfter appends lit and then value, a string plainJSON has passed
// (or a time's text): it needs no escaping.
func appendAfter[S string | []byte](b []byte, lit string, value S) []byte {
	return append(append(b, lit...), value...)
}

// appendMember appends `,"key":"value"`, or nothing for an empty value
// (the envelope's omitempty members).
func appendMember(b []byte, key, value string) []byte {
	if value == "" {
		return b
	}
	b = append(b, `,"`...)
	b = append(b, key...)
	b = append(b, `":"`...)
	b = append(b, value...)
	return append(b, '"')
}

// chainHead appends what chainSum hashes before the data: the previous
// hash, the stream, the revision and the type, each string after its
// length.
func chainHead(b []byte, prevHash, stream string, revision uint64, typ string) []byte {
	b = binary.BigEndian.AppendUint64(b, uint64(len(prevHash)))
	b = append(b, prevHash...)
	b = binary.BigEndian.AppendUint64(b, uint64(len(stream)))
	b = append(b, stream...)
	b = binary.BigEndian.AppendUint64(b, revision)
	b = binary.BigEndian.AppendUint64(b, uint64(len(typ)))
	return append(b, typ...)
}

// chainSum is the chain hash (ChainHash) over an event's canonical data
// and canonical metadata without its hash.
func chainSum(sum *[sha256.Size]byte, prevHash, stream string, revision uint64, typ string, cdata, cmeta []byte) {
	h := sha256.New()
	var num [8]byte
	writePart := func(n int) {
		binary.BigEndian.PutUint64(num[:], uint64(n))
		h.Write(num[:])
	}
	writePart(len(prevHash))
	h.Write([]byte(prevHash))
	writePart(len(stream))
	h.Write([]byte(stream))
	binary.BigEndian.PutUint64(num[:], revision)
	h.Write(num[:])
	writePart(len(typ))
	h.Write([]byte(typ))
	writePart(len(cdata))
	h.Write(cdata)
	writePart(len(cmeta))
	h.Write(cmeta)
	h.Sum(sum[:0])
}
