// Package seglog is an embedded event store on an append-only segmented
// log: the events of each commit group are framed with lengths and CRC32C
// checksums, written to a preallocated segment file with one write, and made
// durable with one fdatasync. The per-stream index is kept in memory and
// derived from the log when the store opens, so a commit writes the log and
// nothing else. After a crash the scan at open drops a torn final group
// (never acknowledged) and refuses damage anywhere else (ErrCorrupt).
//
// The directory holds LOCK (flocked by the one writing process) and the
// segments, named by the first position they hold (00000000000000000001.seg).
package seglog

import (
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/fapiao/fapiao/eventstore"
	"github.com/fapiao/fapiao/eventstore/internal/groupcommit"
)

// lockTimeout bounds how long Open waits for another process's lock.
const lockTimeout = time.Second

// quietScan is the most events a scan without a checkpoint reads before
// the open says so: below it, the scan is too short to matter.
const quietScan = 10_000

// defaultSegmentBytes is the size segments are preallocated to.
const defaultSegmentBytes = 64 << 20

// ErrLocked says another process holds the store open for writing.
var ErrLocked = errors.New("the directory is locked by another process (probably a running `fapiao serve`); stop it or use another directory")

// Options tune a Store. The zero value is what production wants.
type Options struct {
	// NoSync skips fdatasync on commit, for bulk loads that restart from
	// scratch if the machine fails. Default off.
	NoSync bool
	// ReadOnly opens without the lock and without a writer, for audit jobs:
	// they may run beside a serving process and see the log as it was at
	// open. Appends fail.
	ReadOnly bool
	// SegmentBytes is the size of a new segment; zero means 64 MiB, and
	// more than 1 GiB is taken as 1 GiB. A group larger than that gets a
	// segment of its own size.
	SegmentBytes int64
	// CheckpointBytes is how much log the writer lets pass between
	// background checkpoints of the index (one is written at Close too);
	// zero means 64 MiB, negative never (Close still writes one).
	CheckpointBytes int64
	// Logger receives the open's notes (a checkpoint ignored, and why);
	// nil means slog.Default().
	Logger *slog.Logger
}

// OpenInfo says how the open derived the index.
type OpenInfo struct {
	// Checkpoint is how many events the index checkpoint covered.
	Checkpoint uint64
	// Scanned is how many events the open read from the log: the tail
	// after the checkpoint, or the whole log without one.
	Scanned uint64
	// Ignored says why no checkpoint was used ("none" for no file); empty
	// when one was, or for a new log.
	Ignored string
}

// segment is one file of the log.
type segment struct {
	f       *os.File
	name    string
	first   eventstore.Position
	size    int64
	version uint32 // of its records' format
	// end is where its groups end, and its last group's offset and
	// header, once it is not the last segment (the writer's w holds the
	// last one's).
	end     int64
	proofAt int64
	proof   [groupHeadLen]byte

	// mapOnce maps mem, the segment's groups in place, at a read-only
	// store's first read of it (inPlace).
	mapOnce sync.Once
	mem     []byte
}

// Store is an eventstore.Store on a segmented log in one directory.
type Store struct {
	dir  string
	opts Options
	lock *os.File

	ix index
	// last is the position of the last committed event.
	last atomic.Uint64
	// recovered lists what the scan at open found and repaired (a torn
	// final write), for verify.
	recovered []Problem
	opened    OpenInfo

	// ckptAt is dataBytes when the last checkpoint was taken; ckptBusy
	// says one is being written in the background.
	ckptAt   int64
	ckptBusy atomic.Bool
	ckptWG   sync.WaitGroup

	w         writerState        // owned by the commit under way (groupcommit's turn)
	q         *groupcommit.Queue // appends, to the writer (writer.go's commit)
	closeOnce sync.Once
	closeErr  error
	// maps is held by the reads of a read-only store (reading), and by
	// Close to unmap the segments (inplace.go).
	maps sync.RWMutex

	commits, committed atomic.Uint64
	// dataBytes is the log's size without the segments' preallocated tails.
	dataBytes atomic.Int64

	mu      sync.Mutex
	changed chan struct{} // closed and replaced on each commit and on Close
	closed  bool
}

var _ eventstore.Store = (*Store)(nil)

