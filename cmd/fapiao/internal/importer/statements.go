// Package importer bulk-posts statements and adjustments from a JSON Lines
// file through the ledger, as billing would one request at a time: the
// rules, idempotency and events are those of the API.
package importer

import (
	"bufio"
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"hash/maphash"
	"io"
	"slices"
	"strconv"
	"strings"
	"sync"

	"github.com/fapiao/fapiao/cmd/fapiao/internal/audit"
	"github.com/fapiao/fapiao/cmd/fapiao/internal/progress"
	"github.com/fapiao/fapiao/domain"
	"github.com/fapiao/fapiao/eventstore"
	"github.com/fapiao/fapiao/ledger"
)

// maxLine bounds one line of a statement file; a statement is far smaller
// (the API refuses bodies over 1 MiB).
const maxLine = 4 << 20

// StatementLine is one line of a bulk statement file: a statement as POST
// /v1/accounts/{acc}/statements takes it, with its account; or, with
// Adjustment instead of Lines, an adjustment to the account's statement for
// the month as POST …/statements/{month}/adjustments takes it (DEF-1) — a
// billing system's nightly refund batch.
type StatementLine struct {
	AccountID  string                 `json:"account_id"`
	Month      string                 `json:"month"`
	Lines      []domain.StatementLine `json:"lines,omitempty"`
	Adjustment *AdjustmentLine        `json:"adjustment,omitempty"`
}

// AdjustmentLine is the adjustment of a bulk line (DEF-1).
type AdjustmentLine struct {
	AdjustmentID string `json:"adjustment_id"`
	Bucket       string `json:"bucket"`
	Amount       string `json:"amount"`
	Reason       string `json:"reason"`
	Reference    string `json:"reference,omitempty"`
}

// ImportOptions tune ImportStatements. Zero fields take their defaults.
type ImportOptions struct {
	// Workers post statements of different accounts in parallel (default
	// 4); the statements of one account are posted in file order.
	Workers int
	// Actor is who posts (default billing, id "import").
	Actor eventstore.Actor
	// Meter shows progress (nil: none); Total is the number of lines, for
	// its bar (0: unknown).
	Meter *progress.Meter
	Total int64
}

// ImportSummary is what ImportStatements did.
type ImportSummary struct {
	Lines     int `json:"lines"`
	Posted    int `json:"posted"`
	Unchanged int `json:"unchanged"` // already posted, identically (STMT-2, APP-6)
	Failed    int `json:"failed"`
	// Failures are the lines not imported, in line order.
	Failures []LineError `json:"failures,omitempty"`
}

// LineError is a line of the file that was not imported: nothing of it was
// written.
type LineError struct {
	Line    int    `json:"line"`
	Account string `json:"account_id,omitempty"`
	Month   string `json:"month,omitempty"`
	Field   string `json:"field,omitempty"`
	Code    string `json:"code,omitempty"` // the rule broken (STMT-3), if any
	Message string `json:"message"`
}

func (e LineError) String() string {
	var b strings.Builder
	fmt.Fprintf(&b, "line %d", e.Line)
	if e.Account != "" {
		fmt.Fprintf(&b, " (account %s, month %s)", e.Account, e.Month)
	}
	if e.Field != "" {
		fmt.Fprintf(&b, ": field %s", e.Field)
	}
	if e.Code != "" {
		fmt.Fprintf(&b, ": %s", e.Code)
	}
	return b.String() + ": " + e.Message
}

// ImportKey is the idempotency key of a bulk-posted statement: its account,
// month and a hash of its lines. Re-running a file therefore replays the
// first result and writes nothing (APP-6); a statement already posted
// identically through the API is a no-op too (STMT-2); a different
// statement for a month already posted is refused by STMT-2.
func ImportKey(s StatementLine) string {
	if a := s.Adjustment; a != nil {
		raw, _ := json.Marshal(a)
		sum := sha256.Sum256(raw)
		return "import:" + s.AccountID + ":" + s.Month + ":adjustment:" + a.AdjustmentID + ":" + hex.EncodeToString(sum[:16])
	}
	raw, _ := json.Marshal(s.Lines) // a decoded statement always encodes
	if c, err := eventstore.Canonical(raw); err == nil {
		raw = c
	}
	sum := sha256.Sum256(raw)
	return "import:" + s.AccountID + ":" + s.Month + ":" + hex.EncodeToString(sum[:16])
}

type importJob struct {
	line int
	st   StatementLine
}

type importDone struct {
	line    int
	posted  bool
	failure *LineError
	err     error // a failure of the job, not of the line: the import stops
}

// ImportStatements posts the statements of r (JSON Lines, one StatementLine
// a line) through led as billing. A bad line — not JSON, an unknown field, a
// broken rule — is reported with its line number and field and nothing of it
// is written; the other lines go on. It returns an error wrapping
// audit.ErrInvariant when any line failed, and stops early with another error if
// the store fails or ctx ends.
func ImportStatements(ctx context.Context, led *ledger.Ledger, r io.Reader, opts ImportOptions) (ImportSummary, error) {
	if opts.Workers <= 0 {
		opts.Workers = 4
	}
	if opts.Actor == (eventstore.Actor{}) {
		opts.Actor = eventstore.Actor{Role: string(domain.RoleBilling), ID: "import"}
	}
	opts.Meter.SetTotal(opts.Total)
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()

	done := make(chan importDone, 64)
	queues := make([]chan importJob, opts.Workers)
	var wg sync.WaitGroup
	for i := range queues {
		queues[i] = make(chan importJob, 64)
		wg.Go(func() {
			for job := range queues[i] {
				done <- postOne(ctx, led, opts.Actor, job)
			}
		})
	}
	seed := maphash.MakeSeed()
	readErr := make(chan error, 1)
	go func() {
		defer func() {
			for _, q := range queues {
				close(q)
			}
			wg.Wait()
			close(done)
		}()
		readErr <- readStatements(ctx, r, func(job importJob) {
			q := queues[maphash.String(seed, job.st.AccountID)%uint64(len(queues))]
			select {
			case q <- job:
			case <-ctx.Done():
			}
		}, func(d importDone) {
			select {
			case done <- d:
			case <-ctx.Done():
			}
		})
	}()

	var sum ImportSummary
	var fatal error
	for d := range done {
		sum.Lines++
		switch {
		case d.err != nil:
			if fatal == nil {
				fatal = d.err
				cancel()
			}
			sum.Lines--
		case d.failure != nil:
			sum.Failed++
			sum.Failures = append(sum.Failures, *d.failure)
		case d.posted:
			sum.Posted++
		default:
			sum.Unchanged++
		}
		opts.Meter.Update(int64(sum.Lines), sum.note())
	}
	opts.Meter.Finish(int64(sum.Lines), sum.note())
	slices.SortFunc(sum.Failures, func(a, b LineError) int { return a.Line - b.Line })
	if err := <-readErr; err != nil && fatal == nil {
		fatal = err
	}
	if fatal != nil {
		return sum, fmt.Errorf("importer: import stopped: %w", fatal)
	}
	if err := ctx.Err(); err != nil {
		return sum, err
	}
	if sum.Failed > 0 {
		return sum, fmt.Errorf("%w: %d of %d lines not imported", audit.ErrInvariant, sum.Failed, sum.Lines)
	}
	return sum, nil
}

func (s ImportSummary) note() string {
	return fmt.Sprintf("lines (posted %d, unchanged %d, failed %d)", s.Posted, s.Unchanged, s.Failed)
}

// readStatements decodes r line by line: good lines go to post, bad ones to
// fail. It returns a read error, or nil at the end of r.
func readStatements(ctx context.Context, r io.Reader, post func(importJob), fail func(importDone)) error {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 64<<10), maxLine)
	for n := 1; sc.Scan(); n++ {
		if ctx.Err() != nil {
			return nil
		}
		line := bytes.TrimSpace(sc.Bytes())
		if len(line) == 0 {
			continue
		}
		st, lerr := decodeStatement(line)
		if lerr != nil {
			lerr.Line = n
			fail(importDone{line: n, failure: lerr})
			continue
		}
		post(importJob{line: n, st: st})
	}
	if err := sc.Err(); err != nil {
		return fmt.Errorf("read: %w", err)
	}
	return nil
}

