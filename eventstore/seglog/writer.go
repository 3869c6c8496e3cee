package seglog

import (
	"fmt"
	"os"
	"path/filepath"

	"github.com/fapiao/fapiao/eventstore"
	"github.com/fapiao/fapiao/eventstore/internal/groupcommit"
)

// Batch bounds: enough to amortise an fdatasync many times over, small
// enough that a group neither holds much memory nor delays its first append
// long, and that recovery's look past a torn group stays short.
var groupLimits = groupcommit.Limits{Events: 8192, Bytes: 8 << 20}

// writerState belongs to the commit under way, in the writer goroutine or a
// lone append's own (groupcommit.Queue takes them in turns), and to open
// before the queue starts.
type writerState struct {
	next   eventstore.Position // position of the next event
	off    int64               // where the next group goes in the last segment
	buf    []byte              // the group being built: header, then payload
	staged []*streamIndex      // streams touched by the group in flight
	failed error               // a write or sync failed: the tail is unknown
	// The last group: its segment, offset and header, which a
	// checkpoint of the index records to recognise the log it covers.
	proofSeg int
	proofAt  int64
	proof    [groupHeadLen]byte
}

// commit stages a batch in the index (invisible to readers), writes its
// group, syncs, and then makes it visible — or takes it back out.
func (s *Store) commit(batch []*groupcommit.Request) {
	if s.w.failed != nil {
		for _, r := range batch {
			r.Err = s.w.failed
		}
		return // SubmitAtomic takes the first part's error for all
	}
	w := &s.w
	first := w.next
	w.buf = append(w.buf[:0], make([]byte, groupHeadLen)...)
	w.staged = w.staged[:0]

	s.ix.mu.Lock()
	for _, r := range batch {
		if err := ctxErr(r.Ctx); err != nil {
			r.Err = err
			continue
		}
		if len(r.More) > 0 {
			s.stageAtomic(r)
			continue
		}
		r.Res, r.Err = s.stage(r, s.ix.streams[r.Stream])
	}
	s.ix.mu.Unlock()
	count := w.next - first
	if count == 0 {
		return // every append was rejected or a retry: no write, no sync
	}

	payload := w.buf[groupHeadLen:]
	h := groupHeader{length: uint32(len(payload)), first: first, count: uint32(count), crc: crcOf(payload)}
	h.appendTo(w.buf[:0])
	span := groupSpan(h.length)
	for int64(len(w.buf)) < span {
		w.buf = append(w.buf, 0)
	}
	err := s.place(first, span)
	if err == nil {
		err = s.writeGroup(span)
	}
	s.ix.mu.Lock()
	if err != nil {
		s.unstage(first)
		s.ix.mu.Unlock()
		err = fmt.Errorf("%w: seglog: commit to %s: %v", eventstore.ErrUnavailable, s.dir, err)
		for _, r := range batch {
			r.Res, r.Err = eventstore.AppendResult{}, err
			for _, m := range r.More {
				m.Res, m.Err = eventstore.AppendResult{}, err
			}
		}
		return
	}
	seg := uint32(len(s.ix.segs) - 1)
	base := uint32(w.off) + groupHeadLen
	for i := range s.ix.locs[first-1:] {
		l := &s.ix.locs[int(first-1)+i]
		l.seg, l.off = seg, base+l.off
	}
	for _, st := range w.staged {
		st.committed = len(st.entries)
	}
	s.last.Store(w.next - 1)
	w.proofSeg, w.proofAt, w.proof = int(seg), w.off, [groupHeadLen]byte(w.buf[:groupHeadLen])
	w.off += span
	s.dataBytes.Add(span)
	s.maybeCheckpoint()
	s.ix.mu.Unlock()
	s.commits.Add(1)
	s.committed.Add(count)
	s.publish()
}

// place makes room for a group of span bytes: in the last segment if it
// fits, else in a new one. A failure here has written nothing.
func (s *Store) place(first eventstore.Position, span int64) error {
	last := s.ix.segs[len(s.ix.segs)-1]
	if s.w.off+span <= last.size {
		return nil
	}
	if s.w.off == fileHeaderLen {
		// An empty segment already carries this group's name: grow it.
		if err := preallocate(last.f, fileHeaderLen+span); err != nil {
			return err
		}
		if err := last.f.Sync(); err != nil {
			return err
		}
		s.ix.mu.Lock()
		last.size = fileHeaderLen + span
		s.ix.mu.Unlock()
		return nil
	}
	return s.roll(first, span)
}

// writeGroup writes the built group at the end of the last segment and
// syncs it. A failure leaves the tail unknown (a partial write, or a sync
// whose error the kernel will not repeat), so the store stops writing
// until it is reopened and the scan decides what the tail holds.
func (s *Store) writeGroup(span int64) error {
	seg := s.ix.segs[len(s.ix.segs)-1]
	if _, err := seg.f.WriteAt(s.w.buf[:span], s.w.off); err != nil {
		s.w.failed = fmt.Errorf("%w: seglog: a write failed (%v); reopen the store", eventstore.ErrUnavailable, err)
		return err
	}
	if s.opts.NoSync {
		return nil
	}
	if err := fdatasync(seg.f); err != nil {
		s.w.failed = fmt.Errorf("%w: seglog: fdatasync failed (%v); reopen the store", eventstore.ErrUnavailable, err)
		return err
	}
	return nil
}

// roll starts a new segment whose first group starts at position first,
// big enough for a group of span bytes. It is made durable (data, size, directory entry)
// before any group goes in, so a crash leaves either no file, an empty one,
// or a valid one.
func (s *Store) roll(first eventstore.Position, span int64) error {
	size := max(s.opts.SegmentBytes, fileHeaderLen+span)
	name := segmentName(first)
	path := filepath.Join(s.dir, name)
	f, err := os.OpenFile(path, os.O_CREATE|os.O_EXCL|os.O_RDWR, 0o600)
	if err != nil {
		return err
	}
	fail := func(err error) error {
		f.Close()
		os.Remove(path)
		return err
	}
	if err := preallocate(f, size); err != nil {
		return fail(err)
	}
	if _, err := f.WriteAt(appendFileHeader(nil), 0); err != nil {
		return fail(err)
	}
	if err := f.Sync(); err != nil {
		return fail(err)
	}
	if err := syncDir(s.dir); err != nil {
		return fail(err)
	}
	s.ix.mu.Lock()
	if n := len(s.ix.segs); n > 0 {
		prev := s.ix.segs[n-1]
		prev.end = s.w.off
		if s.w.proofSeg == n-1 {
			prev.proofAt, prev.proof = s.w.proofAt, s.w.proof
		}
	}
	s.ix.segs = append(s.ix.segs, &segment{f: f, name: name, first: first, size: size, version: formatVersion})
	s.ix.mu.Unlock()
	s.w.off = fileHeaderLen
	s.dataBytes.Add(fileHeaderLen)
	return nil
}

func syncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	defer d.Close()
	return d.Sync()
}

// unstage takes a failed group's events back out of the index.
func (s *Store) unstage(first eventstore.Position) {
	for _, st := range s.w.staged {
		st.entries = st.entries[:st.committed]
	}
	for name, st := range s.ix.streams {
		if len(st.entries) == 0 {
			delete(s.ix.streams, name)
			s.ix.streamsGen++
		}
	}
	s.ix.locs = s.ix.locs[:first-1]
	s.w.next = first
}
