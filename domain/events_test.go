package domain

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"reflect"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/fapiao/fapiao/internal/testkit"
)

var goldenDir = filepath.Join("..", "testdata", "events")

// sampleEvents is one fixed value of every event type, with every field set
// so that the golden files show the whole wire form.
func sampleEvents() []Event {
	id := uuid.MustParse("5f0c6f2e-8a44-4c1b-9d2e-0a1b2c3d4e5f")
	other := uuid.MustParse("0b7f6a55-1111-4222-8333-944455566677")
	addrID := uuid.MustParse("a6d2c1b0-0000-4000-8000-000000000001")
	ts := time.Date(2026, 10, 12, 2, 30, 0, 0, time.UTC)
	exp := ts.Add(ConfirmationTTL)
	l := kLine("l1", "120.00")
	l.Merchant, l.Voucher, l.Coupon, l.GiftBalance = "", MustMoney("10.00"), MustMoney("5.00"), MustMoney("5.00")
	m := line("l2", ChannelMarketplaceMerchant, Prepaid, "2020-10-28", "30.50")
	m.Merchant = "某某软件商家"
	return []Event{
		StatementPosted{Month: "2026-09", Lines: []StatementLine{l, m}, PostedAt: ts},
		TitleSubmitted{TitleID: id, Title: specialTitle(), SubmittedAt: ts},
		TitleApproved{TitleID: id, Automatic: false, ApprovedAt: ts},
		TitleRejected{TitleID: id, Rejection: Rejection{Reason: "开户行与账号不符", RejectedAt: ts}},
		TitleCleared{TitleID: id, Reason: "company renamed", Ticket: "T-20261012-1", ClearedAt: ts},
		AddressAdded{AddressID: addrID, Address: testAddress(), Default: true},
		AddressUpdated{AddressID: addrID, Address: testAddress(), Default: true},
		AddressRemoved{AddressID: addrID},
		InvoiceRequested{
			InvoiceID: id, Statements: []string{"2026-08", "2026-09"}, Amount: MustMoney("350.50"),
			Kingsoft: MustMoney("300.00"), Marketplace: MustMoney("50.50"), Title: generalTitle(),
			Address: testAddress(), AddressID: addrID, RequestedAt: ts, SLADue: "2026-10-15", ExchangeOf: &other,
		},
		InvoiceCancelled{InvoiceID: id, By: RoleSupport, Ticket: "T-1", CancelledAt: ts},
		InvoiceApproved{InvoiceID: id, ApprovedAt: ts},
		InvoiceRejected{InvoiceID: id, Rejection: Rejection{Reason: "title mismatch", RejectedAt: ts}},
		InvoiceIssued{
			InvoiceID: id, InvoiceCode: "011001900111", InvoiceNumber: "12345678", IssuedOn: "2026-10-12",
			Issuer: testIssuer, TaxRate: "0.06", NetAmount: MustMoney("330.66"), TaxAmount: MustMoney("19.84"), IssuedAt: ts,
		},
		InvoiceShipped{InvoiceID: id, Courier: "顺丰速运", TrackingNumber: "SF1234567890", ShippedAt: ts, Late: true},
		ReturnRequested{
			InvoiceID: id, Reason: "wrong bank account", Certified: true, RedLetterFormNumber: "1101202610000001",
			Exchange: true, AddressID: &addrID, RequestedAt: ts,
		},
		ReturnPaperReceived{InvoiceID: id, Complete: false, Note: "抵扣联 missing", ReceivedAt: ts},
		ReturnRejected{InvoiceID: id, Rejection: Rejection{Reason: "paper never arrived", RejectedAt: ts}},
		InvoiceVoided{InvoiceID: id, VoidedAt: ts},
		InvoiceRedFlushed{InvoiceID: id, RedInvoiceCode: "011001900111", RedInvoiceNumber: "12345679", RedAmount: MustMoney("350.50"), RedFlushedAt: ts},
		ExchangeFailed{InvoiceID: id, Reason: "no approved invoice title", Code: "APP-1", FailedAt: ts},
		RedLetterConfirmationEntered{
			ConfirmationID: other, ConfirmationTerms: ConfirmationTerms{InvoiceID: id, Amount: MustMoney("350.50"), Reason: ReasonServiceTerminated, Deducted: true, Booked: true},
			EnteredBy: Seller, Status: ConfirmationPendingBuyer, EnteredAt: ts, ExpiresAt: &exp,
		},
		RedLetterConfirmationConfirmed{ConfirmationAct: ConfirmationAct{ConfirmationID: other, InvoiceID: id, By: Buyer}, ConfirmedAt: ts},
		RedLetterConfirmationRefused{ConfirmationAct: ConfirmationAct{ConfirmationID: other, InvoiceID: id, By: Buyer}, Reason: "未收到退款", RefusedAt: ts},
		RedLetterConfirmationWithdrawn{ConfirmationAct: ConfirmationAct{ConfirmationID: other, InvoiceID: id, By: Seller}, WithdrawnAt: ts},
		RedLetterConfirmationExpired{ConfirmationID: other, InvoiceID: id, ExpiredAt: exp},
		StatementAdjusted{
			Month: "2026-01", AdjustmentID: "refund-2026-06-0001", Bucket: BucketKingsoft, Amount: MustMoney("6000.00"),
			Reason: "yearly subscription refunded after downgrade", Reference: "ORD-20260115-77", Lowered: MustMoney("500.00"),
			Deficit: MustMoney("5000.00"), InvoiceID: &id, OffsetsUndone: []OffsetPart{{InvoiceID: other, Amount: MustMoney("500.00")}},
			AdjustedAt: ts,
		},
		DeficitOffset{Month: "2026-07", InvoiceID: id, Amount: MustMoney("1000.00"), Kingsoft: MustMoney("800.00"), Marketplace: MustMoney("200.00"), OffsetAt: ts},
		InvoicePartlyRedFlushed{
			InvoiceID: id, RedInvoiceCode: "011001900111", RedInvoiceNumber: "12345680", RedLetterFormNumber: "1101202610000002",
			RedAmount: MustMoney("5000.00"), NetAmount: MustMoney("4716.98"), TaxAmount: MustMoney("283.02"), RedFlushedAt: ts,
		},
		QuotaSet{Month: "2026-10", Amount: MustMoney("1000000.00"), SetAt: ts},
		QuotaUsed{Month: "2026-10", AccountID: "acc-1", InvoiceID: id, Amount: MustMoney("350.50"), UsedAt: ts},
		QuotaReleased{Month: "2026-10", InvoiceID: id, Amount: MustMoney("350.50"), ReleasedAt: ts},
	}
}

