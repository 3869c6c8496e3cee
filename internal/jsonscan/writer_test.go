package jsonscan

import (
	"encoding/json"
	"math/rand/v2"
	"testing"
	"time"
)

var writerStrings = []string{
	"", "a", "Acme Ltd", "北京市海淀区", "line\nbreak", `quote"d`, `back\slash`, "tab\t", "\x00", "\x1f", "\x7f",
	"<html>&amp;", "\u2028", "\u2029", "a\u2028b", "\xff\xfe", "ok\xe4\xb8", "emoji 🧾", "é", "\u00a0", "\b\f\r",
}

// TestWriterStringIsMarshal: with V1 a string is written as json.Marshal
// writes it, on odd strings and random bytes.
func TestWriterStringIsMarshal(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 9))
	ss := append([]string(nil), writerStrings...)
	for range 2000 {
		b := make([]byte, rng.IntN(10))
		for i := range b {
			b[i] = byte(rng.IntN(256))
		}
		ss = append(ss, string(b))
	}
	for _, s := range ss {
		want, err := json.Marshal(s)
		if err != nil {
			t.Fatal(err)
		}
		w := Writer{B: []byte("x"), V1: true}
		w.String(s)
		if w.Bad || string(w.B[1:]) != string(want) {
			t.Fatalf("%q: got %s (bad %v), json.Marshal %s", s, w.B[1:], w.Bad, want)
		}
	}
}

// TestWriterV2: without V1 a string is written only when it needs no
// escape, and a nil list is [].
func TestWriterV2(t *testing.T) {
	for _, tc := range []struct {
		s    string
		want string // "" for declined
	}{
		{"", `""`}, {"Acme Ltd", `"Acme Ltd"`}, {"北京", `"北京"`}, {"<a&b>", `"<a&b>"`},
		{"line\nbreak", ""}, {`q"`, ""}, {`b\`, ""}, {"\x7f", ""}, {"\u2028", ""}, {"\u2029", ""}, {"\xff", ""},
	} {
		w := Writer{}
		w.String(tc.s)
		if got := string(w.B); w.Bad != (tc.want == "") || !w.Bad && got != tc.want {
			t.Errorf("%q: got %s (bad %v), want %s", tc.s, got, w.Bad, tc.want)
		}
	}
	for _, tc := range []struct {
		v1   bool
		vs   []string
		want string
	}{
		{false, nil, `[]`}, {true, nil, `null`}, {false, []string{}, `[]`}, {true, []string{"a", "<"}, `["a","\u003c"]`},
		{false, []string{"a", "<"}, `["a","<"]`},
	} {
		w := Writer{V1: tc.v1}
		if w.Strings(tc.vs); string(w.B) != tc.want {
			t.Errorf("V1 %v %q: got %s, want %s", tc.v1, tc.vs, w.B, tc.want)
		}
	}
}

// TestWriterInstant: an instant as time.Time's MarshalJSON writes it, and
// the one it refuses declined.
func TestWriterInstant(t *testing.T) {
	for _, tm := range []time.Time{
		{}, time.Date(2026, 11, 30, 8, 20, 1, 123_456_789, time.FixedZone("CST", 8*3600)),
		time.Date(2026, 1, 2, 3, 4, 5, 100, time.FixedZone("LMT", 8*3600+343)),
		time.Date(10000, 1, 1, 0, 0, 0, 0, time.UTC), time.Date(-1, 1, 1, 0, 0, 0, 0, time.UTC),
	} {
		want, err := tm.MarshalJSON()
		w := Writer{}
		w.Instant(tm)
		if w.Bad != (err != nil) || err == nil && string(w.B) != string(want) {
			t.Errorf("%v: got %s (bad %v), MarshalJSON %s (%v)", tm, w.B, w.Bad, want, err)
		}
	}
}

// TestWriterAllocs: the writer appends and nothing else.
func TestWriterAllocs(t *testing.T) {
	buf := make([]byte, 0, 4096)
	tm := time.Date(2026, 11, 30, 8, 20, 1, 123_456_789, time.UTC)
	for _, v1 := range []bool{false, true} {
		allocs := testing.AllocsPerRun(100, func() {
			w := Writer{B: buf[:0], V1: v1}
			w.Open("a")
			w.String("北京")
			w.Str("b", "x")
			w.OptStr("c", "<y>")
			w.Key("d")
			w.Strings([]string{"p", "q"})
			w.Key("e")
			w.ID([16]byte{1, 2})
			w.Key("f")
			w.Instant(tm)
			w.Key("g")
			w.Bool(true)
		})
		if allocs != 0 {
			t.Errorf("V1 %v: %v allocations, want 0", v1, allocs)
		}
	}
}
