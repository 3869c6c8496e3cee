package domain

import (
	"math/rand/v2"
	"strings"
	"testing"
	"unicode"

	"github.com/fapiao/fapiao/internal/jsonscan"
)

// TestPlainTextIsPlain: plainText is jsonscan.Plain, and with answerASCII
// Plain without DEL, on strings of every awkward kind: control and HTML
// characters, DEL, U+2028 and U+2029 and their neighbours, invalid and
// truncated UTF-8, surrogates, and random bytes and runes.
func TestPlainTextIsPlain(t *testing.T) {
	t.Parallel()
	check := func(s string) {
		t.Helper()
		if got, want := plainText(s, &plainASCII), jsonscan.Plain(s); got != want {
			t.Fatalf("plainText(%q) = %v, jsonscan.Plain %v", s, got, want)
		}
		if got, want := plainText(s, &answerASCII), jsonscan.Plain(s) && !strings.Contains(s, "\x7f"); got != want {
			t.Fatalf("plainText(%q, answerASCII) = %v, want %v", s, got, want)
		}
	}
	pieces := []string{"", "a", "Z09", "示例科技有限公司", "北京市", "\u2028", "\u2029", "\u2027", "\u202a", "\u2020",
		"\xe2\x80", "\xe2", "\xe2\x80\xa8", "\xe2\x81\xa8", "\xff", "\xc0\xaf", "\xed\xa0\x80", "\xf4\x90\x80\x80",
		"\U0001F600", "\x7f", "\x1f", "\x00", "\"", "\\", "<", ">", "&", " ", "é", "\u00a0", "\ufffd"}
	for _, a := range pieces {
		for _, b := range pieces {
			for _, c := range pieces {
				check(a + b + c)
			}
		}
	}
	for n := 1; n <= 20; n++ { // every byte at every place, around the word size
		for at := range n {
			for c := range 256 {
				b := []byte(strings.Repeat("a", n))
				b[at] = byte(c)
				check(string(b))
			}
		}
	}
	r := rand.New(rand.NewPCG(1, 2))
	for range 20000 {
		var b strings.Builder
		for range r.IntN(24) {
			switch r.IntN(4) {
			case 0:
				b.WriteByte(byte(r.IntN(256)))
			case 1:
				b.WriteRune(rune(r.IntN(0x110000)))
			case 2:
				b.WriteRune(rune(0x2000 + r.IntN(0x60)))
			default:
				b.WriteByte(byte(0x20 + r.IntN(0x60)))
			}
		}
		check(b.String())
	}
}

// TestCleanTextASCIIShortcut: cleanText's shortcut for printable ASCII
// (no hiddenRune, visible exactly for letters and digits) agrees with the
// Unicode tables it skips, for every ASCII rune.
func TestCleanTextASCIIShortcut(t *testing.T) {
	t.Parallel()
	for r := rune(0x20); r < 0x7f; r++ {
		if why := hiddenRune(r); why != "" {
			t.Errorf("%U is hidden (%s)", r, why)
		}
		alnum := 'a' <= r && r <= 'z' || 'A' <= r && r <= 'Z' || '0' <= r && r <= '9'
		if alnum != unicode.In(r, unicode.L, unicode.N) {
			t.Errorf("%U: letter or digit %v, the tables say %v", r, alnum, !alnum)
		}
	}
	for _, r := range []rune{0, 0x1f, 0x7f} {
		if hiddenRune(r) == "" {
			t.Errorf("%U is not hidden", r)
		}
	}
}
