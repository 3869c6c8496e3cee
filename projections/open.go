package projections

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"syscall"

	bolt "go.etcd.io/bbolt"
	berrors "go.etcd.io/bbolt/errors"

	"github.com/fapiao/fapiao/eventstore"
)

// RebuildSuffix names the file a rebuild writes beside the views file
// before renaming it over it.
const RebuildSuffix = ".rebuild"

// Open opens the views file at path, creating it if there is none, for the
// log named by o.Identity. A file that must not be served — damaged, of
// another log, of another format, or an unfinished build — is removed with
// a log line saying why, and an empty one takes its place: Run then
// rebuilds it and the projections are not ready until it has. A file of
// another views version is served as it is while Run rebuilds it beside
// (Stale says why).
func Open(path string, o Options) (*Projections, error) {
	if o.Log == nil {
		o.Log = slog.New(slog.DiscardHandler)
	}
	p, why, err := openFile(path, o)
	if err != nil {
		return nil, err
	}
	if why != "" {
		o.Log.Warn("projections: the views file is not used; rebuilding it from the log", "path", path, "why", why)
		if err := os.Remove(path); err != nil && !errors.Is(err, os.ErrNotExist) {
			return nil, fmt.Errorf("projections: removing the unusable views file %s: %w", path, err)
		}
		if p, why, err = openFile(path, o); err != nil {
			return nil, err
		}
		if why != "" {
			return nil, fmt.Errorf("projections: a new views file %s is unusable: %s", path, why)
		}
	}
	if p.stale != "" {
		p.opts.Log.Warn("projections: the views file is of another version; serving it while it is rebuilt", "path", path, "why", p.stale)
	}
	return p, nil
}

// openFile opens or creates the file; why says why it cannot be served
// (the file is then closed).
func openFile(path string, o Options) (p *Projections, why string, err error) {
	_, statErr := os.Stat(path)
	creating := errors.Is(statErr, os.ErrNotExist)
	var db *bolt.DB
	why, err = guard(func() error {
		var err error
		// Without statistics: nothing reads them, and every query's read
		// transaction would add its counts to them under a lock.
		db, err = bolt.Open(path, 0o600, &bolt.Options{Timeout: lockTimeout, FreelistType: bolt.FreelistMapType, NoStatistics: true, PageSize: viewsPageSize})
		return err
	})
	if errors.Is(err, berrors.ErrTimeout) {
		return nil, "", fmt.Errorf("projections: the views file %s is locked by another process (a running `fapiao serve`?): %w", path, err)
	}
	if err != nil {
		if os.IsPermission(err) {
			return nil, "", fmt.Errorf("projections: opening %s: %w", path, err)
		}
		return nil, "damaged: " + err.Error(), nil
	}
	if why != "" {
		return nil, why, nil
	}
	if creating {
		err := db.Update(func(tx *bolt.Tx) error {
			if err := initFile(tx); err != nil {
				return err
			}
			// Empty is complete: nothing is missing from it.
			return tx.Bucket(bktMeta).Put(metaComplete, []byte{1})
		})
		if err != nil {
			db.Close()
			return nil, "", fmt.Errorf("projections: creating %s: %w", path, err)
		}
	}
	var m fileMeta
	why, err = guard(func() error {
		return db.View(func(tx *bolt.Tx) error {
			var err error
			m, err = readMeta(tx)
			return err
		})
	})
	if why == "" && err != nil {
		why = err.Error()
	}
	if why == "" {
		why = usable(m, o.Identity)
	}
	if why != "" {
		db.Close()
		return nil, why, nil
	}
	if err := relaxSync(db, m); err != nil {
		db.Close()
		return nil, "", fmt.Errorf("projections: opening %s: %w", path, err)
	}
	p = newProjections(db, path, o)
	p.load(m)
	p.ino = inode(path)
	if m.views != ViewsVersion {
		p.stale = fmt.Sprintf("views version %d, this build's is %d", m.views, ViewsVersion)
	}
	return p, "", nil
}

// usable says why a file's meta forbids serving it, "" if nothing does.
func usable(m fileMeta, identity string) string {
	switch {
	case m.format != FormatVersion:
		return fmt.Sprintf("format %d, this build reads %d", m.format, FormatVersion)
	case !m.complete:
		return "an unfinished build"
	case m.identity != "" && m.identity != identity:
		return fmt.Sprintf("built from another log (identity %s, the store's is %q)", m.identity, identity)
	}
	return tornWhy(m)
}

