package ledger_test

import (
	"context"
	"encoding/json"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/fapiao/fapiao/eventstore"
	"github.com/fapiao/fapiao/eventstore/memstore"
	"github.com/fapiao/fapiao/ledger"
)

func TestStartingAtRunsOnFromTheGivenInstant(t *testing.T) {
	start := time.Date(2025, 2, 3, 9, 0, 0, 0, time.UTC)
	c := ledger.StartingAt(start)
	first := c.Now()
	assert.False(t, first.Before(start))
	assert.Less(t, first.Sub(start), time.Minute)
	second := c.Now()
	assert.False(t, second.Before(first), "never runs backwards")
}

func TestSystemClock(t *testing.T) {
	before := time.Now()
	got := ledger.SystemClock().Now()
	assert.False(t, got.Before(before))
}

type preciseClock struct {
	t         time.Time
	precision time.Duration
}

func (c preciseClock) Now() time.Time           { return c.t }
func (c preciseClock) Precision() time.Duration { return c.precision }

// occurredAt executes one statement with clock and returns the raw
// occurred_at of the event it wrote, as stored (the bytes the chain covers).
func occurredAt(t *testing.T, clock ledger.Clock) string {
	t.Helper()
	store := memstore.New()
	l := ledger.New(store, ledger.Options{Clock: clock, Issuer: "Example Cloud Ltd."})
	_, err := l.Execute(context.Background(), ledger.Request{AccountID: "a1", Actor: billing, Command: statement("2026-01", "1.00")})
	require.NoError(t, err)
	for r, err := range store.ReadAll(context.Background(), eventstore.Start) {
		require.NoError(t, err)
		var m struct {
			OccurredAt string `json:"occurred_at"`
		}
		require.NoError(t, json.Unmarshal(r.Metadata, &m))
		require.Contains(t, string(r.Data), m.OccurredAt, "the event's own times are canonical too")
		return m.OccurredAt
	}
	t.Fatal("nothing written")
	return ""
}

// TestAUD2_CanonicalEventTime: one instant has one form in new events,
// RFC 3339 in +08:00, whatever offset the clock gave; the system clock's
// sub-second noise is cut to the second; a clock that declares a finer
// precision keeps it.
func TestAUD2_CanonicalEventTime(t *testing.T) {
	instant := time.Date(2026, 3, 10, 2, 0, 0, 123456789, time.UTC)
	for name, clock := range map[string]ledger.Clock{
		"UTC with nanoseconds": ledger.FixedClock(instant),
		"+08:00":               ledger.FixedClock(instant.In(time.FixedZone("CST", 8*3600))),
		"-05:00":               ledger.FixedClock(instant.In(time.FixedZone("EST", -5*3600))),
		"whole second":         ledger.FixedClock(instant.Truncate(time.Second)),
	} {
		require.Equal(t, "2026-03-10T10:00:00+08:00", occurredAt(t, clock), name)
	}
	require.Equal(t, "2026-03-10T10:00:00.123+08:00", occurredAt(t, preciseClock{instant, time.Millisecond}))
	got := ledger.CanonicalTime(ledger.SystemClock(), time.Now())
	require.Zero(t, got.Nanosecond())
	_, offset := got.Zone()
	require.Equal(t, 8*3600, offset)
}