// Open opens (creating if needed, unless read-only) the store in dir. If
// another process holds it, Open fails after about a second. A log damaged
// anywhere but in its final, unacknowledged write fails with ErrCorrupt.
func Open(dir string, opts ...Options) (*Store, error) {
	var o Options
	if len(opts) > 0 {
		o = opts[len(opts)-1]
	}
	if o.SegmentBytes <= 0 {
		o.SegmentBytes = defaultSegmentBytes
	}
	if o.CheckpointBytes == 0 {
		o.CheckpointBytes = checkpointEvery
	}
	o.SegmentBytes = min(o.SegmentBytes, maxAppendBytes) // offsets are 32-bit
	s := &Store{
		dir: dir, opts: o,
		q:       groupcommit.NewQueue(),
		changed: make(chan struct{}),
	}
	s.ix.streams = make(map[string]*streamIndex)
	if err := s.open(); err != nil {
		s.closeFiles()
		return nil, fmt.Errorf("seglog: open %s: %w", dir, err)
	}
	if !o.ReadOnly {
		s.q.Start(groupLimits, s.commit)
	}
	return s, nil
}

func (s *Store) open() error {
	if !s.opts.ReadOnly {
		if err := os.MkdirAll(s.dir, 0o750); err != nil {
			return err
		}
		f, err := os.OpenFile(filepath.Join(s.dir, "LOCK"), os.O_CREATE|os.O_RDWR, 0o600)
		if err != nil {
			return err
		}
		s.lock = f
		if err := lockFile(f, lockTimeout); err != nil {
			return err
		}
	}
	names, err := segmentNames(s.dir)
	if err != nil {
		return err
	}
	live := s.opts.ReadOnly && writerRunning(s.dir)
	sn, why := s.loadCheckpoint(names, live)
	if sn != nil {
		err := s.scan(names, sn, live)
		if !errors.Is(err, errNotAsCovered) {
			return s.opened2(err)
		}
		// Undo the attempt; the scan of the whole log will say what is
		// wrong with it.
		why = err.Error()
		for _, seg := range s.ix.segs {
			seg.f.Close()
		}
		s.ix = index{streams: make(map[string]*streamIndex)}
		s.w, s.recovered, s.opened = writerState{}, nil, OpenInfo{}
		s.dataBytes.Store(0)
	}
	switch {
	case why != "":
		s.opened.Ignored = why
		s.logger().Warn("seglog: index checkpoint ignored; scanning the whole log", "dir", s.dir, "why", why)
	case len(names) > 0:
		s.opened.Ignored = "none"
	}
	return s.opened2(s.scan(names, nil, live))
}

// errNotAsCovered says the log's groups are not what its checkpoint covered.
var errNotAsCovered = errors.New("the log's groups differ from what the checkpoint covered")

