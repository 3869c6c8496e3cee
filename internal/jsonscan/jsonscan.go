// Package jsonscan reads, in one pass and without reflection, the plain JSON
// that fapiao writes, for the decoders on hot paths (events, metadata).
//
// It is strict on purpose: a string with an escape or a control character,
// a key it was not told about, a key seen twice, a null where a value is
// expected, anything unusual makes it decline (ok false), and the caller
// falls back to encoding/json. A fast reader so never has to agree with
// encoding/json on anything but the plain shape, which its callers prove by
// comparing the two (tables, random documents, fuzzing).
//
// It imports nothing but the standard library, so that domain, which
// imports nothing of ours, can use it.
package jsonscan

import (
	"bytes"
	"encoding/binary"
	"math/bits"
	"time"
	"unicode/utf8"
)

// maxDepth bounds Skip's nesting; deeper values are declined.
const maxDepth = 64

// Scanner reads one JSON document. Its zero value is not usable: use New.
type Scanner struct {
	b []byte
	i int
}

// New returns a Scanner at the start of b.
func New(b []byte) Scanner { return Scanner{b: b} }

// class sorts bytes for the two hot loops: one load and one test a byte
// instead of a chain of comparisons.
var class = func() (c [256]uint8) {
	for _, b := range []byte(" \t\n\r") {
		c[b] = isSpace
	}
	for b := range 0x20 {
		c[b] |= stopsPlain
	}
	for b := utf8.RuneSelf; b < 256; b++ {
		c[b] = stopsPlain
	}
	c['"'], c['\\'] = stopsPlain, stopsPlain
	return c
}()

const (
	isSpace    = 1 << iota // JSON's insignificant space
	stopsPlain             // a quote, a backslash, a control character or a non-ASCII byte
)

func (s *Scanner) space() {
	// JSON's spaces are all at most ' ': one comparison answers for the
	// compact documents fapiao writes, without the table.
	for s.i < len(s.b) && s.b[s.i] <= ' ' && class[s.b[s.i]]&isSpace != 0 {
		s.i++
	}
}

// Byte consumes c, after any space, and reports whether it was there.
func (s *Scanner) Byte(c byte) bool {
	if s.i < len(s.b) && s.b[s.i] == c { // compact JSON: no space to skip
		s.i++
		return true
	}
	s.space()
	if s.i < len(s.b) && s.b[s.i] == c {
		s.i++
		return true
	}
	return false
}

// End reports whether nothing but space is left: the one check that a
// document holds a single value and no trailing data.
func (s *Scanner) End() bool {
	s.space()
	return s.i == len(s.b)
}

// literal consumes word (true, false, null).
func (s *Scanner) literal(word string) bool {
	s.space()
	if bytes.HasPrefix(s.b[s.i:], []byte(word)) {
		s.i += len(word)
		return true
	}
	return false
}

// Null consumes a null.
func (s *Scanner) Null() bool { return s.literal("null") }

// Token reads a plain string — no escapes, no control characters, valid
// UTF-8 — and returns its raw token, quotes included (what UnmarshalJSON
// methods take; tok[1:len(tok)-1] is its text).
func (s *Scanner) Token() (tok []byte, ok bool) {
	start, ok := s.plain()
	if !ok {
		return nil, false
	}
	return s.b[start:s.i], true
}

