package projections

import (
	"bytes"
	"encoding/json"
	"time"

	"github.com/fapiao/fapiao/eventstore"
)

var occurredKey = []byte(`"occurred_at"`)

// OccurredAt reads an event's business time (metadata occurred_at) without
// decoding the rest of the metadata: replays to a time call it once per
// record. Metadata that the quick scan does not understand is decoded in
// full.
func OccurredAt(meta json.RawMessage) (time.Time, bool) {
	if t, ok := scanOccurredAt(meta); ok {
		return t, true
	}
	m, err := eventstore.ParseMetadata(meta)
	if err != nil || m.OccurredAt.IsZero() {
		return time.Time{}, false
	}
	return m.OccurredAt, true
}

// scanOccurredAt finds the top-level key "occurred_at" and parses its string
// value. A JSON string cannot contain the key unescaped, so the first match
// preceded by '{' or ',' is the key.
func scanOccurredAt(meta []byte) (time.Time, bool) {
	i := bytes.Index(meta, occurredKey)
	if i < 0 || !precededByDelimiter(meta[:i]) {
		return time.Time{}, false
	}
	rest := bytes.TrimLeft(meta[i+len(occurredKey):], " \t\r\n")
	if len(rest) == 0 || rest[0] != ':' {
		return time.Time{}, false
	}
	rest = bytes.TrimLeft(rest[1:], " \t\r\n")
	if len(rest) == 0 || rest[0] != '"' {
		return time.Time{}, false
	}
	end := bytes.IndexByte(rest[1:], '"')
	if end < 0 {
		return time.Time{}, false
	}
	t, err := time.Parse(time.RFC3339Nano, string(rest[1:1+end]))
	if err != nil {
		return time.Time{}, false
	}
	return t, true
}

func precededByDelimiter(b []byte) bool {
	b = bytes.TrimRight(b, " \t\r\n")
	return len(b) > 0 && (b[len(b)-1] == '{' || b[len(b)-1] == ',')
}
