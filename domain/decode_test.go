package domain

import (
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"os"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"
)

// fastInvoiceDecoders are the fast decoders of decode_invoice.go, by event
// type, each checked against json.Unmarshal into its struct.
var fastInvoiceDecoders = []struct {
	typ    string
	fields int // the struct's field count: a new field needs a case
	check  func(t *testing.T, data []byte) (fastOK bool)
}{
	{"InvoiceRequested", 13, sameAsJSON(fastInvoiceRequested)},
	{"InvoiceIssued", 11, sameAsJSON(fastInvoiceIssued)},
	{"InvoiceShipped", 5, sameAsJSON(fastInvoiceShipped)},
	{"InvoiceApproved", 2, sameAsJSON(fastInvoiceApproved)},
	{"InvoiceCancelled", 4, sameAsJSON(fastInvoiceCancelled)},
	{"ReturnRequested", 7, sameAsJSON(fastReturnRequested)},
	{"ReturnPaperReceived", 4, sameAsJSON(fastReturnPaperReceived)},
	{"ReturnRejected", 3, sameAsJSON(fastReturnRejected)},
	{"InvoiceRejected", 3, sameAsJSON(fastInvoiceRejected)},
	{"InvoiceVoided", 2, sameAsJSON(fastInvoiceVoided)},
	{"AddressAdded", 3, sameAsJSON(fastAddressAdded)},
	{"TitleSubmitted", 3, sameAsJSON(fastTitleSubmitted)},
	{"TitleApproved", 3, sameAsJSON(fastTitleApproved)},
	{"InvoiceRedFlushed", 8, sameAsJSON(fastInvoiceRedFlushed)},
}

// sameAsJSON fails unless DecodeEvent and json.Unmarshal agree on data (the
// same event, or both an error) and the fast path, when it accepts, gives
// json's event; it reports whether the fast path accepted.
func sameAsJSON[E Event](fast func([]byte) (E, bool)) func(t *testing.T, data []byte) bool {
	return func(t *testing.T, data []byte) bool {
		t.Helper()
		var want E
		wantErr := json.Unmarshal(data, &want)
		got, err := DecodeEvent(want.EventType(), data)
		if (err == nil) != (wantErr == nil) {
			t.Fatalf("%s %q: error %v, json says %v", want.EventType(), data, err, wantErr)
		}
		if err == nil && !reflect.DeepEqual(got, Event(want)) {
			t.Fatalf("%s %q:\n got  %#v\n json %#v", want.EventType(), data, got, want)
		}
		e, ok := fast(data)
		if ok && (wantErr != nil || !reflect.DeepEqual(e, want)) {
			t.Fatalf("%s %q: the fast path accepted\n %#v\n json %#v (%v)", want.EventType(), data, e, want, wantErr)
		}
		return ok
	}
}

// sameStatementAsJSON is sameAsJSON for StatementPosted (decode_statement.go),
// and holds DecodeEventSummarized to DecodeEvent: an error for the same
// data, else the same month and instant, no lines, and the lines' summary;
// its fast path accepts only what fastStatementPosted accepts.
func sameStatementAsJSON(t *testing.T, data []byte) bool {
	t.Helper()
	fastOK := sameAsJSON(fastStatementPosted)(t, data)
	want, wantErr := DecodeEvent("StatementPosted", data)
	got, err := DecodeEventSummarized("StatementPosted", data)
	if (err == nil) != (wantErr == nil) {
		t.Fatalf("summarized %q: error %v, DecodeEvent says %v", data, err, wantErr)
	}
	if _, ok := fastStatementSummarized(data); ok && !fastOK {
		t.Fatalf("summarized %q: the fast path accepted what fastStatementPosted declines", data)
	}
	if err != nil {
		return fastOK
	}
	w, g := want.(StatementPosted), got.(StatementPosted)
	if g.summarized {
		if g.Lines != nil || !reflect.DeepEqual(g.summary, Summarize(w.Lines)) {
			t.Fatalf("summarized %q: lines %v, summary %+v; want %+v", data, g.Lines, g.summary, Summarize(w.Lines))
		}
		g.Lines, g.summary, g.summarized = w.Lines, Buckets{}, false
	}
	if !reflect.DeepEqual(g, w) {
		t.Fatalf("summarized %q:\n got  %#v\n want %#v", data, g, w)
	}
	// The fold takes the summary for the lines.
	var fromLines, fromSummary Account
	fromLines.Apply(w)
	fromSummary.Apply(got)
	if s, ws := fromSummary.Statements[w.Month], fromLines.Statements[w.Month]; !reflect.DeepEqual(s.Buckets, ws.Buckets) || !reflect.DeepEqual(s.Free, ws.Free) {
		t.Fatalf("summarized %q: folded to %+v, from the lines %+v", data, s, ws)
	}
	return fastOK
}

