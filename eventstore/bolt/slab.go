package bolt

import (
	"sync/atomic"

	"github.com/fapiao/fapiao/eventstore"
	"github.com/fapiao/fapiao/eventstore/internal/lenprefix"
)

// A chunk's records are copied out of the mapped file into a few large
// blocks rather than one allocation per record: a replay allocates the same
// bytes, but a thousand times fewer objects. Records still own their bytes
// after the read moves on (the Store contract); the price is that a caller
// keeping one record's Data keeps its block alive, at most slabBlock bytes.
const (
	slabBlock = 128 << 10
	// slabOwn is the size from which a record's bytes get an allocation of
	// their own, so that a large record neither wastes a block's tail nor
	// pins a block's worth of neighbours.
	slabOwn = slabBlock / 4
	// slabFirst is a read's first block; each next one is twice the last,
	// up to slabBlock. A live subscription reads the few records of each
	// commit: a whole slabBlock for each such read was most of the bytes
	// the server allocated under a stream of commands (docs/performance.md,
	// issue 16).
	slabFirst = 4 << 10
)

// chunkDecoder decodes the records of one chunk. It is used inside a single
// read transaction and is not safe for concurrent use.
type chunkDecoder struct {
	// lend leaves Data and Metadata in the mapped file (Store.LendAll)
	// instead of copying them out.
	lend  bool
	block []byte // the free tail of the current block
	last  int    // the size of the last block made (slabFirst)
	// Stream names repeat within a chunk (a stream read is all one
	// stream): each is made into a string once a chunk. Type names are
	// made once (typeNames).
	stream string
	sink   byte // the bytes touched by lent reads, so they are read
}

// pageStride is no more than any page size bbolt maps.
const pageStride = 1 << 10

// maxTypes bounds the type names kept (typeNames); past it, types are
// made a string a record.
const maxTypes = 64

// alloc returns n bytes that belong to the chunk.
func (c *chunkDecoder) alloc(n int) []byte {
	if n == 0 || n >= slabOwn {
		return make([]byte, n) // n == 0: non-nil and empty, without allocating
	}
	if len(c.block) < n {
		size := min(max(2*c.last, slabFirst), slabBlock)
		for size < n { // n < slabOwn: size stays within slabBlock
			size *= 2
		}
		c.block = make([]byte, size)
		c.last = size
	}
	b := c.block[:n:n]
	c.block = c.block[n:]
	return b
}

func (c *chunkDecoder) streamName(b []byte) string {
	if c.stream != string(b) { // compares without allocating
		c.stream = string(b)
	}
	return c.stream
}

func (c *chunkDecoder) typeName(b []byte) string { return sharedTypeName(b) }

// typeNames are the event types' names made so far, shared by every
// chunkDecoder (at most maxTypes; a new list replaces the old): a
// per-stream read (LendStream) decodes a chunk a stream, and making each
// of its types' names anew was ≈ 170 000 strings at a million events.
var typeNames atomic.Pointer[[]string]

// sharedTypeName is b as a string, typeNames' if it holds it.
func sharedTypeName(b []byte) string {
	old := typeNames.Load()
	if old != nil {
		for _, t := range *old {
			if t == string(b) {
				return t
			}
		}
	}
	t := string(b)
	if old == nil || len(*old) < maxTypes {
		var names []string
		if old != nil {
			names = append(names, *old...)
		}
		names = append(names, t)
		typeNames.CompareAndSwap(old, &names) // another decoder's list may have won: t is still right
	}
	return t
}

// decode decodes a log value. It copies what it keeps: bbolt's memory is
// only valid inside the transaction.
func (c *chunkDecoder) decode(pos eventstore.Position, v []byte) (eventstore.Record, error) {
	r := eventstore.Record{Position: pos}
	if len(v) == 0 || v[0] != recordVersion {
		return r, errCorrupt
	}
	d := lenprefix.Decoder{Buf: v[1:]}
	stream := d.Bytes()
	r.Revision = d.Uvarint()
	id := d.Take(16)
	typ := d.Bytes()
	data, meta := d.Bytes(), d.Bytes()
	if d.Bad || len(d.Buf) != 0 { // a record is exactly its fields: anything else is a damaged length
		return r, errCorrupt
	}
	r.Stream = c.streamName(stream)
	copy(r.ID[:], id)
	r.Type = c.typeName(typ)
	if c.lend {
		// Each page the record lies on is read here, under the fault
		// guard: the caller reads the bytes outside it.
		for i := 0; i < len(v); i += pageStride {
			c.sink ^= v[i]
		}
		c.sink ^= v[len(v)-1]
		r.Data = data[:len(data):len(data)]
		r.Metadata = meta[:len(meta):len(meta)]
		return r, nil
	}
	// Data and metadata share one allocation; the capacity of Data ends
	// where Metadata begins, so an append to Data cannot overwrite it.
	both := c.alloc(len(data) + len(meta))
	copy(both, data)
	copy(both[len(data):], meta)
	r.Data = both[:len(data):len(data)]
	r.Metadata = both[len(data):]
	return r, nil
}
