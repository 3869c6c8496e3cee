package eventstore

import (
	"encoding/json"
	"strings"
	"testing"
	"time"
)

// TestSealIsTheEncoding: the hash filled into the sealed bytes gives exactly
// json.Marshal of the metadata with its Hash set.
func TestSealIsTheEncoding(t *testing.T) {
	at := time.Date(2026, 3, 10, 10, 0, 0, 123456789, time.FixedZone("CST", 8*3600))
	for _, m := range []Metadata{
		{},
		{OccurredAt: at, Actor: Actor{Role: "customer", ID: "acc-1"}, SchemaVersion: 1},
		{OccurredAt: at, Actor: Actor{Role: "finance", ID: "张三"}, CorrelationID: "c<&>", CausationID: "x\"y\\z",
			IdempotencyKey: "k\u2028", RequestHash: "abc", SchemaVersion: 7, PrevHash: "p", Hash: "stale"},
	} {
		raw, hash, err := SealHash(m, strings.Repeat("0", 64), "account-a", 3, "InvoiceRequested", json.RawMessage(`{"a":1}`))
		if err != nil {
			t.Fatal(err)
		}
		m.PrevHash, m.Hash = strings.Repeat("0", 64), hash
		want, err := json.Marshal(m)
		if err != nil {
			t.Fatal(err)
		}
		if string(raw) != string(want) {
			t.Fatalf("sealed\n %s\nwant\n %s", raw, want)
		}
	}
}

func TestFillHashDeclines(t *testing.T) {
	for _, c := range []struct{ raw, hash string }{
		{`{"hash":""}`, "ABC"},      // not lowercase hex
		{`{"hash":""}`, `a"b`},      // would need escaping
		{`{"hash":"x"}`, "abc"},     // not empty
		{`{"hash":""} `, "abc"},     // not the end
		{`{"hash":"","x":1}`, "ab"}, // not the last member
	} {
		if out, ok := fillHash([]byte(c.raw), c.hash); ok {
			t.Errorf("fillHash(%s, %q) = %s", c.raw, c.hash, out)
		}
	}
	if out, ok := fillHash([]byte(`{"a":1,"hash":""}`), "0f"); !ok || string(out) != `{"a":1,"hash":"0f"}` {
		t.Errorf("fillHash = %s, %v", out, ok)
	}
}