// scan derives the index from the log: from the checkpoint sn and the
// groups after it, or (sn nil) from every group. Every group's checksums
// are read either way, so that a damaged log does not open; with a
// checkpoint only the groups after it are decoded into the index, which is
// most of a scan's work.
func (s *Store) scan(names []string, sn *snapshot, live bool) error {
	next := eventstore.Position(1)
	var pre []coveredScan
	if sn != nil {
		s.install(sn)
		s.opened.Checkpoint = sn.next - 1
		if sn.checked != nil {
			pre = sn.checked()
		}
	}
	for i, name := range names {
		lastSeg := i == len(names)-1
		// Groups before covered are the checkpoint's: checked, not indexed.
		covered := int64(0)
		if sn != nil && i < len(sn.segs) {
			covered = sn.segs[i].end
		}
		seg, err := s.openSegment(name, next, lastSeg)
		if err != nil {
			return err
		}
		if seg == nil {
			continue // an empty final segment left by a crash, removed
		}
		idx := uint32(len(s.ix.segs))
		s.ix.segs = append(s.ix.segs, seg)
		var bad error
		var sc segmentScan
		if i < len(pre) {
			sc, err = pre[i].sc, pre[i].err
		} else {
			// Through a window, not mapped: the last segment's
			// preallocated zeros, read to the end, held 64 MiB of a
			// restart's peak RSS.
			sc, err = scanSegment(name, windowed{seg.f}, seg.size, fileHeaderLen, next, lastSeg, live, func(g group) error {
				at := g.payloadOff - groupHeadLen
				if at < covered {
					if at+groupSpan(g.head.length) > covered {
						return fmt.Errorf("%w: %s: a group spans the checkpoint's end", errNotAsCovered, name)
					}
					return nil
				}
				pos := g.head.first
				s.w.proofSeg, s.w.proofAt, s.w.proof = int(idx), at, proofOf(g.head)
				splitRecords(g.payload, g.head.count, func(off int, body []byte) bool {
					l := loc{seg: idx, off: uint32(g.payloadOff) + uint32(off), n: uint32(len(body))}
					if !s.ix.add(pos, l, body) {
						bad = fmt.Errorf("%w: %s: event at position %d is out of its stream's order", ErrCorrupt, name, pos)
						return false
					}
					s.opened.Scanned++
					pos++
					return true
				})
				return bad
			})
		}
		if err != nil {
			return err
		}
		if covered > 0 {
			m := sn.segs[i]
			switch {
			case sc.end < m.end || (sc.problem != nil && sc.problem.Offset < m.end):
				return fmt.Errorf("%w: %s holds intact groups to byte %d, the checkpoint covered %d", errNotAsCovered, name, sc.end, m.end)
			case i < len(sn.segs)-1 && sc.end != m.end:
				return fmt.Errorf("%w: %s has groups after the checkpoint's end, and segments after it", errNotAsCovered, name)
			}
			seg.proofAt, seg.proof = m.proofAt, m.proof
		}
		next = sc.next
		if p := sc.problem; p != nil {
			if !p.Torn {
				return fmt.Errorf("%w: %s (run `fapiao verify` for the whole report)", ErrCorrupt, p)
			}
			if !s.opts.ReadOnly {
				if err := zeroRange(seg.f, sc.end, sc.dirty); err != nil {
					return fmt.Errorf("drop the torn final write: %w", err)
				}
			}
			s.recovered = append(s.recovered, *p)
		}
		seg.end = sc.end
		if s.w.proofSeg == int(idx) {
			seg.proofAt, seg.proof = s.w.proofAt, s.w.proof
		}
		s.w.off = sc.end
		s.dataBytes.Add(sc.end)
	}
	if sn != nil && next < sn.next {
		return fmt.Errorf("%w: the log ends at position %d, the checkpoint covered %d", errNotAsCovered, next-1, sn.next-1)
	}
	s.w.next = next
	return nil
}

// opened2 finishes the open once the index is derived.
func (s *Store) opened2(err error) error {
	if err != nil {
		return err
	}
	next := s.w.next
	if s.opened.Ignored == "none" && s.opened.Scanned >= quietScan {
		s.logger().Info("seglog: no index checkpoint; scanned the whole log", "dir", s.dir, "events", s.opened.Scanned)
	}
	s.last.Store(next - 1)
	if s.opts.ReadOnly {
		return nil
	}
	if len(s.ix.segs) == 0 {
		return s.roll(1, 0)
	}
	return s.upgradeLast(next)
}

// upgradeLast makes the last segment one of this build's format, so that
// appends (encoded for it) can go there: an older segment holding groups
// is left as it is and a new segment started after it; one without any
// group gets this format's header.
func (s *Store) upgradeLast(next eventstore.Position) error {
	last := s.ix.segs[len(s.ix.segs)-1]
	if last.version == formatVersion {
		return nil
	}
	if s.w.off > fileHeaderLen {
		return s.roll(next, 0)
	}
	if _, err := last.f.WriteAt(appendFileHeader(nil), 0); err != nil {
		return err
	}
	if err := fdatasync(last.f); err != nil {
		return err
	}
	last.version = formatVersion
	return nil
}

