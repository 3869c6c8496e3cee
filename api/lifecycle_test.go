package api_test

import (
	"net/http"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/fapiao/fapiao/api"
)

// TestLifecycle walks an invoice from application to void over HTTP,
// checking each answer renders the state the command left.
func TestLifecycle(t *testing.T) {
	s := newTestServer(t)
	seed := s.seed()
	inv := "/v1/accounts/acc-1/invoices/" + seed.invoiceID

	got := s.must(200, "GET", "/v1/accounts/acc-1/invoiceable", tokCustomer, nil).JSON(t)
	require.Equal(t, map[string]any{"kingsoft": "250.50", "marketplace": "0.00", "total": "250.50",
		"merchant": "0.00", "offline": "0.00", "deductions": "0.00", "deficit": "0.00"}, got)

	one := s.must(200, "GET", inv, tokCustomer, nil).JSON(t)
	require.Equal(t, "under_review", one["status"])
	require.Equal(t, "100.00", one["amount"])
	require.Equal(t, []any{"cancel"}, one["actions"])
	require.Equal(t, []any{"approve", "reject"}, s.must(200, "GET", inv, tokFinance, nil).JSON(t)["actions"])

	steps := []struct {
		path, token string
		body        any
		status      string
	}{
		{"/approve", tokFinance, nil, "issuing"},
		{"/issue", tokFinance, map[string]any{"invoice_code": "1100223344", "invoice_number": "00000001", "issued_on": "2026-11-10"}, "issued"},
		{"/ship", tokFinance, map[string]any{"courier": "SF", "tracking_number": "SF123"}, "issued"},
		{"/return", tokCustomer, map[string]any{"reason": "wrong name"}, "return_requested"},
		{"/return/paper-received", tokFinance, map[string]any{"complete": true}, "paper_received"},
		{"/void", tokFinance, nil, "voided"},
	}
	for _, st := range steps {
		r := s.must(200, "POST", inv+st.path, st.token, st.body)
		require.Equal(t, st.status, r.JSON(t)["status"], st.path)
		require.NotEmpty(t, r.Header.Get(api.HeaderPosition))
	}
	issued := s.must(200, "GET", inv, tokAuditor, nil, api.HeaderMinPosition, s.lastPosition()).JSON(t)
	require.Equal(t, "voided", issued["status"])
	require.Equal(t, "94.34", issued["net_amount"])
	require.Equal(t, "5.66", issued["tax_amount"])

	list := s.must(200, "GET", "/v1/accounts/acc-1/statements?status=available", tokCustomer, nil).JSON(t)
	require.Len(t, list["items"], 2, "the voided invoice released September (RETURN-5)")
}

// TestStatementRepostIs200 checks STMT-2's no-op answers 200, not 201.
func TestStatementRepostIs200(t *testing.T) {
	s := newTestServer(t)
	s.must(http.StatusCreated, "POST", "/v1/accounts/acc-9/statements", tokBilling, statementBody("2026-10", "5.00"))
	r := s.must(http.StatusOK, "POST", "/v1/accounts/acc-9/statements", tokBilling, statementBody("2026-10", "5.00"))
	require.Equal(t, "5.00", r.JSON(t)["invoiceable"])
	require.NotEmpty(t, r.Header.Get(api.HeaderPosition))
	p := s.call("POST", "/v1/accounts/acc-9/statements", tokBilling, statementBody("2026-10", "6.00")).JSON(t)
	require.Equal(t, "STMT-2", p["code"])
}
