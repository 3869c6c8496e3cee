package seglog

import (
	"bytes"
	"encoding/binary"
	"math/bits"
	"slices"
	"unsafe"

	"github.com/fapiao/fapiao/eventstore"
	"github.com/fapiao/fapiao/eventstore/internal/lenprefix"
	"github.com/fapiao/fapiao/internal/eventform"
)

// The envelope codec (format 2) stores a record's type, data and metadata
// in fewer bytes by recognising the shapes fapiao's events repeat, and
// gives back exactly the bytes it was given: the store's readers, and the
// hash chain computed over those bytes, never see the difference.
//
// A record's tail (after stream, revision and event ID) starts with a kind
// byte. kindRaw is followed by type, data and metadata as format 1 stores
// them; kindEnvelope by the type as a string token, the data as a token
// stream, a zero byte, and the metadata as a token stream to the record's
// end. In a token stream a byte below 0x80 is itself (JSON's punctuation,
// numbers, literals and white space are ASCII), and a byte from 0x80 up
// starts a string token standing for a whole JSON string, quotes implied:
//
//	0x80–0xDF       dictionary entry 0–95
//	0xE0 n          dictionary entry 96+n
//	0xE1 / 0xE2     64 lower / upper-case hex digits, as 32 bytes
//	0xE3 / 0xE4     a lower / upper-case UUID in its 36-character form, as 16 bytes
//	0xE5 n          n characters of "0123456789-:.T+Z", two to a byte (times, dates, amounts)
//	0xE6 n          n bytes as they are
//	0xE7 k          the record's string k again
//	0xE8 k s t n    t bytes of the record's string k from byte s, then n bytes as they are
//
// (n, k, s, t are uvarints.) A record's strings are numbered in the order
// met, the stream name first, counting every string not taken from the
// dictionary nor repeated: hashes and IDs that recur in one event (the
// invoice ID, a time) cost two bytes, and the account ID inside the stream
// name, the actor and the idempotency key a few.
//
// A record the token stream cannot hold (a zero or non-ASCII byte outside
// a string, an unterminated string), or that would not get smaller, is
// stored raw. So the codec can make a record larger by one byte at most,
// and never different: every token stands for its string's exact bytes
// and the rest is copied, so decoding gives back what was encoded. Each
// append used to decode its tail again and compare it byte for byte
// before writing it (a quarter of the codec's CPU); the codec's tests and
// fuzz targets now hold the encoder alone to that — every record they
// encode is read back through the reader's decoder and compared — and the
// ledger's hash chain, which `verify` checks over the bytes read back,
// would show a record that did not come back exact.
const (
	kindRaw       = 0
	kindEnvelope  = 1
	kindStatement = 2
)

// A StatementPosted whose data is exactly the JSON the ledger writes
// (internal/eventform) is kindStatement from version 3 on: its data's
// values alone, length-prefixed, then the metadata as a token stream whose
// strings are numbered after the stream's alone. A rebuild reads the
// statement's summary from the values (eventstore.LendForms) instead of
// JSON made and scanned again: decoding statements, the largest and most
// frequent event, was a tenth of a rebuild that way (docs/performance.md,
// "Statements in a form of their own").
const statementType = "StatementPosted"

const (
	tokDict      = 0x80
	tokDictExt   = 0xE0
	tokHexLower  = 0xE1
	tokHexUpper  = 0xE2
	tokUUIDLower = 0xE3
	tokUUIDUpper = 0xE4
	tokDigits    = 0xE5
	tokLiteral   = 0xE6
	tokRepeat    = 0xE7
	tokPart      = 0xE8
)

// maxStrings bounds a record's numbered strings, so that looking for a
// repeat stays cheap; strings after it are simply not numbered (the
// decoder counts the same way).
const maxStrings = 64

// minPart is the shortest run worth a tokPart.
const minPart = 6

// digitChars are the characters tokDigits packs, by nibble value.
const digitChars = "0123456789-:.T+Z"

