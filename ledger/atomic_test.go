package ledger_test

import (
	"context"
	"encoding/json"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/fapiao/fapiao/domain"
	"github.com/fapiao/fapiao/ledger"
)

// On the segmented log an issue's number reservation is appended with the
// account's events in one atomic append (claimAtomic). These are the
// ISSUE-2 tests on that path.

// TestISSUE2_ReservedWithTheIssueInOneGroup: the issue and its
// reservation are one group commit (two with the reservation appended
// first), the reservation is the claim, and another account's issue of the
// number is refused with ISSUE-2 writing nothing.
func TestISSUE2_ReservedWithTheIssueInOneGroup(t *testing.T) {
	s := openLog(t)
	l := newLedger(s)
	invA, invB := issuing(t, l, "a"), issuing(t, l, "b")

	commits0, _ := s.BatchStats()
	exec(t, l, "a", finance, issue(invA, 42))
	commits1, _ := s.BatchStats()
	assert.Equal(t, commits0+1, commits1, "group commits for an issue and its reservation")
	reservation := readStream(t, s, ledger.ReservationStream("1100261130", "00000042"))
	require.Len(t, reservation, 1)
	var claim ledger.InvoiceNumberReserved
	require.NoError(t, json.Unmarshal(reservation[0].Data, &claim))
	assert.Equal(t, ledger.InvoiceNumberReserved{AccountID: "a", InvoiceID: invA, InvoiceCode: "1100261130", InvoiceNumber: "00000042"}, claim)

	before := lastPosition(t, s)
	_, err := l.Execute(context.Background(), ledger.Request{AccountID: "b", Actor: finance, Command: issue(invB, 42)})
	assert.Equal(t, "ISSUE-2", ruleCode(err), "%v", err)
	assert.Equal(t, before, lastPosition(t, s), "nothing written")

	res := exec(t, l, "b", finance, issue(invB, 43))
	assert.Equal(t, domain.Issued, res.Account.Invoice(invB).Status)
	verifyChains(t, s)
}

// TestISSUE2_RacingIssuersOnTheLog: ledgers racing for one number through
// atomic appends (the check before them passes for all): one wins, the
// others are refused with ISSUE-2 — the refused atomic append is decided
// again with the reservation first — and one invoice is issued.
func TestISSUE2_RacingIssuersOnTheLog(t *testing.T) {
	s := openLog(t)
	racingIssuers(t, s)
	assert.Len(t, readStream(t, s, ledger.ReservationStream("1100261130", "00000100")), 1)
	verifyChains(t, s)
}

// TestISSUE2_ReservationWithoutIssueEventOnTheLog: a reservation left by
// a crash between the two appends of the other path stays the invoice's:
// its own issue goes on (the atomic append is refused, the reservation
// being there, and the path that reserves first finds it is its own), and
// another account's is refused.
func TestISSUE2_ReservationWithoutIssueEventOnTheLog(t *testing.T) {
	s := openLog(t)
	reservationWithoutIssue(t, newLedger(s), s)
}
