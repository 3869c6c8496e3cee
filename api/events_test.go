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
		page := s.must(200, "GET", "/v1/events?limit=2&from="+from, tokAuditor, nil).json(t)
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
	all := s.must(200, "GET", "/v1/accounts/acc-1/events", tokCustomer, nil).json(t)["items"].([]any)
	require.NotEmpty(t, all)
	for _, it := range all {
		require.Equal(t, "account-acc-1", it.(map[string]any)["stream"])
	}
	before := s.must(200, "GET", "/v1/accounts/acc-1/events?as_of=2026-11-01T00:00:00Z", tokAuditor, nil).json(t)["items"].([]any)
	require.Empty(t, before, "every event happened on 10 November")
	same := s.must(200, "GET", "/v1/accounts/acc-1/events?as_of=2026-11-10T02:00:00Z", tokAuditor, nil).json(t)["items"].([]any)
	require.Len(t, same, len(all))

	// A customer's own account before its first event is empty; for staff
	// an account without events does not exist.
	s2 := newTestServer(t)
	require.Empty(t, s2.must(200, "GET", "/v1/accounts/acc-1/events", tokCustomer, nil).json(t)["items"])
	s2.must(404, "GET", "/v1/accounts/acc-1/events", tokAuditor, nil)
}
