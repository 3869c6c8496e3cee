package jsonscan

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"math/bits"
	"math/rand/v2"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"
	"unicode/utf8"
	"unsafe"
)

// doc is what the table tests decode into.
type doc struct {
	Name  string
	Flag  bool
	At    time.Time
	Tags  []string
	Raw   []byte
	Inner string
	Lines []string // through Func and Array
}

func read(data string, others bool) (doc, bool) {
	var d doc
	s := New([]byte(data))
	fields := []Field{
		String("name", &d.Name),
		Bool("flag", &d.Flag),
		Time("at", &d.At),
		Strings("tags", &d.Tags),
		Raw("raw", &d.Raw),
		Object("inner", String("x", &d.Inner)),
		Func("lines", func() bool {
			return s.Array(func() bool {
				t, ok := s.Token()
				if ok {
					d.Lines = append(d.Lines, string(t))
				}
				return ok
			})
		}),
	}
	if others {
		fields = append(fields, Others())
	}
	ok := s.Object(fields...) && s.End()
	return d, ok
}

func TestObject(t *testing.T) {
	at := time.Date(2026, 3, 10, 10, 0, 0, 0, time.UTC)
	full := doc{Name: "n", Flag: true, At: at, Tags: []string{"a", "b"}, Raw: []byte(`"1.50"`), Inner: "y", Lines: []string{`"l"`}}
	tests := []struct {
		in     string
		others bool // with Others()
		want   doc
		ok     bool
	}{
		{`{"name":"n","flag":true,"at":"2026-03-10T10:00:00Z","tags":["a","b"],"raw":"1.50","inner":{"x":"y"},"lines":["l"]}`, false, full, true},
		{` { "lines" : [ "l" ] , "inner" : { "x" : "y" } , "raw" : "1.50" , "tags" : [ "a" , "b" ] , "at" : "2026-03-10T10:00:00Z" , "flag" : true , "name" : "n" } `, false, full, true},
		{`{}`, false, doc{}, true},
		{`{"tags":[]}`, false, doc{Tags: []string{}}, true},
		{`{"flag":false}`, false, doc{}, true},
		{`{"name":"a","name":"b"}`, false, doc{}, false},                            // duplicate
		{`{"inner":{"x":"a","x":"b"}}`, false, doc{}, false},                        // duplicate, nested
		{`{"Name":"n"}`, false, doc{}, false},                                       // another case
		{`{"extra":1}`, false, doc{}, false},                                        // unknown
		{`{"extra":{"name":[1,"\"",null]},"name":"n"}`, true, doc{Name: "n"}, true}, // skipped
		{`{"NAME":"n"}`, true, doc{}, false},                                        // json would take it for name
		{`{"":1}`, true, doc{}, true},                                               // the empty key is just another key
		{`{"":1}`, false, doc{}, false},
		{`{"name":"a\"b"}`, false, doc{}, false}, // escapes
		{"{\"name\":\"\xff\"}", false, doc{}, false},
		{`{"name":null}`, false, doc{}, false},
		{`{"tags":null}`, false, doc{}, false},
		{`{"flag":tru}`, false, doc{}, false},
		{`{"flag":truex}`, false, doc{}, false},
		{`{"at":"yesterday"}`, false, doc{}, false},
		{`{"name":"n",}`, false, doc{}, false},
		{`{"name":"n"} x`, false, doc{}, false}, // the end check
		{`{"name":"n"`, false, doc{}, false},
		{``, false, doc{}, false},
		{`[]`, false, doc{}, false},
	}
	for _, tt := range tests {
		t.Run(fmt.Sprintf("%.40q/%v", tt.in, tt.others), func(t *testing.T) {
			got, ok := read(tt.in, tt.others)
			if ok != tt.ok {
				t.Fatalf("ok %v, want %v", ok, tt.ok)
			}
			if ok && !reflect.DeepEqual(got, tt.want) {
				t.Fatalf("got %+v\nwant %+v", got, tt.want)
			}
		})
	}
}

func TestDecode(t *testing.T) {
	var name string
	for in, want := range map[string]bool{`{"name":"n"}`: true, ` {"name":"n"} `: true, `{"name":"n"} x`: false, `{"name":"n"}{}`: false, `{"x":1}`: false} {
		if got := Decode([]byte(in), String("name", &name)); got != want {
			t.Errorf("Decode(%q) = %v, want %v", in, got, want)
		}
	}
}

func TestObjectTooManyFields(t *testing.T) {
	var v string
	fields := make([]Field, 65)
	for i := range fields {
		fields[i] = String(fmt.Sprint("k", i), &v)
	}
	s := New([]byte(`{}`))
	if s.Object(fields...) {
		t.Fatal("65 fields accepted: the duplicate mask has 64 bits")
	}
	s = New([]byte(`{"k63":"a","k63":"b"}`))
	if s.Object(fields[:64]...) {
		t.Fatal("a duplicate of the 64th field accepted")
	}
}

func TestNumberLen(t *testing.T) {
	for in, want := range map[string]int{
		"0": 1, "-0": 2, "12": 2, "1.5": 3, "1e2": 3, "1E+2": 4, "-1.5e-3,": 7, "123456789012345678901234567890": 30,
		"": 0, "-": 0, "01": 1, "1.": 0, ".5": 0, "+1": 0, "1e": 0, "1e+": 0, "x": 0, "NaN": 0,
	} {
		if got := NumberLen([]byte(in)); got != want {
			t.Errorf("NumberLen(%q) = %d, want %d", in, got, want)
		}
	}
}

// skipInputs are checked against json.Valid.
var skipInputs = []string{
	`0`, `-1.5e3`, `"a"`, `"\"\\\/\b\f\n\r\t\u00e9"`, `"\u00g0"`, `"\x"`, `"a`, "\"\x01\"", "\"\xff\"",
	`true`, `false`, `null`, `nul`, `[]`, `[1,2]`, `[1,]`, `[1 2]`, `{}`, `{"a":1}`, `{"a":1,}`, `{"a"}`, `{1:2}`,
	`{"a":{"b":[{"c":null}]}}`, ` [ { } , [ ] ] `, `01`, `-`, `{"a":1}}`, ``, ` `,
}

func TestSkipMatchesValid(t *testing.T) {
	for _, in := range skipInputs {
		checkSkip(t, []byte(in))
	}
	deep := strings.Repeat("[", 70) + strings.Repeat("]", 70)
	if s := New([]byte(deep)); s.Skip() {
		t.Error("70 levels skipped: the bound is 64")
	}
}

// checkSkip: what Skip accepts is valid JSON, and valid JSON that is not
// too deep is accepted.
func checkSkip(t *testing.T, data []byte) {
	t.Helper()
	s := New(data)
	got := s.Skip() && s.End()
	valid := json.Valid(data)
	shallow := bytes.Count(data, []byte("["))+bytes.Count(data, []byte("{")) <= maxDepth
	if got && !valid || !got && valid && shallow {
		t.Fatalf("%q: Skip %v, json.Valid %v", data, got, valid)
	}
}

func FuzzSkip(f *testing.F) {
	for _, in := range skipInputs {
		f.Add([]byte(in))
	}
	f.Fuzz(checkSkip)
}

func TestOneOf(t *testing.T) {
	words := []string{"prepaid", "postpaid"}
	tests := []struct {
		in     string
		want   string
		shared bool // the word itself, not a string of its own
		ok     bool
	}{
		{`{"m":"postpaid"}`, "postpaid", true, true},
		{`{"m":"prepaid"}`, "prepaid", true, true},
		{`{"m":"prepaidx"}`, "prepaidx", false, true},
		{`{"m":"pre"}`, "pre", false, true},
		{`{"m":""}`, "", false, true},
		{`{"m":"pre\u0070aid"}`, "", false, false}, // escapes, as String
		{`{"m":null}`, "", false, false},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			var got string
			ok := Decode([]byte(tt.in), OneOf("m", &got, words))
			if ok != tt.ok || got != tt.want {
				t.Fatalf("got %q, %v; want %q, %v", got, ok, tt.want, tt.ok)
			}
			shared := ok && slices.ContainsFunc(words, func(w string) bool { return unsafe.StringData(w) == unsafe.StringData(got) })
			if shared != tt.shared {
				t.Fatalf("shared %v, want %v", shared, tt.shared)
			}
		})
	}
}

