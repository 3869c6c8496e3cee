package main

import (
	"context"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/fapiao/fapiao/api"
	"github.com/fapiao/fapiao/eventstore/storeurl"
)

// TestServeLimitFlags: serve's abuse limits reach api.Config, default to
// the api's defaults, and a 0 (which would mean "refuse everything" or
// "the default" depending on the reader) is a usage error.
func TestServeLimitFlags(t *testing.T) {
	e := &env{stdout: io.Discard, stderr: io.Discard}
	f, err := parseServeFlags(e, []string{"--tokens", "t.json"})
	if err != nil {
		t.Fatal(err)
	}
	var c api.Config
	f.limits.apply(&c)
	if c.RateLimit != api.DefaultRateLimit || c.Burst != api.DefaultBurst || c.AuthFailLimit != api.DefaultAuthFailLimit ||
		c.AuthFailBurst != api.DefaultAuthFailBurst || c.AccountWriteBudget != api.DefaultAccountWriteBudget {
		t.Fatalf("defaults: %+v", c)
	}
	f, err = parseServeFlags(e, []string{"--tokens", "t.json", "--rate-limit", "5", "--rate-burst", "7",
		"--auth-fail-limit", "0.5", "--auth-fail-burst", "3", "--account-write-budget", "-1"})
	if err != nil {
		t.Fatal(err)
	}
	f.limits.apply(&c)
	if c.RateLimit != 5 || c.Burst != 7 || c.AuthFailLimit != 0.5 || c.AuthFailBurst != 3 || c.AccountWriteBudget != -1 {
		t.Fatalf("set: %+v", c)
	}
	for _, args := range [][]string{
		{"--rate-limit", "0"}, {"--account-write-budget", "0"}, {"--auth-fail-limit", "0"}, {"--rate-burst", "0"}, {"--auth-fail-burst", "-2"},
	} {
		_, err := parseServeFlags(e, append([]string{"--tokens", "t.json"}, args...))
		if err == nil || !strings.Contains(err.Error(), strings.TrimPrefix(args[0], "")) {
			t.Errorf("%v: err %v, want a usage error naming the flag", args, err)
		}
	}
}

// TestServeRefusesReadableTokensFile: serve will not start on a tokens file
// that others may read: exit 1, naming the file and the way out.
func TestServeRefusesReadableTokensFile(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	path := filepath.Join(dir, "tokens.json")
	if err := os.WriteFile(path, []byte(`[{"token": "0123456789abcdef", "role": "auditor"}]`), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(path, 0o644); err != nil {
		t.Fatal(err)
	}
	code, _, errOut := jobRun(t, "serve", "--addr", "127.0.0.1:0", "--tokens", path, "--store", "bolt://"+filepath.Join(dir, "x.db"))
	if code != exitFail {
		t.Fatalf("exit %d, want %d\n%s", code, exitFail, errOut)
	}
	for _, want := range []string{path, "0644", "chmod 600", "--allow-readable-tokens"} {
		if !strings.Contains(errOut, want) {
			t.Errorf("the error does not say %q:\n%s", want, errOut)
		}
	}
}

// TestServeMissingTokensFile: a tokens file that cannot be read is a
// failure (exit 1) after the store opened, and the store is closed again.
func TestServeMissingTokensFile(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	code, _, errOut := jobRun(t, "serve", "--tokens", filepath.Join(dir, "absent.json"), "--store", "bolt://"+filepath.Join(dir, "x.db"))
	if code != exitFail {
		t.Fatalf("exit %d, want %d\n%s", code, exitFail, errOut)
	}
	if !strings.Contains(errOut, "absent.json") {
		t.Errorf("the error does not name the tokens file:\n%s", errOut)
	}
	// The store was closed: another open of the same file does not wait for its lock.
	s, err := storeurl.Open(context.Background(), "bolt://"+filepath.Join(dir, "x.db"))
	if err != nil {
		t.Fatalf("the store was left open: %v", err)
	}
	s.Close()
}
