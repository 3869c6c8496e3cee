package api

import (
	"bytes"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/shopspring/decimal"
	"github.com/stretchr/testify/require"

	"github.com/fapiao/fapiao/domain"
	"github.com/fapiao/fapiao/eventstore"
	"github.com/fapiao/fapiao/ledger"
)

// requestedInvoiceID reads the ID eventOf decodes, from the records as the
// ledger writes them (the domain's encoder, or encoding/json for the events
// it leaves), and from any other spelling by decoding.
func TestRequestedInvoiceIDIsEventOfs(t *testing.T) {
	var x domain.EventEncoder
	for i := range 200 {
		ev := domain.InvoiceRequested{InvoiceID: uuid.New(), Statements: []string{"2025-01"},
			Amount: domain.MoneyFromDecimal(decimal.New(int64(i), -2)), AddressID: uuid.New(),
			RequestedAt: time.Date(2025, 2, 1, 8, 0, 0, 0, time.UTC), SLADue: "2025-02-10"}
		if i%3 == 1 {
			ev.Medium, ev.Emails = domain.Electronic, []string{"a@example.com"} // encoding/json's
		}
		typ, data, _, ok := x.Encode(ev)
		if !ok {
			var err error
			typ, data, err = domain.EncodeEvent(ev)
			require.NoError(t, err)
		}
		if i%3 == 2 { // spelt otherwise: decoded
			data = bytes.Replace(data, []byte(`{"invoice_id":`), []byte(`{ "invoice_id" : `), 1)
		}
		other := eventstore.Record{Type: (domain.InvoiceCancelled{}).EventType(), Data: []byte(`{"invoice_id":"` + uuid.NewString() + `"}`)}
		res := ledger.Result{Records: []eventstore.Record{other, {Type: typ, Data: data}}}
		want, wantOK := eventOf[domain.InvoiceRequested](res)
		got, ok := requestedInvoiceID(res)
		require.True(t, wantOK)
		require.True(t, ok)
		require.Equal(t, ev.InvoiceID, want.InvoiceID)
		require.Equal(t, want.InvoiceID, got)
		_, fast := leadingInvoiceID(data)
		require.Equal(t, i%3 != 2, fast, "read without decoding: %s", data)
	}
	_, ok := requestedInvoiceID(ledger.Result{})
	require.False(t, ok)
}
