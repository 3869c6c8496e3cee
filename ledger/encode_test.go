package ledger

import (
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/shopspring/decimal"

	"github.com/fapiao/fapiao/domain"
	"github.com/fapiao/fapiao/eventstore"
	"github.com/fapiao/fapiao/internal/testkit"
)

// checkEncoder compares the event encoder's two forms with their
// definitions: json.Marshal's bytes and the event store's canonical form
// of them. It reports whether the encoder wrote e.
func checkEncoder(t *testing.T, x *domain.EventEncoder, e domain.Event) bool {
	t.Helper()
	typ, data, canon, ok := x.Encode(e)
	if !ok {
		return false
	}
	want, err := json.Marshal(e)
	if err != nil {
		t.Fatalf("%#v: the encoder wrote what json.Marshal refuses: %v", e, err)
	}
	wantCanon, err := eventstore.AppendCanonical(nil, want)
	if err != nil {
		t.Fatal(err)
	}
	if typ != e.EventType() || string(data) != string(want) || string(canon) != string(wantCanon) {
		t.Fatalf("%#v:\n type %s\n data  %s\n want  %s\n canon %s\n want  %s", e, typ, data, want, canon, wantCanon)
	}
	return true
}

func randomInstant(r *rand.Rand) time.Time {
	zones := []*time.Location{time.UTC, time.FixedZone("CST", 8*3600), time.FixedZone("", -5*3600-30*60), time.FixedZone("odd", 3600+17)}
	years := []int{2026, 1999, 9999, 10000, -1, 0}
	y := 2026
	if r.IntN(5) == 0 {
		y = years[r.IntN(len(years))]
	}
	ns := []int{0, 0, 123456789, 100000000, 5}[r.IntN(5)]
	return time.Date(y, time.Month(1+r.IntN(12)), 1+r.IntN(28), r.IntN(24), r.IntN(60), r.IntN(60), ns, zones[r.IntN(len(zones))])
}

func randomID(r *rand.Rand) uuid.UUID {
	var id uuid.UUID
	for i := range id {
		id[i] = byte(r.IntN(256))
	}
	return id
}

func randomTitle(r *rand.Rand) domain.Title {
	opt := func() string {
		if r.IntN(2) == 0 {
			return ""
		}
		return randomString(r)
	}
	return domain.Title{Type: domain.TitleType(randomString(r)), Holder: domain.Holder(randomString(r)), Name: randomString(r),
		TaxpayerID: opt(), RegisteredAddress: opt(), RegisteredPhone: opt(), BankName: opt(), BankAccount: opt()}
}

func randomAddress(r *rand.Rand) domain.Address {
	a := domain.Address{Recipient: randomString(r), Phone: randomString(r), Province: randomString(r), City: randomString(r),
		Street: randomString(r), PostalCode: randomString(r)}
	if r.IntN(2) == 0 {
		a.District = randomString(r)
	}
	return a
}

func randomEvent(r *rand.Rand) domain.Event {
	cmd := randomCommand(r)
	at := randomInstant(r)
	switch c := cmd.(type) {
	case domain.PostStatement:
		if len(c.Lines) > 0 && r.IntN(10) == 0 {
			c.Lines = append(c.Lines, make([]domain.StatementLine, 8)...) // past the encoder's bound
		}
		return domain.StatementPosted{Month: c.Month, Lines: c.Lines, PostedAt: at}
	case domain.RequestInvoice:
		e := domain.InvoiceRequested{InvoiceID: randomID(r), Statements: c.Statements, Amount: randomMoney(r), Kingsoft: randomMoney(r),
			Marketplace: randomMoney(r), Title: randomTitle(r), AddressID: c.AddressID, RequestedAt: at, SLADue: randomString(r),
			Address: randomAddress(r)}
		if r.IntN(8) == 0 {
			e.Medium, e.Emails = c.Medium, c.Emails
		}
		if r.IntN(8) == 0 {
			e.ExchangeOf = &c.AddressID
		}
		return e
	case domain.ApproveInvoice:
		return domain.InvoiceApproved{InvoiceID: c.InvoiceID, ApprovedAt: at}
	case domain.RejectInvoice:
		return domain.InvoiceRejected{InvoiceID: c.InvoiceID, Rejection: domain.Rejection{Reason: c.Reason, RejectedAt: at}}
	case domain.IssueInvoice:
		e := domain.InvoiceIssued{InvoiceID: c.InvoiceID, InvoiceCode: c.InvoiceCode, InvoiceNumber: c.InvoiceNumber, IssuedOn: c.IssuedOn,
			Issuer: randomString(r), TaxRate: c.TaxRate, NetAmount: randomMoney(r), TaxAmount: randomMoney(r), IssuedAt: at}
		if r.IntN(8) == 0 {
			e.Medium, e.DeliveredTo = domain.Medium(randomString(r)), randomStrings(r)
		}
		return e
	case domain.ShipInvoice:
		return domain.InvoiceShipped{InvoiceID: c.InvoiceID, Courier: c.Courier, TrackingNumber: c.TrackingNumber, ShippedAt: at, Late: r.IntN(2) == 0}
	case domain.CancelInvoice:
		return domain.InvoiceCancelled{InvoiceID: c.InvoiceID, By: c.By, Ticket: c.Ticket, CancelledAt: at}
	case domain.SubmitTitle:
		if r.IntN(2) == 0 {
			return domain.TitleApproved{TitleID: randomID(r), Automatic: r.IntN(2) == 0, ApprovedAt: at}
		}
		return domain.TitleSubmitted{TitleID: randomID(r), Title: c.Title, SubmittedAt: at}
	case domain.AddAddress:
		return domain.AddressAdded{AddressID: randomID(r), Address: c.Address, Default: c.Default}
	}
	panic("no event for " + typeName(cmd))
}

