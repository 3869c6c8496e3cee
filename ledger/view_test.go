package ledger_test

import (
	"context"
	"fmt"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/fapiao/fapiao/domain"
	"github.com/fapiao/fapiao/ledger"
)

// TestRequestView: with a View the result carries what it made of the
// state the command left (the same state Account would have copied), and
// no copy of the account; without one, Account as before.
func TestRequestView(t *testing.T) {
	l := newLedger(newMem(t))
	const acc = "acme"
	addr := ready(t, l, acc, "2026-01", "2026-02")
	inv := apply(t, l, acc, addr, "2026-01")
	statusOf := func(a *domain.Account) any { return a.Invoice(inv).Status }

	tests := []struct {
		name string
		cmd  domain.Command
		key  string
		want domain.InvoiceStatus
	}{
		{"a command", domain.ApproveInvoice{InvoiceID: inv}, "k1", domain.Issuing},
		{"an idempotent retry", domain.ApproveInvoice{InvoiceID: inv}, "k1", domain.Issuing},
		{"another command", issue(inv, 1), "k2", domain.Issued},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res, err := l.Execute(context.Background(), ledger.Request{AccountID: acc, Command: tt.cmd, Actor: finance,
				IdempotencyKey: tt.key, View: statusOf})
			require.NoError(t, err)
			assert.Nil(t, res.Account)
			assert.Equal(t, tt.want, res.View)
			assert.NotEmpty(t, res.Records)
		})
	}
	// The View saw the state in place of a copy; nothing it was given may
	// be kept, and the ledger's own state is what the log says.
	loaded, err := l.Load(context.Background(), acc)
	require.NoError(t, err)
	assert.Equal(t, domain.Issued, loaded.Invoice(inv).Status)
	plain := exec(t, l, acc, finance, domain.ShipInvoice{InvoiceID: inv, Courier: "SF", TrackingNumber: "SF1"})
	require.NotNil(t, plain.Account)
	assert.Nil(t, plain.View)
}

// TestRequestViewInBatch: commands batched into one append each get the
// view of the state right after their own events, not the batch's end.
func TestRequestViewInBatch(t *testing.T) {
	l := newLedger(newMem(t))
	const acc = "acme"
	ready(t, l, acc, "2026-01")
	const n = 12
	type out struct {
		res ledger.Result
		err error
	}
	outs := make(chan out, n)
	for i := range n {
		go func() {
			res, err := l.Execute(context.Background(), ledger.Request{AccountID: acc, Actor: billing,
				Command: statement(fmt.Sprintf("2025-%02d", 1+i), "1.00"),
				View:    func(a *domain.Account) any { return a.Version }})
			outs <- out{res, err}
		}()
	}
	for range n {
		o := <-outs
		require.NoError(t, o.err)
		require.Len(t, o.res.Records, 1)
		// Version counts the events folded: the command's event is the last.
		assert.Equal(t, o.res.Records[0].Revision+1, o.res.View)
	}
}