// stops8 reports whether any of the eight bytes in x stops a plain run, as
// plain tells it: hardStops flags a byte, or one is non-ASCII (highBits).
func stops8(x uint64) bool { return hardStops(x)|x&highBits != 0 }

// fillBiased fills b with random bytes, about half of them from special.
func fillBiased(r *rand.Rand, b, special []byte) {
	for i := range b {
		if r.IntN(2) == 0 {
			b[i] = special[r.IntN(len(special))]
		} else {
			b[i] = byte(r.IntN(256))
		}
	}
}

// TestStops8IsClass holds plain's eight-byte test (stops8) to the byte
// table it stands for (the bytes with stopsPlain in class), on random
// blocks biased to the bytes that matter and on every byte value at every
// place in a block.
func TestStops8IsClass(t *testing.T) {
	ref := func(b []byte) bool {
		for _, c := range b {
			if class[c]&stopsPlain != 0 {
				return true
			}
		}
		return false
	}
	var b [8]byte
	for p := range 8 {
		for v := range 256 {
			for i := range b {
				b[i] = 'a'
			}
			b[p] = byte(v)
			if got, want := stops8(binary.LittleEndian.Uint64(b[:])), ref(b[:]); got != want {
				t.Fatalf("%q: stops8 %v, class says %v", b, got, want)
			}
		}
	}
	special := []byte{'"', '\\', 0, 0x1f, 0x20, 0x21, 0x7f, 0x80, 0xff, 'a', 'z', 0x5b, 0x5d, 0x23, 0x01}
	r := rand.New(rand.NewPCG(7, 8))
	for range 200000 {
		fillBiased(r, b[:], special)
		if got, want := stops8(binary.LittleEndian.Uint64(b[:])), ref(b[:]); got != want {
			t.Fatalf("%q: stops8 %v, class says %v", b, got, want)
		}
	}
}

// TestTokenLongStrings reads plain and non-plain strings of every length
// around the eight-byte blocks, with the stopping byte at every place.
func TestTokenLongStrings(t *testing.T) {
	for n := range 40 {
		for p := -1; p < n; p++ {
			for _, c := range []string{`"`, `\n`, "\x01", "é", "\xff"} {
				body := []byte(strings.Repeat("k", n))
				if p >= 0 {
					body = append(append(append([]byte{}, body[:p]...), c...), body[p+1:]...)
				}
				doc := `"` + string(body) + `" `
				s := New([]byte(doc))
				tok, ok := s.Token()
				var want string
				wantOK := json.Unmarshal([]byte(doc), &want) == nil && !strings.ContainsAny(string(body), "\\\"\x01") && utf8.Valid(body)
				if p >= 0 && c == `"` {
					wantOK = false // the string ends early: Token reads a shorter one, checked below
					if ok && string(tok) != `"`+string(body[:p])+`"` {
						t.Fatalf("%q: token %q", doc, tok)
					}
					continue
				}
				if ok != wantOK || ok && string(tok[1:len(tok)-1]) != want {
					t.Fatalf("%q: token %q, %v; want %q, %v", doc, tok, ok, want, wantOK)
				}
			}
		}
	}
}

// TestTextIsStr: Text accepts and declines what Str does, and its text is
// Str's string.
func TestTextIsStr(t *testing.T) {
	for _, in := range []string{`"abc"`, ` "" `, `"é"`, `"a\"b"`, `"a` + "\x01" + `"`, `"\xff"`, `abc`, `"open`, `null`} {
		s1, s2 := New([]byte(in)), New([]byte(in))
		want, wok := s1.Str()
		got, gok := s2.Text()
		if gok != wok || string(got) != want || s1.i != s2.i {
			t.Errorf("%q: Text %q %v at %d, Str %q %v at %d", in, got, gok, s2.i, want, wok, s1.i)
		}
	}
}

