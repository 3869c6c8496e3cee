package projections

import (
	"errors"
	"fmt"
	"os"
	"strings"
	"sync"

	bolt "go.etcd.io/bbolt"
)

// A served views file commits its live batches without fsync: two
// fdatasyncs a batch were a tenth of a command's CPU on the server
// (docs/performance.md, issue 16), for a file the log can rebuild.
//
// A process that dies (kill -9, a panic, an OOM kill) loses nothing by it:
// its writes are in the kernel's page cache, which the next process reads,
// so the file is exactly as of its last commit and catches up from its
// position, as with fsync. Only a crash of the machine itself can leave
// the file torn (bbolt's meta page on disk, some of the pages it points to
// not). So before its first unsynced commit the file records, with fsync,
// the boot it is written under (metaUnsynced); a clean Close syncs the
// file and removes the mark. A file opened under another boot with the
// mark still there is rebuilt from the log, never served. Where the boot
// cannot be told (no /proc), every commit is synced as before.

// metaUnsynced is the meta key holding the boot ID under which the file
// has commits that may not be on disk yet.
var metaUnsynced = []byte("unsynced")

// bootID names the running boot of the machine ("" if it cannot be told).
// A variable for the tests, which play a restarted machine.
var bootID = sync.OnceValue(func() string {
	b, err := os.ReadFile("/proc/sys/kernel/random/boot_id")
	if err != nil {
		return ""
	}
	return strings.TrimSpace(string(b))
})

// tornWhy says why a file must not be served because of unsynced commits
// made under another boot ("" if none).
func tornWhy(m fileMeta) string {
	if m.unsynced == "" || m.unsynced == bootID() {
		return ""
	}
	return fmt.Sprintf("written without fsync under boot %s, and the machine has restarted since (boot %q): it may be torn", m.unsynced, bootID())
}

// relaxSync lets db commit without fsync once the mark of this boot is on
// disk; it leaves db syncing where the boot cannot be told.
func relaxSync(db *bolt.DB, m fileMeta) error {
	boot := bootID()
	if boot == "" {
		return nil
	}
	if m.unsynced != boot {
		if err := db.Update(func(tx *bolt.Tx) error { return tx.Bucket(bktMeta).Put(metaUnsynced, []byte(boot)) }); err != nil {
			return err
		}
	}
	db.NoSync = true
	return nil
}

// closeSynced closes a served views file: its unsynced commits are synced
// and the mark removed (with fsync) first, so that a restart of the
// machine later finds a whole file.
func closeSynced(db *bolt.DB) error {
	if !db.NoSync {
		return db.Close()
	}
	err := db.Sync()
	db.NoSync = false
	if err == nil {
		err = db.Update(func(tx *bolt.Tx) error { return tx.Bucket(bktMeta).Delete(metaUnsynced) })
	}
	return errors.Join(err, db.Close())
}