var digitNibble [256]int8 // -1: not a digit character

func init() {
	for i := range digitNibble {
		digitNibble[i] = -1
	}
	for i := range len(digitChars) {
		digitNibble[digitChars[i]] = int8(i)
	}
}

// grow extends dst by n bytes and returns it with the n new bytes, for the
// caller to fill: spelling a token in place needs no second copy.
func grow(dst []byte, n int) ([]byte, []byte) {
	dst = slices.Grow(dst, n)
	return dst[:len(dst)+n], dst[len(dst) : len(dst)+n]
}

// encoder turns records' tails into format 2. It keeps its buffers between
// records; one encoder is used by one goroutine at a time. The output is
// passed along and returned (out), not kept in the encoder: a slice field
// would be stored, with a write barrier's check, after every token.
type encoder struct {
	strs [][]byte // the record's numbered strings
	form []byte   // a statement's form (appendStatement)
	// keys[k] is strKey(strs[k]); seen finds the strings numbered so far
	// by their keys (open addressing, k+1 in a slot, 0 empty), so a repeat
	// is found without comparing every string before it (equal strings
	// have equal keys, and a string is numbered once: a repeat is not
	// numbered again, so the string found is the first, as a scan finds).
	keys [maxStrings]uint64
	seen [seenSlots]uint8
	// parts lists the text strings (not a hash, ID or digits) a tokPart
	// may take a run of (at least minPart long), in the order numbered.
	parts  [maxStrings]uint8
	nparts int
}

// seenSlots is the size of encoder.seen, a power of two twice maxStrings.
const seenSlots = 2 * maxStrings

// appendTail appends the tail of e's record in stream to b: encoded when
// that comes back exactly and is smaller, else raw.
func (c *encoder) appendTail(b []byte, stream string, e *eventstore.EventData) []byte {
	if e.Type == statementType {
		if out, ok := c.appendStatement(b, stream, e); ok {
			return out
		}
	}
	start := len(b)
	out := append(b, kindEnvelope)
	c.strs, c.nparts = c.strs[:0], 0
	clear(c.seen[:])
	c.number(stringBytes(stream), strKey(stringBytes(stream)), true)
	out = c.str(out, stringBytes(e.Type)) // the type: not JSON, the whole of it is the string
	out, ok := c.json(out, e.Data)
	if ok {
		out = append(out, 0)
		out, ok = c.json(out, e.Metadata)
	}
	if ok && len(out)-start < rawTailLen(e) {
		return out
	}
	b = append(out[:start], kindRaw)
	b = lenprefix.AppendBytes(b, e.Type)
	b = lenprefix.AppendBytes(b, e.Data)
	return lenprefix.AppendBytes(b, e.Metadata)
}

// appendStatement appends the tail of a statement as kindStatement, or
// reports false when its data takes no form, its metadata makes no token
// stream, or the tail would be no smaller than raw.
func (c *encoder) appendStatement(b []byte, stream string, e *eventstore.EventData) ([]byte, bool) {
	var ok bool
	if c.form, ok = eventform.AppendStatement(c.form[:0], e.Data); !ok {
		return b, false
	}
	start := len(b)
	out := lenprefix.AppendBytes(append(b, kindStatement), c.form)
	c.strs, c.nparts = c.strs[:0], 0
	clear(c.seen[:])
	c.number(stringBytes(stream), strKey(stringBytes(stream)), true)
	if out, ok = c.json(out, e.Metadata); !ok || len(out)-start >= rawTailLen(e) {
		return b, false
	}
	return out, true
}

// rawTailLen is the length of e's tail as kindRaw.
func rawTailLen(e *eventstore.EventData) int {
	return 1 + bytesLen(len(e.Type)) + bytesLen(len(e.Data)) + bytesLen(len(e.Metadata))
}

// decodeStatement appends a kindStatement tail's data (the JSON its form
// stands for) and, withMeta, its metadata to dst, returning them as slices
// of the result with their capacity clipped.
func decodeStatement(dst, stream, tail []byte, withMeta bool) (out, data, meta []byte, ok bool) {
	d := lenprefix.Decoder{Buf: tail}
	form := d.Bytes()
	if d.Bad {
		return dst, nil, nil, false
	}
	a := len(dst)
	if dst, ok = eventform.AppendStatementJSON(dst, form); !ok {
		return dst, nil, nil, false
	}
	b := len(dst)
	if !withMeta {
		return dst, dst[a:b:b], nil, true
	}
	td := tailDecoder{stream: stream, n: 1}
	if dst, _, ok = td.json(dst, d.Buf, false); !ok {
		return dst, nil, nil, false
	}
	return dst, dst[a:b:b], dst[b:len(dst):len(dst)], true
}

// stringBytes is s's bytes without a copy; they are only read.
func stringBytes(s string) []byte { return unsafe.Slice(unsafe.StringData(s), len(s)) }

// json appends src as a token stream. It reports false for bytes the
// token stream cannot hold: a zero or non-ASCII byte outside a string, or
// an unterminated string.
func (c *encoder) json(out, src []byte) ([]byte, bool) {
	for i := 0; i < len(src); i++ {
		// Between strings: punctuation, numbers and literals, a few
		// bytes at a time, copied as they are.
		switch ch := src[i]; outsideClass[ch] {
		case 0:
			out = append(out, ch)
			continue
		case 2:
			return out, false // a zero or non-ASCII byte
		}
		// The closing quote: the first quote after it, eight bytes at a
		// time, when no backslash is right before it (escapes elsewhere
		// do not matter), as in almost every string fapiao writes; else
		// stringEnd decides.
		end := -1
		j := i + 1
		for ; j+8 <= len(src); j += 8 {
			x := binary.LittleEndian.Uint64(src[j:]) ^ quot
			// The lowest byte flagged is the first quote (this zero-byte
			// test flags nothing below the first match).
			if m := (x - lsb) &^ x & msb; m != 0 {
				end = j + bits.TrailingZeros64(m)/8
				break
			}
		}
		if end < 0 {
			for ; j < len(src) && src[j] != '"'; j++ {
			}
			end = j
		}
		if end == len(src) || end > i+1 && src[end-1] == '\\' {
			if end = stringEnd(src, i+1); end < 0 {
				return out, false
			}
		}
		out = c.str(out, src[i+1:end])
		i = end
	}
	return out, true
}

// outsideClass is what a byte outside a string is to json: 0 a byte the
// token stream holds as itself, 1 a quote, 2 one it cannot hold.
var outsideClass = func() (t [256]uint8) {
	t[0], t['"'] = 2, 1
	for b := 0x80; b < 256; b++ {
		t[b] = 2
	}
	return t
}()

const (
	lsb  = 0x0101010101010101
	msb  = 0x8080808080808080
	quot = '"' * lsb
)

// stringEnd returns the index of the quote closing a JSON string whose
// contents start at from, or -1.
func stringEnd(src []byte, from int) int {
	for at := from; ; {
		k := bytes.IndexByte(src[at:], '"')
		if k < 0 {
			return -1
		}
		q := at + k
		bs := 0
		for p := q - 1; p >= from && src[p] == '\\'; p-- {
			bs++
		}
		if bs%2 == 0 {
			return q
		}
		at = q + 1
	}
}

