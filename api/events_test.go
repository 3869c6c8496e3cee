package api_test

import (
	"fmt"
	"testing"

	"github.com/stretchr/testify/require"
)

func TestGlobalEventsPages(t *testing.T) {
	s := newTestServer(t)
	s.seed()
	total := int(s.store.LastPosition())
	var seen []float64
	from := "1"
	for pages := 0; pages < 100; pages++ {
		page := s.must(200, "GET", "/v1/events?limit=2&from="+from, tokAuditor, nil).JSON(t)
		for _, it := range page["items"].([]any) {
			ev := it.(map[string]any)
			for _, k := range []string{"position", "stream", "revision", "id", "type", "data", "metadata"} {
				require.Contains(t, ev, k)
			}
			seen = append(seen, ev["position"].(float64))
		}
		next, ok := page["next"]
		if !ok {
			break
		}
		from = fmt.Sprint(next)
	}
	require.Len(t, seen, total)
	for i, p := range seen {
		require.Equal(t, float64(i+1), p, "from is inclusive and pages neither skip nor repeat")
	}
}

func TestAccountEventsAsOf(t *testing.T) {
	s := newTestServer(t)
	s.seed()
	all := s.must(200, "GET", "/v1/accounts/acc-1/events", tokCustomer, nil).JSON(t)["items"].([]any)
	require.NotEmpty(t, all)
	for _, it := range all {
		require.Equal(t, "account-acc-1", it.(map[string]any)["stream"])
	}
	before := s.must(200, "GET", "/v1/accounts/acc-1/events?as_of=2026-11-01T00:00:00Z", tokAuditor, nil).JSON(t)["items"].([]any)
	require.Empty(t, before, "every event happened on 10 November")
	same := s.must(200, "GET", "/v1/accounts/acc-1/events?as_of=2026-11-10T02:00:00Z", tokAuditor, nil).JSON(t)["items"].([]any)
	require.Len(t, same, len(all))
	// AUD-2: the zero time is a time like any other, before every event.
	zero := s.must(200, "GET", "/v1/accounts/acc-1/events?as_of=0001-01-01T00:00:00Z", tokAuditor, nil).JSON(t)["items"].([]any)
	require.Empty(t, zero, "as_of before the first event: no events, not all of them")

	// A customer's own account before its first event is empty; for staff
	// an account without events does not exist.
	s2 := newTestServer(t)
	require.Empty(t, s2.must(200, "GET", "/v1/accounts/acc-1/events", tokCustomer, nil).JSON(t)["items"])
	s2.must(404, "GET", "/v1/accounts/acc-1/events", tokAuditor, nil)
}

// TestAccountEventsPage: the account's events page like every list of
// events (API.md): limit and from (inclusive) are honoured, next is the
// from of the following page and absent on the last one. They were once
// ignored, so a long account came back in one unbounded answer.
func TestAccountEventsPage(t *testing.T) {
	s := newTestServer(t)
	s.seed()
	all := s.must(200, "GET", "/v1/accounts/acc-1/events", tokCustomer, nil).JSON(t)["items"].([]any)
	require.Greater(t, len(all), 2)
	var seen []any
	from := "0"
	for pages := 0; pages < 100; pages++ {
		page := s.must(200, "GET", "/v1/accounts/acc-1/events?limit=2&from="+from, tokCustomer, nil).JSON(t)
		items := page["items"].([]any)
		require.LessOrEqual(t, len(items), 2)
		seen = append(seen, items...)
		next, ok := page["next"]
		if !ok {
			break
		}
		require.Len(t, items, 2, "only the last page is short")
		from = fmt.Sprint(next)
	}
	require.Equal(t, all, seen, "pages neither skip nor repeat")
	s.must(400, "GET", "/v1/accounts/acc-1/events?limit=0", tokCustomer, nil)
	s.must(400, "GET", "/v1/accounts/acc-1/events?from=x", tokCustomer, nil)
}
