package main

import (
	"context"
	"fmt"

	"github.com/fapiao/fapiao/cmd/fapiao/internal/logcopy"
	"github.com/fapiao/fapiao/eventstore/storeurl"
)

// runMigrate is fapiao migrate: the whole log copied from one store to
// another keeping IDs, order and hashes, resumable, then verified.
func runMigrate(ctx context.Context, e *env, args []string) (err error) {
	var from, to string
	fs := newFlagSet(e, "migrate", "--from STORE --to STORE")
	fs.StringVar(&from, "from", "", "the source store `URL` (e.g. bolt://./data/fapiao.db)")
	fs.StringVar(&to, "to", "", "the target store `URL` (e.g. log://./data/log or esdb://localhost:2113?tls=false)")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if from == "" || to == "" {
		return usagef("--from STORE and --to STORE are required")
	}
	fu, err := storeurl.Parse(from)
	if err != nil {
		return usagef("--from: %v", err)
	}
	tu, err := storeurl.Parse(to)
	if err != nil {
		return usagef("--to: %v", err)
	}
	if fu.Backend == tu.Backend && fu.Path != "" && fu.Path == tu.Path {
		return usagef("--from and --to name the same store")
	}
	src, err := openForJob(ctx, from, "")
	if err != nil {
		return fmt.Errorf("--from: %w", err)
	}
	defer closeStore(src, &err)
	dst, err := openForWrite(ctx, to, "")
	if err != nil {
		return fmt.Errorf("--to: %w", err)
	}
	defer closeStore(dst, &err)
	meter := newMeter(e.stderr, "migrate")
	res, err := logcopy.Migrate(ctx, src, dst, meter, e.stdout)
	if err != nil {
		if res.Copied+res.Skipped > 0 {
			fmt.Fprintf(e.stderr, "migrate stopped after %d events; run the same command again to resume\n", res.Copied+res.Skipped)
		}
		return err
	}
	fmt.Fprintf(e.stdout, "migrated %d events (%d copied now, %d already there) from %s to %s\n", res.Copied+res.Skipped, res.Copied, res.Skipped, fu, tu)
	return nil
}