// str appends one string token for s.
func (c *encoder) str(out, s []byte) []byte {
	if !mayBeEntry(s) {
		// Most values (IDs, hashes, times, amounts): no lookup.
	} else if i, ok := dictLookup(s); ok {
		if i < dictOneByte {
			return append(out, byte(tokDict+i))
		}
		return binary.AppendUvarint(append(out, tokDictExt), uint64(i-dictOneByte))
	}
	key := strKey(s)
	for h := seenSlot(key); c.seen[h] != 0; h = (h + 1) & (seenSlots - 1) {
		if k := int(c.seen[h]) - 1; c.keys[k] == key && bytes.Equal(c.strs[k], s) {
			return binary.AppendUvarint(append(out, tokRepeat), uint64(k))
		}
	}
	// A shape, tried in this order: a hash, a UUID, digits; else text.
	ok := false
	switch len(s) {
	case 64:
		if out, ok = appendHex(out, s, tokHexLower, lowerHex); !ok {
			out, ok = appendHex(out, s, tokHexUpper, upperHex)
		}
	case 36:
		if out, ok = appendUUID(out, s, tokUUIDLower, lowerHex); !ok {
			out, ok = appendUUID(out, s, tokUUIDUpper, upperHex)
		}
	}
	if !ok && len(s) >= 2 {
		out, ok = appendDigits(out, s)
	}
	text := !ok
	if text {
		if len(s) >= minPart {
			out, ok = c.part(out, s)
		}
		if !ok {
			out = lenprefix.AppendBytes(append(out, tokLiteral), s)
		}
	}
	c.number(s, key, text)
	return out
}

// number numbers s, the record's next string, if fewer than maxStrings
// are.
func (c *encoder) number(s []byte, key uint64, text bool) {
	n := len(c.strs)
	if n >= maxStrings {
		return
	}
	c.keys[n] = key
	h := seenSlot(key)
	for c.seen[h] != 0 {
		h = (h + 1) & (seenSlots - 1)
	}
	c.seen[h] = uint8(n + 1)
	if text && len(s) >= minPart {
		c.parts[c.nparts] = uint8(n)
		c.nparts++
	}
	c.strs = append(c.strs, s)
}

// seenSlot is key's first slot in encoder.seen: a multiplicative hash's
// top bits.
func seenSlot(key uint64) uint64 {
	return (key * 0x9e3779b97f4a7c15) >> 57 // 7 bits: seenSlots
}

// strKey is a string's length and four of its bytes: equal strings have
// equal keys, and most unequal ones of a record do not.
func strKey(s []byte) uint64 {
	k := uint64(len(s)) << 32
	if len(s) > 0 {
		k |= uint64(s[0]) | uint64(s[len(s)-1])<<8 | uint64(s[len(s)/2])<<16 | uint64(s[len(s)/3])<<24
	}
	return k
}

// appendHex appends tok and the 32 bytes 64 hex digits of one case spell, or
// reports false and appends nothing.
func appendHex(out, s []byte, tok byte, hc hexCase) ([]byte, bool) {
	var words [8]uint64
	var bad uint64
	s = s[:64]
	for i := range words {
		words[i] = binary.LittleEndian.Uint64(s[8*i:])
		bad |= hexBad(words[i], hc)
	}
	if bad != 0 {
		return out, false
	}
	var raw [33]byte
	raw[0] = tok
	for i, x := range words {
		binary.LittleEndian.PutUint32(raw[1+4*i:], hexPack(x))
	}
	return append(out, raw[:]...), true
}

// appendUUID appends tok and the 16 bytes of a UUID in its 8-4-4-4-12 form, hex
// digits of one case, or reports false and appends nothing.
func appendUUID(out, s []byte, tok byte, hc hexCase) ([]byte, bool) {
	if s[8] != '-' || s[13] != '-' || s[18] != '-' || s[23] != '-' {
		return out, false
	}
	// Its 32 digits as four words of eight: the groups of four side by
	// side.
	words := [4]uint64{
		binary.LittleEndian.Uint64(s[0:8]),
		uint64(binary.LittleEndian.Uint32(s[9:13])) | uint64(binary.LittleEndian.Uint32(s[14:18]))<<32,
		uint64(binary.LittleEndian.Uint32(s[19:23])) | uint64(binary.LittleEndian.Uint32(s[24:28]))<<32,
		binary.LittleEndian.Uint64(s[28:36]),
	}
	if hexBad(words[0], hc)|hexBad(words[1], hc)|hexBad(words[2], hc)|hexBad(words[3], hc) != 0 {
		return out, false
	}
	var raw [17]byte
	raw[0] = tok
	for i, x := range words {
		binary.LittleEndian.PutUint32(raw[1+4*i:], hexPack(x))
	}
	return append(out, raw[:]...), true
}

// hexCase is one case of hex digits: its letters from lo up to (not
// including) hi, each repeated in a word's eight bytes.
type hexCase struct{ lo, hi uint64 }

var (
	lowerHex = hexCase{'a' * lsb, ('f' + 1) * lsb}
	upperHex = hexCase{'A' * lsb, ('F' + 1) * lsb}
)

// hexBad is zero when the eight bytes of x are each a digit or a letter
// of hc (mixed-case hex is not packed: it is stored as it is).
func hexBad(x uint64, hc hexCase) uint64 {
	// Each byte of y is 0x80 or more, so subtracting a byte value from
	// every byte borrows across none, and a byte's top bit then says
	// whether it was that value or more.
	y := x | msb
	in := ((y-'0'*lsb)&^(y-('9'+1)*lsb) | (y-hc.lo)&^(y-hc.hi)) & msb
	return x&msb | (in ^ msb)
}

// hexPack packs the eight hex digits of x (the first in its low byte;
// hexBad passed them) into four bytes, two digits to a byte, the first
// digit the high nibble of the first byte (little-endian in the result).
func hexPack(x uint64) uint32 {
	// A digit's value is its low nibble; a letter's (bit 6 set) nine more.
	v := x&(0x0f*lsb) + (x>>6&lsb)*9
	w := (v<<4 | v>>8) & 0x00ff00ff00ff00ff // byte 2k: digit 2k's value << 4 | digit 2k+1's
	w = (w | w>>8) & 0x0000ffff0000ffff
	return uint32(w | w>>16)
}

// appendDigits appends a string of digitChars packed two to a byte, or reports
// false and appends nothing.
func appendDigits(out, s []byte) ([]byte, bool) {
	for _, ch := range s {
		if digitNibble[ch] < 0 {
			return out, false
		}
	}
	out = binary.AppendUvarint(append(out, tokDigits), uint64(len(s)))
	for i := 0; i < len(s); i += 2 {
		b := byte(digitNibble[s[i]]) << 4
		if i+1 < len(s) {
			b |= byte(digitNibble[s[i+1]])
		}
		out = append(out, b)
	}
	return out, true
}

// part appends s as the longest run of an earlier string that s starts
// with, and the rest as it is, when that run is at least minPart long;
// else it reports false and appends nothing.
func (c *encoder) part(out, s []byte) ([]byte, bool) {
	bestK, bestSkip, bestTake := -1, 0, 0
	for _, k8 := range c.parts[:c.nparts] {
		k := int(k8)
		t := c.strs[k]
		i := bytes.Index(t, s[:minPart])
		if i < 0 {
			continue
		}
		n := minPart
		for i+n < len(t) && n < len(s) && t[i+n] == s[n] {
			n++
		}
		if n > bestTake {
			bestK, bestSkip, bestTake = k, i, n
		}
	}
	if bestK < 0 {
		return out, false
	}
	out = binary.AppendUvarint(append(out, tokPart), uint64(bestK))
	out = binary.AppendUvarint(out, uint64(bestSkip))
	out = binary.AppendUvarint(out, uint64(bestTake))
	return lenprefix.AppendBytes(out, s[bestTake:]), true
}

// tailDecoder decodes an encoded tail. The record's strings are kept as
// offsets in the output (the stream name, string 0, aside): no pointers,
// so numbering them costs the garbage collector nothing.
type tailDecoder struct {
	stream []byte
	n      int // strings numbered, the stream's included
	offs   [maxStrings][2]uint32
}

// string returns string k of the record, given the output so far.
func (d *tailDecoder) string(k uint64, dst []byte) ([]byte, bool) {
	switch {
	case k == 0:
		return d.stream, true
	case k < uint64(max(d.n, 1)):
		o := d.offs[k]
		return dst[o[0]:o[1]], true
	}
	return nil, false
}

// decode appends the tail's type, data and metadata to dst, and returns
// them as slices of the result (capacity clipped, so a reader appending to
// one cannot overwrite the next).
func (d *tailDecoder) decode(dst, tail []byte, withMeta bool) (out, typ, data, meta []byte, ok bool) {
	a := len(dst)
	d.n = max(d.n, 1) // string 0 is the stream
	dst, tail, ok = d.str(dst, tail)
	if !ok {
		return dst, nil, nil, nil, false
	}
	b := len(dst)
	dst, tail, ok = d.json(dst, tail, true)
	if !ok {
		return dst, nil, nil, nil, false
	}
	c := len(dst)
	if !withMeta {
		return dst, dst[a:b:b], dst[b:c:c], nil, true // the metadata's tokens follow, not decoded
	}
	dst, tail, ok = d.json(dst, tail, false)
	if !ok || len(tail) != 0 {
		return dst, nil, nil, nil, false
	}
	return dst, dst[a:b:b], dst[b:c:c], dst[c:len(dst):len(dst)], true
}

// json decodes a token stream up to its zero byte (untilZero) or the end.
// Punctuation and dictionary words, most of the tokens, are decoded here
// without a call.
func (d *tailDecoder) json(dst, src []byte, untilZero bool) ([]byte, []byte, bool) {
	i := 0
	for i < len(src) {
		ch := src[i]
		switch {
		case ch == 0:
			if !untilZero {
				return dst, src, false
			}
			return dst, src[i+1:], true
		case ch < tokDict:
			dst = append(dst, ch)
			i++
		case ch < tokDictExt:
			dst = append(dst, dictQuoted[ch-tokDict]...)
			i++
		default:
			var ok bool
			var rest []byte
			dst = append(dst, '"')
			if dst, rest, ok = d.str(dst, src[i:]); !ok {
				return dst, src, false
			}
			dst = append(dst, '"')
			i = len(src) - len(rest)
		}
	}
	return dst, nil, !untilZero
}

// dictQuoted is the dictionary's words as JSON strings.
var dictQuoted = func() (q [len(dictionary)]string) {
	for i, w := range dictionary {
		q[i] = `"` + w + `"`
	}
	return q
}()

// digitPairs spells a byte of tokDigits as its two characters.
var digitPairs = func() (p [256][2]byte) {
	for b := range 256 {
		p[b] = [2]byte{digitChars[b>>4], digitChars[b&15]}
	}
	return p
}()

// hexLetters is what hexSpell adds to a nibble of ten or more, beyond
// '0' + the nibble, to spell its letter in one case.
func hexLetters(upper bool) uint64 {
	if upper {
		return 'A' - '0' - 10
	}
	return 'a' - '0' - 10
}

// hexSpell spells the four bytes of x (the first in its low byte) as
// eight hex digits, the first digit in the result's low byte: the
// inverse of hexPack, eight digits at a time rather than a table lookup
// for each byte.
func hexSpell(x uint32, letters uint64) uint64 {
	v := uint64(x)
	v = (v | v<<16) & 0x0000ffff0000ffff
	v = (v | v<<8) & 0x00ff00ff00ff00ff // byte k of x in byte 2k
	n := v>>4&0x000f000f000f000f | (v&0x000f000f000f000f)<<8
	ten := (n + 6*lsb) >> 4 & lsb // 1 in each byte whose nibble is ten or more
	return n + '0'*lsb + ten*letters
}

