package seglog_test

import (
	"errors"
	"fmt"
	"testing"

	"github.com/google/uuid"
	"github.com/stretchr/testify/require"

	"github.com/fapiao/fapiao/eventstore"
)

// TestLendStreamReadsWhatReadStreamReads: each stream's records handed
// out a chunk at a time are ReadStream's, up to the position asked for;
// StreamNames lists the streams of a prefix in order, page by page.
func TestLendStreamReadsWhatReadStreamReads(t *testing.T) {
	s := open(t, t.TempDir())
	defer s.Close()
	streams := []string{"account-a", "account-b", "other", "account-", "accountx"}
	for i := range 30 {
		batch := make([]eventstore.EventData, 100)
		for j := range batch {
			batch[j] = eventstore.EventData{ID: uuid.New(), Type: "T", Data: []byte(fmt.Sprintf(`{"n":%d}`, i*100+j)), Metadata: []byte(`{}`)}
		}
		_, err := s.Append(t.Context(), streams[i%len(streams)], eventstore.Any, batch...)
		require.NoError(t, err)
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
	require.Equal(t, []string{"account-", "account-a", "account-b"}, names)
	last := s.LastPosition()
	for _, upTo := range []eventstore.Position{last, last / 2, 1} {
		for _, stream := range streams {
			var want, got []eventstore.Record
			for r, err := range s.ReadStream(t.Context(), stream, 0) {
				require.NoError(t, err)
				if r.Position <= upTo {
					want = append(want, r)
				}
			}
			require.NoError(t, s.LendStream(t.Context(), stream, upTo, nil, func(chunk []eventstore.Record) error {
				got = append(got, chunk...)
				return nil
			}))
			require.Equal(t, want, got, "%s up to %d", stream, upTo)
		}
	}
	stop := errors.New("stop")
	require.ErrorIs(t, s.LendStream(t.Context(), "account-a", last, nil, func([]eventstore.Record) error { return stop }), stop)
	require.ErrorIs(t, s.LendStream(t.Context(), "account-none", last, nil, func([]eventstore.Record) error { return nil }), eventstore.ErrStreamNotFound)
}
