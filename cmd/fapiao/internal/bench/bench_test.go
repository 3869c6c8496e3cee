package bench

import (
	"context"
	"path/filepath"
	"testing"
	"time"

	"github.com/fapiao/fapiao/api"
	"github.com/fapiao/fapiao/domain"
)

func TestPercentile(t *testing.T) {
	ms := func(n ...int) []time.Duration {
		out := make([]time.Duration, len(n))
		for i, v := range n {
			out[i] = time.Duration(v) * time.Millisecond
		}
		return out
	}
	tests := []struct {
		name   string
		sorted []time.Duration
		q      float64
		want   float64
	}{
		{"empty", nil, 0.5, 0},
		{"one", ms(7), 0.99, 7},
		{"median of odd", ms(1, 2, 3), 0.5, 2},
		{"median of even is the lower", ms(1, 2, 3, 4), 0.5, 2},
		{"p99 of 100 is the 99th", ms(make([]int, 99)...), 0.99, 0},
		{"p99 of 200 is the 198th", append(ms(make([]int, 197)...), ms(5, 9, 9)...), 0.99, 5},
		{"max", ms(1, 2, 3), 1, 3},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := percentile(tt.sorted, tt.q); got != tt.want {
				t.Fatalf("percentile(%v, %v) = %v, want %v", tt.sorted, tt.q, got, tt.want)
			}
		})
	}
}

// TestTokensFile checks that the file the scenarios hand to serve is one
// the API accepts.
func TestTokensFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "tokens.json")
	err := writeTokens(path, []tokenEntry{
		{Token: "a-token-0123456789", Role: string(domain.RoleCustomer), AccountID: "acc-1"},
		{Token: "b-token-0123456789", Role: string(domain.RoleAuditor)},
	})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := api.LoadTokens(path); err != nil {
		t.Fatalf("serve would refuse the tokens file: %v", err)
	}
}

// TestAppendShort runs the append scenario briefly on a temporary store of
// each embedded kind, store figures included.
func TestAppendShort(t *testing.T) {
	for _, engine := range []string{"bolt", "log"} {
		t.Run(engine, func(t *testing.T) {
			res, err := RunAppend(context.Background(), AppendConfig{Engine: engine, Accounts: 4, Duration: 300 * time.Millisecond})
			if err != nil {
				t.Fatal(err)
			}
			if res.Commands == 0 || res.CommandsPerSec <= 0 || res.P99ms < res.P50ms || res.Scenario != "append" {
				t.Fatalf("implausible result %+v", res)
			}
			if res.Store != engine || res.EventsPerCommit < 1 || res.CPUusPerCommand <= 0 || res.BytesPerEvent <= 0 || res.FsyncP50ms <= 0 {
				t.Fatalf("implausible store figures %+v", res)
			}
		})
	}
	if _, err := RunAppend(context.Background(), AppendConfig{Engine: "nope", Accounts: 1, Duration: time.Millisecond}); err == nil {
		t.Fatal("an unknown engine was accepted")
	}
}

// TestAppendShared: clients above the accounts share each account,
// applying for and cancelling invoices they find in their results.
func TestAppendShared(t *testing.T) {
	res, err := RunAppend(context.Background(), AppendConfig{Engine: "log", Accounts: 1, Clients: 4, Duration: 300 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	if res.Clients != 4 || res.Commands < 4 || res.Events < res.Commands {
		t.Fatalf("implausible result %+v", res)
	}
}

// TestAppendOpenLoop: with a rate the clients send on a schedule, not as
// fast as they are answered: about rate × duration commands in all.
func TestAppendOpenLoop(t *testing.T) {
	const rate, d = 200.0, 500 * time.Millisecond
	res, err := RunAppend(context.Background(), AppendConfig{Engine: "log", Accounts: 4, Rate: rate, Duration: d})
	if err != nil {
		t.Fatal(err)
	}
	// Each of the 4 clients sends every 20 ms, staggered by 5 ms: 25
	// commands each in 500 ms, the last due at or before the deadline.
	if res.Rate != rate || res.Commands < 90 || res.Commands > 104 {
		t.Fatalf("%d commands at an offered %v/s over %v; want ≈ 100 (%+v)", res.Commands, res.Rate, d, res)
	}
	if res.P99ms < res.P50ms || res.P50ms <= 0 {
		t.Fatalf("implausible latencies %+v", res)
	}
}

// TestReplayOnLog runs the replay scenario (without serve) on a small
// segmented log in a cache directory, then again reusing it.
func TestReplayOnLog(t *testing.T) {
	cache := t.TempDir()
	cfg := ReplayConfig{CachedLog: CachedLog{Events: 2000, Engine: "log", CacheDir: cache}}
	res, err := RunReplay(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	if res.Events < 2000 || res.EventsPerSec <= 0 || res.FileMB <= 0 || res.FileMB >= 64 {
		t.Fatalf("implausible result %+v", res)
	}
	again, err := RunReplay(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	if again.Events != res.Events {
		t.Fatalf("the cached log held %d events, then %d", res.Events, again.Events)
	}
	if _, err := RunReplay(context.Background(), ReplayConfig{CachedLog: CachedLog{Events: 10, Engine: "nope", CacheDir: cache}}); err == nil {
		t.Fatal("an unknown engine was accepted")
	}
}

// TestServesViews reads serve's usage for the --views flag: present in a
// build with persisted views, absent before (and not mistaken for a flag
// whose description mentions it, or a longer name).
func TestServesViews(t *testing.T) {
	for _, tc := range []struct {
		name, usage string
		want        bool
	}{
		{"before issue 16", "Usage: fapiao serve --addr A --store STORE\n\nFlags:\n  -addr address\n    \tlisten address\n  -store URL\n    \tthe event store URL\n", false},
		{"with views", "Flags:\n  -addr address\n    \tlisten\n  -views URL\n    \tthe views file (default: views.db beside a bolt store)\n", true},
		{"bool flag alone on its line", "Flags:\n  -views\n", true},
		{"mentioned in a description", "Flags:\n  -store URL\n    \t-views is elsewhere\n", false},
		{"a longer name", "Flags:\n  -views-cache size\n", false},
		{"flag refused", "flag provided but not defined: -views\nUsage: fapiao serve\n", false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := servesViews([]byte(tc.usage)); got != tc.want {
				t.Fatalf("servesViews = %v, want %v", got, tc.want)
			}
		})
	}
}

// TestProcCPU: the CPU time read from /proc grows as this process works
// (in ticks of 10 ms: the loop spins until one passes, or gives up).
func TestProcCPU(t *testing.T) {
	before := procCPU("self")
	deadline := time.Now().Add(20 * time.Second)
	for x := 0; procCPU("self") <= before; x++ {
		if time.Now().After(deadline) {
			t.Fatalf("CPU time stayed at %v over a busy loop (%d turns)", before, x)
		}
	}
	if procCPU("no-such-pid") != 0 {
		t.Fatal("a missing process has CPU time")
	}
}