// TestHardStopsFindsFirst: hardStops' lowest flag is the first quote,
// backslash or control character of the block (plain jumps to it), and it
// flags nothing in a block without one: on every byte value at every
// place, with each byte that matters at every later place, and on random
// blocks biased to the bytes that matter.
func TestHardStopsFindsFirst(t *testing.T) {
	first := func(b []byte) int {
		for i, c := range b {
			if c == '"' || c == '\\' || c < 0x20 {
				return i
			}
		}
		return 8
	}
	check := func(b []byte) {
		m := hardStops(binary.LittleEndian.Uint64(b))
		got := bits.TrailingZeros64(m) >> 3
		if want := first(b); got != want {
			t.Fatalf("%q: hardStops points at byte %d, the first stop is %d", b, got, want)
		}
	}
	var b [8]byte
	special := []byte{'"', '\\', 0, 0x1f, 0x20, 0x21, 0x7f, 0x80, 0xff, 'a', 'z', 0x5b, 0x5d, 0x23, 0x01, 0x22 ^ 0x80, 0x5c ^ 0x80, 0xa0, 0xe4}
	for p := range 8 {
		for v := range 256 {
			for i := range b {
				b[i] = 'a'
			}
			b[p] = byte(v)
			check(b[:])
			for q := p + 1; q < 8; q++ {
				for _, w := range special {
					b[q] = w
					check(b[:])
				}
				b[q] = 'a'
			}
		}
	}
	r := rand.New(rand.NewPCG(9, 10))
	for range 400000 {
		fillBiased(r, b[:], special)
		check(b[:])
	}
}

// TestDigitsIsToken: where Digits reads a string it reads what Token
// reads, to the same place; where it declines it reads nothing.
func TestDigitsIsToken(t *testing.T) {
	inputs := []string{`"1234.50"`, `""`, `"0"`, `"."`, `"1.2.3"`, `"12a"`, `"1 2"`, `"١"`, ` "12"`, `"12`, `12`, `"12\"`, `"12"x`, `"-1"`, `"1e5"`, `null`}
	r := rand.New(rand.NewPCG(15, 16))
	for range 20000 {
		b := []byte{'"'}
		for range r.IntN(8) {
			b = append(b, "0123456789.x\"\\ é"[r.IntN(16)])
		}
		if r.IntN(4) > 0 {
			b = append(b, '"')
		}
		inputs = append(inputs, string(b))
	}
	for _, in := range inputs {
		s1, s2 := New([]byte(in)), New([]byte(in))
		got, ok := s1.Digits()
		if !ok {
			if s1.i != 0 {
				t.Fatalf("%q: Digits declined at %d", in, s1.i)
			}
			continue
		}
		want, wok := s2.Token()
		if !wok || string(got) != string(want) || s1.i != s2.i {
			t.Fatalf("%q: Digits %q at %d; Token %q %v at %d", in, got, s1.i, want, wok, s2.i)
		}
		if strings.Trim(string(got[1:len(got)-1]), "0123456789.") != "" {
			t.Fatalf("%q: Digits read %q", in, got)
		}
	}
}

// TestRestAdvance: Rest is the document from the scanner's place, Advance
// moves past bytes of it and refuses to pass its end.
func TestRestAdvance(t *testing.T) {
	s := New([]byte(`{"a":{"b":1},"c":2}`))
	if !s.Byte('{') {
		t.Fatal("no object")
	}
	if got := string(s.Rest()); got != `"a":{"b":1},"c":2}` {
		t.Fatalf("Rest %q", got)
	}
	s.Advance(len(`"a":{"b":1}`))
	if !s.Byte(',') || string(s.Rest()) != `"c":2}` {
		t.Fatalf("after Advance: Rest %q", s.Rest())
	}
	defer func() {
		if recover() == nil {
			t.Error("Advance past the end did not panic")
		}
	}()
	s.Advance(len(s.Rest()) + 1)
}
