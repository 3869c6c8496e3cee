package jsonscan

import "unicode/utf8"

// Plain reports whether encoding/json writes s as itself between quotes,
// with HTML escaping (json.Marshal) and without (the canonical form the
// event store hashes): valid UTF-8 with no control character, quote,
// backslash, '<', '>' or '&', and neither U+2028 nor U+2029. Writers that
// append JSON directly (domain's event encoder, ledger's command
// fingerprint) write such strings as they are and decline any other.
func Plain(s string) bool {
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			if c < 0x20 || c == '"' || c == '\\' || c == '<' || c == '>' || c == '&' {
				return false
			}
			i++
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size == 1 || r == '\u2028' || r == '\u2029' {
			return false
		}
		i += size
	}
	return true
}

// AppendQuotedUUID appends id as a JSON string in the canonical 8-4-4-4-12
// lower-case form, as github.com/google/uuid's MarshalJSON writes it
// (plain: the same in the stored and the canonical form).
func AppendQuotedUUID(b []byte, id [16]byte) []byte {
	b = append(b, '"')
	return append(AppendUUID(b, id), '"')
}

// AppendUUID appends id in the canonical 8-4-4-4-12 lower-case form, as
// github.com/google/uuid's String writes it, without allocating.
func AppendUUID(b []byte, id [16]byte) []byte {
	const hexDigits = "0123456789abcdef"
	for i, c := range id {
		if i == 4 || i == 6 || i == 8 || i == 10 {
			b = append(b, '-')
		}
		b = append(b, hexDigits[c>>4], hexDigits[c&0x0f])
	}
	return b
}
