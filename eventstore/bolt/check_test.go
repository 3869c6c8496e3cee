package bolt

import (
	"context"
	"encoding/json"
	"fmt"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/uuid"
	"github.com/stretchr/testify/require"
	bbolt "go.etcd.io/bbolt"

	"github.com/fapiao/fapiao/eventstore"
)

// checkFixture is a closed store of 3 streams × 20 events, and the event
// of stream s-1 at revision 4.
func checkFixture(t *testing.T) (path string, ev eventstore.Record) {
	t.Helper()
	path = filepath.Join(t.TempDir(), "fapiao.db")
	s, err := Open(path)
	require.NoError(t, err)
	for i := range 60 {
		stream := fmt.Sprintf("s-%d", i%3)
		_, err := s.Append(context.Background(), stream, eventstore.Any, eventstore.EventData{
			ID: uuid.New(), Type: "T", Data: json.RawMessage(fmt.Sprintf(`{"n":%d}`, i)), Metadata: json.RawMessage(`{}`)})
		require.NoError(t, err)
	}
	for r, err := range s.ReadStream(context.Background(), "s-1", 4) {
		require.NoError(t, err)
		ev = r
		break
	}
	require.NoError(t, s.Close())
	return path, ev
}

// edit changes the file behind the store's back, through bbolt.
func edit(t *testing.T, path string, fn func(tx *bbolt.Tx) error) {
	t.Helper()
	db, err := bbolt.Open(path, 0o600, nil)
	require.NoError(t, err)
	require.NoError(t, db.Update(fn))
	require.NoError(t, db.Close())
}

func revKey(stream string, rev uint64) []byte {
	return appendUint64(appendStreamPrefix(nil, stream), rev)
}

// TestCheckFindsIndexDamage: each way the indexes can disagree with the
// log is found and named, with stream, revision and position; a read of
// the stream fails with ErrCorrupt rather than look shorter.
func TestCheckFindsIndexDamage(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name   string
		damage func(ev eventstore.Record) func(tx *bbolt.Tx) error
		want   func(ev eventstore.Record) string
		read   bool // whether reading stream s-1 meets it
	}{
		{"index entry lost", func(ev eventstore.Record) func(tx *bbolt.Tx) error {
			return func(tx *bbolt.Tx) error { return tx.Bucket(bucketRevs).Delete(revKey("s-1", 4)) }
		}, func(ev eventstore.Record) string {
			return fmt.Sprintf("index: stream s-1, revision 4, position %d: the event has no (valid) index entry", ev.Position)
		}, true},
		{"index entry points elsewhere", func(ev eventstore.Record) func(tx *bbolt.Tx) error {
			return func(tx *bbolt.Tx) error {
				v := append(appendUint64(nil, ev.Position+1), ev.ID[:]...)
				return tx.Bucket(bucketRevs).Put(revKey("s-1", 4), v)
			}
		}, func(ev eventstore.Record) string {
			return fmt.Sprintf("index: stream s-1, revision 4, position %[1]d: index entry points at position %[1]d, which holds stream s-2", ev.Position+1)
		}, true},
		{"head behind", func(ev eventstore.Record) func(tx *bbolt.Tx) error {
			return func(tx *bbolt.Tx) error { return tx.Bucket(bucketHeads).Put([]byte("s-1"), appendUint64(nil, 3)) }
		}, func(eventstore.Record) string {
			return "head: stream s-1, revision 3: head says revision 3, the log's last is 19"
		}, true},
		{"head lost", func(ev eventstore.Record) func(tx *bbolt.Tx) error {
			return func(tx *bbolt.Tx) error { return tx.Bucket(bucketHeads).Delete([]byte("s-1")) }
		}, func(eventstore.Record) string { return "head: stream s-1: the stream has no valid head" }, false},
		{"record lost", func(ev eventstore.Record) func(tx *bbolt.Tx) error {
			return func(tx *bbolt.Tx) error { return tx.Bucket(bucketLog).Delete(appendUint64(nil, ev.Position)) }
		}, func(ev eventstore.Record) string {
			return fmt.Sprintf("log: position %d: position %[1]d follows %d", ev.Position+1, ev.Position-1)
		}, true},
		{"duplicate event ID", func(ev eventstore.Record) func(tx *bbolt.Tx) error {
			return func(tx *bbolt.Tx) error {
				// The event after it, re-encoded with its ID.
				next := eventstore.EventData{ID: ev.ID, Type: "T", Data: json.RawMessage(`{}`), Metadata: json.RawMessage(`{}`)}
				return tx.Bucket(bucketLog).Put(appendUint64(nil, ev.Position+1), appendRecord(nil, "s-2", 4, &next))
			}
		}, func(ev eventstore.Record) string {
			return fmt.Sprintf("log: position %d: event ID %s is also the event at position %d", ev.Position+1, ev.ID, ev.Position)
		}, false},
		{"revision out of order", func(ev eventstore.Record) func(tx *bbolt.Tx) error {
			return func(tx *bbolt.Tx) error {
				same := eventstore.EventData{ID: ev.ID, Type: "T", Data: json.RawMessage(`{}`), Metadata: json.RawMessage(`{}`)}
				return tx.Bucket(bucketLog).Put(appendUint64(nil, ev.Position), appendRecord(nil, "s-1", 9, &same))
			}
		}, func(ev eventstore.Record) string {
			return fmt.Sprintf("stream: stream s-1, revision 9, position %d: revision 9 where 4 belongs", ev.Position)
		}, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			path, ev := checkFixture(t)
			edit(t, path, tc.damage(ev))
			s, err := Open(path, Options{ReadOnly: true})
			require.NoError(t, err)
			defer s.Close()
			rep, err := s.Check(context.Background(), false)
			require.NoError(t, err)
			require.False(t, rep.OK())
			var all []string
			for _, d := range rep.Damage {
				all = append(all, d.String())
			}
			joined := strings.Join(all, "\n")
			require.Contains(t, joined, tc.want(ev))
			var readErr error
			for _, err := range s.ReadStream(context.Background(), "s-1", 0) {
				if err != nil {
					readErr = err
				}
			}
			if tc.read {
				require.ErrorIs(t, readErr, eventstore.ErrCorrupt)
			}
		})
	}
}