// plain reads a plain string (see Token) and returns where its opening
// quote was; s.i is then past the closing one.
func (s *Scanner) plain() (start int, ok bool) {
	// b in a local, so that the loop keeps it in a register rather than
	// loading s.b at every block.
	b := s.b
	if s.i >= len(b) || b[s.i] != '"' { // compact JSON: at the quote
		s.space()
		if s.i >= len(b) || b[s.i] != '"' {
			return 0, false
		}
	}
	start = s.i
	j := start + 1
	// Eight bytes at a time: hardStops flags the first quote, backslash or
	// control character exactly, so the loop goes straight to it (keys and
	// most values are short: walking to the closing quote byte by byte
	// would be most of the scanning), and a non-ASCII byte (Chinese names and
	// addresses) only sets a high bit in seen, which sends the string to
	// the UTF-8 check. The loop below reads the last few bytes of the
	// document one by one.
	var seen uint64 // the bytes before the stop, or'ed together
	for j+8 <= len(b) {
		x := binary.LittleEndian.Uint64(b[j:])
		m := hardStops(x)
		if m == 0 {
			seen |= x
			j += 8
			continue
		}
		k := bits.TrailingZeros64(m) // the top bit of the stopping byte
		seen |= x & (1<<k - 1)
		j += k >> 3
		if b[j] != '"' {
			return 0, false // a backslash or a control character
		}
		s.i = j + 1
		if seen&highBits != 0 && !utf8.Valid(b[start:j+1]) {
			return 0, false
		}
		return start, true
	}
	ascii := seen&highBits == 0
	for ; j < len(b); j++ {
		c := b[j]
		if class[c]&stopsPlain == 0 {
			continue
		}
		switch {
		case c == '"':
			s.i = j + 1
			if !ascii && !utf8.Valid(b[start:s.i]) {
				return 0, false
			}
			return start, true
		case c == '\\' || c < 0x20:
			return 0, false
		default:
			ascii = false
		}
	}
	return 0, false
}

// highBits is each byte's top bit: a non-ASCII byte has it.
const highBits = 0x8080808080808080

// hardStops is nonzero when a byte of x is a quote, a backslash or a
// control character, and its lowest set bit is the top bit of the first
// such byte (little-endian: the first byte is the lowest). Each test is
// the classic "has a zero byte" / "has a byte less than n" trick: it never
// misses such a byte and never flags a non-ASCII one, and a borrow can only
// flag a byte above one truly flagged, so the lowest flag is exact (what
// strlen implementations rely on); the flags above it may not be.
func hardStops(x uint64) uint64 {
	const lo = 0x0101010101010101
	hasZero := func(v uint64) uint64 { return (v - lo) & ^v & highBits }
	less32 := (x - lo*0x20) & ^x & highBits
	return less32 | hasZero(x^(lo*'"')) | hasZero(x^(lo*'\\'))
}

// Array calls elem for each element of an array; elem reads the element
// and returns false to decline.
func (s *Scanner) Array(elem func() bool) bool {
	if !s.Byte('[') {
		return false
	}
	if s.Byte(']') {
		return true
	}
	for {
		if !elem() {
			return false
		}
		if s.Byte(',') {
			continue
		}
		return s.Byte(']')
	}
}

// Skip reads any JSON value, of any shape, checking its grammar: strings may
// hold escapes here (they are not decoded), so that a reader can pass over
// the members it does not want. Values nested deeper than 64 are declined.
func (s *Scanner) Skip() bool { return s.skip(0) }

func (s *Scanner) skip(depth int) bool {
	s.space()
	if s.i >= len(s.b) || depth > maxDepth {
		return false
	}
	switch c := s.b[s.i]; {
	case c == '{':
		s.i++
		if s.Byte('}') {
			return true
		}
		for {
			if !s.skipString() || !s.Byte(':') || !s.skip(depth+1) {
				return false
			}
			if s.Byte(',') {
				continue
			}
			return s.Byte('}')
		}
	case c == '[':
		return s.Array(func() bool { return s.skip(depth + 1) })
	case c == '"':
		return s.skipString()
	case c == 't':
		return s.literal("true")
	case c == 'f':
		return s.literal("false")
	case c == 'n':
		return s.literal("null")
	default:
		n := NumberLen(s.b[s.i:])
		s.i += n
		return n > 0
	}
}

