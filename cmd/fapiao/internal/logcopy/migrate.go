package logcopy

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"iter"

	"github.com/fapiao/fapiao/cmd/fapiao/internal/audit"
	"github.com/fapiao/fapiao/cmd/fapiao/internal/progress"
	"github.com/fapiao/fapiao/eventstore"
)

// MigrateResult is what Migrate did and checked.
type MigrateResult struct {
	CopyResult
	// Compared is the number of events found equal in both logs.
	Compared int
	// Verified is the hash-chain check of the target.
	Verified audit.VerifyResult
}

// Migrate copies the whole log of from into to, keeping event IDs, streams,
// revisions, order and hashes (DESIGN.md, "Scale-out"), then checks the
// result: both logs exported canonically must agree event for event (all
// but positions, which are the target's own), and every hash chain of the
// target must hold. It is resumable: run it again after an interruption and
// it skips what the target already has (after checking the IDs) and goes
// on; a target holding other events is refused with ErrTargetDiffers.
// Progress goes to meter (may be nil), the verification summary to w.
func Migrate(ctx context.Context, from, to eventstore.Store, meter *progress.Meter, w io.Writer) (MigrateResult, error) {
	var res MigrateResult
	total, err := count(ctx, from)
	if err != nil {
		return res, fmt.Errorf("logcopy: migrate: count the source: %w", err)
	}
	meter.SetTotal(int64(total))
	if res.CopyResult, err = copyTo(ctx, to, from.ReadAll(ctx, eventstore.Start), meter); err != nil {
		return res, fmt.Errorf("logcopy: migrate: %w", err)
	}
	if res.Compared, err = Compare(ctx, from, to); err != nil {
		return res, fmt.Errorf("logcopy: migrate: check: %w", err)
	}
	fmt.Fprintf(w, "compared %d events: the target's log equals the source's (IDs, streams, revisions, order, data, metadata)\n", res.Compared)
	if res.Verified, err = audit.Verify(ctx, to, w); err != nil {
		return res, fmt.Errorf("logcopy: migrate: the target: %w", err)
	}
	return res, nil
}

func count(ctx context.Context, s eventstore.Store) (int, error) {
	n := 0
	for _, err := range s.ReadAll(ctx, eventstore.Start) {
		if err != nil {
			return n, err
		}
		n++
	}
	return n, nil
}

// Compare reads both logs in step and checks that they hold the same
// events in the same order, comparing their canonical export lines without
// positions (each store numbers its own log). It returns the number of
// events compared, or an error wrapping audit.ErrInvariant at the first
// difference.
func Compare(ctx context.Context, a, b eventstore.Store) (int, error) {
	nextA, stopA := iter.Pull2(a.ReadAll(ctx, eventstore.Start))
	defer stopA()
	nextB, stopB := iter.Pull2(b.ReadAll(ctx, eventstore.Start))
	defer stopB()
	for n := 0; ; n++ {
		ra, errA, okA := nextA()
		rb, errB, okB := nextB()
		if errA != nil || errB != nil {
			return n, fmt.Errorf("read: %w", firstErr(errA, errB))
		}
		switch {
		case !okA && !okB:
			return n, nil
		case !okA:
			return n, fmt.Errorf("%w: the target has more events than the source, from %s@%d", audit.ErrInvariant, rb.Stream, rb.Revision)
		case !okB:
			return n, fmt.Errorf("%w: the target ends after %d events; the source goes on with %s@%d", audit.ErrInvariant, n, ra.Stream, ra.Revision)
		}
		ra.Position, rb.Position = 0, 0
		la, err := CanonicalRecord(ra)
		if err != nil {
			return n, err
		}
		lb, err := CanonicalRecord(rb)
		if err != nil {
			return n, err
		}
		if !bytes.Equal(la, lb) {
			return n, fmt.Errorf("%w: event %d differs: source %s@%d (%s), target %s@%d (%s)", audit.ErrInvariant, n+1, ra.Stream, ra.Revision, ra.ID, rb.Stream, rb.Revision, rb.ID)
		}
	}
}

func firstErr(errs ...error) error {
	for _, err := range errs {
		if err != nil {
			return err
		}
	}
	return nil
}
