package bolt

import (
	"bytes"
	"fmt"
	"testing"
	"unsafe"

	"github.com/google/uuid"
	"github.com/stretchr/testify/require"

	"github.com/fapiao/fapiao/eventstore"
)

// TestChunkDecoderRecordsOwnTheirBytes decodes records of every size class
// into one chunk and checks that each round-trips, that none shares bytes
// with the encoded value (bbolt's memory), and that appending to one
// record's Data or Metadata never writes into another's.
func TestChunkDecoderRecordsOwnTheirBytes(t *testing.T) {
	tests := []struct {
		name       string
		data, meta int
	}{
		{"empty", 0, 0},
		{"small", 300, 120},
		{"no metadata", 50, 0},
		{"a block's worth", slabBlock - 10, 5},
		{"own allocation", slabOwn, 1},
		{"small after large", 7, 3},
	}
	var dec chunkDecoder
	var got []eventstore.Record
	for i, tc := range tests {
		e := eventstore.EventData{
			ID:       uuid.New(),
			Type:     []string{"A", "B"}[i%2],
			Data:     bytes.Repeat([]byte{byte('a' + i)}, tc.data),
			Metadata: bytes.Repeat([]byte{byte('A' + i)}, tc.meta),
		}
		v := appendRecord(nil, "account-1", uint64(i), &e)
		r, err := dec.decode(eventstore.Position(i+1), v)
		require.NoError(t, err, tc.name)
		require.Equal(t, eventstore.Record{Position: eventstore.Position(i + 1), Stream: "account-1", Revision: uint64(i),
			ID: e.ID, Type: e.Type, Data: e.Data, Metadata: e.Metadata}, r, tc.name)
		require.NotNil(t, r.Data, tc.name)
		require.NotNil(t, r.Metadata, tc.name)
		clear(v) // as if bbolt reused the page
		got = append(got, r)
	}
	for i, r := range got {
		tc := tests[i]
		require.Equal(t, bytes.Repeat([]byte{byte('a' + i)}, tc.data), []byte(r.Data), tc.name)
		// Appends must reallocate, not write past the record's end.
		_ = append(r.Data, '!')
		_ = append(r.Metadata, '!')
	}
	for i, r := range got {
		tc := tests[i]
		require.Equal(t, bytes.Repeat([]byte{byte('a' + i)}, tc.data), []byte(r.Data), tc.name)
		require.Equal(t, bytes.Repeat([]byte{byte('A' + i)}, tc.meta), []byte(r.Metadata), tc.name)
	}
}

func TestChunkDecoderCorrupt(t *testing.T) {
	e := eventstore.EventData{ID: uuid.New(), Type: "T", Data: []byte(`{}`), Metadata: []byte(`{}`)}
	v := appendRecord(nil, "s", 0, &e)
	for _, bad := range [][]byte{nil, {recordVersion + 1}, v[:len(v)-1]} {
		var dec chunkDecoder
		_, err := dec.decode(1, bad)
		require.ErrorIs(t, err, errCorrupt)
	}
}

// TestChunkDecoderBlocksGrow: a read of a few small records (a live
// subscription's, after each commit) takes a small block, and the blocks
// of a long read double up to slabBlock.
func TestChunkDecoderBlocksGrow(t *testing.T) {
	e := eventstore.EventData{ID: uuid.New(), Type: "T", Data: bytes.Repeat([]byte{'d'}, 700), Metadata: bytes.Repeat([]byte{'m'}, 200)}
	v := appendRecord(nil, "account-1", 0, &e)
	var dec chunkDecoder
	for i := range 3 {
		_, err := dec.decode(eventstore.Position(i+1), v)
		require.NoError(t, err)
	}
	require.Equal(t, slabFirst, dec.last, "three small records")
	for i := range 2000 {
		_, err := dec.decode(eventstore.Position(i+4), v)
		require.NoError(t, err)
	}
	require.Equal(t, slabBlock, dec.last, "a long read")
}

// TestTypeNamesShared: two chunk decoders (two streams' reads) give the
// same type name the same string, made once; past maxTypes names are still
// given right, each its own.
func TestTypeNamesShared(t *testing.T) {
	var a, b chunkDecoder
	x, y := a.typeName([]byte("SharedTypeNameTest")), b.typeName([]byte("SharedTypeNameTest"))
	require.Equal(t, "SharedTypeNameTest", x)
	require.Same(t, unsafe.StringData(x), unsafe.StringData(y))
	for i := range 2 * maxTypes {
		name := fmt.Sprintf("Type%d", i)
		require.Equal(t, name, b.typeName([]byte(name)))
		require.Equal(t, name, sharedTypeName([]byte(name)))
	}
	require.LessOrEqual(t, len(*typeNames.Load()), maxTypes)
}
