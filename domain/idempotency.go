package domain

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"unsafe"
)

// An account remembers every keyed command it ever ran (APP-6), so the
// table grows with the account's history and lives as long as the account
// is cached. Held as strings it was two pointers and two small objects an
// entry (the scoped key and the request's hex hash), a quarter of the
// ledger's live heap under `bench append` that every collection marked
// again. Held by digest it is one flat table the collector never scans.
// A digest is SHA-256's first 128 bits, which keeps a collision out of
// reach: a different key or request taken for a remembered one would
// answer a new command with an old result. To be taken for another
// caller's key, a key would need a second preimage (2^128 tries); a caller
// could at best make two of its own keys or requests collide (2^64), which
// harms only itself. At 128 bits an entry is 48 bytes, the size the
// strings' table entries were (more, and the table's growth alone cost
// more allocation than the strings it no longer keeps).

// IdemDigest is the digest of an idempotency key in its scope (ScopedKey)
// or of a request's hash: SHA-256's first 16 bytes.
type IdemDigest [16]byte

// MarshalText writes d in hex, so that an Account still encodes as JSON
// (a map key must be text).
func (d IdemDigest) MarshalText() ([]byte, error) {
	return hex.AppendEncode(nil, d[:]), nil
}

// UnmarshalText reads MarshalText's hex.
func (d *IdemDigest) UnmarshalText(b []byte) error {
	if hex.DecodedLen(len(b)) != len(d) {
		return fmt.Errorf("domain: an idempotency digest is %d hex digits, got %d", 2*len(d), len(b))
	}
	_, err := hex.Decode(d[:], b)
	return err
}

// IdemRecord is what the account remembers of a keyed command: its
// request's digest and the revisions of the events it appended.
type IdemRecord struct {
	Request                     IdemDigest
	FirstRevision, LastRevision uint64
}

// IdemKey is a keyed command as the account's table is asked about it: the
// digests of its key in its scope and of its request's hash. The zero
// IdemKey stands for no key.
type IdemKey struct {
	Key, Request IdemDigest
	valid        bool
}

// IdemKeyOf digests a key in its scope (ScopedKey) and its request's hash,
// once for the check and the record of one command. An empty key gives
// the zero IdemKey: never seen, never remembered.
func IdemKeyOf(scoped, requestHash string) IdemKey {
	if scoped == "" {
		return IdemKey{}
	}
	return IdemKey{Key: digest(scoped), Request: requestDigest(requestHash), valid: true}
}

// IdemKeyOfSum is IdemKeyOf for a request hash that is the lowercase hex
// of sum, a SHA-256 its caller has just made (the ledger's command
// fingerprint): the same digests, without decoding the hex again.
func IdemKeyOfSum(scoped string, sum *[sha256.Size]byte) IdemKey {
	if scoped == "" {
		return IdemKey{}
	}
	return IdemKey{Key: digest(scoped), Request: foldSum(sum), valid: true}
}

// digest is s's IdemDigest.
func digest(s string) IdemDigest {
	sum := sha256.Sum256(stringBytes(s))
	return IdemDigest(sum[:])
}

// requestDigest is a request hash's digest. The ledger's hashes
// (commandHash, RequestHashOf) are a SHA-256 in lowercase hex already:
// those are decoded and their halves folded together (every bit counts),
// not hashed again. Any other text is hashed; for it to give the digest of
// a hex hash would take a preimage.
func requestDigest(h string) IdemDigest {
	if len(h) == 2*sha256.Size && isLowerHex(h) {
		var sum [sha256.Size]byte
		hex.Decode(sum[:], stringBytes(h))
		return foldSum(&sum)
	}
	return digest(h)
}

// foldSum folds a SHA-256's halves together into a digest.
func foldSum(sum *[sha256.Size]byte) IdemDigest {
	var d IdemDigest
	for i := range d {
		d[i] = sum[i] ^ sum[i+len(d)]
	}
	return d
}

func isLowerHex(s string) bool {
	for i := range len(s) {
		if c := s[i]; (c < '0' || c > '9') && (c < 'a' || c > 'f') {
			return false
		}
	}
	return true
}

// stringBytes is s's bytes without a copy, for hashing and decoding only:
// they must never be written. ([]byte(s) here was two allocations a
// command: a key is longer than the compiler's stack buffer.)
func stringBytes(s string) []byte { return unsafe.Slice(unsafe.StringData(s), len(s)) }

// Valid reports whether k was made from a key.
func (k IdemKey) Valid() bool { return k.valid }
