package seglog

import (
	"encoding/binary"
	"fmt"
	"hash/crc32"

	"github.com/fapiao/fapiao/eventstore"
)

// On disk a segment is a file header followed by groups, each the events of
// one commit:
//
//	file header  magic "FAPIAOSL" | version u32 | zero u32        (16 bytes)
//	group header length u32 | first position u64 | count u32 |
//	             payload CRC32C u32 | header CRC32C u32            (24 bytes)
//	payload      count records, each uvarint length ‖ body, zero-padded to 8
//	record body  stream | revision | event ID | type | data | metadata
//
// A group is the unit of durability: it is written with one write and made
// durable with one fdatasync, and recovery keeps or drops it whole, so the
// events of one append (always in one group) are never half there. The
// header has its own checksum so that a damaged payload still tells how long
// the group was, and recovery can tell a torn tail from damage in the middle.
// Positions are implicit (first position + index in the group) and
// contiguous from 1 across the whole log.
const (
	fileMagic     = "FAPIAOSL"
	formatVersion = 1
	fileHeaderLen = 16
	groupHeadLen  = 24
	groupAlign    = 8
)

var crcTable = crc32.MakeTable(crc32.Castagnoli)

// ErrCorrupt says the log holds damaged data that is not a torn final write:
// something the store acknowledged is no longer readable as written. It
// wraps eventstore.ErrCorrupt, as every store's damage does.
var ErrCorrupt = fmt.Errorf("seglog: corrupt log: %w", eventstore.ErrCorrupt)

type groupHeader struct {
	length uint32 // payload bytes, padding excluded
	first  uint64
	count  uint32
	crc    uint32 // of the payload
}

func (h groupHeader) appendTo(b []byte) []byte {
	start := len(b)
	b = binary.LittleEndian.AppendUint32(b, h.length)
	b = binary.LittleEndian.AppendUint64(b, h.first)
	b = binary.LittleEndian.AppendUint32(b, h.count)
	b = binary.LittleEndian.AppendUint32(b, h.crc)
	return binary.LittleEndian.AppendUint32(b, crc32.Checksum(b[start:], crcTable))
}

// parseGroupHeader decodes a header; ok is false when its checksum fails.
func parseGroupHeader(b []byte) (h groupHeader, ok bool) {
	if len(b) < groupHeadLen {
		return h, false
	}
	if crc32.Checksum(b[:20], crcTable) != binary.LittleEndian.Uint32(b[20:24]) {
		return h, false
	}
	h.length = binary.LittleEndian.Uint32(b[0:])
	h.first = binary.LittleEndian.Uint64(b[4:])
	h.count = binary.LittleEndian.Uint32(b[12:])
	h.crc = binary.LittleEndian.Uint32(b[16:])
	return h, h.count > 0
}

// groupSpan is the bytes a group takes with its header and padding.
func groupSpan(length uint32) int64 {
	n := int64(groupHeadLen) + int64(length)
	return (n + groupAlign - 1) &^ (groupAlign - 1)
}

func appendFileHeader(b []byte) []byte {
	b = append(b, fileMagic...)
	b = binary.LittleEndian.AppendUint32(b, formatVersion)
	return binary.LittleEndian.AppendUint32(b, 0)
}

func validFileHeader(b []byte) bool {
	return len(b) >= fileHeaderLen && string(b[:8]) == fileMagic &&
		binary.LittleEndian.Uint32(b[8:]) == formatVersion
}

// appendRecord appends one framed record (uvarint length ‖ body).
func appendRecord(b []byte, stream string, revision uint64, e *eventstore.EventData) []byte {
	n := recordBodyLen(stream, revision, e)
	b = binary.AppendUvarint(b, uint64(n))
	b = appendBytes(b, stream)
	b = binary.AppendUvarint(b, revision)
	b = append(b, e.ID[:]...)
	b = appendBytes(b, e.Type)
	b = appendBytes(b, e.Data)
	return appendBytes(b, e.Metadata)
}

func recordBodyLen(stream string, revision uint64, e *eventstore.EventData) int {
	return bytesLen(len(stream)) + uvarintLen(revision) + 16 +
		bytesLen(len(e.Type)) + bytesLen(len(e.Data)) + bytesLen(len(e.Metadata))
}

func bytesLen(n int) int { return uvarintLen(uint64(n)) + n }

func uvarintLen(v uint64) int {
	n := 1
	for v >= 0x80 {
		v >>= 7
		n++
	}
	return n
}

func appendBytes[S ~string | ~[]byte](b []byte, s S) []byte {
	b = binary.AppendUvarint(b, uint64(len(s)))
	return append(b, s...)
}

// decodeRecord decodes a record body. The record's byte slices alias body:
// callers pass a buffer they do not reuse. Stream and type names go
// through in, so a chunk of records shares one string per name.
func decodeRecord(pos eventstore.Position, body []byte, in interner) (eventstore.Record, bool) {
	d := decoder{buf: body}
	r := eventstore.Record{Position: pos}
	r.Stream = in.get(d.bytes())
	r.Revision = d.uvarint()
	copy(r.ID[:], d.take(16))
	r.Type = in.get(d.bytes())
	r.Data = d.bytes()
	r.Metadata = d.bytes()
	if d.bad || len(d.buf) != 0 {
		return eventstore.Record{}, false
	}
	return r, true
}

// interner hands out one string per distinct name: a replay reads
// thousands of records of a few types and streams, and a string each was
// half of its allocations.
type interner map[string]string

func (in interner) get(b []byte) string {
	if s, ok := in[string(b)]; ok { // no allocation for the lookup
		return s
	}
	s := string(b)
	if len(in) < 4096 {
		in[s] = s
	}
	return s
}

type decoder struct {
	buf []byte
	bad bool
}

func (d *decoder) uvarint() uint64 {
	v, n := binary.Uvarint(d.buf)
	if n <= 0 {
		d.bad = true
		return 0
	}
	d.buf = d.buf[n:]
	return v
}

func (d *decoder) take(n uint64) []byte {
	if d.bad || uint64(len(d.buf)) < n {
		d.bad = true
		return nil
	}
	b := d.buf[:n:n]
	d.buf = d.buf[n:]
	return b
}

func (d *decoder) bytes() []byte { return d.take(d.uvarint()) }

// splitRecords walks a group's payload and calls visit with each record's
// offset in the payload and its body. It reports false if the payload does
// not hold exactly count well-formed frames.
func splitRecords(payload []byte, count uint32, visit func(off int, body []byte) bool) bool {
	off := 0
	for range count {
		n, k := binary.Uvarint(payload[off:])
		if k <= 0 || n > uint64(len(payload)-off-k) {
			return false
		}
		body := payload[off+k : off+k+int(n)]
		if !visit(off+k, body) {
			return false
		}
		off += k + int(n)
	}
	return off == len(payload)
}
