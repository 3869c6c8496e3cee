// Command fapiao is the invoicing ledger's single binary: the API server and
// the operator's tools, one subcommand each (API.md, "Command line").
//
//	fapiao serve --addr 127.0.0.1:8080 --store bolt://./data/fapiao.db --tokens tokens.json
//	fapiao serve --demo
//	fapiao help
//
// Each subcommand has its own flag.FlagSet; exit status 0 is success, 1 a
// failure (or, for verify and reconcile, a broken invariant), 2 a usage error.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"

	"github.com/fapiao/fapiao/eventstore/storeurl"
)

// Exit statuses.
const (
	exitOK    = 0
	exitFail  = 1
	exitUsage = 2
)

// command is one subcommand.
type command struct {
	name    string
	summary string
	run     func(ctx context.Context, env *env, args []string) error
}

// env is what a subcommand may touch of the process: its output streams,
// so that tests run commands in-process without globals.
type env struct {
	stdout, stderr io.Writer
}

// usageError is a mistake on the command line: exit 2 and show the usage.
// shown is set when flag already printed the error and the usage.
type usageError struct {
	msg   string
	shown bool
}

func (e *usageError) Error() string { return e.msg }

func usagef(format string, args ...any) error { return &usageError{msg: fmt.Sprintf(format, args...)} }

// commands lists every subcommand in the order of the usage text; each
// runs from its own file (serve.go, cmd_<name>.go).
func commands() []command {
	return []command{
		{"serve", "the API server, projections and console", runServe},
		{"migrate", "copy a whole log between stores (bolt → log or esdb), then verify it", runMigrate},
		{"replay", "state and balances as they were at a time or position (AUD-2)", runReplay},
		{"verify", "check every hash chain (AUD-3)", runVerify},
		{"export", "the log as JSON Lines on stdout (AUD-4)", runExport},
		{"import", "bulk-post statements from a JSON Lines file", runImport},
		{"reconcile", "REC-1..4 for a month, as JSON or CSV", runReconcile},
		{"bench", "the benchmarks of record", runBench},
		{"views", "rebuild the persisted read models from the log and swap them in", runViews},

		{"keygen", "a signing key for checkpoints (private key file, public key line)", runKeygen},
		{"verify-proof", "check a Merkle proof offline against a signed checkpoint", runVerifyProof},
	}
}

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	// After the first signal starts a graceful shutdown, a second one kills
	// the process at once, as an impatient operator expects.
	context.AfterFunc(ctx, stop)
	code := run(ctx, &env{stdout: os.Stdout, stderr: os.Stderr}, os.Args[1:])
	stop()
	os.Exit(code)
}

// run dispatches args to a subcommand and returns the exit status.
func run(ctx context.Context, e *env, args []string) int {
	if len(args) == 0 {
		usage(e.stderr)
		return exitUsage
	}
	name, rest := args[0], args[1:]
	switch name {
	case "help", "-h", "-help", "--help":
		if len(rest) > 0 {
			// "fapiao help serve" is "fapiao serve -h".
			return run(ctx, e, []string{rest[0], "-h"})
		}
		usage(e.stdout)
		return exitOK
	}
	for _, c := range commands() {
		if c.name != name {
			continue
		}
		err := c.run(ctx, e, rest)
		var ue *usageError
		switch {
		case err == nil:
			return exitOK
		case errors.Is(err, flag.ErrHelp):
			return exitOK
		case errors.As(err, &ue) && ue.shown:
			return exitUsage
		case errors.As(err, &ue):
			fmt.Fprintf(e.stderr, "fapiao %s: %v\nRun 'fapiao help %s' for usage.\n", name, err, name)
			return exitUsage
		default:
			fmt.Fprintf(e.stderr, "fapiao %s: %v\n", name, err)
			return exitFail
		}
	}
	fmt.Fprintf(e.stderr, "fapiao: unknown command %q\n\n", name)
	usage(e.stderr)
	return exitUsage
}

func usage(w io.Writer) {
	fmt.Fprint(w, `fapiao — an event-sourced ledger of paper VAT invoices (发票)

Usage:
  fapiao <command> [flags]

Commands:
`)
	for _, c := range commands() {
		fmt.Fprintf(w, "  %-10s %s\n", c.name, c.summary)
	}
	fmt.Fprint(w, `
STORE is a URL: bolt:///abs/path/fapiao.db, bolt://./data/fapiao.db (the
default), log:///abs/dir or log://./data/log (the segmented log, a
directory) or esdb://host:2113?tls=false (EventStoreDB / KurrentDB).

Run 'fapiao help <command>' for a command's flags.
`)
}

// newFlagSet returns a FlagSet that reports errors instead of exiting and
// prints its usage to e.stderr.
func newFlagSet(e *env, name, synopsis string) *flag.FlagSet {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(e.stderr)
	fs.Usage = func() {
		fmt.Fprintf(e.stderr, "Usage: fapiao %s %s\n\nFlags:\n", name, synopsis)
		fs.PrintDefaults()
	}
	return fs
}

// storeFlag registers --store, the event store a command works on.
func storeFlag(fs *flag.FlagSet) *string {
	return fs.String("store", storeurl.Default, "the event store `URL`")
}

// parseFlags parses args and refuses positional arguments the command does
// not take; flag's own errors are already printed with the usage.
func parseFlags(fs *flag.FlagSet, args []string) error {
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return err
		}
		return &usageError{msg: err.Error(), shown: true}
	}
	if fs.NArg() > 0 {
		return usagef("unexpected argument %q", fs.Arg(0))
	}
	return nil
}
