package domain

import "regexp"

// The forms of identifiers and keys, each written once here: the API's
// checks, the OpenAPI document and the console all take them from this
// file.

// AccountIDPattern is the form of an account ID, as a regular expression
// (for the OpenAPI document and the console): 1–64 characters of A–Z, a–z,
// 0–9, '-' and '_'. The limit keeps stream names safe in every store and in
// URLs. ValidAccountID checks it without a regexp.
const AccountIDPattern = `^[A-Za-z0-9_-]{1,64}$`

// ValidAccountID reports whether id matches AccountIDPattern.
func ValidAccountID(id string) bool {
	if len(id) < 1 || len(id) > 64 {
		return false
	}
	for i := 0; i < len(id); i++ {
		switch c := id[i]; {
		case 'a' <= c && c <= 'z', 'A' <= c && c <= 'Z', '0' <= c && c <= '9', c == '-', c == '_':
		default:
			return false
		}
	}
	return true
}

// MonthPattern is the form of a month, YYYY-MM (a statement's month, a
// quota's, a reconciliation's), as a regular expression.
const MonthPattern = `^[0-9]{4}-(0[1-9]|1[0-2])$`

var monthPattern = regexp.MustCompile(MonthPattern)

// ValidMonth reports whether s matches MonthPattern.
func ValidMonth(s string) bool { return monthPattern.MatchString(s) }

// PrintableASCII reports whether every byte of s is printable ASCII, from
// space (0x20) to '~' (0x7e): the alphabet of idempotency keys (APP-6) and
// request IDs.
func PrintableASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < 0x20 || s[i] > 0x7e {
			return false
		}
	}
	return true
}
