package seglog

import (
	"strings"
	"sync"
	"unsafe"

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
	arena      arena // where the streams added after open are kept
}

// arena hands out a new stream's name, streamIndex and first entries
// from blocks shared by many streams. A stream added one at a time used
// to be three heap objects (the name the caller passed, its streamIndex,
// its entries), and the collector marked every one of them in every
// cycle for as long as the store stayed open: most streams are the
// ledger's number reservations (ISSUE-2), one event each, a stream for
// every invoice issued. Out of the arena they cost it a few objects per
// thousand streams (docs/performance.md, "The stream index out of
// blocks"). The blocks are only ever appended to, under ix.mu: a name or
// a streamIndex handed out never moves, and entries handed out have
// their capacity clipped, so a stream that grows moves out by append.
type arena struct {
	names   []byte
	streams []streamIndex
	ents    []entry
}

// Block sizes: a name block holds ≈ 2 000 reservation streams' names.
const (
	arenaNameBlock   = 64 << 10
	arenaStreamBlock = 1024
	arenaEntryBlock  = 4096
)

// name returns a copy of s kept in the arena.
func (a *arena) name(s string) string {
	if len(s) == 0 || len(s) > arenaNameBlock/16 {
		return strings.Clone(s) // a copy: the caller's string is not kept
	}
	if cap(a.names)-len(a.names) < len(s) {
		a.names = make([]byte, 0, arenaNameBlock)
	}
	off := len(a.names)
	a.names = append(a.names, s...)
	return unsafe.String(&a.names[off], len(s))
}

// stream returns a new, empty streamIndex.
func (a *arena) stream() *streamIndex {
	if len(a.streams) == cap(a.streams) {
		a.streams = make([]streamIndex, 0, arenaStreamBlock)
	}
	a.streams = a.streams[:len(a.streams)+1]
	return &a.streams[len(a.streams)-1]
}

// entries returns an empty slice with room for n entries.
func (a *arena) entries(n int) []entry {
	if n > arenaEntryBlock/64 {
		return make([]entry, 0, n)
	}
	if cap(a.ents)-len(a.ents) < n {
		a.ents = make([]entry, 0, arenaEntryBlock)
	}
	i := len(a.ents)
	a.ents = a.ents[:i+n]
	return a.ents[i : i : i+n]
}

// newStream adds an empty stream named name, with room for n entries.
func (ix *index) newStream(name string, n int) *streamIndex {
	st := ix.arena.stream()
	st.entries = ix.arena.entries(n)
	ix.streams[ix.arena.name(name)] = st
	return st
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
		st = ix.newStream(unsafe.String(unsafe.SliceData(name), len(name)), 1) // copied
	}
	if rev != uint64(len(st.entries)) {
		return false
	}
	st.entries = append(st.entries, entry{pos: pos, id: [16]byte(id)})
	st.committed = len(st.entries)
	ix.locs = append(ix.locs, l)
	return true
}
