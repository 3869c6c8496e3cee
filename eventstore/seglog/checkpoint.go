package seglog

import (
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
	"runtime/debug"
	"sync"
	"sync/atomic"

	"github.com/fapiao/fapiao/eventstore"
	"github.com/fapiao/fapiao/eventstore/internal/lenprefix"
)

// An index checkpoint saves the open's scan: the in-memory index as it was
// when the log ended at a known group, in a file beside the segments
// (checkpointName), written after the log — at a clean Close and, in the
// background, every checkpointEvery bytes of log. Open loads it and scans
// only the groups after it. It is a cache of what the log says: a
// checkpoint that is missing, torn, of another format, or that does not
// match the log (the group it ends at is not there as it was: a truncated,
// replaced or restored log) is ignored with a log line, and the whole log
// is scanned.
//
//	header   magic "FAPIAOIX" | version u32 | CRC32C u32 of the rest
//	body     next position u64 (the first one not covered)
//	         segment count u32, then per segment: first position u64 |
//	           format version u32 | end of its groups u64 | offset of its
//	           last group u64 | that group's 24 header bytes
//	         stream count u32, then per stream: uvarint name length | name |
//	           uvarint events | per event: uvarint position delta | event ID
//	         per position: uvarint segment delta | uvarint gap | uvarint length
//	           (a record's offset is the previous one's end plus gap, or
//	           gap itself in a new segment)
const (
	checkpointName    = "index.ckpt"
	checkpointMagic   = "FAPIAOIX"
	checkpointVersion = 1
	checkpointHeadLen = 16
	// checkpointEvery is how much log the writer lets pass between
	// background checkpoints.
	checkpointEvery = 64 << 20
)

// snapshot is the index as of the end of a group, taken under the index's
// lock; its slices are committed prefixes that the writer never changes.
type snapshot struct {
	next    eventstore.Position
	segs    []segMark
	names   []string
	streams [][]entry
	locs    []loc
	// checked, for a snapshot loaded at open, waits for and returns the
	// checks of the groups of the segments it covers whole.
	checked func() []coveredScan
}

// segMark is a segment as a checkpoint records it.
type segMark struct {
	first   eventstore.Position
	version uint32
	end     int64
	// The segment's last group, which must still be there as it was.
	proofAt int64
	proof   [groupHeadLen]byte
}

// snapshotLocked captures the committed index. Called by the writer (or
// at Close) with ix.mu held, when w describes the log's end.
func (s *Store) snapshotLocked() *snapshot {
	sn := &snapshot{next: s.w.next}
	// Up to the segment of the last group: empty segments after it are
	// the open's to scan.
	for i, seg := range s.ix.segs[:s.w.proofSeg+1] {
		m := segMark{first: seg.first, version: seg.version, end: seg.end, proofAt: seg.proofAt, proof: seg.proof}
		if i == len(s.ix.segs)-1 {
			m.end = s.w.off
		}
		if i == s.w.proofSeg {
			m.proofAt, m.proof = s.w.proofAt, s.w.proof
		}
		sn.segs = append(sn.segs, m)
	}
	sn.names = make([]string, 0, len(s.ix.streams))
	sn.streams = make([][]entry, 0, len(s.ix.streams))
	for name, st := range s.ix.streams {
		if st.committed > 0 {
			sn.names = append(sn.names, name)
			sn.streams = append(sn.streams, st.entries[:st.committed:st.committed])
		}
	}
	sn.locs = s.ix.locs[: s.w.next-1 : s.w.next-1]
	return sn
}

