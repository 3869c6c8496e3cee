package seglog_test

import (
	"path/filepath"
	"testing"

	"github.com/fapiao/fapiao/eventstore"
	"github.com/fapiao/fapiao/eventstore/seglog"
	"github.com/fapiao/fapiao/eventstore/storetest"
)

// TestStreamLenderContract: LendStream hands out what ReadStream reads,
// across segments (small ones).
func TestStreamLenderContract(t *testing.T) {
	storetest.RunStreamLender(t, func(t *testing.T) eventstore.Store {
		return open(t, filepath.Join(t.TempDir(), "log"), seglog.Options{SegmentBytes: 256 << 10})
	})
}
