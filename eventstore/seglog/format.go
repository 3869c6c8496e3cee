package seglog

import (
	"encoding/binary"
	"fmt"
	"hash/crc32"

	"github.com/fapiao/fapiao/eventstore"
	"github.com/fapiao/fapiao/eventstore/internal/lenprefix"
)

// On disk a segment is a file header followed by groups, each the events of
// one commit:
//
//	file header  magic "FAPIAOSL" | version u32 | zero u32        (16 bytes)
//	group header length u32 | first position u64 | count u32 |
//	             payload CRC32C u32 | header CRC32C u32            (24 bytes)
//	payload      count records, each uvarint length ‖ body, zero-padded to 8
//	record body  stream | revision | event ID | tail
//	tail         version 1: type | data | metadata
//	             version 2: kind byte, then as version 1 (kindRaw) or
//	             the envelope codec's tokens (kindEnvelope; codec.go)
//	             version 3: as version 2, or a statement's form
//	             (kindStatement; codec.go)
//
// A segment's records are all of its header's version. Older segments
// stay readable; a writer opening a log whose last segment is of an older
// version starts a segment of this one for its appends (so a build that
// knows only version 2 never meets a record of kind kindStatement).
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
	formatVersion = 3
	// rawVersion is the first format: records without a kind byte.
	rawVersion = 1
	// tokensVersion is the second: kindRaw or kindEnvelope records.
	tokensVersion = 2
	fileHeaderLen = 16
	groupHeadLen  = 24
	groupAlign    = 8
)

// FormatVersion is the version of the segments this build writes.
const FormatVersion = formatVersion

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

// fileVersion returns a segment header's format version, or 0 if b is not
// the header of a version this build reads.
func fileVersion(b []byte) uint32 {
	if len(b) < fileHeaderLen || string(b[:8]) != fileMagic {
		return 0
	}
	switch v := binary.LittleEndian.Uint32(b[8:]); v {
	case rawVersion, tokensVersion, formatVersion:
		return v
	}
	return 0
}

// appendRecord appends one framed record (uvarint length ‖ body) whose
// tail (appendTail's) is already encoded.
func appendRecord(b []byte, stream string, revision uint64, id *[16]byte, tail []byte) []byte {
	n := recordBodyLen(stream, revision, tail)
	b = binary.AppendUvarint(b, uint64(n))
	b = lenprefix.AppendBytes(b, stream)
	b = binary.AppendUvarint(b, revision)
	b = append(b, id[:]...)
	return append(b, tail...)
}

func recordBodyLen(stream string, revision uint64, tail []byte) int {
	return bytesLen(len(stream)) + uvarintLen(revision) + 16 + len(tail)
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

// appendRecordBytes copies a raw record's data and metadata to the end of
// arena and returns the two copies (each capped at its length) with the
// grown arena.
func appendRecordBytes(arena, data, meta []byte) (d, m, grown []byte) {
	a := len(arena)
	arena = append(append(arena, data...), meta...)
	b := a + len(data)
	return arena[a:b:b], arena[b:len(arena):len(arena)], arena
}

// decodeRecord decodes a record body of a segment of version ver,
// appending its data and metadata to arena and returning the longer arena:
// the record's byte slices alias arena, never body, so a reader may reuse
// its read buffer but must not reuse an arena. Stream and type names go
// through in, so a chunk of records shares one string per name.
func decodeRecord(pos eventstore.Position, body []byte, ver uint32, in *interner, arena []byte) (eventstore.Record, []byte, bool) {
	d := lenprefix.Decoder{Buf: body}
	r := eventstore.Record{Position: pos}
	stream := d.Bytes()
	r.Stream = in.get(stream)
	r.Revision = d.Uvarint()
	copy(r.ID[:], d.Take(16))
	if d.Bad {
		return eventstore.Record{}, arena, false
	}
	kind := byte(kindRaw)
	if ver != rawVersion {
		k := d.Take(1)
		if d.Bad {
			return eventstore.Record{}, arena, false
		}
		kind = k[0]
	}
	switch kind {
	case kindRaw:
		r.Type = in.get(d.Bytes())
		data, meta := d.Bytes(), d.Bytes()
		if d.Bad || len(d.Buf) != 0 {
			return eventstore.Record{}, arena, false
		}
		r.Data, r.Metadata, arena = appendRecordBytes(arena, data, meta)
		return r, arena, true
	case kindEnvelope:
		td := tailDecoder{stream: stream}
		out, typ, data, meta, ok := td.decode(arena, d.Buf, true)
		if !ok {
			return eventstore.Record{}, arena, false
		}
		r.Type, r.Data, r.Metadata = in.get(typ), data, meta
		return r, out, true
	case kindStatement:
		if ver < formatVersion {
			return eventstore.Record{}, arena, false
		}
		out, data, meta, ok := decodeStatement(arena, stream, d.Buf, true)
		if !ok {
			return eventstore.Record{}, arena, false
		}
		r.Type, r.Data, r.Metadata = statementType, data, meta
		return r, out, true
	}
	return eventstore.Record{}, arena, false
}

// interner hands out one string per distinct name: a replay reads
// thousands of records of a few types and streams, and a string each was
// half of its allocations.
type interner struct {
	names map[string]string
}

func newInterner() *interner { return &interner{names: make(map[string]string)} }

func (in *interner) get(b []byte) string {
	if s, ok := in.names[string(b)]; ok { // no allocation for the lookup
		return s
	}
	s := string(b)
	if len(in.names) < 4096 {
		in.names[s] = s
	}
	return s
}

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
