//go:build !linux

package bolt

import bbolt "go.etcd.io/bbolt"

// releaseMapped is a no-op where madvise is not used.
func releaseMapped(*bbolt.DB, *bbolt.Tx) {}

// readahead is a no-op where madvise is not used.
type readahead struct{}

func (*readahead) prefetch(*bbolt.DB, *bbolt.Tx, []byte) {}
