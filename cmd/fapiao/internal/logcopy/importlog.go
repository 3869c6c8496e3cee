package logcopy

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"iter"

	"github.com/fapiao/fapiao/cmd/fapiao/internal/audit"
	"github.com/fapiao/fapiao/cmd/fapiao/internal/progress"
	"github.com/fapiao/fapiao/eventstore"
)

// maxLine bounds one line of an export file; an event is far smaller (the
// API refuses bodies over 1 MiB).
const maxLine = 4 << 20

// ImportLog appends the records of an AUD-4 export (JSON Lines of
// eventstore.Record) to to, keeping IDs, streams, revisions, order and
// hashes, as Migrate does: the file's order is the new log's order, each
// hash chain is checked before anything of it is written, and a re-run
// skips what is already there. Positions are the target's own. Progress
// goes to meter (may be nil), the verification summary to w.
func ImportLog(ctx context.Context, to eventstore.Store, r io.Reader, meter *progress.Meter, w io.Writer) (CopyResult, error) {
	c, err := newCopier(ctx, to)
	if err != nil {
		return CopyResult{}, fmt.Errorf("logcopy: import: %w", err)
	}
	note := func(r CopyResult) string {
		return fmt.Sprintf("events (copied %d, already there %d)", r.Copied, r.Skipped)
	}
	res, err := c.run(ctx, readRecords(r), func(r CopyResult) { meter.Update(int64(r.Copied+r.Skipped), note(r)) })
	meter.Finish(int64(res.Copied+res.Skipped), note(res))
	if err != nil {
		return res, fmt.Errorf("logcopy: import: %w", err)
	}
	if _, err := audit.Verify(ctx, to, w); err != nil {
		return res, fmt.Errorf("logcopy: import: the target: %w", err)
	}
	return res, nil
}

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
