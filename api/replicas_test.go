package api_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/fapiao/fapiao/api"
	"github.com/fapiao/fapiao/eventstore/esdb"
	"github.com/fapiao/fapiao/eventstore/esdb/esdbtest"
	"github.com/fapiao/fapiao/ledger"
	"github.com/fapiao/fapiao/projections"
)

// replica is one `serve` on a shared EventStoreDB: its own connection,
// ledger and views file.
type replica struct {
	url  string
	proj *projections.Projections
}

func startReplica(t *testing.T, esdbURL string, tokens *api.Tokens) *replica {
	t.Helper()
	store, err := esdb.Open(esdbURL)
	require.NoError(t, err)
	ctx, cancel := context.WithCancel(context.Background())
	id, err := projections.LogIdentity(ctx, store)
	require.NoError(t, err)
	proj, err := projections.Open(filepath.Join(t.TempDir(), "views.db"), projections.Options{Identity: id})
	require.NoError(t, err)
	done := make(chan error, 1)
	go func() { done <- projections.Run(ctx, store, proj, nil) }()
	clock := ledger.FixedClock(testNow)
	e := api.New(api.Config{
		Ledger: ledger.New(store, ledger.Options{Clock: clock, Issuer: "Test Cloud Ltd"}), Projections: proj, Store: store,
		Tokens: tokens, Clock: clock, Logger: slog.New(slog.DiscardHandler),
	})
	srv := httptest.NewServer(e)
	t.Cleanup(func() {
		srv.Close()
		cancel()
		<-done
		proj.Close()
		store.Close()
	})
	require.Eventually(t, proj.Ready, 10*time.Second, 5*time.Millisecond, "the replica's views never caught up")
	return &replica{url: srv.URL, proj: proj}
}

func (r *replica) do(t *testing.T, method, path, token, body string, headers ...string) (int, http.Header, map[string]any) {
	t.Helper()
	var rd io.Reader
	if body != "" {
		rd = strings.NewReader(body)
	}
	req, err := http.NewRequest(method, r.url+path, rd)
	require.NoError(t, err)
	req.Header.Set("Authorization", "Bearer "+token)
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	for i := 0; i+1 < len(headers); i += 2 {
		req.Header.Set(headers[i], headers[i+1])
	}
	resp, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	defer resp.Body.Close()
	var m map[string]any
	raw, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	if len(raw) > 0 {
		require.NoError(t, json.Unmarshal(raw, &m), "%s", raw)
	}
	return resp.StatusCode, resp.Header, m
}

// TestReplicasReadEachOthersWrites: two servers on one EventStoreDB (the
// protocol fake), each with its own views file: a command answered by one
// is read through the other once it has waited for the command's position
// (positions are the log's, the same for both).
func TestReplicasReadEachOthersWrites(t *testing.T) {
	t.Parallel()
	tokens, err := api.ParseTokens([]byte(strings.Replace(tokensJSON, "AUDITOR_DIGEST", sha256Hex(tokAuditor), 1)))
	require.NoError(t, err)
	db := esdbtest.New(t)
	a := startReplica(t, db.URL(), tokens)
	b := startReplica(t, db.URL(), tokens)
	require.NotEqual(t, a.proj.Path(), b.proj.Path())

	title := `{"type": "vat_general", "holder": "individual", "name": "Zhang San"}`
	status, h, _ := a.do(t, "POST", "/v1/accounts/acc-1/title", tokCustomer, title)
	require.Equal(t, 201, status)
	pos := h.Get(api.HeaderPosition)
	require.NotEmpty(t, pos)
	status, _, got := b.do(t, "GET", "/v1/accounts/acc-1/title", tokCustomer, "", api.HeaderMinPosition, pos)
	require.Equal(t, 200, status)
	require.Contains(t, fmt.Sprint(got), "Zhang San")

	addr := `{"recipient": "Zhang San", "phone": "13800138000", "province": "Beijing", "city": "Beijing", "street": "1 Zhongguancun Street", "postal_code": "100080", "default": true}`
	status, h, _ = b.do(t, "POST", "/v1/accounts/acc-1/addresses", tokCustomer, addr)
	require.Equal(t, 201, status)
	status, _, got = a.do(t, "GET", "/v1/accounts/acc-1/addresses", tokCustomer, "", api.HeaderMinPosition, h.Get(api.HeaderPosition))
	require.Equal(t, 200, status)
	require.Len(t, got["items"], 1, "%v", got)
	// Both reach the same position: the log's, not one replica's.
	require.Eventually(t, func() bool { return a.proj.Position() == b.proj.Position() }, 10*time.Second, 5*time.Millisecond)
}
