package jsonscan

// Members reads an object member by member for a decoder that switches on
// each key (see Key): member is called at each member's value with its
// key, reads the value, and returns the key's own bit — 0 for a key it does
// not know. An unknown key, a value that does not read, or a key met twice
// (its bit seen before) makes Members false, as strict as Object. member
// does not escape, so a decoder's value it fills stays on the stack.
func (s *Scanner) Members(member func(key []byte) (bit uint64, ok bool)) bool {
	if !s.Byte('{') {
		return false
	}
	var seen uint64
	for first := true; ; first = false {
		key, end, ok := s.Key(first)
		if !ok {
			return false
		}
		if end {
			return true
		}
		bit, ok := member(key)
		if !ok || bit == 0 || seen&bit != 0 {
			return false
		}
		seen |= bit
	}
}
