package projections

import (
	"bytes"
	"cmp"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"math/bits"
	"runtime"
	"runtime/debug"
	"slices"
	"sync"
	"sync/atomic"

	"github.com/google/uuid"
	bolt "go.etcd.io/bbolt"

	"github.com/fapiao/fapiao/domain"
	"github.com/fapiao/fapiao/eventstore"
	"github.com/fapiao/fapiao/internal/boltload"
	"github.com/fapiao/fapiao/internal/eventform"
)

// A private build from the start of the log on a store that lends one
// stream at a time (bolt, seglog) folds account by account instead of in log
// order: each account's stream is read through the store's per-stream
// index, folded, encoded, handed to the writer and dropped. Its working set
// is then a few accounts per core, whatever the history, where the
// log-order build held every account it touched since its last write
// (≈ 350 MB of decoded accounts at a million events), and the collector
// had that set to mark over and over. The accounts are independent, so
// they fold on every core; the writer writes them in key order: into a
// new file laid out page by page (load.go), or, past loadMaxEvents
// records, put into bbolt as appends, committing every buildCommitBytes.
//
// What spans accounts is keyed by log position or by id and depends only
// on each invoice's final state: the invoices, status, byid and closings
// entries are kept compact (no pointers) and written at the end (and,
// when put, every refsSpill invoices), each bucket in key order; the
// faults are the log's first maxFaults by position; the meta is the log's. The result is the log-order build's,
// bucket for bucket (TestByAccountBuildIsLogOrder), but for what one
// account's fold can see of another's: an invoice or a confirmation id in
// two accounts (only a forged log has one). The build notices those and
// is redone in log order.

// errCrossAccount: an id folded in two accounts; the build is redone in
// log order.
var errCrossAccount = errors.New("projections: an id in two accounts")

// buildCommitBytes is how many bytes of accounts the per-account build
// puts in one transaction: bbolt holds a transaction's nodes in memory
// until it commits. A variable for the tests, which want many commits.
var buildCommitBytes = 8 << 20

// flushCommitBytes is buildCommitBytes for the flush's lanes (at most).
// The flush is a build's peak of anonymous memory, and its lanes fill one
// transaction whose nodes bbolt holds until the commit; and each Put
// searches its bucket's node of the transaction twice (the cursor's seek
// and the node's insert), so a smaller node is cheaper too. 128 KiB was
// the cheapest of the sizes measured (docs/performance.md, "Rebuild speed,
// 30 Nov" and "Rebuild CPU, 30 Nov afternoon").
const flushCommitBytes = 128 << 10

// refsSpill is how many invoices the per-account build holds before it
// writes them (acctWriter.flush): 8 MiB of them. A variable for the tests.
var refsSpill = 256 << 10

// buildAhead is how many accounts the workers may fold ahead of the
// writer. The writer's commits (every buildCommitBytes: spilling and
// writing the pages) and an account much longer than its neighbours hold
// it up; with only a few results of room the workers then
// stood idle until it caught up (docs/performance.md, "Rebuild reading and
// writing"). A result waiting is one encoded account and its index
// entries: a few KiB.
const buildAhead = 256

// byAccountHeapGoal is the collector's goal during a per-account build,
// above the live heap it starts with (gcpace.go): its own live heap is a
// few accounts and the compact index entries. 80 MiB rather than the 96
// it was when the goal counted the store's index too: serve's cold start
// on the 1M segmented log then peaks at 193–196 MiB of RSS instead of
// 206, for 14 collections in process instead of 10 (bolt 16), where 96
// cost 22 MiB more on bolt (docs/performance.md, "Rebuild pacing on the
// log, 30 Nov (s12b-gcpace)").
const byAccountHeapGoal = 80 << 20

// acctResult is one account folded, for the writer.
type acctResult struct {
	id       string
	value    []byte       // the accounts entry; nil when no record made the account
	refs     []invoiceRef // its invoices in position order, final statuses
	closings []closingEntry
	pending  map[uuid.UUID][]byte
	faults   []closingEntry
	nFaults  uint64
	// lastPos is the last position of a record decoded (0 if none): the
	// log's last one's metadata is the meta's last_meta.
	lastPos eventstore.Position
	err     error
	done    chan struct{}
}

