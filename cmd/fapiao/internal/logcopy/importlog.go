package logcopy

import (
	"context"
	"fmt"
	"io"

	"github.com/fapiao/fapiao/cmd/fapiao/internal/audit"
	"github.com/fapiao/fapiao/cmd/fapiao/internal/progress"
	"github.com/fapiao/fapiao/eventstore"
)

// ImportLog appends the records of an AUD-4 export (JSON Lines of
// eventstore.Record) to to, keeping IDs, streams, revisions, order and
// hashes, as Migrate does: the file's order is the new log's order, each
// hash chain is checked before anything of it is written, and a re-run
// skips what is already there. Positions are the target's own. Progress
// goes to meter (may be nil), the verification summary to w.
func ImportLog(ctx context.Context, to eventstore.Store, r io.Reader, meter *progress.Meter, w io.Writer) (CopyResult, error) {
	res, err := copyTo(ctx, to, readRecords(r), meter)
	if err != nil {
		return res, fmt.Errorf("logcopy: import: %w", err)
	}
	if _, err := audit.Verify(ctx, to, w); err != nil {
		return res, fmt.Errorf("logcopy: import: the target: %w", err)
	}
	return res, nil
}
