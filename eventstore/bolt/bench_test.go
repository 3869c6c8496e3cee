package bolt_test

import (
	"path/filepath"
	"testing"

	"github.com/fapiao/fapiao/eventstore"
	"github.com/fapiao/fapiao/eventstore/bolt"
	"github.com/fapiao/fapiao/eventstore/storetest"
)

// BenchmarkAppend measures durable appends (fsync on): each writer its own
// stream, one event per append.
func BenchmarkAppend(b *testing.B) {
	storetest.BenchAppend(b, func(b *testing.B) eventstore.Store {
		s, err := bolt.Open(filepath.Join(b.TempDir(), "bench.db"))
		if err != nil {
			b.Fatal(err)
		}
		return s
	})
}
