//go:build !linux

package bolt

import bbolt "go.etcd.io/bbolt"

// releaseMapped is a no-op where madvise is not used.
func releaseMapped(*bbolt.DB, *bbolt.Tx) {}
