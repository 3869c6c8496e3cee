// Package projections is fapiao's read side: read models folded from the
// global log (AUD-1: derived and disposable), kept in a views file on disk
// with the log position they reached.
//
// Each account stream is folded with domain.Account.Apply, the very fold the
// command side uses, so a replay (AUD-2) gives exactly the state the ledger
// decided on. Beside the accounts the package keeps the indexes the queries
// need: invoices in log order, per account and across accounts, and an
// independent record of which live invoice holds which statement, so that
// reconciliation (REC-1) can catch a defect in the fold itself.
//
// Every read model lives in a bbolt file (views.go); records are folded in
// batches, and each batch's changes are written with its last position in
// one transaction, so that the file is always exactly as of its stored
// position (no record skipped, none counted twice, also after kill -9). In
// memory there is only a size-capped cache of decoded accounts (cache.go).
// New and Replay use a temporary file, removed when closed: there is one
// implementation of every query, the one the server runs.
package projections

import (
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"runtime"
	"sync"
	"sync/atomic"
	"time"

	bolt "go.etcd.io/bbolt"

	"github.com/fapiao/fapiao/eventstore"
)

// ErrOutOfOrder is returned by Apply for a record whose position is not
// after the last one applied; nothing is changed. A resubscription that
// delivers an event again is recognised by it.
var ErrOutOfOrder = errors.New("projections: record position is not after the last applied")

// accountStreamPrefix names the streams projections fold; every other stream
// (invoice-number reservations) only advances the position.
const accountStreamPrefix = "account-"

// Options configure Open.
type Options struct {
	Log   *slog.Logger
	Cache CacheOptions
	// Identity is the log's (LogIdentity): a views file of another log is
	// rebuilt, never served.
	Identity string
	// TempDir holds the temporary files of New and Replay; "" for the
	// system's.
	TempDir string
}

// Projections holds every read model. It is safe for concurrent use: one
// goroutine folds (Apply, Run), any number query; queries return copies.
type Projections struct {
	// mu is held to read by each query for its length, and to write only
	// to switch files (a rebuild swapped in): readers in flight finish on
	// the file they started with.
	mu    sync.RWMutex
	db    *bolt.DB
	path  string
	ino   uint64 // the open file's inode: `views rebuild` renames a new one over path
	temp  bool   // New, Replay: the file was removed once open
	opts  Options
	cache *accountCache
	// versions answers AccountVersion without a read transaction (every
	// GET of an account asks it first): see versions.go.
	versions versionMap
	// exclusive: no reader can see the projections yet (Replay, a
	// rebuild), so batches fold into the cached views in place.
	exclusive bool
	// stale says why a usable file must still be rebuilt (its views
	// version is not this build's); Run rebuilds it beside while it serves.
	stale string

	wmu      sync.Mutex // one batch at a time; guards the fields below
	identity string     // the log's, once a record was applied
	nFaults  uint64
	lastMeta []byte // metadata of the last account event: its occurred_at is "now" for REC-3

	applied atomic.Uint64 // records applied (including ignored streams), committed
	pos     atomic.Uint64
	ready   atomic.Bool

	notifyMu sync.Mutex
	notify   chan struct{} // closed and cleared by a commit when someone waits
	// waiters counts the readers waiting for a position, and waiting
	// wakes the live fold when one starts: it then commits its open batch
	// at once (pipeline.go, liveCommitInterval).
	waiters atomic.Int32
	waiting chan struct{}
}

// New returns empty projections at position Start, in a temporary views
// file that is gone once they are closed (or the process ends). It panics
// if the file cannot be made: New is for tests and tools.
func New() *Projections {
	p, err := newTemp(Options{})
	if err != nil {
		panic(err)
	}
	return p
}

// newTemp opens empty projections in a temporary file, without fsync (the
// file is disposable), unlinked at once so that nothing is left behind.
func newTemp(o Options) (*Projections, error) {
	f, err := os.CreateTemp(o.TempDir, "fapiao-views-*.db")
	if err != nil {
		return nil, fmt.Errorf("projections: temporary views file: %w", err)
	}
	path := f.Name()
	f.Close()
	defer os.Remove(path)
	db, err := bolt.Open(path, 0o600, buildOptions())
	if err != nil {
		return nil, fmt.Errorf("projections: temporary views file: %w", err)
	}
	if err := db.Update(initFile); err != nil {
		db.Close()
		return nil, fmt.Errorf("projections: temporary views file: %w", err)
	}
	p := newProjections(db, path, o)
	p.temp = true
	// Tests and tools drop projections without closing them: the file
	// (already unlinked) is released with them.
	runtime.AddCleanup(p, func(db *bolt.DB) { _ = db.Close() }, db)
	return p, nil
}

