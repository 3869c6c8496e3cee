package ledger

import (
	"crypto/sha256"
	"encoding/hex"

	"github.com/fapiao/fapiao/domain"
	"github.com/fapiao/fapiao/internal/jsonscan"
)

// A keyed command without a request hash is fingerprinted by commandHash:
// its document marshalled by reflection, then made canonical, then hashed
// (9 % of a command's CPU). For the commands that come most often the
// canonical bytes are written directly (domain.EventEncoder.EncodeCommand,
// members sorted) and hashed; anything it declines takes the definition.
// TestCommandFingerprintIsTheDefinition compares the two on random
// commands of every type written here.

// appendCommandCanonical appends the canonical form of commandHash's
// document {"type": typeName(cmd), "command": cmd} for the command types
// the encoder knows, or reports false.
func appendCommandCanonical(b []byte, x *domain.EventEncoder, cmd domain.Command) ([]byte, bool) {
	c, ok := x.EncodeCommand(cmd)
	name := typeName(cmd)
	if !ok || !jsonscan.Plain(name) {
		return b, false
	}
	b = append(b, `{"command":`...)
	b = append(b, c...)
	b = append(b, `,"type":"`...)
	b = append(b, name...)
	return append(b, `"}`...), true
}

// commandHashFast is commandHash for the commands appendCommandCanonical
// writes, or false.
func commandHashFast(cmd domain.Command) (string, bool) {
	var h [2 * sha256.Size]byte // hex.EncodeToString would allocate twice
	b, ok := appendCommandHashFast(h[:0], cmd, nil)
	if !ok {
		return "", false
	}
	return string(b), true
}

// appendCommandHashFast appends commandHashFast's hash, in hex, to dst,
// and sets *sum (when not nil) to the hash itself; with ok false, dst as
// it was.
func appendCommandHashFast(dst []byte, cmd domain.Command, sum *[sha256.Size]byte) ([]byte, bool) {
	buf := hashBufPool.Get().(*[]byte)
	defer hashBufPool.Put(buf)
	x := encoders.Get().(*domain.EventEncoder)
	defer encoders.Put(x)
	c, ok := appendCommandCanonical((*buf)[:0], x, cmd)
	if cap(c) <= 64<<10 {
		*buf = c[:0]
	}
	if !ok {
		return dst, false
	}
	h := sha256.Sum256(c)
	if sum != nil {
		*sum = h
	}
	return hex.AppendEncode(dst, h[:]), true
}
