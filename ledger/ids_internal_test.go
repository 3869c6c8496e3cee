package ledger

import (
	"fmt"
	"math/rand/v2"
	"regexp"
	"strings"
	"testing"

	"github.com/google/uuid"
)

// TestDerivedIDIsUUIDv5 checks derivedID against its definition: the
// UUIDv5 of the formatted name. Event IDs of existing logs depend on it.
func TestDerivedIDIsUUIDv5(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	word := func(max int) string {
		const chars = "abcXYZ019-_|:%é账"
		var b strings.Builder
		for range r.IntN(max + 1) {
			b.WriteString(string([]rune(chars)[r.IntN(len([]rune(chars)))]))
		}
		return b.String()
	}
	cases := []struct {
		acc, key, kind string
		i              int
	}{
		{"a", "", "event", 0},
		{"acc-1", "call:0b0e", "command", 0},
		{strings.Repeat("x", 64), strings.Repeat("k", 300), "reservation", 12345},
		{"a", "k", "id", -1},
	}
	for range 2000 {
		cases = append(cases, struct {
			acc, key, kind string
			i              int
		}{word(64), word(200), word(12), r.IntN(1000)})
	}
	for _, c := range cases {
		want := uuid.NewSHA1(idNamespace, fmt.Appendf(nil, "%s|%d:%s|%s|%d", c.acc, len(c.key), c.key, c.kind, c.i))
		if got := derivedID(c.acc, c.key, c.kind, c.i); got != want {
			t.Fatalf("derivedID(%q, %q, %q, %d) = %s, want %s", c.acc, c.key, c.kind, c.i, got, want)
		}
	}
}

// TestValidAccountIDMatchesPattern compares ValidAccountID with the
// pattern it replaced on random strings.
func TestValidAccountIDMatchesPattern(t *testing.T) {
	pattern := regexp.MustCompile(`^[A-Za-z0-9_-]{1,64}$`)
	r := rand.New(rand.NewPCG(3, 4))
	alphabet := []byte("aZ09_-. |/\x00\xff\xe8")
	for range 20000 {
		b := make([]byte, r.IntN(70))
		for i := range b {
			b[i] = alphabet[r.IntN(len(alphabet))]
			if r.IntN(4) > 0 {
				b[i] = "abcXYZ059_-"[r.IntN(11)]
			}
		}
		if got, want := ValidAccountID(string(b)), pattern.Match(b); got != want {
			t.Fatalf("ValidAccountID(%q) = %v, pattern says %v", b, got, want)
		}
	}
}
