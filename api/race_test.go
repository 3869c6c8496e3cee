package api_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"slices"
	"testing"

	"github.com/stretchr/testify/require"
	"golang.org/x/sync/errgroup"

	"github.com/fapiao/fapiao/api"
)

// raceClients is how many clients race for one thing.
const raceClients = 32

// answer is what a racing client got; clients report through errgroup and
// slices indexed by client, never through a shared variable.
type answer struct {
	status int
	code   string
	body   map[string]any
}

// send is a goroutine-safe request: it returns errors instead of failing
// the test from a goroutine that is not the test's.
func (s *testServer) send(method, path, token string, body any) (answer, error) {
	var rd io.Reader
	if body != nil {
		raw, err := json.Marshal(body)
		if err != nil {
			return answer{}, err
		}
		rd = bytes.NewReader(raw)
	}
	req, err := http.NewRequest(method, s.url+path, rd)
	if err != nil {
		return answer{}, err
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	req.Header.Set("Authorization", "Bearer "+token)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return answer{}, err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		return answer{}, err
	}
	a := answer{status: resp.StatusCode}
	if err := json.Unmarshal(b, &a.body); err != nil {
		return answer{}, fmt.Errorf("%s %s: %d %q: %w", method, path, resp.StatusCode, b, err)
	}
	a.code, _ = a.body["code"].(string)
	return a, nil
}

// raceAll runs f for each of n clients at once and returns their answers.
func raceAll(t *testing.T, n int, f func(i int) (answer, error)) []answer {
	t.Helper()
	answers := make([]answer, n)
	var g errgroup.Group
	start := make(chan struct{})
	for i := range n {
		g.Go(func() error {
			<-start
			a, err := f(i)
			answers[i] = a
			return err
		})
	}
	close(start)
	require.NoError(t, g.Wait())
	return answers
}

// raceSetup gives acc-1 a title, an address and statements for months.
func raceSetup(s *testServer, months ...string) string {
	for _, m := range months {
		s.must(201, "POST", "/v1/accounts/acc-1/statements", tokBilling, statementBody(m, "100.00"))
	}
	s.must(201, "POST", "/v1/accounts/acc-1/title", tokCustomer, titleBody)
	return s.must(201, "POST", "/v1/accounts/acc-1/addresses", tokCustomer, addressBody).JSON(s.t)["id"].(string)
}

// TestRaceApplications: 32 clients apply at once for overlapping sets of
// the same statements (APP-7). Exactly one application holds each
// statement; every loser gets 422 APP-2.
func TestRaceApplications(t *testing.T) {
	s := newTestServer(t)
	addr := raceSetup(s, "2026-07", "2026-08", "2026-09", "2026-10")
	picks := [][]string{{"2026-08"}, {"2026-08", "2026-09"}, {"2026-09", "2026-10"}, {"2026-10"}}
	answers := raceAll(t, raceClients, func(i int) (answer, error) {
		return s.send("POST", "/v1/accounts/acc-1/invoices", tokCustomer,
			map[string]any{"statements": picks[i%len(picks)], "address_id": addr, "agree": true})
	})
	holder := map[string]string{}
	for i, a := range answers {
		switch a.status {
		case http.StatusCreated:
			for _, m := range picks[i%len(picks)] {
				require.Empty(t, holder[m], "statement %s applied for twice", m)
				holder[m] = a.body["id"].(string)
			}
		case http.StatusUnprocessableEntity:
			require.Equal(t, "APP-2", a.code, "%v", a.body)
		default:
			t.Fatalf("client %d: %d %v", i, a.status, a.body)
		}
	}
	require.NotEmpty(t, holder, "someone won")

	list := s.must(200, "GET", "/v1/accounts/acc-1/statements", tokCustomer, nil, api.HeaderMinPosition, s.lastPosition()).JSON(t)
	for _, it := range list["items"].([]any) {
		st := it.(map[string]any)
		m := st["month"].(string)
		if holder[m] == "" {
			// July was not raced for; a month may also be left when the
			// winners of its neighbours blocked every set that held it.
			require.Equal(t, "available", st["status"], m)
			continue
		}
		require.Equal(t, "reserved", st["status"], m)
		require.Equal(t, holder[m], st["invoice_id"], m)
	}
	acc, ok := s.proj.Account("acc-1")
	require.True(t, ok)
	require.NoError(t, acc.CheckInvariants())
}

// TestRaceSameApplication: 32 clients send the same application at once,
// without an Idempotency-Key: exactly one is created.
func TestRaceSameApplication(t *testing.T) {
	s := newTestServer(t)
	addr := raceSetup(s, "2026-08", "2026-09", "2026-10")
	answers := raceAll(t, raceClients, func(int) (answer, error) {
		return s.send("POST", "/v1/accounts/acc-1/invoices", tokCustomer,
			map[string]any{"statements": []string{"2026-09", "2026-10"}, "address_id": addr, "agree": true})
	})
	created := 0
	for i, a := range answers {
		switch {
		case a.status == http.StatusCreated:
			created++
		case a.status == http.StatusUnprocessableEntity && a.code == "APP-2":
		default:
			t.Fatalf("client %d: %d %v", i, a.status, a.body)
		}
	}
	require.Equal(t, 1, created)
	list := s.must(200, "GET", "/v1/accounts/acc-1/invoices", tokCustomer, nil, api.HeaderMinPosition, s.lastPosition()).JSON(t)
	require.Len(t, list["items"], 1)
}

// TestRaceApproveCancel: finance approves while the customer cancels the
// same application, 16 clients each, over several rounds. Exactly one
// request wins; the invoice ends approved (issuing) or cancelled, never
// both; each loser gets 422 with the rule that refused it.
func TestRaceApproveCancel(t *testing.T) {
	s := newTestServer(t)
	months := []string{"2026-03", "2026-04", "2026-05", "2026-06", "2026-07", "2026-08", "2026-09", "2026-10"}
	addr := raceSetup(s, months...)
	outcomes := map[string]int{}
	for _, m := range months {
		inv := s.must(201, "POST", "/v1/accounts/acc-1/invoices", tokCustomer,
			map[string]any{"statements": []string{m}, "address_id": addr, "agree": true}).JSON(t)["id"].(string)
		path := "/v1/accounts/acc-1/invoices/" + inv
		answers := raceAll(t, raceClients, func(i int) (answer, error) {
			if i%2 == 0 {
				return s.send("POST", path+"/approve", tokFinance, nil)
			}
			return s.send("POST", path+"/cancel", tokCustomer, nil)
		})
		var winners []int
		for i, a := range answers {
			if a.status == http.StatusOK {
				winners = append(winners, i)
			}
		}
		require.Len(t, winners, 1, "one request wins round %s", m)
		final := answers[winners[0]].body["status"].(string)
		require.Contains(t, []string{"issuing", "cancelled"}, final)
		outcomes[final]++
		for i, a := range answers {
			if i == winners[0] {
				continue
			}
			require.Equal(t, http.StatusUnprocessableEntity, a.status, "client %d: %v", i, a.body)
			want := "REVIEW-1" // an approve that lost
			if i%2 == 1 {
				want = "CANCEL-1" // a cancel that lost
			}
			require.Equal(t, want, a.code, "client %d: %v", i, a.body)
		}
		got := s.must(200, "GET", path, tokFinance, nil, api.HeaderMinPosition, s.lastPosition()).JSON(t)
		require.Equal(t, final, got["status"])

		// The log holds exactly one decision for the invoice.
		events := s.must(200, "GET", "/v1/accounts/acc-1/events", tokAuditor, nil).JSON(t)["items"].([]any)
		var decisions []string
		for _, e := range events {
			ev := e.(map[string]any)
			data, _ := ev["data"].(map[string]any)
			if data["invoice_id"] == inv && slices.Contains([]string{"InvoiceApproved", "InvoiceCancelled"}, ev["type"].(string)) {
				decisions = append(decisions, ev["type"].(string))
			}
		}
		require.Len(t, decisions, 1, "round %s: %v", m, decisions)
	}
	t.Logf("outcomes over %d rounds: %v", len(months), outcomes)
	acc, ok := s.proj.Account("acc-1")
	require.True(t, ok)
	require.NoError(t, acc.CheckInvariants())
}
