package domain

import (
	"errors"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/google/uuid"
)

// foldCase is one event type of the registry test: an event of that type
// and the history before it, chosen so that the event has something to
// change.
type foldCase struct {
	before []Event
	event  Event
}

// foldCases gives every event type an account folds one case; quota events
// are listed in quotaFoldCases instead.
func foldCases() map[string]foldCase {
	t0 := at("2026-10-12T10:30:00+08:00")
	inv, title, addr, conf := uuid.MustParse("5f0c6f2e-8a44-4c1b-9d2e-0a1b2c3d4e5f"),
		uuid.MustParse("11111111-2222-4333-8444-555555555555"),
		uuid.MustParse("0b7f6a55-1111-4222-8333-944455566677"),
		uuid.MustParse("77777777-1111-4222-8333-944455566677")
	posted := []Event{
		StatementPosted{Month: "2026-07", Lines: []StatementLine{kLine("l1", "800.00"), mLine("l2", "200.00")}, PostedAt: t0},
		StatementPosted{Month: "2026-08", Lines: []StatementLine{kLine("l3", "50.00")}, PostedAt: t0},
	}
	ready := append(slices.Clip(posted),
		TitleSubmitted{TitleID: title, Title: generalTitle(), SubmittedAt: t0},
		TitleApproved{TitleID: title, Automatic: true, ApprovedAt: t0},
		AddressAdded{AddressID: addr, Address: testAddress(), Default: true},
	)
	requested := append(slices.Clip(ready), InvoiceRequested{
		InvoiceID: inv, Statements: []string{"2026-07"}, Amount: MustMoney("1000.00"),
		Kingsoft: MustMoney("800.00"), Marketplace: MustMoney("200.00"),
		Title: generalTitle(), Address: testAddress(), AddressID: addr, RequestedAt: t0, SLADue: "2026-10-15",
	})
	issuing := append(slices.Clip(requested), InvoiceApproved{InvoiceID: inv, ApprovedAt: t0})
	issued := append(slices.Clip(issuing), InvoiceIssued{
		InvoiceID: inv, InvoiceCode: "011001900111", InvoiceNumber: "12345678", IssuedOn: "2026-10-12",
		Issuer: testIssuer, TaxRate: "0.06", NetAmount: MustMoney("943.40"), TaxAmount: MustMoney("56.60"), IssuedAt: t0,
	})
	returning := append(slices.Clip(issued), ReturnRequested{InvoiceID: inv, Reason: "wrong title", RequestedAt: t0})
	eIssued := append(slices.Clip(issuing), InvoiceIssued{
		InvoiceID: inv, InvoiceNumber: "26112000000000000001", IssuedOn: "2026-10-12", Issuer: testIssuer,
		TaxRate: "0.06", NetAmount: MustMoney("943.40"), TaxAmount: MustMoney("56.60"), IssuedAt: t0,
		Medium: Electronic, DeliveredTo: []string{"a@example.com"},
	})
	expires := t0.Add(ConfirmationTTL)
	confirming := append(slices.Clip(eIssued), RedLetterConfirmationEntered{
		ConfirmationID: conf, ConfirmationTerms: ConfirmationTerms{InvoiceID: inv, Amount: MustMoney("1000.00"), Reason: ReasonServiceTerminated},
		EnteredBy: Seller, Status: ConfirmationPendingBuyer, EnteredAt: t0, ExpiresAt: &expires,
	})
	owing := append(slices.Clip(issued), StatementAdjusted{
		Month: "2026-07", AdjustmentID: "refund-1", Bucket: BucketKingsoft, Amount: MustMoney("100.00"),
		Reason: "refund", Deficit: MustMoney("100.00"), InvoiceID: &inv, AdjustedAt: t0,
	})

	return map[string]foldCase{
		"StatementPosted": {nil, posted[0]},
		"TitleSubmitted":  {posted, ready[2]},
		"TitleApproved":   {ready[:3], ready[3]},
		"TitleRejected":   {ready[:3], TitleRejected{TitleID: title, Rejection: Rejection{Reason: "no such taxpayer", RejectedAt: t0}}},
		"TitleCleared":    {ready, TitleCleared{TitleID: title, Reason: "asked", Ticket: "T-1", ClearedAt: t0}},
		"AddressAdded":    {ready[:4], ready[4]},
		"AddressUpdated":  {ready, AddressUpdated{AddressID: addr, Address: Address{Recipient: "李四", Phone: "13900000000", Province: "上海市", City: "上海市", Street: "浦东新区 1 号", PostalCode: "200120"}}},
		"AddressRemoved":  {ready, AddressRemoved{AddressID: addr}},

		"InvoiceRequested": {ready, requested[len(requested)-1]},
		"InvoiceCancelled": {requested, InvoiceCancelled{InvoiceID: inv, By: RoleCustomer, CancelledAt: t0}},
		"InvoiceApproved":  {requested, issuing[len(issuing)-1]},
		"InvoiceRejected":  {requested, InvoiceRejected{InvoiceID: inv, Rejection: Rejection{Reason: "wrong month", RejectedAt: t0}}},
		"InvoiceIssued":    {issuing, issued[len(issued)-1]},
		"InvoiceShipped":   {issued, InvoiceShipped{InvoiceID: inv, Courier: "SF", TrackingNumber: "SF1", ShippedAt: t0}},

		"ReturnRequested":     {issued, returning[len(returning)-1]},
		"ReturnPaperReceived": {returning, ReturnPaperReceived{InvoiceID: inv, Complete: true, ReceivedAt: t0}},
		"ReturnRejected":      {returning, ReturnRejected{InvoiceID: inv, Rejection: Rejection{Reason: "kept", RejectedAt: t0}}},
		"InvoiceVoided":       {returning, InvoiceVoided{InvoiceID: inv, VoidedAt: t0}},
		"InvoiceRedFlushed": {returning, InvoiceRedFlushed{InvoiceID: inv, RedInvoiceCode: "011001900111",
			RedInvoiceNumber: "12345679", RedAmount: MustMoney("1000.00"), RedFlushedAt: t0}},
		"ExchangeFailed": {returning, ExchangeFailed{InvoiceID: inv, Reason: "no approved title", Code: "APP-1", FailedAt: t0}},

		"RedLetterConfirmationEntered":   {eIssued, confirming[len(confirming)-1]},
		"RedLetterConfirmationConfirmed": {confirming, RedLetterConfirmationConfirmed{ConfirmationAct: ConfirmationAct{ConfirmationID: conf, InvoiceID: inv, By: Buyer}, ConfirmedAt: t0}},
		"RedLetterConfirmationRefused":   {confirming, RedLetterConfirmationRefused{ConfirmationAct: ConfirmationAct{ConfirmationID: conf, InvoiceID: inv, By: Buyer}, Reason: "no", RefusedAt: t0}},
		"RedLetterConfirmationWithdrawn": {confirming, RedLetterConfirmationWithdrawn{ConfirmationAct: ConfirmationAct{ConfirmationID: conf, InvoiceID: inv, By: Seller}, WithdrawnAt: t0}},
		"RedLetterConfirmationExpired":   {confirming, RedLetterConfirmationExpired{ConfirmationID: conf, InvoiceID: inv, ExpiredAt: expires}},

		"StatementAdjusted": {issued, owing[len(owing)-1]},
		"DeficitOffset": {owing, DeficitOffset{Month: "2026-08", InvoiceID: inv, Amount: MustMoney("50.00"),
			Kingsoft: MustMoney("50.00"), Marketplace: Zero, OffsetAt: t0}},
		"InvoicePartlyRedFlushed": {owing, InvoicePartlyRedFlushed{InvoiceID: inv, RedInvoiceCode: "011001900111",
			RedInvoiceNumber: "12345680", RedLetterFormNumber: "1101202610000002", RedAmount: MustMoney("100.00"),
			NetAmount: MustMoney("94.34"), TaxAmount: MustMoney("5.66"), RedFlushedAt: t0}},
	}
}