// electronicSamples are the electronic forms of event types that paper uses
// too: their golden files are <type>.electronic.json, so that the paper
// golden files show the seed's wire form is unchanged.
func electronicSamples() []Event {
	id := uuid.MustParse("5f0c6f2e-8a44-4c1b-9d2e-0a1b2c3d4e5f")
	other := uuid.MustParse("0b7f6a55-1111-4222-8333-944455566677")
	ts := time.Date(2026, 10, 12, 2, 30, 0, 0, time.UTC)
	emails := []string{"finance@example.com", "ap@example.cn"}
	return []Event{
		InvoiceRequested{
			InvoiceID: id, Statements: []string{"2026-09"}, Amount: MustMoney("350.50"),
			Kingsoft: MustMoney("300.00"), Marketplace: MustMoney("50.50"), Title: generalTitle(),
			RequestedAt: ts, SLADue: "2026-10-13", Medium: Electronic, Emails: emails,
		},
		InvoiceIssued{
			InvoiceID: id, InvoiceNumber: "26110000000000000001", IssuedOn: "2026-10-12", Issuer: testIssuer, TaxRate: "0.06",
			NetAmount: MustMoney("330.66"), TaxAmount: MustMoney("19.84"), IssuedAt: ts, Medium: Electronic, DeliveredTo: emails,
		},
		InvoiceRedFlushed{
			InvoiceID: id, RedInvoiceNumber: "26110000000000000002", RedAmount: MustMoney("350.50"), RedFlushedAt: ts,
			RedIssuedOn: "2026-10-12", ConfirmationID: &other,
		},
	}
}

