package api

import (
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/go-json-experiment/json"
	"github.com/stretchr/testify/require"

	"github.com/fapiao/fapiao/eventstore"
)

// BenchmarkDecodeStrict decodes the bodies bench http's POSTs send.
func BenchmarkDecodeStrict(b *testing.B) {
	for _, tc := range []struct{ name, body string }{
		{"apply", `{"address_id":"5f0c1b8e-0000-4000-8000-000000000001","agree":true,"statements":["2025-03"]}`},
		{"cancel", `{}`},
	} {
		for _, f := range []struct {
			name   string
			decode func([]byte, any) ([]byte, error)
		}{{"checked", decodeStrictChecked}, {"now", decodeStrict}} {
			b.Run(tc.name+"/"+f.name, func(b *testing.B) {
				raw := []byte(tc.body)
				for b.Loop() {
					var in applyIn
					if _, err := f.decode(raw, &in); err != nil {
						b.Fatal(err)
					}
				}
			})
		}
	}
}

// decodeStrictChecked is decodeStrict as it was: the token-by-token check
// first, always.
func decodeStrictChecked(raw []byte, dst any) ([]byte, error) {
	if err := checkStructure(raw); err != nil {
		return nil, err
	}
	if err := json.Unmarshal(raw, dst, strict); err != nil {
		return nil, decodeProblem(raw, err)
	}
	canon, err := eventstore.Canonical(raw)
	if err != nil {
		return nil, badRequest("", "The body is not valid JSON.")
	}
	return canon, nil
}

type applyIn struct {
	Statements []string `json:"statements"`
	Medium     string   `json:"medium"`
	AddressID  string   `json:"address_id"`
	Emails     []string `json:"emails"`
	Agree      bool     `json:"agree"`
	Extra      any      `json:"extra"`
}

// decodeStrict answers as decodeStrictChecked, body for body, refusals
// included, over valid, nested, mutated and hostile bodies.
func TestDecodeStrictIsChecked(t *testing.T) {
	r := rand.New(rand.NewPCG(16, 12))
	seeds := []string{
		`{"address_id":"5f0c1b8e-0000-4000-8000-000000000001","agree":true,"statements":["2025-03"]}`,
		`{}`, ` { "medium" : "electronic", "emails": ["a@b.c"] } `, `null`, `[]`, `"x"`, `{"agree":true}{}`,
		`{"agree":true,"agree":false}`, `{"unknown":1}`, `{"extra":{"a":{"b":[1,2,{"c":"\ufffd"}]}}}`,
		`{"extra":"\ud800"}`, `{"extra":"é中"}`, `{"medium":"a\"b\\c"}`, `{"statements":"2025-03"}`,
		`{"extra":` + strings.Repeat("[", 31) + strings.Repeat("]", 31) + `}`,
		`{"extra":` + strings.Repeat("[", 32) + strings.Repeat("]", 32) + `}`,
		`{"extra":` + strings.Repeat("{\"a\":", 40) + `1` + strings.Repeat("}", 40) + `}`,
		"{\"medium\":\"tab\there\"}", "{\"extra\":\"\xff\"}", `{"extra":"]}{["}`,
	}
	alphabet := []string{"{", "}", "[", "]", `"`, `\`, ",", ":", " ", "a", "1", "é", "\ufffd", `\ud800`, `\u00e9`, "\xff", "\x01", `"extra":`, `"agree":`}
	same := func(body string) {
		var a, b applyIn
		gotCanon, gotErr := decodeStrict([]byte(body), &a)
		wantCanon, wantErr := decodeStrictChecked([]byte(body), &b)
		require.Equal(t, wantErr, gotErr, "%q", body)
		require.Equal(t, wantCanon, gotCanon, "%q", body)
		if wantErr == nil {
			require.Equal(t, b, a, "%q", body)
		}
	}
	require.True(t, plainObject([]byte(seeds[0])), "an application's body skips the check")
	require.True(t, plainObject([]byte(seeds[2])))
	taken := 0
	for _, s := range seeds {
		same(s)
	}
	for range 20000 {
		body := []byte(seeds[r.IntN(len(seeds))])
		for range 1 + r.IntN(3) {
			at := r.IntN(len(body) + 1)
			switch r.IntN(3) {
			case 0: // insert
				body = append(body[:at:at], append([]byte(alphabet[r.IntN(len(alphabet))]), body[at:]...)...)
			case 1: // delete
				if at < len(body) {
					body = append(body[:at:at], body[at+1:]...)
				}
			default: // replace
				if at < len(body) {
					body = append(body[:at:at], append([]byte(alphabet[r.IntN(len(alphabet))]), body[at+1:]...)...)
				}
			}
		}
		if _, err := decodeStrictChecked(body, new(applyIn)); err == nil {
			taken++
		}
		same(string(body))
	}
	require.Greater(t, taken, 500, "the mutations must leave many bodies valid")
}
