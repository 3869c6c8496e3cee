package main

import "time"

// parseInstantFlag reads a flag that names an instant (--clock, replay's
// --as-of, reconcile's --now): RFC 3339, fractions of a second allowed;
// anything else is a usage error naming the flag.
func parseInstantFlag(name, s string) (time.Time, error) {
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		return time.Time{}, usagef("--%s: want an RFC 3339 instant like 2026-10-05T09:30:00+08:00: %v", name, err)
	}
	return t, nil
}

// parseClockFlag reads --clock, the instant at which the ledger's clock
// starts before it runs on (ledger.StartingAt). Empty is the zero time: the
// system clock. serve and import read it here, so the flag means the same
// to both.
func parseClockFlag(s string) (time.Time, error) {
	if s == "" {
		return time.Time{}, nil
	}
	return parseInstantFlag("clock", s)
}
