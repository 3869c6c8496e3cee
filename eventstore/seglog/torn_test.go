package seglog_test

import (
	"encoding/binary"
	"encoding/json"
	"fmt"
	"hash/crc32"
	"math/rand/v2"
	"os"
	"path/filepath"
	"testing"

	"github.com/google/uuid"
	"github.com/stretchr/testify/require"

	"github.com/fapiao/fapiao/eventstore"
	"github.com/fapiao/fapiao/eventstore/seglog"
	"github.com/fapiao/fapiao/eventstore/storetest"
)

// tornOpts keeps segments small so the tests read little.
var tornOpts = seglog.Options{SegmentBytes: 1 << 20}

// tornLog is a log of 20 acknowledged groups (one append of 1–3 events
// each) and then one more group of 3 events, the one a crash tears.
type tornLog struct {
	seg      string // the segment's file name
	after    []byte // the segment with all 21 groups
	ackEnd   int    // where the 20 acknowledged groups end
	lastEnd  int    // where the 21st group's header and payload end
	acked    int    // events in the 20 groups
	lastTags []string
}

func writeTornLog(t *testing.T) tornLog {
	t.Helper()
	dir := filepath.Join(t.TempDir(), "log")
	s := open(t, dir, tornOpts)
	var tl tornLog
	for i := range 20 {
		es := storetest.Events(1+i%3, fmt.Sprint("acked", i))
		_, err := s.Append(t.Context(), fmt.Sprint("s", i%4), eventstore.Any, es...)
		require.NoError(t, err)
		tl.acked += len(es)
	}
	require.NoError(t, s.Close())
	names, err := filepath.Glob(filepath.Join(dir, "*.seg"))
	require.NoError(t, err)
	require.Len(t, names, 1)
	tl.seg = filepath.Base(names[0])
	before, err := os.ReadFile(names[0])
	require.NoError(t, err)

	s = open(t, dir, tornOpts)
	_, err = s.Append(t.Context(), "s0", eventstore.Any, storetest.Events(3, "torn")...)
	require.NoError(t, err)
	require.NoError(t, s.Close())
	tl.after, err = os.ReadFile(names[0])
	require.NoError(t, err)

	for tl.ackEnd = 16; tl.ackEnd < len(before) && before[tl.ackEnd] == tl.after[tl.ackEnd]; tl.ackEnd++ {
	}
	// The group header's first field is the payload length.
	tl.lastEnd = tl.ackEnd + 24 + int(binary.LittleEndian.Uint32(tl.after[tl.ackEnd:]))
	return tl
}

// reopen writes data as the segment of a fresh directory and opens it.
func (tl tornLog) reopen(t *testing.T, data []byte) (string, *seglog.Store, error) {
	return tl.reopenWith(t, data, tornOpts)
}

func (tl tornLog) reopenWith(t *testing.T, data []byte, opts seglog.Options) (string, *seglog.Store, error) {
	t.Helper()
	dir := filepath.Join(t.TempDir(), "log")
	require.NoError(t, os.MkdirAll(dir, 0o750))
	require.NoError(t, os.WriteFile(filepath.Join(dir, tl.seg), data, 0o600))
	s, err := seglog.Open(dir, opts)
	return dir, s, err
}

func countEvents(t *testing.T, s eventstore.Store) (n int, torn int) {
	t.Helper()
	for r, err := range s.ReadAll(t.Context(), eventstore.Start) {
		require.NoError(t, err)
		var d struct{ Tag string }
		require.NoError(t, json.Unmarshal(r.Data, &d))
		if d.Tag == "torn" {
			torn++
		} else {
			n++
		}
	}
	return n, torn
}

// TestTornFinalWrite cuts the last group at random offsets (the file
// truncated, or the rest left as preallocated zeros) and flips random bytes
// in it: every acknowledged group survives, the torn one is dropped whole,
// the store says so, and it goes on appending and reopens clean.
func TestTornFinalWrite(t *testing.T) {
	tl := writeTornLog(t)
	rng := rand.New(rand.NewPCG(17, 17))
	type variant struct {
		name string
		data []byte
		torn bool // the last group is damaged (else it is whole)
	}
	var cases []variant
	for range 12 {
		cut := tl.ackEnd + rng.IntN(tl.lastEnd-tl.ackEnd)
		cases = append(cases, variant{fmt.Sprint("truncated at ", cut), tl.after[:cut], cut > tl.ackEnd})
		zeroed := append([]byte(nil), tl.after...)
		clear(zeroed[cut:])
		cases = append(cases, variant{fmt.Sprint("zeros from ", cut), zeroed, cut > tl.ackEnd})
		at := tl.ackEnd + rng.IntN(tl.lastEnd-tl.ackEnd)
		flipped := append([]byte(nil), tl.after...)
		flipped[at] ^= byte(1 + rng.IntN(255))
		cases = append(cases, variant{fmt.Sprint("byte flipped at ", at), flipped, true})
	}
	cases = append(cases, variant{"whole", tl.after, false})
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			dir, s, err := tl.reopen(t, c.data)
			require.NoError(t, err)
			acked, torn := countEvents(t, s)
			require.Equal(t, tl.acked, acked, "every acknowledged event survives")
			if c.torn {
				require.Zero(t, torn, "the torn group is dropped whole")
				require.Len(t, s.Recovered(), 1)
				require.True(t, s.Recovered()[0].Torn)
			} else {
				require.Equal(t, 3, torn, "a whole final group is kept")
			}
			problems, err := s.Problems()
			require.NoError(t, err)
			require.Len(t, problems, len(s.Recovered()), "after the repair only the repair is reported: %v", problems)

			// The store goes on from the last intact group and reopens clean.
			res, err := s.Append(t.Context(), "after", eventstore.NoStream, storetest.Events(2, "after")...)
			require.NoError(t, err)
			require.Equal(t, eventstore.Position(tl.acked+2+3*btoi(!c.torn)), res.Position)
			require.NoError(t, s.Close())
			s = open(t, dir, tornOpts)
			defer s.Close()
			require.Empty(t, s.Recovered())
			acked, _ = countEvents(t, s)
			require.Equal(t, tl.acked+2, acked)
			rep, err := seglog.Check(dir)
			require.NoError(t, err)
			require.Empty(t, rep.Problems)
		})
	}
}

