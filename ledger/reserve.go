package ledger

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/google/uuid"

	"github.com/fapiao/fapiao/domain"
	"github.com/fapiao/fapiao/eventstore"
	"github.com/fapiao/fapiao/internal/jsonscan"
)

// Invoice numbers are unique across the ledger (ISSUE-2), but accounts are
// separate streams, so no single expected revision covers them. Before an
// InvoiceIssued event is appended, its code and number are claimed by
// creating a stream of their own, "invoice-number-<code>-<number>", with
// expected revision NoStream: of two claims, exactly one creates it.
//
// On a store that appends several streams at once (eventstore.AtomicAppender,
// the segmented log) a lone command's claims go in one append with its
// events (claimAtomic): both are written or neither. Otherwise, and when
// that append is refused, the claim and the issue event are two appends,
// not one transaction. If the
// process stops (or the account append loses a race and the re-decided
// command no longer issues) between them, the number stays reserved for that
// account and invoice: nobody else can take it, and a retry of the same
// issue — same account, same invoice — finds its own claim and goes on. The
// log then shows a reservation without an issue; `fapiao reconcile` can list
// them.

// ReservationEventType is the type of the one event of a reservation stream.
const ReservationEventType = "InvoiceNumberReserved"

// InvoiceNumberReserved is the data of a reservation stream's event.
type InvoiceNumberReserved struct {
	AccountID     string    `json:"account_id"`
	InvoiceID     uuid.UUID `json:"invoice_id"`
	InvoiceCode   string    `json:"invoice_code"`
	InvoiceNumber string    `json:"invoice_number"`
	// Red marks the number of a red invoice (红冲) reversing InvoiceID.
	Red bool `json:"red,omitempty"`
}

// ReservationStream is the stream that claims an invoice code and number.
func ReservationStream(code, number string) string {
	return ReservationStreamPrefix + code + "-" + number
}

// claim makes the ledger-wide claims of a decision's events before they
// are appended to the account: the invoice numbers (ISSUE-2) and the
// month's quota (EINV-5). A refusal leaves nothing behind that matters: the
// numbers are first checked without writing, so that a quota refusal
// writes nothing, and a quota taken for a number lost meanwhile is given
// back.
func (l *Ledger) claim(ctx context.Context, c command, meta eventstore.Metadata, events []domain.Event) error {
	for _, e := range events {
		if cl, ok := numberClaim(c.AccountID, e); ok {
			if err := l.numberFree(ctx, cl); err != nil {
				return err
			}
		}
	}
	uses := quotaUses(events)
	if err := l.takeQuota(ctx, c, uses); err != nil {
		return err
	}
	if err := l.reserveInvoiceNumbers(ctx, c, meta, events); err != nil {
		l.releaseQuota(ctx, c, uses)
		return err
	}
	return nil
}

// errAtomicRefused marks an atomic append of a command's events and its
// reservations that the store refused: the account moved on, or a number
// was taken meanwhile. The batch is decided again the other way (claim),
// which tells the two apart.
var errAtomicRefused = errors.New("ledger: the atomic append of the events and their reservations was refused")

// claimAtomic is claim for a store that appends several streams at once
// (eventstore.AtomicAppender): the numbers are checked as claim checks
// them, but their reservations are sealed and added to pending, to be
// appended with the account's events in one atomic append — one group
// commit on the segmented log where claim's own appends made a command
// that issues wait for two in a row (an issue's latency was twice the
// others'). All of them or none is written, so a crash leaves no
// reservation without its issue either. claimed is false, and nothing is
// done, for what claim must do itself: a quota to take (EINV-5), or two
// claims of one number.
func (l *Ledger) claimAtomic(ctx context.Context, c command, meta eventstore.Metadata, events []domain.Event, pending []eventstore.StreamAppend) (_ []eventstore.StreamAppend, claimed bool, _ error) {
	if len(quotaUses(events)) > 0 {
		return pending, false, nil
	}
	n := len(pending)
	for i, e := range events {
		cl, ok := numberClaim(c.AccountID, e)
		if !ok {
			continue
		}
		stream := ReservationStream(cl.InvoiceCode, cl.InvoiceNumber)
		for _, p := range pending[n:] {
			if p.Stream == stream {
				return pending[:n], false, nil
			}
		}
		if err := l.numberFree(ctx, cl); err != nil {
			return pending[:n], false, err
		}
		ev, err := reservationEvent(cl, meta, stream, derivedID(c.AccountID, c.key, "reservation", i))
		if err != nil {
			return pending[:n], false, err
		}
		pending = append(pending, eventstore.StreamAppend{Stream: stream, Expected: eventstore.NoStream, Events: []eventstore.EventData{ev}})
	}
	return pending, true, nil
}

