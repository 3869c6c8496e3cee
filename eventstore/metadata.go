package eventstore

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"sync"
	"time"
)

// SchemaVersion is the version of the envelope written by this build.
const SchemaVersion = 1

// Metadata is the envelope every fapiao event carries next to its data.
type Metadata struct {
	OccurredAt     time.Time `json:"occurred_at"`
	Actor          Actor     `json:"actor"`
	CorrelationID  string    `json:"correlation_id,omitempty"`
	CausationID    string    `json:"causation_id,omitempty"`
	IdempotencyKey string    `json:"idempotency_key,omitempty"`
	RequestHash    string    `json:"request_hash,omitempty"`
	SchemaVersion  int       `json:"schema_version"`
	PrevHash       string    `json:"prev_hash"`
	Hash           string    `json:"hash"`
}

// Actor is who caused an event: a role of DOMAIN.md and an identifier
// (account ID for customers, a name for staff).
type Actor struct {
	Role string `json:"role"`
	ID   string `json:"id"`
}

// ChainHash computes an event's link in its stream's hash chain:
// SHA-256(prev_hash ‖ stream ‖ revision ‖ type ‖ canonical data ‖ canonical
// metadata without hash). Each variable-length part is length-prefixed so
// that no two different events share an input.
func ChainHash(prevHash, stream string, revision uint64, typ string, data, metadata json.RawMessage) (string, error) {
	buf := hashBufPool.Get().(*[]byte)
	defer hashBufPool.Put(buf)
	cdata, err := canonicalAppend((*buf)[:0], data, false)
	if err != nil {
		return "", fmt.Errorf("eventstore: canonical data: %w", err)
	}
	n := len(cdata)
	both, err := canonicalAppend(cdata, metadata, true)
	if err != nil {
		return "", fmt.Errorf("eventstore: canonical metadata: %w", err)
	}
	*buf = both
	var sum [sha256.Size]byte
	chainSum(&sum, prevHash, stream, revision, typ, both[:n], both[n:])
	return hex.EncodeToString(sum[:]), nil
}

// hashBufPool holds ChainHash's buffers for the canonical bytes.
var hashBufPool = sync.Pool{New: func() any { b := make([]byte, 0, 2048); return &b }}

// Canonical re-encodes JSON in a stable form: object keys sorted, no
// insignificant space, numbers as written. Equal documents give equal bytes.
func Canonical(raw json.RawMessage) ([]byte, error) {
	if len(raw) == 0 {
		return []byte("null"), nil
	}
	return canonicalAppend(nil, raw, false)
}

// AppendCanonical appends raw's canonical form (Canonical) to dst, for
// callers that hash it and can reuse the buffer.
func AppendCanonical(dst []byte, raw json.RawMessage) ([]byte, error) {
	if len(raw) == 0 {
		return append(dst, "null"...), nil
	}
	return canonicalAppend(dst, raw, false)
}

// canonicalSlow is the definition of the canonical form (see canonical.go):
// decode into interface{} values, encode again.
func canonicalSlow(raw json.RawMessage) ([]byte, error) {
	if len(raw) == 0 {
		return []byte("null"), nil
	}
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		return nil, err
	}
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return nil, err
	}
	return bytes.TrimRight(buf.Bytes(), "\n"), nil
}

// canonicalWithoutHashSlow is the definition of the canonical metadata: the
// canonical form of the object without its "hash" member.
func canonicalWithoutHashSlow(raw json.RawMessage) ([]byte, error) {
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	var m map[string]any
	if err := dec.Decode(&m); err != nil {
		return nil, err
	}
	delete(m, "hash")
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(m); err != nil {
		return nil, err
	}
	return bytes.TrimRight(buf.Bytes(), "\n"), nil
}

// ParseMetadata decodes a record's metadata.
func ParseMetadata(raw json.RawMessage) (Metadata, error) {
	var m Metadata
	err := json.Unmarshal(raw, &m)
	return m, err
}

// Seal sets m.PrevHash, computes the chain hash for an event at (stream,
// revision) and returns the metadata bytes with Hash filled in.
func Seal(m Metadata, prevHash, stream string, revision uint64, typ string, data json.RawMessage) (json.RawMessage, error) {
	raw, _, err := SealHash(m, prevHash, stream, revision, typ, data)
	return raw, err
}

// SealHash is Seal that also returns the hash, sparing the caller a decode
// of the metadata it just got.
func SealHash(m Metadata, prevHash, stream string, revision uint64, typ string, data json.RawMessage) (json.RawMessage, string, error) {
	return SealHashCanonical(m, prevHash, stream, revision, typ, data, nil)
}

// SealHashCanonical is SealHash for a caller that wrote data's canonical
// form (AppendCanonical) along with it, sparing the canonical pass over
// data; nil cdata asks for the pass. The caller answers for cdata being
// that form: the hash is computed over it (domain.EventEncoder, which
// ledger's TestEventEncoderIsTheDefinition holds to AppendCanonical).
func SealHashCanonical(m Metadata, prevHash, stream string, revision uint64, typ string, data json.RawMessage, cdata []byte) (json.RawMessage, string, error) {
	if _, raw, hash, ok, err := sealFast(&m, prevHash, stream, revision, typ, data, cdata, false, nil); ok || err != nil {
		return raw, hash, err
	}
	return sealGeneral(m, prevHash, stream, revision, typ, data)
}

