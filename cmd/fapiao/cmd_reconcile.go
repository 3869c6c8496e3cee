package main

import (
	"context"
	"time"

	"github.com/fapiao/fapiao/cmd/fapiao/internal/audit"
	"github.com/fapiao/fapiao/domain"
)

// runReconcile is fapiao reconcile: REC-1..3 for a month as JSON or CSV on
// stdout; exit 1, with the problems on stderr, when an invariant breaks
// (REC-4).
func runReconcile(ctx context.Context, e *env, args []string) (err error) {
	var month, format, now, views string
	fs := newFlagSet(e, "reconcile", "--store STORE --month YYYY-MM [--format json|csv] [--now RFC3339] [--views VIEWS]")
	store := storeFlag(fs)
	fs.StringVar(&month, "month", "", "the `month` to reconcile, YYYY-MM (Asia/Shanghai)")
	fs.StringVar(&format, "format", audit.FormatJSON, "output `format`: json or csv")
	fs.StringVar(&now, "now", "", "reconcile the state at this `instant` and judge SLA lateness then (RFC 3339; default: the whole log, judged at the current time)")
	fs.StringVar(&views, "views", "", "read the persisted views `file` (a path or bolt:///path, brought up to the log's end) instead of replaying the whole log; not with --now")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if _, err := time.Parse(domain.MonthLayout, month); err != nil {
		return usagef("--month YYYY-MM is required")
	}
	if format != audit.FormatJSON && format != audit.FormatCSV {
		return usagef("--format: want json or csv, not %q", format)
	}
	// Without --now: the whole log, judged at the current time. With it:
	// the state at that instant (AUD-2), judged then.
	at, asOf := time.Now(), now != ""
	if asOf {
		if at, err = parseInstantFlag("now", now); err != nil {
			return err
		}
	}
	if views != "" {
		if asOf {
			return usagef("--views reads the views as of the log's end; --now replays to an instant: use one of them")
		}
		if views, err = viewsPath(views, *store); err != nil {
			return err
		}
	}
	s, err := openForJob(ctx, *store, "GET /v1/reconciliation?month="+month)
	if err != nil {
		return err
	}
	defer closeStore(s, &err)
	_, err = audit.ReconcileViews(ctx, s, views, month, at, asOf, format, e.stdout)
	return err
}
