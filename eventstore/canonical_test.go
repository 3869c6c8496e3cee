package eventstore

import (
	"bufio"
	"bytes"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/fapiao/fapiao/internal/testkit"
)

// canonicalInputs are documents on both sides of the fast path's limits:
// the ones it copies and the ones it hands to the slow path.
var canonicalInputs = []string{
	`{}`, `[]`, `null`, `true`, `false`, `0`, `-0`, `1.50`, `1e10`, `-1.5E-3`, `""`,
	`{"b":1,"a":2}`, `{"a":{"d":[1,2,{"z":null,"y":true}],"c":"x"}}`,
	` { "b" : [ 1 , 2 ] , "a" : "s" } `, "{\n\t\"b\": 1,\r\n\"a\": 2\n}",
	`{"amount":"100.00","lines":[{"line_id":"l-1","amount":"1.00"}]}`,
	`{"name":"示例科技有限公司","street":"中关村大街1号"}`,
	`{"é":1,"e":2,"z":3,"中":4,"A":5}`,
	`{"s":"a\"b"}`, `{"s":"a\\b"}`, `{"s":"\u00e9"}`, `{"s":"\n"}`, `{"s":"\u0001"}`, `{"s":"\b\f"}`,
	`{"s":"<&>"}`, "{\"s\":\"\u2028\"}", "{\"s\":\"\u2029x\"}", "{\"s\":\"\x7f\"}",
	"{\"s\":\"\xff\"}", "{\"s\":\"\xe4\xb8\"}", `{"s":"\ud800"}`, `{"s":"\/"}`,
	`{"a":1,"a":2}`, `{"b":1,"a":2,"b":3}`, `{"a\u0062":1,"ab":2}`,
	`{"a":1}x`, `{"a":1} `, `{"a":1}}`, `{"a":1,}`, `{"a" 1}`, `[1,]`, `[1 2]`, `{"a":01}`, `{"a":1.}`,
	`{"a":-}`, `{"a":1e}`, `{"a":tru}`, `{"a":nul}`, `{"a":"x`, `{"a":[`, `{`, `[`, ``, ` `, `"x`,
	`{"a":NaN}`, `{"a":+1}`, `{"a":.5}`, `{"a":1.0e+2}`, `{"a":123456789012345678901234567890}`,
	`{"hash":"x","a":1}`, `{"a":1,"hash":"x"}`, `{"b":1,"hash":"x","a":2}`, `{"hash":"x"}`,
	`{"hash":"x","hash":"y"}`, `{"a":{"hash":"nested"}}`, `[{"hash":1}]`, `"hash"`,
	strings.Repeat("[", 70) + strings.Repeat("]", 70),
	strings.Repeat(`{"a":`, 70) + "1" + strings.Repeat("}", 70),
}

func slowOrErr(raw []byte, dropHash bool) (string, bool) {
	var out []byte
	var err error
	if dropHash {
		out, err = canonicalWithoutHashSlow(raw)
	} else {
		out, err = canonicalSlow(raw)
	}
	return string(out), err == nil
}

// checkSame fails unless the fast canonicaliser and the definition agree on
// raw, both for data and for metadata without its hash.
func checkSame(t *testing.T, raw []byte) {
	t.Helper()
	for _, dropHash := range []bool{false, true} {
		want, wantOK := slowOrErr(raw, dropHash)
		got, err := canonicalAppend(nil, raw, dropHash)
		if (err == nil) != wantOK {
			t.Fatalf("%q (dropHash %v): error %v, slow path ok %v", raw, dropHash, err, wantOK)
		}
		if wantOK && string(got) != want {
			t.Fatalf("%q (dropHash %v):\n fast %s\n slow %s", raw, dropHash, got, want)
		}
	}
	if got, err := Canonical(raw); err == nil {
		want, _ := canonicalSlow(raw)
		if !bytes.Equal(got, want) {
			t.Fatalf("Canonical(%q) = %s, want %s", raw, got, want)
		}
	}
}

