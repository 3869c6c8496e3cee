package main

import (
	"fmt"
	"io"

	"github.com/fapiao/fapiao/eventstore"
	"github.com/fapiao/fapiao/eventstore/seglog"
	"github.com/fapiao/fapiao/eventstore/storeurl"
)

// checkLogStore is verify's first step on a segmented log. A log damaged
// anywhere but in its unacknowledged final write does not open, so the
// store's own check (eventstore.Checker, run by audit.Verify) never gets to
// report it: this reads every segment without opening the store and lists
// all the damage before failing. A sound log, or one whose only problem is
// a torn final write, passes through to the open and the store's check,
// which say what they found. Other stores pass through.
func checkLogStore(raw string, w io.Writer) error {
	u, err := storeurl.Parse(raw)
	if err != nil || u.Backend != storeurl.Log {
		return nil
	}
	rep, err := seglog.Check(u.Path)
	if err != nil {
		return nil // no log there: the open says so
	}
	corrupt := 0
	for _, p := range rep.Problems {
		if !p.Torn {
			corrupt++
		}
	}
	if corrupt == 0 {
		return nil
	}
	fmt.Fprintf(w, "DAMAGED STORE: %d problems\n", corrupt)
	for _, p := range rep.Problems {
		fmt.Fprintf(w, "  log: %s\n", p)
	}
	return fmt.Errorf("log %s is damaged (%w): %d problem(s) above; the events before the first are intact", u, eventstore.ErrCorrupt, corrupt)
}