// viewsPageSize is the page size of a views file this build creates (a
// file keeps the size it was created with: bbolt reads it from the file,
// so older files of 4 KiB pages are read as they are). At 16 KiB an
// account's snapshot fits in a leaf instead of an overflow run of its own, and the trees of the invoices' indexes
// are a level shallower, so each of a build's puts descends one node less
// (docs/performance.md, "Views flush, 30 Nov afternoon").
const viewsPageSize = 16 << 10

// guard runs fn, turning a panic (bbolt meets a damaged page) into a reason.
func guard(fn func() error) (why string, err error) {
	defer func() {
		if v := recover(); v != nil {
			why = fmt.Sprintf("damaged: %v", v)
		}
	}()
	return "", fn()
}

func inode(path string) uint64 {
	fi, err := os.Stat(path)
	if err != nil {
		return 0
	}
	if st, ok := fi.Sys().(*syscall.Stat_t); ok {
		return st.Ino
	}
	return 0
}

// Stale says why the open file must be rebuilt although it is served ("" if
// it need not).
func (p *Projections) Stale() string {
	p.mu.RLock()
	defer p.mu.RUnlock()
	return p.stale
}

// Rebuild builds a new views file from the whole log beside path (path +
// RebuildSuffix), without fsync until it is complete, then syncs it and
// renames it over path: whoever has the old file open keeps reading it
// until they switch (Run notices the rename). It returns the position the
// new file reached.
func Rebuild(ctx context.Context, store eventstore.Store, path string, o Options) (eventstore.Position, error) {
	tmp := path + RebuildSuffix
	if err := os.Remove(tmp); err != nil && !errors.Is(err, os.ErrNotExist) {
		return 0, fmt.Errorf("projections: rebuild: %w", err)
	}
	opts := buildOptions()
	opts.Timeout = lockTimeout
	db, err := bolt.Open(tmp, 0o600, opts)
	if err != nil {
		return 0, fmt.Errorf("projections: rebuild: %w", err)
	}
	defer os.Remove(tmp) // after a failure; renamed away on success
	if err := db.Update(initFile); err != nil {
		db.Close()
		return 0, fmt.Errorf("projections: rebuild: %w", err)
	}
	p := newProjections(db, tmp, o)
	p.exclusive = true
	err = p.foldLog(ctx, store, eventstore.Start, nil)
	if p.db != nil {
		db = p.db // the file the build loaded, if it did (adopt)
	}
	if err == nil {
		// One fsync for the whole build, with the mark that it is whole,
		// and the free list: a file without one has every page read by
		// the next open to rebuild it (the whole views file resident in
		// the server that switches to it: 125 MiB at a million events).
		db.NoSync, db.NoFreelistSync = false, false
		err = db.Update(func(tx *bolt.Tx) error { return tx.Bucket(bktMeta).Put(metaComplete, []byte{1}) })
	}
	pos := p.Position()
	if cerr := db.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(tmp, path)
	}
	if err == nil {
		err = fsyncDir(path)
	}
	if err != nil {
		return 0, fmt.Errorf("projections: rebuild: %w", err)
	}
	return pos, nil
}

// swapTo switches the projections to the views file now at path (a
// rebuild renamed it there): readers in flight finish on the old file.
func (p *Projections) swapTo(path string) error {
	np, why, err := openFile(path, p.opts)
	if err != nil {
		return err
	}
	if why != "" {
		return fmt.Errorf("projections: the rebuilt views file %s is unusable: %s", path, why)
	}
	p.mu.Lock()
	old := p.db
	p.db, p.ino, p.stale = np.db, np.ino, np.stale
	p.identity, p.nFaults, p.lastMeta = np.identity, np.nFaults, np.lastMeta
	p.applied.Store(np.applied.Load())
	p.pos.Store(np.pos.Load())
	p.cache.clear()
	p.versions.clear()
	p.mu.Unlock()
	p.wake()
	if old != nil {
		// Renamed over: nothing will read it again, nothing to sync.
		return old.Close()
	}
	return nil
}

// OpenCaughtUp opens the views file at path for store's log and brings it
// up to the log's end (rebuilding it first if it is stale): what a job that
// reads the views (reconcile --views) needs instead of a full replay.
func OpenCaughtUp(ctx context.Context, store eventstore.Store, path string, o Options) (*Projections, error) {
	id, err := LogIdentity(ctx, store)
	if err != nil {
		return nil, err
	}
	o.Identity = id
	p, err := Open(path, o)
	if err != nil {
		return nil, err
	}
	if p.Stale() != "" {
		p.Close()
		if _, err := Rebuild(ctx, store, path, o); err != nil {
			return nil, err
		}
		if p, err = Open(path, o); err != nil {
			return nil, err
		}
	}
	if err := CatchUp(ctx, store, p); err != nil {
		p.Close()
		return nil, err
	}
	return p, nil
}