// encode writes sn's checkpoint to w: the head, then the body through a
// buffer of checkpointChunk bytes, its CRC computed as it goes and put in
// the head (at) once the body is out. The body is the whole index (27 MB
// for a 1M log, ten times that at 10M): built in memory it was one
// allocation a checkpoint, every segment's roll, and a spike of the heap
// the collector paced by.
func (sn *snapshot) encode(w io.Writer, at io.WriterAt) error {
	head := make([]byte, checkpointHeadLen, checkpointHeadLen)
	copy(head, checkpointMagic)
	binary.LittleEndian.PutUint32(head[8:], checkpointVersion)
	if _, err := w.Write(head); err != nil {
		return err
	}
	cw := chunkWriter{w: w, b: make([]byte, 0, checkpointChunk+checkpointChunk/4)}
	b := cw.b
	b = binary.LittleEndian.AppendUint64(b, sn.next)
	b = binary.LittleEndian.AppendUint32(b, uint32(len(sn.segs)))
	for _, m := range sn.segs {
		b = binary.LittleEndian.AppendUint64(b, m.first)
		b = binary.LittleEndian.AppendUint32(b, m.version)
		b = binary.LittleEndian.AppendUint64(b, uint64(m.end))
		b = binary.LittleEndian.AppendUint64(b, uint64(m.proofAt))
		b = append(b, m.proof[:]...)
		b = cw.spill(b)
	}
	b = binary.LittleEndian.AppendUint32(b, uint32(len(sn.names)))
	for i, name := range sn.names {
		b = lenprefix.AppendBytes(b, name)
		es := sn.streams[i]
		b = binary.AppendUvarint(b, uint64(len(es)))
		prev := eventstore.Position(0)
		for _, e := range es {
			b = binary.AppendUvarint(b, e.pos-prev)
			b = append(b, e.id[:]...)
			prev = e.pos
			b = cw.spill(b)
		}
		b = cw.spill(b)
	}
	var prev loc
	for i, l := range sn.locs {
		gap := l.off
		if i > 0 && l.seg == prev.seg {
			gap = l.off - (prev.off + prev.n)
		}
		b = binary.AppendUvarint(b, uint64(l.seg-prev.seg))
		b = binary.AppendUvarint(b, uint64(gap))
		b = binary.AppendUvarint(b, uint64(l.n))
		prev = l
		b = cw.spill(b)
	}
	cw.flush(b)
	if cw.err != nil {
		return cw.err
	}
	var crc [4]byte
	binary.LittleEndian.PutUint32(crc[:], cw.crc)
	_, err := at.WriteAt(crc[:], 12)
	return err
}

// checkpointChunk is how much of a checkpoint's body encode holds before
// it writes it out. A variable for the tests.
var checkpointChunk = 256 << 10

// chunkWriter writes a body out in chunks, keeping its CRC.
type chunkWriter struct {
	w   io.Writer
	b   []byte
	crc uint32
	err error
}

// spill writes b out once it holds a chunk, and returns it emptied, or as
// it was.
func (cw *chunkWriter) spill(b []byte) []byte {
	if len(b) < checkpointChunk {
		return b
	}
	cw.flush(b)
	return b[:0]
}

func (cw *chunkWriter) flush(b []byte) {
	if cw.err != nil || len(b) == 0 {
		return
	}
	cw.crc = crc32.Update(cw.crc, crcTable, b)
	_, cw.err = cw.w.Write(b)
}

// decodeCheckpoint parses a checkpoint file; the error says why it cannot
// be used.
func decodeCheckpoint(b []byte) (*snapshot, error) {
	sn, d, err := decodeCheckpointHead(b)
	if err != nil {
		return nil, err
	}
	if err := sn.decodeBody(d); err != nil {
		return nil, err
	}
	return sn, nil
}

// decodeCheckpointHead checks a checkpoint file's checksum and parses its
// head: the next position and the segments. It returns the rest, the
// streams and positions, for decodeBody.
func decodeCheckpointHead(b []byte) (*snapshot, lenprefix.Decoder, error) {
	fail := func(err error) (*snapshot, lenprefix.Decoder, error) { return nil, lenprefix.Decoder{}, err }
	if len(b) < checkpointHeadLen || string(b[:8]) != checkpointMagic {
		return fail(errors.New("not a checkpoint"))
	}
	if v := binary.LittleEndian.Uint32(b[8:]); v != checkpointVersion {
		return fail(fmt.Errorf("checkpoint version %d, want %d", v, checkpointVersion))
	}
	if crcOf(b[checkpointHeadLen:]) != binary.LittleEndian.Uint32(b[12:]) {
		return fail(errors.New("checksum mismatch (torn or damaged)"))
	}
	d := lenprefix.Decoder{Buf: b[checkpointHeadLen:]}
	u64 := func() uint64 {
		x := d.Take(8)
		if d.Bad {
			return 0
		}
		return binary.LittleEndian.Uint64(x)
	}
	u32 := func() uint32 {
		x := d.Take(4)
		if d.Bad {
			return 0
		}
		return binary.LittleEndian.Uint32(x)
	}
	sn := &snapshot{next: u64()}
	nsegs := u32()
	if d.Bad || sn.next < 1 || uint64(nsegs) > uint64(len(d.Buf))/52 {
		return fail(errors.New("malformed"))
	}
	for range nsegs {
		m := segMark{first: u64(), version: u32(), end: int64(u64()), proofAt: int64(u64())}
		copy(m.proof[:], d.Take(groupHeadLen))
		sn.segs = append(sn.segs, m)
	}
	if d.Bad {
		return fail(errors.New("malformed"))
	}
	return sn, d, nil
}

