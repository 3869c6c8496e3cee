package domain

import (
	"testing"

	"github.com/google/uuid"
)

func TestRETURN1_ReturnIssuedWithReason(t *testing.T) {
	t.Parallel()
	a, env, id := applied(t)
	_, err := RequestReturn{InvoiceID: id, Reason: "wrong title"}.Decide(a, env)
	re := wantRule(t, err, "RETURN-1", StateRule, "") // not issued yet
	if !contains(re.Message, "cancel the application") {
		t.Fatalf("under review: %s", re.Message)
	}
	must(t, a, env, ApproveInvoice{InvoiceID: id})
	_, err = RequestReturn{InvoiceID: id, Reason: "wrong title"}.Decide(a, env)
	if re = wantRule(t, err, "RETURN-1", StateRule, ""); !contains(re.Message, "提交工单") {
		t.Fatalf("issuing: %s", re.Message)
	}
	must(t, a, env, IssueInvoice{InvoiceID: id, InvoiceCode: "1100000000", InvoiceNumber: "00000001", IssuedOn: "2026-10-12"})
	_, err = RequestReturn{InvoiceID: id}.Decide(a, env)
	wantRule(t, err, "RETURN-1", FieldRule, "reason")
	_, err = RequestReturn{InvoiceID: uuid.New(), Reason: "x"}.Decide(a, env)
	wantRule(t, err, "RETURN-1", NotFound, "")
	must(t, a, env, RequestReturn{InvoiceID: id, Reason: "wrong title"})
	if inv := a.Invoice(id); inv.Status != ReturnRequestedState || inv.Return.Reason != "wrong title" {
		t.Fatalf("%+v", inv)
	}
	_, err = RequestReturn{InvoiceID: id, Reason: "again"}.Decide(a, env)
	wantRule(t, err, "RETURN-1", StateRule, "")
}

func TestRETURN2_CertifiedSpecialNeedsRedLetterForm(t *testing.T) {
	t.Parallel()
	s, env := readyAccount(t, VATSpecial)
	sid := issued(t, s, env, "1100000000", "00000001", "2026-07")
	_, err := RequestReturn{InvoiceID: sid, Reason: "r", Certified: true}.Decide(s, env)
	wantRule(t, err, "RETURN-2", FieldRule, "red_letter_form_number")
	_, err = RequestReturn{InvoiceID: sid, Reason: "r", RedLetterFormNumber: "1101202610000001"}.Decide(s, env)
	wantRule(t, err, "RETURN-2", FieldRule, "red_letter_form_number")
	_, err = RequestReturn{InvoiceID: sid, Reason: "r", CertifiedUnstated: true}.Decide(s, env)
	wantRule(t, err, "RETURN-2", FieldRule, "certified")
	must(t, s, env, RequestReturn{InvoiceID: sid, Reason: "r", Certified: true, RedLetterFormNumber: "1101202610000001"})
	if r := s.Invoice(sid).Return; !r.Certified || r.RedLetterFormNumber != "1101202610000001" {
		t.Fatalf("%+v", r)
	}

	g, env := readyAccount(t, VATGeneral)
	gid := issued(t, g, env, "1100000000", "00000001", "2026-07")
	_, err = RequestReturn{InvoiceID: gid, Reason: "r", Certified: true, RedLetterFormNumber: "1"}.Decide(g, env)
	wantRule(t, err, "RETURN-2", FieldRule, "certified")
	// A general invoice cannot have been certified: leaving it out is fine.
	must(t, g, env, RequestReturn{InvoiceID: gid, Reason: "r", CertifiedUnstated: true})
}

