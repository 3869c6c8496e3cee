package seglog_test

import (
	"bytes"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/fapiao/fapiao/eventstore"
	"github.com/fapiao/fapiao/eventstore/seglog"
	"github.com/fapiao/fapiao/eventstore/storetest"
)

// ckptLog writes n events over 4 streams in appends of 1–3, in small
// segments, and closes the store (which writes the checkpoint).
func ckptLog(t *testing.T, dir string, n int, opts seglog.Options) {
	t.Helper()
	s := open(t, dir, opts)
	for i := 0; i < n; {
		k := min(1+i%3, n-i)
		_, err := s.Append(t.Context(), fmt.Sprint("s", i%4), eventstore.Any, storetest.Events(k, fmt.Sprint(i))...)
		require.NoError(t, err)
		i += k
	}
	require.NoError(t, s.Close())
}

// readBack is every record of the log, stream by stream and whole.
func readBack(t *testing.T, s *seglog.Store) []eventstore.Record {
	t.Helper()
	var out []eventstore.Record
	for r, err := range s.ReadAll(t.Context(), eventstore.Start) {
		require.NoError(t, err)
		out = append(out, r)
	}
	for i := range 4 {
		rev := uint64(0)
		for r, err := range s.ReadStream(t.Context(), fmt.Sprint("s", i), 0) {
			require.NoError(t, err)
			require.Equal(t, rev, r.Revision)
			require.Equal(t, out[r.Position-1], r)
			rev++
		}
	}
	return out
}

// logTo is options whose logger writes to buf.
func logTo(opts seglog.Options, buf *bytes.Buffer) seglog.Options {
	opts.Logger = slog.New(slog.NewTextHandler(buf, nil))
	return opts
}

var ckptOpts = seglog.Options{SegmentBytes: 8 << 10}

// TestCheckpointIsUsed: after a clean close the open reads the index from
// the checkpoint and scans nothing; after more appends and a crash (no
// Close, so the checkpoint is stale) it scans only the groups after it;
// either way the store reads and appends as one that scanned everything.
func TestCheckpointIsUsed(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "log")
	ckptLog(t, dir, 300, ckptOpts)
	full := func() []eventstore.Record {
		scan := filepath.Join(t.TempDir(), "scan")
		copyDir(t, dir, scan)
		require.NoError(t, os.Remove(filepath.Join(scan, "index.ckpt")))
		ro := open(t, scan, seglog.Options{ReadOnly: true})
		defer ro.Close()
		require.Equal(t, seglog.OpenInfo{Scanned: 300, Ignored: "none"}, ro.OpenInfo())
		return readBack(t, ro)
	}

	var logged bytes.Buffer
	s := open(t, dir, logTo(ckptOpts, &logged))
	require.Equal(t, seglog.OpenInfo{Checkpoint: 300, Scanned: 0}, s.OpenInfo())
	require.Empty(t, logged.String())
	want := full()
	require.Equal(t, want, readBack(t, s))
	// Appends check against the loaded index: a stale expected revision
	// fails, the right one lands.
	_, err := s.Append(t.Context(), "s0", eventstore.Exact(3), storetest.Events(1, "stale")...)
	require.ErrorIs(t, err, eventstore.ErrWrongExpectedVersion)
	for i := range 20 {
		_, err := s.Append(t.Context(), fmt.Sprint("s", i%4), eventstore.Any, storetest.Events(2, fmt.Sprint("more", i))...)
		require.NoError(t, err)
	}
	// A crash: the files stay as they are, the checkpoint covers 300.
	copyDir(t, dir, dir+".crash")
	require.NoError(t, s.Close())

	s = open(t, dir+".crash", ckptOpts)
	require.Equal(t, seglog.OpenInfo{Checkpoint: 300, Scanned: 40}, s.OpenInfo())
	got := readBack(t, s)
	require.Len(t, got, 340)
	require.NoError(t, s.Close())

	s = open(t, dir, ckptOpts)
	defer s.Close()
	require.Equal(t, seglog.OpenInfo{Checkpoint: 340}, s.OpenInfo(), "the close wrote a new one")
	require.Equal(t, got, readBack(t, s))
}

// copyDir copies a log directory's files (not LOCK).
func copyDir(t *testing.T, from, to string) {
	t.Helper()
	require.NoError(t, os.MkdirAll(to, 0o750))
	entries, err := os.ReadDir(from)
	require.NoError(t, err)
	for _, e := range entries {
		if e.Name() == "LOCK" {
			continue
		}
		b, err := os.ReadFile(filepath.Join(from, e.Name()))
		if errors.Is(err, fs.ErrNotExist) {
			// Gone since the listing: a live store's background checkpoint
			// renames its temporary file. An image taken after that rename
			// has no such file either.
			continue
		}
		require.NoError(t, err)
		require.NoError(t, os.WriteFile(filepath.Join(to, e.Name()), b, 0o600))
	}
}

// TestBadCheckpointFallsBack: a checkpoint that is torn, damaged, of
// another format, or that does not match the log is ignored with a log
// line, and the open scans the whole log and gets the same index.
func TestBadCheckpointFallsBack(t *testing.T) {
	base := filepath.Join(t.TempDir(), "base")
	ckptLog(t, base, 300, ckptOpts)
	ro := open(t, base, seglog.Options{ReadOnly: true})
	want := readBack(t, ro)
	require.NoError(t, ro.Close())
	ckpt, err := os.ReadFile(filepath.Join(base, "index.ckpt"))
	require.NoError(t, err)

	cases := map[string]func(dir string){
		"torn": func(dir string) {
			require.NoError(t, os.WriteFile(filepath.Join(dir, "index.ckpt"), ckpt[:len(ckpt)/2], 0o600))
		},
		"a byte flipped": func(dir string) {
			b := bytes.Clone(ckpt)
			b[len(b)/3] ^= 0x10
			require.NoError(t, os.WriteFile(filepath.Join(dir, "index.ckpt"), b, 0o600))
		},
		"not a checkpoint": func(dir string) {
			require.NoError(t, os.WriteFile(filepath.Join(dir, "index.ckpt"), []byte("hello"), 0o600))
		},
		"another version": func(dir string) {
			b := bytes.Clone(ckpt)
			b[8] = 99
			require.NoError(t, os.WriteFile(filepath.Join(dir, "index.ckpt"), b, 0o600))
		},
		"from another log": func(dir string) {
			other := filepath.Join(t.TempDir(), "other")
			ckptLog(t, other, 300, ckptOpts)
			b, err := os.ReadFile(filepath.Join(other, "index.ckpt"))
			require.NoError(t, err)
			require.NoError(t, os.WriteFile(filepath.Join(dir, "index.ckpt"), b, 0o600))
		},
	}
	for name, spoil := range cases {
		t.Run(name, func(t *testing.T) {
			dir := filepath.Join(t.TempDir(), "log")
			copyDir(t, base, dir)
			spoil(dir)
			var logged bytes.Buffer
			s := open(t, dir, logTo(ckptOpts, &logged))
			defer s.Close()
			info := s.OpenInfo()
			require.Zero(t, info.Checkpoint)
			require.Equal(t, uint64(300), info.Scanned)
			require.NotEmpty(t, info.Ignored)
			require.Contains(t, logged.String(), "index checkpoint ignored")
			require.Equal(t, want, readBack(t, s))
		})
	}
}

// TestCheckpointAheadOfATruncatedLog: a log cut back behind its checkpoint
// (its last groups lost, or restored from an older copy) does not open on
// the checkpoint's word: the checkpoint is refused and the scan decides —
// a torn tail in the last segment is dropped, a gap elsewhere is
// corruption.
func TestCheckpointAheadOfATruncatedLog(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "log")
	ckptLog(t, dir, 100, ckptOpts)
	older := filepath.Join(t.TempDir(), "older")
	copyDir(t, dir, older)
	s := open(t, dir, ckptOpts)
	for i := range 30 {
		_, err := s.Append(t.Context(), fmt.Sprint("s", i%4), eventstore.Any, storetest.Events(3, fmt.Sprint("late", i))...)
		require.NoError(t, err)
	}
	require.NoError(t, s.Close())

	t.Run("restored from an older copy", func(t *testing.T) {
		restored := filepath.Join(t.TempDir(), "log")
		copyDir(t, older, restored)
		newer, err := os.ReadFile(filepath.Join(dir, "index.ckpt"))
		require.NoError(t, err)
		require.NoError(t, os.WriteFile(filepath.Join(restored, "index.ckpt"), newer, 0o600))
		var logged bytes.Buffer
		s := open(t, restored, logTo(ckptOpts, &logged))
		defer s.Close()
		require.Equal(t, eventstore.Position(100), s.LastPosition())
		require.Zero(t, s.OpenInfo().Checkpoint)
		require.Contains(t, logged.String(), "index checkpoint ignored")
	})
	t.Run("last segment cut short", func(t *testing.T) {
		cut := filepath.Join(t.TempDir(), "log")
		copyDir(t, dir, cut)
		names, err := filepath.Glob(filepath.Join(cut, "*.seg"))
		require.NoError(t, err)
		last := names[len(names)-1]
		b, err := os.ReadFile(last)
		require.NoError(t, err)
		require.NoError(t, os.WriteFile(last, b[:100], 0o600))
		var logged bytes.Buffer
		s, err := seglog.Open(cut, logTo(ckptOpts, &logged))
		if err == nil {
			defer s.Close()
			require.Less(t, s.LastPosition(), eventstore.Position(190))
			require.Zero(t, s.OpenInfo().Checkpoint)
		} else {
			require.ErrorIs(t, err, seglog.ErrCorrupt)
		}
		require.Contains(t, logged.String(), "index checkpoint ignored")
	})
}

// TestBackgroundCheckpoint: the writer checkpoints every CheckpointBytes of
// log, so a crash (no Close) leaves a checkpoint close behind the tail.
func TestBackgroundCheckpoint(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "log")
	opts := seglog.Options{SegmentBytes: 8 << 10, CheckpointBytes: 4 << 10}
	s := open(t, dir, opts)
	for i := range 200 {
		_, err := s.Append(t.Context(), fmt.Sprint("s", i%4), eventstore.Any, storetest.Events(1, fmt.Sprint(i))...)
		require.NoError(t, err)
	}
	crash := filepath.Join(t.TempDir(), "crash")
	require.Eventually(t, func() bool {
		_, err := os.Stat(filepath.Join(dir, "index.ckpt"))
		return err == nil
	}, 5e9, 1e7)
	copyDir(t, dir, crash)
	require.NoError(t, s.Close())
	c := open(t, crash, opts)
	defer c.Close()
	info := c.OpenInfo()
	require.Positive(t, info.Checkpoint)
	require.Equal(t, uint64(200), info.Checkpoint+info.Scanned)
}

// TestTornWriteAfterACheckpoint: a group torn after the checkpoint's end
// (cut at random offsets, or a byte flipped) is dropped by the tail's scan
// as it is by a full one, and the checkpoint's events are all there.
func TestTornWriteAfterACheckpoint(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "log")
	opts := seglog.Options{SegmentBytes: 1 << 20}
	ckptLog(t, dir, 100, opts)
	older := filepath.Join(t.TempDir(), "older")
	copyDir(t, dir, older)
	s := open(t, dir, opts)
	_, err := s.Append(t.Context(), "s1", eventstore.Any, storetest.Events(3, "torn")...)
	require.NoError(t, err)
	require.NoError(t, s.Close())
	names, err := filepath.Glob(filepath.Join(dir, "*.seg"))
	require.NoError(t, err)
	require.Len(t, names, 1)
	seg := filepath.Base(names[0])
	before, err := os.ReadFile(filepath.Join(older, seg))
	require.NoError(t, err)
	after, err := os.ReadFile(filepath.Join(dir, seg))
	require.NoError(t, err)
	start := 0
	for start < len(before) && before[start] == after[start] {
		start++
	}
	end := len(after)
	for end > start && after[end-1] == 0 {
		end--
	}
	require.Greater(t, end, start)

	for i := range 12 {
		torn := bytes.Clone(before)
		if i%3 == 2 {
			copy(torn[start:], after[start:end])
			torn[start+(end-start)*i/12] ^= 0x40
		} else {
			cut := start + 1 + (end-start-1)*i/12
			copy(torn[start:cut], after[start:cut])
		}
		d := filepath.Join(t.TempDir(), "log")
		copyDir(t, older, d)
		require.NoError(t, os.WriteFile(filepath.Join(d, seg), torn, 0o600))
		s := open(t, d, opts)
		require.Equal(t, seglog.OpenInfo{Checkpoint: 100}, s.OpenInfo(), "case %d", i)
		require.Equal(t, eventstore.Position(100), s.LastPosition())
		require.Len(t, s.Recovered(), 1, "case %d", i)
		require.True(t, s.Recovered()[0].Torn)
		require.Len(t, readBack(t, s), 100)
		_, err := s.Append(t.Context(), "s1", eventstore.Any, storetest.Events(1, "after")...)
		require.NoError(t, err)
		require.NoError(t, s.Close())
	}
}

// TestDamageUnderACheckpointIsCorruption: the open still reads every
// group's checksums under the checkpoint, so a byte flipped in an
// acknowledged group it covers fails the open as it does without one.
func TestDamageUnderACheckpointIsCorruption(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "log")
	ckptLog(t, dir, 300, ckptOpts)
	names, err := filepath.Glob(filepath.Join(dir, "*.seg"))
	require.NoError(t, err)
	require.Greater(t, len(names), 2)
	for _, name := range []string{names[0], names[len(names)-1]} {
		d := filepath.Join(t.TempDir(), "log")
		copyDir(t, dir, d)
		seg := filepath.Join(d, filepath.Base(name))
		b, err := os.ReadFile(seg)
		require.NoError(t, err)
		b[16+24+5] ^= 0x01 // inside the segment's first group's payload
		require.NoError(t, os.WriteFile(seg, b, 0o600))
		var logged bytes.Buffer
		_, err = seglog.Open(d, logTo(ckptOpts, &logged))
		require.ErrorIs(t, err, seglog.ErrCorrupt, filepath.Base(name))
		require.Contains(t, logged.String(), "index checkpoint ignored")
		_, err = seglog.Open(d, seglog.Options{ReadOnly: true})
		require.ErrorIs(t, err, seglog.ErrCorrupt)
	}
}
