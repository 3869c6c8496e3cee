package api_test

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"regexp"
	"strings"
	"sync"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/fapiao/fapiao/internal/testkit"
)

func sha256Hex(s string) string {
	d := sha256.Sum256([]byte(s))
	return hex.EncodeToString(d[:])
}

func fmtSscan(s string, n *uint64) (int, error) { return fmt.Sscan(s, n) }

// lastPosition is the store's head, for Fapiao-Min-Position.
func (s *testServer) lastPosition() string { return fmt.Sprint(s.store.LastPosition()) }

var quiet = slog.New(slog.DiscardHandler)

// do sends req and reads the answer. Every exchange of the black-box tests
// goes through here, so every answer is checked against the contract:
// problem types (checkProblem).
func (s *testServer) do(req *http.Request) response {
	s.t.Helper()
	var body []byte
	if req.Body != nil {
		var err error
		body, err = io.ReadAll(req.Body)
		require.NoError(s.t, err)
		req.Body = io.NopCloser(bytes.NewReader(body))
	}
	resp, err := http.DefaultClient.Do(req)
	require.NoError(s.t, err)
	r, err := testkit.ReadAnswer(resp)
	require.NoError(s.t, err)
	checkProblem(s.t, req, r)
	for _, v := range exchangeViolations(contractValidator(s.t), req, body, r) {
		s.t.Errorf("%s %s → %d: %s\nbody: %.300s", req.Method, req.URL.Path, r.Status, v, r.Body)
	}
	if r.Status == http.StatusCreated {
		require.True(s.t, strings.HasPrefix(r.Header.Get("Location"), "/v1/accounts/"),
			"%s %s: a 201 carries Location, got %q", req.Method, req.URL.Path, r.Header.Get("Location"))
	}
	return r
}

// problemStatuses is every problem type the tests have seen, with its
// status: API.md wants the type to say the status, so a type seen with two
// statuses, in any two tests, fails the second.
var problemStatuses sync.Map // type → int

const problemBase = "https://fapiao.dev/problems/"

var ruleCode = regexp.MustCompile(`^[A-Z]+-[0-9]+$`)

// checkProblem holds a problem+json answer to API.md's kinds: a rule's type
// only with 400 or 422 and its code; 404 and the other kinds without a
// rule type; one status per type.
func checkProblem(t *testing.T, req *http.Request, r response) {
	t.Helper()
	if r.Header.Get("Content-Type") != "application/problem+json" || req.Method == http.MethodHead {
		return
	}
	var p struct {
		Type   string `json:"type"`
		Status int    `json:"status"`
		Code   string `json:"code"`
	}
	require.NoError(t, json.Unmarshal(r.Body, &p), "%s", r.Body)
	where := req.Method + " " + req.URL.Path
	require.Equal(t, r.Status, p.Status, "%s: status member", where)
	if prev, loaded := problemStatuses.LoadOrStore(p.Type, p.Status); loaded && prev != p.Status {
		t.Errorf("%s: problem type %s came with %d and with %d", where, p.Type, prev, p.Status)
	}
	slug, ok := strings.CutPrefix(p.Type, problemBase)
	require.True(t, ok, "%s: type %q", where, p.Type)
	rule, field := strings.CutSuffix(slug, "/field")
	switch {
	case ruleCode.MatchString(rule):
		require.Equal(t, rule, p.Code, "%s: a rule's type carries its code", where)
		if field {
			require.Equal(t, http.StatusBadRequest, p.Status, "%s: %s", where, p.Type)
		} else {
			require.Equal(t, http.StatusUnprocessableEntity, p.Status, "%s: %s", where, p.Type)
		}
	case p.Status == http.StatusBadRequest || p.Status == http.StatusUnprocessableEntity:
		require.Empty(t, p.Code, "%s: a code comes with its rule's type", where)
	case p.Status == http.StatusNotFound:
		require.Equal(t, problemBase+"not-found", p.Type, where)
		require.Empty(t, p.Code, "%s: 404 is about the path, not a rule", where)
	case p.Status == http.StatusConflict:
		require.Contains(t, []string{"", "APP-6"}, p.Code, where)
	default:
		require.Empty(t, p.Code, "%s: %d has no rule code", where, p.Status)
	}
}
