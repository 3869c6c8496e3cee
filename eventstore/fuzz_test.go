package eventstore_test

import (
	"bytes"
	"encoding/json"
	"testing"

	"github.com/google/uuid"

	"github.com/fapiao/fapiao/eventstore"
)

// FuzzParseMetadata: stored metadata bytes of any shape never panic the
// envelope decoder, the canonical form or the chain check, and Canonical
// is stable (canonical of canonical is itself).
func FuzzParseMetadata(f *testing.F) {
	for _, s := range []string{
		`{"occurred_at":"2026-11-10T10:00:00+08:00","actor":{"role":"customer","id":"acc-1"},"idempotency_key":"k","schema_version":1,"prev_hash":"","hash":"00"}`,
		`{"occurred_at":"not a time"}`, `{"actor":"x"}`, `[]`, `null`, `{"hash":1e999}`, `{"a":{"b":[1,2,{"c":null}]}}`,
		`{"x":"\ud800"}`, "{\"x\":\"\xff\"}", `{"n":12345678901234567890123456789}`, `{}`, ``,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, raw []byte) {
		_, _ = eventstore.ParseMetadata(raw)
		if c, err := eventstore.Canonical(raw); err == nil {
			c2, err := eventstore.Canonical(c)
			if err != nil || !bytes.Equal(c, c2) {
				t.Fatalf("Canonical is not stable: %s → %s, %v", c, c2, err)
			}
		}
		r := eventstore.Record{Stream: "account-x", ID: uuid.Nil, Type: "T", Data: json.RawMessage(`{}`), Metadata: raw}
		_, _ = eventstore.VerifyLink(r, "")
		r.Data, r.Metadata = raw, json.RawMessage(`{"prev_hash":"","hash":""}`)
		_, _ = eventstore.VerifyLink(r, "")
	})
}
