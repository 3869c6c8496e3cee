package ledger

import (
	"context"
	"crypto/sha256"
	"fmt"
	"math/rand/v2"
	"slices"
	"sync"
	"time"

	"github.com/fapiao/fapiao/domain"
	"github.com/fapiao/fapiao/eventstore"
	"github.com/fapiao/fapiao/internal/jsonscan"
)

// Execute decides req's command on the account's current state and appends
// the events. Commands on one account that arrive while another is being
// appended are decided in order and appended together (pipeline.go). A
// race lost to another writer is decided again on the new state, up to
// MaxRetries times (then ErrConflict). Rule violations come
// back as *domain.RuleError; errors wrapping eventstore.ErrUnavailable mean
// the store could not be reached and nothing is known to be written.
func (l *Ledger) Execute(ctx context.Context, req Request) (Result, error) {
	if !domain.ValidAccountID(req.AccountID) {
		return Result{}, fmt.Errorf("%w: %q", ErrInvalidAccountID, req.AccountID)
	}
	if req.Command == nil {
		return Result{}, ErrNoCommand
	}
	return l.submit(ctx, l.prepare(req))
}

// command is a request with everything its attempts must agree on.
type command struct {
	Request
	// key derives the command's IDs: the idempotency key in the caller's
	// scope, or one made up for this call.
	key string
	// idem is the idempotency key's and the request's digest, made once
	// for the check and the record (zero without a key).
	idem domain.IdemKey
	// causationID is the ID of the command, the causation of its events:
	// derived from key, so the same on every attempt.
	causationID string
}

// result is a Result holding the state acc as the request wants it: a
// private copy, or what its View makes of it.
func (c *command) result(acc *domain.Account) Result {
	if c.View != nil {
		return Result{View: c.View(acc)}
	}
	return Result{Account: acc.Clone()}
}

func (l *Ledger) prepare(req Request) command {
	c := command{Request: req, key: req.IdempotencyKey}
	// The IDs made up here (a staff caller's key in its scope, a key for a
	// call without one, the request's hash when the caller gave none, a
	// correlation ID when the caller gave none, the causation ID every
	// event carries) are written side by side and become one string, cut
	// in parts: one allocation a command instead of one an ID.
	var buf [128 + 5 + 36 + 2*sha256.Size + 2*36]byte
	b := buf[:0]
	scoped := c.key != "" && !ownCustomer(req.AccountID, req.Actor)
	if scoped {
		b = appendScopedKey(b, req.Actor, c.key)
	}
	ns := len(b)
	random := c.key == ""
	hashed := false
	var sum [sha256.Size]byte // the request's hash, when hashed here
	if random {
		// Retries within this call derive the same IDs; another call is
		// another command.
		b = appendRandomUUID(append(b, "call:"...))
	} else if c.RequestHash == "" {
		if b, hashed = appendCommandHashFast(b, req.Command, &sum); !hashed {
			c.RequestHash = commandHashDefined(req.Command)
		}
	}
	nk := len(b)
	correlate := c.CorrelationID == ""
	if correlate {
		b = appendRandomUUID(b)
	}
	nc := len(b)
	switch {
	case random:
		b = jsonscan.AppendUUID(b, derivedID(c.AccountID, b[:nk], "command", 0))
	case scoped:
		b = jsonscan.AppendUUID(b, derivedID(c.AccountID, b[:ns], "command", 0))
	default:
		b = jsonscan.AppendUUID(b, derivedID(c.AccountID, c.key, "command", 0))
	}
	ids := string(b)
	if scoped {
		c.key = ids[:ns]
	}
	switch {
	case random:
		c.key = ids[ns:nk]
	case hashed:
		c.RequestHash = ids[ns:nk]
	}
	switch {
	case hashed:
		c.idem = domain.IdemKeyOfSum(c.key, &sum) // RequestHash is sum's hex
	case !random:
		c.idem = domain.IdemKeyOf(c.key, c.RequestHash)
	}
	if correlate {
		c.CorrelationID = ids[nk:nc]
	}
	c.causationID = ids[nc:]
	return c
}

// raceBackoff is how long a writer that lost a race may wait before it
// tries again.
var raceBackoff = eventstore.Backoff{Min: time.Millisecond, Max: 50 * time.Millisecond}

// backoff waits a little, more after each lost race, with jitter so that
// racing writers do not collide again in lockstep.
func backoff(ctx context.Context, attempt int) error {
	return eventstore.Sleep(ctx, rand.N(raceBackoff.Delay(attempt))+time.Millisecond/4, nil)
}

