package ledger_test

import (
	"bufio"
	"context"
	"encoding/json"
	"os"
	"strings"
	"testing"

	"github.com/google/uuid"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/fapiao/fapiao/domain"
	"github.com/fapiao/fapiao/eventstore"
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

// TestAPP6_KeysScopedToTheCaller: a customer and billing use the same
// Idempotency-Key on one account: both commands are written (billing's is
// neither refused with APP-6 nor taken for the customer's retry), with
// distinct event IDs, and each caller's retry replays its own command, also
// from a fresh fold of the log. Two staff members' equal keys are apart too.
func TestAPP6_KeysScopedToTheCaller(t *testing.T) {
	l, s := memLedger(t)
	const acc = "a1"
	exec(t, l, acc, billing, statement("2026-01", "100.00"))
	cust := ledger.Request{AccountID: acc, Actor: customer(acc), IdempotencyKey: "k", RequestHash: "customer-body",
		Command: domain.AddAddress{Address: beijing, Default: true}}
	bill := ledger.Request{AccountID: acc, Actor: billing, IdempotencyKey: "k", RequestHash: "billing-body",
		Command: statement("2026-02", "50.00")}
	bill2 := ledger.Request{AccountID: acc, Actor: eventstore.Actor{Role: "billing", ID: "billing-2"}, IdempotencyKey: "k",
		RequestHash: "billing-2-body", Command: statement("2025-12", "10.00")}
	var first []ledger.Result
	for _, req := range []ledger.Request{cust, bill, bill2} {
		res, err := l.Execute(context.Background(), req)
		require.NoError(t, err, "%s/%s", req.Actor.Role, req.Actor.ID)
		require.False(t, res.Replayed, "%s/%s", req.Actor.Role, req.Actor.ID)
		require.Len(t, res.Records, 1)
		first = append(first, res)
	}
	ids := map[uuid.UUID]bool{}
	for _, r := range readStream(t, s, ledger.StreamName(acc)) {
		require.False(t, ids[r.ID], "event ID %s twice", r.ID)
		ids[r.ID] = true
	}
	head := lastPosition(t, s)
	for name, lg := range map[string]*ledger.Ledger{"same ledger": l, "fresh ledger": newLedger(s)} {
		for i, req := range []ledger.Request{cust, bill, bill2} {
			again, err := lg.Execute(context.Background(), req)
			require.NoError(t, err, name)
			assert.True(t, again.Replayed, "%s: %s/%s", name, req.Actor.Role, req.Actor.ID)
			assert.Equal(t, first[i].Records, again.Records, name)
		}
		other := bill
		other.RequestHash = "another body"
		_, err := lg.Execute(context.Background(), other)
		assert.Equal(t, "APP-6", ruleCode(err), "%s: billing's own key with another body", name)
	}
	assert.Equal(t, head, lastPosition(t, s), "retries wrote nothing")
}

// TestGoldenLogStillReplays: a log written before keys were scoped
// (testdata/unscoped-keys-export.jsonl is testdata/audit/export.jsonl as it
// was then: staff IDs derived from bare keys) loads, its chains verify,
// its keyed commands are still recognised when their callers retry them
// (folded from the log into each actor's scope), and another caller may
// now use one of those keys on the same account.
func TestGoldenLogStillReplays(t *testing.T) {
	s := newMem(t)
	f, err := os.Open("testdata/unscoped-keys-export.jsonl")
	require.NoError(t, err)
	defer f.Close()
	var lines []eventstore.Record // an export line is a record as stored
	sc := bufio.NewScanner(f)
	sc.Buffer(nil, 1<<20)
	for sc.Scan() {
		var ln eventstore.Record
		require.NoError(t, json.Unmarshal(sc.Bytes(), &ln))
		expected := eventstore.NoStream
		if ln.Revision > 0 {
			expected = eventstore.Exact(ln.Revision - 1)
		}
		_, err := s.Append(context.Background(), ln.Stream, expected, eventstore.EventData{ID: ln.ID, Type: ln.Type, Data: ln.Data, Metadata: ln.Metadata})
		require.NoError(t, err)
		lines = append(lines, ln)
	}
	require.NoError(t, sc.Err())
	require.Equal(t, len(lines), verifyChains(t, s))

	l := newLedger(s)
	head := lastPosition(t, s)
	for _, ln := range lines {
		m, err := eventstore.ParseMetadata(ln.Metadata)
		require.NoError(t, err)
		acc, ok := strings.CutPrefix(ln.Stream, "account-")
		if !ok || m.IdempotencyKey == "" {
			continue
		}
		// The hash stands for the body: the command is not decided again.
		res, err := l.Execute(context.Background(), ledger.Request{AccountID: acc, Actor: m.Actor,
			IdempotencyKey: m.IdempotencyKey, RequestHash: m.RequestHash, Command: statement("2025-01", "1.00")})
		require.NoError(t, err, "%s@%d", ln.Stream, ln.Revision)
		require.True(t, res.Replayed, "%s@%d %s by %s/%s", ln.Stream, ln.Revision, m.IdempotencyKey, m.Actor.Role, m.Actor.ID)
		require.Contains(t, recordIDs(res.Records), ln.ID)
	}
	require.Equal(t, head, lastPosition(t, s), "every retry was recognised: nothing written")

	// fixture-001 was billing's on acc-a: the customer's equal key is another command.
	res, err := l.Execute(context.Background(), ledger.Request{AccountID: "acc-a", Actor: customer("acc-a"),
		IdempotencyKey: "fixture-001", RequestHash: "customer-body", Command: domain.AddAddress{Address: beijing}})
	require.NoError(t, err)
	require.False(t, res.Replayed)
	require.Len(t, res.Records, 1)
	require.Equal(t, len(lines)+1, verifyChains(t, s))
}

func recordIDs(rs []eventstore.Record) []uuid.UUID {
	ids := make([]uuid.UUID, len(rs))
	for i, r := range rs {
		ids[i] = r.ID
	}
	return ids
}
