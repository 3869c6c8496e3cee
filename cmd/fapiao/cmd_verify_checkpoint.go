package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io/fs"
	"os"

	"github.com/fapiao/fapiao/cmd/fapiao/internal/audit"
	"github.com/fapiao/fapiao/eventstore"
	"github.com/fapiao/fapiao/eventstore/transparency"
)

// maxCheckpointFile bounds a checkpoint file: a signed note is a few
// hundred bytes.
const maxCheckpointFile = 64 << 10

// checkpointFlags are fapiao verify's --checkpoint, --key and --tree.
type checkpointFlags struct {
	file, key, tree string
}

func (c *checkpointFlags) register(fs *flag.FlagSet) {
	fs.StringVar(&c.file, "checkpoint", "", "a signed checkpoint `file` kept from GET /v1/checkpoint: prove the log still extends it")
	fs.StringVar(&c.key, "key", "", "the checkpoint's public `key` line (NAME+HASH+KEY, as fapiao keygen prints it) or a file holding it")
	fs.StringVar(&c.tree, "tree", "", "the Merkle tree `file` the server kept (default: STORE.tlog beside a bolt store): names the first rewritten position")
}

func (c *checkpointFlags) check() error {
	if (c.file == "") != (c.key == "") {
		return usagef("--checkpoint FILE and --key PUBKEY go together")
	}
	if c.tree != "" && c.file == "" {
		return usagef("--tree goes with --checkpoint")
	}
	return nil
}

// verify checks the checkpoint, if one was given, against the log in s.
func (c *checkpointFlags) verify(ctx context.Context, e *env, s eventstore.Store, store string) error {
	if c.file == "" {
		return nil
	}
	v, err := transparency.ParseVerifierKey(c.key)
	if err != nil {
		return err
	}
	signed, err := readSmallFile(c.file, maxCheckpointFile)
	if err != nil {
		return fmt.Errorf("--checkpoint: %w", err)
	}
	path := c.tree
	if path == "" {
		path = defaultTreePath(store)
	}
	stored, err := transparency.OpenReadOnly(path)
	switch {
	case err == nil:
		defer stored.Close()
	case c.tree != "" || !errors.Is(err, fs.ErrNotExist):
		return fmt.Errorf("--tree: %w", err)
	default:
		stored = nil // no kept tree: the check holds, only locating a change does not
	}
	_, err = audit.VerifyCheckpoint(ctx, s, signed, v, stored, e.stdout)
	return err
}

// readSmallFile reads a file of at most limit bytes.
func readSmallFile(path string, limit int64) ([]byte, error) {
	info, err := os.Stat(path)
	if err != nil {
		return nil, err
	}
	if info.Size() > limit {
		return nil, fmt.Errorf("%s: %d bytes, more than %d", path, info.Size(), limit)
	}
	return os.ReadFile(path)
}
