package api

import (
	"bytes"
	"io"
	"strings"
	"testing"

	"github.com/go-json-experiment/json/jsontext"
	"github.com/stretchr/testify/require"
)

// checkStructureByPointer is checkStructure as it was, making the JSON
// Pointer for every token: the reference the lazy one must agree with.
func checkStructureByPointer(raw []byte) error {
	dec := jsontext.NewDecoder(bytes.NewReader(raw), strict)
	for {
		tok, err := dec.ReadToken()
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return decodeProblem(raw, err)
		}
		kind := tok.Kind()
		if dec.StackDepth() == 1 && dec.StackPointer() == "" && kind != '{' {
			return badRequest("", "The body must be a JSON object.")
		}
		if dec.StackDepth() > maxDepth {
			return badRequest(fieldOf(dec.StackPointer()), "The body is nested too deeply.")
		}
		if kind == '"' {
			if err := checkString(fieldOf(dec.StackPointer()), tok.String()); err != nil {
				return err
			}
		}
	}
}

// TestCheckStructureAsByPointer: checkStructure, which makes a field's JSON
// Pointer only when it refuses, refuses what the pointer-per-token check
// refused, with the same problem, and accepts what it accepted.
func TestCheckStructureAsByPointer(t *testing.T) {
	bodies := []string{
		`{}`, `{"a":1}`, `{"statements":["2026-01","2026-02"],"medium":"paper","address_id":"x","agree":true}`,
		`["x"]`, `[]`, `[{"a":1}]`, `"x"`, `5`, `null`, ``, ` `, `{}[]`, `{} {}`, `{}"x"`, `{"a":1}[1]`,
		`{"a":"x` + "\uFFFD" + `"}`, `{"a":{"b":["ok","x\ufffd"]}}`, `{"a":"\ud800"}`, `{"\ufffd":1}`,
		`{"a":[1,2,{"b":"\uFFFD"}]}`, `{"a":1,"a":2}`, `{"a":1`, `{"a":}`, `{"a" 1}`, "{\"a\":\"\xff\"}",
		strings.Repeat(`{"a":`, maxDepth) + "1" + strings.Repeat("}", maxDepth),
		strings.Repeat(`{"a":`, maxDepth+1) + "1" + strings.Repeat("}", maxDepth+1),
		`{"s":` + strings.Repeat("[", maxDepth+3) + strings.Repeat("]", maxDepth+3) + `}`,
		`{"lines":[{"amount":"1.00"},{"amount":"x` + "\uFFFD" + `"}]}`,
	}
	refused := 0
	for _, b := range bodies {
		want, got := checkStructureByPointer([]byte(b)), checkStructure([]byte(b))
		require.Equal(t, want, got, "body %q", b)
		if want != nil {
			refused++
		}
	}
	t.Logf("%d bodies, %d refused", len(bodies), refused)
	require.Greater(t, refused, 15, "the table holds refusals of each kind")
}

func BenchmarkCheckStructure(b *testing.B) {
	body := []byte(`{"statements":["2026-01","2026-02","2026-03"],"medium":"paper","address_id":"6b0f7c52-8f0e-4b43-9a63-0c2f6f3f1a7e","emails":[],"agree":true}`)
	b.Run("lazy", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			_ = checkStructure(body)
		}
	})
	b.Run("pointer-per-token", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			_ = checkStructureByPointer(body)
		}
	})
}
