// Package projections is fapiao's read side: in-memory read models folded
// from the global log (AUD-1: derived and disposable).
//
// Each account stream is folded with domain.Account.Apply, the very fold the
// command side uses, so a replay (AUD-2) gives exactly the state the ledger
// decided on. Beside the accounts the package keeps the indexes the queries
// need: invoices in log order, per account and across accounts, and an
// independent record of which live invoice holds which statement, so that
// reconciliation (REC-1) can catch a defect in the fold itself.
package projections

import (
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"time"

	"github.com/fapiao/fapiao/domain"
	"github.com/fapiao/fapiao/eventstore"
	"github.com/google/uuid"
)

// ErrOutOfOrder is returned by Apply for a record whose position is not
// after the last one applied; nothing is changed. A resubscription that
// delivers an event again is recognised by it.
var ErrOutOfOrder = errors.New("projections: record position is not after the last applied")

// accountStreamPrefix names the streams projections fold; every other stream
// (invoice-number reservations) only advances the position.
const accountStreamPrefix = "account-"

// Projections holds every read model. It is safe for concurrent use: Apply
// takes the write lock, queries the read lock, and queries return copies.
type Projections struct {
	mu       sync.RWMutex
	accounts map[string]*accountView
	// The invoice index, in the log order of the InvoiceRequested events;
	// parallel slices so that a status scan touches one byte per invoice.
	refPos    []eventstore.Position
	refStatus []statusCode
	refAcc    []*accountView
	refID     []uuid.UUID
	byID      map[uuid.UUID]int32
	closings  []closing // voids and red-flushes, in log order (REC-2)
	// pending holds the red-letter confirmations waiting for an answer
	// (confirmations.go), for RED-3's scheduler.
	pending  map[uuid.UUID]PendingConfirmation
	faults   []fault // records that could not be folded, capped
	nFaults  int
	lastMeta []byte            // metadata of the last account event: its occurred_at is "now" for REC-3
	strings  map[string]string // repeated strings of the invoices, one copy each (intern.go)

	applied atomic.Uint64 // records applied (including ignored streams)
	pos     atomic.Uint64
	ready   atomic.Bool

	notifyMu sync.Mutex
	notify   chan struct{} // closed and cleared by Apply when someone waits
}

// accountView is one account's fold plus the projection's own indexes.
type accountView struct {
	acc  *domain.Account
	refs []int32 // indexes into the invoice index, in log order
	// holders maps a statement month to the live invoices holding it, kept
	// from the events independently of the fold (REC-1, APP-7).
	holders map[string][]uuid.UUID
}

// closing is an invoice voided or red-flushed and when (REC-2 counts it in
// the month of the event, not of the issue).
type closing struct {
	ref    int32
	status domain.InvoiceStatus // Voided or RedFlushed
	at     time.Time
}

// fault is a record the projection could not fold.
type fault struct {
	Position eventstore.Position
	Stream   string
	Type     string
	Err      string
}

const maxFaults = 100

// New returns empty projections at position Start.
func New() *Projections {
	return &Projections{
		accounts: map[string]*accountView{},
		byID:     map[uuid.UUID]int32{},
		strings:  map[string]string{},
	}
}

// Position returns the position of the last record applied (Start if none).
func (p *Projections) Position() eventstore.Position { return p.pos.Load() }

// Ready reports whether the runner has caught up with the log once; the
// read models then answer for the present, not for a past being replayed.
func (p *Projections) Ready() bool { return p.ready.Load() }

// advance records pos as applied and wakes the waiters.
func (p *Projections) advance(pos eventstore.Position) {
	p.pos.Store(pos)
	p.applied.Add(1)
	p.notifyMu.Lock()
	if p.notify != nil {
		close(p.notify)
		p.notify = nil
	}
	p.notifyMu.Unlock()
}

// checkOrder refuses a record that is not after the last one applied. The
// first record may sit at any position, Start included (EventStoreDB's first
// commit position is 0).
func (p *Projections) checkOrder(pos eventstore.Position) error {
	if p.applied.Load() > 0 && pos <= p.pos.Load() {
		return fmt.Errorf("%w: %d after %d", ErrOutOfOrder, pos, p.pos.Load())
	}
	return nil
}