// quotaFoldCases are the event types exempt from the account's fold: they
// live in the quota streams and Quota folds them (EINV-5).
func quotaFoldCases() map[string]foldCase {
	t0 := at("2026-10-12T10:30:00+08:00")
	inv := uuid.MustParse("5f0c6f2e-8a44-4c1b-9d2e-0a1b2c3d4e5f")
	used := QuotaUsed{Month: "2026-10", AccountID: "acc-1", InvoiceID: inv, Amount: MustMoney("10.00"), UsedAt: t0}
	return map[string]foldCase{
		"QuotaSet":      {nil, QuotaSet{Month: "2026-10", Amount: MustMoney("100000.00"), SetAt: t0}},
		"QuotaUsed":     {nil, used},
		"QuotaReleased": {[]Event{used}, QuotaReleased{Month: "2026-10", InvoiceID: inv, Amount: MustMoney("10.00"), ReleasedAt: t0}},
	}
}

// wire returns e as the decoder gives it back from its wire form: the fold
// must take exactly what DecodeEvent returns.
func wire(t *testing.T, e Event) Event {
	t.Helper()
	typ, data, err := EncodeEvent(e)
	if err != nil {
		t.Fatal(err)
	}
	d, err := DecodeEvent(typ, data)
	if err != nil {
		t.Fatalf("%s: %v", typ, err)
	}
	return d
}

// foldAccount folds evs, from their wire form, into a new account.
func foldAccount(t *testing.T, evs ...Event) *Account {
	t.Helper()
	a := NewAccount("acc-fold")
	for _, e := range evs {
		if err := a.Fold(wire(t, e)); err != nil {
			t.Fatal(err)
		}
	}
	return a
}

