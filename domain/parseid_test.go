package domain

import (
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/google/uuid"
)

// TestParseIDIsUnmarshalText: parseID accepts what uuid's UnmarshalText
// accepts, with the same UUID, and leaves its destination as UnmarshalText
// does otherwise: the canonical form in either case, every byte value at
// every place of it, the other forms uuid takes, and other lengths.
func TestParseIDIsUnmarshalText(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 4))
	var inputs []string
	for range 40 {
		var id uuid.UUID
		for i := range id {
			id[i] = byte(r.IntN(256))
		}
		s := id.String()
		inputs = append(inputs, s, strings.ToUpper(s), "urn:uuid:"+s, "{"+s+"}", strings.ReplaceAll(s, "-", ""))
		for p := range len(s) {
			for _, c := range []byte{'-', '0', '9', 'a', 'f', 'g', 'A', 'F', 'G', '/', ':', '@', '`', 0, 0xff, 0x80} {
				b := []byte(s)
				b[p] = c
				inputs = append(inputs, string(b))
			}
		}
	}
	base := "5f0c6f2e-8a44-4c1b-9d2e-0a1b2c3d4e5f"
	for p := range len(base) {
		for v := range 256 {
			b := []byte(base)
			b[p] = byte(v)
			inputs = append(inputs, string(b))
		}
	}
	inputs = append(inputs, "", "5f0c6f2e", base+"0", base[1:], " "+base[1:], "5f0c6f2e-8a44-4c1b-9d2e-0a1b2c3d4e5", "5f0c6f2e+8a44-4c1b-9d2e-0a1b2c3d4e5f")
	for _, in := range inputs {
		seed := uuid.UUID{1, 2, 3}
		got, want := seed, seed
		gotOK := parseID([]byte(in), &got)
		wantOK := want.UnmarshalText([]byte(in)) == nil
		if gotOK != wantOK || got != want {
			t.Fatalf("%q: parseID %v %v, UnmarshalText %v %v", in, got, gotOK, want, wantOK)
		}
	}
}
