package seglog_test

import (
	"encoding/json"
	"fmt"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"testing"

	"github.com/google/uuid"
	"github.com/stretchr/testify/require"

	"github.com/fapiao/fapiao/eventstore"
	"github.com/fapiao/fapiao/eventstore/seglog"
)

func appendOne(t testing.TB, s *seglog.Store, stream string) {
	t.Helper()
	_, err := s.Append(t.Context(), stream, eventstore.Any,
		eventstore.EventData{ID: uuid.New(), Type: "E", Data: json.RawMessage(`{}`), Metadata: json.RawMessage(`{}`)})
	require.NoError(t, err)
}

// TestStreamNamesFollowNewStreams: StreamNames keeps its names sorted
// between calls; streams created between two pages are listed in the
// later pages when they sort after the cursor, and the prefix and the
// cursor bound each page as a whole scan would.
func TestStreamNamesFollowNewStreams(t *testing.T) {
	s := open(t, filepath.Join(t.TempDir(), "log"))
	defer s.Close()
	all := map[string]bool{}
	add := func(name string) {
		appendOne(t, s, name)
		all[name] = true
	}
	for i := range 40 {
		add(fmt.Sprintf("account-%03d", 2*i))
		add(fmt.Sprintf("other-%03d", i))
	}
	want := func(prefix, after string, limit int) []string {
		var w []string
		for name := range all {
			if strings.HasPrefix(name, prefix) && name > after {
				w = append(w, name)
			}
		}
		slices.Sort(w)
		return w[:min(limit, len(w))]
	}
	var got []string
	after := ""
	for page := 0; ; page++ {
		names, err := s.StreamNames(t.Context(), "account-", after, 7)
		require.NoError(t, err)
		require.Equal(t, want("account-", after, 7), names, "page %d after %q", page, after)
		if len(names) == 0 {
			break
		}
		got = append(got, names...)
		after = names[len(names)-1]
		// New streams on both sides of the cursor, and outside the prefix.
		add(fmt.Sprintf("account-%03d", 2*page+1))
		add(fmt.Sprintf("account-%03d", 100+page))
		add(fmt.Sprintf("b-%03d", page))
	}
	require.True(t, slices.IsSorted(got))
	for _, name := range got {
		require.True(t, strings.HasPrefix(name, "account-"))
	}
	names, err := s.StreamNames(t.Context(), "", "other-038", 10)
	require.NoError(t, err)
	require.Equal(t, []string{"other-039"}, names)
	names, err = s.StreamNames(t.Context(), "account-", "", 0)
	require.NoError(t, err)
	require.Empty(t, names)
}

// BenchmarkStreamNames lists 100 000 streams' names a page of 4 096 at a
// time, as a per-account build of the views does.
func BenchmarkStreamNames(b *testing.B) {
	s, err := seglog.Open(filepath.Join(b.TempDir(), "log"), seglog.Options{NoSync: true})
	require.NoError(b, err)
	defer s.Close()
	for i := range 100_000 {
		appendOne(b, s, fmt.Sprintf("account-%06d", i))
	}
	b.ResetTimer()
	for b.Loop() {
		n, after := 0, ""
		for {
			names, err := s.StreamNames(b.Context(), "account-", after, 4096)
			if err != nil {
				b.Fatal(err)
			}
			if len(names) == 0 {
				break
			}
			n += len(names)
			after = names[len(names)-1]
		}
		if n != 100_000 {
			b.Fatalf("listed %d names", n)
		}
	}
}

// TestNewStreamsShareBlocks: a stream added to an open store costs the
// heap a small share of a few shared blocks (name, index, first entries),
// not objects of its own that every collection marks again for as long
// as the store is open; and each stream reads back as appended, its name
// not the caller's string.
func TestNewStreamsShareBlocks(t *testing.T) {
	s := open(t, filepath.Join(t.TempDir(), "log"), seglog.Options{NoSync: true})
	defer s.Close()
	const n = 4096
	names := make([]string, n)
	for i := range names {
		names[i] = fmt.Sprintf("reservation-%08d", i)
	}
	objects := func() uint64 {
		var ms runtime.MemStats
		runtime.GC()
		runtime.ReadMemStats(&ms)
		return ms.HeapObjects
	}
	before := objects()
	for _, name := range names {
		appendOne(t, s, name)
	}
	after := objects()
	perStream := float64(int64(after)-int64(before)) / n
	require.Less(t, perStream, 0.25, "heap objects kept a stream (%d → %d)", before, after)
	runtime.KeepAlive(names)
	for i, name := range names {
		names[i] = "" // the store's names are its own
		m, ok := s.StreamLen(name)
		require.True(t, ok, name)
		require.Equal(t, uint64(1), m, name)
	}
	got, err := s.StreamNames(t.Context(), "reservation-", "", n+1)
	require.NoError(t, err)
	require.Len(t, got, n)
	require.Equal(t, fmt.Sprintf("reservation-%08d", n-1), got[n-1])
	// A stream that grows moves out of its block without touching its
	// neighbours'.
	_, err = s.Append(t.Context(), got[10], eventstore.Exact(0), event(1), event(2))
	require.NoError(t, err)
	for _, name := range got[9:12] {
		var revs []uint64
		for rec, err := range s.ReadStream(t.Context(), name, 0) {
			require.NoError(t, err)
			require.Equal(t, name, rec.Stream)
			revs = append(revs, rec.Revision)
		}
		want := []uint64{0}
		if name == got[10] {
			want = []uint64{0, 1, 2}
		}
		require.Equal(t, want, revs, name)
	}
}
