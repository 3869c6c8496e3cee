package domain

import (
	"fmt"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"
)

func itoa(i int) string { return strconv.Itoa(i) }

// cleanText trims s and checks it is 1..max characters a person can see and
// read back: no control characters, no format characters (Cf: soft hyphen,
// zero-width joiners, word joiner, bidirectional controls, tag characters…),
// no private-use or unassigned code points, no line or paragraph
// separators, none of the blank look-alikes (hangul fillers, the blank
// braille pattern), and at least one letter or digit. Each of these could
// disguise a name on paper or in the console, or make one that prints as
// nothing. It returns the trimmed text and a message if invalid.
func cleanText(s string, max int) (string, string) {
	t := strings.TrimSpace(s)
	if t == "" {
		return t, "is required"
	}
	if !utf8.ValidString(t) {
		return t, "is not valid UTF-8"
	}
	if n := utf8.RuneCountInString(t); n > max {
		return t, "must be at most " + itoa(max) + " characters"
	}
	visible := false
	for _, r := range t {
		if r < utf8.RuneSelf && r >= 0x20 && r != 0x7f {
			// Printable ASCII is never hidden (TestCleanTextASCIIShortcut): the
			// Unicode tables are asked about other runes only.
			if 'a' <= r && r <= 'z' || 'A' <= r && r <= 'Z' || '0' <= r && r <= '9' {
				visible = true
			}
			continue
		}
		if why := hiddenRune(r); why != "" {
			return t, fmt.Sprintf("must not contain %U (%s): only characters that print visibly", r, why)
		}
		if unicode.In(r, unicode.L, unicode.N) {
			visible = true
		}
	}
	if !visible {
		return t, "must contain at least one visible letter or digit"
	}
	return t, ""
}

// blankLookalikes print as nothing though Unicode counts them as letters or
// symbols (a name made of them looks empty), or are invisible marks.
var blankLookalikes = map[rune]bool{
	'\u115f': true, '\u1160': true, '\u3164': true, '\uffa0': true, // hangul fillers
	'\u2800': true,                 // braille pattern blank
	'\u034f': true,                 // combining grapheme joiner
	'\u17b4': true, '\u17b5': true, // khmer inherent vowels
}

// hiddenRune says why r may not appear in text, or "" when it may.
func hiddenRune(r rune) string {
	switch {
	case unicode.IsControl(r):
		return "a control character"
	case unicode.Is(unicode.Cf, r):
		return "an invisible formatting character"
	case unicode.Is(unicode.Co, r):
		return "a private-use character"
	case unicode.In(r, unicode.Zl, unicode.Zp):
		return "a line or paragraph separator"
	case blankLookalikes[r]:
		return "a character that prints as blank"
	case !assigned(r):
		return "an unassigned code point"
	}
	return ""
}

// assigned reports whether Unicode (as this Go knows it) gives r a meaning:
// unassigned code points (Cn, noncharacters included) may print as anything
// once assigned, and as a box or nothing until then.
func assigned(r rune) bool {
	return unicode.In(r, unicode.L, unicode.M, unicode.N, unicode.P, unicode.S, unicode.Z,
		unicode.Cc, unicode.Cf, unicode.Co, unicode.Cs)
}
