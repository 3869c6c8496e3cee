package main

import (
	"bufio"
	"context"

	"github.com/fapiao/fapiao/cmd/fapiao/internal/logcopy"
	"github.com/fapiao/fapiao/eventstore"
)

// runExport is fapiao export: the log as canonical JSON Lines on stdout
// (AUD-4).
func runExport(ctx context.Context, e *env, args []string) (err error) {
	var from uint64
	fs := newFlagSet(e, "export", "--store STORE [--from N]")
	store := storeFlag(fs)
	fs.Uint64Var(&from, "from", 0, "export the events from this `position` on (inclusive, as GET /v1/events?from=N; 0 for all)")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	s, err := openForJob(ctx, *store, "GET /v1/events?from=N")
	if err != nil {
		return err
	}
	defer closeStore(s, &err)
	w := bufio.NewWriterSize(e.stdout, 256<<10)
	after := eventstore.Start
	if from > 0 {
		after = from - 1
	}
	if _, err := logcopy.Export(ctx, s, after, w); err != nil {
		return err
	}
	return w.Flush()
}