// TestEventEncoderIsTheDefinition: on every golden event and on random
// events of the types it writes, the event encoder's stored bytes are
// json.Marshal's and its canonical bytes the event store's canonical form
// of them, so stored events and their chain hashes are what they were.
func TestEventEncoderIsTheDefinition(t *testing.T) {
	t.Parallel()
	var x domain.EventEncoder
	written := 0
	for _, g := range testkit.GoldenEvents(t) {
		e, err := domain.DecodeEvent(g.Type, g.Data)
		if err != nil {
			t.Fatalf("%s: %v", g.Name, err)
		}
		if checkEncoder(t, &x, e) {
			written++
		}
	}
	if written < 10 {
		t.Fatalf("the encoder wrote only %d golden events", written)
	}
	r := rand.New(rand.NewPCG(17, 31))
	written = 0
	const n = 20000
	for range n {
		if checkEncoder(t, &x, randomEvent(r)) {
			written++
		}
	}
	if written < n/5 {
		t.Fatalf("the encoder wrote only %d of %d random events: the test proves little", written, n)
	}
}

// BenchmarkEventEncoding: the golden InvoiceRequested and StatementPosted
// written by reflection and made canonical, against the event encoder.
func BenchmarkEventEncoding(b *testing.B) {
	for _, typ := range []string{"InvoiceRequested", "StatementPosted"} {
		e, err := domain.DecodeEvent(typ, testkit.ReadGoldenEvent(b, typ))
		if err != nil {
			b.Fatal(err)
		}
		b.Run(typ+"/reflection", func(b *testing.B) {
			b.ReportAllocs()
			var c []byte
			for b.Loop() {
				_, data, _ := domain.EncodeEvent(e)
				c, _ = eventstore.AppendCanonical(c[:0], data)
			}
		})
		b.Run(typ+"/encoder", func(b *testing.B) {
			b.ReportAllocs()
			var x domain.EventEncoder
			for b.Loop() {
				x.Encode(e)
			}
		})
	}
}

// fingerprintStrings are plain strings and every kind the fast path must
// decline: escapes in either form, HTML characters, non-ASCII, invalid UTF-8.
var fingerprintStrings = []string{
	"", "a", "SF Express", "title mismatch", "2026-03", "l-2026-03-1", "ECS", "00000001", "0.13",
	"示例", "a<b", "a>b", "a&b", `say "hi"`, `back\slash`, "tab\there", "nl\n", "\x00", "\u2028", "\xff", "é", "~", "\x7f",
}

func randomString(r *rand.Rand) string {
	if r.IntN(3) == 0 {
		return fmt.Sprintf("s-%d", r.IntN(1000))
	}
	return fingerprintStrings[r.IntN(len(fingerprintStrings))]
}

func randomStrings(r *rand.Rand) []string {
	switch r.IntN(4) {
	case 0:
		return nil
	case 1:
		return []string{}
	}
	ss := make([]string, 1+r.IntN(3))
	for i := range ss {
		ss[i] = randomString(r)
	}
	return ss
}

func randomMoney(r *rand.Rand) domain.Money {
	if r.IntN(2) == 0 {
		return domain.MustMoney(fmt.Sprintf("%d.%02d", r.IntN(100000), r.IntN(100)))
	}
	return domain.MoneyFromDecimal(decimal.New(r.Int64N(1e12)-5e11, int32(r.IntN(6)-4)))
}

