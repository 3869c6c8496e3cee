package ledger_test

import (
	"context"
	"encoding/json"
	"testing"

	"github.com/google/uuid"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/fapiao/fapiao/domain"
	"github.com/fapiao/fapiao/eventstore"
	"github.com/fapiao/fapiao/eventstore/storetest"
	"github.com/fapiao/fapiao/ledger"
)

// issuing brings an invoice of acc to issuing and returns its ID.
func issuing(t *testing.T, l *ledger.Ledger, acc string) uuid.UUID {
	t.Helper()
	addr := ready(t, l, acc, "2026-01")
	inv := apply(t, l, acc, addr, "2026-01")
	exec(t, l, acc, finance, domain.ApproveInvoice{InvoiceID: inv})
	return inv
}

func TestISSUE2_NumberUniqueAcrossAccounts(t *testing.T) {
	l, s := memLedger(t)
	invA, invB := issuing(t, l, "a"), issuing(t, l, "b")

	exec(t, l, "a", finance, issue(invA, 42))
	reservation := readStream(t, s, ledger.ReservationStream("1100261130", "00000042"))
	require.Len(t, reservation, 1)
	assert.Equal(t, ledger.ReservationEventType, reservation[0].Type)
	var claim ledger.InvoiceNumberReserved
	require.NoError(t, json.Unmarshal(reservation[0].Data, &claim))
	assert.Equal(t, ledger.InvoiceNumberReserved{AccountID: "a", InvoiceID: invA, InvoiceCode: "1100261130", InvoiceNumber: "00000042"}, claim)

	before := lastPosition(t, s)
	_, err := l.Execute(context.Background(), ledger.Request{AccountID: "b", Actor: finance, Command: issue(invB, 42)})
	re, ok := domain.AsRuleError(err)
	require.True(t, ok, "%v", err)
	assert.Equal(t, "ISSUE-2", re.Code)
	assert.Equal(t, domain.StateRule, re.Kind)
	assert.Equal(t, before, lastPosition(t, s), "nothing written")

	res := exec(t, l, "b", finance, issue(invB, 43))
	assert.Equal(t, domain.Issued, res.Account.Invoice(invB).Status)
	verifyChains(t, s)
}

// The crash window: the reservation was written but the issue event was
// not. The number stays with that invoice; issuing it again succeeds, and
// nobody else can take the number.
func TestISSUE2_ReservationWithoutIssueEvent(t *testing.T) {
	l, s := memLedger(t)
	reservationWithoutIssue(t, l, s)
}

// reservationWithoutIssue crashes account a's issue of number 7 between
// its two appends (the reservation first, through a store that offers no
// atomic append; then a panic), and checks that the number stays a's: b's
// issue of it is refused with ISSUE-2, a's own goes on, one reservation.
func reservationWithoutIssue(t *testing.T, l *ledger.Ledger, s eventstore.Store) {
	t.Helper()
	inv, other := issuing(t, l, "a"), issuing(t, l, "b")
	crashing := &interfering{Store: s, stream: ledger.StreamName("a")}
	crashing.before = func() { panic("crash") }
	require.Panics(t, func() {
		_, _ = newLedger(crashing).Execute(context.Background(), ledger.Request{AccountID: "a", Actor: finance, Command: issue(inv, 7)})
	})
	require.Len(t, readStream(t, s, ledger.ReservationStream("1100261130", "00000007")), 1)

	_, err := l.Execute(context.Background(), ledger.Request{AccountID: "b", Actor: finance, Command: issue(other, 7)})
	assert.Equal(t, "ISSUE-2", ruleCode(err), "%v", err)

	res := exec(t, l, "a", finance, issue(inv, 7))
	assert.Equal(t, domain.Issued, res.Account.Invoice(inv).Status)
	assert.Equal(t, "00000007", res.Account.Invoice(inv).InvoiceNumber)
	require.Len(t, readStream(t, s, ledger.ReservationStream("1100261130", "00000007")), 1)
	verifyChains(t, s)
}

func TestISSUE2_SameAccountOtherInvoice(t *testing.T) {
	l := newLedger(newMem(t))
	addr := ready(t, l, "a", "2026-01", "2026-02")
	inv1 := apply(t, l, "a", addr, "2026-01")
	inv2 := apply(t, l, "a", addr, "2026-02")
	for _, inv := range []uuid.UUID{inv1, inv2} {
		exec(t, l, "a", finance, domain.ApproveInvoice{InvoiceID: inv})
	}
	exec(t, l, "a", finance, issue(inv1, 9))
	_, err := l.Execute(context.Background(), ledger.Request{AccountID: "a", Actor: finance, Command: issue(inv2, 9)})
	assert.Equal(t, "ISSUE-2", ruleCode(err), "%v", err)
}