// SealData is SealHashCanonical for a caller that does not keep data (an
// encoder's buffer, written over by its next event): it also returns a
// copy of data to store. The copy, the envelope and the hash share one
// allocation where the envelope is written directly (one allocation an
// event instead of two; what holds one of them holds all three).
func SealData(m Metadata, prevHash, stream string, revision uint64, typ string, data json.RawMessage, cdata []byte) (stored, raw json.RawMessage, hash string, err error) {
	return SealDataIn(nil, m, prevHash, stream, revision, typ, data, cdata)
}

// SealDataIn is SealData for a caller that reuses its buffers once the
// store has answered (Store.Append keeps nothing of its events): the hash,
// the copy of data and the envelope are carved from *arena, grown as
// needed, instead of an allocation of their own. All three are arena's
// bytes: clone what is kept past the arena's reuse. A nil arena is
// SealData.
func SealDataIn(arena *[]byte, m Metadata, prevHash, stream string, revision uint64, typ string, data json.RawMessage, cdata []byte) (stored, raw json.RawMessage, hash string, err error) {
	if stored, raw, hash, ok, err := sealFast(&m, prevHash, stream, revision, typ, data, cdata, true, arena); ok || err != nil {
		return stored, raw, hash, err
	}
	raw, hash, err = sealGeneral(m, prevHash, stream, revision, typ, data)
	if err != nil {
		return nil, nil, "", err
	}
	return append(json.RawMessage(nil), data...), raw, hash, nil
}

// sealGeneral is SealHash by its definition: the envelope through
// json.Marshal, its hash over the canonical forms (ChainHash).
func sealGeneral(m Metadata, prevHash, stream string, revision uint64, typ string, data json.RawMessage) (json.RawMessage, string, error) {
	m.PrevHash = prevHash
	m.Hash = ""
	raw, err := json.Marshal(m)
	if err != nil {
		return nil, "", err
	}
	hash, err := ChainHash(prevHash, stream, revision, typ, data, raw)
	if err != nil {
		return nil, "", err
	}
	if out, ok := fillHash(raw, hash); ok {
		return out, hash, nil
	}
	m.Hash = hash
	raw, err = json.Marshal(m)
	return raw, hash, err
}

// fillHash returns raw, the encoding of a Metadata with an empty Hash, with
// hash filled in: the bytes json.Marshal gives with Hash set, without
// encoding the struct twice. That holds because Hash is the struct's last
// field, so raw ends in "hash":""}, and json writes a hex string as it is.
// It declines (ok false) when either is not so.
func fillHash(raw []byte, hash string) ([]byte, bool) {
	const empty = `"hash":""}`
	if !bytes.HasSuffix(raw, []byte(empty)) || !isLowerHex(hash) {
		return nil, false
	}
	out := make([]byte, 0, len(raw)+len(hash))
	out = append(out, raw[:len(raw)-len(`"}`)]...) // up to the opening quote of the empty value
	out = append(out, hash...)
	return append(out, `"}`...), true
}

func isLowerHex(s string) bool {
	for i := 0; i < len(s); i++ {
		if c := s[i]; (c < '0' || c > '9') && (c < 'a' || c > 'f') {
			return false
		}
	}
	return true
}

// VerifyError names the first broken link of a hash chain.
type VerifyError struct {
	Stream   string
	Revision uint64
	Expected string // the hash recomputed from the stored event
	Found    string // the hash stored in its metadata (or the prev_hash that does not match)
	Reason   string
}

func (e *VerifyError) Error() string {
	return fmt.Sprintf("eventstore: hash chain broken at %s@%d: %s (expected %s, found %s)", e.Stream, e.Revision, e.Reason, e.Expected, e.Found)
}

// VerifyLink checks one record against the hash of the previous event of its
// stream ("" for revision 0) and returns its own hash.
func VerifyLink(r Record, prevHash string) (string, error) {
	m, err := ParseMetadata(r.Metadata)
	if err != nil {
		return "", &VerifyError{Stream: r.Stream, Revision: r.Revision, Reason: "metadata is not valid JSON: " + err.Error()}
	}
	if m.PrevHash != prevHash {
		return "", &VerifyError{Stream: r.Stream, Revision: r.Revision, Expected: prevHash, Found: m.PrevHash, Reason: "prev_hash does not match the previous event"}
	}
	want, err := ChainHash(prevHash, r.Stream, r.Revision, r.Type, r.Data, r.Metadata)
	if err != nil {
		return "", &VerifyError{Stream: r.Stream, Revision: r.Revision, Reason: err.Error()}
	}
	if want != m.Hash {
		return "", &VerifyError{Stream: r.Stream, Revision: r.Revision, Expected: want, Found: m.Hash, Reason: "hash does not match the event's content"}
	}
	return want, nil
}
