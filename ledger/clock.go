package ledger

import "time"

// Clock is where the ledger reads the time. Decisions and event metadata
// take it from here, never from time.Now directly, so that demos and
// end-to-end tests can run at a chosen instant.
type Clock interface{ Now() time.Time }

type systemClock struct{}

func (systemClock) Now() time.Time { return time.Now() }

// SystemClock is the machine's clock.
func SystemClock() Clock { return systemClock{} }

type offsetClock struct {
	start time.Time // the instant the clock was set to
	real  time.Time // the machine's time then, with its monotonic reading
}

func (c offsetClock) Now() time.Time { return c.start.Add(time.Since(c.real)) }

// StartingAt is a clock that reads t now and then runs on at real speed
// (fapiao serve --clock). It measures the elapsed time on the monotonic
// clock, so changes to the machine's wall clock do not move it.
func StartingAt(t time.Time) Clock { return offsetClock{start: t, real: time.Now()} }
