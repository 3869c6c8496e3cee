package api_test

import (
	"encoding/json"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/fapiao/fapiao/api"
)

// TestFastAnswersMatchEncoder: the answers written from cached or
// ledger-made JSON are byte for byte the encoder's: a command's invoice
// equals GET of the same invoice, a list's items equal their GETs for the
// same role, and a warm answer equals the cold one.
func TestFastAnswersMatchEncoder(t *testing.T) {
	s := newTestServer(t)
	seed := s.seed()
	created := s.must(201, "POST", "/v1/accounts/acc-1/invoices", tokCustomer,
		map[string]any{"statements": []string{"2026-10"}, "address_id": seed.addressID, "agree": true})
	id := created.JSON(t)["id"].(string)
	inv := "/v1/accounts/acc-1/invoices/" + id
	pos := api.HeaderMinPosition
	got := s.must(200, "GET", inv, tokCustomer, nil, pos, created.Header.Get(api.HeaderPosition))
	require.Equal(t, string(got.Body), string(created.Body), "POST answer and GET")

	cancelled := s.must(200, "POST", inv+"/cancel", tokCustomer, nil)
	at := cancelled.Header.Get(api.HeaderPosition)
	got = s.must(200, "GET", inv, tokCustomer, nil, pos, at)
	require.Equal(t, string(got.Body), string(cancelled.Body), "cancel answer and GET")

	for _, path := range []string{
		"/v1/accounts/acc-1/invoices", "/v1/accounts/acc-1/invoices?limit=1", "/v1/accounts/acc-1/invoiceable",
	} {
		for _, tok := range []string{tokCustomer, tokFinance} {
			cold := s.must(200, "GET", path, tok, nil, pos, at)
			warm := s.must(200, "GET", path, tok, nil)
			require.Equal(t, string(cold.Body), string(warm.Body), "%s: cold and from the cache", path)
			var page struct {
				Items []json.RawMessage `json:"items"`
			}
			require.NoError(t, json.Unmarshal(cold.Body, &page))
			for _, item := range page.Items {
				var one struct {
					ID string `json:"id"`
				}
				require.NoError(t, json.Unmarshal(item, &one))
				single := s.must(200, "GET", "/v1/accounts/acc-1/invoices/"+one.ID, tok, nil)
				require.Equal(t, string(single.Body), string(item)+"\n", "%s: an item and its GET", path)
			}
		}
	}
}

// TestAccountPageCacheFollowsTheAccount: an account's page of invoices is
// answered from the cache only while the account is at the version it was
// made at: a new application shows at once (with Fapiao-Min-Position), and
// each role, limit and cursor has its own page.
func TestAccountPageCacheFollowsTheAccount(t *testing.T) {
	s := newTestServer(t)
	seed := s.seed()
	list := "/v1/accounts/acc-1/invoices"
	ids := func(body []byte) []string {
		var page struct {
			Items []struct {
				ID string `json:"id"`
			} `json:"items"`
			NextCursor string `json:"next_cursor"`
		}
		require.NoError(t, json.Unmarshal(body, &page))
		out := []string{}
		for _, it := range page.Items {
			out = append(out, it.ID)
		}
		return append(out, "next:"+page.NextCursor)
	}
	pos := api.HeaderMinPosition
	before := s.must(200, "GET", list, tokCustomer, nil, pos, s.lastPosition())
	s.must(200, "GET", list, tokCustomer, nil) // warm
	created := s.must(201, "POST", list, tokCustomer,
		map[string]any{"statements": []string{"2026-10"}, "address_id": seed.addressID, "agree": true})
	id := created.JSON(t)["id"].(string)
	after := s.must(200, "GET", list, tokCustomer, nil, pos, created.Header.Get(api.HeaderPosition))
	require.Equal(t, append([]string{id}, ids(before.Body)...), ids(after.Body), "the new application first, then the page before it")

	one := s.must(200, "GET", list+"?limit=1", tokCustomer, nil)
	require.Equal(t, []string{id}, ids(one.Body)[:1])
	require.NotEqual(t, "next:", ids(one.Body)[1], "a page of one of two has a next cursor")
	var next struct {
		NextCursor string `json:"next_cursor"`
	}
	require.NoError(t, json.Unmarshal(one.Body, &next))
	second := s.must(200, "GET", list+"?limit=1&cursor="+next.NextCursor, tokCustomer, nil)
	require.Equal(t, ids(after.Body)[1], ids(second.Body)[0], "the cursor's page, not the first one's")

	customer := s.must(200, "GET", list, tokCustomer, nil)
	finance := s.must(200, "GET", list, tokFinance, nil)
	require.NotEqual(t, string(customer.Body), string(finance.Body), "each role sees its own actions")
}
