package jsonscan

import (
	"time"
	"unicode/utf8"
)

// Writer appends JSON to B without reflection, for the writers of hot
// answers that must write the very bytes an encoder writes (its
// definition) and hand that encoder whatever they decline: Bad is set for
// such a value, and then the whole document is the encoder's.
//
// V1 names the definition. True: encoding/json's json.Marshal, so a string
// is escaped as it escapes one (HTML escaping on) and a nil slice is null.
// False: JSON v2 (github.com/go-json-experiment/json) with its defaults,
// so a nil slice is [] and a string that needs any escape, or is not
// plain UTF-8, is declined (v2's escapes differ and it refuses invalid
// UTF-8).
type Writer struct {
	B   []byte
	Bad bool
	V1  bool
}

// Key appends a member's key after another member: ,"k":.
func (w *Writer) Key(k string) { w.B = append(append(append(w.B, ',', '"'), k...), '"', ':') }

// Open opens an object with its first member's key: {"k":.
func (w *Writer) Open(k string) { w.B = append(append(append(w.B, '{', '"'), k...), '"', ':') }

// Str appends a string member.
func (w *Writer) Str(k, s string) {
	w.Key(k)
	w.String(s)
}

// OptStr appends an omitempty string member: none when s is empty.
func (w *Writer) OptStr(k, s string) {
	if s != "" {
		w.Str(k, s)
	}
}

// String appends s quoted, as the definition writes it (see Writer). As
// json.Marshal (V1) writes a string with HTML escaping: '"', '\\' and the
// control characters escaped (\b \f \n \r \t short, the others \u00XX),
// '<', '>' and '&' as \u003c…, invalid UTF-8 as \ufffd, U+2028 and U+2029
// as \u2028 and \u2029; everything else as it is.
func (w *Writer) String(s string) {
	if !w.V1 {
		w.plainV2(s)
		return
	}
	// The common case: nothing to escape, one copy.
	i := 0
	for i < len(s) && s[i] < utf8.RuneSelf && htmlSafe[s[i]] {
		i++
	}
	if i == len(s) {
		w.B = append(append(append(w.B, '"'), s...), '"')
		return
	}
	w.B = appendMarshalStringFrom(w.B, s, i)
}

// plainV2 appends s quoted when JSON v2 writes it as itself between
// quotes (valid UTF-8 with no control character, quote, backslash or DEL,
// and neither U+2028 nor U+2029, kept out to be safe); otherwise it
// declines.
func (w *Writer) plainV2(s string) {
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			if c < 0x20 || c == '"' || c == '\\' || c == 0x7f {
				w.Bad = true
				return
			}
			i++
			continue
		}
		r, n := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError || r == '\u2028' || r == '\u2029' {
			w.Bad = true
			return
		}
		i += n
	}
	w.B = append(append(append(w.B, '"'), s...), '"')
}

// Strings appends vs as an array of strings (a nil vs as the definition
// writes it, see Writer).
func (w *Writer) Strings(vs []string) {
	if vs == nil && w.V1 {
		w.B = append(w.B, "null"...)
		return
	}
	w.B = append(w.B, '[')
	for i, s := range vs {
		if i > 0 {
			w.B = append(w.B, ',')
		}
		w.String(s)
	}
	w.B = append(w.B, ']')
}

// ID appends a UUID as a string, as github.com/google/uuid writes it.
func (w *Writer) ID(u [16]byte) { w.B = AppendQuotedUUID(w.B, u) }

// Bool appends true or false.
func (w *Writer) Bool(v bool) {
	if v {
		w.B = append(w.B, "true"...)
	} else {
		w.B = append(w.B, "false"...)
	}
}

// Instant appends t as time.Time's MarshalJSON writes it (RFC 3339 with
// its nanoseconds); an instant it refuses (a year outside 0–9999) is
// declined.
func (w *Writer) Instant(t time.Time) {
	b, err := t.AppendText(append(w.B, '"'))
	if err != nil {
		w.Bad = true
		return
	}
	w.B = append(b, '"')
}

// htmlSafe says which ASCII bytes json.Marshal writes as they are.
var htmlSafe = func() (t [utf8.RuneSelf]bool) {
	for c := 0x20; c < utf8.RuneSelf; c++ {
		t[c] = c != '"' && c != '\\' && c != '<' && c != '>' && c != '&'
	}
	return t
}()

// appendMarshalStringFrom appends s quoted as String does with V1, s[:i]
// needing no escape.
func appendMarshalStringFrom(b []byte, s string, i int) []byte {
	const hex = "0123456789abcdef"
	b = append(b, '"')
	start := 0
	for i < len(s) {
		c := s[i]
		if c < utf8.RuneSelf {
			if htmlSafe[c] {
				i++
				continue
			}
			b = append(b, s[start:i]...)
			switch c {
			case '\\', '"':
				b = append(b, '\\', c)
			case '\b':
				b = append(b, '\\', 'b')
			case '\f':
				b = append(b, '\\', 'f')
			case '\n':
				b = append(b, '\\', 'n')
			case '\r':
				b = append(b, '\\', 'r')
			case '\t':
				b = append(b, '\\', 't')
			default:
				b = append(b, '\\', 'u', '0', '0', hex[c>>4], hex[c&0xF])
			}
			i++
			start = i
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size == 1 {
			b = append(b, s[start:i]...)
			b = append(b, `\ufffd`...)
			i++
			start = i
			continue
		}
		if r == '\u2028' || r == '\u2029' {
			b = append(b, s[start:i]...)
			b = append(b, '\\', 'u', '2', '0', '2', hex[r&0xF])
			i += size
			start = i
			continue
		}
		i += size
	}
	b = append(b, s[start:]...)
	return append(b, '"')
}
