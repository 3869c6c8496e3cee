// Package audit holds the auditors' checks behind the fapiao subcommands
// verify (hash chains, a signed checkpoint), replay and reconcile. Each is
// a function over an eventstore.Store and io.Writers, so that it runs and is
// tested without a process; cmd/fapiao only parses flags, opens stores and
// maps errors to exit statuses. Copying logs is logcopy's job, importing
// statements importer's.
//
// Nothing here keeps a read model of its own: replay and reconcile fold the
// log with projections.Replay, the code path of the live projections, so an
// auditor sees what the server would have shown (AUD-1, AUD-2).
package audit

import (
	"errors"
)

// ErrInvariant is wrapped by the errors of a job that ran to completion and
// found a broken invariant: a hash chain (verify), a reconciliation rule
// (reconcile), a line that could not be imported, a copy that differs from
// its source. cmd/fapiao exits 1 for them like for any failure; the
// distinction lets callers tell "the data is wrong" from "the job failed".
var ErrInvariant = errors.New("audit: invariant broken")
