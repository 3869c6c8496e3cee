package domain

// tally holds two counts the fold keeps, so that questions asked on every
// command need no walk over all of an account's statements and invoices
// (an account gathers them over the years, and they sit cold in memory):
//
//   - owers counts the invoices that may owe (Invoice.mayOwe): a deficit
//     was raised on them, or an offset or partial red-flush is below zero.
//     An invoice's Deficit is Raised − OffsetAmount − RedFlushedAmount
//     (DEF-2, DEF-3, DEF-5), so no other can owe: with owers zero, settle
//     knows that nothing is owed without asking every invoice.
//   - negFree counts the statements with an available part below zero
//     (DEF-6 per part allows none, but a fold trusts its events). With
//     none, any statement with a positive available part makes the
//     balance's total positive (BAL-2), and an application need not sum
//     it (APP-1).
//
// Both are functions of the state, not of its history: the property test
// compares them with walks after every event of its random command
// sequences (tallyIsTheWalk), TestDEF2_TallyCountsNegativeAmounts takes
// each count there and back, and DecodeSnapshot counts them afresh, so two
// accounts in the same state still compare equal. known is false in an Account literal until its
// first fold counts them; until then both questions walk.
type tally struct {
	known   bool
	owers   int
	negFree int
}

// mayOwe reports whether inv's deficit could be positive: false when
// nothing was raised and neither an offset nor a red-flush is below zero,
// for then Raised − OffsetAmount − RedFlushedAmount is at most zero.
func (inv *Invoice) mayOwe() bool {
	return !inv.Raised.IsZero() || inv.OffsetAmount.IsNegative() || inv.RedFlushedAmount.IsNegative()
}

// recount counts the tally by walking the account.
func (a *Account) recount() {
	t := tally{known: true}
	for _, inv := range a.Invoices {
		if inv.mayOwe() {
			t.owers++
		}
	}
	for _, s := range a.Statements {
		if s.Free.negative() {
			t.negFree++
		}
	}
	a.tally = t
}

// oweMoved keeps owers after a change to inv's deficit amounts; was is
// inv.mayOwe() before it.
func (a *Account) oweMoved(was bool, inv *Invoice) {
	if now := inv.mayOwe(); now != was {
		a.tally.owers += delta(now)
	}
}

// freeMoved keeps negFree after a change to s's available part; was is
// s.Free.negative() before it.
func (a *Account) freeMoved(was bool, s *Statement) {
	if now := s.Free.negative(); now != was {
		a.tally.negFree += delta(now)
	}
}

// delta is +1 for a count's new member, -1 for one that left it.
func delta(joined bool) int {
	if joined {
		return 1
	}
	return -1
}

// someFreeNegative reports whether a statement's available part may be
// below zero: true when the tally does not say otherwise.
func (a *Account) someFreeNegative() bool { return !a.tally.known || a.tally.negFree > 0 }
