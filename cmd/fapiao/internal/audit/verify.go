package audit

import (
	"context"
	"errors"
	"fmt"
	"io"

	"github.com/fapiao/fapiao/eventstore"
)

// VerifyResult counts what Verify checked.
type VerifyResult struct {
	Streams int `json:"streams"`
	Events  int `json:"events"`
	// Position is the last position checked.
	Position eventstore.Position `json:"position"`
}

// Verify recomputes every stream's hash chain (AUD-3) over the global log
// with eventstore.VerifyLink and writes a summary to w. On the first broken
// link it returns an error wrapping both ErrInvariant and the
// *eventstore.VerifyError that names stream, revision, expected and found
// hash. A stream whose revisions are not 0, 1, 2, … in log order is broken
// too: a missing or reordered event is as much a break as an altered one.
func Verify(ctx context.Context, store eventstore.Store, w io.Writer) (VerifyResult, error) {
	type head struct {
		hash string
		next uint64
	}
	heads := map[string]head{}
	var res VerifyResult
	for r, err := range store.ReadAll(ctx, eventstore.Start) {
		if err != nil {
			return res, fmt.Errorf("audit: verify: read after position %d: %w", res.Position, err)
		}
		h := heads[r.Stream]
		if r.Revision != h.next {
			return res, brokenLink(w, res, &eventstore.VerifyError{
				Stream: r.Stream, Revision: r.Revision,
				Expected: fmt.Sprintf("revision %d", h.next), Found: fmt.Sprintf("revision %d", r.Revision),
				Reason: "the stream's revisions are not contiguous in log order",
			})
		}
		hash, err := eventstore.VerifyLink(r, h.hash)
		if err != nil {
			return res, brokenLink(w, res, err)
		}
		if h.next == 0 {
			res.Streams++
		}
		heads[r.Stream] = head{hash: hash, next: r.Revision + 1}
		res.Events++
		res.Position = r.Position
	}
	fmt.Fprintf(w, "verified %d events in %d streams up to position %d: every hash chain holds\n", res.Events, res.Streams, res.Position)
	return res, nil
}

func brokenLink(w io.Writer, res VerifyResult, err error) error {
	fmt.Fprintf(w, "checked %d events in %d streams before the break\n", res.Events, res.Streams)
	var ve *eventstore.VerifyError
	if errors.As(err, &ve) {
		fmt.Fprintf(w, "BROKEN LINK\n  stream:   %s\n  revision: %d\n  reason:   %s\n  expected: %s\n  found:    %s\n",
			ve.Stream, ve.Revision, ve.Reason, orNone(ve.Expected), orNone(ve.Found))
	}
	return fmt.Errorf("%w: %w", ErrInvariant, err)
}

func orNone(s string) string {
	if s == "" {
		return `""`
	}
	return s
}
