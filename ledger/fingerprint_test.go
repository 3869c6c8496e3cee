package ledger

import (
	"fmt"
	"math/rand/v2"
	"testing"

	"github.com/google/uuid"
	"github.com/shopspring/decimal"

	"github.com/fapiao/fapiao/domain"
)

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
