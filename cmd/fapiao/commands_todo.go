package main

// Placeholders for the subcommands of API.md that are not written yet. Each
// moves to its own file when implemented; delete this file when it is empty.

import (
	"context"
	"errors"
)

// errNotImplemented makes a placeholder exit with status 2.
var errNotImplemented = errors.New("not implemented yet")

func todoCommands() []command {
	todo := func(context.Context, *env, []string) error { return errNotImplemented }
	return []command{
		{"migrate", "copy a whole log between stores (bolt → esdb), then verify it", todo},
		{"replay", "state and balances as they were at a time or position (AUD-2)", todo},
		{"verify", "check every hash chain (AUD-3)", todo},
		{"export", "the log as JSON Lines on stdout (AUD-4)", todo},
		{"import", "bulk-post statements from a JSON Lines file", todo},
		{"reconcile", "REC-1..4 for a month, as JSON or CSV", todo},
		{"bench", "the benchmarks of record", todo},
	}
}