// TestFastStatementFields keeps the fast decoder in step with the structs:
// a new field needs a case in decode_statement.go (and then here).
func TestFastStatementFields(t *testing.T) {
	if n := members(reflect.TypeFor[StatementPosted]()); n != 3 {
		t.Fatalf("StatementPosted has %d fields; teach fastStatementPosted the new one", n)
	}
	if n := reflect.TypeFor[StatementLine]().NumField(); n != 10 {
		t.Fatalf("StatementLine has %d fields; teach fastStatementLine the new one", n)
	}
}

func TestFastStatementPostedMatchesJSON(t *testing.T) {
	golden, err := os.ReadFile("../testdata/events/StatementPosted.json")
	if err != nil {
		t.Fatal(err)
	}
	inputs := []string{
		string(golden),
		`{"month":"2026-01","lines":[],"posted_at":"2026-02-03T09:00:00+08:00"}`,
		`{"month":"2026-01","posted_at":"2026-02-03T09:00:00Z"}`,
		`{}`, `{"lines":null}`, `{"month":null}`, `{"Month":"2026-01"}`, `{"month":"2026-01","month":"2026-02"}`,
		`{"month":"2026-01","extra":1}`, `{"month":"a\"b"}`, `{"month":"\u00e9"}`, "{\"month\":\"\xff\"}",
		`{"month":1}`, `{"month":"2026-01"} x`, `{"month":"2026-01"`, `[]`, ``, `null`,
		`{"posted_at":"not a time"}`, `{"posted_at":"2026-02-03T09:00:00+08:00 "}`,
		`{"lines":[{"amount":"1.5"},{"amount":"1.505"}]}`, `{"lines":[{"amount":1.5}]}`,
		`{"lines":[{"amount":"1.50","amount":"2.00"}]}`, `{"lines":[{"Amount":"1.50"}]}`,
		`{"lines":[{"line_id":"x","product":"ECS","billing_mode":"prepaid","purchased_at":"2026-01-15","channel":"kingsoft","merchant":"m","amount":"1.00","voucher":"0.10","coupon":"0","gift_balance":"0.01"}]}`,
		`{"lines":[{"voucher":null}]}`, `{"lines":[1]}`, `{"lines":[{}],}`, ` { "month" : "2026-01" , "lines" : [ { } ] } `,
	}
	for _, in := range inputs {
		t.Run(fmt.Sprintf("%.40q", in), func(t *testing.T) { sameStatementAsJSON(t, []byte(in)) })
	}
}

