package projections

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"
	"time"

	"github.com/google/uuid"
	bolt "go.etcd.io/bbolt"

	"github.com/fapiao/fapiao/domain"
	"github.com/fapiao/fapiao/eventstore"
)

// A batch is the records folded between two commits. Its changes go to one
// write transaction: index entries as they are made, each changed account
// once at the commit, together with the new position and count. Readers see
// the batch all at once or not at all.
type batch struct {
	p     *Projections
	tx    *bolt.Tx
	dirty map[string]*accountView
	// tails are the events folded into each dirty account, for its tail
	// (tail.go); a private build keeps none.
	tails map[string][]tailEvent
	// taken are the dirty accounts whose cached view the batch took out
	// of the cache to fold in place (accountCache.take).
	taken map[string]bool
	// dirtyBytes is the dirty accounts' size when last encoded: a rebuild
	// commits before it grows past maxDirtyBytes.
	dirtyBytes int
	records    int
	pos        eventstore.Position
	applied    uint64
	nFaults    uint64
	identity   string
	lastMeta   []byte
	metaBuf    []byte // holds lastMeta once the batch set it
	// idx holds a private build's index entries until its accounts are
	// written (nil when live: they go to tx as they are made).
	idx *indexBuf
}

// maxDirtyBytes bounds what a batch holds in memory between commits.
const maxDirtyBytes = 32 << 20

// storageError is a failure of the views file, not of a record: the batch
// is abandoned and nothing of it is kept.
type storageError struct{ err error }

func (e *storageError) Error() string { return "projections: views file: " + e.err.Error() }
func (e *storageError) Unwrap() error { return e.err }

func storage(err error) error {
	if err == nil {
		return nil
	}
	return &storageError{err}
}

// begin opens a batch; the caller holds p.wmu.
func (p *Projections) begin() (*batch, error) {
	p.mu.RLock()
	db := p.db
	p.mu.RUnlock()
	if db == nil {
		return nil, errors.New("projections: closed")
	}
	tx, err := db.Begin(true)
	if err != nil {
		return nil, storage(err)
	}
	b := &batch{p: p, tx: tx, dirty: map[string]*accountView{}, tails: map[string][]tailEvent{}, taken: map[string]bool{},
		pos: p.pos.Load(), applied: p.applied.Load(), nFaults: p.nFaults, identity: p.identity, lastMeta: p.lastMeta}
	if p.exclusive {
		b.idx = newIndexBuf()
	}
	return b, nil
}

// rollback abandons the batch. Views folded in place (exclusive) may hold
// part of it: the cache is dropped.
func (b *batch) rollback() {
	_ = b.tx.Rollback()
	if b.p.exclusive {
		b.p.cache.clear()
	}
}

// commit writes the changed accounts and the position, commits, and only
// then shows the batch: the cache takes the new views, Position moves, the
// waiters wake. Without withAccounts the accounts are not written (nor
// cached): a private build keeps them for its next batch.
func (b *batch) commit(withAccounts bool) error {
	p := b.p
	if b.records == 0 && (!withAccounts || len(b.dirty) == 0 && b.idx.empty()) {
		_ = b.tx.Rollback()
		return nil
	}
	if withAccounts {
		// A private build writes snapshots, in bulk; live, an account's
		// events go to its tail (tail.go).
		write := b.writeAccounts
		if !b.p.exclusive {
			write = b.writeTails
		}
		if err := write(); err != nil {
			b.rollback()
			return storage(err)
		}
	}
	m := b.tx.Bucket(bktMeta)
	err := errors.Join(putU64(m, metaPosition, b.pos), putU64(m, metaApplied, b.applied), putU64(m, metaFaults, b.nFaults))
	if err == nil && b.identity != "" && b.identity != p.identity {
		err = m.Put(metaIdentity, []byte(b.identity))
	}
	if err == nil && b.lastMeta != nil {
		err = m.Put(metaLastMeta, b.lastMeta)
	}
	if err != nil {
		b.rollback()
		return storage(err)
	}
	if err := b.tx.Commit(); err != nil {
		if b.p.exclusive {
			b.p.cache.clear()
		}
		return storage(err)
	}
	switch {
	case withAccounts && p.exclusive:
		// Written and released (encodeAccounts): read from the file.
		p.cache.clear()
		p.versions.clear()
	case withAccounts:
		for id, av := range b.dirty {
			if b.taken[id] {
				p.cache.putTaken(av)
			} else {
				p.cache.put(av)
			}
		}
		p.versions.publish(b.dirty)
	}
	p.identity, p.nFaults, p.lastMeta = b.identity, b.nFaults, b.lastMeta
	p.applied.Store(b.applied)
	p.pos.Store(b.pos)
	p.wake()
	return nil
}