// openSegment opens a segment file and checks its header and name. It
// returns nil for a final segment that a crash left without a complete
// header: it was never written to (a segment is synced before its first
// group), and is removed unless read-only.
func (s *Store) openSegment(name string, next eventstore.Position, last bool) (*segment, error) {
	first, _ := strconv.ParseUint(strings.TrimSuffix(name, segSuffix), 10, 64)
	flag := os.O_RDWR
	if s.opts.ReadOnly {
		flag = os.O_RDONLY
	}
	path := filepath.Join(s.dir, name)
	f, err := os.OpenFile(path, flag, 0)
	if err != nil {
		return nil, err
	}
	fi, err := f.Stat()
	if err != nil {
		f.Close()
		return nil, err
	}
	head := make([]byte, fileHeaderLen)
	n, _ := f.ReadAt(head, 0)
	ver := fileVersion(head[:n])
	if ver == 0 {
		if last && isZero(head[:n]) {
			f.Close()
			if s.opts.ReadOnly {
				return nil, nil
			}
			return nil, os.Remove(path)
		}
		f.Close()
		return nil, fmt.Errorf("%w: %s: not a segment of this format", ErrCorrupt, name)
	}
	if first != next {
		f.Close()
		return nil, fmt.Errorf("%w: %s: segment starts at position %d, want %d (a segment is missing?)", ErrCorrupt, name, first, next)
	}
	return &segment{f: f, name: name, first: first, size: fi.Size(), version: ver}, nil
}

const segSuffix = ".seg"

func segmentName(first eventstore.Position) string {
	return fmt.Sprintf("%020d%s", first, segSuffix)
}

// segmentNames lists the segment files in order.
func segmentNames(dir string) ([]string, error) {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return nil, err
	}
	var names []string
	for _, e := range entries {
		name := e.Name()
		if len(name) == 20+len(segSuffix) && strings.HasSuffix(name, segSuffix) {
			if _, err := strconv.ParseUint(name[:20], 10, 64); err == nil {
				names = append(names, name)
			}
		}
	}
	slices.Sort(names) // zero-padded: name order is position order
	return names, nil
}

// LastPosition returns the position of the last committed event (Start for
// an empty log).
func (s *Store) LastPosition() eventstore.Position { return s.last.Load() }

// Path returns the store's directory.
func (s *Store) Path() string { return s.dir }

// BatchStats returns how many groups were committed since open and how
// many events they held: their ratio is events per fdatasync.
func (s *Store) BatchStats() (commits, events uint64) {
	return s.commits.Load(), s.committed.Load()
}

// DataBytes returns the bytes the log's groups and headers take on disk,
// leaving out the zeros preallocated at the end of the last segment.
func (s *Store) DataBytes() int64 { return s.dataBytes.Load() }

// Recovered returns what the scan at open repaired: a torn final write that
// was never acknowledged, dropped. Empty after a clean shutdown.
func (s *Store) Recovered() []Problem { return slices.Clone(s.recovered) }

// OpenInfo says how the open derived the index: from a checkpoint and a
// scan of the log after it, or from a scan of the whole log.
func (s *Store) OpenInfo() OpenInfo { return s.opened }

func (s *Store) logger() *slog.Logger {
	if s.opts.Logger != nil {
		return s.opts.Logger
	}
	return slog.Default()
}

// Close stops the writer (appends still queued fail with ErrClosed), ends
// live subscriptions, writes an index checkpoint and closes the files.
// Calling it again is harmless.
func (s *Store) Close() error {
	s.closeOnce.Do(func() {
		s.mu.Lock()
		s.closed = true
		close(s.changed)
		s.mu.Unlock()
		s.q.Close()
		s.ckptWG.Wait()
		s.finalCheckpoint()
		s.ix.mu.Lock()
		s.closeErr = s.closeFiles()
		s.ix.mu.Unlock()
	})
	return s.closeErr
}

func (s *Store) closeFiles() error {
	s.unmap()
	var errs []error
	for _, seg := range s.ix.segs {
		errs = append(errs, seg.f.Close())
	}
	if s.lock != nil {
		errs = append(errs, s.lock.Close()) // releases the flock
	}
	return errors.Join(errs...)
}

// watch returns a channel closed at the next commit (or at Close), and
// whether the store is closed. Take it before reading, so that a commit
// between the read and the wait cannot be missed.
func (s *Store) watch() (<-chan struct{}, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.changed, s.closed
}

// publish wakes waiting subscribers after a commit.
func (s *Store) publish() {
	s.mu.Lock()
	if !s.closed {
		close(s.changed)
		s.changed = make(chan struct{})
	}
	s.mu.Unlock()
}

func (s *Store) isClosed() bool { return s.q.Closed() }
