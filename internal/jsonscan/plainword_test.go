package jsonscan

import (
	"encoding/binary"
	"testing"
)

// TestWordNotPlain puts every byte at every place of a plain word: the
// word is refused exactly when the byte is not printable ASCII or is one
// Plain escapes.
func TestWordNotPlain(t *testing.T) {
	plain := func(c byte) bool {
		return c >= 0x20 && c < 0x7f && c != '"' && c != '\\' && c != '<' && c != '>' && c != '&'
	}
	for place := range 8 {
		for c := range 256 {
			w := []byte("abcdefgh")
			w[place] = byte(c)
			got := WordNotPlain(binary.LittleEndian.Uint64(w)) != 0
			if got == plain(byte(c)) {
				t.Fatalf("byte %#x at %d: WordNotPlain says refused=%v", c, place, got)
			}
		}
	}
	// Two bad bytes, and a bad byte beside a borrow (0x00 then 0x01).
	for _, w := range []string{"\x00\x01cdefgh", "ab\"\\efgh", "abcdef\x7f\x80"} {
		if WordNotPlain(binary.LittleEndian.Uint64([]byte(w))) == 0 {
			t.Fatalf("%q passed", w)
		}
	}
}
