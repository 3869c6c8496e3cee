package api_test

import (
	"testing"

	"go.uber.org/goleak"
)

// TestMain fails the package's tests if a goroutine outlives them: every
// server, feed, limiter sweeper and buffered log a test started must have
// stopped when its cleanup ran.
func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }
