package seglog_test

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/fapiao/fapiao/eventstore"
	"github.com/fapiao/fapiao/eventstore/seglog"
	"github.com/fapiao/fapiao/eventstore/storetest"
)

// FuzzOpenSegment: whatever bytes a segment holds, Open and Check answer
// (a store, or an error) and never panic; a store that opens reads back
// every event it counts.
func FuzzOpenSegment(f *testing.F) {
	s := open(f, filepath.Join(f.TempDir(), "seed"), seglog.Options{SegmentBytes: 4 << 10})
	for i := range 5 {
		if _, err := s.Append(f.Context(), "s", eventstore.Any, storetest.Events(1+i%2, "seed")...); err != nil {
			f.Fatal(err)
		}
	}
	s.Close()
	seed, err := os.ReadFile(filepath.Join(s.Path(), "00000000000000000001.seg"))
	if err != nil {
		f.Fatal(err)
	}
	f.Add(seed)
	f.Add(seed[:100])
	f.Add(seed[:16])
	f.Add([]byte{})
	f.Fuzz(func(t *testing.T, data []byte) {
		dir := filepath.Join(t.TempDir(), "log")
		if err := os.MkdirAll(dir, 0o750); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, "00000000000000000001.seg"), data, 0o600); err != nil {
			t.Fatal(err)
		}
		if _, err := seglog.Check(dir); err != nil {
			t.Fatal(err)
		}
		s, err := seglog.Open(dir, seglog.Options{SegmentBytes: 4 << 10})
		if err != nil {
			return
		}
		defer s.Close()
		n := uint64(0)
		for _, err := range s.ReadAll(t.Context(), eventstore.Start) {
			if err != nil {
				t.Fatal(err)
			}
			n++
		}
		if n != s.LastPosition() {
			t.Fatalf("read %d events, the store says %d", n, s.LastPosition())
		}
	})
}
