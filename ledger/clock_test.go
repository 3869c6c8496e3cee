package ledger_test

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"

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
