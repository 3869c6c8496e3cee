// Package bolt is fapiao's embedded event store: one bbolt file holding the
// global log and a per-stream index (with each event's ID, for idempotent
// retries) and the streams' last revisions. Appends go through a
// single writer goroutine that commits every pending append in one
// transaction and one fsync (group commit), so throughput grows with load;
// a lone append, with nothing queued or committing, commits at once in its
// caller's goroutine (groupcommit.Queue).
package bolt

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	bbolt "go.etcd.io/bbolt"
	berrors "go.etcd.io/bbolt/errors"

	"github.com/fapiao/fapiao/eventstore"
	"github.com/fapiao/fapiao/eventstore/internal/groupcommit"
)

// lockTimeout bounds how long Open waits for another process's file lock.
const lockTimeout = time.Second

// Options tune a Store. The zero value is what production wants.
type Options struct {
	// NoSync skips fsync on commit. It is for bulk loads only (an import
	// that is restarted from scratch if the machine fails): with it, a crash
	// can lose or corrupt committed events. Default off.
	NoSync bool
	// MaxSize caps the file size in bytes; appends that would grow the file
	// beyond it fail with eventstore.ErrUnavailable. Zero means no cap.
	MaxSize int
	// ReadOnly opens an existing store for reading only (the auditor's
	// jobs): nothing is created or changed, a missing file is an error, and
	// appends fail with eventstore.ErrReadOnly. Other readers may open the
	// file at the same time; a writer may not.
	ReadOnly bool
}

// Store is an eventstore.Store on one bbolt file.
type Store struct {
	db       *bbolt.DB
	path     string
	readOnly bool

	q         *groupcommit.Queue // appends, to the writer (writer.go's writeGroup)
	arena     []byte             // the writer's, reused from group to group
	closeOnce sync.Once
	closeErr  error

	// last is the position of the last committed event, published after
	// each commit for readers and LastPosition.
	last atomic.Uint64
	// commits and committed count write transactions and the events in
	// them: their ratio is the group-commit batch size.
	commits, committed atomic.Uint64
	// sinceRelease counts the bytes scans read since the mapped pages were
	// last released (read.go).
	sinceRelease atomic.Int64
	// leaf is the file opened for LendStream's reads (leafread.go).
	leaf leafFile
	// damage is the first ErrCorrupt met (*error); once set, appends are
	// refused with it: writing on a damaged file spreads the damage.
	damage atomic.Pointer[error]

	mu      sync.Mutex
	changed chan struct{} // closed and replaced on each commit and on Close
	closed  bool
}

var _ eventstore.Store = (*Store)(nil)

// Open opens (creating if needed, unless opts say ReadOnly) the store in
// the file at path. If another process holds the file, Open fails after
// about a second. An existing file of zero bytes is refused: it is a
// store that lost its content, not an empty one.
func Open(path string, opts ...Options) (*Store, error) {
	var o Options
	if len(opts) > 0 {
		o = opts[len(opts)-1]
	}
	switch info, err := os.Stat(path); {
	case err == nil && info.IsDir():
		return nil, fmt.Errorf("bolt: open %s: is a directory, not a store file", path)
	case err == nil && info.Size() == 0:
		return nil, corruptf("bolt: open %s: the file is empty (0 bytes): not a store; restore it from a backup, or remove it to start a new log", path)
	case err != nil && o.ReadOnly:
		return nil, fmt.Errorf("bolt: open %s for reading: no store there (nothing was created): %w", path, err)
	}
	if err := preflight(path); err != nil {
		return nil, fmt.Errorf("bolt: open %s: %w", path, err)
	}
	var db *bbolt.DB
	err := guard("bbolt", func() error {
		var err error
		db, err = bbolt.Open(path, 0o600, &bbolt.Options{
			Timeout:      lockTimeout,
			NoSync:       o.NoSync,
			MaxSize:      o.MaxSize,
			ReadOnly:     o.ReadOnly,
			FreelistType: bbolt.FreelistMapType,
			// The free-page list is written with each commit (one more page)
			// rather than rebuilt on open by walking every page: that walk made
			// the whole file resident and was start-up's memory peak. A lone
			// writer pays a little for the extra page (figures in
			// docs/performance.md, "Code health (issue 18)").
			NoFreelistSync: false,
			// Read-only too, so that a damaged free list is met here, under
			// guard, rather than inside bbolt's own check goroutine.
			PreLoadFreelist: true,
		})
		return err
	})
	if errors.Is(err, berrors.ErrTimeout) {
		return nil, fmt.Errorf("bolt: open %s: the file is locked by another process (probably a running `fapiao serve`); stop it or use another file: %w", path, err)
	}
	if err != nil && !errors.Is(err, eventstore.ErrCorrupt) && isDamageOnOpen(err) {
		err = fmt.Errorf("%w (%w)", err, eventstore.ErrCorrupt)
	}
	if err != nil {
		return nil, fmt.Errorf("bolt: open %s: %w", path, err)
	}
	s := &Store{
		db:       db,
		path:     path,
		readOnly: o.ReadOnly,
		q:        groupcommit.NewQueue(),
		changed:  make(chan struct{}),
	}
	if err := guard("reading", s.init); err != nil {
		db.Close()
		return nil, fmt.Errorf("bolt: open %s: %w", path, err)
	}
	if !o.ReadOnly {
		s.q.Start(groupLimits, s.writeGroup)
	}
	return s, nil
}