// reservationEvent is a claim's sealed event, as reserve appends it.
func reservationEvent(claim InvoiceNumberReserved, meta eventstore.Metadata, stream string, id uuid.UUID) (eventstore.EventData, error) {
	var cbuf [192]byte // the canonical form is only read by the seal: on the stack
	data, cdata, ok := reservationJSON(&claim, cbuf[:0])
	if !ok {
		var err error
		if data, err = json.Marshal(claim); err != nil {
			return eventstore.EventData{}, err
		}
	}
	raw, _, err := eventstore.SealHashCanonical(meta, "", stream, 0, ReservationEventType, data, cdata)
	if err != nil {
		return eventstore.EventData{}, fmt.Errorf("ledger: seal %s: %w", stream, err)
	}
	return eventstore.EventData{ID: id, Type: ReservationEventType, Data: data, Metadata: raw}, nil
}

// numberFree refuses (ISSUE-2) a number another invoice holds, writing nothing.
func (l *Ledger) numberFree(ctx context.Context, claim InvoiceNumberReserved) error {
	stream := ReservationStream(claim.InvoiceCode, claim.InvoiceNumber)
	if l.lens != nil {
		// A number is almost always new: a store that says so without a
		// read spares the read's iterator and its wrapped not-found error.
		// Not ok is also a closed store's
		// answer; the append that follows then fails, writing nothing.
		if _, ok := l.lens.StreamLen(stream); !ok {
			return nil
		}
	}
	holder, err := l.reservedBy(ctx, stream)
	if errors.Is(err, eventstore.ErrStreamNotFound) {
		return nil
	}
	if err != nil {
		return err
	}
	if holder == claim {
		return nil
	}
	return numberTaken(claim)
}

func numberTaken(claim InvoiceNumberReserved) error {
	if claim.InvoiceCode == "" {
		return &domain.RuleError{
			Code:    "ISSUE-2",
			Kind:    domain.StateRule,
			Message: fmt.Sprintf("invoice number already used: %s is taken by another invoice", claim.InvoiceNumber),
		}
	}
	return &domain.RuleError{
		Code:    "ISSUE-2",
		Kind:    domain.StateRule,
		Message: fmt.Sprintf("invoice code+number already used: %s %s is taken by another invoice", claim.InvoiceCode, claim.InvoiceNumber),
	}
}

// reserveInvoiceNumbers claims the number of every invoice the events issue,
// blue (InvoiceIssued) or red (InvoiceRedFlushed, InvoicePartlyRedFlushed),
// paper or electronic:
// all share one number space (ISSUE-2, EINV-2). An electronic number has no
// code, so its stream is "invoice-number--<20 digits>", which no paper
// code and 8-digit number can name.
func (l *Ledger) reserveInvoiceNumbers(ctx context.Context, c command, meta eventstore.Metadata, events []domain.Event) error {
	for i, e := range events {
		claim, ok := numberClaim(c.AccountID, e)
		if !ok {
			continue
		}
		if err := l.reserve(ctx, claim, meta, derivedID(c.AccountID, c.key, "reservation", i)); err != nil {
			return err
		}
	}
	return nil
}

