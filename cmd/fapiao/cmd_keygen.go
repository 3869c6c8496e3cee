package main

import (
	"context"
	"fmt"

	"github.com/fapiao/fapiao/eventstore/transparency"
)

// defaultKeyFile is where keygen writes the private key unless told.
const defaultKeyFile = "checkpoint.key"

// runKeygen is fapiao keygen: a new Ed25519 key for signing checkpoints.
// The private key goes to a file (0600, never overwritten); the public
// verifier key line, what auditors keep, is the only line on stdout.
func runKeygen(_ context.Context, e *env, args []string) error {
	var name, out string
	fs := newFlagSet(e, "keygen", "--name NAME [--out FILE]")
	fs.StringVar(&name, "name", "", "the log's `name`, the checkpoints' origin line (e.g. fapiao.example.com/log)")
	fs.StringVar(&out, "out", defaultKeyFile, "the private key `file` to write (mode 0600; never overwritten)")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if name == "" {
		return usagef("--name NAME is required")
	}
	vkey, err := transparency.GenerateKey(out, name)
	if err != nil {
		return err
	}
	fmt.Fprintf(e.stderr, "fapiao keygen: private key written to %s (keep it secret; serve --signing-key %s); the public key follows\n", out, out)
	fmt.Fprintln(e.stdout, vkey)
	return nil
}