// writeAccounts puts the changed accounts, in key order, and the index
// entries a private build held back.
func (b *batch) writeAccounts() error {
	ids := slices.Sorted(maps.Keys(b.dirty))
	// Encoded on the other cores while the index entries are put.
	encoded := encodeAccounts(ids, b.dirty)
	if !b.idx.empty() {
		if err := b.idx.write(b.tx); err != nil {
			encoded()
			return err
		}
	}
	accounts := b.tx.Bucket(bktAccounts)
	for i, v := range encoded() {
		if err := accounts.Put([]byte(ids[i]), v); err != nil {
			return err
		}
	}
	return nil
}

// Apply folds one record into the read models and commits it. Records of
// streams other than "account-<id>" only advance the position. Positions
// must increase: a record at or before Position() is refused with
// ErrOutOfOrder and changes nothing. A record that cannot be decoded or
// folded still advances the position (the log cannot be re-read around
// it); the error is returned and kept, and Reconcile reports it.
func (p *Projections) Apply(r eventstore.Record) error {
	d := decoded{msg: eventstore.Message{Record: r}}
	d.decode()
	p.wmu.Lock()
	defer p.wmu.Unlock()
	b, err := p.begin()
	if err != nil {
		return err
	}
	ferr := b.apply(&d)
	var se *storageError
	if errors.As(ferr, &se) || errors.Is(ferr, ErrOutOfOrder) {
		b.rollback()
		return ferr
	}
	if err := b.commit(true); err != nil {
		return err
	}
	return ferr
}

// apply folds one decoded record into the batch. A record error is
// returned (and kept as a fault); a *storageError means the batch is lost.
func (b *batch) apply(d *decoded) error {
	r := &d.msg.Record
	if b.applied > 0 && r.Position <= b.pos {
		return fmt.Errorf("%w: %d after %d", ErrOutOfOrder, r.Position, b.pos)
	}
	if b.applied == 0 && b.identity == "" {
		b.identity = recordIdentity(*r)
	}
	b.pos = r.Position
	b.applied++
	b.records++
	if !d.isAccount {
		return nil
	}
	if d.err != nil {
		return b.addFault(r, d.err)
	}
	if b.tx != nil {
		// Copied: a private build's records lend their metadata only until
		// their chunk is folded (chunk.meta). A detached batch (a
		// per-account build's worker) is never committed: its worker
		// keeps the account's last metadata itself.
		b.metaBuf = append(b.metaBuf[:0], r.Metadata...)
		b.lastMeta = b.metaBuf
		if b.lastMeta == nil && r.Metadata != nil {
			b.lastMeta = []byte{} // stored as it was: empty, not absent
		}
	}
	av, err := b.account(d.id)
	if err != nil {
		return err
	}
	av.stamp = r.Position
	if !b.p.exclusive {
		b.tails[d.id] = append(b.tails[d.id], tailEvent{pos: r.Position, typ: r.Type, data: bytes.Clone(r.Data)})
	}
	if err := b.fold(av, r.Position, d.ev); err != nil {
		var se *storageError
		if errors.As(err, &se) {
			return err
		}
		return b.addFault(r, err)
	}
	return nil
}

// accountID extracts the account ID from an account stream's name.
func accountID(stream string) (string, bool) {
	id, ok := strings.CutPrefix(stream, accountStreamPrefix)
	return id, ok && id != ""
}

// account returns the batch's working view of id: its own if it changed
// the account already, else the committed one (from the cache, or decoded
// from the file), copied if a reader may hold it (accountCache.take).
func (b *batch) account(id string) (*accountView, error) {
	if av := b.dirty[id]; av != nil {
		return av, nil
	}
	if b.tx == nil {
		// Detached (a per-account build's worker): the file holds nothing
		// of the account.
		av := newAccountView(id)
		b.dirty[id] = av
		return av, nil
	}
	var av *accountView
	stored := storedStamp
	if b.p.exclusive {
		stored = snapshotStamp // a private build's file has no tails
	}
	v, stamp, err := stored(b.tx, id)
	if err != nil {
		return nil, storage(err)
	}
	if v == nil {
		av = newAccountView(id)
	} else if b.p.exclusive {
		if c := b.p.cache.peek(id); c != nil && c.stamp == stamp {
			av = c
		} else if av, err = decodeStored(b.tx, id, v); err != nil {
			return nil, storage(err)
		}
	} else if c, owned := b.p.cache.take(id, stamp); owned {
		av = c
		b.taken[id] = true
	} else if c != nil {
		av = c.clone()
		av.hot = max(c.hot-1, 0)
	} else if av, err = decodeStored(b.tx, id, v); err != nil {
		return nil, storage(err)
	}
	b.dirty[id] = av
	b.dirtyBytes += av.size
	return av, nil
}

