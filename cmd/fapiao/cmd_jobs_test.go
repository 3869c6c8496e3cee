package main

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/fapiao/fapiao/eventstore/bolt"
	"github.com/fapiao/fapiao/eventstore/seglog"
)

// jobRun runs a subcommand in-process and returns its exit status and output.
func jobRun(t *testing.T, args ...string) (int, string, string) {
	t.Helper()
	var out, errOut bytes.Buffer
	code := run(context.Background(), &env{stdout: &out, stderr: &errOut}, args)
	return code, out.String(), errOut.String()
}

// jobDemoStore is a bolt file holding the demo history: a copy of the
// template the damage tests start from (seeded once for the package, not
// once per test).
func jobDemoStore(t *testing.T) string {
	t.Helper()
	return "bolt://" + damagedStore(t, func(*testing.T, string) {})
}

func TestJobsOnDemoStore(t *testing.T) {
	t.Parallel()
	store := jobDemoStore(t)

	code, out, errOut := jobRun(t, "verify", "--store", store)
	require.Equal(t, exitOK, code, errOut)
	require.Contains(t, out, "every hash chain holds")

	code, export, errOut := jobRun(t, "export", "--store", store)
	require.Equal(t, exitOK, code, errOut)
	require.Greater(t, strings.Count(export, "\n"), 10)
	code, tail, errOut := jobRun(t, "export", "--store", store, "--from", "3")
	require.Equal(t, exitOK, code, errOut)
	require.True(t, strings.HasPrefix(tail, `{"position":3,`), "--from is inclusive, as GET /v1/events?from=N: %.40s", tail)
	require.True(t, strings.HasSuffix(export, tail), "--from N is a suffix of the whole export")

	code, out, errOut = jobRun(t, "replay", "--store", store, "--account", demoAccount, "--position", "5")
	require.Equal(t, exitOK, code, errOut)
	require.Contains(t, out, `"up_to_position": 5`)
	code, _, errOut = jobRun(t, "replay", "--store", store, "--as-of", "2000-01-01T00:00:00Z", "--account", demoAccount)
	require.Equal(t, exitFail, code)
	require.Contains(t, errOut, "no such account")
	code, _, _ = jobRun(t, "replay", "--store", store, "--as-of", "yesterday")
	require.Equal(t, exitUsage, code)

	code, out, errOut = jobRun(t, "reconcile", "--store", store, "--month", "2026-03", "--format", "csv")
	require.Equal(t, exitOK, code, errOut)
	require.True(t, strings.HasPrefix(out, "section,account,key,field,value\n"), out)
	code, _, _ = jobRun(t, "reconcile", "--store", store)
	require.Equal(t, exitUsage, code, "--month is required")

	// export → import --log into an empty bolt file → export: the same bytes.
	file := filepath.Join(t.TempDir(), "log.jsonl")
	require.NoError(t, os.WriteFile(file, []byte(export), 0o600))
	copyStore := "bolt://" + filepath.Join(t.TempDir(), "copy.db")
	code, out, errOut = jobRun(t, "import", "--store", copyStore, file)
	require.Equal(t, exitOK, code, errOut)
	require.Contains(t, out, "imported the log")
	_, again, _ := jobRun(t, "export", "--store", copyStore)
	require.Equal(t, export, again)

	migrated := "bolt://" + filepath.Join(t.TempDir(), "migrated.db")
	code, out, errOut = jobRun(t, "migrate", "--from", store, "--to", migrated)
	require.Equal(t, exitOK, code, errOut)
	require.Contains(t, out, "compared")
	require.Contains(t, errOut, "migrate: 100%")
	code, out, _ = jobRun(t, "migrate", "--from", store, "--to", migrated)
	require.Equal(t, exitOK, code)
	require.Contains(t, out, "0 copied now")
}

func TestJobImportStatements(t *testing.T) {
	t.Parallel()
	store := "bolt://" + filepath.Join(t.TempDir(), "fapiao.db")
	file := filepath.Join(t.TempDir(), "statements.jsonl")
	line := `{"account_id":"acc-1","month":"2026-01","lines":[{"line_id":"l1","product":"KEC","billing_mode":"prepaid","purchased_at":"2026-01-02","channel":"kingsoft","amount":"AMOUNT","voucher":"0.00","coupon":"0.00","gift_balance":"0.00"}]}`
	content := strings.ReplaceAll(line, "AMOUNT", "100.00") + "\n" +
		strings.ReplaceAll(strings.ReplaceAll(line, "AMOUNT", "1.001"), "acc-1", "acc-2") + "\n"
	require.NoError(t, os.WriteFile(file, []byte(content), 0o600))

	code, out, errOut := jobRun(t, "import", "--store", store, "--clock", "2026-03-01T10:00:00+08:00", file)
	require.Equal(t, exitFail, code)
	require.Contains(t, out, "2 lines: posted 1, unchanged 0, failed 1")
	require.Contains(t, errOut, "line 2")
	require.Contains(t, errOut, "lines[0].amount")

	code, out, _ = jobRun(t, "import", "--store", store, "--clock", "2026-03-01T10:00:00+08:00", file)
	require.Equal(t, exitFail, code)
	require.Contains(t, out, "posted 0, unchanged 1, failed 1")
}

// TestJobsRefuseAHeldStore: with the bolt file held (as a running server
// holds it) every command fails at once, says why and what to do instead.
func TestJobsRefuseAHeldStore(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), "fapiao.db")
	held, err := bolt.Open(path)
	require.NoError(t, err)
	t.Cleanup(func() { _ = held.Close() })
	store := "bolt://" + path
	file := filepath.Join(t.TempDir(), "empty.jsonl")
	require.NoError(t, os.WriteFile(file, []byte("\n"), 0o600))
	for _, tc := range []struct {
		args []string
		hint string
	}{
		{[]string{"replay", "--store", store}, "GET /v1/accounts/{acc}/events"},
		{[]string{"verify", "--store", store}, "stop the server"},
		{[]string{"export", "--store", store}, "GET /v1/events"},
		{[]string{"reconcile", "--store", store, "--month", "2026-03"}, "GET /v1/reconciliation?month=2026-03"},
		{[]string{"import", "--store", store, file}, "POST /v1/accounts/{acc}/statements"},
		{[]string{"migrate", "--from", store, "--to", "bolt://" + filepath.Join(t.TempDir(), "x.db")}, "stop the server"},
	} {
		t.Run(tc.args[0], func(t *testing.T) {
			start := time.Now()
			code, _, errOut := jobRun(t, tc.args...)
			require.Less(t, time.Since(start), 5*time.Second)
			require.Equal(t, exitFail, code)
			require.Contains(t, errOut, "held by another process")
			require.Contains(t, errOut, tc.hint)
		})
	}
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

// TestAUD2_ReplayEdgesOnTheCommandLine: --position 0 and an --as-of before
// the first event (the zero time too) print the empty state; reconcile
// --now T reports the state at T.
func TestAUD2_ReplayEdgesOnTheCommandLine(t *testing.T) {
	t.Parallel()
	store := jobDemoStore(t)
	for _, args := range [][]string{
		{"--position", "0"},
		{"--as-of", "0001-01-01T00:00:00Z"},
		{"--as-of", "2000-01-01T00:00:00+08:00"},
	} {
		code, out, errOut := jobRun(t, append([]string{"replay", "--store", store}, args...)...)
		require.Equal(t, exitOK, code, errOut)
		require.Contains(t, out, `"position": 0,`, args)
		require.Contains(t, out, `"accounts": []`, args)
	}
	code, out, errOut := jobRun(t, "replay", "--store", store, "--position", "1")
	require.Equal(t, exitOK, code, errOut)
	require.Contains(t, out, `"position": 1,`)

	code, whole, errOut := jobRun(t, "reconcile", "--store", store, "--month", "2026-03")
	require.Equal(t, exitOK, code, errOut)
	code, early, errOut := jobRun(t, "reconcile", "--store", store, "--month", "2026-03", "--now", "2026-03-01T00:00:00+08:00")
	require.Equal(t, exitOK, code, errOut)
	require.NotEqual(t, whole, early)
	require.Contains(t, early, `"as_of": "2026-03-01T00:00:00+08:00"`)
	var w, e struct{ Position uint64 }
	require.NoError(t, json.Unmarshal([]byte(whole), &w))
	require.NoError(t, json.Unmarshal([]byte(early), &e))
	require.Less(t, e.Position, w.Position, "the state at 1 March, not at the end of the log")
	require.Positive(t, e.Position)
}

// TestJobViewsRebuildAndReconcile: `views rebuild` writes a views file
// beside the store; `reconcile --views` reads it (caught up) and answers
// what a full replay answers; --views with --now is refused.
func TestJobViewsRebuildAndReconcile(t *testing.T) {
	t.Parallel()
	store := jobDemoStore(t)
	views := filepath.Join(t.TempDir(), "views.db")
	code, out, errOut := jobRun(t, "views", "rebuild", "--store", store, "--views", "bolt://"+views)
	require.Equal(t, exitOK, code, errOut)
	require.Contains(t, out, "views rebuilt in "+views)
	_, err := os.Stat(views + ".rebuild")
	require.True(t, os.IsNotExist(err), "the file built beside was renamed over the views")

	withoutAsOf := func(csv string) string {
		var keep []string
		for _, line := range strings.Split(csv, "\n") {
			if !strings.HasPrefix(line, "report,,,as_of,") {
				keep = append(keep, line)
			}
		}
		return strings.Join(keep, "\n")
	}
	code, replayed, errOut := jobRun(t, "reconcile", "--store", store, "--month", "2026-03", "--format", "csv")
	require.Equal(t, exitOK, code, errOut)
	code, fromViews, errOut := jobRun(t, "reconcile", "--store", store, "--month", "2026-03", "--format", "csv", "--views", views)
	require.Equal(t, exitOK, code, errOut)
	require.Equal(t, withoutAsOf(replayed), withoutAsOf(fromViews))

	code, _, _ = jobRun(t, "reconcile", "--store", store, "--month", "2026-03", "--views", views, "--now", "2026-04-01T00:00:00Z")
	require.Equal(t, exitUsage, code)
	code, _, _ = jobRun(t, "views", "--store", store)
	require.Equal(t, exitUsage, code, "views wants its subcommand")
}

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
