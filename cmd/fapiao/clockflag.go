package main

import "time"

// parseClockFlag reads --clock, the instant at which the ledger's clock
// starts before it runs on (ledger.StartingAt): RFC 3339, fractions of a
// second allowed. Empty is the zero time: the system clock. serve and
// import read it here, so the flag means the same to both.
func parseClockFlag(s string) (time.Time, error) {
	if s == "" {
		return time.Time{}, nil
	}
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		return time.Time{}, usagef("--clock: want an RFC 3339 instant like 2026-10-05T09:30:00+08:00: %v", err)
	}
	return t, nil
}
