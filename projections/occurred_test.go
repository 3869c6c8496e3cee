package projections

import (
	"encoding/json"
	"fmt"
	"testing"
	"time"

	"github.com/fapiao/fapiao/eventstore"
)

// occurredInputs are metadata documents on both sides of the quick scan's
// limits.
var occurredInputs = []string{
	`{"occurred_at":"2026-03-10T10:00:00.000000123Z","actor":{"role":"x","id":"y"}}`,
	`{"actor":{"occurred_at":"1999-01-01T00:00:00Z"},"occurred_at":"2026-03-10T10:00:00Z"}`,
	`{"actor":[{"occurred_at":"1999-01-01T00:00:00Z"}],"occurred_at":"2026-03-10T10:00:00Z"}`,
	`{"actor":{"occurred_at":"1999-01-01T00:00:00Z"}}`,
	`{"note":"\"occurred_at\":\"1999\"","occurred_at":"2026-03-10T10:00:00Z"}`,
	`{"occurred_at":"2026-03-10T10:00:00Z","occurred_at":"2027-03-10T10:00:00Z"}`,
	`{"occurred_at":"2026-03-10T10:00:00Z","OCCURRED_AT":"2027-03-10T10:00:00Z"}`,
	`{"Occurred_At":"2026-03-10T10:00:00Z"}`,
	`{"occurred_at":"0001-01-01T00:00:00Z"}`, `{"occurred_at":null}`, `{"occurred_at":1}`, `{"occurred_at":"yesterday"}`,
	`{"occurred_at":"2026-03-10T10:00:00Z"} x`, `{"occurred_at":"2026-03-10T10:00:00Z",}`, `{"occurred_at":"2026-03-10T10:00:00Z"`,
	`{"occurred\u005fat":"2026-03-10T10:00:00Z"}`, `{"occurred_at":"2026-03-10T10:00:00\u005a"}`,
	`{"actor":{}}`, `{}`, `[]`, `nope`, ``,
}

// TestOccurredAtTopLevelOnly: a nested occurred_at earlier in the object is
// not the event's.
func TestOccurredAtTopLevelOnly(t *testing.T) {
	t.Parallel()
	meta := `{"actor":{"role":"customer","occurred_at":"1999-01-01T00:00:00Z"},"causation":[{"occurred_at":"2000-01-01T00:00:00Z"}],"occurred_at":"2026-03-10T10:00:00+08:00"}`
	want := time.Date(2026, 3, 10, 2, 0, 0, 0, time.UTC)
	got, ok := scanOccurredAt([]byte(meta))
	if !ok || !got.Equal(want) {
		t.Fatalf("scan: %v %v, want %v", got, ok, want)
	}
	if got, ok := OccurredAt(json.RawMessage(meta)); !ok || !got.Equal(want) {
		t.Fatalf("OccurredAt: %v %v, want %v", got, ok, want)
	}
	if got, ok := OccurredAt(json.RawMessage(`{"actor":{"occurred_at":"1999-01-01T00:00:00Z"}}`)); ok {
		t.Fatalf("a nested occurred_at was taken: %v", got)
	}
}

// TestOccurredAtMatchesMetadata: where the scan answers, it answers what
// decoding the whole metadata does.
func TestOccurredAtMatchesMetadata(t *testing.T) {
	t.Parallel()
	for _, in := range occurredInputs {
		t.Run(fmt.Sprintf("%.50q", in), func(t *testing.T) { checkOccurredAt(t, []byte(in)) })
	}
	m := eventstore.Metadata{OccurredAt: time.Date(2026, 3, 10, 10, 0, 0, 5, time.FixedZone("CST", 8*3600)),
		Actor: eventstore.Actor{Role: "customer", ID: "acc-1"}, CorrelationID: "c<&>", IdempotencyKey: "k\"1", SchemaVersion: 1}
	raw, err := json.Marshal(m)
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := scanOccurredAt(raw); !ok {
		t.Fatalf("the scan declined the ledger's metadata: %s", raw)
	}
	checkOccurredAt(t, raw)
}

func checkOccurredAt(t *testing.T, meta []byte) {
	t.Helper()
	m, err := eventstore.ParseMetadata(meta)
	wantOK := err == nil && !m.OccurredAt.IsZero()
	got, ok := OccurredAt(meta)
	if at, scanned := scanOccurredAt(meta); scanned && err == nil && !at.Equal(m.OccurredAt) {
		t.Fatalf("%q: scan %v, metadata %v", meta, at, m.OccurredAt)
	}
	if err == nil && (ok != wantOK || !got.Equal(m.OccurredAt)) {
		t.Fatalf("%q: OccurredAt %v %v, metadata %v", meta, got, ok, m.OccurredAt)
	}
}

func FuzzOccurredAt(f *testing.F) {
	for _, in := range occurredInputs {
		f.Add([]byte(in))
	}
	f.Fuzz(checkOccurredAt)
}
