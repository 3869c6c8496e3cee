package seglog

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"testing"

	"github.com/google/uuid"
	"github.com/stretchr/testify/require"

	"github.com/fapiao/fapiao/eventstore"
	"github.com/fapiao/fapiao/internal/eventform"
)

// statementForm says a statement's data takes a form (kindStatement).
func statementForm(data []byte) bool {
	_, ok := eventform.AppendStatement(nil, data)
	return ok
}

// lentCopy is a record LendStream lent, copied before fn returned.
func lentCopy(r eventstore.Record) eventstore.Record {
	r.Data = bytes.Clone(r.Data)
	r.Metadata = bytes.Clone(r.Metadata)
	return r
}

// requireLendsAsRead says LendStream hands out, up to upTo, exactly what
// ReadStream reads, for every stream; and with LendData the same without
// the metadata.
func requireLendsAsRead(t *testing.T, s *Store, streams []string, upTo eventstore.Position) {
	t.Helper()
	requireLends(t, s, streams, upTo, eventstore.LendWhole)
	requireLends(t, s, streams, upTo, eventstore.LendData)
	requireLends(t, s, streams, upTo, eventstore.LendForms)
}

func requireLends(t *testing.T, s *Store, streams []string, upTo eventstore.Position, parts eventstore.LendParts) {
	t.Helper()
	var buf []eventstore.Record
	for _, stream := range streams {
		var want []eventstore.Record
		for r, err := range s.ReadStream(t.Context(), stream, 0) {
			if errors.Is(err, eventstore.ErrStreamNotFound) {
				break
			}
			require.NoError(t, err)
			if r.Position <= upTo {
				if parts != eventstore.LendWhole {
					r.Metadata = nil
				}
				want = append(want, r)
			}
		}
		var got []eventstore.Record
		err := s.LendStream(t.Context(), stream, upTo, parts, buf, func(chunk []eventstore.Record) error {
			for _, r := range chunk {
				got = append(got, lentCopy(r))
			}
			buf = chunk[:0]
			return nil
		})
		if _, ok := s.StreamLen(stream); !ok {
			require.ErrorIs(t, err, eventstore.ErrStreamNotFound)
			continue
		}
		require.NoError(t, err)
		require.Equal(t, len(want), len(got), "stream %s", stream)
		for i := range want {
			w, g := want[i], got[i]
			// LendForms lends a statement in its form, which stands for
			// its JSON; every other record as LendData.
			statement := parts == eventstore.LendForms && w.Type == "StatementPosted" && statementForm(w.Data)
			require.Equal(t, statement, g.Form == eventstore.FormStatement, "form of %s@%d", stream, w.Revision)
			if statement {
				json, ok := eventform.AppendStatementJSON(nil, g.Data)
				require.True(t, ok)
				g.Data = json
			}
			require.Equal(t, w.Position, g.Position)
			require.Equal(t, w.Stream, g.Stream)
			require.Equal(t, w.Revision, g.Revision)
			require.Equal(t, w.ID, g.ID)
			require.Equal(t, w.Type, g.Type)
			require.True(t, bytes.Equal(w.Data, g.Data) && (w.Data == nil) == (g.Data == nil), "data of %s@%d", stream, w.Revision)
			require.True(t, bytes.Equal(w.Metadata, g.Metadata) && (w.Metadata == nil) == (g.Metadata == nil), "metadata of %s@%d", stream, w.Revision)
		}
	}
}

// TestLendStreamAsReadStream: records of every shape the codec meets
// (envelopes, raw records, empty data), in streams long enough to take
// several chunks and interleaved across segments, are lent byte for byte
// as ReadStream reads them, from the pooled arena, up to any position;
// and the same after a reopen from the index checkpoint.
func TestLendStreamAsReadStream(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "log")
	s, err := Open(dir, Options{SegmentBytes: 256 << 10})
	require.NoError(t, err)
	rng := rand.New(rand.NewPCG(3, 9))
	streams := []string{"account-long", "account-a", "account-b", "account-c", "reservation-x"}
	revs := map[string]uint64{}
	for range 400 {
		var batch []eventstore.EventData
		stream := streams[rng.IntN(len(streams))]
		if rng.IntN(3) == 0 {
			stream = streams[0]
		}
		for range 1 + rng.IntN(20) {
			e := eventstore.EventData{ID: uuid.New(), Type: randType(rng), Data: json.RawMessage(randJSON(rng, 3)), Metadata: json.RawMessage(randMeta(rng))}
			switch rng.IntN(10) {
			case 2, 3:
				e.Type, e.Data = "StatementPosted", json.RawMessage(statementData(rng, rng.IntN(4)))
			case 0:
				e.Data, e.Metadata = json.RawMessage("not json \x00\xff"), json.RawMessage{}
			case 1:
				e.Data = json.RawMessage{}
			}
			batch = append(batch, e)
		}
		_, err := s.Append(t.Context(), stream, eventstore.Any, batch...)
		require.NoError(t, err)
		revs[stream] += uint64(len(batch))
	}
	require.Greater(t, revs[streams[0]], uint64(chunkEvents), "the long stream takes several chunks")
	all := append([]string{"account-none"}, streams...)
	last := s.LastPosition()
	for _, upTo := range []eventstore.Position{last, last / 2, 1} {
		requireLendsAsRead(t, s, all, upTo)
	}
	require.NoError(t, s.Close())

	s, err = Open(dir, Options{SegmentBytes: 256 << 10})
	require.NoError(t, err)
	defer s.Close()
	require.NotZero(t, s.OpenInfo().Checkpoint, "reopened from the checkpoint")
	requireLendsAsRead(t, s, all, s.LastPosition())

	// Read-only, beside it: the records read in place (inplace.go), each
	// segment mapped at its first read and let go at Close.
	ro, err := Open(dir, Options{ReadOnly: true})
	require.NoError(t, err)
	require.Greater(t, len(ro.ix.segs), 2)
	requireLendsAsRead(t, ro, all, ro.LastPosition())
	require.Equal(t, readAllOf(t, s), readAllOf(t, ro))
	for _, seg := range ro.ix.segs {
		require.NotNil(t, seg.mem, "segment %s read in place", seg.name)
	}
	require.NoError(t, ro.Close())
	for _, seg := range ro.ix.segs {
		require.Nil(t, seg.mem, "segment %s unmapped", seg.name)
	}
	err = ro.LendStream(t.Context(), "account-a", ro.LastPosition(), eventstore.LendData, nil, func([]eventstore.Record) error { return nil })
	require.ErrorIs(t, err, eventstore.ErrClosed)
}