func (b *batch) addFault(r *eventstore.Record, err error) error {
	err = fmt.Errorf("projections: %s@%d (%s, position %d): %w", r.Stream, r.Revision, r.Type, r.Position, err)
	b.nFaults++
	if b.tx == nil {
		// Detached: which faults are the log's first maxFaults is known
		// only once every account is folded (byaccount.go).
		v, _ := json.Marshal(fault{Position: r.Position, Stream: r.Stream, Type: r.Type, Err: err.Error()})
		b.idx.faults = append(b.idx.faults, closingEntry{r.Position, v})
		return err
	}
	if b.nFaults <= maxFaults {
		v, _ := json.Marshal(fault{Position: r.Position, Stream: r.Stream, Type: r.Type, Err: err.Error()})
		if perr := b.tx.Bucket(bktFaults).Put(posKey(r.Position), v); perr != nil {
			return storage(perr)
		}
	}
	return err
}

// fold applies ev to the account with the command side's fold, then updates
// the indexes from the result. A panic in the fold (an event the aggregate
// cannot take, such as a forged one) becomes an error.
func (b *batch) fold(av *accountView, pos eventstore.Position, ev domain.Event) (err error) {
	if err := foldAccount(av.acc, ev); err != nil {
		return err
	}
	defer func() {
		if v := recover(); v != nil {
			err = fmt.Errorf("indexing panicked: %v", v)
		}
	}()
	switch e := ev.(type) {
	case domain.InvoiceRequested:
		return b.indexInvoice(av, pos, e)
	case domain.InvoiceVoided:
		return b.closeInvoice(av, pos, e.InvoiceID, e.VoidedAt, domain.Voided)
	case domain.InvoiceRedFlushed:
		if err := b.unindexUsed(e.ConfirmationID); err != nil {
			return err
		}
		return b.closeInvoice(av, pos, e.InvoiceID, e.RedFlushedAt, domain.RedFlushed)
	case domain.InvoicePartlyRedFlushed:
		// The invoice stays issued; its confirmation is used (RED-5).
		if err := b.unindexUsed(e.ConfirmationID); err != nil {
			return err
		}
		return b.updateStatus(av, e.InvoiceID)
	case domain.RedLetterConfirmationEntered, domain.RedLetterConfirmationConfirmed, domain.RedLetterConfirmationRefused,
		domain.RedLetterConfirmationWithdrawn, domain.RedLetterConfirmationExpired:
		return b.indexConfirmation(av, ev)
	}
	if id, ok := invoiceIDOf(ev); ok {
		return b.updateStatus(av, id)
	}
	return nil
}

// dropLines lets go of a statement's lines once the fold has summarised
// them into its buckets: no query answers with lines (only a command's
// answer does, from the ledger's own state), and at three lines a month
// they were about a third of the read models. The projections decode
// with domain.DecodeEventSummarized, which keeps none; a statement it
// hands to encoding/json still has them.
func dropLines(a *domain.Account, month string) {
	a.DropLines(month) // through the account: it may share the statement with the committed view
}

// indexInvoice adds a new application to the invoice indexes and records
// the statements it holds.
func (b *batch) indexInvoice(av *accountView, pos eventstore.Position, e domain.InvoiceRequested) error {
	if _, _, ok := b.lookup(e.InvoiceID); ok {
		return fmt.Errorf("invoice %s requested twice", e.InvoiceID)
	}
	inv := av.acc.Invoices[e.InvoiceID]
	if inv == nil {
		return fmt.Errorf("the fold kept no invoice %s", e.InvoiceID)
	}
	acc := av.acc.ID
	ref := invoiceRef{pos: pos, status: codeOf(inv.Status), id: e.InvoiceID, account: acc}
	if b.idx != nil {
		b.idx.add(ref) // the fold shared the invoice's title and address (domain's sharedTitle)
	} else {
		idv := binary.BigEndian.AppendUint64(nil, pos)
		err := errors.Join(
			b.tx.Bucket(bktInvoices).Put(posKey(pos), ref.value()),
			b.tx.Bucket(bktStatus).Put(statusKey(ref.status, pos), nil),
			b.tx.Bucket(bktAccInv).Put(accInvKey(acc, pos), ref.value()[:17]),
			b.tx.Bucket(bktByID).Put(idKey(e.InvoiceID), append(idv, acc...)),
		)
		if err != nil {
			return storage(err)
		}
	}
	if liveStatus(inv.Status) {
		// From the event, not from the fold's result: REC-1 must see what
		// the log says, even if the fold lost it.
		for _, m := range e.Statements {
			// A new slice: a clone of the view shares the old (clone).
			av.holders[m] = append(slices.Clip(av.holders[m]), e.InvoiceID)
		}
	}
	return nil
}

// idKey is id's bytes as a key. A copy: slicing the event's own field sent
// the whole event (half a kilobyte) to the heap on every request, in every
// build, where only a live batch writes the key.
func idKey(id uuid.UUID) []byte { return bytes.Clone(id[:]) }

