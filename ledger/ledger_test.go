package ledger_test

import (
	"context"
	"encoding/json"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/fapiao/fapiao/domain"
	"github.com/fapiao/fapiao/eventstore"
	"github.com/fapiao/fapiao/ledger"
)

func TestJourney(t *testing.T) {
	l, s := memLedger(t)
	const acc = "acme"
	addr := ready(t, l, acc, "2026-01", "2026-02")

	inv := apply(t, l, acc, addr, "2026-01", "2026-02")
	exec(t, l, acc, finance, domain.ApproveInvoice{InvoiceID: inv})
	res := exec(t, l, acc, finance, issue(inv, 1))
	require.Len(t, res.Records, 1)
	assert.Equal(t, "InvoiceIssued", res.Records[0].Type)
	assert.Equal(t, ledger.StreamName(acc), res.Records[0].Stream)
	assert.NotZero(t, res.Position)
	assert.Equal(t, res.Records[0].Position, res.Position)

	got := res.Account.Invoice(inv)
	require.NotNil(t, got)
	assert.Equal(t, domain.Issued, got.Status)
	assert.Equal(t, "200.00", got.Amount.String())
	assert.Equal(t, "Example Cloud Ltd.", got.Issuer)
	bal := res.Account.Balance()
	assert.Equal(t, "200.00", bal.Invoiced.String())
	assert.True(t, bal.Total.IsZero())
	assert.NoError(t, res.Account.CheckInvariants())

	// The result is a private copy: changing it changes nothing inside.
	res.Account.Invoice(inv).Status = domain.Cancelled
	loaded, err := l.Load(context.Background(), acc)
	require.NoError(t, err)
	assert.Equal(t, domain.Issued, loaded.Invoice(inv).Status)

	// A fresh ledger folds the same state from the log.
	fresh, err := newLedger(s).Load(context.Background(), acc)
	require.NoError(t, err)
	assert.Equal(t, loaded, fresh)

	// 2 statements, title submitted+approved, address, request, approve,
	// issue: 8 account events and one reservation.
	assert.Equal(t, uint64(8), fresh.Version)
	assert.Equal(t, 9, verifyChains(t, s))
}

func TestMultiEventCommandRecords(t *testing.T) {
	l, s := memLedger(t)
	exec(t, l, "a1", billing, statement("2026-01", "1.00"))
	res := exec(t, l, "a1", customer("a1"), domain.SubmitTitle{Title: generalTitle})
	require.Len(t, res.Records, 2, "vat_general is submitted and approved at once")
	stored := readStream(t, s, ledger.StreamName("a1"))
	assert.Equal(t, stored[1:], res.Records, "records carry the stored positions")
}

func TestNoOpWritesNothing(t *testing.T) {
	l, s := memLedger(t)
	exec(t, l, "a1", billing, statement("2026-01", "1.00"))
	before := lastPosition(t, s)
	res := exec(t, l, "a1", billing, statement("2026-01", "1.00"))
	assert.Empty(t, res.Records)
	assert.Zero(t, res.Position)
	assert.Equal(t, uint64(1), res.Account.Version)
	assert.Equal(t, before, lastPosition(t, s))
}

func TestNewAccountLoadsEmpty(t *testing.T) {
	acc, err := newLedger(newMem(t)).Load(context.Background(), "nobody")
	require.NoError(t, err)
	assert.Equal(t, "nobody", acc.ID)
	assert.Zero(t, acc.Version)
}

func TestInvalidRequests(t *testing.T) {
	l := newLedger(newMem(t))
	tests := []struct {
		name string
		req  ledger.Request
		want error
	}{
		{"empty account", ledger.Request{Command: domain.ApproveTitle{}}, ledger.ErrInvalidAccountID},
		{"bad character", ledger.Request{AccountID: "a/b", Command: domain.ApproveTitle{}}, ledger.ErrInvalidAccountID},
		{"no command", ledger.Request{AccountID: "a"}, ledger.ErrNoCommand},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := l.Execute(context.Background(), tt.req)
			assert.ErrorIs(t, err, tt.want)
		})
	}
}

func TestRuleErrorsComeBackUnchanged(t *testing.T) {
	l := newLedger(newMem(t))
	_, err := l.Execute(context.Background(), ledger.Request{AccountID: "a1", Actor: billing, Command: statement("2026-03", "1.00")})
	re, ok := domain.AsRuleError(err)
	require.True(t, ok, "%v", err)
	assert.Equal(t, "STMT-1", re.Code, "March cannot be posted on 10 March")
}

func TestRequestHashOfIsCanonical(t *testing.T) {
	a := ledger.RequestHashOf(json.RawMessage(`{"b":1,"a":[1,2]}`))
	b := ledger.RequestHashOf(map[string]any{"a": []int{1, 2}, "b": 1})
	c := ledger.RequestHashOf(map[string]any{"a": []int{2, 1}, "b": 1})
	assert.Equal(t, a, b)
	assert.NotEqual(t, a, c)
	assert.Len(t, a, 64)
}

func TestMetadataEnvelope(t *testing.T) {
	l := newLedger(newMem(t))
	res, err := l.Execute(context.Background(), ledger.Request{
		AccountID: "a1", Actor: billing, Command: statement("2026-01", "1.00"),
		IdempotencyKey: "k1", RequestHash: "h1", CorrelationID: "corr-1",
	})
	require.NoError(t, err)
	m, err := eventstore.ParseMetadata(res.Records[0].Metadata)
	require.NoError(t, err)
	assert.True(t, m.OccurredAt.Equal(now))
	assert.Equal(t, billing, m.Actor)
	assert.Equal(t, "corr-1", m.CorrelationID)
	assert.NotEmpty(t, m.CausationID)
	assert.Equal(t, "k1", m.IdempotencyKey)
	assert.Equal(t, "h1", m.RequestHash)
	assert.Equal(t, domain.EventSchemaVersion, m.SchemaVersion)
	assert.Empty(t, m.PrevHash, "first event of the stream")

	res2 := exec(t, l, "a1", billing, statement("2026-02", "1.00"))
	m2, err := eventstore.ParseMetadata(res2.Records[0].Metadata)
	require.NoError(t, err)
	assert.Equal(t, m.Hash, m2.PrevHash)
	assert.NotEmpty(t, m2.CorrelationID, "generated when not given")
}