// readAllOf is the whole log of s, copied.
func readAllOf(t *testing.T, s *Store) []eventstore.Record {
	t.Helper()
	var out []eventstore.Record
	for r, err := range s.ReadAll(t.Context(), eventstore.Start) {
		require.NoError(t, err)
		out = append(out, lentCopy(r))
	}
	return out
}

// TestInPlaceFaultIsAnError: a segment cut short under a read-only store
// (after its open) faults a read in place; the read says ErrCorrupt
// instead of crashing the process.
func TestInPlaceFaultIsAnError(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "log")
	s, err := Open(dir, Options{SegmentBytes: 1 << 20})
	require.NoError(t, err)
	for i := range 2000 {
		_, err := s.Append(t.Context(), fmt.Sprintf("account-%d", i%7), eventstore.Any,
			eventstore.EventData{ID: uuid.New(), Type: "InvoiceApproved", Data: json.RawMessage(fmt.Sprintf(`{"n":%d,"pad":"%0200d"}`, i, i))})
		require.NoError(t, err)
	}
	require.NoError(t, s.Close())
	ro, err := Open(dir, Options{ReadOnly: true})
	require.NoError(t, err)
	defer ro.Close()
	seg := ro.ix.segs[0]
	require.NoError(t, os.Truncate(seg.f.Name(), 8<<10)) // past its first page's groups
	var readErr error
	for _, err := range ro.ReadAll(t.Context(), eventstore.Start) {
		if err != nil {
			readErr = err
			break
		}
	}
	require.ErrorIs(t, readErr, ErrCorrupt)
	require.ErrorContains(t, readErr, "reading a segment") // the fault, caught
}

// TestLendStreamRefusesAMisplacedRecord: a record that is not the stream's
// revision the index says (an index that disagrees with the log) is
// ErrCorrupt, not lent.
func TestLendStreamRefusesAMisplacedRecord(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "log")
	s, err := Open(dir)
	require.NoError(t, err)
	defer s.Close()
	for _, stream := range []string{"account-a", "account-b"} {
		_, err := s.Append(t.Context(), stream, eventstore.NoStream, eventstore.EventData{ID: uuid.New(), Type: "T", Data: json.RawMessage(`{}`)})
		require.NoError(t, err)
	}
	s.ix.mu.Lock()
	s.ix.streams["account-a"].entries[0].pos = 2 // account-b's record
	s.ix.mu.Unlock()
	err = s.LendStream(context.Background(), "account-a", s.LastPosition(), eventstore.LendWhole, nil, func([]eventstore.Record) error { return nil })
	require.ErrorIs(t, err, eventstore.ErrCorrupt)
	require.ErrorContains(t, err, fmt.Sprintf("%q", "account-a"))
	s.ix.mu.Lock()
	s.ix.streams["account-a"].entries[0].pos = 1
	s.ix.mu.Unlock()
}

// TestStreamNamesByPrefix: the names are sorted per prefix, so asking for
// another prefix, or after a stream came, lists exactly that prefix's
// streams in order, page by page.
func TestStreamNamesByPrefix(t *testing.T) {
	s, err := Open(filepath.Join(t.TempDir(), "log"))
	require.NoError(t, err)
	defer s.Close()
	add := func(streams ...string) {
		for _, stream := range streams {
			_, err := s.Append(t.Context(), stream, eventstore.Any, eventstore.EventData{ID: uuid.New(), Type: "T", Data: json.RawMessage(`{}`)})
			require.NoError(t, err)
		}
	}
	all := func(prefix string) []string {
		var got []string
		for after := ""; ; {
			page, err := s.StreamNames(t.Context(), prefix, after, 2)
			require.NoError(t, err)
			if len(page) == 0 {
				return got
			}
			got, after = append(got, page...), page[len(page)-1]
		}
	}
	add("b-2", "a-3", "ab", "a-1", "b-1", "a-2")
	require.Equal(t, []string{"a-1", "a-2", "a-3"}, all("a-"))
	require.Equal(t, []string{"b-1", "b-2"}, all("b-"))
	require.Equal(t, []string{"a-1", "a-2", "a-3", "ab"}, all("a"))
	add("a-0", "b-0")
	require.Equal(t, []string{"a-0", "a-1", "a-2", "a-3"}, all("a-"))
	require.Equal(t, []string{"a-0", "a-1", "a-2", "a-3", "ab", "b-0", "b-1", "b-2"}, all(""))
	page, err := s.StreamNames(t.Context(), "a-", "a-1", 10)
	require.NoError(t, err)
	require.Equal(t, []string{"a-2", "a-3"}, page)
}