// numberClaim is the reservation an event needs, if it issues a number.
func numberClaim(account string, e domain.Event) (InvoiceNumberReserved, bool) {
	switch e := e.(type) {
	case *domain.InvoiceIssued:
		return numberClaim(account, *e)
	case *domain.InvoiceRedFlushed:
		return numberClaim(account, *e)
	case domain.InvoiceIssued:
		return InvoiceNumberReserved{AccountID: account, InvoiceID: e.InvoiceID, InvoiceCode: e.InvoiceCode, InvoiceNumber: e.InvoiceNumber}, true
	case domain.InvoiceRedFlushed:
		return InvoiceNumberReserved{AccountID: account, InvoiceID: e.InvoiceID, InvoiceCode: e.RedInvoiceCode, InvoiceNumber: e.RedInvoiceNumber, Red: true}, true
	case *domain.InvoicePartlyRedFlushed:
		return numberClaim(account, *e)
	case domain.InvoicePartlyRedFlushed: // DEF-5: a red invoice for a part has its own number
		return InvoiceNumberReserved{AccountID: account, InvoiceID: e.InvoiceID, InvoiceCode: e.RedInvoiceCode, InvoiceNumber: e.RedInvoiceNumber, Red: true}, true
	}
	return InvoiceNumberReserved{}, false
}

func (l *Ledger) reserve(ctx context.Context, claim InvoiceNumberReserved, meta eventstore.Metadata, id uuid.UUID) error {
	stream := ReservationStream(claim.InvoiceCode, claim.InvoiceNumber)
	ev, err := reservationEvent(claim, meta, stream, id)
	if err != nil {
		return err
	}
	_, err = l.store.Append(ctx, stream, eventstore.NoStream, ev)
	if !errors.Is(err, eventstore.ErrWrongExpectedVersion) {
		if err != nil {
			return fmt.Errorf("ledger: reserve %s: %w", stream, err)
		}
		return nil
	}
	holder, err := l.reservedBy(ctx, stream)
	if err != nil {
		return err
	}
	if holder == claim {
		return nil // our own claim, from an earlier attempt
	}
	return numberTaken(claim)
}

// reservationJSON writes a claim as json.Marshal does and its canonical
// form (members sorted by key, appended to cbuf), for SealHashCanonical
// to skip its pass over the data; ok is false, and json.Marshal is the way, for a string
// either form would escape (TestReservationJSONIsTheDefinition).
func reservationJSON(c *InvoiceNumberReserved, cbuf []byte) (data, canonical []byte, ok bool) {
	if !jsonscan.Plain(c.AccountID) || !jsonscan.Plain(c.InvoiceCode) || !jsonscan.Plain(c.InvoiceNumber) {
		return nil, nil, false
	}
	str := func(b []byte, key, v string) []byte {
		b = append(append(append(b, '"'), key...), `":"`...)
		return append(append(b, v...), '"')
	}
	id := func(b []byte) []byte { return jsonscan.AppendQuotedUUID(append(b, `"invoice_id":`...), c.InvoiceID) }
	data = make([]byte, 0, 160)
	data = str(append(data, '{'), "account_id", c.AccountID)
	data = str(append(id(append(data, ',')), ','), "invoice_code", c.InvoiceCode)
	data = str(append(data, ','), "invoice_number", c.InvoiceNumber)
	canonical = str(append(cbuf, '{'), "account_id", c.AccountID)
	canonical = str(append(canonical, ','), "invoice_code", c.InvoiceCode)
	canonical = str(append(id(append(canonical, ',')), ','), "invoice_number", c.InvoiceNumber)
	if c.Red {
		data = append(data, `,"red":true`...)
		canonical = append(canonical, `,"red":true`...)
	}
	return append(data, '}'), append(canonical, '}'), true
}

// reservedBy reads who holds a reservation stream.
func (l *Ledger) reservedBy(ctx context.Context, stream string) (InvoiceNumberReserved, error) {
	var holder InvoiceNumberReserved
	for r, err := range l.store.ReadStream(ctx, stream, 0) {
		if err != nil {
			return holder, fmt.Errorf("ledger: read %s: %w", stream, err)
		}
		if r.Type != ReservationEventType {
			return holder, fmt.Errorf("ledger: %s@%d: unexpected event type %q", stream, r.Revision, r.Type)
		}
		if err := json.Unmarshal(r.Data, &holder); err != nil {
			return holder, fmt.Errorf("ledger: %s@%d: %w", stream, r.Revision, err)
		}
		return holder, nil
	}
	return holder, fmt.Errorf("ledger: %s: refused as existing but has no events", stream)
}