// changedBeyondVersion reports whether after differs from before in more
// than its Version, which must be one more.
func changedBeyondVersion(t *testing.T, before, after *Account) bool {
	t.Helper()
	if after.Version != before.Version+1 {
		t.Errorf("version %d after %d: want one more", after.Version, before.Version)
	}
	b := *before
	b.Version = after.Version
	return !reflect.DeepEqual(&b, after)
}

// TestFold_EveryDecodedTypeChangesTheFold walks the decoder's registry:
// every event type DecodeEvent knows is folded by the account (and changes
// it beyond its Version) or by the quota. A type added to the decoder and
// forgotten in the fold fails here instead of being skipped in production.
func TestFold_EveryDecodedTypeChangesTheFold(t *testing.T) {
	t.Parallel()
	cases, quota := foldCases(), quotaFoldCases()
	types := EventTypes()
	slices.Sort(types)
	for _, typ := range types {
		t.Run(typ, func(t *testing.T) {
			t.Parallel()
			if c, ok := quota[typ]; ok {
				checkQuotaCase(t, typ, c)
				return
			}
			c, ok := cases[typ]
			if !ok {
				t.Fatalf("%s decodes but has no case in foldCases: add one that proves the fold takes it", typ)
			}
			if c.event.EventType() != typ {
				t.Fatalf("the case for %s holds a %s", typ, c.event.EventType())
			}
			before := foldAccount(t, c.before...)
			after := foldAccount(t, c.before...)
			if err := after.Fold(wire(t, c.event)); err != nil {
				t.Fatal(err)
			}
			if !changedBeyondVersion(t, before, after) {
				t.Errorf("folding %s changed nothing but the version", typ)
			}
			if err := NewQuota("2026-10").Fold(wire(t, c.event)); !errors.Is(err, ErrNotFolded) {
				t.Errorf("the quota folded an account's %s: %v", typ, err)
			}
		})
	}
	for typ := range cases {
		if !slices.Contains(types, typ) {
			t.Errorf("foldCases has %s, which the decoder does not know", typ)
		}
	}
}

// checkQuotaCase proves a quota event changes the quota's fold and is
// refused by the account's.
func checkQuotaCase(t *testing.T, typ string, c foldCase) {
	t.Helper()
	fold := func(evs ...Event) *Quota {
		q := NewQuota("2026-10")
		for _, e := range evs {
			if err := q.Fold(wire(t, e)); err != nil {
				t.Fatal(err)
			}
		}
		return q
	}
	before, after := fold(c.before...), fold(append(slices.Clip(c.before), c.event)...)
	if after.Version != before.Version+1 {
		t.Errorf("quota version %d after %d", after.Version, before.Version)
	}
	b := *before
	b.Version = after.Version
	if reflect.DeepEqual(&b, after) {
		t.Errorf("folding %s changed nothing in the quota but the version", typ)
	}
	a := foldAccount(t)
	if err := a.Fold(wire(t, c.event)); !errors.Is(err, ErrNotFolded) {
		t.Errorf("the account folded the quota's %s: %v", typ, err)
	}
	if a.Version != 0 {
		t.Errorf("a refused %s moved the account to version %d", typ, a.Version)
	}
}

// TestFold_NoChangeIsSeen shows the registry test's check can fail: an
// event about a title the account does not have changes only the version.
func TestFold_NoChangeIsSeen(t *testing.T) {
	t.Parallel()
	before := foldAccount(t)
	after := foldAccount(t, TitleApproved{TitleID: uuid.New()})
	if changedBeyondVersion(t, before, after) {
		t.Fatal("an approval of an unknown title changed the account")
	}
}

// TestFold_RefusesWhatItDoesNotFold: a pointer (the decoder never returns
// one) is refused by Fold and makes Apply panic, naming the type.
func TestFold_RefusesWhatItDoesNotFold(t *testing.T) {
	t.Parallel()
	a := foldAccount(t, StatementPosted{Month: "2026-09", Lines: []StatementLine{kLine("l", "9.99")}})
	err := a.Fold(&StatementPosted{Month: "2026-10"})
	if !errors.Is(err, ErrNotFolded) || !strings.Contains(err.Error(), "*domain.StatementPosted") {
		t.Fatalf("Fold(pointer) = %v", err)
	}
	if a.Version != 1 || len(a.Statements) != 1 {
		t.Fatalf("a refused event changed the account: version %d, %d statements", a.Version, len(a.Statements))
	}
	defer func() {
		v := recover()
		if err, _ := v.(error); !errors.Is(err, ErrNotFolded) {
			t.Fatalf("Apply(quota event) panicked with %v, want ErrNotFolded", v)
		}
	}()
	a.Apply(QuotaSet{Month: "2026-10"})
	t.Fatal("Apply took a quota event")
}
