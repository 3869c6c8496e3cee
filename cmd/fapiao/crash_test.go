package main

// The crash test runs the real binary: 32 clients drive commands over HTTP
// while the server is killed with SIGKILL at seeded random moments. Every
// command a client saw acknowledged must be in the log afterwards, whole,
// with its hash chain intact; the read models the restarted servers resumed
// from their views file, and those rebuilt from the log into a fresh one,
// must equal those the live server kept.

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"math/rand"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/fapiao/fapiao/eventstore"
	"github.com/fapiao/fapiao/eventstore/storeurl"
	"github.com/fapiao/fapiao/projections"
)

const (
	crashClients  = 32
	crashAccounts = 8
	crashKills    = 6
	crashClock    = "2026-11-10T10:00:00+08:00"
)

// startCrashServer starts the binary on the store (startServerArgs) at
// the test's clock.
func startCrashServer(t *testing.T, storeURL, tokensPath string, extra ...string) *server {
	t.Helper()
	// The workload writes each account as fast as it can: the write
	// budget is off, so that what is tested is recovery, not the limit.
	return startServerArgs(t, append([]string{"--store", storeURL, "--tokens", tokensPath, "--clock", crashClock, "--account-write-budget", "-1"}, extra...)...)
}

// crashCluster tells clients where the server is now. Each restart bumps
// the generation, so that a client whose request failed waits for the next
// server instead of spinning.
type crashCluster struct {
	mu   sync.Mutex
	url  string
	gen  int
	next chan struct{} // closed when gen changes
}

func (c *crashCluster) current() (string, int, chan struct{}) {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.url, c.gen, c.next
}

func (c *crashCluster) set(url string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.url = url
	c.gen++
	close(c.next)
	c.next = make(chan struct{})
}

// crashAck is a command a client saw acknowledged.
type crashAck struct {
	key      string
	account  string
	status   int
	position uint64
	body     map[string]any
}

// crashClient sends one command until it is acknowledged, retrying with
// the same Idempotency-Key across kills (APP-6).
type crashClient struct {
	t       *testing.T
	cluster *crashCluster
	http    *http.Client
}

func (c *crashClient) do(ctx context.Context, method, path, token, key string, body any, acc string) (crashAck, error) {
	raw, err := json.Marshal(body)
	if err != nil {
		return crashAck{}, err
	}
	for attempt := 0; ; attempt++ {
		if ctx.Err() != nil {
			return crashAck{}, ctx.Err()
		}
		url, _, next := c.cluster.current()
		req, err := http.NewRequestWithContext(ctx, method, url+path, bytes.NewReader(raw))
		if err != nil {
			return crashAck{}, err
		}
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("Authorization", "Bearer "+token)
		req.Header.Set("Idempotency-Key", key)
		resp, err := c.http.Do(req)
		if err == nil {
			b, rerr := io.ReadAll(resp.Body)
			resp.Body.Close()
			switch {
			case rerr != nil:
				// The server died while answering: not acknowledged.
			case resp.StatusCode/100 == 2:
				pos, perr := strconv.ParseUint(resp.Header.Get("Fapiao-Position"), 10, 64)
				if perr != nil {
					return crashAck{}, fmt.Errorf("%s %s: 2xx without Fapiao-Position", method, path)
				}
				var m map[string]any
				if len(b) > 0 {
					if err := json.Unmarshal(b, &m); err != nil {
						return crashAck{}, fmt.Errorf("%s %s: %v", method, path, err)
					}
				}
				return crashAck{key: key, account: acc, status: resp.StatusCode, position: pos, body: m}, nil
			case resp.StatusCode == http.StatusConflict && !strings.Contains(string(b), "APP-6"),
				resp.StatusCode >= 500:
				// A lost race or a server going away: retry with the same key.
			default:
				return crashAck{}, fmt.Errorf("%s %s (key %s, attempt %d): %d %s", method, path, key, attempt, resp.StatusCode, b)
			}
		}
		// Wait for the next server, or a short while if this one is still up
		// (a refused connection during a restart).
		select {
		case <-next:
		case <-time.After(50 * time.Millisecond):
		case <-ctx.Done():
		}
	}
}

func crashTokens(t *testing.T, dir string) string {
	t.Helper()
	var toks []map[string]string
	for i := range crashAccounts {
		toks = append(toks, map[string]string{"token": fmt.Sprintf("tok-crash-customer-%d", i), "role": "customer", "account_id": fmt.Sprintf("acc-%d", i)})
	}
	toks = append(toks,
		map[string]string{"token": "tok-crash-billing-1", "role": "billing", "name": "billing"},
		map[string]string{"token": "tok-crash-finance-1", "role": "finance", "name": "fin"},
		map[string]string{"token": "tok-crash-auditor-1", "role": "auditor", "name": "aud"})
	raw, err := json.Marshal(toks)
	require.NoError(t, err)
	path := filepath.Join(dir, "tokens.json")
	require.NoError(t, os.WriteFile(path, raw, 0o600))
	return path
}

