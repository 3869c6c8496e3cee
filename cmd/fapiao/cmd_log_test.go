package main

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/fapiao/fapiao/eventstore/seglog"
)

// TestJobMigrateBoltToLog: a bolt file moves to the segmented log with
// fapiao migrate; the log then verifies and exports the same bytes (both
// number their events from 1), and a second run copies nothing.
func TestJobMigrateBoltToLog(t *testing.T) {
	t.Parallel()
	from := jobDemoStore(t)
	dir := filepath.Join(t.TempDir(), "log")
	to := "log://" + dir

	code, out, errOut := jobRun(t, "migrate", "--from", from, "--to", to)
	require.Equal(t, exitOK, code, errOut)
	require.Contains(t, out, "compared")
	code, out, _ = jobRun(t, "migrate", "--from", from, "--to", to)
	require.Equal(t, exitOK, code)
	require.Contains(t, out, "0 copied now")

	code, out, errOut = jobRun(t, "verify", "--store", to)
	require.Equal(t, exitOK, code, errOut)
	require.Contains(t, out, "every hash chain holds")
	_, want, _ := jobRun(t, "export", "--store", from)
	_, got, _ := jobRun(t, "export", "--store", to)
	require.Equal(t, want, got)

	code, _, _ = jobRun(t, "migrate", "--from", to, "--to", "log://"+dir+"/")
	require.Equal(t, exitUsage, code, "the same directory twice is refused")
}

// TestJobsRefuseAHeldLog: a log held by a running server is refused at once
// to a second writer (import), with the same hint as a held bolt file; a
// read-only job reads beside it what was committed when it opened.
func TestJobsRefuseAHeldLog(t *testing.T) {
	t.Parallel()
	dir := filepath.Join(t.TempDir(), "log")
	held, err := seglog.Open(dir)
	require.NoError(t, err)
	t.Cleanup(func() { _ = held.Close() })
	file := filepath.Join(t.TempDir(), "statements.jsonl")
	require.NoError(t, os.WriteFile(file, nil, 0o600))
	start := time.Now()
	code, _, errOut := jobRun(t, "import", "--store", "log://"+dir, file)
	require.Less(t, time.Since(start), 5*time.Second)
	require.Equal(t, exitFail, code)
	require.Contains(t, errOut, "held by another process")
	require.Contains(t, errOut, "POST /v1/accounts/{acc}/statements")

	code, _, errOut = jobRun(t, "export", "--store", "log://"+dir)
	require.Equal(t, exitOK, code, errOut)
}

// TestVerifyLogSaysWhatHappened: verify on a log reports a torn final write
// (a read-only open leaves it out; a writer's open drops it) and fails on
// damage in the middle.
func TestVerifyLogSaysWhatHappened(t *testing.T) {
	t.Parallel()
	dir := filepath.Join(t.TempDir(), "log")
	to := "log://" + dir
	code, _, errOut := jobRun(t, "migrate", "--from", jobDemoStore(t), "--to", to)
	require.Equal(t, exitOK, code, errOut)
	segs, err := filepath.Glob(filepath.Join(dir, "*.seg"))
	require.NoError(t, err)
	require.Len(t, segs, 1)
	data, err := os.ReadFile(segs[0])
	require.NoError(t, err)
	end := len(bytes.TrimRight(data, "\x00"))

	code, out, errOut := jobRun(t, "verify", "--store", to)
	require.Equal(t, exitOK, code, errOut)
	require.Contains(t, out, "checked log: 1 segment(s)")
	require.Contains(t, out, "every hash chain holds")

	// Half a group's header after the last group: a write torn by a crash.
	torn := append([]byte(nil), data...)
	copy(torn[(end+7)&^7:], "\x40\x00\x00\x00\x99\x99")
	require.NoError(t, os.WriteFile(segs[0], torn, 0o600))
	code, out, errOut = jobRun(t, "verify", "--store", to)
	require.Equal(t, exitOK, code, errOut)
	require.Contains(t, out, "torn final write")
	require.Contains(t, out, "every hash chain holds")

	// A flipped byte inside the first group, with groups after it.
	bad := append([]byte(nil), data...)
	bad[16+24+10] ^= 0xff
	require.NoError(t, os.WriteFile(segs[0], bad, 0o600))
	code, out, errOut = jobRun(t, "verify", "--store", to)
	require.Equal(t, exitFail, code)
	require.Contains(t, out, "DAMAGED STORE: 1 problems")
	require.Contains(t, out, "at byte 16: corrupt: group payload checksum mismatch")
	require.Contains(t, errOut, "is damaged")
	code, _, errOut = jobRun(t, "export", "--store", to)
	require.Equal(t, exitFail, code, "a job refuses a damaged log")
	require.Contains(t, errOut, "damaged")
}