// TestFastStatementPostedRandom encodes random statements the way the
// ledger does and decodes them both ways.
func TestFastStatementPostedRandom(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	for range 500 {
		_, data, err := EncodeEvent(randomStatement(rng, 4, time.FixedZone("CST", 8*3600)))
		if err != nil {
			t.Fatal(err)
		}
		if !sameStatementAsJSON(t, data) && !strings.Contains(string(data), `\`) {
			t.Fatalf("the fast path declined what the ledger writes: %s", data)
		}
		if _, ok := fastStatementSummarized(data); !ok && !strings.Contains(string(data), `\`) {
			t.Fatalf("the summarising fast path declined what the ledger writes: %s", data)
		}
		var ind strings.Builder
		var v any
		_ = json.Unmarshal(data, &v)
		b, _ := json.MarshalIndent(v, "", "  ") // other key order and spacing
		ind.Write(b)
		sameStatementAsJSON(t, []byte(ind.String()))
	}
}

// randomStatement is a statement of up to maxLines-1 lines with odd words
// (escapes, '<&>', Chinese) and instants in zone.
func randomStatement(rng *rand.Rand, maxLines int, zone *time.Location) StatementPosted {
	words := []string{"ECS", "云服务器", "a b", "", "x\"y", "<&>", "tab\there", "é", "acc-000003-2025-01-0"}
	e := StatementPosted{Month: "2026-0" + fmt.Sprint(1+rng.IntN(9)), PostedAt: time.Date(2026, 2, 3, 9, rng.IntN(60), 0, rng.IntN(3)*rng.IntN(1e9), zone)}
	for range rng.IntN(maxLines) {
		e.Lines = append(e.Lines, StatementLine{
			LineID: words[rng.IntN(len(words))], Product: words[rng.IntN(len(words))],
			BillingMode: []BillingMode{Prepaid, Postpaid}[rng.IntN(2)],
			PurchasedAt: []string{"2026-01-15", OnlineCutoff, MerchantCutoff, "2018-01-30", "2020-10-28", "2019-05-05"}[rng.IntN(6)],
			Channel:     []Channel{ChannelKingsoft, ChannelMarketplaceSelf, ChannelMarketplaceMerchant}[rng.IntN(3)],
			Merchant:    words[rng.IntN(len(words))],
			Amount:      MustMoney(fmt.Sprintf("%d.%02d", rng.IntN(100000), rng.IntN(100))), Voucher: MustMoney(fmt.Sprint(rng.IntN(10))),
			Coupon: Zero, GiftBalance: MustMoney("0.5"),
		})
	}
	return e
}

func FuzzFastStatementPosted(f *testing.F) {
	f.Add([]byte(`{"month":"2026-01","lines":[{"amount":"1.00"}],"posted_at":"2026-02-03T09:00:00+08:00"}`))
	f.Add([]byte(`{"lines":[{"voucher":null}]}`))
	f.Fuzz(func(t *testing.T, data []byte) { sameStatementAsJSON(t, data) })
}

func TestFastInvoiceFields(t *testing.T) {
	types := map[string]reflect.Type{
		"InvoiceRequested": reflect.TypeFor[InvoiceRequested](), "InvoiceIssued": reflect.TypeFor[InvoiceIssued](),
		"InvoiceShipped": reflect.TypeFor[InvoiceShipped](), "InvoiceApproved": reflect.TypeFor[InvoiceApproved](),
		"InvoiceCancelled": reflect.TypeFor[InvoiceCancelled](),
		"ReturnRequested":  reflect.TypeFor[ReturnRequested](), "ReturnPaperReceived": reflect.TypeFor[ReturnPaperReceived](),
		"ReturnRejected": reflect.TypeFor[ReturnRejected](), "InvoiceRejected": reflect.TypeFor[InvoiceRejected](),
		"InvoiceVoided": reflect.TypeFor[InvoiceVoided](), "AddressAdded": reflect.TypeFor[AddressAdded](),
		"TitleSubmitted": reflect.TypeFor[TitleSubmitted](), "TitleApproved": reflect.TypeFor[TitleApproved](),
		"InvoiceRedFlushed": reflect.TypeFor[InvoiceRedFlushed](),
	}
	for _, d := range fastInvoiceDecoders {
		if n := members(types[d.typ]); n != d.fields {
			t.Errorf("%s has %d fields; teach its fast decoder the new one", d.typ, n)
		}
	}
	if n := reflect.TypeFor[Title]().NumField(); n != 8 {
		t.Errorf("Title has %d fields; teach titleFields the new one", n)
	}
	if n := reflect.TypeFor[Address]().NumField(); n != 7 {
		t.Errorf("Address has %d fields; teach addressFields the new one", n)
	}
}

// members counts the JSON members of a struct type: its fields, with those
// of an embedded struct (encoding/json flattens it) in its place.
func members(t reflect.Type) int {
	n := 0
	for _, f := range reflect.VisibleFields(t) {
		if !f.Anonymous && f.IsExported() {
			n++
		}
	}
	return n
}

func TestFastInvoiceDecodersMatchJSON(t *testing.T) {
	common := []string{
		`{}`, ``, `null`, `[]`, `{"invoice_id":null}`, `{"invoice_id":""}`, `{"invoice_id":"nope"}`,
		`{"invoice_id":"5f0c6f2e8a444c1b9d2e0a1b2c3d4e5f"}`, `{"invoice_id":"urn:uuid:5f0c6f2e-8a44-4c1b-9d2e-0a1b2c3d4e5f"}`,
		`{"invoice_id":"5f0c6f2e-8a44-4c1b-9d2e-0a1b2c3d4e5f","invoice_id":"5f0c6f2e-8a44-4c1b-9d2e-0a1b2c3d4e5f"}`,
		`{"Invoice_ID":"5f0c6f2e-8a44-4c1b-9d2e-0a1b2c3d4e5f"}`, `{"extra":1}`, `{"invoice_id":1}`, `{} x`, `{`,
	}
	specific := map[string][]string{
		"InvoiceRequested": {
			`{"statements":[]}`, `{"statements":null}`, `{"statements":["2026-01",]}`, `{"statements":["2026-01","2026-02"]}`,
			`{"statements":[1]}`, `{"amount":"1.505"}`, `{"amount":1.5}`, `{"amount":"1.50","kingsoft":"1","marketplace":"0.5"}`,
			`{"title":null}`, `{"title":{}}`, `{"title":{"name":"a","name":"b"}}`, `{"title":{"Name":"a"}}`, `{"title":{"name":"a\"b"}}`,
			`{"title":{"type":"vat_special","holder":"company","name":"n","taxpayer_id":"t","registered_address":"r","registered_phone":"p","bank_name":"b","bank_account":"c"}}`,
			`{"address":{"recipient":"张三","phone":"1","province":"p","city":"c","district":"d","street":"s","postal_code":"1"}}`,
			`{"address":{"x":1}}`, `{"address":[]}`, `{"exchange_of":null}`, `{"exchange_of":"bad"}`,
			`{"exchange_of":"0b7f6a55-1111-4222-8333-944455566677"}`, `{"requested_at":"2026-10-12T02:30:00Z","sla_due":"2026-10-15"}`,
			`{"requested_at":"yesterday"}`, "{\"sla_due\":\"\xff\"}",
		},
		"InvoiceIssued": {
			`{"invoice_code":"011001","invoice_number":"00000001","issued_on":"2026-10-13","issuer":"财务","tax_rate":"0.06","net_amount":"330.66","tax_amount":"19.84","issued_at":"2026-10-13T01:00:00Z"}`,
			`{"net_amount":null}`, `{"tax_amount":"-"}`, `{"issuer":"\u8d22"}`,
		},
		"InvoiceShipped": {
			`{"late":true}`, `{"late":false}`, `{"late":null}`, `{"late":"true"}`, `{"late":truex}`, `{"late":tru}`, `{"late":true,"late":false}`,
			`{"courier":"SF","tracking_number":"SF1","shipped_at":"2026-10-14T08:00:00+08:00","late":false}`,
		},
		"InvoiceApproved":  {`{"approved_at":"2026-10-13T01:00:00Z"}`, `{"approved_at":"2026-10-13T01:00:00Z "}`, `{"approved_at":0}`},
		"InvoiceCancelled": {`{"by":"customer","cancelled_at":"2026-10-13T01:00:00Z"}`, `{"by":"support","ticket":"T-1"}`, `{"by":7}`},
		"ReturnRequested": {
			`{"address_id":null}`, `{"address_id":"bad"}`, `{"address_id":"0b7f6a55-1111-4222-8333-944455566677"}`,
			`{"certified":true,"exchange":false,"red_letter_form_number":"1"}`, `{"certified":1}`, `{"reason":"a","requested_at":"2026-10-12T02:30:00Z"}`,
		},
		"ReturnPaperReceived": {`{"complete":true,"note":""}`, `{"complete":"x"}`, `{"received_at":"x"}`},
		"ReturnRejected":      {`{"reason":"r","rejected_at":"2026-10-12T02:30:00Z"}`, `{"reason":null}`},
		"InvoiceRejected":     {`{"reason":"r","rejected_at":"2026-10-12T02:30:00Z"}`, `{"rejected_at":null}`},
		"InvoiceVoided":       {`{"voided_at":"2026-10-12T02:30:00Z"}`, `{"voided_at":1}`},
		"AddressAdded": {
			`{"address_id":"a6d2c1b0-0000-4000-8000-000000000001"}`, `{"address_id":null}`, `{"address":null}`, `{"address":{}}`,
			`{"address":{"recipient":"a","recipient":"b"}}`, `{"address":{"Recipient":"a"}}`, `{"default":false}`, `{"default":0}`,
		},
		"TitleSubmitted": {
			`{"title_id":"5f0c6f2e-8a44-4c1b-9d2e-0a1b2c3d4e5f"}`, `{"title_id":"x"}`, `{"title":null}`, `{"title":{"type":"vat_general"}}`,
			`{"submitted_at":"2026-10-12T02:30:00Z"}`,
		},
		"TitleApproved": {`{"title_id":"5f0c6f2e-8a44-4c1b-9d2e-0a1b2c3d4e5f","automatic":true}`, `{"automatic":null}`, `{"approved_at":""}`},
		"InvoiceRedFlushed": {
			`{"red_amount":"1.505"}`, `{"red_amount":null}`, `{"red_amount":"0.00","red_invoice_code":"","red_invoice_number":"1"}`,
			`{"confirmation_id":null}`, `{"confirmation_id":"bad"}`, `{"confirmation_id":"0b7f6a55-1111-4222-8333-944455566677"}`,
			`{"red_issued_on":"2026-10-12","red_letter_form_number":"1101"}`, `{"red_flushed_at":"x"}`, `{"Red_Amount":"1.00"}`,
			`{"red_invoice_number":"1","red_invoice_number":"2"}`, `{"red_letter_form_number":7}`,
		},
	}
	for _, d := range fastInvoiceDecoders {
		golden, err := os.ReadFile("../testdata/events/" + d.typ + ".json")
		if err != nil {
			t.Fatal(err)
		}
		inputs := append([]string{string(golden)}, common...)
		for _, in := range append(inputs, specific[d.typ]...) {
			t.Run(fmt.Sprintf("%s/%.40q", d.typ, in), func(t *testing.T) { d.check(t, []byte(in)) })
		}
		if !d.check(t, golden) {
			t.Errorf("%s: the fast path declined the golden event", d.typ)
		}
	}
}

// TestFastInvoiceDecodersRandom encodes random events the way the ledger
// does and decodes them both ways, also re-indented in another key order.
func TestFastInvoiceDecodersRandom(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 6))
	words := []string{"ECS", "厦门某某科技有限公司", "a b", "", "x\"y", "<&>", "tab\there", "é"}
	w := func() string { return words[rng.IntN(len(words))] }
	amt := func() Money { return MustMoney(fmt.Sprintf("%d.%02d", rng.IntN(100000), rng.IntN(100))) }
	at := func() time.Time {
		return time.Date(2026, time.Month(1+rng.IntN(12)), 1+rng.IntN(28), rng.IntN(24), rng.IntN(60), 0, rng.IntN(2)*rng.IntN(1e9), time.FixedZone("CST", 8*3600))
	}
	id := func() uuid.UUID { return uuid.New() }
	for range 500 {
		var ex *uuid.UUID
		if rng.IntN(2) == 0 {
			x := id()
			ex = &x
		}
		events := []Event{
			InvoiceRequested{InvoiceID: id(), Statements: []string{"2026-01", w()}[:rng.IntN(3)], Amount: amt(), Kingsoft: amt(), Marketplace: amt(),
				Title:     Title{Type: VATGeneral, Holder: HolderCompany, Name: w(), TaxpayerID: w(), RegisteredAddress: w(), BankAccount: w()},
				Address:   Address{Recipient: w(), Phone: "13800138000", Province: w(), City: w(), District: w(), Street: w(), PostalCode: "100089"},
				AddressID: id(), RequestedAt: at(), SLADue: "2026-10-15", ExchangeOf: ex},
			InvoiceIssued{InvoiceID: id(), InvoiceCode: w(), InvoiceNumber: "00000001", IssuedOn: "2026-10-13", Issuer: w(), TaxRate: "0.06",
				NetAmount: amt(), TaxAmount: amt(), IssuedAt: at()},
			InvoiceShipped{InvoiceID: id(), Courier: w(), TrackingNumber: w(), ShippedAt: at(), Late: rng.IntN(2) == 0},
			InvoiceApproved{InvoiceID: id(), ApprovedAt: at()},
			InvoiceCancelled{InvoiceID: id(), By: RoleCustomer, Ticket: w(), CancelledAt: at()},
			ReturnRequested{InvoiceID: id(), Reason: w(), Certified: rng.IntN(2) == 0, RedLetterFormNumber: w(), Exchange: rng.IntN(2) == 0, AddressID: ex, RequestedAt: at()},
			ReturnPaperReceived{InvoiceID: id(), Complete: rng.IntN(2) == 0, Note: w(), ReceivedAt: at()},
			ReturnRejected{InvoiceID: id(), Rejection: Rejection{Reason: w(), RejectedAt: at()}},
			InvoiceRejected{InvoiceID: id(), Rejection: Rejection{Reason: w(), RejectedAt: at()}},
			InvoiceVoided{InvoiceID: id(), VoidedAt: at()},
			AddressAdded{AddressID: id(), Address: Address{Recipient: w(), Phone: "13800138000", Province: w(), City: w(), District: w(), Street: w(), PostalCode: "100089"},
				Default: rng.IntN(2) == 0},
			TitleSubmitted{TitleID: id(), Title: Title{Type: VATSpecial, Holder: HolderCompany, Name: w(), TaxpayerID: w(), RegisteredAddress: w(),
				RegisteredPhone: w(), BankName: w(), BankAccount: w()}, SubmittedAt: at()},
			TitleApproved{TitleID: id(), Automatic: rng.IntN(2) == 0, ApprovedAt: at()},
			InvoiceRedFlushed{InvoiceID: id(), RedInvoiceCode: w(), RedInvoiceNumber: w(), RedAmount: amt(), RedFlushedAt: at(),
				RedIssuedOn: []string{"", "2026-10-12"}[rng.IntN(2)], ConfirmationID: ex, RedLetterFormNumber: w()},
		}
		for i, e := range events {
			_, data, err := EncodeEvent(e)
			if err != nil {
				t.Fatal(err)
			}
			if !fastInvoiceDecoders[i].check(t, data) && !strings.Contains(string(data), `\`) {
				t.Fatalf("the fast path declined what the ledger writes: %s", data)
			}
			var v any
			_ = json.Unmarshal(data, &v)
			ind, _ := json.MarshalIndent(v, "", "  ") // other key order and spacing
			fastInvoiceDecoders[i].check(t, ind)
		}
	}
}

// FuzzFastInvoiceDecoders: the first byte picks the event type.
func FuzzFastInvoiceDecoders(f *testing.F) {
	for i, d := range fastInvoiceDecoders {
		golden, err := os.ReadFile("../testdata/events/" + d.typ + ".json")
		if err != nil {
			f.Fatal(err)
		}
		f.Add(append([]byte{byte(i)}, golden...))
	}
	f.Add([]byte("\x02{\"late\":true}"))
	f.Fuzz(func(t *testing.T, data []byte) {
		if len(data) == 0 {
			return
		}
		fastInvoiceDecoders[int(data[0])%len(fastInvoiceDecoders)].check(t, data[1:])
	})
}
