package seglog

import (
	"sync"

	"github.com/fapiao/fapiao/eventstore"
	"github.com/fapiao/fapiao/eventstore/internal/lenprefix"
)

// The index lives in memory and is derived from the log at open (a scan of
// every group, checksums included; or an index checkpoint, checkpoint.go,
// that the log's groups are checked against, and the groups after it): a
// commit writes the log and nothing else, and a checkpoint that disagrees
// with the log is not used.
// It costs about 50 bytes of heap per event (docs/performance.md, "Code
// health (issue 18)").

// loc is where a record's body sits: segment number, offset, length.
type loc struct {
	seg, off, n uint32
}

// entry is one event of a stream, by revision: its position, and its ID for
// recognising retried appends.
type entry struct {
	pos eventstore.Position
	id  [16]byte
}

// streamIndex is a stream's events. entries[committed:] belong to the
// commit in flight and are not visible to readers.
type streamIndex struct {
	entries   []entry
	committed int
}

// index maps positions and streams to records. The writer changes it under
// mu; readers take mu shared and see only committed entries: locs[:last]
// (Store.last) and each stream's entries[:committed].
type index struct {
	mu      sync.RWMutex
	locs    []loc // by position - 1
	streams map[string]*streamIndex
	segs    []*segment
	// streamsGen counts the streams added or removed after open (under
	// mu), so that names knows when its sorted list is out of date.
	streamsGen uint64
	names      sortedNames
}

// add indexes one record at open. It reports false if the record does not
// follow its stream's last revision.
func (ix *index) add(pos eventstore.Position, l loc, body []byte) bool {
	d := lenprefix.Decoder{Buf: body}
	name := d.Bytes()
	rev := d.Uvarint()
	id := d.Take(16)
	if d.Bad {
		return false
	}
	st := ix.streams[string(name)]
	if st == nil {
		st = &streamIndex{}
		ix.streams[string(name)] = st
	}
	if rev != uint64(len(st.entries)) {
		return false
	}
	st.entries = append(st.entries, entry{pos: pos, id: [16]byte(id)})
	st.committed = len(st.entries)
	ix.locs = append(ix.locs, l)
	return true
}
