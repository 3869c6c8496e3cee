package seglog

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"runtime/debug"
	"sync"
)

// Problem is something a scan of the log found wrong.
type Problem struct {
	Segment string // file name
	Offset  int64  // where the damage starts
	// Position is the position the damaged group would have started at.
	Position uint64
	// Torn is true for an incomplete final write: a group that was being
	// written when the process or machine stopped. It was never
	// acknowledged, and recovery drops it. Anything else is corruption.
	Torn bool
	What string
}

func (p Problem) String() string {
	kind := "corrupt"
	if p.Torn {
		kind = "torn final write (never acknowledged; dropped)"
	}
	return fmt.Sprintf("%s at byte %d: %s: %s", p.Segment, p.Offset, kind, p.What)
}

// reader reads a segment through a window, so that a scan takes one read per
// few megabytes rather than two per group.
type reader struct {
	f    io.ReaderAt
	size int64
	buf  []byte
	off  int64  // file offset of buf[0]
	mem  []byte // the whole file, when mapped
}

const window = 4 << 20

// windows are readers' buffers, reused from one segment's scan to the
// next: an open checks every segment, and a new 4 MiB each was most of
// the garbage it left.
var windows = sync.Pool{New: func() any { b := make([]byte, 0, window); return &b }}

// at returns the n bytes at off (fewer at the end of the file). The slice
// is valid until the next call.
func (r *reader) at(off int64, n int) ([]byte, error) {
	if r.mem != nil {
		if off >= int64(len(r.mem)) {
			return nil, nil
		}
		return r.mem[off:min(off+int64(n), int64(len(r.mem)))], nil
	}
	if off >= r.off && off+int64(n) <= r.off+int64(len(r.buf)) {
		return r.buf[off-r.off : off-r.off+int64(n)], nil
	}
	want := max(n, window)
	if rest := r.size - off; int64(want) > rest {
		want = int(max(rest, 0))
	}
	if cap(r.buf) < want {
		r.buf = make([]byte, want)
	}
	r.buf = r.buf[:want]
	k, err := r.f.ReadAt(r.buf, off)
	if err != nil && !errors.Is(err, io.EOF) {
		return nil, err
	}
	r.buf, r.off = r.buf[:k], off
	return r.buf[:min(n, k)], nil
}

// group is one intact group met by a scan.
type group struct {
	head       groupHeader
	payloadOff int64
	payload    []byte // valid only during the visit
}

// segmentScan is the outcome of scanning one segment.
type segmentScan struct {
	end     int64    // where the next group goes: the end of the intact groups
	next    uint64   // the position after the last intact group
	problem *Problem // damage met, if any (the scan stopped there)
	dirty   int64    // with a torn tail: the end of the bytes to zero
}

// scanSegment reads the groups of a segment in order from byte from (the
// file header's end, or where an index checkpoint ends), starting at
// position next, and calls visit for each intact one. It stops at the first group
// that is not intact and says whether the damage is a torn tail (nothing
// intact after it in this segment) or corruption. last says this is the
// log's final segment: only there can a write be torn. live says a writer
// may be appending while we read: then the final segment's tail can change
// under the scan and is never taken for corruption.
func scanSegment(name string, f io.ReaderAt, size, from int64, next uint64, last, live bool, visit func(group) error) (sc segmentScan, err error) {
	r := &reader{f: f, size: size}
	if _, ok := f.(*os.File); !ok {
		bp := windows.Get().(*[]byte)
		r.buf = (*bp)[:0]
		defer func() {
			if cap(r.buf) == window {
				*bp = r.buf[:0]
			}
			windows.Put(bp)
		}()
	}
	if file, ok := f.(*os.File); ok {
		r.mem = mapFile(file, size)
		defer unmapFile(r.mem)
		// A file cut short under the mapping faults; say so rather than crash.
		defer debug.SetPanicOnFault(debug.SetPanicOnFault(true))
		defer func() {
			if p := recover(); p != nil {
				sc, err = segmentScan{}, fmt.Errorf("seglog: %s changed size while it was read: %v", name, p)
			}
		}()
	}
	off := from
	for {
		head, err := r.at(off, groupHeadLen)
		if err != nil {
			return segmentScan{}, err
		}
		if len(head) < groupHeadLen || isZero(head) {
			return checkRest(name, r, off, next, last && live, last, "")
		}
		h, ok := parseGroupHeader(head)
		what := ""
		switch {
		case !ok:
			what = "group header checksum mismatch"
		case h.first != next:
			what = fmt.Sprintf("group starts at position %d, want %d", h.first, next)
		case off+groupSpan(h.length) > size:
			what = fmt.Sprintf("group of %d bytes runs past the segment's end", h.length)
		}
		if what != "" {
			return checkRest(name, r, off, next, last && live, last, what)
		}
		payload, err := r.at(off+groupHeadLen, int(h.length))
		if err != nil {
			return segmentScan{}, err
		}
		switch {
		case crcOf(payload) != h.crc:
			what = "group payload checksum mismatch"
		case !splitRecords(payload, h.count, func(int, []byte) bool { return true }):
			what = "malformed records in a group whose checksum holds"
		}
		if what != "" {
			return checkRest(name, r, off, next, last && live, last, what)
		}
		if err := visit(group{head: h, payloadOff: off + groupHeadLen, payload: payload}); err != nil {
			return segmentScan{}, err
		}
		off += groupSpan(h.length)
		next += uint64(h.count)
	}
}

