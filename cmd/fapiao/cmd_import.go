package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"

	"github.com/fapiao/fapiao/cmd/fapiao/internal/importer"
	"github.com/fapiao/fapiao/cmd/fapiao/internal/logcopy"
	"github.com/fapiao/fapiao/ledger"
)

// runImport is fapiao import: bulk statements (one JSON statement a line)
// through the ledger, or, with --log or when the file's first line is an
// exported event, an AUD-4 export appended as it is (IDs, streams,
// revisions and hashes kept).
func runImport(ctx context.Context, e *env, args []string) (err error) {
	var clock string
	var asLog bool
	var workers int
	fs := newFlagSet(e, "import", "--store STORE [--log] [--workers N] [--clock RFC3339] FILE.jsonl")
	store := storeFlag(fs)
	fs.BoolVar(&asLog, "log", false, "the file is an export of `fapiao export` (detected from its first line when not given)")
	fs.IntVar(&workers, "workers", 4, "post the statements of different accounts with `N` workers in parallel")
	fs.StringVar(&clock, "clock", "", "the ledger's time for the statements (RFC 3339; default the current time)")
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return err
		}
		return &usageError{msg: err.Error(), shown: true}
	}
	if fs.NArg() != 1 {
		return usagef("give exactly one FILE.jsonl")
	}
	path := fs.Arg(0)
	led := ledger.Options{Clock: ledger.SystemClock(), Issuer: defaultIssuer}
	start, err := parseClockFlag(clock)
	if err != nil {
		return err
	}
	if !start.IsZero() {
		led.Clock = ledger.StartingAt(start)
	}
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	defer f.Close()
	lines, first, err := scanFile(f)
	if err != nil {
		return fmt.Errorf("%s: %w", path, err)
	}
	if !asLog {
		asLog = looksLikeRecord(first)
	}

	s, err := openForWrite(ctx, *store, "POST /v1/accounts/{acc}/statements")
	if err != nil {
		return err
	}
	defer closeStore(s, &err)
	meter := newMeter(e.stderr, "import")
	meter.SetTotal(lines)
	if asLog {
		res, err := logcopy.ImportLog(ctx, s, bufio.NewReaderSize(f, 1<<20), meter, e.stdout)
		if err != nil {
			return err
		}
		fmt.Fprintf(e.stdout, "imported the log: %d events appended, %d already there\n", res.Copied, res.Skipped)
		return nil
	}
	sum, err := importer.ImportStatements(ctx, ledger.New(s, led), bufio.NewReaderSize(f, 1<<20), importer.ImportOptions{Workers: workers, Meter: meter, Total: lines})
	for _, fail := range sum.Failures {
		fmt.Fprintln(e.stderr, fail)
	}
	fmt.Fprintf(e.stdout, "%d lines: posted %d, unchanged %d, failed %d\n", sum.Lines, sum.Posted, sum.Unchanged, sum.Failed)
	return err
}

// scanFile counts the non-blank lines of f (for the progress bar), keeps the
// first one, and rewinds f.
func scanFile(f *os.File) (int64, []byte, error) {
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 64<<10), 4<<20)
	var n int64
	var first []byte
	for sc.Scan() {
		line := bytes.TrimSpace(sc.Bytes())
		if len(line) == 0 {
			continue
		}
		if first == nil {
			first = bytes.Clone(line)
		}
		n++
	}
	if err := sc.Err(); err != nil {
		return 0, nil, err
	}
	_, err := f.Seek(0, io.SeekStart)
	return n, first, err
}

// looksLikeRecord reports whether a line is an exported event rather than
// a statement: it has a stream and an id.
func looksLikeRecord(line []byte) bool {
	var probe struct {
		Stream *string `json:"stream"`
		ID     *string `json:"id"`
	}
	return json.Unmarshal(line, &probe) == nil && probe.Stream != nil && probe.ID != nil
}
