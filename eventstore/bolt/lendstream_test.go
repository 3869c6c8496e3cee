package bolt_test

import (
	"bytes"
	"errors"
	"fmt"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/fapiao/fapiao/eventstore"
)

// TestLendStreamReadsWhatReadStreamReads: each stream's lent records,
// copied inside fn, are ReadStream's, across chunks and across pages read
// with pread (small records many to a leaf, large ones on overflow pages,
// a log with branch pages), up to the position asked for; StreamNames lists
// the streams of a prefix in order, page by page; a stream with no head
// is ErrStreamNotFound.
func TestLendStreamReadsWhatReadStreamReads(t *testing.T) {
	s := open(t, filepath.Join(t.TempDir(), "fapiao.db"))
	defer s.Close()
	streams := []string{"account-a", "account-b", "account-c", "other", "account-", "accountx"}
	for i := range 40 {
		batch := make([]eventstore.EventData, 100)
		for j := range batch {
			batch[j] = event(i*100 + j)
		}
		_, err := s.Append(t.Context(), streams[i%len(streams)], eventstore.Any, batch...)
		require.NoError(t, err)
		if i%9 == 4 {
			e := event(i)
			e.Data = []byte(fmt.Sprintf(`{"big":%q}`, strings.Repeat("x", 20000+i)))
			_, err := s.Append(t.Context(), "account-b", eventstore.Any, e)
			require.NoError(t, err)
		}
	}
	var names []string
	for after := ""; ; {
		page, err := s.StreamNames(t.Context(), "account-", after, 2)
		require.NoError(t, err)
		if len(page) == 0 {
			break
		}
		names = append(names, page...)
		after = page[len(page)-1]
	}
	require.Equal(t, []string{"account-", "account-a", "account-b", "account-c"}, names)

	last := s.LastPosition()
	for _, upTo := range []eventstore.Position{last, last / 2, 1} {
		for _, stream := range streams {
			var want []eventstore.Record
			for r, err := range s.ReadStream(t.Context(), stream, 0) {
				require.NoError(t, err)
				if r.Position <= upTo {
					want = append(want, r)
				}
			}
			var got []eventstore.Record
			var buf []eventstore.Record
			err := s.LendStream(t.Context(), stream, upTo, buf, func(chunk []eventstore.Record) error {
				for _, r := range chunk {
					r.Data, r.Metadata = bytes.Clone(r.Data), bytes.Clone(r.Metadata)
					got = append(got, r)
				}
				return nil
			})
			require.NoError(t, err)
			require.Equal(t, len(want), len(got), "%s up to %d", stream, upTo)
			for i := range want {
				require.Equal(t, want[i], got[i], "%s up to %d", stream, upTo)
			}
		}
	}
	require.ErrorIs(t, s.LendStream(t.Context(), "account-none", last, nil, func([]eventstore.Record) error { return nil }), eventstore.ErrStreamNotFound)
	stop := errors.New("stop")
	require.ErrorIs(t, s.LendStream(t.Context(), "account-a", last, nil, func([]eventstore.Record) error { return stop }), stop)
}
