package logcopy

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"iter"

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

// maxLine bounds one line of an export file; an event is far smaller (the
// API refuses bodies over 1 MiB).
const maxLine = 4 << 20

// readRecords yields the records of a JSON Lines export, strictly: an
// unknown field, a missing ID or a line that is not one JSON object ends the
// iteration with an error naming the line.
func readRecords(r io.Reader) iter.Seq2[eventstore.Record, error] {
	return func(yield func(eventstore.Record, error) bool) {
		sc := bufio.NewScanner(r)
		sc.Buffer(make([]byte, 64<<10), maxLine)
		for n := 1; sc.Scan(); n++ {
			line := bytes.TrimSpace(sc.Bytes())
			if len(line) == 0 {
				continue
			}
			rec, err := decodeRecord(line)
			if err != nil {
				yield(rec, fmt.Errorf("line %d: %w", n, err))
				return
			}
			if !yield(rec, nil) {
				return
			}
		}
		if err := sc.Err(); err != nil {
			yield(eventstore.Record{}, fmt.Errorf("read: %w", err))
		}
	}
}

func decodeRecord(line []byte) (eventstore.Record, error) {
	var rec eventstore.Record
	dec := json.NewDecoder(bytes.NewReader(line))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&rec); err != nil {
		return rec, fmt.Errorf("not an exported event: %w", err)
	}
	if dec.More() {
		return rec, fmt.Errorf("not an exported event: more than one JSON value on the line")
	}
	switch {
	case rec.Stream == "":
		return rec, fmt.Errorf("not an exported event: stream is missing")
	case rec.Type == "":
		return rec, fmt.Errorf("not an exported event: type is missing")
	case rec.ID == [16]byte{}:
		return rec, fmt.Errorf("not an exported event: id is missing")
	}
	// json.RawMessage copies what it decodes, so the record outlives the
	// scanner's buffer.
	return rec, nil
}
