package bolt_test

import (
	"context"
	"encoding/binary"
	"fmt"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/fapiao/fapiao/eventstore"
	"github.com/fapiao/fapiao/eventstore/bolt"
	"github.com/fapiao/fapiao/eventstore/storetest"
)

// bbolt's meta pages are pages 0 and 1; each holds its transaction ID at
// this offset (16-byte page header, then magic, version, page size, flags,
// root bucket, freelist and high-water page IDs).
const (
	metaPageSizeOffset = 16 + 8
	metaTxIDOffset     = 16 + 4 + 4 + 4 + 4 + 16 + 8 + 8
)

// tornFiles writes a store with 20 committed appends, copies the file
// (before), commits one more append and closes (after).
func tornFiles(t *testing.T) (before, after []byte) {
	t.Helper()
	path := filepath.Join(t.TempDir(), "x.db")
	s, err := bolt.Open(path)
	require.NoError(t, err)
	ctx := context.Background()
	for i := range 20 {
		_, err := s.Append(ctx, fmt.Sprintf("account-%d", i%3), eventstore.Any, storetest.Events(3, "old")...)
		require.NoError(t, err)
	}
	require.NoError(t, s.Close())
	before, err = os.ReadFile(path)
	require.NoError(t, err)
	s, err = bolt.Open(path)
	require.NoError(t, err)
	// A large last commit, so that it needs new pages and grows the file.
	_, err = s.Append(ctx, "account-last", eventstore.Any, storetest.Events(200, "last")...)
	require.NoError(t, err)
	require.NoError(t, s.Close())
	after, err = os.ReadFile(path)
	require.NoError(t, err)
	return before, after
}

func metaTxID(file []byte, page int) uint64 {
	size := int(binary.LittleEndian.Uint32(file[metaPageSizeOffset:]))
	return binary.LittleEndian.Uint64(file[page*size+metaTxIDOffset:])
}

// openAndCount opens the file and counts its events; it also checks that
// the store takes a new append.
func openAndCount(t *testing.T, file []byte) (int, error) {
	t.Helper()
	path := filepath.Join(t.TempDir(), "torn.db")
	require.NoError(t, os.WriteFile(path, file, 0o600))
	s, err := bolt.Open(path)
	if err != nil {
		return 0, err
	}
	defer s.Close()
	n := 0
	for _, err := range s.ReadAll(context.Background(), eventstore.Start) {
		if err != nil {
			return n, err
		}
		n++
	}
	if _, err := s.Append(context.Background(), "account-new", eventstore.Any, storetest.Events(1, "new")...); err != nil {
		return n, fmt.Errorf("append after reopening: %w", err)
	}
	return n, nil
}

// TestTornLastCommit simulates crashes that tear the last commit of a
// closed file. bbolt writes data pages, fsyncs, then writes the meta page
// and fsyncs again; a torn commit therefore leaves either the old meta
// page, a meta page whose checksum fails, or a file cut short.
func TestTornLastCommit(t *testing.T) {
	const oldEvents, allEvents = 60, 260
	before, after := tornFiles(t)
	require.Greater(t, len(after), len(before), "the last commit grew the file")
	pageSize := int(binary.LittleEndian.Uint32(after[metaPageSizeOffset:]))
	newest := 0
	if metaTxID(after, 1) > metaTxID(after, 0) {
		newest = 1
	}

	cases := []struct {
		name    string
		file    func() []byte
		want    int  // events served after reopening
		openErr bool // the store refuses to open
	}{
		{"intact", func() []byte { return after }, allEvents, false},
		{"meta page of the last commit never written", func() []byte {
			f := append([]byte(nil), after...)
			copy(f[:2*pageSize], before[:2*pageSize])
			return f
		}, oldEvents, false},
		{"meta page of the last commit half written", func() []byte {
			f := append([]byte(nil), after...)
			off := newest*pageSize + metaTxIDOffset - 8 // from the high-water mark on: garbage
			for i := off; i < newest*pageSize+pageSize/2; i++ {
				f[i] = 0xA5
			}
			return f
		}, oldEvents, false},
		{"file cut back to its size before the last commit, meta not written", func() []byte {
			f := append([]byte(nil), after[:len(before)]...)
			copy(f[:2*pageSize], before[:2*pageSize])
			return f
		}, oldEvents, false},
		{"garbage appended after the last page", func() []byte {
			f := append([]byte(nil), after...)
			for range 3 * pageSize {
				f = append(f, 0x5A)
			}
			return f
		}, allEvents, false},
		{"both meta pages destroyed", func() []byte {
			f := append([]byte(nil), after...)
			for i := 16; i < 2*pageSize; i++ {
				f[i] = 0xFF
			}
			return f
		}, 0, true},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			n, err := openAndCount(t, tc.file())
			if tc.openErr {
				require.Error(t, err, "a file with no valid meta page is refused, not served")
				t.Logf("refused with: %v", err)
				return
			}
			require.NoError(t, err)
			require.Equal(t, tc.want, n)
		})
	}
}
