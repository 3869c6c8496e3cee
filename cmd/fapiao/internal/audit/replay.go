package audit

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"time"

	"github.com/fapiao/fapiao/domain"
	"github.com/fapiao/fapiao/eventstore"
	"github.com/fapiao/fapiao/projections"
)

// ReplayOptions say how far to replay. At most one of AsOf and Position is
// set; neither means the whole log.
type ReplayOptions struct {
	// Account limits the answer to one account ("" for every account).
	Account string
	// AsOf is an instant of business time: events whose metadata
	// occurred_at is after it are not applied (AUD-2). An instant before
	// the first event (even the zero time) gives the empty state.
	AsOf *time.Time
	// Position is a log position: events after it are not applied;
	// position 0 (Start) gives the empty state.
	Position *eventstore.Position
}

// ReplayReport is the state and balances as they were, as `fapiao replay`
// prints it.
type ReplayReport struct {
	// AsOf and Position echo the request; Position then says the position
	// of the last event applied.
	AsOf         *time.Time            `json:"as_of,omitempty"`
	UpToPosition *uint64               `json:"up_to_position,omitempty"`
	Position     eventstore.Position   `json:"position"`
	Accounts     []AccountState        `json:"accounts"`
	FoldProblems []projections.Problem `json:"fold_problems,omitempty"`
	// Invariants lists what REC-1 (BAL-3, DEF-6) finds broken in the state
	// replayed: every replay checks conservation.
	Invariants []projections.Problem `json:"invariants,omitempty"`
}

// AccountState is one account as the projections hold it.
type AccountState struct {
	Account    string                      `json:"account"`
	Balance    domain.Balance              `json:"balance"`
	Statements []projections.StatementView `json:"statements"`
	Title      *domain.CurrentTitle        `json:"title"`
	Addresses  []domain.SavedAddress       `json:"addresses"`
	Invoices   []domain.Invoice            `json:"invoices"`
	// Confirmations are the red-letter confirmations (RED-1), in entry order.
	Confirmations []domain.Confirmation `json:"confirmations,omitempty"`
}

// ErrNoAccount: the account asked for had no events at that point.
var ErrNoAccount = fmt.Errorf("audit: no such account")

// Replay folds the log up to opts' point with projections.Replay — the code
// path of the live read models, not a copy of it — and returns every
// account's state then (AUD-2).
func Replay(ctx context.Context, store eventstore.Store, opts ReplayOptions) (ReplayReport, error) {
	var stop func(eventstore.Record) bool
	var rep ReplayReport
	switch {
	case opts.AsOf != nil && opts.Position != nil:
		return rep, fmt.Errorf("audit: replay: give a time or a position, not both")
	case opts.AsOf != nil:
		stop = projections.AfterTime(*opts.AsOf)
		at := *opts.AsOf
		rep.AsOf = &at
	case opts.Position != nil:
		stop = projections.AfterPosition(*opts.Position)
		pos := *opts.Position
		rep.UpToPosition = &pos
	}
	p, err := projections.Replay(ctx, store, stop)
	if err == nil {
		defer p.Close()
	}
	if err != nil {
		return rep, fmt.Errorf("audit: replay: %w", err)
	}
	rep.Position = p.Position()
	ids := p.Accounts()
	if opts.Account != "" {
		if _, ok := p.Account(opts.Account); !ok {
			return rep, fmt.Errorf("%w: %q has no events up to position %d", ErrNoAccount, opts.Account, rep.Position)
		}
		ids = []string{opts.Account}
	}
	rep.Accounts = make([]AccountState, 0, len(ids))
	for _, id := range ids {
		rep.Accounts = append(rep.Accounts, accountState(p, id))
	}
	// A record the fold refused is part of the truth about that past state;
	// Reconcile is where the projections report them (any month will do).
	if r, err := p.Reconcile("2000-01", time.Time{}); err == nil {
		for _, pr := range r.Problems {
			if pr.Code == projections.FoldProblem {
				rep.FoldProblems = append(rep.FoldProblems, pr)
			} else {
				rep.Invariants = append(rep.Invariants, pr)
			}
		}
	}
	return rep, nil
}

func accountState(p *projections.Projections, id string) AccountState {
	s := AccountState{Account: id, Invoices: []domain.Invoice{}}
	s.Balance, _ = p.Balance(id)
	s.Statements, _ = p.Statements(id, "")
	s.Title, _ = p.Title(id)
	s.Addresses, _ = p.Addresses(id)
	if acc, ok := p.Account(id); ok {
		for _, invID := range acc.InvoiceOrder {
			if inv, ok := p.Invoice(id, invID); ok {
				s.Invoices = append(s.Invoices, inv)
			}
		}
		for _, cid := range acc.ConfirmationOrder {
			if cf := acc.Confirmation(cid); cf != nil {
				s.Confirmations = append(s.Confirmations, *cf)
			}
		}
	}
	return s
}

// WriteJSON writes v as indented JSON and a newline.
func WriteJSON(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	return enc.Encode(v)
}