func (c command) metadata(now time.Time) eventstore.Metadata {
	return eventstore.Metadata{
		OccurredAt:     now,
		Actor:          c.Actor,
		CorrelationID:  c.CorrelationID,
		CausationID:    c.causationID,
		IdempotencyKey: c.IdempotencyKey,
		RequestHash:    c.RequestHash,
		SchemaVersion:  domain.EventSchemaVersion,
	}
}

// seal appends events to dst, encoded for the account's stream, each with
// its link in the hash chain, and returns them with the last hash. Their
// bytes (data, envelope, hash; the returned hash too) are written in
// *arena (eventstore.SealDataIn). It replaces each of events by the form a
// fold of the log gives it (domain.EventEncoder.Stored), or by nil when
// that form must be decoded from the sealed JSON.
func seal(arena *[]byte, dst []eventstore.EventData, stream string, c command, meta eventstore.Metadata, f *folded, events []domain.Event) ([]eventstore.EventData, string, error) {
	prev := f.lastHash
	dst = slices.Grow(dst, len(events))
	x := encoders.Get().(*domain.EventEncoder)
	defer encoders.Put(x)
	for i, e := range events {
		// The common events are written with their canonical form, which
		// spares sealing its pass over the data; the others by reflection.
		// data is the encoder's until SealData copies it (or a copy of
		// its own from EncodeEvent).
		typ, data, cdata, ok := x.EncodeInPlace(e)
		if !ok {
			var err error
			if typ, data, err = domain.EncodeEvent(e); err != nil {
				return dst, "", err
			}
			cdata = nil
			events[i] = nil
		} else if events[i], ok = x.Stored(e); !ok {
			events[i] = nil
		}
		rev := f.acc.Version + uint64(i)
		data, raw, hash, err := eventstore.SealDataIn(arena, meta, prev, stream, rev, typ, data, cdata)
		if err != nil {
			return dst, "", fmt.Errorf("ledger: seal %s@%d: %w", stream, rev, err)
		}
		dst = append(dst, eventstore.EventData{ID: derivedID(c.AccountID, c.key, "event", i), Type: typ, Data: data, Metadata: raw})
		prev = hash
	}
	return dst, prev, nil
}

// encoders holds seal's event encoders (and their arenas) between uses.
var encoders = sync.Pool{New: func() any { return new(domain.EventEncoder) }}

// records builds the Records of an append. The store reports only the last
// event's position; positions need not be contiguous (EventStoreDB's are
// byte offsets), so for several events they are read back, unless the
// store said they are consecutive (res.FirstPosition). If that read fails
// the write still stands: the earlier positions are left 0.
func (l *Ledger) records(ctx context.Context, stream string, first uint64, batch []eventstore.EventData, res eventstore.AppendResult) []eventstore.Record {
	recs := make([]eventstore.Record, len(batch))
	for i, e := range batch {
		// Not e.Data nor e.Metadata: they are the batch's arena (seal),
		// reused.
		recs[i] = eventstore.Record{Stream: stream, Revision: first + uint64(i), ID: e.ID, Type: e.Type}
	}
	recs[len(recs)-1].Position = res.Position
	if len(batch) == 1 {
		return recs
	}
	if res.FirstPosition != 0 && res.FirstPosition+uint64(len(batch)-1) == res.Position {
		for i := range recs {
			recs[i].Position = res.FirstPosition + uint64(i)
		}
		return recs
	}
	for r, err := range l.store.ReadStream(ctx, stream, first) {
		if err != nil || r.Revision >= first+uint64(len(recs)) {
			break
		}
		if i := r.Revision - first; recs[i].ID == r.ID {
			recs[i].Position = r.Position
		}
	}
	return recs
}

// replay answers a retried keyed command with what it wrote the first time.
func (l *Ledger) replay(ctx context.Context, c *command, f *folded, first domain.IdempotentResult) (Result, error) {
	stream := f.stream
	res := c.result(f.acc)
	res.Replayed = true
	for r, err := range l.store.ReadStream(ctx, stream, first.FirstRevision) {
		if err != nil {
			return Result{}, fmt.Errorf("ledger: replay from %s: %w", stream, err)
		}
		if r.Revision > first.LastRevision {
			break
		}
		e, err := domain.DecodeEvent(r.Type, r.Data)
		if err != nil {
			return Result{}, fmt.Errorf("ledger: replay from %s: %w", stream, err)
		}
		r.Data, r.Metadata = nil, nil // as a first answer's records (Result.Records)
		res.Records = append(res.Records, r)
		res.Events = append(res.Events, e)
	}
	if n := len(res.Records); n > 0 {
		res.Position = res.Records[n-1].Position
	}
	return res, nil
}