func TestRETURN3_PaperBeforeCompletion(t *testing.T) {
	t.Parallel()
	a, env := readyAccount(t, VATGeneral)
	id := issued(t, a, env, "1100000000", "00000001", "2026-07")
	_, err := ReceiveReturnPaper{InvoiceID: id, Complete: true}.Decide(a, env)
	wantRule(t, err, "RETURN-3", StateRule, "") // no return requested
	must(t, a, env, RequestReturn{InvoiceID: id, Reason: "r"})
	_, err = VoidInvoice{InvoiceID: id}.Decide(a, env)
	wantRule(t, err, "RETURN-3", StateRule, "") // paper not received
	_, err = RedFlushInvoice{InvoiceID: id, RedInvoiceCode: "1100000000", RedInvoiceNumber: "00000009"}.Decide(a, env)
	wantRule(t, err, "RETURN-3", StateRule, "")

	must(t, a, env, ReceiveReturnPaper{InvoiceID: id, Complete: false, Note: "抵扣联 missing"})
	if inv := a.Invoice(id); inv.Status != ReturnRequestedState || *inv.Return.PaperComplete || inv.Return.PaperNote == "" {
		t.Fatalf("incomplete paper: %+v", inv.Return)
	}
	_, err = RejectReturn{InvoiceID: id}.Decide(a, env)
	wantRule(t, err, "RETURN-3", FieldRule, "reason")
	must(t, a, env, RejectReturn{InvoiceID: id, Reason: "paper incomplete"})
	if inv := a.Invoice(id); inv.Status != Issued || inv.Return.RejectedReason != "paper incomplete" {
		t.Fatalf("%+v", inv)
	}
	if a.Statements["2026-07"].Status != StatementInvoiced {
		t.Fatal("a rejected return released the statements")
	}
	must(t, a, env, RequestReturn{InvoiceID: id, Reason: "r"})
	must(t, a, env, ReceiveReturnPaper{InvoiceID: id, Complete: true})
	if a.Invoice(id).Status != PaperReceived {
		t.Fatal("not paper_received")
	}
	must(t, a, env, RejectReturn{InvoiceID: id, Reason: "wrong invoice sent back"})
	if a.Invoice(id).Status != Issued {
		t.Fatal("reject from paper_received")
	}
	checkInvariants(t, a)
}

// returned takes an issued invoice through a complete paper return.
func returned(t *testing.T, a *Account, env Env, id uuid.UUID, req RequestReturn) {
	t.Helper()
	req.InvoiceID = id
	if req.Reason == "" {
		req.Reason = "wrong title"
	}
	must(t, a, env, req)
	must(t, a, env, ReceiveReturnPaper{InvoiceID: id, Complete: true})
}

func TestRETURN4_VoidOnlySameMonthUncertified(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name      string
		title     TitleType
		certified bool
		voidAt    string
		ok        bool
	}{
		{"same month", VATGeneral, false, "2026-10-31T23:59:59+08:00", true},
		{"next month in Shanghai, still October in UTC", VATGeneral, false, "2026-10-31T16:00:00Z", false},
		{"next month", VATGeneral, false, "2026-11-02T10:00:00+08:00", false},
		{"same month a year later", VATGeneral, false, "2027-10-12T10:00:00+08:00", false},
		{"a later day of the issue month", VATGeneral, false, "2026-10-13T00:00:00+08:00", true},
		{"special uncertified same month", VATSpecial, false, "2026-10-20T10:00:00+08:00", true},
		{"special certified same month", VATSpecial, true, "2026-10-20T10:00:00+08:00", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			a, env := readyAccount(t, tt.title)
			id := issued(t, a, env, "1100000000", "00000001", "2026-07")
			req := RequestReturn{Certified: tt.certified}
			if tt.certified {
				req.RedLetterFormNumber = "1101202610000001"
			}
			returned(t, a, env, id, req)
			evs, err := VoidInvoice{InvoiceID: id}.Decide(a, withNow(env, tt.voidAt))
			if !tt.ok {
				wantRule(t, err, "RETURN-4", StateRule, "")
				if VoidAllowed(a.Invoice(id), at(tt.voidAt)) {
					t.Fatal("VoidAllowed disagrees")
				}
				// A red-flush is always possible.
				must(t, a, withNow(env, tt.voidAt), RedFlushInvoice{InvoiceID: id, RedInvoiceCode: "1100000000", RedInvoiceNumber: "00000002"})
				if a.Invoice(id).Status != RedFlushed {
					t.Fatal("not red-flushed")
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if _, ok := evs[0].(InvoiceVoided); !ok {
				t.Fatalf("%#v", evs)
			}
		})
	}
	a, env := readyAccount(t, VATGeneral)
	id := issued(t, a, env, "1100000000", "00000001", "2026-07")
	returned(t, a, env, id, RequestReturn{})
	for _, c := range []RedFlushInvoice{
		{InvoiceID: id, RedInvoiceCode: "123", RedInvoiceNumber: "00000002"},
		{InvoiceID: id, RedInvoiceCode: "1100000000", RedInvoiceNumber: "2"},
	} {
		_, err := c.Decide(a, env)
		if re, ok := AsRuleError(err); !ok || re.Kind != FieldRule || re.Code != "RETURN-4" {
			t.Fatalf("%+v: %v", c, err)
		}
	}
	_, err := RedFlushInvoice{InvoiceID: id, RedInvoiceCode: "1100000000", RedInvoiceNumber: "00000001"}.Decide(a, env)
	wantRule(t, err, "ISSUE-2", StateRule, "") // the red invoice cannot reuse the original's number
}