func btoi(b bool) int {
	if b {
		return 1
	}
	return 0
}

// TestDamageInTheMiddleIsCorruption flips bytes in acknowledged groups that
// have groups after them: Open refuses with ErrCorrupt (never a panic, never
// a silent drop) and Check names the damage.
func TestDamageInTheMiddleIsCorruption(t *testing.T) {
	tl := writeTornLog(t)
	rng := rand.New(rand.NewPCG(4, 2))
	for range 20 {
		at := 16 + rng.IntN(tl.ackEnd-16)
		data := append([]byte(nil), tl.after...)
		data[at] ^= byte(1 + rng.IntN(255))
		t.Run(fmt.Sprint("byte flipped at ", at), func(t *testing.T) {
			dir, s, err := tl.reopen(t, data)
			if err == nil {
				// Only padding between groups is not checksummed: then
				// nothing was lost, and everything must read back.
				defer s.Close()
				acked, torn := countEvents(t, s)
				require.Equal(t, tl.acked, acked)
				require.Equal(t, 3, torn)
				return
			}
			require.ErrorIs(t, err, seglog.ErrCorrupt)
			rep, err := seglog.Check(dir)
			require.NoError(t, err)
			require.NotEmpty(t, rep.Problems)
			require.False(t, rep.Problems[0].Torn, "%v", rep.Problems[0])

			_, err = seglog.Open(dir, seglog.Options{ReadOnly: true})
			require.ErrorIs(t, err, seglog.ErrCorrupt, "read-only opens refuse it too")
		})
	}
}

// TestMissingSegmentIsCorruption: a log whose middle segment is gone (or
// cut short, its last groups lost) does not open.
func TestMissingSegmentIsCorruption(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "log")
	opts := seglog.Options{SegmentBytes: 4 << 10}
	s := open(t, dir, opts)
	for i := range 200 {
		_, err := s.Append(t.Context(), "s", eventstore.Any, storetest.Events(1, fmt.Sprint(i))...)
		require.NoError(t, err)
	}
	require.NoError(t, s.Close())
	names, err := filepath.Glob(filepath.Join(dir, "*.seg"))
	require.NoError(t, err)
	require.Greater(t, len(names), 3)

	data, err := os.ReadFile(names[1])
	require.NoError(t, err)
	require.NoError(t, os.WriteFile(names[1], data[:200], 0o600))
	_, err = seglog.Open(dir, opts)
	require.ErrorIs(t, err, seglog.ErrCorrupt)

	require.NoError(t, os.Remove(names[1]))
	_, err = seglog.Open(dir, opts)
	require.ErrorIs(t, err, seglog.ErrCorrupt)
	rep, err := seglog.Check(dir)
	require.NoError(t, err)
	require.NotEmpty(t, rep.Problems)
	require.Contains(t, rep.Problems[0].What, "missing")
}

// TestReadOnlyOpenOfATornLog: a read-only open (an audit job) sees the
// acknowledged events, reports the torn write, and changes no byte.
func TestReadOnlyOpenOfATornLog(t *testing.T) {
	tl := writeTornLog(t)
	cut := tl.ackEnd + (tl.lastEnd-tl.ackEnd)/2
	dir, s, err := tl.reopenWith(t, tl.after[:cut], seglog.Options{ReadOnly: true})
	require.NoError(t, err)
	defer s.Close()
	acked, torn := countEvents(t, s)
	require.Equal(t, tl.acked, acked)
	require.Zero(t, torn)
	problems, err := s.Problems()
	require.NoError(t, err)
	require.Len(t, problems, 1, "%v", problems)
	require.True(t, problems[0].Torn)
	data, err := os.ReadFile(filepath.Join(dir, tl.seg))
	require.NoError(t, err)
	require.Equal(t, tl.after[:cut], data, "a read-only open writes nothing")
}

// TestCheckerSaysWhatHappened: the eventstore.Checker view, for verify and
// for a job's quick check. A torn write dropped at open is said and is not
// damage; a byte flipped under an open store shows in the full check.
func TestCheckerSaysWhatHappened(t *testing.T) {
	tl := writeTornLog(t)
	dir, s, err := tl.reopen(t, tl.after[:tl.lastEnd-5])
	require.NoError(t, err)
	defer s.Close()
	for _, quick := range []bool{true, false} {
		rep, err := s.Check(t.Context(), quick)
		require.NoError(t, err)
		require.True(t, rep.OK(), "%v", rep.Damage)
		require.Len(t, rep.What, 2, "%v", rep.What)
		require.Contains(t, rep.What[1], "torn final write")
	}

	f, err := os.OpenFile(filepath.Join(dir, tl.seg), os.O_RDWR, 0)
	require.NoError(t, err)
	_, err = f.WriteAt([]byte{0xff}, 16+24+3)
	require.NoError(t, err)
	require.NoError(t, f.Close())
	rep, err := s.Check(t.Context(), false)
	require.NoError(t, err)
	require.False(t, rep.OK())
	require.Equal(t, "log", rep.Damage[0].Part)
	require.Equal(t, eventstore.Position(1), rep.Damage[0].Position)
}

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
