package ledger_test

import (
	"context"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/fapiao/fapiao/domain"
	"github.com/fapiao/fapiao/ledger"
)

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
