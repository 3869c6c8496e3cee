package main

import (
	"context"
	"flag"

	"github.com/fapiao/fapiao/cmd/fapiao/internal/audit"
)

// runReplay is fapiao replay: every account's (or one account's) state and
// balances as they were at a business time or a log position (AUD-2).
func runReplay(ctx context.Context, e *env, args []string) (err error) {
	var account, asOf string
	var pos uint64
	fs := newFlagSet(e, "replay", "--store STORE [--account ID] [--as-of RFC3339 | --position N]")
	store := storeFlag(fs)
	fs.StringVar(&account, "account", "", "only this account `ID`")
	fs.StringVar(&asOf, "as-of", "", "replay the events that occurred up to this `instant` (RFC 3339, events' occurred_at)")
	fs.Uint64Var(&pos, "position", 0, "replay the log up to this `position`, included (0: the empty state)")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	opts := audit.ReplayOptions{Account: account}
	// Given is not the same as zero: --position 0 and an --as-of before
	// the first event both ask for the empty state (AUD-2).
	fs.Visit(func(f *flag.Flag) {
		if f.Name == "position" {
			opts.Position = &pos
		}
	})
	if asOf != "" {
		if opts.Position != nil {
			return usagef("give --as-of or --position, not both")
		}
		t, err := parseInstantFlag("as-of", asOf)
		if err != nil {
			return err
		}
		opts.AsOf = &t
	}
	s, err := openForJob(ctx, *store, "GET /v1/accounts/{acc}/events?as_of=…")
	if err != nil {
		return err
	}
	defer closeStore(s, &err)
	rep, err := audit.Replay(ctx, s, opts)
	if err != nil {
		return err
	}
	return audit.WriteJSON(e.stdout, rep)
}
