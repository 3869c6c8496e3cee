package domain

import (
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"
)

func itoa(i int) string { return strconv.Itoa(i) }

// cleanText trims s and checks it is 1..max characters with no control or
// bidirectional-formatting characters (which could disguise a name on paper
// or in the console). It returns the trimmed text and a message if invalid.
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
	for _, r := range t {
		if unicode.IsControl(r) || unicode.Is(unicode.Bidi_Control, r) || r == '\u200b' || r == '\ufeff' {
			return t, "must not contain control or invisible formatting characters"
		}
	}
	return t, ""
}
