//go:build !linux

package projections

import bolt "go.etcd.io/bbolt"

// releaseFileMap does nothing where madvise is not used.
func releaseFileMap(*bolt.DB) {}