// str decodes one string token, appending the string to dst.
func (d *tailDecoder) str(dst, src []byte) ([]byte, []byte, bool) {
	if len(src) == 0 {
		return dst, src, false
	}
	tok := src[0]
	src = src[1:]
	if tok < tokDictExt {
		if tok < tokDict {
			return dst, src, false
		}
		return append(dst, dictionary[tok-tokDict]...), src, true
	}
	start := len(dst)
	switch tok { // the tokens from tokDictExt on are dense: a jump table
	case tokDictExt:
		n, k := uvarint(src)
		if k <= 0 || n >= uint64(len(dictionary)-dictOneByte) {
			return dst, src, false
		}
		return append(dst, dictionary[dictOneByte+int(n)]...), src[k:], true
	case tokRepeat:
		n, k := uvarint(src)
		if k <= 0 {
			return dst, src, false
		}
		t, ok := d.string(n, dst)
		if !ok {
			return dst, src, false
		}
		return append(dst, t...), src[k:], true
	case tokHexLower, tokHexUpper:
		if len(src) < 32 {
			return dst, src, false
		}
		letters := hexLetters(tok == tokHexUpper)
		var h []byte
		dst, h = grow(dst, 64)
		for i := 0; i < 32; i += 4 {
			binary.LittleEndian.PutUint64(h[2*i:], hexSpell(binary.LittleEndian.Uint32(src[i:]), letters))
		}
		src = src[32:]
	case tokUUIDLower, tokUUIDUpper:
		if len(src) < 16 {
			return dst, src, false
		}
		letters := hexLetters(tok == tokUUIDUpper)
		var u []byte
		dst, u = grow(dst, 36)
		u = u[:36]
		// 8-4-4-4-12: the 32 digits as four words of eight, the middle
		// two each split in two groups of four.
		w1 := hexSpell(binary.LittleEndian.Uint32(src[4:]), letters)
		w2 := hexSpell(binary.LittleEndian.Uint32(src[8:]), letters)
		binary.LittleEndian.PutUint64(u[0:], hexSpell(binary.LittleEndian.Uint32(src[0:]), letters))
		binary.LittleEndian.PutUint32(u[9:], uint32(w1))
		binary.LittleEndian.PutUint32(u[14:], uint32(w1>>32))
		binary.LittleEndian.PutUint32(u[19:], uint32(w2))
		binary.LittleEndian.PutUint32(u[24:], uint32(w2>>32))
		binary.LittleEndian.PutUint64(u[28:], hexSpell(binary.LittleEndian.Uint32(src[12:]), letters))
		u[8], u[13], u[18], u[23] = '-', '-', '-', '-'
		src = src[16:]
	case tokDigits:
		n, k := uvarint(src)
		if k <= 0 || n > uint64(2*(len(src)-k)) {
			return dst, src, false
		}
		src = src[k:]
		var g []byte
		dst, g = grow(dst, int(n))
		for i := 0; i+1 < len(g); i += 2 {
			*(*[2]byte)(g[i:]) = digitPairs[src[i/2]]
		}
		if n%2 == 1 {
			g[n-1] = digitChars[src[n/2]>>4]
		}
		src = src[(n+1)/2:]
	case tokLiteral:
		r := lenprefix.Decoder{Buf: src}
		lit := r.Bytes()
		if r.Bad {
			return dst, src, false
		}
		dst, src = append(dst, lit...), r.Buf
	case tokPart:
		r := lenprefix.Decoder{Buf: src}
		k, skip, take := r.Uvarint(), r.Uvarint(), r.Uvarint()
		t, ok := d.string(k, dst)
		if r.Bad || !ok || skip > uint64(len(t)) || take > uint64(len(t))-skip {
			return dst, src, false
		}
		t = t[skip : skip+take]
		rest := r.Bytes()
		if r.Bad {
			return dst, src, false
		}
		dst = append(dst, t...)
		dst, src = append(dst, rest...), r.Buf
	default:
		return dst, src, false
	}
	if d.n < maxStrings {
		d.offs[d.n] = [2]uint32{uint32(start), uint32(len(dst))}
		d.n++
	}
	return dst, src, true
}

// uvarint is binary.Uvarint with a one-byte value, the usual one, read
// without the call.
func uvarint(b []byte) (uint64, int) {
	if len(b) > 0 && b[0] < 0x80 {
		return uint64(b[0]), 1
	}
	return binary.Uvarint(b)
}
