package seglog_test

import (
	"encoding/binary"
	"encoding/json"
	"hash/crc32"
	"os"
	"path/filepath"
	"testing"

	"github.com/google/uuid"
	"github.com/stretchr/testify/require"

	"github.com/fapiao/fapiao/eventstore"
	"github.com/fapiao/fapiao/eventstore/seglog"
)

// TestCheckDecodesEveryRecord: a record whose group checksum holds but
// which does not decode (damage written by a bug, not by the disk) is
// found by the full check, and a read of it fails as corruption instead
// of returning other bytes.
func TestCheckDecodesEveryRecord(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "log")
	s := open(t, dir, seglog.Options{SegmentBytes: 1 << 20})
	_, err := s.Append(t.Context(), "s", eventstore.NoStream, eventstore.EventData{ID: uuid.New(), Type: "InvoiceApproved",
		Data:     json.RawMessage(`{"invoice_id":"dc6ed7f9-26d9-581c-a7eb-45e6e5bb7f9e","approved_at":"2026-03-10T10:00:00+08:00"}`),
		Metadata: json.RawMessage(`{"hash":"ebe049cc21340c34550cba99c2cbc36de735821ee0ad9a69b4477f9f3155ead7"}`)})
	require.NoError(t, err)
	require.NoError(t, s.Close())
	rep, err := seglog.Check(dir)
	require.NoError(t, err)
	require.Empty(t, rep.Problems)

	seg := filepath.Join(dir, "00000000000000000001.seg")
	b, err := os.ReadFile(seg)
	require.NoError(t, err)
	// payload: uvarint length, uvarint 1, "s", revision 0, 16-byte ID, kind
	payload := b[16+24 : 16+24+binary.LittleEndian.Uint32(b[16:])]
	require.Equal(t, byte(1), payload[20], "an envelope record")
	payload[21] = 0xFF // not a token
	table := crc32.MakeTable(crc32.Castagnoli)
	binary.LittleEndian.PutUint32(b[16+16:], crc32.Checksum(payload, table))
	binary.LittleEndian.PutUint32(b[16+20:], crc32.Checksum(b[16:16+20], table))
	require.NoError(t, os.WriteFile(seg, b, 0o600))

	rep, err = seglog.Check(dir)
	require.NoError(t, err)
	require.Len(t, rep.Problems, 1)
	require.Contains(t, rep.Problems[0].What, "does not decode")
	ro := open(t, dir, seglog.Options{ReadOnly: true})
	defer ro.Close()
	for _, err := range ro.ReadAll(t.Context(), eventstore.Start) {
		require.ErrorIs(t, err, seglog.ErrCorrupt)
	}
}
