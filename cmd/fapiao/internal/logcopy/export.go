package logcopy

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"

	"github.com/fapiao/fapiao/eventstore"
)

// CanonicalRecord encodes r as one line of the AUD-4 export, without the
// newline: the wire form of API.md with keys in a fixed order (position,
// stream, revision, id, type, data, metadata), data and metadata in
// eventstore.Canonical form and no HTML escaping. Equal events give equal
// bytes whichever store they were read from.
func CanonicalRecord(r eventstore.Record) ([]byte, error) {
	data, err := eventstore.Canonical(r.Data)
	if err != nil {
		return nil, fmt.Errorf("logcopy: %s@%d: data: %w", r.Stream, r.Revision, err)
	}
	meta, err := eventstore.Canonical(r.Metadata)
	if err != nil {
		return nil, fmt.Errorf("logcopy: %s@%d: metadata: %w", r.Stream, r.Revision, err)
	}
	r.Data, r.Metadata = data, meta
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false) // as Canonical: "<" stays "<"
	if err := enc.Encode(r); err != nil {
		return nil, err
	}
	return bytes.TrimSuffix(buf.Bytes(), []byte("\n")), nil
}

// Export writes the global log after position from (exclusive; Start for
// all) to w as canonical JSON Lines (AUD-4) and returns how many records it
// wrote.
func Export(ctx context.Context, store eventstore.Store, from eventstore.Position, w io.Writer) (int, error) {
	n := 0
	for r, err := range store.ReadAll(ctx, from) {
		if err != nil {
			return n, fmt.Errorf("logcopy: export: read after position %d: %w", from, err)
		}
		line, err := CanonicalRecord(r)
		if err != nil {
			return n, err
		}
		line = append(line, '\n')
		if _, err := w.Write(line); err != nil {
			return n, fmt.Errorf("logcopy: export: write: %w", err)
		}
		n++
	}
	return n, nil
}
