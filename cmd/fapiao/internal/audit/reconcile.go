package audit

import (
	"context"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/fapiao/fapiao/eventstore"
	"github.com/fapiao/fapiao/projections"
)

// Formats of Reconcile's output.
const (
	FormatJSON = "json"
	FormatCSV  = "csv"
)

// Reconcile replays the log with projections.Replay and writes the
// month's reconciliation (REC-1..3; projections.Report, the same report as
// GET /v1/reconciliation) to w as indented JSON or CSV (REC-4). now is the
// instant SLA lateness is judged at (zero: the business time of the last
// event). With asOf, the report is the state at now (AUD-2: the events that
// occurred by then, as `replay --as-of`), not at the end of the log. When
// an invariant breaks, the report is still written in full and the error
// wraps ErrInvariant and lists the problems, one a line.
func Reconcile(ctx context.Context, store eventstore.Store, month string, now time.Time, asOf bool, format string, w io.Writer) (projections.Report, error) {
	return ReconcileViews(ctx, store, "", month, now, asOf, format, w)
}

// ReconcileViews is Reconcile from the views file at views (brought up to
// the log's end first) instead of a full replay; with asOf, or views "",
// it replays as Reconcile does.
func ReconcileViews(ctx context.Context, store eventstore.Store, views, month string, now time.Time, asOf bool, format string, w io.Writer) (projections.Report, error) {
	if format != FormatJSON && format != FormatCSV {
		return projections.Report{}, fmt.Errorf("audit: reconcile: format %q: want json or csv", format)
	}
	var p *projections.Projections
	var err error
	if views != "" && !asOf {
		p, err = projections.OpenCaughtUp(ctx, store, views, projections.Options{})
		if err != nil {
			return projections.Report{}, fmt.Errorf("audit: reconcile: views: %w", err)
		}
	} else {
		var stop func(eventstore.Record) bool
		if asOf {
			stop = projections.AfterTime(now)
		}
		p, err = projections.Replay(ctx, store, stop)
		if err != nil {
			return projections.Report{}, fmt.Errorf("audit: reconcile: replay: %w", err)
		}
	}
	defer p.Close()
	rep, err := p.Reconcile(month, now)
	if err != nil {
		return rep, fmt.Errorf("audit: reconcile: %w", err)
	}
	if format == FormatCSV {
		err = rep.WriteCSV(w)
	} else {
		err = WriteJSON(w, rep)
	}
	if err != nil {
		return rep, fmt.Errorf("audit: reconcile: write: %w", err)
	}
	if !rep.OK {
		return rep, fmt.Errorf("%w: %d problems in %s:\n%s", ErrInvariant, len(rep.Problems), month, problemList(rep.Problems))
	}
	return rep, nil
}

func problemList(ps []projections.Problem) string {
	var b strings.Builder
	for _, p := range ps {
		b.WriteString("  ")
		b.WriteString(p.Code)
		if p.Account != "" {
			b.WriteString(" account ")
			b.WriteString(p.Account)
		}
		b.WriteString(": ")
		b.WriteString(p.Detail)
		b.WriteString("\n")
	}
	return strings.TrimSuffix(b.String(), "\n")
}
