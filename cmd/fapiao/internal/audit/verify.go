package audit

import (
	"context"
	"errors"
	"fmt"
	"io"

	"github.com/fapiao/fapiao/eventstore"
)

// VerifyResult is what Verify checked and found.
type VerifyResult struct {
	Streams int `json:"streams"`
	Events  int `json:"events"`
	// Position is the last position checked.
	Position eventstore.Position `json:"position"`
	// Store is the store's own check (its structure and indexes against
	// the log), nil for a store that offers none (eventstore.Checker).
	Store *eventstore.CheckReport `json:"store,omitempty"`
	// Unreadable is why the log could not be read to its end, if it could not.
	Unreadable string `json:"unreadable,omitempty"`
	// Break is the first broken link of a hash chain, if any.
	Break *eventstore.VerifyError `json:"break,omitempty"`
}

// OK reports whether everything checked holds.
func (r VerifyResult) OK() bool {
	return (r.Store == nil || r.Store.OK()) && r.Unreadable == "" && r.Break == nil
}

// ErrDamaged is wrapped (with ErrInvariant) by Verify's error when the
// store itself is damaged: its structure, an index, or a record that
// cannot be read.
var ErrDamaged = errors.New("audit: the store is damaged")

// Verify checks everything it can and writes a report to w:
//
//   - the store's own structure and indexes, when it offers a check
//     (eventstore.Checker: for bolt the file's pages, every index against
//     the log, the stream heads; for EventStoreDB each stream against the
//     global log);
//   - every stream's hash chain (AUD-3) over the global log with
//     eventstore.VerifyLink, and its revisions 0, 1, 2, … in log order (a
//     missing or reordered event is as much a break as an altered one).
//
// The error wraps ErrInvariant when anything is broken: ErrDamaged too
// for damage, and the *eventstore.VerifyError naming stream, revision,
// expected and found hash for the first broken link.
func Verify(ctx context.Context, store eventstore.Store, w io.Writer) (VerifyResult, error) {
	var res VerifyResult
	if c, ok := store.(eventstore.Checker); ok {
		rep, err := c.Check(ctx, false)
		if err != nil {
			return res, fmt.Errorf("audit: verify: checking the store: %w", err)
		}
		res.Store = &rep
		writeCheck(w, rep)
	}
	err := verifyChains(ctx, store, w, &res)
	if err != nil && res.Unreadable == "" && res.Break == nil {
		return res, err // the job failed (a cancelled ctx): no verdict
	}
	if !res.OK() {
		var errs []error
		if (res.Store != nil && !res.Store.OK()) || res.Unreadable != "" {
			errs = append(errs, ErrDamaged)
		}
		if res.Break != nil {
			errs = append(errs, res.Break)
		}
		return res, fmt.Errorf("%w: %w", ErrInvariant, errors.Join(errs...))
	}
	fmt.Fprintf(w, "verified %d events in %d streams up to position %d: every hash chain holds\n", res.Events, res.Streams, res.Position)
	return res, nil
}

// writeCheck writes what the store's check covered and found.
func writeCheck(w io.Writer, rep eventstore.CheckReport) {
	for _, what := range rep.What {
		fmt.Fprintf(w, "checked %s\n", what)
	}
	if rep.OK() {
		return
	}
	fmt.Fprintf(w, "DAMAGED STORE: %d problems\n", len(rep.Damage)+rep.More)
	for _, d := range rep.Damage {
		fmt.Fprintf(w, "  %s\n", d)
	}
	if rep.More > 0 {
		fmt.Fprintf(w, "  … and %d more\n", rep.More)
	}
}

// verifyChains recomputes every hash chain over the global log.
func verifyChains(ctx context.Context, store eventstore.Store, w io.Writer, res *VerifyResult) error {
	type head struct {
		hash string
		next uint64
	}
	heads := map[string]head{}
	for r, err := range store.ReadAll(ctx, eventstore.Start) {
		if err != nil {
			if errors.Is(err, eventstore.ErrCorrupt) {
				res.Unreadable = err.Error()
				fmt.Fprintf(w, "checked %d events in %d streams before the log became unreadable\nUNREADABLE LOG after position %d\n  %v\n", res.Events, res.Streams, res.Position, err)
			}
			return fmt.Errorf("audit: verify: read after position %d: %w", res.Position, err)
		}
		h := heads[r.Stream]
		if r.Revision != h.next {
			return brokenLink(w, res, &eventstore.VerifyError{
				Stream: r.Stream, Revision: r.Revision,
				Expected: fmt.Sprintf("revision %d", h.next), Found: fmt.Sprintf("revision %d", r.Revision),
				Reason: "the stream's revisions are not contiguous in log order",
			})
		}
		hash, err := eventstore.VerifyLink(r, h.hash)
		if err != nil {
			return brokenLink(w, res, err)
		}
		if h.next == 0 {
			res.Streams++
		}
		heads[r.Stream] = head{hash: hash, next: r.Revision + 1}
		res.Events++
		res.Position = r.Position
	}
	return nil
}

func brokenLink(w io.Writer, res *VerifyResult, err error) error {
	fmt.Fprintf(w, "checked %d events in %d streams before the break\n", res.Events, res.Streams)
	var ve *eventstore.VerifyError
	if !errors.As(err, &ve) {
		ve = &eventstore.VerifyError{Reason: err.Error()}
	}
	fmt.Fprintf(w, "BROKEN LINK\n  stream:   %s\n  revision: %d\n  reason:   %s\n  expected: %s\n  found:    %s\n",
		ve.Stream, ve.Revision, ve.Reason, orNone(ve.Expected), orNone(ve.Found))
	res.Break = ve
	return err
}

func orNone(s string) string {
	if s == "" {
		return `""`
	}
	return s
}