func TestEINV2_ElectronicEvents_Golden(t *testing.T) {
	for _, e := range electronicSamples() {
		checkGolden(t, e, e.EventType()+".electronic.json")
	}
}

func TestEvents_Golden(t *testing.T) {
	samples := sampleEvents()
	seen := map[string]bool{}
	for _, e := range samples {
		seen[e.EventType()] = true
		checkGolden(t, e, e.EventType()+".json")
	}
	for _, typ := range EventTypes() {
		if !seen[typ] {
			t.Errorf("no sample and golden file for event type %s", typ)
		}
	}
	if len(samples) != len(EventTypes()) {
		t.Errorf("%d samples for %d event types", len(samples), len(EventTypes()))
	}
}

// checkGolden compares e's wire form with testdata/events/name (rewritten
// with -update) and checks the file decodes back to e.
func checkGolden(t *testing.T, e Event, name string) {
	t.Helper()
	typ, data, err := EncodeEvent(e)
	if err != nil {
		t.Fatal(err)
	}
	var pretty bytes.Buffer
	if err := json.Indent(&pretty, data, "", "  "); err != nil {
		t.Fatal(err)
	}
	pretty.WriteByte('\n')
	path := filepath.Join(goldenDir, name)
	testkit.Golden(t, path, pretty.Bytes())
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	// The golden file decodes to the same event.
	back, err := DecodeEvent(typ, want)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(normalize(t, back), normalize(t, e)) {
		t.Errorf("%s: golden file decodes to %#v", name, back)
	}
}

// normalize re-encodes an event, so that values equal on the wire compare
// equal (decimal internals and time locations may differ).
func normalize(t *testing.T, e Event) string {
	t.Helper()
	_, data, err := EncodeEvent(e)
	if err != nil {
		t.Fatal(err)
	}
	return string(data)
}

// TestAUD4_EncodeDecodeEncodeIsByteIdentical: the log exports in a stable
// form, so a decoded event re-encodes to the very same bytes.
func TestAUD4_EncodeDecodeEncodeIsByteIdentical(t *testing.T) {
	t.Parallel()
	for _, e := range sampleEvents() {
		typ, first, err := EncodeEvent(e)
		if err != nil {
			t.Fatal(err)
		}
		back, err := DecodeEvent(typ, first)
		if err != nil {
			t.Fatal(err)
		}
		if reflect.TypeOf(back) != reflect.TypeOf(e) {
			t.Fatalf("%s decodes to %T", typ, back)
		}
		_, second, err := EncodeEvent(back)
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(first, second) {
			t.Errorf("%s:\n%s\n%s", typ, first, second)
		}
	}
	if _, err := DecodeEvent("NoSuchEvent", []byte("{}")); err == nil {
		t.Fatal("unknown type decoded")
	}
	if _, err := DecodeEvent("StatementPosted", []byte(`{"lines":[{"amount":1.5}]}`)); err == nil {
		t.Fatal("a float amount decoded")
	}
}

// TestAUD3_EncodingIsDeterministic: hashes are computed over the encoded
// data, so encoding the same event must give the same bytes every time and
// in every time zone the event's instants were created in.
func TestAUD3_EncodingIsDeterministic(t *testing.T) {
	t.Parallel()
	for _, e := range sampleEvents() {
		_, a, _ := EncodeEvent(e)
		for i := 0; i < 20; i++ {
			if _, b, _ := EncodeEvent(e); !bytes.Equal(a, b) {
				t.Fatalf("%T encodes differently", e)
			}
		}
	}
	// Events that Decide makes carry the env clock's instant as given; the
	// ledger passes UTC instants so the same fact encodes the same way.
	utc := InvoiceApproved{ApprovedAt: time.Date(2026, 10, 12, 2, 0, 0, 0, time.UTC)}
	_, x, _ := EncodeEvent(utc)
	_, y, _ := EncodeEvent(utc)
	if !bytes.Equal(x, y) || !bytes.Contains(x, []byte(`"2026-10-12T02:00:00Z"`)) {
		t.Fatalf("%s", x)
	}
}
