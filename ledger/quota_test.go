package ledger_test

import (
	"context"
	"fmt"
	"testing"

	"github.com/google/uuid"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/fapiao/fapiao/domain"
	"github.com/fapiao/fapiao/ledger"
)

// eNumber is an EINV-2 number of 2026 (the tests' year).
func eNumber(n int) string { return fmt.Sprintf("26%018d", n) }

// eIssuing makes an electronic application over month and approves it.
func eIssuing(t testing.TB, l *ledger.Ledger, acc, month string) uuid.UUID {
	t.Helper()
	exec(t, l, acc, billing, statement(month, "100.00"))
	exec(t, l, acc, customer(acc), domain.SubmitTitle{Title: generalTitle})
	res := exec(t, l, acc, customer(acc), domain.RequestInvoice{Statements: []string{month}, Agree: true,
		Medium: domain.Electronic, Emails: []string{"ap@example.com"}})
	id := res.Account.InvoiceOrder[len(res.Account.InvoiceOrder)-1]
	exec(t, l, acc, finance, domain.ApproveInvoice{InvoiceID: id})
	return id
}

func eIssue(id uuid.UUID, n int) domain.IssueInvoice {
	return domain.IssueInvoice{InvoiceID: id, InvoiceNumber: eNumber(n), IssuedOn: domain.BusinessDate(now)}
}

// TestEINV5_QuotaRace: 32 goroutines, through three ledgers (replicas) on
// one bolt file, issue electronic invoices of 100.00 against a month's
// quota of 1000.00: exactly ten are issued, the others are refused with
// EINV-5 and write nothing, and the quota's used amount equals what was
// issued.
func TestEINV5_QuotaRace(t *testing.T) {
	store := openBolt(t)
	ls := []*ledger.Ledger{newLedger(store), newLedger(store), newLedger(store)}
	month := domain.BusinessMonth(now)
	q, _, err := ls[0].SetQuota(context.Background(), ledger.QuotaRequest{Month: month, Amount: "1000.00", Actor: finance})
	require.NoError(t, err)
	require.Equal(t, "1000.00", q.Amount.String())

	const n = 32
	ids := make([]uuid.UUID, n)
	for i := range ids {
		ids[i] = eIssuing(t, ls[0], fmt.Sprintf("q%02d", i), "2026-01")
	}
	errs := race(n, func(i int) error {
		_, err := ls[i%len(ls)].Execute(context.Background(), ledger.Request{
			AccountID: fmt.Sprintf("q%02d", i), Actor: finance, Command: eIssue(ids[i], i+1)})
		return err
	})
	byCode := map[string]int{}
	for _, err := range errs {
		if err != nil && ruleCode(err) == "" {
			t.Fatal(err)
		}
		byCode[ruleCode(err)]++
	}
	assert.Equal(t, map[string]int{"": 10, "EINV-5": 22}, byCode)

	q, err = ls[1].Quota(context.Background(), month)
	require.NoError(t, err)
	assert.Equal(t, "1000.00", q.Used.String())
	assert.Equal(t, "0.00", q.Remaining().String())
	issued := domain.Zero
	for i := range n {
		acc := fmt.Sprintf("q%02d", i)
		recs := readStream(t, store, ledger.StreamName(acc))
		last := recs[len(recs)-1]
		if last.Type == "InvoiceIssued" {
			issued = issued.Add(domain.MustMoney("100.00"))
			assert.Len(t, readStream(t, store, ledger.ReservationStream("", eNumber(i+1))), 1)
		} else {
			// Refused: nothing written, not even the number's reservation.
			assert.Equal(t, "InvoiceApproved", last.Type, acc)
			assert.Empty(t, readStream(t, store, ledger.ReservationStream("", eNumber(i+1))), acc)
		}
	}
	assert.Equal(t, q.Used.String(), issued.String(), "Σ issued = quota used")
	verifyChains(t, store)
}

// TestEINV2_NumbersUniqueAcrossTheLedger: an electronic number is taken
// once across accounts, blue or red; a quota use taken for a number that
// turns out to be taken is given back (nothing left behind).
func TestEINV2_NumbersUniqueAcrossTheLedger(t *testing.T) {
	store := newMem(t)
	l := newLedger(store)
	a := eIssuing(t, l, "e1", "2026-01")
	b := eIssuing(t, l, "e2", "2026-01")
	exec(t, l, "e1", finance, eIssue(a, 7))
	_, err := l.Execute(context.Background(), ledger.Request{AccountID: "e2", Actor: finance, Command: eIssue(b, 7)})
	assert.Equal(t, "ISSUE-2", ruleCode(err), "%v", err)
	q, err := l.Quota(context.Background(), domain.BusinessMonth(now))
	require.NoError(t, err)
	assert.Equal(t, "100.00", q.Used.String(), "only e1's issue uses the quota")
	assert.Nil(t, q.Amount, "no quota set: no limit")

	// The red invoice's number shares the space.
	res := exec(t, l, "e1", finance, domain.EnterConfirmation{InvoiceID: a, By: domain.RoleFinance, Reason: domain.ReasonIssuingError})
	cid := res.Account.ConfirmationOrder[0]
	_, err = l.Execute(context.Background(), ledger.Request{AccountID: "e2", Actor: finance, Command: eIssue(b, 8)})
	require.NoError(t, err)
	_, err = l.Execute(context.Background(), ledger.Request{AccountID: "e1", Actor: finance,
		Command: domain.RedFlushInvoice{InvoiceID: a, RedInvoiceNumber: eNumber(8), ConfirmationID: &cid}})
	assert.Equal(t, "ISSUE-2", ruleCode(err), "%v", err)
	res = exec(t, l, "e1", finance, domain.RedFlushInvoice{InvoiceID: a, RedInvoiceNumber: eNumber(9), ConfirmationID: &cid})
	assert.Equal(t, domain.RedFlushed, res.Account.Invoice(a).Status)
	verifyChains(t, store)
}

func TestEINV5_SetQuotaRules(t *testing.T) {
	l := newLedger(newMem(t))
	_, _, err := l.SetQuota(context.Background(), ledger.QuotaRequest{Month: "2026-3", Amount: "1.00", Actor: finance})
	assert.Equal(t, "EINV-5", ruleCode(err))
	_, _, err = l.SetQuota(context.Background(), ledger.QuotaRequest{Month: "2026-03", Amount: "-1.00", Actor: finance})
	assert.Equal(t, "EINV-5", ruleCode(err))
	_, _, err = l.SetQuota(context.Background(), ledger.QuotaRequest{Month: "2026-03", Amount: "1.001", Actor: finance})
	assert.Equal(t, "EINV-5", ruleCode(err))
	_, pos, err := l.SetQuota(context.Background(), ledger.QuotaRequest{Month: "2026-03", Amount: "50.00", Actor: finance})
	require.NoError(t, err)
	assert.NotZero(t, pos)
	// Setting the same amount again writes nothing.
	_, pos, err = l.SetQuota(context.Background(), ledger.QuotaRequest{Month: "2026-03", Amount: "50.00", Actor: finance})
	require.NoError(t, err)
	assert.Zero(t, pos)
	id := eIssuing(t, l, "e1", "2026-01")
	_, err = l.Execute(context.Background(), ledger.Request{AccountID: "e1", Actor: finance, Command: eIssue(id, 1)})
	assert.Equal(t, "EINV-5", ruleCode(err))
	// No carry-over: another month has no limit.
	q, err := l.Quota(context.Background(), "2026-04")
	require.NoError(t, err)
	assert.Nil(t, q.Amount)
}