// buildOptions open a file being built: without fsync until it is whole,
// its free list not written (the next open makes it again).
func buildOptions() *bolt.Options {
	return &bolt.Options{NoSync: true, NoFreelistSync: true, FreelistType: bolt.FreelistMapType, InitialMmapSize: buildMmapSize, PageSize: viewsPageSize}
}

func newProjections(db *bolt.DB, path string, o Options) *Projections {
	if o.Log == nil {
		o.Log = slog.New(slog.DiscardHandler)
	}
	return &Projections{db: db, path: path, opts: o, cache: newAccountCache(o.Cache), waiting: make(chan struct{}, 1)}
}

// Close closes the views file (a temporary one is gone with it).
func (p *Projections) Close() error {
	p.wmu.Lock()
	defer p.wmu.Unlock()
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.db == nil {
		return nil
	}
	var err error
	if p.temp {
		err = p.db.Close()
	} else {
		err = closeSynced(p.db)
	}
	p.db = nil
	p.versions.clear()
	return err
}

// Path is the views file's path ("" for a temporary one).
func (p *Projections) Path() string {
	if p.temp {
		return ""
	}
	return p.path
}

// Position returns the position of the last record applied and committed
// (Start if none).
func (p *Projections) Position() eventstore.Position { return p.pos.Load() }

// Ready reports whether the runner has caught up with the log once; the
// read models then answer for the present, not for a past being replayed.
func (p *Projections) Ready() bool { return p.ready.Load() }

// CacheStats reports the cache of decoded accounts.
func (p *Projections) CacheStats() CacheStats { return p.cache.snapshot() }

// wake wakes the waiters of WaitFor after a commit.
func (p *Projections) wake() {
	p.notifyMu.Lock()
	if p.notify != nil {
		close(p.notify)
		p.notify = nil
	}
	p.notifyMu.Unlock()
}

// started reports whether any record was applied: before that, Position()
// is Start and a subscription must read from the beginning.
func (p *Projections) started() bool { return p.applied.Load() > 0 }

// load sets the in-memory counters from the file's meta.
func (p *Projections) load(m fileMeta) {
	p.identity = m.identity
	p.nFaults = m.faults
	p.lastMeta = m.lastMeta
	p.applied.Store(m.applied)
	p.pos.Store(m.position)
}

// reader is one query's read transaction.
type reader struct {
	p  *Projections
	tx *bolt.Tx
}

// read runs fn in a read transaction of the current file.
func (p *Projections) read(fn func(r *reader) error) error {
	p.mu.RLock()
	defer p.mu.RUnlock()
	if p.db == nil {
		return errors.New("projections: closed")
	}
	tx, err := p.db.Begin(false)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	return fn(&reader{p: p, tx: tx})
}

// logReadErr reports a query that failed for the file's sake: queries keep
// their signatures and answer "not found".
func (p *Projections) logReadErr(what string, err error) {
	if err != nil {
		p.opts.Log.Error("projections: reading the views", "query", what, "err", err)
	}
}

// account returns the committed view of id as of this transaction: the
// cached one when it is that version, else decoded from the file (and
// cached).
func (r *reader) account(id string) (*accountView, error) {
	v, stamp, err := storedStamp(r.tx, id)
	if v == nil || err != nil {
		return nil, err
	}
	if av := r.p.cache.get(id, stamp); av != nil {
		return av, nil
	}
	av, err := decodeStored(r.tx, id, v)
	if err != nil {
		return nil, err
	}
	av.lent = true // this reader holds it; set before the cache shares it
	r.p.cache.put(av)
	return av, nil
}

// meta reads the meta bucket of this transaction.
func (r *reader) meta() (fileMeta, error) { return readMeta(r.tx) }

// fsyncDir makes a rename in path's directory durable.
func fsyncDir(path string) error {
	d, err := os.Open(filepath.Dir(path))
	if err != nil {
		return err
	}
	defer d.Close()
	return d.Sync()
}

// lockTimeout bounds the wait for another process's lock on a views file.
const lockTimeout = 2 * time.Second