func TestCanonicalMatchesDefinition(t *testing.T) {
	for _, in := range canonicalInputs {
		t.Run(fmt.Sprintf("%.40q", in), func(t *testing.T) { checkSame(t, []byte(in)) })
	}
}

// TestCanonicalGoldenVectors holds the canonical form to the vectors of
// testdata/canonical_golden.txt, written once from the code as it stood and
// never regenerated: the slow path is encoding/json's, so a Go release that
// changed how it decodes or re-encodes (U+2028, invalid UTF-8, surrogates,
// key order, numbers) would change the hash of every stored event. Both the
// definition (the slow path) and the function the chain uses are checked.
func TestCanonicalGoldenVectors(t *testing.T) {
	f, err := os.Open("testdata/canonical_golden.txt")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	n := 0
	sc := bufio.NewScanner(f)
	for line := 1; sc.Scan(); line++ {
		text := sc.Text()
		if text == "" || strings.HasPrefix(text, "#") {
			continue
		}
		fields := strings.Split(text, "\t")
		if len(fields) != 3 {
			t.Fatalf("line %d: %d fields, want 3", line, len(fields))
		}
		mode := fields[0]
		in, err := strconv.Unquote(fields[1])
		if err != nil {
			t.Fatalf("line %d: input: %v", line, err)
		}
		want, wantOK := "", fields[2] != "error"
		if wantOK {
			if want, err = strconv.Unquote(fields[2]); err != nil {
				t.Fatalf("line %d: output: %v", line, err)
			}
		}
		var got, def []byte
		var gotErr, defErr error
		switch mode {
		case "data":
			got, gotErr = Canonical([]byte(in))
			def, defErr = canonicalSlow([]byte(in))
		case "meta":
			got, gotErr = canonicalAppend(nil, []byte(in), true)
			def, defErr = canonicalWithoutHashSlow([]byte(in))
		default:
			t.Fatalf("line %d: mode %q", line, mode)
		}
		for _, c := range []struct {
			what string
			out  []byte
			err  error
		}{{"canonical", got, gotErr}, {"definition", def, defErr}} {
			switch {
			case (c.err == nil) != wantOK:
				t.Errorf("line %d: %s %s(%q): error %v, want ok %v", line, c.what, mode, in, c.err, wantOK)
			case wantOK && string(c.out) != want:
				t.Errorf("line %d: %s %s(%q) =\n %q\nwant\n %q", line, c.what, mode, in, c.out, want)
			}
		}
		n++
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	if n < 250 {
		t.Fatalf("%d vectors; the file holds more than 250", n)
	}
}

// TestCanonicalGoldenEvents runs every golden event of the domain, and its
// metadata as the ledger writes it, through both canonicalisers.
func TestCanonicalGoldenEvents(t *testing.T) {
	for _, e := range testkit.GoldenEvents(t) {
		checkSame(t, e.Data)
		var v any
		if err := json.Unmarshal(e.Data, &v); err != nil {
			t.Fatal(err)
		}
		compact, _ := json.Marshal(v)
		checkSame(t, compact)
	}
	m := Metadata{
		OccurredAt: time.Date(2026, 3, 10, 10, 0, 0, 123456789, time.FixedZone("CST", 8*3600)),
		Actor:      Actor{Role: "customer", ID: "acc-1"}, CorrelationID: "c<&>", IdempotencyKey: "key\"1",
		RequestHash: "abc", SchemaVersion: 1, PrevHash: strings.Repeat("0", 64), Hash: strings.Repeat("f", 64),
	}
	raw, _ := json.Marshal(m)
	checkSame(t, raw)
}

// TestCanonicalRandom compares the two on random documents made of the
// pieces that matter: key order, nesting, Unicode, escapes, numbers.
func TestCanonicalRandom(t *testing.T) {
	t.Parallel()
	rng := rand.New(rand.NewPCG(1, 2))
	strs := []string{"a", "b", "hash", "ab", "é", "中文", "x y", `q"`, `\`, "\n", "\u2028", "<", "", "z\x7f"}
	var gen func(depth int) any
	gen = func(depth int) any {
		switch n := rng.IntN(8); {
		case depth > 4 || n == 0:
			return json.Number([]string{"0", "-1", "1.50", "2e3", "12345678901234567890"}[rng.IntN(5)])
		case n == 1:
			return strs[rng.IntN(len(strs))]
		case n == 2:
			return []any{gen(depth + 1), gen(depth + 1)}
		case n == 3:
			return rng.IntN(2) == 0
		case n == 4:
			return nil
		default:
			m := map[string]any{}
			for range rng.IntN(6) {
				m[strs[rng.IntN(len(strs))]] = gen(depth + 1)
			}
			return m
		}
	}
	for range 3000 {
		raw, err := json.Marshal(gen(0))
		if err != nil {
			t.Fatal(err)
		}
		checkSame(t, raw)
		// Shuffle the key order by re-encoding through a struct-free path:
		// indenting adds insignificant space the fast path must drop.
		var ind bytes.Buffer
		_ = json.Indent(&ind, raw, " ", "\t")
		checkSame(t, ind.Bytes())
	}
}

// TestChainHashUnchanged pins a hash computed before the fast path existed:
// logs written by earlier builds must still verify.
func TestChainHashUnchanged(t *testing.T) {
	data := json.RawMessage(`{"month":"2026-01","lines":[{"line_id":"l-1","amount":"100.00","product":"ECS"}],"title":{"name":"示例"}}`)
	meta := json.RawMessage(`{"occurred_at":"2026-03-10T10:00:00+08:00","actor":{"role":"billing","id":"billing"},"schema_version":1,"prev_hash":"","hash":"ignored"}`)
	got, err := ChainHash("", "account-a", 0, "StatementPosted", data, meta)
	if err != nil {
		t.Fatal(err)
	}
	cd, _ := canonicalSlow(data)
	cm, _ := canonicalWithoutHashSlow(meta)
	want := referenceHash("", "account-a", 0, "StatementPosted", cd, cm)
	if got != want {
		t.Fatalf("ChainHash = %s, want %s", got, want)
	}
}

func FuzzCanonical(f *testing.F) {
	for _, in := range canonicalInputs {
		f.Add([]byte(in))
	}
	f.Fuzz(func(t *testing.T, raw []byte) { checkSame(t, raw) })
}

func BenchmarkChainHash(b *testing.B) {
	data := json.RawMessage(`{"invoice_id":"a6d2c1b0-0000-4000-8000-000000000001","statements":["2026-01"],"amount":"100.00","title":{"type":"vat_general","holder":"company","name":"示例科技有限公司","taxpayer_id":"91110108MA01ABCDEN"},"address":{"recipient":"张三","phone":"13800138000","province":"北京市","city":"北京市","district":"海淀区","street":"中关村大街1号","postal_code":"100080"}}`)
	m := Metadata{OccurredAt: time.Now(), Actor: Actor{Role: "customer", ID: "acc-1"}, CorrelationID: "c", SchemaVersion: 1}
	meta, _ := json.Marshal(m)
	b.Run("fast", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if _, err := ChainHash("p", "account-1", 3, "InvoiceRequested", data, meta); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("slow", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			cd, _ := canonicalSlow(data)
			cm, _ := canonicalWithoutHashSlow(meta)
			_ = referenceHash("p", "account-1", 3, "InvoiceRequested", cd, cm)
		}
	})
}

// referenceHash is the chain hash as first written, over given canonical
// bytes: each variable-length part length-prefixed, the revision as 8 bytes.
func referenceHash(prevHash, stream string, revision uint64, typ string, cdata, cmeta []byte) string {
	h := sha256.New()
	var n [8]byte
	for _, part := range [][]byte{[]byte(prevHash), []byte(stream), nil, []byte(typ), cdata, cmeta} {
		if part == nil {
			binary.BigEndian.PutUint64(n[:], revision)
			h.Write(n[:])
			continue
		}
		binary.BigEndian.PutUint64(n[:], uint64(len(part)))
		h.Write(n[:])
		h.Write(part)
	}
	return hex.EncodeToString(h.Sum(nil))
}
