package jsonscan

import (
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"
)

// TestMembersInIsMembers: MembersIn accepts and declines what Members
// does, calling member with the same keys in the same order and stopping
// at the same place, on random objects built from the listed keys and
// others: in the listed order, with members left out, reordered, repeated,
// unknown, with space around the punctuation, escaped or non-ASCII keys,
// nested objects and truncated documents.
func TestMembersInIsMembers(t *testing.T) {
	listed := []string{"line_id", "product", "billing_mode", "amount", "a", "ab", "merchant", "red_letter_form_number", "abcde", "abcdefghijklm"}
	keys := NewKeys(listed...)
	others := []string{"other", "line_i", "line_idd", "Line_id", `line\u005fid`, "产品", "", "abcdefghijklM", "abcdX", "red_letter_form_numbeR"}
	r := rand.New(rand.NewPCG(13, 14))
	bits := map[string]uint64{}
	for i, k := range listed {
		bits[k] = 1 << i
	}
	read := func(s *Scanner, seen *[]string) func(key []byte) (uint64, bool) {
		return func(key []byte) (uint64, bool) {
			*seen = append(*seen, string(key))
			if string(key) == "a" { // a nested object
				return bits["a"], s.Members(func(k []byte) (uint64, bool) {
					*seen = append(*seen, "a."+string(k))
					_, ok := s.Str()
					return 1, ok
				})
			}
			_, ok := s.Str()
			return bits[string(key)], ok
		}
	}
	for round := range 20000 {
		var b strings.Builder
		sp := func() {
			if round%3 == 0 && r.IntN(4) == 0 {
				b.WriteString([]string{" ", "\n", "\t "}[r.IntN(3)])
			}
		}
		b.WriteString("{")
		n := r.IntN(len(listed) + 2)
		start := 0
		for i := range n {
			if i > 0 {
				sp()
				b.WriteString(",")
			}
			sp()
			var k string
			switch x := r.IntN(10); {
			case x < 6: // mostly in order, sometimes skipping one or two
				start += r.IntN(3)
				k = listed[start%len(listed)]
				start++
			case x < 8:
				k = listed[r.IntN(len(listed))]
			default:
				k = others[r.IntN(len(others))]
			}
			fmt.Fprintf(&b, "%q", k)
			if strings.Contains(k, `\u`) {
				b.Reset()
				b.WriteString(`{"line_\u0069d"`)
			}
			sp()
			b.WriteString(":")
			sp()
			if k == "a" && r.IntN(2) == 0 {
				b.WriteString(`{"line_id":"x","amount":"1"}`)
			} else {
				fmt.Fprintf(&b, "%q", fmt.Sprint(r.IntN(100)))
			}
		}
		sp()
		b.WriteString("}")
		doc := b.String()
		switch r.IntN(10) {
		case 0:
			doc = doc[:r.IntN(len(doc)+1)]
		case 1, 2: // a byte changed: a comma, colon or quote lost or moved
			at := r.IntN(len(doc))
			doc = doc[:at] + string(",:\"{} x"[r.IntN(7)]) + doc[at+1:]
		}
		var gotSeen, wantSeen []string
		s1, s2 := New([]byte(doc)), New([]byte(doc))
		want := s1.Members(read(&s1, &wantSeen))
		got := s2.MembersIn(keys, read(&s2, &gotSeen))
		if got != want || s1.i != s2.i || fmt.Sprint(gotSeen) != fmt.Sprint(wantSeen) {
			t.Fatalf("%s: MembersIn %v at %d seeing %q; Members %v at %d seeing %q", doc, got, s2.i, gotSeen, want, s1.i, wantSeen)
		}
	}
}

func TestNewKeysRefusesNonPlain(t *testing.T) {
	for _, k := range []string{`a"b`, `a\b`, "a\x01", "é"} {
		func() {
			defer func() {
				if recover() == nil {
					t.Errorf("NewKeys(%q) did not panic", k)
				}
			}()
			NewKeys(k)
		}()
	}
}