// decodeBody parses the rest of a checkpoint, after its head: the streams
// and the positions.
func (sn *snapshot) decodeBody(d lenprefix.Decoder) error {
	u32 := func() uint32 {
		x := d.Take(4)
		if d.Bad {
			return 0
		}
		return binary.LittleEndian.Uint32(x)
	}
	nsegs := uint32(len(sn.segs))
	nstreams := u32()
	events := sn.next - 1
	if d.Bad || uint64(nstreams) > uint64(len(d.Buf)) || events > uint64(len(d.Buf))/3 {
		return errors.New("malformed")
	}
	// One array for every stream's entries and one string for every
	// name, each stream's a slice of them (capacity clipped: the writer's
	// appends move a stream's entries out): the index of a 1M log was
	// 440 000 objects, three a stream, that every collection marked
	// again, most of a rebuild's mark work on the log.
	all := make([]entry, events)
	sn.names = make([]string, nstreams)
	sn.streams = make([][]entry, nstreams)
	nameEnds := make([]int, nstreams)
	nameBytes := make([]byte, 0, min(24*int(nstreams), len(d.Buf))) // fapiao's names are ≈ 20 bytes
	total := uint64(0)
	for k := range nstreams {
		name := d.Bytes()
		n := d.Uvarint()
		if d.Bad || n > events-total || n > uint64(len(d.Buf))/17 {
			return errors.New("malformed stream")
		}
		es := all[total : total+n : total+n]
		pos := eventstore.Position(0)
		for i := range es {
			pos += d.Uvarint()
			copy(es[i].id[:], d.Take(16))
			es[i].pos = pos
			if pos < 1 || pos > events {
				d.Bad = true
			}
		}
		if d.Bad {
			return errors.New("malformed stream")
		}
		total += n
		nameBytes = append(nameBytes, name...)
		nameEnds[k] = len(nameBytes)
		sn.streams[k] = es
	}
	names, start := string(nameBytes), 0
	for k, end := range nameEnds {
		sn.names[k] = names[start:end]
		start = end
	}
	if total != events {
		return fmt.Errorf("streams hold %d events, the checkpoint covers %d", total, events)
	}
	sn.locs = make([]loc, events)
	var prev loc
	for i := range sn.locs {
		seg, gap, n := d.Uvarint(), d.Uvarint(), d.Uvarint()
		l := loc{seg: prev.seg + uint32(seg), off: uint32(gap), n: uint32(n)}
		if i > 0 && seg == 0 {
			l.off = prev.off + prev.n + uint32(gap)
		}
		if d.Bad || l.seg >= nsegs || seg > 1<<32 || gap > 1<<32 || n > 1<<32 {
			return errors.New("malformed positions")
		}
		sn.locs[i] = l
		prev = l
	}
	if len(d.Buf) != 0 {
		return errors.New("trailing bytes")
	}
	return nil
}

// writeCheckpoint writes sn beside the log: to a temporary file, synced,
// then renamed over the previous one, so a crash leaves one or the other.
// The log it describes is durable already (a commit syncs; under NoSync
// the segments are synced first).
func (s *Store) writeCheckpoint(sn *snapshot) error {
	if s.opts.NoSync {
		for _, seg := range s.segsOf(sn) {
			if err := fdatasync(seg.f); err != nil {
				return err
			}
		}
	}
	tmp := filepath.Join(s.dir, checkpointName+".tmp")
	f, err := os.OpenFile(tmp, os.O_CREATE|os.O_TRUNC|os.O_WRONLY, 0o600)
	if err != nil {
		return err
	}
	if err := sn.encode(f, f); err != nil {
		f.Close()
		return err
	}
	if err := fdatasync(f); err != nil {
		f.Close()
		return err
	}
	if err := f.Close(); err != nil {
		return err
	}
	if err := os.Rename(tmp, filepath.Join(s.dir, checkpointName)); err != nil {
		return err
	}
	return syncDir(s.dir)
}

