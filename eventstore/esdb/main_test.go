package esdb_test

import (
	"testing"

	"go.uber.org/goleak"
)

// TestMain fails the package's tests if a goroutine outlives them: every
// connection's reader and every subscription a test started must have
// stopped by the store's Close or the subscription's end.
func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }
