package bench

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/google/uuid"

	"github.com/fapiao/fapiao/domain"
	"github.com/fapiao/fapiao/eventstore"
	"github.com/fapiao/fapiao/internal/loggen"
	"github.com/fapiao/fapiao/ledger"
)

// HTTPConfig sizes the HTTP scenario.
type HTTPConfig struct {
	// Connections is the number of keep-alive connections, one client
	// goroutine each: a quarter (at least one) send the apply/cancel mix
	// unless Posters or NoPosts say otherwise, the rest the GETs.
	Connections int
	// Posters, when positive, is how many of the connections POST instead
	// of a quarter; NoPosts makes them all GET (the GETs' cost alone).
	Posters  int
	NoPosts  bool
	Duration time.Duration
	// Exe is the fapiao binary run as `serve`.
	Exe string
	// Pprof, when set, is passed to serve as --pprof (profile it meanwhile).
	Pprof string
	// Engine is the server's store: "bolt" (the default store, and this
	// scenario's default) or "log" (the segmented log).
	Engine string
	Log    io.Writer
}

// HTTPResult is the HTTP scenario's figures.
type HTTPResult struct {
	Scenario  string  `json:"scenario"`
	GetRPS    float64 `json:"get_rps"`
	GetP50ms  float64 `json:"get_p50_ms"`
	GetP99ms  float64 `json:"get_p99_ms"`
	PostRPS   float64 `json:"post_rps"`
	PostP50ms float64 `json:"post_p50_ms"`
	PostP99ms float64 `json:"post_p99_ms"`
	Errors    int     `json:"errors"`
	Seconds   float64 `json:"seconds"`
	requests  int     // GETs and POSTs answered
	// ServerCPUusPerReq and ClientCPUusPerReq are the serve child's and
	// this process's CPU (user and system) per request, GET and POST
	// together: unlike the rates, they hold still when other work shares
	// the cores.
	ServerCPUusPerReq float64 `json:"server_cpu_us_per_req"`
	ClientCPUusPerReq float64 `json:"client_cpu_us_per_req"`
	// ServerPeakRSSMB is the serve child's peak resident set.
	ServerPeakRSSMB float64 `json:"server_peak_rss_mb"`
	// Views is where the server kept its read models: "on disk" (a views
	// file in the run's directory) or viewsUnsupported (in memory).
	Views string `json:"views"`
	// Engine is the server's store, as HTTPConfig's.
	Engine string `json:"engine"`
}

// seedInvoices is how many invoices each account is given, so that the
// list's first page (20) is full.
const seedInvoices = 22

// httpAccount is a seeded account and what a client needs to act on it.
type httpAccount struct {
	id, token string
	addr      uuid.UUID
	free      string // a month kept available for the apply/cancel mix
}

// RunHTTP seeds a store, starts `fapiao serve` on it and loads it from
// this process over loopback with keep-alive connections.
func RunHTTP(ctx context.Context, cfg HTTPConfig) (HTTPResult, error) {
	if cfg.Connections < 2 {
		return HTTPResult{}, fmt.Errorf("bench: http needs at least two connections")
	}
	engine, ext, err := engineOf(cfg.Engine)
	if err != nil {
		return HTTPResult{}, err
	}
	run, err := newServeRun("http", cfg.Exe)
	if err != nil {
		return HTTPResult{}, err
	}
	defer run.remove()
	path := run.file("http." + ext)
	started := time.Now()
	accounts, err := seedHTTP(ctx, path, engine, cfg.Connections)
	if err != nil {
		return HTTPResult{}, err
	}
	logf(cfg.Log, "http: seeded %d accounts with %d invoices each in %.1fs\n", len(accounts), seedInvoices, time.Since(started).Seconds())
	entries := make([]tokenEntry, len(accounts))
	for i, a := range accounts {
		entries[i] = tokenEntry{Token: a.token, Role: string(domain.RoleCustomer), AccountID: a.id}
	}
	if err := run.writeTokens(entries); err != nil {
		return HTTPResult{}, err
	}
	// The load is an apply→cancel loop per account, as fast as it goes:
	// what the account write budget and each token's rate limit exist to
	// cut. The benchmark measures the server's capacity, so both are set
	// out of reach (not off: their accounting is part of every request's
	// cost); with few connections each token would otherwise pass its
	// 1 000 requests a second and be answered 429.
	extra := []string{"--account-write-budget", "1000000000", "--rate-limit", "1000000000"}
	if cfg.Pprof != "" {
		extra = append(extra, "--pprof", cfg.Pprof)
	}
	srv, err := run.start(ctx, engine+"://"+path, extra...)
	if err != nil {
		return HTTPResult{}, err
	}
	cpu := srv.cpuMeter()
	res, err := loadHTTP(ctx, cfg, srv.base, accounts)
	serverCPU, clientCPU := cpu()
	if n := res.requests; n > 0 {
		res.ServerCPUusPerReq = round(float64(serverCPU.Microseconds()) / float64(n))
		res.ClientCPUusPerReq = round(float64(clientCPU.Microseconds()) / float64(n))
	}
	res.ServerPeakRSSMB = srv.stop()
	res.Views, res.Engine = run.viewsMode(), engine
	if err != nil {
		return res, err
	}
	logf(cfg.Log, "http: %d connections for %.1fs: GET %.0f/s (p50 %.2f ms, p99 %.2f ms), POST %.0f/s (p50 %.2f ms, p99 %.2f ms), %d errors; CPU a request: server %.1f µs, client %.1f µs; server peak RSS %.0f MiB; views %s\n",
		cfg.Connections, res.Seconds, res.GetRPS, res.GetP50ms, res.GetP99ms, res.PostRPS, res.PostP50ms, res.PostP99ms, res.Errors, res.ServerCPUusPerReq, res.ClientCPUusPerReq, res.ServerPeakRSSMB, res.Views)
	return res, nil
}

// seedHTTP gives n accounts a title, an address, 24 months of statements
// and seedInvoices issued invoices, through the ledger on a bulk-load store
// of the engine's kind.
func seedHTTP(ctx context.Context, path, engine string, n int) ([]httpAccount, error) {
	store, err := loggen.OpenBulk(path, engine)
	if err != nil {
		return nil, err
	}
	defer store.Close()
	l := ledger.New(store, ledger.Options{Issuer: "Example Cloud Ltd."})
	accounts := make([]httpAccount, n)
	var (
		wg      sync.WaitGroup
		errs    = make([]error, n)
		numbers atomic.Int64
	)
	for i := range accounts {
		wg.Add(1)
		go func() {
			defer wg.Done()
			accounts[i], errs[i] = seedAccount(ctx, l, i, &numbers)
		}()
	}
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			return nil, err
		}
	}
	return accounts, nil
}

func seedAccount(ctx context.Context, l *ledger.Ledger, i int, numbers *atomic.Int64) (httpAccount, error) {
	a := httpAccount{id: fmt.Sprintf("http-%04d", i), token: fmt.Sprintf("bench-token-%04d-%s", i, uuid.NewString())}
	cust := eventstore.Actor{Role: string(domain.RoleCustomer), ID: a.id}
	do := func(actor eventstore.Actor, cmd domain.Command) (ledger.Result, error) {
		res, err := l.Execute(ctx, ledger.Request{AccountID: a.id, Actor: actor, Command: cmd})
		if err != nil {
			err = fmt.Errorf("bench: seeding %s: %T: %w", a.id, cmd, err)
		}
		return res, err
	}
	if _, err := do(cust, domain.SubmitTitle{Title: benchTitle}); err != nil {
		return a, err
	}
	res, err := do(cust, domain.AddAddress{Address: loggen.Address, Default: true})
	if err != nil {
		return a, err
	}
	a.addr = res.Account.Addresses[0].ID
	months := make([]string, 24)
	for m := range months {
		months[m] = time.Date(2024, time.Month(1+m), 1, 0, 0, 0, 0, time.UTC).Format("2006-01")
		if _, err := do(billingActor, statementOf(months[m], "100.00")); err != nil {
			return a, err
		}
	}
	for m := range seedInvoices {
		res, err := do(cust, domain.RequestInvoice{Statements: []string{months[m]}, AddressID: a.addr, Agree: true})
		if err != nil {
			return a, err
		}
		id := res.Account.InvoiceOrder[len(res.Account.InvoiceOrder)-1]
		if _, err := do(financeActor, domain.ApproveInvoice{InvoiceID: id}); err != nil {
			return a, err
		}
		issued := domain.IssueInvoice{InvoiceID: id, InvoiceCode: "1200000000", InvoiceNumber: fmt.Sprintf("%08d", numbers.Add(1)), IssuedOn: domain.BusinessDate(time.Now())}
		if _, err := do(financeActor, issued); err != nil {
			return a, err
		}
	}
	a.free = months[len(months)-1]
	return a, nil
}

// loadHTTP runs the clients until the duration is over.
func loadHTTP(ctx context.Context, cfg HTTPConfig, base string, accounts []httpAccount) (HTTPResult, error) {
	posters := max(1, cfg.Connections/4)
	switch {
	case cfg.NoPosts:
		posters = 0
	case cfg.Posters > 0:
		posters = min(cfg.Posters, cfg.Connections)
	}
	host := strings.TrimPrefix(base, "http://")
	var (
		wg       sync.WaitGroup
		getLat   = make([][]time.Duration, cfg.Connections)
		postLat  = make([][]time.Duration, cfg.Connections)
		errCount atomic.Int64
		firstErr atomic.Value
	)
	fail := func(err error) {
		if errCount.Add(1) == 1 {
			firstErr.Store(err)
		}
	}
	start := time.Now()
	deadline := start.Add(cfg.Duration)
	for c := range cfg.Connections {
		wg.Add(1)
		go func() {
			defer wg.Done()
			a := accounts[c%len(accounts)]
			// A request still unanswered 30 s after the run's end fails.
			conn := newWireConn(host, deadline.Add(30*time.Second))
			defer conn.close()
			if c < posters {
				postLat[c] = postLoop(ctx, conn, a, deadline, fail)
			} else {
				getLat[c] = getLoop(ctx, conn, a, deadline, fail)
			}
		}()
	}
	wg.Wait()
	elapsed := time.Since(start)
	gets, posts := latencies(getLat), latencies(postLat)
	res := HTTPResult{
		Scenario: "http",
		GetRPS:   rate(len(gets), elapsed), GetP50ms: percentile(gets, 0.5), GetP99ms: percentile(gets, 0.99),
		PostRPS: rate(len(posts), elapsed), PostP50ms: percentile(posts, 0.5), PostP99ms: percentile(posts, 0.99),
		Errors:   int(errCount.Load()),
		Seconds:  round(elapsed.Seconds()),
		requests: len(gets) + len(posts),
	}
	// A few errors under load are reported; a run that mostly failed is not
	// a measurement.
	if n := res.Errors; n > 0 && n*100 > len(gets)+len(posts) {
		return res, fmt.Errorf("bench: http: %d requests failed, the first: %v", n, firstErr.Load())
	}
	return res, nil
}

// getLoop alternates the invoice list's first page and the invoiceable
// balance of one account, each request built once. A GET counts when it is
// answered 200 with its whole body.
func getLoop(ctx context.Context, conn *wireConn, a httpAccount, deadline time.Time, fail func(error)) []time.Duration {
	reqs := [2][]byte{
		wireRequest(http.MethodGet, conn.host, "/v1/accounts/"+a.id+"/invoices?limit=20", a.token, nil),
		wireRequest(http.MethodGet, conn.host, "/v1/accounts/"+a.id+"/invoiceable", a.token, nil),
	}
	lat := make([]time.Duration, 0, 1<<16)
	for i := 0; ctx.Err() == nil; i++ {
		t0 := time.Now()
		if t0.After(deadline) {
			break
		}
		if _, err := exchange(conn, reqs[i%2], http.StatusOK); err != nil {
			fail(err)
			continue
		}
		lat = append(lat, time.Since(t0))
	}
	return lat
}

// postLoop applies for an invoice over the account's free month and
// cancels it, again and again: each a command with an fsync.
func postLoop(ctx context.Context, conn *wireConn, a httpAccount, deadline time.Time, fail func(error)) []time.Duration {
	applyBody, _ := json.Marshal(map[string]any{"statements": []string{a.free}, "address_id": a.addr, "agree": true})
	apply := wireRequest(http.MethodPost, conn.host, "/v1/accounts/"+a.id+"/invoices", a.token, applyBody)
	lat := make([]time.Duration, 0, 1024)
	var pending string // an invoice applied for and not cancelled yet
	for ctx.Err() == nil {
		t0 := time.Now()
		if t0.After(deadline) {
			break
		}
		var err error
		if pending == "" {
			var body []byte
			body, err = exchange(conn, apply, http.StatusCreated)
			if err == nil {
				var inv struct {
					ID string `json:"id"`
				}
				if err = json.Unmarshal(body, &inv); err == nil {
					pending = inv.ID
				}
			}
		} else {
			cancel := wireRequest(http.MethodPost, conn.host, "/v1/accounts/"+a.id+"/invoices/"+pending+"/cancel", a.token, []byte("{}"))
			if _, err = exchange(conn, cancel, http.StatusOK); err == nil {
				pending = ""
			}
		}
		if err != nil {
			fail(err)
			continue
		}
		lat = append(lat, time.Since(t0))
	}
	return lat
}

// exchange sends req and returns the answer's body (valid until the next
// exchange on conn); an answer other than want is an error.
func exchange(conn *wireConn, req []byte, want int) ([]byte, error) {
	status, body, err := conn.do(req)
	if err != nil {
		return nil, err
	}
	if status != want {
		line, _, _ := bytes.Cut(req, []byte("\r\n"))
		return nil, fmt.Errorf("%s: %d %s", line, status, bytes.TrimSpace(body))
	}
	return body, nil
}
