package eventstore

import (
	"bytes"
	"slices"
	"sync"
	"unicode/utf8"

	"github.com/fapiao/fapiao/internal/jsonscan"
)

// The canonical form is defined by what encoding/json makes of a document
// decoded into interface{} values with UseNumber and encoded without HTML
// escaping (canonicalSlow): object keys sorted bytewise, no insignificant
// space, numbers as written, strings re-escaped the encoder's way. Hashes
// of existing logs are computed over exactly those bytes, so the form can
// never change.
//
// Building an interface{} tree per event dominated the ledger's CPU
// (docs/performance.md, "Code health (issue 18)"). canonicalFast produces the same bytes with one pass and no tree for the
// documents fapiao writes, and gives up (ok false) on anything whose
// canonical form it would have to reason about: escapes in strings,
// duplicate keys, invalid or unusual input, deep nesting. The caller then
// falls back to the slow path, so the two can only differ if canonicalFast
// accepts a document it copies wrongly; FuzzCanonical and the table tests
// compare them.

// maxFastDepth bounds the fast path's recursion; deeper documents take the
// slow path.
const maxFastDepth = 64

// canonicalizer is the fast path's state; pooled, so its buffers are reused.
type canonicalizer struct {
	src []byte
	i   int
	out []byte
	tmp []byte
}

var canonPool = sync.Pool{New: func() any { return new(canonicalizer) }}

// member is one "key":value of an object being written, as offsets into out.
type member struct {
	keyStart, keyEnd int // the key's bytes, without quotes
	start, end       int // the whole member
}

// canonicalAppend appends raw's canonical form to dst. dropHash removes a
// top-level "hash" member (and then requires an object). It falls back to
// the encoding/json round trip when the fast path declines.
func canonicalAppend(dst, raw []byte, dropHash bool) ([]byte, error) {
	c := canonPool.Get().(*canonicalizer)
	defer func() {
		c.src = nil
		canonPool.Put(c)
	}()
	if out, ok := c.run(dst, raw, dropHash); ok {
		return out, nil
	}
	var (
		slow []byte
		err  error
	)
	if dropHash {
		slow, err = canonicalWithoutHashSlow(raw)
	} else {
		slow, err = canonicalSlow(raw)
	}
	if err != nil {
		return dst, err
	}
	return append(dst, slow...), nil
}

// run is the fast path: it reports ok false to ask for the slow one.
func (c *canonicalizer) run(dst, raw []byte, dropHash bool) ([]byte, bool) {
	c.src, c.i, c.out = raw, 0, dst
	c.space()
	if c.i >= len(c.src) {
		return nil, false // empty: the slow path knows what to say
	}
	if dropHash && c.src[c.i] != '{' {
		return nil, false
	}
	if !c.value(0, dropHash) {
		return nil, false
	}
	c.space()
	if c.i != len(c.src) {
		return nil, false // trailing data
	}
	return c.out, true
}

func (c *canonicalizer) space() {
	for c.i < len(c.src) {
		switch c.src[c.i] {
		case ' ', '\t', '\n', '\r':
			c.i++
		default:
			return
		}
	}
}

func (c *canonicalizer) value(depth int, dropHash bool) bool {
	if c.i >= len(c.src) || depth > maxFastDepth {
		return false
	}
	switch b := c.src[c.i]; {
	case b == '{':
		return c.object(depth, dropHash)
	case b == '[':
		return c.array(depth)
	case b == '"':
		_, _, ok := c.str()
		return ok
	case b == 't':
		return c.literal("true")
	case b == 'f':
		return c.literal("false")
	case b == 'n':
		return c.literal("null")
	case b == '-' || (b >= '0' && b <= '9'):
		return c.number()
	default:
		return false
	}
}

func (c *canonicalizer) literal(word string) bool {
	if !bytes.HasPrefix(c.src[c.i:], []byte(word)) {
		return false
	}
	c.out = append(c.out, word...)
	c.i += len(word)
	return true
}

// number copies a JSON number as written, after checking its grammar.
func (c *canonicalizer) number() bool {
	n := jsonscan.NumberLen(c.src[c.i:])
	if n == 0 {
		return false
	}
	c.out = append(c.out, c.src[c.i:c.i+n]...)
	c.i += n
	return true
}