// globalRef is an invoice's entry in the buckets across accounts, with its
// account as an index into the build's names.
type globalRef struct {
	pos    eventstore.Position
	id     uuid.UUID
	acct   uint32
	status statusCode
}

type confRef struct {
	id   uuid.UUID
	acct uint32
}

// buildByAccount builds p's empty file from the whole log of sl. It
// returns errCrossAccount (p's file then holds part of a build: reset it)
// when the log needs the log-order build.
func (p *Projections) buildByAccount(ctx context.Context, store eventstore.Store, sl eventstore.StreamLender) (err error) {
	p.wmu.Lock()
	defer p.wmu.Unlock()
	upTo := sl.LastPosition()
	if upTo == 0 {
		return nil
	}
	identity, err := LogIdentity(ctx, store)
	if err != nil {
		return err
	}
	p.mu.RLock()
	db := p.db
	p.mu.RUnlock()
	if db == nil {
		return errors.New("projections: closed")
	}
	defer paceBuildGoal(byAccountHeapGoal)()

	ctx, wg := newWorkGroup(ctx)
	defer wg.stop()
	workers := max(runtime.GOMAXPROCS(0), 1)
	// The work queued as deep as the order: with room for only one account
	// a worker, a worker done with its own found the queue empty ahead of
	// the lister (on a P of its own only when a worker blocks), and waited
	// ≈ 18 µs an account for the hand-over: 8 % of a million-event
	// replay's two cores (docs/performance.md, "The views written as
	// pages").
	work := make(chan *acctResult, buildAhead)
	order := make(chan *acctResult, buildAhead)
	wg.Go(func() {
		defer close(order)
		defer close(work)
		after := ""
		for {
			// Pages of 4 096 (≈ 150 KB of names): the segmented log sorts
			// its streams' names for each page.
			names, err := sl.StreamNames(ctx, accountStreamPrefix, after, 4096)
			if err != nil {
				select {
				case order <- &acctResult{err: err, done: closedChan}:
				case <-ctx.Done():
				}
				return
			}
			if len(names) == 0 {
				return
			}
			after = names[len(names)-1]
			for _, name := range names {
				id, ok := accountID(name)
				if !ok {
					continue // only advances the position
				}
				r := &acctResult{id: id, done: make(chan struct{})}
				if !sendEach(ctx, r, work, order) {
					return
				}
			}
		}
	})
	for range workers {
		wg.Go(func() {
			w := &acctFolder{b: &batch{p: p, dirty: map[string]*accountView{}, idx: newIndexBuf()}}
			for r := range work {
				w.fold(ctx, sl, upTo, r)
				close(r.done)
			}
		})
	}

	wr := &acctWriter{db: db}
	defer wr.rollback()
	if upTo <= loadMaxEvents {
		if err := p.startLoad(wr); err != nil {
			return err
		}
		defer wr.abortLoad()
	}
	for r := range order {
		select {
		case <-r.done:
		case <-ctx.Done():
			return ctx.Err()
		}
		if r.err != nil {
			return r.err
		}
		if err := wr.add(r); err != nil {
			return err
		}
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	if wr.lastMeta, err = lastMetaOf(ctx, store, wr.lastPos); err != nil {
		return err
	}
	if err := wr.finish(upTo, identity); err != nil {
		return err
	}
	if wr.loadPath != "" {
		if err := p.adopt(wr.loadPath); err != nil {
			return err
		}
	}
	p.cache.clear()
	p.versions.clear()
	p.identity, p.nFaults, p.lastMeta = identity, wr.nFaults, wr.lastMeta
	p.applied.Store(upTo)
	p.pos.Store(upTo)
	p.wake()
	return nil
}

// acctFolder is a worker's: a detached batch (no transaction) folds one
// account at a time.
type acctFolder struct {
	b   *batch
	buf []eventstore.Record
	enc []byte
	// json holds, for one chunk, the JSON of the statements lent in their
	// form (LendForms) that StatementFromForm declines.
	json []byte
}

// fold folds account r.id's stream up to position upTo into r.
func (w *acctFolder) fold(ctx context.Context, sl eventstore.StreamLender, upTo eventstore.Position, r *acctResult) {
	b := w.b
	clear(b.dirty)
	b.applied, b.pos, b.records, b.nFaults = 0, 0, 0, 0
	x := b.idx
	clear(x.at)
	x.refs, x.closings, x.faults, x.pending = x.refs[:0], x.closings[:0], x.faults[:0], nil
	// Lent without their metadata: the fold reads the events' data, and
	// the one record's metadata the meta keeps is read at the end
	// (lastMetaOf). Decoding every record's on the log was 5–9 % of a
	// rebuild (docs/performance.md, "A rebuild lends no metadata").
	// Statements in their form where the fold keeps no event's data (an
	// exclusive build's batch keeps no tails of events).
	parts := eventstore.LendData
	if b.p.exclusive {
		parts = eventstore.LendForms
	}
	r.err = sl.LendStream(ctx, accountStreamPrefix+r.id, upTo, parts, w.buf, func(recs []eventstore.Record) (err error) {
		w.buf, w.json = recs[:0], w.json[:0]
		// The records are the store's mapped bytes: a fault reading them
		// (a file truncated under it) is an error, not a crash.
		defer debug.SetPanicOnFault(debug.SetPanicOnFault(true))
		defer func() {
			if v := recover(); v != nil {
				if _, fault := v.(interface{ Addr() uintptr }); !fault {
					panic(v)
				}
				err = fmt.Errorf("projections: reading the log: %v: %w", v, eventstore.ErrCorrupt)
			}
		}()
		for i := range recs {
			d := decoded{msg: eventstore.Message{Record: recs[i]}}
			if recs[i].Form == eventstore.FormStatement {
				if err := w.fromForm(&d); err != nil {
					return err
				}
			} else {
				d.decode()
			}
			if err := b.apply(&d); err != nil {
				var se *storageError
				if errors.As(err, &se) || errors.Is(err, ErrOutOfOrder) {
					return err
				}
				// Kept as a fault, as the log-order build does.
			}
			if d.isAccount && d.err == nil && recs[i].Position > r.lastPos {
				r.lastPos = recs[i].Position
			}
		}
		return nil
	})
	if r.err != nil {
		return
	}
	if av := b.dirty[r.id]; av != nil {
		w.enc = av.encode(w.enc[:0])
		r.value = bytes.Clone(w.enc)
	}
	clear(b.dirty) // released: the collector need not keep it
	r.refs = slices.Clone(x.refs)
	r.closings = slices.Clone(x.closings)
	r.faults = slices.Clone(x.faults)
	r.pending = x.pending
	r.nFaults = b.nFaults
}

// fromForm decodes d's statement, lent in its form: its summary straight
// from the form, or, where StatementFromForm declines, from the JSON the
// form stands for (made into w.json).
func (w *acctFolder) fromForm(d *decoded) error {
	r := &d.msg.Record
	if e, ok := domain.StatementFromForm(r.Data); ok {
		if d.id, d.isAccount = accountID(r.Stream); d.isAccount {
			d.ev = e // as decode: only an account's events are decoded
		}
		return nil
	}
	start := len(w.json)
	json, ok := eventform.AppendStatementJSON(w.json, r.Data)
	if !ok {
		return fmt.Errorf("projections: %s@%d (position %d): its stored form does not decode: %w", r.Stream, r.Revision, r.Position, eventstore.ErrCorrupt)
	}
	w.json = json
	r.Data, r.Form = json[start:len(json):len(json)], eventstore.FormJSON
	d.decode()
	return nil
}

// lastMetaOf is the metadata of the record at pos (nil for none, and an
// empty one stored as it was: empty, not absent).
func lastMetaOf(ctx context.Context, store eventstore.Store, pos eventstore.Position) ([]byte, error) {
	if pos == 0 {
		return nil, nil
	}
	for rec, err := range store.ReadAll(ctx, pos-1) {
		if err != nil {
			return nil, err
		}
		if rec.Position != pos {
			break
		}
		return bytes.Clone(rec.Metadata), nil
	}
	return nil, fmt.Errorf("projections: the log holds no record at position %d: %w", pos, eventstore.ErrCorrupt)
}

// acctWriter puts the accounts into the file in key order, and keeps what
// spans accounts for the end.
type acctWriter struct {
	db       *bolt.DB
	tx       *bolt.Tx
	written  int
	names    []string // account names by index (globalRef.acct)
	refs     []globalRef
	confs    []confRef
	closings []closingEntry
	faults   []closingEntry // the first maxFaults by position, once trimmed
	nFaults  uint64
	lastPos  eventstore.Position
	lastMeta []byte
	flushed  bool // invoices were written before the end (flush)

	// load, when set, is the whole new file this build writes instead of
	// putting into db (load.go): what spans accounts and the
	// confirmations are then written at the end.
	load     *boltload.Writer
	loadPath string
	pending  []pendingEntry // the confirmations' entries, for load
	baseMeta map[string][]byte
}

// pendingEntry is a confirmation's entry, held for a loaded file.
type pendingEntry struct {
	id    uuid.UUID
	value []byte
}

func (wr *acctWriter) begin() error {
	if wr.tx != nil {
		return nil
	}
	tx, err := wr.db.Begin(true)
	if err != nil {
		return storage(err)
	}
	wr.tx, wr.written = tx, 0
	return nil
}

func (wr *acctWriter) commit() error {
	if wr.tx == nil {
		return nil
	}
	tx := wr.tx
	wr.tx = nil
	return storage(tx.Commit())
}

func (wr *acctWriter) rollback() {
	if wr.tx != nil {
		_ = wr.tx.Rollback()
		wr.tx = nil
	}
}

// add writes one account's entries and keeps the rest.
func (wr *acctWriter) add(r *acctResult) error {
	acct := uint32(len(wr.names))
	if len(r.refs) > 0 || len(r.pending) > 0 {
		wr.names = append(wr.names, r.id)
	}
	first := len(wr.refs)
	for _, ref := range r.refs {
		wr.refs = append(wr.refs, globalRef{pos: ref.pos, id: ref.id, acct: acct, status: ref.status})
	}
	for id, v := range r.pending {
		wr.confs = append(wr.confs, confRef{id: id, acct: acct})
		if v != nil && wr.load != nil {
			wr.pending = append(wr.pending, pendingEntry{id: id, value: v})
		}
	}
	wr.closings = append(wr.closings, r.closings...)
	wr.nFaults += r.nFaults
	wr.faults = append(wr.faults, r.faults...)
	if len(wr.faults) >= 2*maxFaults {
		wr.trimFaults()
	}
	wr.lastPos = max(wr.lastPos, r.lastPos)
	if wr.load != nil {
		// The account now; its invoices' entries and its confirmations
		// at the end, each bucket in key order (flushLoaded).
		if r.value != nil {
			if err := wr.load.Bucket(string(bktAccounts)).Put([]byte(r.id), r.value); err != nil {
				return storage(err)
			}
		}
		return nil
	}

	if err := wr.begin(); err != nil {
		return err
	}
	if r.value != nil {
		accounts := wr.tx.Bucket(bktAccounts)
		accounts.FillPercent = appendFill
		if err := accounts.Put([]byte(r.id), r.value); err != nil {
			return storage(err)
		}
		wr.written += len(r.id) + len(r.value)
	}
	if len(r.refs) > 0 {
		accinv := wr.tx.Bucket(bktAccInv)
		arena := make([]byte, 0, len(r.refs)*(2+len(r.id)+8+17))
		for i := first; i < len(wr.refs); i++ {
			k := len(arena)
			var v int
			arena, v = accInvEntry(arena, r.id, &wr.refs[i])
			if err := accinv.Put(arena[k:v:v], arena[v:len(arena):len(arena)]); err != nil {
				return storage(err)
			}
		}
		wr.written += len(arena)
	}
	if len(r.pending) > 0 {
		pending := wr.tx.Bucket(bktPending)
		for id, v := range r.pending {
			if v != nil {
				if err := pending.Put(bytes.Clone(id[:]), v); err != nil {
					return storage(err)
				}
			}
		}
	}
	if len(wr.refs) >= refsSpill {
		return wr.flush()
	}
	if wr.written >= buildCommitBytes {
		return wr.commit()
	}
	return nil
}

// trimFaults keeps the first maxFaults faults by position: those the
// log-order build stores.
func (wr *acctWriter) trimFaults() {
	slices.SortFunc(wr.faults, func(a, b closingEntry) int { return cmp.Compare(a.pos, b.pos) })
	wr.faults = wr.faults[:min(len(wr.faults), maxFaults)]
}

// finish checks that no id is in two accounts, writes what spans accounts,
// each bucket in key order and in transactions of bounded size, and the
// meta.
func (wr *acctWriter) finish(upTo eventstore.Position, identity string) error {
	slices.SortFunc(wr.confs, func(a, b confRef) int { return bytes.Compare(a.id[:], b.id[:]) })
	for i := 1; i < len(wr.confs); i++ {
		if wr.confs[i].id == wr.confs[i-1].id {
			return fmt.Errorf("%w: confirmation %s", errCrossAccount, wr.confs[i].id)
		}
	}
	if err := wr.flush(); err != nil {
		return err
	}
	wr.trimFaults()
	err := wr.putAll(bktFaults, len(wr.faults), func(arena []byte, n int) ([]byte, int) {
		return posEntry(arena, &wr.faults[n])
	})
	if err != nil {
		return err
	}
	meta := map[string][]byte{
		string(metaPosition): binary.BigEndian.AppendUint64(nil, upTo),
		string(metaApplied):  binary.BigEndian.AppendUint64(nil, upTo),
		string(metaFaults):   binary.BigEndian.AppendUint64(nil, wr.nFaults),
	}
	if identity != "" {
		meta[string(metaIdentity)] = []byte(identity)
	}
	if wr.lastMeta != nil {
		meta[string(metaLastMeta)] = wr.lastMeta
	}
	if wr.load != nil {
		return wr.finishLoaded(meta)
	}
	if err := wr.begin(); err != nil {
		return err
	}
	m := wr.tx.Bucket(bktMeta)
	for k, v := range meta {
		if err := m.Put([]byte(k), v); err != nil {
			return storage(err)
		}
	}
	return wr.commit()
}

// flush writes the invoices held (byid, invoices, status) and the
// closings, each bucket in key order, and lets them go: past refsSpill
// invoices during the build (their memory would grow with the history:
// 32 bytes an invoice, 64 MB at ten million events), and at its end. A
// build of a million events writes them once, as appends; later flushes
// insert among the entries of earlier ones.
//
// The last flush runs after the workers are done: alone on one core it
// was a fifth of a million-event build's wall time while the other core
// stood idle. It runs as three lanes on the two cores, putting into their
// own buckets of the one write transaction (sharedTx): the order by id is
// sorted and byid written on this goroutine, while the orders by position
// and by status, and the closings', are sorted and invoices then the
// closings written on a second, and status on a third once its order is
// sorted (as two lanes, byid and status on one, the first put twice the
// entries of the second). The orders are permutations (4 bytes an
// invoice) and the invoices are only read until all lanes are done: a
// sorted copy of them was up to 8 MiB more at the build's anonymous peak,
// which is this flush.
func (wr *acctWriter) flush() error {
	if wr.load != nil {
		return wr.flushLoaded()
	}
	refs := wr.refs
	if err := wr.begin(); err != nil {
		return err
	}
	st := newSharedTx(wr, bktByID, bktStatus, bktInvoices, bktClosings)
	const laneByID, laneStatus, laneInvoices, laneClosings = 0, 1, 2, 3
	var byPos, byStatus []int32
	sorted := make(chan struct{})
	second, third := make(chan error, 1), make(chan error, 1)
	go func() {
		// A lane of its own: with it, the first lane put twice as many
		// entries as the second, and one core stood idle at the end;
		// three lanes share two cores evenly.
		<-sorted
		third <- st.done(st.putAll(laneStatus, len(byStatus), func(arena []byte, n int) ([]byte, int) {
			return statusEntry(arena, &refs[byStatus[n]])
		}))
	}()
	go func() {
		byPos, byStatus = refOrders(refs)
		slices.SortFunc(wr.closings, func(a, b closingEntry) int { return cmp.Compare(a.pos, b.pos) })
		close(sorted)
		err := st.putAll(laneInvoices, len(byPos), func(arena []byte, n int) ([]byte, int) {
			r := &refs[byPos[n]]
			return invoiceEntry(arena, r, wr.names[r.acct])
		})
		if err == nil {
			err = st.putAll(laneClosings, len(wr.closings), func(arena []byte, n int) ([]byte, int) {
				return posEntry(arena, &wr.closings[n])
			})
		}
		second <- st.done(err)
	}()
	err := st.done(func() error {
		byID, err := byIDOrder(refs)
		if err != nil {
			return err
		}
		// An id an earlier flush put is in two accounts.
		if wr.flushed {
			if err := st.check(laneByID, func(b *bolt.Bucket) error {
				for _, i := range byID {
					if b.Get(refs[i].id[:]) != nil {
						return fmt.Errorf("%w: invoice %s", errCrossAccount, refs[i].id)
					}
				}
				return nil
			}); err != nil {
				return err
			}
		}
		return st.putAll(laneByID, len(byID), func(arena []byte, n int) ([]byte, int) {
			r := &refs[byID[n]]
			return byIDEntry(arena, r, wr.names[r.acct])
		})
	}())
	for _, lane := range []chan error{second, third} {
		if err2 := <-lane; err == nil {
			err = err2
		}
	}
	if err != nil {
		return err
	}
	wr.written = int(st.written.Load())
	wr.refs = wr.refs[:0]
	clear(wr.names)
	wr.names = wr.names[:0]
	wr.closings = wr.closings[:0]
	wr.flushed = true
	if err := wr.commit(); err != nil {
		return err
	}
	releaseFileMap(wr.db)
	return nil
}

// byIDOrder is the order of refs by id (the byid bucket's); an id twice
// is in two accounts. The radix sort takes the ids' first idKeyBits bits
// (three passes); ids alike in those (a few among a million) are then
// ordered by comparison.
func byIDOrder(refs []globalRef) ([]int32, error) {
	const idKeyBits = 33
	keys := make([]uint64, len(refs))
	for i := range refs {
		keys[i] = binary.BigEndian.Uint64(refs[i].id[:8]) >> (64 - idKeyBits)
	}
	byID := radixOrder(keys, idKeyBits)
	for i := 0; i < len(byID); {
		j := i + 1
		for j < len(byID) && keys[byID[j]] == keys[byID[i]] {
			j++
		}
		if j-i > 1 {
			slices.SortFunc(byID[i:j], func(x, y int32) int { return compareIDs(&refs[x].id, &refs[y].id) })
			for k := i + 1; k < j; k++ {
				if refs[byID[k]].id == refs[byID[k-1]].id {
					return nil, fmt.Errorf("%w: invoice %s", errCrossAccount, refs[byID[k]].id)
				}
			}
		}
		i = j
	}
	return byID, nil
}

// radixOrder is the order of keys of at most bits bits: a stable
// least-significant-digit radix sort of their indices, 11 bits a pass.
// Sorting the invoices by comparison (slices.SortFunc) at the end of a
// loaded build was half its time after the workers (docs/performance.md,
// "The views written as pages").
func radixOrder(keys []uint64, bits int) []int32 {
	const digit = 11
	order, next := indices(len(keys)), make([]int32, len(keys))
	for shift := 0; shift < bits; shift += digit {
		var at [1<<digit + 1]int32
		for _, i := range order {
			at[(keys[i]>>shift)&(1<<digit-1)+1]++
		}
		for d := 1; d < len(at); d++ {
			at[d] += at[d-1]
		}
		for _, i := range order {
			d := (keys[i] >> shift) & (1<<digit - 1)
			next[at[d]] = i
			at[d]++
		}
		order, next = next, order
	}
	return order
}

// The entries of what spans accounts, each appended to arena, key then
// value, with where the value starts.

// accInvEntry is an account's invoice: account (its length first),
// position → status, id.
func accInvEntry(arena []byte, acct string, r *globalRef) ([]byte, int) {
	arena = binary.BigEndian.AppendUint16(arena, uint16(len(acct)))
	arena = append(arena, acct...)
	arena = binary.BigEndian.AppendUint64(arena, r.pos)
	v := len(arena)
	arena = append(arena, byte(r.status))
	return append(arena, r.id[:]...), v
}

// invoiceEntry is an invoice: position → status, id, account.
func invoiceEntry(arena []byte, r *globalRef, acct string) ([]byte, int) {
	arena = binary.BigEndian.AppendUint64(arena, r.pos)
	v := len(arena)
	arena = append(arena, byte(r.status))
	arena = append(arena, r.id[:]...)
	return append(arena, acct...), v
}

// statusEntry is an invoice by status: status, position → "".
func statusEntry(arena []byte, r *globalRef) ([]byte, int) {
	arena = append(arena, byte(r.status))
	arena = binary.BigEndian.AppendUint64(arena, r.pos)
	return arena, len(arena)
}

// byIDEntry is an invoice by id: id → position, account.
func byIDEntry(arena []byte, r *globalRef, acct string) ([]byte, int) {
	arena = append(arena, r.id[:]...)
	v := len(arena)
	arena = binary.BigEndian.AppendUint64(arena, r.pos)
	return append(arena, acct...), v
}

// posEntry is a closing or a fault: position → value.
func posEntry(arena []byte, c *closingEntry) ([]byte, int) {
	arena = binary.BigEndian.AppendUint64(arena, c.pos)
	v := len(arena)
	return append(arena, c.value...), v
}

// sharedTx lets the lanes of a flush put into the writer's transaction at
// once, each into its own buckets, and commits it between their batches
// (every flushCommitBytes). A bbolt transaction is not safe for
// concurrent use in general, but a Put changes only its own bucket's
// nodes (the transaction's statistics are atomic, its pages only read
// until the commit); what is shared is opening a bucket (the root bucket
// caches it) and the commit, and those happen here under the write lock,
// the lanes' batches under the read lock. The race detector holds this to
// bbolt's code in TestSharedTxLanes and TestByAccountBuildIsLogOrder,
// whose commits of one byte commit between every batch; and
// TestSharedTxKnowsItsBbolt fails when bbolt moves from the version read.
type sharedTx struct {
	wr      *acctWriter
	mu      sync.RWMutex
	names   [][]byte
	buckets []*bolt.Bucket // the open transaction's, in names' order
	written atomic.Int64   // bytes put since the last commit
	failed  atomic.Bool    // a lane failed: the others stop at their next batch
}

// laneBatch is how many entries a lane puts under one read lock.
const laneBatch = 256

// errLaneStopped ends a lane after another lane failed (whose error is
// the one returned).
var errLaneStopped = errors.New("projections: another lane of the flush failed")

// newSharedTx shares wr's open transaction and its buckets names.
func newSharedTx(wr *acctWriter, names ...[]byte) *sharedTx {
	st := &sharedTx{wr: wr, names: names, buckets: make([]*bolt.Bucket, len(names))}
	st.written.Store(int64(wr.written))
	st.openBuckets()
	return st
}

func (st *sharedTx) openBuckets() {
	for i, name := range st.names {
		b := st.wr.tx.Bucket(name)
		b.FillPercent = appendFill
		st.buckets[i] = b
	}
}

// done notes a lane's end: a failure stops the other lanes.
func (st *sharedTx) done(err error) error {
	if err != nil {
		st.failed.Store(true)
	}
	return err
}

// check runs fn on bucket lane's handle, under the read lock.
func (st *sharedTx) check(lane int, fn func(*bolt.Bucket) error) error {
	st.mu.RLock()
	defer st.mu.RUnlock()
	return fn(st.buckets[lane])
}

// putAll is acctWriter.putAll for one lane: n entries into bucket lane in
// the order given, laneBatch at a time.
func (st *sharedTx) putAll(lane, n int, entry func(arena []byte, n int) ([]byte, int)) error {
	var arena []byte
	for i := 0; i < n; {
		if st.failed.Load() {
			return errLaneStopped
		}
		written, err := 0, error(nil)
		st.mu.RLock()
		b := st.buckets[lane]
		for end := min(n, i+laneBatch); i < end; i++ {
			if cap(arena)-len(arena) < 512 {
				arena = make([]byte, 0, 256<<10) // bbolt keeps the values until the commit
			}
			k := len(arena)
			var v int
			arena, v = entry(arena, i)
			if err = b.Put(arena[k:v:v], arena[v:len(arena):len(arena)]); err != nil {
				break
			}
			written += len(arena) - k
		}
		st.mu.RUnlock()
		if err != nil {
			return storage(err)
		}
		if st.written.Add(int64(written)) >= st.commitBytes() {
			if err := st.commit(); err != nil {
				return err
			}
		}
	}
	return nil
}

// commitBytes is how many bytes the lanes put in one transaction.
func (st *sharedTx) commitBytes() int64 { return int64(min(buildCommitBytes, flushCommitBytes)) }

// commit commits the transaction and opens the next, unless another lane
// just did.
func (st *sharedTx) commit() error {
	st.mu.Lock()
	defer st.mu.Unlock()
	if st.written.Load() < st.commitBytes() {
		return nil
	}
	if err := st.wr.commit(); err != nil {
		return err
	}
	if err := st.wr.begin(); err != nil {
		return err
	}
	st.written.Store(0)
	st.openBuckets()
	return nil
}

// compareIDs is bytes.Compare of two ids, as two numbers each: inlined,
// where bytes.Compare's call was most of sorting the invoices by id.
func compareIDs(a, b *uuid.UUID) int {
	if c := cmp.Compare(binary.BigEndian.Uint64(a[:8]), binary.BigEndian.Uint64(b[:8])); c != 0 {
		return c
	}
	return cmp.Compare(binary.BigEndian.Uint64(a[8:]), binary.BigEndian.Uint64(b[8:]))
}

// indices is 0, 1, … n-1.
func indices(n int) []int32 {
	perm := make([]int32, n)
	for i := range perm {
		perm[i] = int32(i)
	}
	return perm
}

// refOrders is the order of refs by position (the invoices bucket's), and
// by status then position (the status bucket's: a counting sort of the
// first).
func refOrders(refs []globalRef) (byPos, byStatus []int32) {
	keys, last := make([]uint64, len(refs)), uint64(0)
	for i := range refs {
		keys[i], last = refs[i].pos, max(last, refs[i].pos)
	}
	byPos = radixOrder(keys, bits.Len64(last))
	var count, next [256]int32
	for i := range refs {
		count[refs[i].status]++
	}
	for c, sum := 1, int32(0); c < len(count); c++ {
		sum += count[c-1]
		next[c] = sum
	}
	byStatus = make([]int32, len(refs))
	for _, i := range byPos {
		c := refs[i].status
		byStatus[next[c]] = i
		next[c]++
	}
	return byPos, byStatus
}

// putAll puts n entries into bucket in the order given (their keys' order:
// appends, which fill pages), committing every buildCommitBytes. entry
// appends the n-th entry's key and value to arena and says where the value
// starts.
func (wr *acctWriter) putAll(bucket []byte, n int, entry func(arena []byte, n int) ([]byte, int)) error {
	if wr.load != nil {
		return wr.loadAll(bucket, n, entry)
	}
	var arena []byte
	for i := range n {
		if err := wr.begin(); err != nil {
			return err
		}
		if cap(arena)-len(arena) < 512 {
			arena = make([]byte, 0, 256<<10) // bbolt keeps keys and values until the commit
		}
		k := len(arena)
		var v int
		arena, v = entry(arena, i)
		b := wr.tx.Bucket(bucket)
		b.FillPercent = appendFill
		if err := b.Put(arena[k:v:v], arena[v:len(arena):len(arena)]); err != nil {
			return storage(err)
		}
		wr.written += len(arena) - k
		if wr.written >= buildCommitBytes {
			if err := wr.commit(); err != nil {
				return err
			}
		}
	}
	return nil
}

// reset empties p's file (a per-account build that must be redone in log
// order).
func (p *Projections) reset() error {
	p.mu.RLock()
	db := p.db
	p.mu.RUnlock()
	return storage(db.Update(func(tx *bolt.Tx) error {
		for _, b := range allBuckets {
			if err := tx.DeleteBucket(b); err != nil {
				return err
			}
		}
		return initFile(tx)
	}))
}