// isDamageOnOpen reports whether bbolt refused a file for its content
// (bad meta pages, wrong magic or version, a file too small) rather than
// for the system's reasons (permissions, lock).
func isDamageOnOpen(err error) bool {
	return errors.Is(err, berrors.ErrInvalid) || errors.Is(err, berrors.ErrChecksum) ||
		errors.Is(err, berrors.ErrVersionMismatch) || errors.Is(err, berrors.ErrInvalidMapping) ||
		errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) ||
		strings.Contains(err.Error(), "file size too small") // bbolt has no sentinel for it
}

// init creates the buckets of a new file and loads the last position. A
// file that has them is only read: opening writes nothing, so a crash
// right after an open leaves the file exactly as the last commit did.
func (s *Store) init() error {
	load := func(tx *bbolt.Tx) error {
		if tx.Size() > s.fileSize() {
			return corruptf("the file is %d bytes but its last commit needs %d: it was cut short", s.fileSize(), tx.Size())
		}
		if k, _ := tx.Bucket(bucketLog).Cursor().Last(); k != nil {
			if len(k) != 8 {
				return corruptf("the log's last key is %d bytes, not 8", len(k))
			}
			s.last.Store(uint64FromKey(k))
		}
		return nil
	}
	var ready, any bool
	if err := s.db.View(func(tx *bbolt.Tx) error {
		ready = tx.Bucket(bucketLog) != nil && tx.Bucket(bucketRevs) != nil && tx.Bucket(bucketHeads) != nil
		any = tx.Bucket(bucketLog) != nil || tx.Bucket(bucketRevs) != nil || tx.Bucket(bucketHeads) != nil
		if !ready {
			return nil
		}
		return load(tx)
	}); err != nil || ready {
		return err
	}
	if any {
		return corruptf("some of the buckets log, revs and heads are missing")
	}
	if s.readOnly {
		return errors.New("not a fapiao store: it has no log (nothing was created)")
	}
	return s.db.Update(func(tx *bbolt.Tx) error {
		for _, name := range [][]byte{bucketLog, bucketRevs, bucketHeads} {
			if _, err := tx.CreateBucketIfNotExists(name); err != nil {
				return err
			}
		}
		return load(tx)
	})
}

// fileSize is the size of the store's file now (the largest size if it
// cannot be read, which makes no size check fail).
func (s *Store) fileSize() int64 {
	info, err := os.Stat(s.path)
	if err != nil {
		return 1<<63 - 1
	}
	return info.Size()
}

// Damage returns the damage the store met (an error wrapping
// eventstore.ErrCorrupt), or nil. Once damaged, the store refuses appends.
func (s *Store) Damage() error {
	if p := s.damage.Load(); p != nil {
		return *p
	}
	return nil
}

// noteDamage remembers err if it is damage, and returns it.
func (s *Store) noteDamage(err error) error {
	if errors.Is(err, eventstore.ErrCorrupt) {
		s.damage.CompareAndSwap(nil, &err)
	}
	return err
}

// LastPosition returns the position of the last committed event (Start for
// an empty log).
func (s *Store) LastPosition() eventstore.Position { return s.last.Load() }

// BatchStats returns how many write transactions were committed since open
// and how many events they held: their ratio is the group-commit batch size
// (each commit is two fsyncs, pages then meta).
func (s *Store) BatchStats() (commits, events uint64) { return s.commits.Load(), s.committed.Load() }

// Path returns the file the store lives in.
func (s *Store) Path() string { return s.path }

// Close stops the writer (appends still queued fail with ErrClosed), ends
// live subscriptions and closes the file. Calling it again is harmless.
func (s *Store) Close() error {
	s.closeOnce.Do(func() {
		s.mu.Lock()
		s.closed = true
		close(s.changed) // wake subscribers so they see the store is closed
		s.mu.Unlock()
		s.q.Close()
		s.closeErr = s.db.Close()
		if s.leaf.f != nil {
			s.leaf.f.Close()
		}
	})
	return s.closeErr
}

// watch returns a channel closed at the next commit (or at Close), and
// whether the store is already closed. Take it before reading so that a
// commit between the read and the wait cannot be missed.
func (s *Store) watch() (<-chan struct{}, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.changed, s.closed
}

// publish makes a commit visible: readers see the new last position, and
// waiting subscribers wake.
func (s *Store) publish(last eventstore.Position) {
	s.mu.Lock()
	s.last.Store(last)
	if !s.closed {
		close(s.changed)
		s.changed = make(chan struct{})
	}
	s.mu.Unlock()
}

func (s *Store) isClosed() bool { return s.q.Closed() }

// mapDBErr turns bbolt's "closed" into ours.
func mapDBErr(err error) error {
	if errors.Is(err, berrors.ErrDatabaseNotOpen) {
		return eventstore.ErrClosed
	}
	return err
}

func uint64FromKey(k []byte) uint64 {
	var v uint64
	for _, c := range k {
		v = v<<8 | uint64(c)
	}
	return v
}

// ctxErr is ctx.Err() without the lock for contexts that can never end.
func ctxErr(ctx context.Context) error { return groupcommit.CtxErr(ctx) }