// checkRest decides what the bytes from off to the segment's end are, once
// the intact groups end at off (what says why; empty for a zero header).
// All zero: a clean end. Otherwise, if an intact-looking group header for a
// later position follows, acknowledged groups sit beyond damage: corruption.
// If none does, the bytes are the remains of one torn write — in the last
// segment; elsewhere no write can have been torn, so it is corruption too.
func checkRest(name string, r *reader, off int64, next uint64, moving, last bool, what string) (segmentScan, error) {
	out := segmentScan{end: off, next: next}
	dirty := int64(-1) // the last non-zero byte
	found := int64(-1)
	for at := off; at < r.size; at += window {
		// One header's worth past the window, so a header across the
		// boundary is seen.
		b, err := r.at(at, int(min(window+groupHeadLen, r.size-at)))
		if err != nil {
			return out, err
		}
		for blk := 0; blk < len(b) && int64(blk) < window; blk += zeroBlock {
			end := min(blk+zeroBlock, len(b))
			if bytes.Equal(b[blk:end], zeros[:end-blk]) {
				continue // the usual case: megabytes of preallocated zeros
			}
			if i := lastNonZero(b[blk:end]); i >= 0 {
				dirty = max(dirty, at+int64(blk+i))
			}
			// Headers sit at aligned offsets; the one at off is the damage.
			for i := blk; i < end && i+groupHeadLen <= len(b) && found < 0; i += groupAlign {
				if at+int64(i) == off || isZero(b[i:i+8]) {
					continue
				}
				if h, ok := parseGroupHeader(b[i : i+groupHeadLen]); ok && h.first >= next {
					found = at + int64(i)
				}
			}
		}
	}
	if dirty < 0 {
		return out, nil
	}
	if what == "" {
		what = "non-zero bytes after the last group"
	}
	p := &Problem{Segment: name, Offset: off, Position: next, What: what}
	switch {
	case moving:
		// Bytes read a moment apart may mix commits; the writer's own
		// open and a check of a stopped log judge this tail strictly.
		p.Torn = true
		p.What += " (a writer has the log open: probably its commit in flight)"
	case found >= 0:
		p.What += fmt.Sprintf("; a group header follows at byte %d", found)
	case last:
		p.Torn = true
	default:
		p.What += " (not in the last segment, so not a torn write)"
	}
	out.problem, out.dirty = p, dirty+1
	return out, nil
}

func isZero(b []byte) bool {
	for _, c := range b {
		if c != 0 {
			return false
		}
	}
	return true
}

func lastNonZero(b []byte) int {
	for i := len(b) - 1; i >= 0; i-- {
		if b[i] != 0 {
			return i
		}
	}
	return -1
}

// zeroBlock is the unit checkRest compares against zeros before looking
// closer.
const zeroBlock = 4096

var zeros = make([]byte, 1<<20)

// zeroRange overwrites [from, to) with zeros and syncs it.
func zeroRange(f *os.File, from, to int64) error {
	for at := from; at < to; at += int64(len(zeros)) {
		n := min(int64(len(zeros)), to-at)
		if _, err := f.WriteAt(zeros[:n], at); err != nil {
			return err
		}
	}
	return fdatasync(f)
}
