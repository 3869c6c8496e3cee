package api_test

import (
	"bytes"
	"encoding/json"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/fapiao/fapiao/api"
)

// TestFastAnswersMatchEncoder: the answers written from cached or
// ledger-made JSON are byte for byte those of the plain encoder: a
// command's invoice equals GET of the same invoice, and the list and the
// balance equal their ?pretty forms once compacted.
func TestFastAnswersMatchEncoder(t *testing.T) {
	s := newTestServer(t)
	seed := s.seed()
	created := s.must(201, "POST", "/v1/accounts/acc-1/invoices", tokCustomer,
		map[string]any{"statements": []string{"2026-10"}, "address_id": seed.addressID, "agree": true})
	id := created.json(t)["id"].(string)
	inv := "/v1/accounts/acc-1/invoices/" + id
	pos := api.HeaderMinPosition
	got := s.must(200, "GET", inv, tokCustomer, nil, pos, created.header.Get(api.HeaderPosition))
	require.Equal(t, string(got.body), string(created.body), "POST answer and GET")

	cancelled := s.must(200, "POST", inv+"/cancel", tokCustomer, nil)
	got = s.must(200, "GET", inv, tokCustomer, nil, pos, cancelled.header.Get(api.HeaderPosition))
	require.Equal(t, string(got.body), string(cancelled.body), "cancel answer and GET")

	for _, path := range []string{
		"/v1/accounts/acc-1/invoices", "/v1/accounts/acc-1/invoices?limit=1", "/v1/accounts/acc-1/invoiceable",
	} {
		for _, tok := range []string{tokCustomer, tokFinance} {
			for range 2 { // cold, then from the cache
				fast := s.must(200, "GET", path, tok, nil, pos, cancelled.header.Get(api.HeaderPosition))
				sep := "?"
				if bytes.ContainsRune([]byte(path), '?') {
					sep = "&"
				}
				slow := s.must(200, "GET", path+sep+"pretty", tok, nil)
				var compact bytes.Buffer
				require.NoError(t, json.Compact(&compact, slow.body))
				require.Equal(t, compact.String()+"\n", string(fast.body), "%s", path)
				require.Equal(t, slow.header.Get("Content-Type"), fast.header.Get("Content-Type"))
			}
		}
	}
}
