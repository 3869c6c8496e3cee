package seglog

import (
	"fmt"
	"runtime/debug"

	"github.com/fapiao/fapiao/eventstore"
)

// A read-only store (the audit jobs: replay, verify, export, reconcile;
// Options.ReadOnly) reads its records in place: each segment's groups are
// mapped, and the mapping populated, at its first read, and a run of
// records is then a slice of it, with no system call and no copy. A
// replay reads an account's records from all over the log (an account's
// events lie far apart), and pread's calls and copies were a sixth of a
// million-event replay's CPU; in place it runs 7–8 % faster
// (docs/performance.md, "The views written as pages").
//
// A writable store (the server) keeps reading with pread: a mapping keeps
// every page it touched in the resident set, the whole log after a
// rebuild, where the server's is bounded (issue 16). A fault on a page of
// a mapping only touched since is cheaper than the read it replaces only
// when populated with the rest, so it is mapped whole or not at all.

// inPlace is the segment's groups, mapped at the first call, for a
// read-only store; nil for a writable one, or if the mapping failed (the
// reads then use pread). The caller is inside s.reading.
func (seg *segment) inPlace(s *Store) []byte {
	if !s.opts.ReadOnly {
		return nil
	}
	seg.mapOnce.Do(func() { seg.mem = mapPopulated(seg.f, seg.end) })
	return seg.mem
}

// reading runs read, which may take records from the segments' mappings:
// Close waits for it before it unmaps them, and a fault on a mapping (a
// file cut short under the store) is an error, not a crash.
func (s *Store) reading(read func() error) (err error) {
	if !s.opts.ReadOnly {
		return read()
	}
	s.maps.RLock()
	defer s.maps.RUnlock()
	if s.isClosed() {
		return eventstore.ErrClosed
	}
	defer debug.SetPanicOnFault(debug.SetPanicOnFault(true))
	defer recoverFault(func(fault any) { err = fmt.Errorf("%w: reading a segment: %v", ErrCorrupt, fault) })
	return read()
}

// recoverFault, deferred under debug.SetPanicOnFault, hands caught the
// fault of a read on a mapping (a file cut short under it); any other
// panic goes on.
func recoverFault(caught func(fault any)) {
	if v := recover(); v != nil {
		if _, fault := v.(interface{ Addr() uintptr }); !fault {
			panic(v)
		}
		caught(v)
	}
}

// unmap lets go of the segments' mappings, once no read is using them.
func (s *Store) unmap() {
	s.maps.Lock()
	defer s.maps.Unlock()
	for _, seg := range s.ix.segs {
		unmapFile(seg.mem)
		seg.mem = nil
	}
}
