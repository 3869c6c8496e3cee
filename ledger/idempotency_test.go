package ledger_test

import (
	"context"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/fapiao/fapiao/domain"
	"github.com/fapiao/fapiao/ledger"
)

func TestAPP6_RetryReturnsFirstResultAndWritesNothing(t *testing.T) {
	l, s := memLedger(t)
	const acc = "a1"
	addr := ready(t, l, acc, "2026-01")
	req := ledger.Request{
		AccountID: acc, Actor: customer(acc), IdempotencyKey: "apply-1", RequestHash: "body-1",
		Command: domain.RequestInvoice{Statements: []string{"2026-01"}, AddressID: addr, Agree: true},
	}
	first, err := l.Execute(context.Background(), req)
	require.NoError(t, err)
	require.False(t, first.Replayed)
	require.Len(t, first.Records, 1)
	before := lastPosition(t, s)

	for name, lg := range map[string]*ledger.Ledger{"same ledger": l, "fresh ledger": newLedger(s)} {
		t.Run(name, func(t *testing.T) {
			again, err := lg.Execute(context.Background(), req)
			require.NoError(t, err)
			assert.True(t, again.Replayed)
			assert.Equal(t, first.Records, again.Records)
			assert.Equal(t, first.Position, again.Position)
			assert.Len(t, again.Account.Invoices, 1, "no second application")
			assert.Equal(t, before, lastPosition(t, s))
		})
	}
}

func TestAPP6_RetryOfMultiEventCommand(t *testing.T) {
	l, s := memLedger(t)
	req := ledger.Request{AccountID: "a1", Actor: customer("a1"), IdempotencyKey: "t1", Command: domain.SubmitTitle{Title: generalTitle}}
	first, err := l.Execute(context.Background(), req)
	require.NoError(t, err)
	require.Len(t, first.Records, 2)
	again, err := newLedger(s).Execute(context.Background(), req)
	require.NoError(t, err)
	assert.True(t, again.Replayed)
	assert.Equal(t, first.Records, again.Records, "both events, grouped from the stream's metadata")
}

func TestAPP6_SameKeyOtherBodyRefused(t *testing.T) {
	tests := []struct {
		name       string
		hash1      string
		hash2      string
		cmd1, cmd2 domain.Command
	}{
		{"caller's hashes differ", "h1", "h2", statement("2026-01", "1.00"), statement("2026-01", "1.00")},
		{"hashed from the command", "", "", statement("2026-01", "1.00"), statement("2026-02", "1.00")},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			l, s := memLedger(t)
			_, err := l.Execute(context.Background(), ledger.Request{AccountID: "a1", Actor: billing, IdempotencyKey: "k", RequestHash: tt.hash1, Command: tt.cmd1})
			require.NoError(t, err)
			before := lastPosition(t, s)
			_, err = l.Execute(context.Background(), ledger.Request{AccountID: "a1", Actor: billing, IdempotencyKey: "k", RequestHash: tt.hash2, Command: tt.cmd2})
			re, ok := domain.AsRuleError(err)
			require.True(t, ok, "%v", err)
			assert.Equal(t, "APP-6", re.Code)
			assert.Equal(t, domain.Conflict, re.Kind)
			assert.Equal(t, before, lastPosition(t, s))
		})
	}
}

func TestAPP6_KeyIsPerAccount(t *testing.T) {
	l := newLedger(newMem(t))
	for _, acc := range []string{"a1", "a2"} {
		res, err := l.Execute(context.Background(), ledger.Request{AccountID: acc, Actor: billing, IdempotencyKey: "k", RequestHash: "h", Command: statement("2026-01", "1.00")})
		require.NoError(t, err)
		assert.False(t, res.Replayed, acc)
		assert.Len(t, res.Records, 1, acc)
	}
}
