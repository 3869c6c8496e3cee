package memstore_test

import (
	"testing"

	"go.uber.org/goleak"
)

// TestMain fails the package's tests if a goroutine outlives them: the
// contract suite's subscribers must have stopped when each test ended.
func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }
