package bolt_test

import (
	"testing"

	"go.uber.org/goleak"
)

// TestMain fails the package's tests if a goroutine outlives them: the
// writer of every store a test opened must have stopped by Close.
func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }
