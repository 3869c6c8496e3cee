package main

import (
	"context"

	"github.com/fapiao/fapiao/cmd/fapiao/internal/audit"
	"github.com/fapiao/fapiao/eventstore/storeurl"
)

// runVerify is fapiao verify: every hash chain recomputed (AUD-3); exit 1
// naming the first broken link.
func runVerify(ctx context.Context, e *env, args []string) (err error) {
	var store string
	fs := newFlagSet(e, "verify", "--store STORE")
	fs.StringVar(&store, "store", storeurl.Default, "the event store `URL`")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if err := checkLogStore(store, e.stdout); err != nil {
		return err
	}
	s, err := openForJob(ctx, store, "")
	if err != nil {
		return err
	}
	defer closeStore(s, &err)
	_, err = audit.Verify(ctx, s, e.stdout)
	return err
}