// segsOf returns the open segments a snapshot covers.
func (s *Store) segsOf(sn *snapshot) []*segment {
	s.ix.mu.RLock()
	defer s.ix.mu.RUnlock()
	return s.ix.segs[:min(len(sn.segs), len(s.ix.segs))]
}

// loadCheckpoint reads the checkpoint and checks it against the segment
// names on disk: the segments it covers must be those, and the group it
// ends at must be in its segment as it was. It returns nil and why when
// the checkpoint cannot be used (nil and "" for none at all).
//
// Once the head agrees with the log, the groups of the segments it covers
// whole are checked (checkCoveredGroups) while the rest is decoded: the
// scan takes their results from sn.checked.
func (s *Store) loadCheckpoint(names []string, live bool) (sn *snapshot, why string) {
	b, unmap, err := readCheckpoint(filepath.Join(s.dir, checkpointName))
	if errors.Is(err, fs.ErrNotExist) {
		return nil, ""
	}
	if err != nil {
		return nil, err.Error()
	}
	defer unmap()
	// A file cut short under the mapping faults; ignore it, as a torn one.
	defer debug.SetPanicOnFault(debug.SetPanicOnFault(true))
	defer recoverFault(func(fault any) {
		if sn != nil && sn.checked != nil {
			sn.checked() // not left running
		}
		sn, why = nil, fmt.Sprintf("changed while it was read: %v", fault)
	})
	sn, rest, err := decodeCheckpointHead(b)
	if err != nil {
		return nil, err.Error()
	}
	if why := s.checkHead(names, sn); why != "" {
		return nil, why
	}
	done := make(chan []coveredScan, 1)
	go func() { done <- checkCoveredGroups(s.dir, names, sn, live) }()
	sn.checked = func() []coveredScan { return <-done }
	if err := sn.decodeBody(rest); err != nil {
		sn.checked() // not left running
		return nil, err.Error()
	}
	return sn, ""
}

// readCheckpoint maps the checkpoint file (else reads it): decoded once
// and dropped, its bytes need not pass through the heap, where they made
// a restart's heap grow by their size before the index was built.
// unmap releases them; nothing decoded from them refers to them.
func readCheckpoint(path string) (b []byte, unmap func(), err error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, nil, err
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return nil, nil, err
	}
	if m := mapFile(f, fi.Size()); m != nil {
		return m, func() { unmapFile(m) }, nil
	}
	b, err = io.ReadAll(f)
	return b, func() {}, err
}

// checkHead says why a checkpoint's head does not describe the log in
// names, if it does not.
func (s *Store) checkHead(names []string, sn *snapshot) string {
	if len(sn.segs) == 0 || len(sn.segs) > len(names) {
		return fmt.Errorf("covers %d segments, the log has %d", len(sn.segs), len(names)).Error()
	}
	for i, m := range sn.segs {
		if names[i] != segmentName(m.first) {
			return fmt.Sprintf("covers segment %s, the log has %s there", segmentName(m.first), names[i])
		}
	}
	for i, m := range sn.segs {
		if why := checkCovered(filepath.Join(s.dir, names[i]), m); why != "" {
			return why
		}
	}
	last := sn.segs[len(sn.segs)-1]
	if h, ok := parseGroupHeader(last.proof[:]); !ok || h.first+uint64(h.count) != sn.next {
		return "its last group does not end where it says"
	}
	return ""
}

// checkCovered says why a covered segment is not as the checkpoint saw
// it, if it is not: another format, shorter than its groups were, or its
// last group not there as it was (a truncated, replaced or restored log).
func checkCovered(path string, m segMark) string {
	name := filepath.Base(path)
	f, err := os.Open(path)
	if err != nil {
		return err.Error()
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return err.Error()
	}
	if fi.Size() < m.end {
		return fmt.Sprintf("%s is %d bytes, its groups ended at byte %d: truncated", name, fi.Size(), m.end)
	}
	var fh [fileHeaderLen]byte
	if _, err := f.ReadAt(fh[:], 0); err != nil || fileVersion(fh[:]) != m.version {
		return fmt.Sprintf("%s is not of the format it had", name)
	}
	var head [groupHeadLen]byte
	if _, err := f.ReadAt(head[:], m.proofAt); err != nil || head != m.proof ||
		m.proofAt+groupSpan(binary.LittleEndian.Uint32(head[:])) != m.end {
		return fmt.Sprintf("%s no longer holds the group at byte %d as it was: truncated or replaced", name, m.proofAt)
	}
	return ""
}