// lookup finds an invoice's request position and account.
func (b *batch) lookup(id uuid.UUID) (eventstore.Position, string, bool) {
	if b.idx != nil {
		if r := b.idx.get(id); r != nil {
			return r.pos, r.account, true
		}
	}
	if b.tx == nil {
		return 0, "", false
	}
	v := b.tx.Bucket(bktByID).Get(id[:])
	if len(v) < 8 {
		return 0, "", false
	}
	return binary.BigEndian.Uint64(v), string(v[8:]), true
}

// updateStatus copies an invoice's new status into the indexes and
// releases its statements when it stops being live.
func (b *batch) updateStatus(av *accountView, id uuid.UUID) error {
	pos, acc, ok := b.lookup(id)
	if !ok || acc != av.acc.ID {
		return fmt.Errorf("event for unknown invoice %s", id)
	}
	inv := av.acc.Invoices[id]
	if inv == nil {
		return fmt.Errorf("the fold lost invoice %s", id)
	}
	if b.idx != nil {
		if r := b.idx.get(id); r != nil {
			old := r.status.status()
			r.status = codeOf(inv.Status)
			releaseHeld(av, id, inv, old)
			return nil
		}
	}
	invoices := b.tx.Bucket(bktInvoices)
	ref, err := parseInvoiceRef(pos, invoices.Get(posKey(pos)))
	if err != nil {
		return storage(err)
	}
	old := ref.status.status()
	if now := codeOf(inv.Status); now != ref.status {
		oldCode := ref.status
		ref.status = now
		err := errors.Join(
			invoices.Put(posKey(pos), ref.value()),
			b.tx.Bucket(bktStatus).Delete(statusKey(oldCode, pos)),
			b.tx.Bucket(bktStatus).Put(statusKey(now, pos), nil),
			b.tx.Bucket(bktAccInv).Put(accInvKey(acc, pos), ref.value()[:17]),
		)
		if err != nil {
			return storage(err)
		}
	}
	releaseHeld(av, id, inv, old)
	return nil
}

// releaseHeld releases the statements of an invoice that stopped being live
// (it was old).
func releaseHeld(av *accountView, id uuid.UUID, inv *domain.Invoice, old domain.InvoiceStatus) {
	if liveStatus(old) && !liveStatus(inv.Status) {
		for _, m := range inv.Statements {
			av.holders[m] = removeID(av.holders[m], id)
			if len(av.holders[m]) == 0 {
				delete(av.holders, m)
			}
		}
	}
}

func (b *batch) closeInvoice(av *accountView, pos eventstore.Position, id uuid.UUID, at time.Time, want domain.InvoiceStatus) error {
	if err := b.updateStatus(av, id); err != nil {
		return err
	}
	inv := av.acc.Invoices[id]
	if inv.Status != want {
		return fmt.Errorf("invoice %s is %s after the event that makes it %s", id, inv.Status, want)
	}
	ref, _, _ := b.lookup(id)
	if b.idx != nil {
		b.idx.closings = append(b.idx.closings, closingEntry{pos, closingValue(ref, codeOf(want), at)})
		return nil
	}
	return storage(b.tx.Bucket(bktClosings).Put(posKey(pos), closingValue(ref, codeOf(want), at)))
}

// liveStatus is domain.Invoice.Live for a bare status.
func liveStatus(s domain.InvoiceStatus) bool {
	inv := domain.Invoice{Status: s}
	return inv.Live()
}

func removeID(ids []uuid.UUID, id uuid.UUID) []uuid.UUID {
	for i, x := range ids {
		if x == id {
			return append(ids[:i:i], ids[i+1:]...) // a new slice: clones share ids
		}
	}
	return ids
}

// invoiceIDOf returns the invoice an invoice-lifecycle event is about.
func invoiceIDOf(ev domain.Event) (uuid.UUID, bool) {
	switch e := ev.(type) {
	case domain.InvoiceRequested:
		return e.InvoiceID, true
	case domain.InvoiceCancelled:
		return e.InvoiceID, true
	case domain.InvoiceApproved:
		return e.InvoiceID, true
	case domain.InvoiceRejected:
		return e.InvoiceID, true
	case domain.InvoiceIssued:
		return e.InvoiceID, true
	case domain.InvoiceShipped:
		return e.InvoiceID, true
	case domain.ReturnRequested:
		return e.InvoiceID, true
	case domain.ReturnPaperReceived:
		return e.InvoiceID, true
	case domain.ReturnRejected:
		return e.InvoiceID, true
	case domain.InvoiceVoided:
		return e.InvoiceID, true
	case domain.InvoiceRedFlushed:
		return e.InvoiceID, true
	case domain.ExchangeFailed:
		return e.InvoiceID, true
	}
	return uuid.Nil, false
}