func crashStatement(month string, cents int) map[string]any {
	amount := fmt.Sprintf("%d.%02d", cents/100, cents%100)
	return map[string]any{"month": month, "lines": []map[string]any{{
		"line_id": "l-" + month, "product": "kec", "billing_mode": "prepaid", "purchased_at": "2026-09-05",
		"channel": "kingsoft", "amount": amount, "voucher": "0.00", "coupon": "0.00", "gift_balance": "0.00",
	}}}
}

// crashMonth is the n-th month counting back from 2026-10 (STMT-1 allows
// every month before November on the test's clock).
func crashMonth(n int) string {
	t := time.Date(2026, time.October-time.Month(n), 1, 0, 0, 0, 0, time.UTC)
	return t.Format("2006-01")
}

// crashWorker posts statements for its account, applies for each and then
// cancels, approves or leaves the invoice, until ctx ends. Months are handed
// out by a shared counter per account so that no two workers post the same.
// It stops after the round during which stop is set.
func crashWorker(ctx context.Context, stop *atomic.Bool, c *crashClient, id int, rng *rand.Rand, months []atomic.Int64, addrIDs []string, acks chan<- crashAck) error {
	acc := id % crashAccounts
	account := fmt.Sprintf("acc-%d", acc)
	base := "/v1/accounts/" + account
	cust := fmt.Sprintf("tok-crash-customer-%d", acc)
	// stop ends the loop between rounds, never in the middle of a request:
	// a request cancelled in flight may be written without being answered.
	for n := 0; !stop.Load(); n++ {
		month := crashMonth(int(months[acc].Add(1)))
		send := func(method, path, token string, body any) (crashAck, error) {
			a, err := c.do(ctx, method, path, token, fmt.Sprintf("w%d-%d-%s", id, n, strings.TrimPrefix(path, base)), body, account)
			if err == nil {
				acks <- a
			}
			return a, err
		}
		if _, err := send("POST", base+"/statements", "tok-crash-billing-1", crashStatement(month, 100+rng.Intn(1_000_000))); err != nil {
			return err
		}
		inv, err := send("POST", base+"/invoices", cust, map[string]any{"statements": []string{month}, "address_id": addrIDs[acc], "agree": true})
		if err != nil {
			return err
		}
		invID, _ := inv.body["id"].(string)
		switch rng.Intn(3) {
		case 0:
			_, err = send("POST", base+"/invoices/"+invID+"/cancel", cust, map[string]any{})
		case 1:
			_, err = send("POST", base+"/invoices/"+invID+"/approve", "tok-crash-finance-1", map[string]any{})
		}
		if err != nil {
			return err
		}
	}
	return nil
}

func TestCrashRecovery(t *testing.T) {
	t.Parallel()
	crashRecovery(t, func(dir string) string { return "bolt://" + filepath.Join(dir, "fapiao.db") })
}

// TestCrashRecoveryLog is the same on the segmented log store.
func TestCrashRecoveryLog(t *testing.T) {
	t.Parallel()
	crashRecovery(t, func(dir string) string { return "log://" + filepath.Join(dir, "log") })
}

func crashRecovery(t *testing.T, storeIn func(dir string) string) {
	seed := time.Now().UnixNano()
	if s := os.Getenv("FAPIAO_CRASH_SEED"); s != "" {
		var err error
		seed, err = strconv.ParseInt(s, 10, 64)
		require.NoError(t, err)
	}
	t.Logf("seed %d (rerun with FAPIAO_CRASH_SEED=%d)", seed, seed)
	rng := rand.New(rand.NewSource(seed))

	dir := t.TempDir()
	storeURL := storeIn(dir)
	tokens := crashTokens(t, dir)

	srv := startCrashServer(t, storeURL, tokens)
	cluster := &crashCluster{next: make(chan struct{})}
	cluster.set(srv.base)
	client := &crashClient{t: t, cluster: cluster, http: &http.Client{Timeout: 10 * time.Second}}

	// Every account gets a title and an address before the load starts.
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Second)
	defer cancel()
	var acked []crashAck
	addrIDs := make([]string, crashAccounts)
	for i := range crashAccounts {
		account := fmt.Sprintf("acc-%d", i)
		cust := fmt.Sprintf("tok-crash-customer-%d", i)
		a, err := client.do(ctx, "POST", "/v1/accounts/"+account+"/title", cust, "setup-title-"+account,
			map[string]any{"type": "vat_general", "holder": "individual", "name": "Zhang San"}, account)
		require.NoError(t, err)
		acked = append(acked, a)
		a, err = client.do(ctx, "POST", "/v1/accounts/"+account+"/addresses", cust, "setup-addr-"+account,
			map[string]any{"recipient": "Zhang San", "phone": "13800138000", "province": "Beijing", "city": "Beijing",
				"street": "1 Zhongguancun Street", "postal_code": "100080", "default": true}, account)
		require.NoError(t, err)
		acked = append(acked, a)
		addrIDs[i] = a.body["id"].(string)
	}

	// The load: 32 workers until stopLoad is set; acks gathered in one place.
	var stopLoad atomic.Bool
	acks := make(chan crashAck, 1024)
	months := make([]atomic.Int64, crashAccounts)
	workerErrs := make(chan error, crashClients)
	for w := range crashClients {
		wrng := rand.New(rand.NewSource(seed + int64(w) + 1))
		go func() { workerErrs <- crashWorker(ctx, &stopLoad, client, w, wrng, months, addrIDs, acks) }()
	}
	gathered := make(chan []crashAck)
	go func() {
		var all []crashAck
		for a := range acks {
			all = append(all, a)
		}
		gathered <- all
	}()

	// Kill at random moments, restart at once.
	for cycle := range crashKills {
		wait := time.Duration(150+rng.Intn(700)) * time.Millisecond
		time.Sleep(wait) // the random moment of the kill is the point of the test
		srv.kill(t)
		t.Logf("cycle %d: killed after %v", cycle, wait)
		srv = startCrashServer(t, storeURL, tokens)
		cluster.set(srv.base)
	}
	// A last stretch without a kill, then the clients finish their command.
	time.Sleep(time.Duration(200+rng.Intn(300)) * time.Millisecond)
	stopLoad.Store(true)
	for range crashClients {
		if err := <-workerErrs; err != nil {
			t.Errorf("client: %v", err)
		}
	}
	close(acks)
	acked = append(acked, <-gathered...)
	t.Logf("%d commands acknowledged over %d kills", len(acked), crashKills)
	require.Greater(t, len(acked), crashClients, "the load made progress")

	var head uint64
	for _, a := range acked {
		head = max(head, a.position)
	}
	live := crashSnapshot(t, srv.base, head)
	srv.stop(t)

	// Every restart resumed from the views the kills left behind (the
	// default views.db beside the store); one more restart on them, then a
	// server with a fresh views file rebuilds its read models from the log
	// alone: all three agree.
	srv = startCrashServer(t, storeURL, tokens)
	resumed := crashSnapshot(t, srv.base, head)
	srv.stop(t)
	require.Regexp(t, `read models opened.*position=[1-9]`, srv.stderr.String(), "the restart resumed from the views on disk")
	crashCompare(t, live, resumed)
	srv = startCrashServer(t, storeURL, tokens, "--views", filepath.Join(dir, "fresh-views.db"))
	rebuilt := crashSnapshot(t, srv.base, head)
	srv.stop(t)
	crashCompare(t, live, rebuilt)

	// The auditor's own check passes on the file the kills left behind.
	out, err := exec.Command(fapiaoBin, "verify", "--store", storeURL).CombinedOutput()
	require.NoError(t, err, "fapiao verify:\n%s", out)

	records := crashReadLog(t, storeURL)
	require.Equal(t, head, records[len(records)-1].Position, "every command was acknowledged in the end, the last included")
	crashCheckLog(t, records, acked)
	crashCheckReplay(t, storeURL, live)
}

// crashSnapshot GETs every account's read models as finance.
func crashSnapshot(t *testing.T, url string, head uint64) map[string]string {
	t.Helper()
	snap := map[string]string{}
	get := func(path string) []byte {
		req, err := http.NewRequest("GET", url+path, nil)
		require.NoError(t, err)
		req.Header.Set("Authorization", "Bearer tok-crash-finance-1")
		req.Header.Set("Fapiao-Min-Position", strconv.FormatUint(head, 10))
		resp, err := http.DefaultClient.Do(req)
		require.NoError(t, err)
		defer resp.Body.Close()
		b, err := io.ReadAll(resp.Body)
		require.NoError(t, err)
		require.Equal(t, 200, resp.StatusCode, "GET %s: %s", path, b)
		return b
	}
	for i := range crashAccounts {
		base := fmt.Sprintf("/v1/accounts/acc-%d", i)
		for _, p := range []string{"/invoiceable", "/statements", "/addresses", "/title"} {
			snap[base+p] = string(get(base + p))
		}
		cursor := ""
		for page := 0; ; page++ {
			path := base + "/invoices?limit=100"
			if cursor != "" {
				path += "&cursor=" + cursor
			}
			b := get(path)
			snap[fmt.Sprintf("%s/invoices#%d", base, page)] = string(b)
			var p struct {
				NextCursor string `json:"next_cursor"`
			}
			require.NoError(t, json.Unmarshal(b, &p))
			if p.NextCursor == "" {
				break
			}
			cursor = p.NextCursor
		}
	}
	return snap
}

func crashReadLog(t *testing.T, storeURL string) []eventstore.Record {
	t.Helper()
	store, err := storeurl.Open(context.Background(), storeURL)
	require.NoError(t, err)
	defer store.Close()
	var records []eventstore.Record
	for r, err := range store.ReadAll(context.Background(), eventstore.Start) {
		require.NoError(t, err)
		records = append(records, r)
	}
	return records
}

// crashCheckLog: every stream's hash chain verifies; every acknowledged
// command is in the log, at the position it was acknowledged with, as one
// contiguous run of one stream (never half-written, never written twice).
func crashCheckLog(t *testing.T, records []eventstore.Record, acked []crashAck) {
	t.Helper()
	prev := map[string]string{}
	type run struct {
		stream     string
		first, end uint64 // revisions [first, end]
		last       uint64 // position of the last event
		count      int
	}
	byKey := map[string]*run{}
	for _, r := range records {
		h, err := eventstore.VerifyLink(r, prev[r.Stream])
		require.NoError(t, err)
		prev[r.Stream] = h
		m, err := eventstore.ParseMetadata(r.Metadata)
		require.NoError(t, err)
		if m.IdempotencyKey == "" {
			continue
		}
		k := r.Stream + " " + m.IdempotencyKey
		if x, ok := byKey[k]; ok {
			require.Equal(t, x.end+1, r.Revision, "the events of key %s are one contiguous append", k)
			x.end, x.last, x.count = r.Revision, r.Position, x.count+1
			continue
		}
		byKey[k] = &run{stream: r.Stream, first: r.Revision, end: r.Revision, last: r.Position, count: 1}
	}
	for _, a := range acked {
		x, ok := byKey["account-"+a.account+" "+a.key]
		if a.status == http.StatusOK && !ok {
			continue // a no-op answer (nothing written) is acknowledged but leaves no event
		}
		require.True(t, ok, "acknowledged command %s on %s (position %d) is in the log", a.key, a.account, a.position)
		require.Equal(t, a.position, x.last, "command %s was acknowledged at the position of its last event", a.key)
	}
}

// crashCheckReplay folds the log afresh: BAL-3 and the other invariants hold
// for every account, and the balances equal what the server answered.
func crashCheckReplay(t *testing.T, storeURL string, live map[string]string) {
	t.Helper()
	store, err := storeurl.Open(context.Background(), storeURL)
	require.NoError(t, err)
	defer store.Close()
	proj, err := projections.Replay(context.Background(), store, nil)
	require.NoError(t, err)
	for i := range crashAccounts {
		id := fmt.Sprintf("acc-%d", i)
		acc, ok := proj.Account(id)
		require.True(t, ok, id)
		require.NoError(t, acc.CheckInvariants())
		bal, ok := proj.Balance(id)
		require.True(t, ok)
		var got map[string]string
		require.NoError(t, json.Unmarshal([]byte(live["/v1/accounts/"+id+"/invoiceable"]), &got))
		require.Equal(t, bal.Total.String(), got["total"], "%s invoiceable total", id)
		require.Equal(t, bal.Kingsoft.String(), got["kingsoft"], "%s kingsoft", id)
	}
}

// crashCompare requires equal snapshots, showing only where they differ.
func crashCompare(t *testing.T, live, rebuilt map[string]string) {
	t.Helper()
	require.Len(t, rebuilt, len(live), "pages")
	for k, a := range live {
		b := rebuilt[k]
		if a == b {
			continue
		}
		i := 0
		for i < len(a) && i < len(b) && a[i] == b[i] {
			i++
		}
		from := max(0, i-300)
		t.Errorf("%s: the live read model differs from a rebuild from the log at byte %d:\nlive:    %s\nrebuilt: %s",
			k, i, a[from:min(len(a), i+200)], b[from:min(len(b), i+200)])
	}
}