// TestCheckWholeStore: an undamaged store checks clean, fully and quickly.
func TestCheckWholeStore(t *testing.T) {
	t.Parallel()
	path, _ := checkFixture(t)
	s, err := Open(path, Options{ReadOnly: true})
	require.NoError(t, err)
	defer s.Close()
	for _, quick := range []bool{false, true} {
		rep, err := s.Check(context.Background(), quick)
		require.NoError(t, err)
		require.True(t, rep.OK(), "%v", rep.Damage)
	}
	for _, from := range []eventstore.Position{eventstore.Start, 30, 60} {
		rep, err := s.CheckIndexSince(context.Background(), from)
		require.NoError(t, err)
		require.True(t, rep.OK(), "from %d: %v", from, rep.Damage)
	}
	rep, _ := s.Check(context.Background(), false)
	require.Len(t, rep.What, 5)
	require.Contains(t, strings.Join(rep.What, "\n"), "by bbolt's check: each reachable once or free")
}

// TestCheckIndexSince: the index check finds a lost index entry and a head
// behind from the start and from any position before the damaged record,
// and checks nothing older than its position (that is a restart's bargain:
// a whole walk costs what the log holds). The quick check does not walk
// the index at all.
func TestCheckIndexSince(t *testing.T) {
	t.Parallel()
	path, ev := checkFixture(t)
	edit(t, path, func(tx *bbolt.Tx) error {
		if err := tx.Bucket(bucketRevs).Delete(revKey("s-1", 4)); err != nil {
			return err
		}
		return tx.Bucket(bucketHeads).Put([]byte("s-0"), appendUint64(nil, 2))
	})
	s, err := Open(path, Options{ReadOnly: true})
	require.NoError(t, err)
	defer s.Close()
	damage := func(from eventstore.Position) string {
		rep, err := s.CheckIndexSince(context.Background(), from)
		require.NoError(t, err)
		var all []string
		for _, d := range rep.Damage {
			all = append(all, d.String())
		}
		return strings.Join(all, "\n")
	}
	require.Contains(t, damage(eventstore.Start), "index: stream s-1, revision 5: index holds revision 5 where 4 belongs")
	require.Contains(t, damage(eventstore.Start), "index: stream s-0, revision 20: the index ends the stream at revision 19, its head says 2")
	for _, from := range []eventstore.Position{1, ev.Position - 1} {
		got := damage(from)
		require.Contains(t, got, fmt.Sprintf("index: stream s-1, revision 4, position %d: the event has no index entry", ev.Position))
		require.Equal(t, 1, strings.Count(got, "head: stream s-0, revision"), "once a stream")
	}
	// Past the lost entry it is not looked for; s-0's records after it are
	// still ahead of its head; past the end, nothing is checked.
	require.NotContains(t, damage(ev.Position), "stream s-1")
	require.Contains(t, damage(ev.Position), "head: stream s-0, revision")
	require.Empty(t, damage(60))
	rep, err := s.Check(context.Background(), true)
	require.NoError(t, err)
	require.True(t, rep.OK(), "the quick check does not read the index: %v", rep.Damage)
}

// TestDamagedStoreRefusesWrites: once a read met damage, appends fail
// with it rather than write on.
func TestDamagedStoreRefusesWrites(t *testing.T) {
	t.Parallel()
	path, _ := checkFixture(t)
	edit(t, path, func(tx *bbolt.Tx) error { return tx.Bucket(bucketRevs).Delete(revKey("s-1", 4)) })
	s, err := Open(path)
	require.NoError(t, err)
	defer s.Close()
	require.NoError(t, s.Damage())
	for _, err := range s.ReadStream(context.Background(), "s-1", 0) {
		if err != nil {
			require.ErrorIs(t, err, eventstore.ErrCorrupt)
		}
	}
	require.ErrorIs(t, s.Damage(), eventstore.ErrCorrupt)
	_, err = s.Append(context.Background(), "s-0", eventstore.Any, eventstore.EventData{ID: uuid.New(), Type: "T", Data: json.RawMessage(`{}`), Metadata: json.RawMessage(`{}`)})
	require.ErrorIs(t, err, eventstore.ErrCorrupt)
}