// decodeStatement decodes one line strictly (unknown fields refused) and
// names the offending field when it can.
func decodeStatement(line []byte) (StatementLine, *LineError) {
	var st StatementLine
	if err := decodeStrict(line, &st); err != nil {
		return st, &LineError{Field: badField(line, err), Message: err.Error()}
	}
	if !domain.ValidAccountID(st.AccountID) {
		return st, &LineError{Account: st.AccountID, Month: st.Month, Field: "account_id", Message: "account_id must be 1–64 of A-Z a-z 0-9 - _"}
	}
	if st.Adjustment != nil && st.Lines != nil {
		return st, &LineError{Account: st.AccountID, Month: st.Month, Field: "adjustment", Message: "a line is a statement (lines) or an adjustment, not both"}
	}
	return st, nil
}

func decodeStrict(raw []byte, dst any) error {
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.DisallowUnknownFields()
	if err := dec.Decode(dst); err != nil {
		return err
	}
	if dec.More() {
		return errors.New("more than one JSON value on the line")
	}
	return nil
}

// badField finds which field of a statement line failed to decode: JSON's
// own errors name it for type mismatches and unknown fields, but an amount's
// decoder (domain.Money) does not, so each field is then tried alone.
func badField(line []byte, err error) string {
	var te *json.UnmarshalTypeError
	if errors.As(err, &te) && te.Field != "" {
		return te.Field
	}
	if f, ok := strings.CutPrefix(err.Error(), "json: unknown field "); ok {
		return strings.Trim(f, `"`)
	}
	var top map[string]json.RawMessage
	if json.Unmarshal(line, &top) != nil {
		return ""
	}
	for _, k := range []string{"account_id", "month"} {
		if v, ok := top[k]; ok && json.Unmarshal(v, new(string)) != nil {
			return k
		}
	}
	var lines []json.RawMessage
	if json.Unmarshal(top["lines"], &lines) != nil {
		return "lines"
	}
	for i, l := range lines {
		var fields map[string]json.RawMessage
		if json.Unmarshal(l, &fields) != nil {
			return fmt.Sprintf("lines[%d]", i)
		}
		keys := slices.Sorted(func(yield func(string) bool) {
			for k := range fields {
				if !yield(k) {
					return
				}
			}
		})
		for _, k := range keys {
			one, _ := json.Marshal(map[string]json.RawMessage{k: fields[k]})
			if decodeStrict(one, new(domain.StatementLine)) != nil {
				return fmt.Sprintf("lines[%d].%s", i, k)
			}
		}
	}
	return ""
}

func postOne(ctx context.Context, led *ledger.Ledger, actor eventstore.Actor, job importJob) importDone {
	var cmd domain.Command = domain.PostStatement{Month: job.st.Month, Lines: job.st.Lines}
	if a := job.st.Adjustment; a != nil {
		cmd = domain.PostAdjustment{Month: job.st.Month, AdjustmentID: a.AdjustmentID, Bucket: domain.Bucket(a.Bucket),
			Amount: a.Amount, Reason: a.Reason, Reference: a.Reference}
	}
	res, err := led.Execute(ctx, ledger.Request{
		AccountID:      job.st.AccountID,
		Command:        cmd,
		Actor:          actor,
		IdempotencyKey: ImportKey(job.st),
		RequestHash:    ledger.RequestHashOf(cmd),
		CorrelationID:  "import-line-" + strconv.Itoa(job.line),
	})
	d := importDone{line: job.line}
	if re, ok := domain.AsRuleError(err); ok {
		d.failure = &LineError{Line: job.line, Account: job.st.AccountID, Month: job.st.Month, Field: re.Field, Code: re.Code, Message: re.Message}
		return d
	}
	if err != nil {
		d.err = fmt.Errorf("line %d (account %s, month %s): %w", job.line, job.st.AccountID, job.st.Month, err)
		return d
	}
	d.posted = len(res.Records) > 0 && !res.Replayed
	return d
}
