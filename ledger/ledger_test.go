package ledger_test

import (
	"context"
	"encoding/json"
	"os"
	"testing"

	"github.com/google/uuid"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/fapiao/fapiao/domain"
	"github.com/fapiao/fapiao/eventstore"
	"github.com/fapiao/fapiao/eventstore/esdb"
	"github.com/fapiao/fapiao/eventstore/esdb/esdbtest"
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

	// The result is a private copy: folding into it changes nothing inside.
	res.Account.Apply(domain.InvoiceCancelled{InvoiceID: inv, By: domain.RoleFinance})
	require.Equal(t, domain.Cancelled, res.Account.Invoice(inv).Status)
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

// TestJourneyOnEveryStore runs the ledger's main journey, unchanged, on each
// backend: the embedded bolt file, the segmented log, the EventStoreDB adapter over the protocol
// fake, the in-memory store, and a real EventStoreDB when FAPIAO_ESDB_URL
// names one.
func TestJourneyOnEveryStore(t *testing.T) {
	stores := []struct {
		name string
		open func(t *testing.T) eventstore.Store
	}{
		{"bolt", func(t *testing.T) eventstore.Store { return openBolt(t) }},
		{"log", func(t *testing.T) eventstore.Store { return openLog(t) }},
		{"esdb-fake", func(t *testing.T) eventstore.Store { return openESDB(t, esdbtest.New(t).URL()) }},
		{"memstore", func(t *testing.T) eventstore.Store { return newMem(t) }},
	}
	if url := os.Getenv("FAPIAO_ESDB_URL"); url != "" {
		stores = append(stores, struct {
			name string
			open func(t *testing.T) eventstore.Store
		}{"esdb-real", func(t *testing.T) eventstore.Store { return openESDB(t, url) }})
	}
	for _, st := range stores {
		t.Run(st.name, func(t *testing.T) {
			t.Parallel()
			s := st.open(t)
			journey(t, s, "journey-"+uuid.NewString()[:8])
		})
	}
}

func openESDB(t *testing.T, url string) eventstore.Store {
	t.Helper()
	s, err := esdb.Open(url)
	require.NoError(t, err)
	t.Cleanup(func() { _ = s.Close() })
	return s
}

// journey: statements, title, address, apply over two months, cancel,
// re-apply, approve, issue, ship, return, paper received, void; then the
// balance is whole again and a fresh ledger folds the same state.
func journey(t *testing.T, s eventstore.Store, acc string) {
	ctx := context.Background()
	l := newLedger(s)
	addr := ready(t, l, acc, "2026-01", "2026-02")

	first := apply(t, l, acc, addr, "2026-01", "2026-02")
	exec(t, l, acc, customer(acc), domain.CancelInvoice{InvoiceID: first, By: domain.RoleCustomer})
	inv := apply(t, l, acc, addr, "2026-01", "2026-02")
	exec(t, l, acc, finance, domain.ApproveInvoice{InvoiceID: inv})
	exec(t, l, acc, finance, issue(inv, 70000000+int(uuid.New().ID()%9999999)))
	exec(t, l, acc, finance, domain.ShipInvoice{InvoiceID: inv, Courier: "SF", TrackingNumber: "SF1234567890"})

	mid, err := l.Load(ctx, acc)
	require.NoError(t, err)
	assert.Equal(t, "200.00", mid.Balance().Invoiced.String())
	assert.True(t, mid.Balance().Total.IsZero())

	exec(t, l, acc, customer(acc), domain.RequestReturn{InvoiceID: inv, Reason: "抬头错误"})
	exec(t, l, acc, finance, domain.ReceiveReturnPaper{InvoiceID: inv, Complete: true})
	res := exec(t, l, acc, finance, domain.VoidInvoice{InvoiceID: inv})

	got := res.Account.Invoice(inv)
	require.NotNil(t, got)
	assert.Equal(t, domain.Voided, got.Status)
	assert.Equal(t, domain.Cancelled, res.Account.Invoice(first).Status)
	bal := res.Account.Balance()
	assert.Equal(t, "200.00", bal.Total.String(), "RETURN-5: the amount is invoiceable again")
	assert.True(t, bal.Reserved.IsZero())
	assert.True(t, bal.Invoiced.IsZero())
	require.NoError(t, res.Account.CheckInvariants())

	fresh, err := newLedger(s).Load(ctx, acc)
	require.NoError(t, err)
	assert.Equal(t, res.Account, fresh, "a fresh ledger folds the same state from the log")

	// The account's stream verifies link by link.
	prev := ""
	n := 0
	for r, err := range s.ReadStream(ctx, ledger.StreamName(acc), 0) {
		require.NoError(t, err)
		prev, err = eventstore.VerifyLink(r, prev)
		require.NoError(t, err)
		n++
	}
	assert.Equal(t, int(fresh.Version), n)
}

func TestMultiEventCommandRecords(t *testing.T) {
	l, s := memLedger(t)
	exec(t, l, "a1", billing, statement("2026-01", "1.00"))
	res := exec(t, l, "a1", customer("a1"), domain.SubmitTitle{Title: generalTitle})
	require.Len(t, res.Records, 2, "vat_general is submitted and approved at once")
	stored := readStream(t, s, ledger.StreamName("a1"))
	want := stored[1:]
	var events []domain.Event
	for i := range want {
		e, err := domain.DecodeEvent(want[i].Type, want[i].Data)
		require.NoError(t, err)
		events = append(events, e)
		want[i].Data, want[i].Metadata = nil, nil // where each is, not its bytes (Result.Records)
	}
	assert.Equal(t, want, res.Records, "records carry the stored positions")
	assert.Equal(t, events, res.Events, "the events as the log decodes them")
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

// envelopeOf reads the envelope of the event at revision rev of stream
// from the log (the results carry no metadata).
func envelopeOf(t *testing.T, s eventstore.Store, stream string, rev uint64) eventstore.Metadata {
	t.Helper()
	for r, err := range s.ReadStream(context.Background(), stream, rev) {
		require.NoError(t, err)
		m, err := eventstore.ParseMetadata(r.Metadata)
		require.NoError(t, err)
		return m
	}
	t.Fatalf("no event at %s@%d", stream, rev)
	return eventstore.Metadata{}
}

func TestMetadataEnvelope(t *testing.T) {
	s := newMem(t)
	l := newLedger(s)
	res, err := l.Execute(context.Background(), ledger.Request{
		AccountID: "a1", Actor: billing, Command: statement("2026-01", "1.00"),
		IdempotencyKey: "k1", RequestHash: "h1", CorrelationID: "corr-1",
	})
	require.NoError(t, err)
	assert.Nil(t, res.Records[0].Metadata, "results carry no envelope")
	m := envelopeOf(t, s, res.Records[0].Stream, res.Records[0].Revision)
	assert.True(t, m.OccurredAt.Equal(now))
	assert.Equal(t, billing, m.Actor)
	assert.Equal(t, "corr-1", m.CorrelationID)
	assert.NotEmpty(t, m.CausationID)
	assert.Equal(t, "k1", m.IdempotencyKey)
	assert.Equal(t, "h1", m.RequestHash)
	assert.Equal(t, domain.EventSchemaVersion, m.SchemaVersion)
	assert.Empty(t, m.PrevHash, "first event of the stream")

	res2 := exec(t, l, "a1", billing, statement("2026-02", "1.00"))
	m2 := envelopeOf(t, s, res2.Records[0].Stream, res2.Records[0].Revision)
	assert.Equal(t, m.Hash, m2.PrevHash)
	assert.NotEmpty(t, m2.CorrelationID, "generated when not given")
}
