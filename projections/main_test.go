package projections

import (
	"testing"

	"go.uber.org/goleak"
)

// TestMain fails the package's tests if a goroutine outlives them: every
// subscription, live follower and views writer a test started must have
// stopped when the test ended.
func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }
