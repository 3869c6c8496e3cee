package api

import (
	"testing"

	"github.com/google/uuid"
	"github.com/stretchr/testify/require"

	"github.com/fapiao/fapiao/domain"
	"github.com/fapiao/fapiao/ledger"
)

// TestRequestedInvoiceIDFromEvents: the invoice a command created is its
// first InvoiceRequested among the result's events, whatever comes
// before; none, and there is none.
func TestRequestedInvoiceIDFromEvents(t *testing.T) {
	want := uuid.New()
	res := ledger.Result{Events: []domain.Event{
		domain.InvoiceCancelled{InvoiceID: uuid.New()},
		domain.InvoiceRequested{InvoiceID: want},
		domain.InvoiceRequested{InvoiceID: uuid.New()},
	}}
	got, ok := requestedInvoiceID(res)
	require.True(t, ok)
	require.Equal(t, want, got)

	_, ok = requestedInvoiceID(ledger.Result{Events: []domain.Event{domain.InvoiceCancelled{InvoiceID: want}}})
	require.False(t, ok)
	_, ok = requestedInvoiceID(ledger.Result{})
	require.False(t, ok)
}