func TestISSUE2_RacingIssuersOnBolt(t *testing.T) {
	racingIssuers(t, openBolt(t))
}

// racingIssuers races eight ledgers, each issuing an invoice of its own
// account as number 100 on s: one wins, the others are refused with
// ISSUE-2, and one invoice is issued.
func racingIssuers(t *testing.T, s eventstore.Store) {
	t.Helper()
	l := newLedger(s)
	const n = 8
	invs := make([]uuid.UUID, n)
	accs := make([]string, n)
	for i := range n {
		accs[i] = string(rune('a' + i))
		invs[i] = issuing(t, l, accs[i])
	}
	errs := race(n, func(i int) error {
		_, err := newLedger(s).Execute(context.Background(), ledger.Request{AccountID: accs[i], Actor: finance, Command: issue(invs[i], 100)})
		return err
	})
	wins := 0
	for _, err := range errs {
		if err == nil {
			wins++
			continue
		}
		assert.Equal(t, "ISSUE-2", ruleCode(err), "%v", err)
	}
	assert.Equal(t, 1, wins)
	issued := 0
	for _, r := range storetest.ReadAll(t, s) {
		if r.Type == "InvoiceIssued" {
			issued++
		}
	}
	assert.Equal(t, 1, issued)
}

// A red invoice is a paper invoice too: its code and number can be neither
// another account's blue invoice number nor taken by one later.
func TestISSUE2_RedInvoiceNumbersShareTheSpace(t *testing.T) {
	l, s := memLedger(t)
	invA, invB, invC := issuing(t, l, "a"), issuing(t, l, "b"), issuing(t, l, "c")
	exec(t, l, "a", finance, issue(invA, 7))
	exec(t, l, "b", finance, issue(invB, 8))
	exec(t, l, "b", customer("b"), domain.RequestReturn{InvoiceID: invB, Reason: "税号有误"})
	exec(t, l, "b", finance, domain.ReceiveReturnPaper{InvoiceID: invB, Complete: true})

	redFlush := func(number int) error {
		red := issue(invB, number)
		_, err := l.Execute(context.Background(), ledger.Request{AccountID: "b", Actor: finance, Command: domain.RedFlushInvoice{
			InvoiceID: invB, RedInvoiceCode: red.InvoiceCode, RedInvoiceNumber: red.InvoiceNumber,
		}})
		return err
	}
	before := lastPosition(t, s)
	assert.Equal(t, "ISSUE-2", ruleCode(redFlush(7)), "a's blue number")
	assert.Equal(t, before, lastPosition(t, s), "nothing written")

	require.NoError(t, redFlush(9))
	_, err := l.Execute(context.Background(), ledger.Request{AccountID: "c", Actor: finance, Command: issue(invC, 9)})
	assert.Equal(t, "ISSUE-2", ruleCode(err), "b's red number")
	verifyChains(t, s)
}

// TestDEF5_PartialRedInvoiceNumberIsReserved: the red invoice of a partial
// red-flush takes its number from the ledger's one number space (ISSUE-2),
// like any other invoice: another account can take it neither before nor
// after; the account's DEF-6 holds after the adjustment and the red-flush.
func TestDEF5_PartialRedInvoiceNumberIsReserved(t *testing.T) {
	l, s := memLedger(t)
	invA, invB := issuing(t, l, "a"), issuing(t, l, "b")
	exec(t, l, "a", finance, issue(invA, 7))
	exec(t, l, "b", finance, issue(invB, 8))
	res := exec(t, l, "a", billing, domain.PostAdjustment{Month: "2026-01", AdjustmentID: "r-1", Bucket: domain.BucketKingsoft, Amount: "40.00", Reason: "refund"})
	require.NoError(t, res.Account.CheckInvariants())
	assert.Equal(t, "40.00", res.Account.Balance().Deficit.String())

	part := func(number string) error {
		_, err := l.Execute(context.Background(), ledger.Request{AccountID: "a", Actor: finance, Command: domain.RedFlushInvoice{
			InvoiceID: invA, RedInvoiceCode: "1100261130", RedInvoiceNumber: number, Amount: "25.00", RedLetterFormNumber: "F-1",
		}})
		return err
	}
	before := lastPosition(t, s)
	assert.Equal(t, "ISSUE-2", ruleCode(part("00000008")), "b's blue number")
	assert.Equal(t, before, lastPosition(t, s), "nothing written")
	require.NoError(t, part("00000009"))
	require.Len(t, readStream(t, s, ledger.ReservationStream("1100261130", "00000009")), 1)

	acc, err := l.Load(context.Background(), "a")
	require.NoError(t, err)
	require.NoError(t, acc.CheckInvariants())
	assert.Equal(t, domain.Issued, acc.Invoice(invA).Status)
	assert.Equal(t, "15.00", acc.Invoice(invA).Deficit().String())
	verifyChains(t, s)
}
