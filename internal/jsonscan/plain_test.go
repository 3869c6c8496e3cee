package jsonscan

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"strconv"
	"testing"
)

// plainByDefinition: json.Marshal, and an encoder without HTML escaping,
// both write s as itself between quotes.
func plainByDefinition(t *testing.T, s string) bool {
	html, err := json.Marshal(s)
	if err != nil {
		t.Fatal(err)
	}
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(s); err != nil {
		t.Fatal(err)
	}
	want := `"` + s + `"`
	return string(html) == want && b.String() == want+"\n"
}

func TestPlainIsWhatJSONWritesAsItself(t *testing.T) {
	inputs := []string{"", "a", "SF Express", "示例科技有限公司", "é", "a<b", "a>b", "a&b", `"`, `\`, "\t", "\n", "\x00", "\x1f", "\x7f",
		"\u2028", "\u2029", "\xff", "\xe4\xbd", "~", "\U0001F600", "\ufffd"}
	r := rand.New(rand.NewPCG(1, 2))
	alphabet := []rune{'a', '0', ' ', '<', '&', '"', '\\', '\n', 0x7f, 'é', '示', '\u2028', 0xfffd, 0x1F600}
	for range 5000 {
		var b []byte
		for range r.IntN(6) {
			if r.IntN(10) == 0 {
				b = append(b, byte(r.IntN(256))) // perhaps invalid UTF-8
			} else {
				b = append(b, string(alphabet[r.IntN(len(alphabet))])...)
			}
		}
		inputs = append(inputs, string(b))
	}
	plain := 0
	for _, s := range inputs {
		got, want := Plain(s), plainByDefinition(t, s)
		if got != want {
			t.Fatalf("Plain(%s) = %v, encoding/json says %v", strconv.Quote(s), got, want)
		}
		if got {
			plain++
		}
	}
	if plain < 100 || plain > len(inputs)-100 {
		t.Fatalf("%d of %d plain: the inputs prove little", plain, len(inputs))
	}
}

func TestAppendUUID(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 4))
	for range 1000 {
		var id [16]byte
		for i := range id {
			id[i] = byte(r.IntN(256))
		}
		want := fmt.Sprintf(`"%x-%x-%x-%x-%x"`, id[0:4], id[4:6], id[6:8], id[8:10], id[10:])
		if got := string(AppendQuotedUUID([]byte("x"), id)); got != "x"+want {
			t.Fatalf("AppendQuotedUUID(%x) = %s, want %s", id, got, want)
		}
		if got := string(AppendUUID([]byte("x"), id)); got != "x"+want[1:len(want)-1] {
			t.Fatalf("AppendUUID(%x) = %s, want %s", id, got, want)
		}
	}
}
