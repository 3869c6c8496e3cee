package jsonscan

import (
	"encoding/binary"
	"fmt"
)

// Members reads an object member by member for a decoder that switches on
// each key (see Key): member is called at each member's value with its
// key, reads the value, and returns the key's own bit — 0 for a key it does
// not know. An unknown key, a value that does not read, or a key met twice
// (its bit seen before) makes Members false, as strict as Object. member
// does not escape, so a decoder's value it fills stays on the stack.
func (s *Scanner) Members(member func(key []byte) (bit uint64, ok bool)) bool {
	return s.MembersIn(nil, member)
}

// Keys are the keys of an object's members in the order its writer writes
// them, for MembersIn.
type Keys struct {
	quoted []string // `"key":`
	// The first and the last eight bytes of each quoted key of 8 to 16
	// bytes: two loads and two comparisons match it, where comparing the
	// strings would be a call.
	head, tail []uint64
}

// NewKeys lists keys for MembersIn. A key must be printable ASCII without
// a quote or a backslash (a plain string as it is written); NewKeys panics
// otherwise: the keys are a decoder's constants.
func NewKeys(keys ...string) *Keys {
	k := &Keys{}
	for _, key := range keys {
		for i := 0; i < len(key); i++ {
			if c := key[i]; c < 0x20 || c >= 0x7f || c == '"' || c == '\\' {
				panic(fmt.Sprintf("jsonscan: key %q is not plain printable ASCII", key))
			}
		}
		q := `"` + key + `":`
		var head, tail uint64
		if len(q) >= 8 && len(q) <= 16 {
			head, tail = binary.LittleEndian.Uint64([]byte(q)), binary.LittleEndian.Uint64([]byte(q[len(q)-8:]))
		}
		k.quoted, k.head, k.tail = append(k.quoted, q), append(k.head, head), append(k.tail, tail)
	}
	return k
}

// MembersIn is Members for an object whose members mostly come as keys
// lists them: a member whose key is the next one listed (or the one after,
// as when a writer leaves out an empty member), written compactly
// (`,"key":`), is matched as it stands instead of scanned, and member gets
// the same key bytes that Key would give. Anything else is read as Members
// reads it; so the same documents are accepted and declined, with the
// same calls of member. (Scanning each key as a string is a good part of
// decoding an event: docs/performance.md.)
func (s *Scanner) MembersIn(keys *Keys, member func(key []byte) (bit uint64, ok bool)) bool {
	if !s.Byte('{') {
		return false
	}
	var seen uint64
	next := 0
	for first := true; ; first = false {
		key, found := s.expected(keys, &next, first)
		if !found {
			var end, ok bool
			key, end, ok = s.Key(first)
			if !ok {
				return false
			}
			if end {
				return true
			}
			next = keys.after(key, next)
		}
		bit, ok := member(key)
		if !ok || bit == 0 || seen&bit != 0 {
			return false
		}
		seen |= bit
	}
}

// expected consumes the next member's key and colon when they are one of
// the two keys expected next, written compactly (`"key":`, after a comma
// but for the first member), and returns the key.
func (s *Scanner) expected(keys *Keys, next *int, first bool) ([]byte, bool) {
	if keys == nil {
		return nil, false
	}
	at := s.i
	if !first {
		if at >= len(s.b) || s.b[at] != ',' {
			return nil, false
		}
		at++
	}
	rest := s.b[at:]
	for i := *next; i < len(keys.quoted) && i < *next+2; i++ {
		n := len(keys.quoted[i])
		if len(rest) < n {
			continue
		}
		if n >= 8 && n <= 16 {
			if binary.LittleEndian.Uint64(rest) != keys.head[i] || binary.LittleEndian.Uint64(rest[n-8:]) != keys.tail[i] {
				continue
			}
		} else if string(rest[:n]) != keys.quoted[i] {
			continue
		}
		s.i = at + n
		*next = i + 1
		return rest[1 : n-2], true
	}
	return nil, false
}

// after is the index after key's in keys, or next when keys does not
// list it.
func (keys *Keys) after(key []byte, next int) int {
	if keys == nil {
		return next
	}
	for i, q := range keys.quoted {
		if len(q) == len(key)+3 && q[1:len(q)-2] == string(key) {
			return i + 1
		}
	}
	return next
}
