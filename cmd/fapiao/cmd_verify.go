package main

import (
	"context"

	"github.com/fapiao/fapiao/cmd/fapiao/internal/audit"
)

// runVerify is fapiao verify: the store's own check where it offers one
// (eventstore.Checker: structure, indexes against the log), then every hash
// chain recomputed (AUD-3); exit 1 naming what is damaged and where, or the
// first broken link. It opens the store read-only and creates nothing.
func runVerify(ctx context.Context, e *env, args []string) (err error) {
	var cp checkpointFlags
	fs := newFlagSet(e, "verify", "--store STORE [--checkpoint FILE --key PUBKEY [--tree FILE]]")
	store := storeFlag(fs)
	cp.register(fs)
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if err := cp.check(); err != nil {
		return err
	}
	if err := checkLogStore(*store, e.stdout); err != nil {
		return err
	}
	s, err := openForVerify(ctx, *store)
	if err != nil {
		return err
	}
	defer closeStore(s, &err)
	if _, err = audit.Verify(ctx, s, e.stdout); err != nil {
		return err
	}
	return cp.verify(ctx, e, s, *store)
}
