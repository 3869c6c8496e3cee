package main

// Placeholders for the subcommands of API.md that are not written yet. Each
// moves to its own file when implemented; delete this file when it is empty.

import "errors"

// errNotImplemented makes a placeholder exit with status 2.
var errNotImplemented = errors.New("not implemented yet")

func todoCommands() []command {
	return []command{
		{"migrate", "copy a whole log between stores (bolt → esdb), then verify it", runMigrate}, // cmd_migrate.go
		{"replay", "state and balances as they were at a time or position (AUD-2)", runReplay},   // cmd_replay.go
		{"verify", "check every hash chain (AUD-3)", runVerify},                                  // cmd_verify.go
		{"export", "the log as JSON Lines on stdout (AUD-4)", runExport},                         // cmd_export.go
		{"import", "bulk-post statements from a JSON Lines file", runImport},                     // cmd_import.go
		{"reconcile", "REC-1..4 for a month, as JSON or CSV", runReconcile},                      // cmd_reconcile.go
		{"bench", "the benchmarks of record", runBench},                                          // cmd_bench.go

		{"keygen", "a signing key for checkpoints (private key file, public key line)", runKeygen},   // cmd_keygen.go
		{"verify-proof", "check a Merkle proof offline against a signed checkpoint", runVerifyProof}, // cmd_verify_proof.go
	}
}