func randomCommand(r *rand.Rand) domain.Command {
	id := uuid.UUID{}
	if r.IntN(5) > 0 {
		for i := range id {
			id[i] = byte(r.IntN(256))
		}
	}
	switch r.IntN(9) {
	case 7:
		return domain.SubmitTitle{Title: randomTitle(r)}
	case 8:
		return domain.AddAddress{Address: randomAddress(r), Default: r.IntN(2) == 0}
	case 0:
		var lines []domain.StatementLine
		if r.IntN(5) > 0 {
			lines = make([]domain.StatementLine, r.IntN(3))
		}
		for i := range lines {
			lines[i] = domain.StatementLine{
				LineID: randomString(r), Product: randomString(r), BillingMode: domain.BillingMode(randomString(r)),
				PurchasedAt: randomString(r), Channel: domain.Channel(randomString(r)), Merchant: randomString(r),
				Amount: randomMoney(r), Voucher: randomMoney(r), Coupon: randomMoney(r), GiftBalance: randomMoney(r),
			}
			if r.IntN(2) == 0 {
				lines[i].Coupon, lines[i].GiftBalance = domain.Zero, domain.Money{}
			}
		}
		return domain.PostStatement{Month: randomString(r), Lines: lines}
	case 1:
		return domain.RequestInvoice{Statements: randomStrings(r), AddressID: id, Agree: r.IntN(2) == 0, Medium: domain.Medium(randomString(r)), Emails: randomStrings(r)}
	case 2:
		return domain.ApproveInvoice{InvoiceID: id}
	case 3:
		return domain.RejectInvoice{InvoiceID: id, Reason: randomString(r)}
	case 4:
		return domain.IssueInvoice{InvoiceID: id, InvoiceCode: randomString(r), InvoiceNumber: randomString(r), IssuedOn: randomString(r), TaxRate: randomString(r)}
	case 5:
		return domain.ShipInvoice{InvoiceID: id, Courier: randomString(r), TrackingNumber: randomString(r)}
	default:
		return domain.CancelInvoice{InvoiceID: id, By: domain.Role(randomString(r)), Ticket: randomString(r)}
	}
}

// TestCommandFingerprintIsTheDefinition holds the directly written
// fingerprint to its definition (the command marshalled, made canonical,
// hashed) on random commands of every type it writes, and checks that it
// does write most of them, and the commands of the bench's script.
func TestCommandFingerprintIsTheDefinition(t *testing.T) {
	t.Parallel()
	r := rand.New(rand.NewPCG(17, 30))
	fast := 0
	const n = 20000
	for i := range n {
		cmd := randomCommand(r)
		if got, want := commandHash(cmd), commandHashDefined(cmd); got != want {
			t.Fatalf("case %d %#v: fingerprint %s, by definition %s", i, cmd, got, want)
		}
		if _, ok := commandHashFast(cmd); ok {
			fast++
		}
	}
	if fast < n/4 {
		t.Fatalf("only %d of %d commands took the direct path: the test proves little", fast, n)
	}
	inv := uuid.MustParse("0b9a4a52-7f3e-4c1d-8a2b-3c4d5e6f7a8b")
	for _, cmd := range []domain.Command{
		domain.PostStatement{Month: "2026-01", Lines: []domain.StatementLine{{LineID: "l-1", Product: "ECS", BillingMode: domain.Prepaid, PurchasedAt: "2025-06-15", Channel: domain.ChannelKingsoft, Amount: domain.MustMoney("100.00"), Voucher: domain.MustMoney("1.00")}}},
		domain.RequestInvoice{Statements: []string{"2026-01"}, AddressID: inv, Agree: true},
		domain.ApproveInvoice{InvoiceID: inv},
		domain.IssueInvoice{InvoiceID: inv, InvoiceCode: "044031900111", InvoiceNumber: "00000001", IssuedOn: "2026-03-10"},
		domain.ShipInvoice{InvoiceID: inv, Courier: "SF Express", TrackingNumber: "SF0b9a4a527f"},
		domain.CancelInvoice{InvoiceID: inv, By: domain.RoleCustomer},
		domain.RejectInvoice{InvoiceID: inv, Reason: "title mismatch"},
	} {
		h, ok := commandHashFast(cmd)
		if !ok || h != commandHashDefined(cmd) {
			t.Errorf("%T: direct %q (ok %v), by definition %s", cmd, h, ok, commandHashDefined(cmd))
		}
	}
}
