package ledger

import (
	"time"

	"github.com/fapiao/fapiao/domain"
)

// Clock is where the ledger reads the time. Decisions and event metadata
// take it from here, never from time.Now directly, so that demos and
// end-to-end tests can run at a chosen instant.
type Clock interface{ Now() time.Time }

type systemClock struct{}

func (systemClock) Now() time.Time { return time.Now() }

// SystemClock is the machine's clock.
func SystemClock() Clock { return systemClock{} }

// FixedClock is a Clock that stands still at one instant: the demo's
// seed, the benchmarks' scripts and the tests decide at chosen times with
// it.
type FixedClock time.Time

// Now is the instant the clock stands at.
func (c FixedClock) Now() time.Time { return time.Time(c) }

type offsetClock struct {
	start time.Time // the instant the clock was set to
	real  time.Time // the machine's time then, with its monotonic reading
}

func (c offsetClock) Now() time.Time { return c.start.Add(time.Since(c.real)) }

// StartingAt is a clock that reads t now and then runs on at real speed
// (fapiao serve --clock). It measures the elapsed time on the monotonic
// clock, so changes to the machine's wall clock do not move it.
func StartingAt(t time.Time) Clock { return offsetClock{start: t, real: time.Now()} }

// PreciseClock is a Clock whose readings mean something below the second:
// the events it times keep them, truncated to its Precision. Other clocks'
// readings (the system clock's nanoseconds are noise, not business time)
// are kept to the second.
type PreciseClock interface {
	Clock
	Precision() time.Duration
}

// CanonicalTime is the one form a time takes in a new event (AUD-2): the
// instant in Asia/Shanghai (+08:00, whatever offset the clock gave),
// truncated to whole seconds, or to the clock's precision if it is a
// PreciseClock. Each instant then prints one way, e.g.
// 2026-10-05T09:30:00+08:00. Old events keep their bytes: the hash chain
// covers them.
func CanonicalTime(c Clock, t time.Time) time.Time {
	precision := time.Second
	if p, ok := c.(PreciseClock); ok && p.Precision() > 0 {
		precision = p.Precision()
	}
	return t.Truncate(precision).In(domain.Shanghai())
}
