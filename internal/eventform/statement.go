// Package eventform stores an event's data as its values alone, for the
// events a rebuild of the read models reads most, when the data is exactly
// the JSON the ledger writes for them: the keys, quotes and punctuation
// are implied by the form, so reading the event back needs no JSON, and
// the JSON it stands for is written back byte for byte (AppendStatementJSON
// of AppendStatement's form is the data it was given).
//
// It knows those events only as bytes (their members in declaration order,
// as encoding/json and domain's encoder write them), and imports nothing
// of ours: both the segmented log (eventstore/seglog), which stores the
// form, and domain, which reads a statement from it, use it.
package eventform

import (
	"bytes"
	"encoding/binary"
	"slices"
)

// A StatementPosted's form:
//
//	text month
//	uvarint n+1 (the lines; 0 for "lines":null)
//	n times: byte flags (flagMerchant), then the texts line_id, product,
//	         billing_mode, purchased_at, channel, merchant (if flagged),
//	         amount, voucher, coupon, gift_balance
//	text posted_at
//
// A text is the string's bytes as they stand between its quotes in the
// JSON, after a uvarint of its length n shifted left by one: n<<1 for the
// bytes as they are, n<<1 | 1 for n characters of packChars packed two to
// a byte, the first in the high half (amounts, dates and instants: a form
// is then no larger than the segmented log's tokens of the same JSON).
// Only a string without a quote or a backslash is taken, so those bytes
// are the whole string and nothing in them needs escaping back.
const flagMerchant = 1

// packChars are the characters a packed text holds, by their value.
const packChars = "0123456789-:.T+Z"

// packValue is a byte's value in packChars, or -1.
var packValue = func() (v [256]int8) {
	for i := range v {
		v[i] = -1
	}
	for i := range len(packChars) {
		v[packChars[i]] = int8(i)
	}
	return v
}()

// minPacked is the shortest text worth packing.
const minPacked = 4

// The JSON around a statement's values, in the order written.
const (
	stmtOpen     = `{"month":"`
	stmtLines    = `","lines":`
	stmtPosted   = `,"posted_at":"`
	stmtClose    = `"}`
	lineOpen     = `{"line_id":"`
	lineProduct  = `","product":"`
	lineMode     = `","billing_mode":"`
	linePurchase = `","purchased_at":"`
	lineChannel  = `","channel":"`
	lineMerchant = `","merchant":"`
	lineAmount   = `","amount":"`
	lineVoucher  = `","voucher":"`
	lineCoupon   = `","coupon":"`
	lineGift     = `","gift_balance":"`
	lineClose    = `"}`
)

// maxLines bounds the lines a form holds; a longer statement stays JSON.
const maxLines = 1 << 16

// AppendStatement appends the form of a StatementPosted's data to dst, and
// reports false (dst unchanged) when data is not exactly the JSON a
// statement's form stands for.
func AppendStatement(dst, data []byte) ([]byte, bool) {
	p := parser{b: data}
	out := dst
	var ok bool
	if !p.lit(stmtOpen) {
		return dst, false
	}
	if out, ok = p.text(out); !ok || !p.lit(stmtLines) {
		return dst, false
	}
	if p.lit("null") {
		out = append(out, 0)
	} else {
		// The line count goes before the lines: counted first (a line's
		// opening cannot stand inside a string taken, which has no quote).
		n := bytes.Count(data[p.i:], []byte(lineOpen))
		if n > maxLines || !p.lit("[") {
			return dst, false
		}
		out = binary.AppendUvarint(out, uint64(n)+1)
		for i := range n {
			if i > 0 && !p.lit(",") {
				return dst, false
			}
			if out, ok = p.line(out); !ok {
				return dst, false
			}
		}
		if !p.lit("]") {
			return dst, false
		}
	}
	if !p.lit(stmtPosted) {
		return dst, false
	}
	if out, ok = p.text(out); !ok || !p.lit(stmtClose) || p.i != len(data) {
		return dst, false
	}
	return out, true
}

// parser reads the JSON of a form's event, literal by literal.
type parser struct {
	b []byte
	i int
}

// lit consumes s if it is next.
func (p *parser) lit(s string) bool {
	if len(p.b)-p.i < len(s) || string(p.b[p.i:p.i+len(s)]) != s {
		return false
	}
	p.i += len(s)
	return true
}

// text appends the string whose contents start at p.i, as a text, and
// leaves p.i at its closing quote; false for a string with a backslash
// (an escape) or without its closing quote.
func (p *parser) text(out []byte) ([]byte, bool) {
	rest := p.b[p.i:]
	end := bytes.IndexByte(rest, '"')
	if end < 0 || bytes.IndexByte(rest[:end], '\\') >= 0 {
		return out, false
	}
	p.i += end
	return appendText(out, rest[:end]), true
}

// appendText appends s as a text: packed when it is only packChars.
func appendText(out, s []byte) []byte {
	if len(s) >= minPacked && packable(s) {
		out = binary.AppendUvarint(out, uint64(len(s))<<1|1)
		for i := 0; i < len(s); i += 2 {
			b := byte(packValue[s[i]]) << 4
			if i+1 < len(s) {
				b |= byte(packValue[s[i+1]])
			}
			out = append(out, b)
		}
		return out
	}
	out = binary.AppendUvarint(out, uint64(len(s))<<1)
	return append(out, s...)
}

func packable(s []byte) bool {
	for _, c := range s {
		if packValue[c] < 0 {
			return false
		}
	}
	return true
}

// line appends one statement line's flags and texts.
func (p *parser) line(out []byte) ([]byte, bool) {
	if !p.lit(lineOpen) {
		return out, false
	}
	flags := len(out)
	out = append(out, 0)
	var ok bool
	for _, after := range [...]string{lineProduct, lineMode, linePurchase, lineChannel} {
		if out, ok = p.text(out); !ok || !p.lit(after) {
			return out, false
		}
	}
	if out, ok = p.text(out); !ok { // channel
		return out, false
	}
	if p.lit(lineMerchant) {
		out[flags] |= flagMerchant
		if out, ok = p.text(out); !ok {
			return out, false
		}
	}
	for _, before := range [...]string{lineAmount, lineVoucher, lineCoupon, lineGift} {
		if !p.lit(before) {
			return out, false
		}
		if out, ok = p.text(out); !ok {
			return out, false
		}
	}
	return out, p.lit(lineClose)
}

// AppendStatementJSON appends the JSON a statement's form stands for;
// false (dst's contents after its length undefined) for a form that is
// not one.
func AppendStatementJSON(dst, form []byte) ([]byte, bool) {
	r := NewReader(form)
	dst = r.AppendNext(append(dst, stmtOpen...))
	dst = append(dst, stmtLines...)
	n, null := r.Count()
	if null {
		dst = append(dst, "null"...)
	} else {
		dst = append(dst, '[')
	}
	for i := 0; i < n && !r.bad; i++ {
		if i > 0 {
			dst = append(dst, ',')
		}
		merchant := r.Flags()&flagMerchant != 0
		dst = r.AppendNext(append(dst, lineOpen...))
		dst = r.AppendNext(append(dst, lineProduct...))
		dst = r.AppendNext(append(dst, lineMode...))
		dst = r.AppendNext(append(dst, linePurchase...))
		dst = r.AppendNext(append(dst, lineChannel...))
		if merchant {
			dst = r.AppendNext(append(dst, lineMerchant...))
		}
		dst = r.AppendNext(append(dst, lineAmount...))
		dst = r.AppendNext(append(dst, lineVoucher...))
		dst = r.AppendNext(append(dst, lineCoupon...))
		dst = r.AppendNext(append(dst, lineGift...))
		dst = append(dst, lineClose...)
	}
	if !null {
		dst = append(dst, ']')
	}
	dst = r.AppendNext(append(dst, stmtPosted...))
	return append(dst, stmtClose...), r.Done()
}

// Reader reads a form's values in their order. A value read past the
// form's end or from a corrupt form is empty, and Done then says false.
type Reader struct {
	b   []byte
	bad bool
}

// NewReader reads form.
func NewReader(form []byte) Reader { return Reader{b: form} }

// Next reads a text and returns its value: the form's own bytes, or, for
// a packed one, its characters spelled into buf's array (grown if short).
func (r *Reader) Next(buf []byte) []byte {
	if b := r.b; len(b) > 0 && b[0] < 0x80 { // a header of one byte, the usual one
		n := int(b[0] >> 1)
		if b[0]&1 == 0 {
			if n < len(b) {
				r.b = b[1+n:]
				return b[1 : 1+n : 1+n]
			}
		} else if m := (n + 1) / 2; m < len(b) {
			r.b = b[1+m:]
			return spell(buf[:0], b[1:1+m], n)
		}
	}
	return r.nextLong(buf[:0])
}

// AppendNext reads a text and appends its value to dst.
func (r *Reader) AppendNext(dst []byte) []byte {
	if b := r.b; len(b) > 0 && b[0] < 0x80 && b[0]&1 == 0 && int(b[0]>>1) < len(b) {
		n := int(b[0] >> 1)
		r.b = b[1+n:]
		return append(dst, b[1:1+n]...)
	}
	return r.nextLong(dst)
}

// nextLong is Next for any header, appending the value to dst.
func (r *Reader) nextLong(dst []byte) []byte {
	h, k := binary.Uvarint(r.b)
	n := h >> 1
	stored := n
	if h&1 == 1 {
		stored = (n + 1) / 2
	}
	if k <= 0 || n > 1<<31 || stored > uint64(len(r.b)-k) {
		r.bad, r.b = true, nil
		return dst
	}
	v := r.b[k : k+int(stored)]
	r.b = r.b[k+int(stored):]
	if h&1 == 0 {
		return append(dst, v...)
	}
	return spell(dst, v, int(n))
}

// spell appends the n characters packed in b to dst.
func spell(dst, b []byte, n int) []byte {
	// Two characters a byte, the last byte's second one past the value
	// when n is odd: written into the room grown, then cut.
	at := len(dst)
	dst = slices.Grow(dst, 2*len(b))[:at+2*len(b)]
	for i, c := range b {
		*(*[2]byte)(dst[at+2*i:]) = packPairs[c]
	}
	return dst[:at+n]
}

// packPairs spells a packed byte as its two characters.
var packPairs = func() (p [256][2]byte) {
	for b := range p {
		p[b] = [2]byte{packChars[b>>4], packChars[b&15]}
	}
	return p
}()

// Count reads a statement's line count, and whether its lines were null.
func (r *Reader) Count() (n int, null bool) {
	c, k := binary.Uvarint(r.b)
	if k <= 0 || c > maxLines+1 {
		r.bad, r.b = true, nil
		return 0, false
	}
	r.b = r.b[k:]
	if c == 0 {
		return 0, true
	}
	return int(c - 1), false
}

// Flags reads a line's flags.
func (r *Reader) Flags() byte {
	if len(r.b) == 0 || r.b[0]&^flagMerchant != 0 {
		r.bad, r.b = true, nil
		return 0
	}
	f := r.b[0]
	r.b = r.b[1:]
	return f
}

// Merchant reports whether flags say the line has a merchant.
func Merchant(flags byte) bool { return flags&flagMerchant != 0 }

// Done reports whether the whole form was read and nothing was wrong.
func (r *Reader) Done() bool { return !r.bad && len(r.b) == 0 }