// proofOf is the bytes of a group's header as written.
func proofOf(h groupHeader) (p [groupHeadLen]byte) {
	h.appendTo(p[:0])
	return p
}

// install puts a loaded checkpoint's index in place (at open, before the
// tail is scanned).
func (s *Store) install(sn *snapshot) {
	s.ix.locs = sn.locs
	sts := make([]streamIndex, len(sn.names)) // one object, not one a stream
	if len(s.ix.streams) == 0 {
		s.ix.streams = make(map[string]*streamIndex, len(sn.names)) // not grown step by step
	}
	for i, name := range sn.names {
		es := sn.streams[i]
		sts[i] = streamIndex{entries: es, committed: len(es)}
		s.ix.streams[name] = &sts[i]
	}
	last := sn.segs[len(sn.segs)-1]
	s.w.proofSeg, s.w.proofAt, s.w.proof = len(sn.segs)-1, last.proofAt, last.proof
}

// maybeCheckpoint starts a background checkpoint when enough log has been
// written since the last. Called by the writer after a commit, with ix.mu
// held (the snapshot is taken there; the file is written outside).
func (s *Store) maybeCheckpoint() {
	if s.opts.CheckpointBytes < 0 || s.dataBytes.Load()-s.ckptAt < s.opts.CheckpointBytes || !s.ckptBusy.CompareAndSwap(false, true) {
		return
	}
	s.ckptAt = s.dataBytes.Load()
	sn := s.snapshotLocked()
	s.ckptWG.Go(func() {
		defer s.ckptBusy.Store(false)
		if err := s.writeCheckpoint(sn); err != nil {
			s.logger().Warn("seglog: could not write the index checkpoint", "dir", s.dir, "err", err)
		}
	})
}

// finalCheckpoint writes a checkpoint at Close, once the writer stopped,
// unless the log is read-only, empty, or its tail is unknown.
func (s *Store) finalCheckpoint() {
	if s.opts.ReadOnly || s.w.failed != nil || s.w.next <= 1 || len(s.ix.segs) == 0 {
		return
	}
	s.ix.mu.RLock()
	sn := s.snapshotLocked()
	s.ix.mu.RUnlock()
	if err := s.writeCheckpoint(sn); err != nil {
		s.logger().Warn("seglog: could not write the index checkpoint", "dir", s.dir, "err", err)
	}
}

// coveredScan is the check of one segment a checkpoint covers whole.
type coveredScan struct {
	sc  segmentScan
	err error
}

// checkCoveredGroups checks the groups of the segments a checkpoint covers
// whole (all but its last), as many at once as there are cores: they are
// only checked, not indexed, so none waits for the one before it (a
// restart's open is mostly these checksums). They are read through a
// window, not mapped, so that the open's peak RSS holds no segment's
// pages. The scan uses the results in order, as if it had read them.
func checkCoveredGroups(dir string, names []string, sn *snapshot, live bool) []coveredScan {
	n := min(len(sn.segs)-1, len(names))
	if n <= 0 {
		return nil
	}
	out := make([]coveredScan, n)
	var taken atomic.Int64
	var wg sync.WaitGroup
	for range min(runtime.GOMAXPROCS(0), n) {
		wg.Go(func() {
			for {
				i := int(taken.Add(1)) - 1
				if i >= n {
					return
				}
				out[i] = checkCoveredSegment(filepath.Join(dir, names[i]), names[i], sn.segs[i], live)
			}
		})
	}
	wg.Wait()
	return out
}

// checkCoveredSegment scans a segment the checkpoint covers whole, up to
// m.end; a group past it is errNotAsCovered.
func checkCoveredSegment(path, name string, m segMark, live bool) coveredScan {
	f, err := os.Open(path)
	if err != nil {
		return coveredScan{err: err}
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return coveredScan{err: err}
	}
	sc, err := scanSegment(name, windowed{f}, fi.Size(), fileHeaderLen, m.first, false, live, func(g group) error {
		if g.payloadOff-groupHeadLen+groupSpan(g.head.length) > m.end {
			return fmt.Errorf("%w: %s: a group past the checkpoint's end", errNotAsCovered, name)
		}
		return nil
	})
	return coveredScan{sc: sc, err: err}
}

// windowed hides a file's type from scanSegment, which then reads it
// through its window rather than mapping it.
type windowed struct{ io.ReaderAt }