// str copies a string that the encoder would write unchanged: no escapes,
// no control characters, valid UTF-8 without U+2028 or U+2029. It returns
// where its content landed in out.
func (c *canonicalizer) str() (start, end int, ok bool) {
	s := c.src
	i := c.i + 1
	for {
		if i >= len(s) {
			return 0, 0, false
		}
		b := s[i]
		if b == '"' {
			break
		}
		if b == '\\' || b < 0x20 {
			return 0, 0, false
		}
		if b < utf8.RuneSelf {
			i++
			continue
		}
		r, size := utf8.DecodeRune(s[i:])
		if (r == utf8.RuneError && size == 1) || r == '\u2028' || r == '\u2029' {
			return 0, 0, false
		}
		i += size
	}
	start = len(c.out) + 1
	c.out = append(c.out, s[c.i:i+1]...)
	c.i = i + 1
	return start, len(c.out) - 1, true
}

// open consumes an array's or an object's opening bracket, writing it, and
// reports whether the closing one follows at once (then consumed and
// written too).
func (c *canonicalizer) open(opening, closing byte) (empty bool) {
	c.i++
	c.out = append(c.out, opening)
	c.space()
	if c.i < len(c.src) && c.src[c.i] == closing {
		c.i++
		c.out = append(c.out, closing)
		return true
	}
	return false
}

// next consumes what follows an element or a member: a comma (more follow)
// or the closing bracket; ok is false for anything else.
func (c *canonicalizer) next(closing byte) (more, ok bool) {
	c.space()
	if c.i >= len(c.src) {
		return false, false
	}
	switch c.src[c.i] {
	case ',':
		c.i++
		return true, true
	case closing:
		c.i++
		return false, true
	}
	return false, false
}

func (c *canonicalizer) array(depth int) bool {
	if c.open('[', ']') {
		return true
	}
	for {
		c.space()
		if !c.value(depth+1, false) {
			return false
		}
		more, ok := c.next(']')
		if !ok {
			return false
		}
		if !more {
			c.out = append(c.out, ']')
			return true
		}
		c.out = append(c.out, ',')
	}
}

func (c *canonicalizer) object(depth int, dropHash bool) bool {
	open := len(c.out)
	if c.open('{', '}') {
		return true
	}
	var stack [16]member
	ms := stack[:0]
	dropped := false
	for {
		c.space()
		if c.i >= len(c.src) || c.src[c.i] != '"' {
			return false
		}
		if len(ms) > 0 {
			c.out = append(c.out, ',')
		}
		m := member{start: len(c.out)}
		var ok bool
		if m.keyStart, m.keyEnd, ok = c.str(); !ok {
			return false
		}
		c.space()
		if c.i >= len(c.src) || c.src[c.i] != ':' {
			return false
		}
		c.i++
		c.out = append(c.out, ':')
		c.space()
		if !c.value(depth+1, false) {
			return false
		}
		m.end = len(c.out)
		if dropHash && string(c.out[m.keyStart:m.keyEnd]) == "hash" {
			if dropped {
				return false // a duplicate: the slow path decides
			}
			// Written, then taken back with its comma: the member is not part
			// of the canonical metadata.
			cut := m.start
			if len(ms) > 0 {
				cut--
			}
			c.out = c.out[:cut]
			dropped = true
		} else {
			ms = append(ms, m)
		}
		more, ok := c.next('}')
		if !ok {
			return false
		}
		if !more {
			break
		}
	}
	if !c.sortMembers(open, ms) {
		return false
	}
	c.out = append(c.out, '}')
	return true
}

// sortMembers reorders the members written after out[open] ('{') by key.
// Duplicate keys make it decline: decoding keeps the last, which the slow
// path handles.
func (c *canonicalizer) sortMembers(open int, ms []member) bool {
	key := func(buf []byte, m member) []byte { return buf[m.keyStart:m.keyEnd] }
	sorted := true
	for i := 1; i < len(ms); i++ {
		switch bytes.Compare(key(c.out, ms[i-1]), key(c.out, ms[i])) {
		case 0:
			return false
		case 1:
			sorted = false
		}
	}
	if sorted {
		return true
	}
	c.tmp = append(c.tmp[:0], c.out[open:]...)
	for i := range ms {
		ms[i].keyStart -= open
		ms[i].keyEnd -= open
		ms[i].start -= open
		ms[i].end -= open
	}
	slices.SortFunc(ms, func(a, b member) int { return bytes.Compare(key(c.tmp, a), key(c.tmp, b)) })
	for i := 1; i < len(ms); i++ {
		if bytes.Equal(key(c.tmp, ms[i-1]), key(c.tmp, ms[i])) {
			return false
		}
	}
	c.out = append(c.out[:open], '{')
	for i, m := range ms {
		if i > 0 {
			c.out = append(c.out, ',')
		}
		c.out = append(c.out, c.tmp[m.start:m.end]...)
	}
	return true
}
