package api

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/fapiao/fapiao/domain"
)

// A connection's cached token answers only for that exact token and that
// set; anything else is Lookup's, and a refused token is never kept.
func TestConnAuthLookup(t *testing.T) {
	const a, b = "tok-finance-alice-000001", "tok-customer-acc-1-00001"
	tokens, err := ParseTokens([]byte(`[{"token":"` + a + `","role":"finance","name":"alice"},{"token":"` + b + `","role":"customer","account_id":"acc-1"}]`))
	require.NoError(t, err)
	other, err := ParseTokens([]byte(`[{"token":"` + b + `","role":"customer","account_id":"acc-2"}]`))
	require.NoError(t, err)
	var ca connAuth
	for i, step := range []struct {
		set     *Tokens
		token   string
		ok      bool
		role    domain.Role
		account string
	}{
		{tokens, a, true, domain.RoleFinance, ""},
		{tokens, a, true, domain.RoleFinance, ""}, // from the cache
		{tokens, a[:len(a)-1] + "2", false, "", ""},
		{tokens, a + "1", false, "", ""},
		{tokens, "", false, "", ""},
		{tokens, a, true, domain.RoleFinance, ""},
		{tokens, b, true, domain.RoleCustomer, "acc-1"},
		{other, b, true, domain.RoleCustomer, "acc-2"}, // another set: not the cached principal
		{other, a, false, "", ""},
		{tokens, b, true, domain.RoleCustomer, "acc-1"},
	} {
		want, wantOK := step.set.Lookup(step.token)
		p, ok := ca.lookup(step.set, step.token)
		require.Equal(t, step.ok, ok, "step %d", i)
		require.Equal(t, wantOK, ok, "step %d", i)
		require.Equal(t, want, p, "step %d", i)
		require.Equal(t, step.role, p.Role, "step %d", i)
		require.Equal(t, step.account, p.AccountID, "step %d", i)
		if ok {
			require.Equal(t, step.token, ca.token)
		}
	}
	require.True(t, sameToken("abc", "abc"))
	require.False(t, sameToken("abc", "abd"))
	require.False(t, sameToken("abc", "abcd"))
	require.False(t, sameToken("", "a"))
}

func TestConnAuthClientKey(t *testing.T) {
	var ca connAuth
	for _, remote := range []string{"127.0.0.1:5000", "127.0.0.1:5000", "10.0.0.7:1", "[2001:db8::1]:443", "bogus", ""} {
		require.Equal(t, clientKey(remote), ca.clientKey(remote), remote)
	}
}
