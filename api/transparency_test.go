package api_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/fapiao/fapiao/api"
	"github.com/fapiao/fapiao/eventstore/transparency"
	"github.com/fapiao/fapiao/internal/testkit"
)

// waitTree waits until the server's tree holds n events.
func (s *testServer) waitTree(n int64) {
	s.t.Helper()
	testkit.WaitReady(s.t, 10*time.Second, func() error {
		if size := s.tree.Size(); size < n {
			return fmt.Errorf("the tree holds %d events, want %d", size, n)
		}
		return nil
	})
}

// checkpoint fetches and opens the latest checkpoint with only the public key.
func (s *testServer) checkpoint(token string) transparency.Checkpoint {
	s.t.Helper()
	r := s.call("GET", "/v1/checkpoint", token, nil)
	require.Equal(s.t, http.StatusOK, r.Status, "%s", r.Body)
	require.Equal(s.t, api.MIMECheckpoint, r.Header.Get("Content-Type"))
	v, err := transparency.ParseVerifierKey(testkit.CheckpointVerifierKey)
	require.NoError(s.t, err)
	cp, err := transparency.OpenCheckpoint(r.Body, v)
	require.NoError(s.t, err, "%s", r.Body)
	return cp
}

// TestProofsCheckOffline: every event of the log is proved in the signed
// checkpoint, and a later checkpoint is proved to extend it, each checked
// with nothing but the public key, the checkpoints and the JSON answers.
func TestProofsCheckOffline(t *testing.T) {
	s := newTestServer(t)
	s.seed()
	first := s.checkpoint(tokAuditor)
	require.Equal(t, s.tree.Size(), first.N)
	require.Equal(t, "fapiao.test/log", first.Origin)

	for pos := int64(1); pos <= first.N; pos++ {
		r := s.call("GET", fmt.Sprintf("/v1/proofs/inclusion?position=%d&size=%d", pos, first.N), tokAuditor, nil)
		require.Equal(t, http.StatusOK, r.Status, "%s", r.Body)
		var p transparency.InclusionProof
		require.NoError(t, json.Unmarshal(r.Body, &p))
		require.Equal(t, uint64(pos), p.Position)
		require.NoError(t, transparency.CheckInclusion(p, first), "position %d", pos)
	}

	s.must(201, "POST", "/v1/accounts/acc-2/statements", tokBilling, statementBody("2026-09", "20.00"))
	s.waitTree(first.N + 1)
	s.skewCheckpoints(time.Second) // checkpoints are re-signed at most once a second
	second := s.checkpoint(tokCustomer)
	require.Equal(t, first.N+1, second.N)
	r := s.call("GET", fmt.Sprintf("/v1/proofs/consistency?from=%d&to=%d", first.N, second.N), tokAuditor, nil)
	require.Equal(t, http.StatusOK, r.Status, "%s", r.Body)
	var cp transparency.ConsistencyProof
	require.NoError(t, json.Unmarshal(r.Body, &cp))
	require.NoError(t, transparency.CheckConsistency(cp, first, second))
	// The same proof does not make a forged older checkpoint consistent.
	forged := first
	forged.Hash[0] ^= 1
	require.Error(t, transparency.CheckConsistency(cp, forged, second))
}

// TestInclusionIsTenantScoped: a customer proves their own account's
// events; another account's position is 404, like another account.
func TestInclusionIsTenantScoped(t *testing.T) {
	s := newTestServer(t)
	s.seed()
	cp := s.checkpoint(tokCustomer)
	// Seed order: positions 1, 2 are acc-1's statements, 3 is acc-2's.
	r := s.call("GET", fmt.Sprintf("/v1/proofs/inclusion?position=2&size=%d", cp.N), tokCustomer, nil)
	require.Equal(t, http.StatusOK, r.Status, "%s", r.Body)
	var p transparency.InclusionProof
	require.NoError(t, json.Unmarshal(r.Body, &p))
	require.NoError(t, transparency.CheckInclusion(p, cp))

	for _, c := range []struct {
		token string
		pos   int
	}{{tokCustomer, 3}, {tokCustomer2, 1}, {tokCustomer, 999}} {
		r := s.call("GET", fmt.Sprintf("/v1/proofs/inclusion?position=%d&size=%d", c.pos, cp.N), c.token, nil)
		require.Equal(t, http.StatusNotFound, r.Status, "%s", r.Body)
		require.Equal(t, "application/problem+json", r.Header.Get("Content-Type"))
	}
	r = s.call("GET", fmt.Sprintf("/v1/proofs/inclusion?position=3&size=%d", cp.N), tokCustomer2, nil)
	require.Equal(t, http.StatusOK, r.Status, "%s", r.Body)
}

// TestProofParamsAreChecked: bad parameters are 400 problems naming the
// field, and nothing else is answered.
func TestProofParamsAreChecked(t *testing.T) {
	s := newTestServer(t)
	s.seed()
	n := s.tree.Size()
	cases := []struct{ query, field string }{
		{"/v1/proofs/inclusion?size=1", "position"},
		{"/v1/proofs/inclusion?position=0&size=1", "position"},
		{"/v1/proofs/inclusion?position=x&size=1", "position"},
		{"/v1/proofs/inclusion?position=-1&size=1", "position"},
		{"/v1/proofs/inclusion?position=1", "size"},
		{"/v1/proofs/inclusion?position=1&size=0", "size"},
		{fmt.Sprintf("/v1/proofs/inclusion?position=1&size=%d", n+1), "size"},
		{"/v1/proofs/inclusion?position=3&size=2", "size"},
		{"/v1/proofs/consistency?to=2", "from"},
		{"/v1/proofs/consistency?from=0&to=2", "from"},
		{"/v1/proofs/consistency?from=1", "to"},
		{"/v1/proofs/consistency?from=3&to=2", "from"},
		{fmt.Sprintf("/v1/proofs/consistency?from=1&to=%d", n+1), "to"},
		{"/v1/proofs/consistency?from=1&to=99999999999999999999", "to"},
	}
	for _, c := range cases {
		t.Run(c.query, func(t *testing.T) {
			r := s.call("GET", c.query, tokAuditor, nil)
			require.Equal(t, http.StatusBadRequest, r.Status, "%s", r.Body)
			require.Equal(t, "application/problem+json", r.Header.Get("Content-Type"))
			require.Equal(t, c.field, r.JSON(t)["errors"].([]any)[0].(map[string]any)["field"])
		})
	}
}

// TestNoSigningKey: a server without a tree or key answers the three
// routes 404 with a detail that says how to turn them on.
func TestNoSigningKey(t *testing.T) {
	s := newTestServer(t, func(c *api.Config) { c.Tree, c.Checkpoints = nil, nil })
	for _, path := range []string{"/v1/checkpoint", "/v1/proofs/inclusion?position=1&size=1", "/v1/proofs/consistency?from=1&to=1"} {
		r := s.call("GET", path, tokAuditor, nil)
		require.Equal(t, http.StatusNotFound, r.Status, path)
		require.Equal(t, "application/problem+json", r.Header.Get("Content-Type"))
		require.True(t, strings.Contains(r.JSON(t)["detail"].(string), "--signing-key"), "%s", r.Body)
	}
}

// TestInclusionTreeMismatch: when the log no longer holds the event a leaf
// was built from (a rewritten or replaced store), the proof is refused with
// a 500 that says so, not proved from the stale tree.
func TestInclusionTreeMismatch(t *testing.T) {
	stale := transparency.New()
	require.NoError(t, stale.Append(1, strings.Repeat("00", 32)))
	s := newTestServer(t, func(c *api.Config) {
		c.Tree, c.Checkpoints = stale, transparency.NewCheckpointer(testkit.CheckpointSigner(t), stale)
	})
	s.seed()
	r := s.call("GET", "/v1/proofs/inclusion?position=1&size=1", tokAuditor, nil)
	require.Equal(t, http.StatusInternalServerError, r.Status, "%s", r.Body)
	require.Equal(t, "application/problem+json", r.Header.Get("Content-Type"))
	require.Contains(t, r.JSON(t)["detail"], "position 1 is not the one its Merkle tree holds")
}
