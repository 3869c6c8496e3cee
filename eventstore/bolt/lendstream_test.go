package bolt_test

import (
	"path/filepath"
	"testing"

	"github.com/fapiao/fapiao/eventstore"
	"github.com/fapiao/fapiao/eventstore/storetest"
)

// TestStreamLenderContract: LendStream reads each record's pages with
// pread (small records many to a leaf, large ones on overflow pages, a log
// with branch pages) and lends what ReadStream reads.
func TestStreamLenderContract(t *testing.T) {
	storetest.RunStreamLender(t, func(t *testing.T) eventstore.Store {
		return open(t, filepath.Join(t.TempDir(), "fapiao.db"))
	})
}