// skipString passes over a string, escapes included (checked, not decoded).
// Invalid UTF-8 is let through, as encoding/json lets it through.
func (s *Scanner) skipString() bool {
	s.space()
	if s.i >= len(s.b) || s.b[s.i] != '"' {
		return false
	}
	for j := s.i + 1; j < len(s.b); j++ {
		switch c := s.b[j]; {
		case c == '"':
			s.i = j + 1
			return true
		case c < 0x20:
			return false
		case c == '\\':
			j++
			if j >= len(s.b) {
				return false
			}
			switch s.b[j] {
			case '"', '\\', '/', 'b', 'f', 'n', 'r', 't':
			case 'u':
				if j+4 >= len(s.b) {
					return false
				}
				for _, h := range s.b[j+1 : j+5] {
					if !isHex(h) {
						return false
					}
				}
				j += 4
			default:
				return false
			}
		}
	}
	return false
}

func isHex(c byte) bool {
	return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F')
}

// NumberLen returns the length of the JSON number at the start of b, or 0
// if b does not start with one.
func NumberLen(b []byte) int {
	i := 0
	if i < len(b) && b[i] == '-' {
		i++
	}
	switch {
	case i < len(b) && b[i] == '0':
		i++
	case i < len(b) && b[i] >= '1' && b[i] <= '9':
		i = digits(b, i)
	default:
		return 0
	}
	if i < len(b) && b[i] == '.' {
		if i = digits(b, i+1); b[i-1] == '.' {
			return 0 // no digit after the point
		}
	}
	if i < len(b) && (b[i] == 'e' || b[i] == 'E') {
		i++
		if i < len(b) && (b[i] == '+' || b[i] == '-') {
			i++
		}
		d := digits(b, i)
		if d == i {
			return 0
		}
		i = d
	}
	return i
}

// digits returns the end of the run of decimal digits from b[i].
func digits(b []byte, i int) int {
	for i < len(b) && b[i] >= '0' && b[i] <= '9' {
		i++
	}
	return i
}

// Field is one member of an object: its key and where its value goes. The
// constructors (String, Bool, Time, Strings, Raw, Object, Func) say which
// kind of value is accepted; Others makes Object skip the keys it does not
// list.
type Field struct {
	key   string
	dst   any      // *string, *bool, *time.Time, *[]string, *[]byte, func() bool or []Field (Object)
	words []string // OneOf's: a *string gets one of these when it equals it
}

// String accepts a plain string into dst (for a named string type, convert
// the pointer: (*string)(&x.Kind)).
func String(key string, dst *string) Field { return Field{key: key, dst: dst} }

// OneOf is String for a member that mostly holds one of a few words (an
// enumeration): such a value is given the word itself, without a string
// of its own; any other plain string is accepted as String accepts it.
func OneOf(key string, dst *string, words []string) Field {
	return Field{key: key, dst: dst, words: words}
}

// word is t as a string: one of words when it equals one.
func word(t []byte, words []string) string {
	for _, w := range words {
		if w == string(t) {
			return w
		}
	}
	return string(t)
}

// Bool accepts true or false.
func Bool(key string, dst *bool) Field { return Field{key: key, dst: dst} }

// Time accepts a plain string that time.Time's UnmarshalJSON accepts (what
// encoding/json would call).
func Time(key string, dst *time.Time) Field { return Field{key: key, dst: dst} }

// Strings accepts an array of plain strings; [] gives an empty, non-nil
// slice, as encoding/json does. null is declined.
func Strings(key string, dst *[]string) Field { return Field{key: key, dst: dst} }

// Raw accepts a plain string and keeps its raw token (see Token) in dst,
// for a type of the caller's to decode after the object is read (amounts,
// UUIDs: calling their methods from here would make every destination
// escape to the heap). dst stays nil when the member is absent.
func Raw(key string, dst *[]byte) Field { return Field{key: key, dst: dst} }

// Object accepts an object whose members are described by fields.
func Object(key string, fields ...Field) Field { return Field{key: key, dst: fields} }

// Func reads the member's value with read, which has the Scanner through its
// closure and returns false to decline.
func Func(key string, read func() bool) Field { return Field{key: key, dst: read} }

// othersKey marks Others: a key with a quote in it cannot be read.
const othersKey = `"`

// Others makes Object pass over (Skip) the members whose keys it does not
// list, instead of declining. A key that equals a listed one under case
// folding is still declined: encoding/json would take it for that member.
func Others() Field { return Field{key: othersKey} }

// Decode reads data as one object described by fields and nothing after it.
func Decode(data []byte, fields ...Field) bool {
	s := New(data)
	return s.Object(fields...) && s.End()
}

// Object reads an object whose members are described by fields (at most
// 64): each at most once (a duplicate is declined: encoding/json would keep
// the last), in any order; a member not described is declined unless
// Others is among fields. Absent members leave their destinations as they
// were.
func (s *Scanner) Object(fields ...Field) bool {
	if len(fields) > 64 || !s.Byte('{') {
		return false
	}
	if s.Byte('}') {
		return true
	}
	var seen uint64
	next := 0 // members usually come in the order of fields
	for {
		start, ok := s.plain()
		if !ok {
			return false
		}
		key := s.b[start+1 : s.i-1]
		if !s.Byte(':') {
			return false
		}
		i := next
		if i >= len(fields) || len(fields[i].key) != len(key) || fields[i].key != string(key) {
			if i = lookup(fields, key); i < 0 {
				if !skipsOthers(fields, key) || !s.Skip() {
					return false
				}
				if s.Byte(',') {
					continue
				}
				return s.Byte('}')
			}
		}
		bit := uint64(1) << (uint(i) & 63)
		if seen&bit != 0 {
			return false
		}
		seen |= bit
		next = i + 1
		// Strings and tokens, the most frequent, without a call.
		switch dst := fields[i].dst.(type) {
		case *string:
			start, ok := s.plain()
			if !ok {
				return false
			}
			if t := s.b[start+1 : s.i-1]; fields[i].words != nil {
				*dst = word(t, fields[i].words)
			} else {
				*dst = string(t)
			}
		case *[]byte:
			start, ok := s.plain()
			if !ok {
				return false
			}
			*dst = s.b[start:s.i]
		default:
			if !s.value(&fields[i]) {
				return false
			}
		}
		if s.Byte(',') {
			continue
		}
		return s.Byte('}')
	}
}

// lookup finds key's field. Others' key, a lone quote, is no key that
// Token reads.
func lookup(fields []Field, key []byte) int {
	for i := range fields {
		if fields[i].key == string(key) {
			return i
		}
	}
	return -1
}

// skipsOthers reports whether an unlisted key may be skipped.
func skipsOthers(fields []Field, key []byte) bool {
	skip := false
	for i := range fields {
		if fields[i].key == othersKey {
			skip = true
		} else if bytes.EqualFold([]byte(fields[i].key), key) {
			return false
		}
	}
	return skip
}

func (s *Scanner) value(f *Field) bool {
	switch dst := f.dst.(type) {
	case *string:
		t, ok := s.Token()
		if ok {
			*dst = word(t[1:len(t)-1], f.words)
		}
		return ok
	case *[]byte:
		t, ok := s.Token()
		*dst = t
		return ok
	case *time.Time:
		t, ok := s.Token()
		return ok && dst.UnmarshalJSON(t) == nil
	case *bool:
		switch {
		case s.literal("true"):
			*dst = true
		case s.literal("false"):
			*dst = false
		default:
			return false
		}
		return true
	case *[]string:
		return s.strings(dst)
	case func() bool:
		return dst()
	case []Field:
		return s.Object(dst...)
	}
	return false
}

// strings reads an array of plain strings. Not through Array: appending to
// a slice that a closure captures costs an allocation per growth, where the
// compiler gives a plain loop's slice one allocation at its end.
func (s *Scanner) strings(dst *[]string) bool {
	if !s.Byte('[') {
		return false
	}
	out := []string{}
	if !s.Byte(']') {
		for {
			t, ok := s.Token()
			if !ok {
				return false
			}
			out = append(out, string(t[1:len(t)-1]))
			if s.Byte(',') {
				continue
			}
			if !s.Byte(']') {
				return false
			}
			break
		}
	}
	*dst = out
	return true
}

// The readers below let a caller walk an object member by member with a
// switch on the key, for the hottest decoders: a Field table stores its
// destinations in interfaces, which sends the decoded value to the heap
// (and nested tables with it). With Members (members.go) they are as
// strict as Object: a key the caller does not switch on, or one met twice,
// declines.

// Key reads the next member's key and its colon: after the object's '{'
// (first) or after the previous member's value. At the object's '}' it
// returns end (the brace consumed).
func (s *Scanner) Key(first bool) (key []byte, end, ok bool) {
	b := s.b
	if s.i < len(b) && b[s.i] <= ' ' {
		s.space()
	}
	if s.i < len(b) && b[s.i] == '}' {
		s.i++
		return nil, true, true
	}
	if !first {
		if s.i >= len(b) || b[s.i] != ',' {
			return nil, false, false
		}
		s.i++
	}
	start, ok := s.plain()
	if !ok {
		return nil, false, false
	}
	key = b[start+1 : s.i-1]
	if s.i < len(b) && b[s.i] == ':' { // compact JSON: no space to skip
		s.i++
	} else if !s.Byte(':') {
		return nil, false, false
	}
	return key, false, true
}

// Digits reads a string of ASCII digits and points only, as amounts are
// written ("1234.50"), right at the scanner (no space before it), and
// returns its raw token as Token does; anything else is left unread
// (false), for Token. Such a string is plain, so Digits reads nothing that
// Token would not, to the same place, in one simpler loop.
func (s *Scanner) Digits() (tok []byte, ok bool) {
	b, i := s.b, s.i
	if i >= len(b) || b[i] != '"' {
		return nil, false
	}
	j := i + 1
	for j < len(b) && (b[j]-'0' <= 9 || b[j] == '.') {
		j++
	}
	if j >= len(b) || b[j] != '"' {
		return nil, false
	}
	s.i = j + 1
	return b[i:s.i], true
}

// Str reads a plain string into a new string.
func (s *Scanner) Str() (string, bool) {
	start, ok := s.plain()
	if !ok {
		return "", false
	}
	return string(s.b[start+1 : s.i-1]), true
}

// Rest is the document from the scanner's place on: a slice of it, for a
// caller that recognises a value it read before (see Advance).
func (s *Scanner) Rest() []byte { return s.b[s.i:] }

// Advance moves the scanner n bytes on, past a value the caller found in
// Rest. It panics if n passes the end.
func (s *Scanner) Advance(n int) {
	if n < 0 || n > len(s.b)-s.i {
		panic("jsonscan: Advance past the document's end")
	}
	s.i += n
}

// Text reads a plain string and returns its text, without its quotes: a
// slice of the document, for a caller that makes its strings itself.
func (s *Scanner) Text() ([]byte, bool) {
	start, ok := s.plain()
	if !ok {
		return nil, false
	}
	return s.b[start+1 : s.i-1], true
}

// Word is Str for a value that mostly holds one of words (see OneOf).
func (s *Scanner) Word(words []string) (string, bool) {
	start, ok := s.plain()
	if !ok {
		return "", false
	}
	return word(s.b[start+1:s.i-1], words), true
}

// Bool reads true or false.
func (s *Scanner) Bool() (v, ok bool) {
	switch {
	case s.literal("true"):
		return true, true
	case s.literal("false"):
		return false, true
	}
	return false, false
}

// Time reads a plain string that time.Time's UnmarshalJSON accepts.
func (s *Scanner) Time(dst *time.Time) bool {
	t, ok := s.Token()
	return ok && dst.UnmarshalJSON(t) == nil
}

// Strings reads an array of plain strings (see the Strings field).
func (s *Scanner) Strings(dst *[]string) bool { return s.strings(dst) }
