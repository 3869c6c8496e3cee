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

// TestLendAllReadsWhatReadAllReads: the lent records, copied inside fn,
// are ReadAll's from any position, across chunk boundaries (by count and
// by bytes); fn's error ends the read and comes back as it is.
func TestLendAllReadsWhatReadAllReads(t *testing.T) {
	s := open(t, filepath.Join(t.TempDir(), "fapiao.db"))
	defer s.Close()
	// 2 500 small events (three chunks by count), then a few large ones
	// (chunks by bytes).
	for i := range 25 {
		batch := make([]eventstore.EventData, 100)
		for j := range batch {
			batch[j] = event(i*100 + j)
		}
		_, err := s.Append(t.Context(), fmt.Sprintf("s-%d", i%3), eventstore.Any, batch...)
		require.NoError(t, err)
	}
	for i := range 6 {
		e := event(i)
		e.Data = []byte(fmt.Sprintf(`{"big":%q}`, strings.Repeat("x", 1<<20)))
		_, err := s.Append(t.Context(), "big", eventstore.Any, e)
		require.NoError(t, err)
	}
	for _, after := range []eventstore.Position{0, 1, 999, 1000, 2499, 2503, s.LastPosition()} {
		var want []eventstore.Record
		for r, err := range s.ReadAll(t.Context(), after) {
			require.NoError(t, err)
			want = append(want, r)
		}
		var got []eventstore.Record
		chunks := 0
		err := s.LendAll(t.Context(), after, func(chunk []eventstore.Record) error {
			chunks++
			for _, r := range chunk {
				r.Data, r.Metadata = bytes.Clone(r.Data), bytes.Clone(r.Metadata)
				got = append(got, r)
			}
			return nil
		})
		require.NoError(t, err)
		require.Equal(t, len(want), len(got), "after %d", after)
		for i := range want {
			require.Equal(t, want[i].Position, got[i].Position)
			require.Equal(t, want[i].Stream, got[i].Stream)
			require.Equal(t, want[i].Revision, got[i].Revision)
			require.Equal(t, want[i].ID, got[i].ID)
			require.Equal(t, want[i].Type, got[i].Type)
			require.Equal(t, []byte(want[i].Data), []byte(got[i].Data))
			require.Equal(t, []byte(want[i].Metadata), []byte(got[i].Metadata))
		}
		if after == 0 {
			require.Greater(t, chunks, 3, "read in chunks")
		}
	}
	stop := errors.New("enough")
	calls := 0
	err := s.LendAll(t.Context(), 0, func([]eventstore.Record) error {
		calls++
		return stop
	})
	require.ErrorIs(t, err, stop)
	require.Equal(t, 1, calls)
	require.NoError(t, s.Close())
	require.ErrorIs(t, s.LendAll(t.Context(), 0, func([]eventstore.Record) error { return nil }), eventstore.ErrClosed)
}