func TestRETURN5_StatementsAvailableAgain(t *testing.T) {
	t.Parallel()
	for _, void := range []bool{true, false} {
		a, env := readyAccount(t, VATGeneral)
		id := issued(t, a, env, "1100000000", "00000001", "2026-07", "2026-08")
		if !a.Balance().Total.IsZero() {
			t.Fatal("balance not zero after issue")
		}
		returned(t, a, env, id, RequestReturn{})
		if void {
			must(t, a, env, VoidInvoice{InvoiceID: id})
		} else {
			must(t, a, env, RedFlushInvoice{InvoiceID: id, RedInvoiceCode: "1100000000", RedInvoiceNumber: "00000002"})
		}
		if a.Balance().Total.String() != "350.00" || a.Statements["2026-08"].Status != StatementAvailable || a.Statements["2026-08"].InvoiceID != uuid.Nil {
			t.Fatalf("void=%v: %+v", void, a.Balance())
		}
		request(t, a, env, "2026-07", "2026-08") // the customer may apply again
		checkInvariants(t, a)
	}
}

func TestRETURN6_RedFlushWholeAmountAndExchange(t *testing.T) {
	t.Parallel()
	a, env := readyAccount(t, VATGeneral)
	other := testAddress()
	other.City, other.Street = "上海市", "世纪大道1号"
	other.Province = "上海市"
	addrEvs := must(t, a, env, AddAddress{Address: other})
	otherID := addrEvs[0].(AddressAdded).AddressID

	id := issued(t, a, env, "1100000000", "00000001", "2026-07", "2026-08")
	bad := uuid.New()
	_, err := RequestReturn{InvoiceID: id, Reason: "r", Exchange: true, AddressID: &bad}.Decide(a, env)
	wantRule(t, err, "RETURN-6", StateRule, "")
	returned(t, a, env, id, RequestReturn{Exchange: true, AddressID: &otherID})
	must(t, a, env, ClearTitle{Reason: "renamed", Ticket: "T-3"})
	newTitle := generalTitle()
	newTitle.Name = "厦门更正后有限公司"
	must(t, a, env, SubmitTitle{Title: newTitle})

	later := withNow(env, "2026-11-05T10:00:00+08:00")
	evs := must(t, a, later, RedFlushInvoice{InvoiceID: id, RedInvoiceCode: "1100000000", RedInvoiceNumber: "00000002"})
	if len(evs) != 2 {
		t.Fatalf("want red-flush + new application, got %#v", evs)
	}
	rf := evs[0].(InvoiceRedFlushed)
	if !rf.RedAmount.Equal(a.Invoice(id).Amount) || rf.RedAmount.String() != "350.00" {
		t.Fatalf("red amount %s", rf.RedAmount)
	}
	nr := evs[1].(InvoiceRequested)
	if nr.ExchangeOf == nil || *nr.ExchangeOf != id || nr.Title.Name != newTitle.Name || nr.AddressID != otherID || nr.Amount.String() != "350.00" {
		t.Fatalf("%+v", nr)
	}
	if nr.SLADue != "2026-11-10" {
		t.Fatalf("due %s", nr.SLADue)
	}
	if got := a.Invoice(id).Return.ExchangeInvoiceID; got == nil || *got != nr.InvoiceID {
		t.Fatal("exchange not linked")
	}
	if a.Statements["2026-07"].Status != StatementReserved || a.Statements["2026-07"].InvoiceID != nr.InvoiceID {
		t.Fatal("statements not reserved by the exchange")
	}
	checkInvariants(t, a)

	// Without an approved title the return completes without the exchange,
	// and the failure is recorded and shown on the invoice (amended RETURN-6).
	b, env := readyAccount(t, VATGeneral)
	id = issued(t, b, env, "1100000000", "00000001", "2026-07")
	returned(t, b, env, id, RequestReturn{Exchange: true})
	must(t, b, env, ClearTitle{Reason: "renamed", Ticket: "T-4"})
	evs = must(t, b, env, VoidInvoice{InvoiceID: id})
	if len(evs) != 2 || b.Statements["2026-07"].Status != StatementAvailable {
		t.Fatalf("%#v", evs)
	}
	if f, ok := evs[1].(ExchangeFailed); !ok || f.Code != "APP-1" || f.Reason == "" {
		t.Fatalf("want ExchangeFailed, got %#v", evs[1])
	}
	if ef := b.Invoice(id).ExchangeFailure; ef == nil || ef.Reason == "" || b.Invoice(id).Status != Voided {
		t.Fatalf("the invoice does not show the failed exchange: %+v", b.Invoice(id))
	}
	checkInvariants(t, b)
}
