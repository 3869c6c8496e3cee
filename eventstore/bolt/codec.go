package bolt

import (
	"encoding/binary"
	"fmt"

	"github.com/fapiao/fapiao/eventstore"
	"github.com/fapiao/fapiao/eventstore/internal/lenprefix"
)

// Bucket names. The log is the truth; the other buckets are indexes kept in
// the same transaction so they can never disagree with it.
var (
	bucketLog   = []byte("log")   // position (8 bytes BE) -> encoded record
	bucketRevs  = []byte("revs")  // stream prefix ‖ revision (8 bytes BE) -> position ‖ event ID (16 bytes)
	bucketHeads = []byte("heads") // stream -> last revision (8 bytes BE)
)

// revValueLen is the length of a bucketRevs value: position and event ID.
// Keeping the ID there lets the idempotency check read only the index.
const revValueLen = 8 + 16

// recordVersion prefixes every encoded record so the layout can change later
// without guessing what an old file holds.
const recordVersion = 1

// errCorrupt is a record or index entry that cannot be decoded.
var errCorrupt = fmt.Errorf("bolt: undecodable record (%w)", eventstore.ErrCorrupt)

// appendUint64 appends v big-endian, so that byte order is numeric order.
func appendUint64(b []byte, v uint64) []byte { return binary.BigEndian.AppendUint64(b, v) }

// appendStreamPrefix appends the prefix of a stream's keys in bucketRevs. The
// length comes first so that no stream's prefix is a prefix of another's.
func appendStreamPrefix(b []byte, stream string) []byte {
	b = binary.AppendUvarint(b, uint64(len(stream)))
	return append(b, stream...)
}

// appendRecord encodes everything of a record but its position, which is
// its key in the log.
func appendRecord(b []byte, stream string, revision uint64, e *eventstore.EventData) []byte {
	b = append(b, recordVersion)
	b = lenprefix.AppendBytes(b, stream)
	b = binary.AppendUvarint(b, revision)
	b = append(b, e.ID[:]...)
	b = lenprefix.AppendBytes(b, e.Type)
	b = lenprefix.AppendBytes(b, e.Data)
	b = lenprefix.AppendBytes(b, e.Metadata)
	return b
}
