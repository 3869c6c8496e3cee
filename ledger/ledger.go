// Package ledger is fapiao's command side. For each command it loads the
// account's stream (or takes it from a cache and catches up), asks the
// domain to decide, chains the new events' hashes, and appends them with the
// expected revision; a race lost to another writer is retried by deciding
// again on the fresh state. It also keeps idempotency keys (APP-6) and the
// ledger-wide uniqueness of invoice numbers (ISSUE-2).
//
// The log holds two kinds of stream: "account-<id>" (domain events, see
// StreamName) and "invoice-number-<code>-<number>" (one
// InvoiceNumberReserved event each, see ReservationStream). Readers of the
// global log that fold domain events skip the second kind; both are hash
// chained alike.
package ledger

import (
	"errors"

	"github.com/shopspring/decimal"

	"github.com/fapiao/fapiao/domain"
	"github.com/fapiao/fapiao/eventstore"
)

// Options configure a Ledger. Zero fields take their defaults.
type Options struct {
	Clock    Clock           // default SystemClock()
	Issuer   string          // the legal entity printed on invoices (ISSUE-1)
	TaxRate  decimal.Decimal // default 0.06
	Calendar *domain.Calendar
	// MaxRetries bounds how often a command lost to a concurrent write is
	// decided again before ErrConflict (default 8).
	MaxRetries int
	// CacheSize is how many accounts are kept folded in memory (default
	// 10000; negative: none).
	CacheSize int
	// CacheEvents bounds the events folded into the cached accounts, in
	// all (default DefaultCacheEvents; negative: no bound): an account's
	// memory grows with its history, about 550 bytes an event.
	CacheEvents int
}

// Ledger executes commands against a Store. It is safe for concurrent use;
// several Ledgers (in one process or many) may share one store.
type Ledger struct {
	store      eventstore.Store
	lens       streamLener               // store, when it says a stream's length (asked once, not a command)
	atomic     eventstore.AtomicAppender // store, when it appends several streams at once (claimAtomic)
	clock      Clock
	issuer     string
	taxRate    decimal.Decimal
	calendar   func() *domain.Calendar
	maxRetries int
	cache      *accountCache
	locks      *accountLocks
	queues     *queues // commands waiting per account (pipeline.go)
}

// New returns a Ledger over store.
func New(store eventstore.Store, opts Options) *Ledger {
	l := &Ledger{
		store:      store,
		clock:      opts.Clock,
		issuer:     opts.Issuer,
		taxRate:    opts.TaxRate,
		maxRetries: opts.MaxRetries,
		locks:      newAccountLocks(),
		queues:     newQueues(),
	}
	l.lens, _ = store.(streamLener)
	l.atomic, _ = store.(eventstore.AtomicAppender)
	if l.clock == nil {
		l.clock = SystemClock()
	}
	if l.taxRate.IsZero() {
		l.taxRate = decimal.RequireFromString("0.06")
	}
	if l.maxRetries <= 0 {
		l.maxRetries = 8
	}
	if opts.Calendar != nil {
		l.calendar = func() *domain.Calendar { return opts.Calendar }
	} else {
		l.calendar = domain.DefaultCalendar // parsed once, when domain is loaded
	}
	size := opts.CacheSize
	if size == 0 {
		size = 10000
	}
	events := opts.CacheEvents
	if events == 0 {
		events = DefaultCacheEvents
	}
	l.cache = newAccountCache(size, events)
	return l
}

// Request is one command for one account, with who sent it and the
// request's identity for idempotency.
type Request struct {
	AccountID string
	Command   domain.Command
	Actor     eventstore.Actor
	// IdempotencyKey is optional; when set, a retry with the same key and
	// RequestHash returns the first result and writes nothing (APP-6).
	IdempotencyKey string
	// RequestHash fingerprints the request body (RequestHashOf). When empty
	// and a key is given, the command itself is hashed.
	RequestHash   string
	CorrelationID string // generated when empty
	// View, when set, replaces the copy of the account in the Result: it
	// is called with the state Result.Account would have copied (under the
	// account's lock, before any later command changes it) and its answer
	// is Result.View, Result.Account staying nil. It must neither keep nor
	// change the account, and should be quick: the account's commands wait
	// for it. A caller that answers with one invoice saves the deep copy of
	// the whole account.
	View func(*domain.Account) any
}

// Result is what a command did.
type Result struct {
	// Records are the events this command appended (on an idempotent replay,
	// the ones it appended the first time); empty for a no-op. They say
	// where each is — stream, revision, position, ID, type — and carry no
	// Data nor Metadata: the bytes were written in a buffer the next batch
	// reuses (seal); the log has them (ReadStream), and Events has the
	// events.
	Records []eventstore.Record
	// Events are the same events, one for each record, as a fold of the
	// log reads them (the forms the cached account folded). Read them,
	// never write through their slices: the account may share them.
	Events []domain.Event
	// Position is the log position of the last event (0 for a no-op): a
	// reader waits for its projections to reach it (read-your-writes).
	Position eventstore.Position
	// Account is a private copy of the state after the command
	// (domain.Account.Clone: read it or fold into it, never write through
	// its pointers); nil when the request has a View.
	Account *domain.Account
	// View is what Request.View made of that state.
	View any
	// Replayed: an idempotent retry; nothing new was written.
	Replayed bool
}

var (
	// ErrConflict: the command kept losing races to concurrent writes on its
	// account and gave up after MaxRetries (HTTP 409). Nothing was written.
	ErrConflict = errors.New("ledger: conflict: the account kept changing, try again")
	// ErrInvalidAccountID: the account ID is not 1–64 of A–Z a–z 0–9 - _.
	ErrInvalidAccountID = errors.New("ledger: invalid account ID")
	// ErrNoCommand: the request carries no command.
	ErrNoCommand = errors.New("ledger: no command")
)
