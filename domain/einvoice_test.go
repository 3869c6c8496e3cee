package domain

import (
	"strings"
	"testing"

	"github.com/google/uuid"
)

var testEmails = []string{"ap@example.com"}

// eRequest applies electronically for months and returns the invoice's ID.
func eRequest(t testing.TB, a *Account, env Env, months ...string) uuid.UUID {
	t.Helper()
	evs := must(t, a, env, RequestInvoice{Statements: months, Agree: true, Medium: Electronic, Emails: testEmails})
	return evs[0].(InvoiceRequested).InvoiceID
}

// eIssued takes a new electronic application over months to issued on env's date.
func eIssued(t testing.TB, a *Account, env Env, number string, months ...string) uuid.UUID {
	t.Helper()
	id := eRequest(t, a, env, months...)
	must(t, a, env, ApproveInvoice{InvoiceID: id})
	must(t, a, env, IssueInvoice{InvoiceID: id, InvoiceNumber: number, IssuedOn: BusinessDate(env.Now)})
	return id
}

const eNum1, eNum2, eNum3 = "26110000000000000001", "26110000000000000002", "26110000000000000003"

func TestEINV1_ElectronicApplicationNeedsEmailsNoAddress(t *testing.T) {
	t.Parallel()
	long := strings.Repeat("a", 64) + "@" + strings.Repeat("b", 185) + ".com" // 254 characters
	tooLong := "x" + long
	cases := []struct {
		name   string
		cmd    RequestInvoice
		field  string
		wantOK bool
	}{
		{"one email", RequestInvoice{Medium: Electronic, Emails: []string{"a@example.com"}}, "", true},
		{"three emails", RequestInvoice{Medium: Electronic, Emails: []string{"a@example.com", "b@example.com", "c.d+x@mail.example.cn"}}, "", true},
		{"254 characters", RequestInvoice{Medium: Electronic, Emails: []string{long}}, "", true},
		{"no emails", RequestInvoice{Medium: Electronic}, "emails", false},
		{"four emails", RequestInvoice{Medium: Electronic, Emails: []string{"a@x.com", "b@x.com", "c@x.com", "d@x.com"}}, "emails", false},
		{"display name", RequestInvoice{Medium: Electronic, Emails: []string{"Zhang San <a@example.com>"}}, "emails[0]", false},
		{"angle brackets", RequestInvoice{Medium: Electronic, Emails: []string{"<a@example.com>"}}, "emails[0]", false},
		{"no at", RequestInvoice{Medium: Electronic, Emails: []string{"example.com"}}, "emails[0]", false},
		{"no dot in domain", RequestInvoice{Medium: Electronic, Emails: []string{"a@localhost"}}, "emails[0]", false},
		{"too long", RequestInvoice{Medium: Electronic, Emails: []string{tooLong}}, "emails[0]", false},
		{"twice", RequestInvoice{Medium: Electronic, Emails: []string{"a@x.com", "A@x.com"}}, "emails[1]", false},
		{"electronic with address", RequestInvoice{Medium: Electronic, Emails: testEmails, AddressID: uuid.New()}, "address_id", false},
		{"paper with emails", RequestInvoice{Emails: testEmails}, "emails", false},
		{"unknown medium", RequestInvoice{Medium: "fax"}, "medium", false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			a, env := readyAccount(t, VATSpecial) // both title types may be electronic
			tc.cmd.Statements, tc.cmd.Agree = []string{"2026-07"}, true
			evs, err := tc.cmd.Decide(a, env)
			if !tc.wantOK {
				wantRule(t, err, "EINV-1", FieldRule, tc.field)
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			e := evs[0].(InvoiceRequested)
			if e.Medium != Electronic || len(e.Emails) != len(tc.cmd.Emails) || e.AddressID != uuid.Nil || e.Address != (Address{}) {
				t.Fatalf("%+v", e)
			}
			a.Apply(e)
			if inv := a.Invoice(e.InvoiceID); inv.Medium != Electronic || len(inv.Emails) == 0 {
				t.Fatalf("%+v", inv)
			}
		})
	}
}

func TestEINV1_ElectronicNeedsNoAddressButPaperStillDoes(t *testing.T) {
	t.Parallel()
	a, env := readyAccount(t, VATGeneral)
	must(t, a, env, RemoveAddress{AddressID: a.Addresses[0].ID})
	_, err := RequestInvoice{Statements: []string{"2026-07"}, Agree: true}.Decide(a, env)
	wantRule(t, err, "APP-1", StateRule, "")
	id := eRequest(t, a, env, "2026-07")
	if a.Invoice(id).Medium != Electronic || a.Statements["2026-07"].Status != StatementReserved {
		t.Fatal("electronic application without an address failed")
	}
	// Paper remains the default medium.
	b, env := readyAccount(t, VATGeneral)
	pid := request(t, b, env, "2026-07")
	if b.Invoice(pid).Medium != Paper {
		t.Fatalf("default medium %q", b.Invoice(pid).Medium)
	}
}

func TestEINV2_ElectronicIssueTwentyDigitsYearPrefixNoCode(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name, code, number, field string
	}{
		{"with a code", "1100000000", eNum1, "invoice_code"},
		{"19 digits", "", eNum1[:19], "invoice_number"},
		{"letters", "", "2611000000000000000A", "invoice_number"},
		{"wrong year", "", "25110000000000000001", "invoice_number"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			a, env := readyAccount(t, VATGeneral)
			id := eRequest(t, a, env, "2026-07")
			must(t, a, env, ApproveInvoice{InvoiceID: id})
			_, err := IssueInvoice{InvoiceID: id, InvoiceCode: tc.code, InvoiceNumber: tc.number, IssuedOn: "2026-10-12"}.Decide(a, env)
			wantRule(t, err, "EINV-2", FieldRule, tc.field)
		})
	}
	a, env := readyAccount(t, VATGeneral)
	id := eIssued(t, a, env, eNum1, "2026-07")
	inv := a.Invoice(id)
	if inv.Status != Issued || inv.InvoiceCode != "" || inv.InvoiceNumber != eNum1 || strings.Join(inv.DeliveredTo, ",") != testEmails[0] {
		t.Fatalf("%+v", inv)
	}
	if inv.NetAmount.String() != "141.51" || inv.TaxAmount.String() != "8.49" {
		t.Fatalf("net %s tax %s", inv.NetAmount, inv.TaxAmount)
	}
	// Delivered on issue: no ship step.
	_, err := ShipInvoice{InvoiceID: id, Courier: "SF", TrackingNumber: "1"}.Decide(a, env)
	wantRule(t, err, "EINV-2", StateRule, "")
	if acts := inv.Actions(RoleFinance); strings.Contains(strings.Join(acts, ","), "ship") {
		t.Fatalf("finance actions %v", acts)
	}
	// ISSUE-2: the number is unique with every other number of the account.
	id2 := eRequest(t, a, env, "2026-08")
	must(t, a, env, ApproveInvoice{InvoiceID: id2})
	_, err = IssueInvoice{InvoiceID: id2, InvoiceNumber: eNum1, IssuedOn: "2026-10-12"}.Decide(a, env)
	wantRule(t, err, "ISSUE-2", StateRule, "")
}

func TestEINV3_DueByEndOfFirstBusinessDayAfterApplication(t *testing.T) {
	t.Parallel()
	cases := []struct{ appliedAt, due string }{
		{"2026-10-12T10:00:00+08:00", "2026-10-13"}, // Monday → Tuesday
		{"2026-10-16T23:59:00+08:00", "2026-10-19"}, // Friday → Monday
		{"2026-10-17T10:00:00+08:00", "2026-10-19"}, // Saturday → Monday
		{"2026-09-30T10:00:00+08:00", "2026-10-08"}, // before National Day (10-01..07 off in the calendar) → first working day after it
	}
	for _, tc := range cases {
		a, env := readyAccount(t, VATGeneral)
		env = withNow(env, tc.appliedAt)
		id := eRequest(t, a, env, "2026-07")
		inv := a.Invoice(id)
		if inv.SLADue != tc.due {
			t.Errorf("applied %s: due %s, want %s", tc.appliedAt, inv.SLADue, tc.due)
		}
		if inv.IssueLate(at(tc.due+"T23:59:00+08:00")) || !inv.IssueLate(at(tc.due+"T23:59:00+08:00").Add(2*60e9)) {
			t.Errorf("applied %s: late flag wrong around the end of %s", tc.appliedAt, tc.due)
		}
	}
	// Paper keeps SHIP-1's three business days.
	a, env := readyAccount(t, VATGeneral)
	if due := a.Invoice(request(t, a, env, "2026-07")).SLADue; due != "2026-10-15" {
		t.Fatalf("paper due %s", due)
	}
}

func TestEINV4_ElectronicNeverVoidedNoPaper(t *testing.T) {
	t.Parallel()
	a, env := readyAccount(t, VATSpecial)
	id := eIssued(t, a, env, eNum1, "2026-07")
	_, err := RequestReturn{InvoiceID: id, Reason: "r", Certified: true, RedLetterFormNumber: "F"}.Decide(a, env)
	wantRule(t, err, "RETURN-2", FieldRule, "certified")
	// A vat_special e-invoice is returned without saying certified (EINV-4).
	must(t, a, env, RequestReturn{InvoiceID: id, Reason: "wrong name", CertifiedUnstated: true})
	_, err = VoidInvoice{InvoiceID: id}.Decide(a, env)
	wantRule(t, err, "EINV-4", StateRule, "")
	_, err = ReceiveReturnPaper{InvoiceID: id, Complete: true}.Decide(a, env)
	wantRule(t, err, "EINV-4", StateRule, "")
	for _, r := range []Role{RoleFinance, RoleCustomer} {
		if acts := strings.Join(a.Invoice(id).Actions(r), ","); strings.Contains(acts, "void") || strings.Contains(acts, "paper_received") {
			t.Fatalf("%s actions %s", r, acts)
		}
	}
}

func TestEINV5_QuotaNeverExceeded(t *testing.T) {
	t.Parallel()
	now := at("2026-10-12T10:00:00+08:00")
	q := NewQuota("2026-10")
	// No quota: no limit, but uses are counted.
	evs, err := DecideUseQuota(q, "acc-1", uuid.New(), MustMoney("900.00"), now)
	if err != nil || len(evs) != 1 {
		t.Fatal(err)
	}
	q.Apply(evs[0])
	for _, bad := range []string{"-1.00", "1.001", "abc", ""} {
		_, err := DecideSetQuota(q, bad, now)
		wantRule(t, err, "EINV-5", FieldRule, "amount")
	}
	_, err = DecideSetQuota(q, "899.99", now)
	wantRule(t, err, "EINV-5", StateRule, "")
	evs, err = DecideSetQuota(q, "1000.00", now)
	if err != nil {
		t.Fatal(err)
	}
	q.Apply(evs[0])
	if r := q.Remaining(); r == nil || r.String() != "100.00" {
		t.Fatalf("remaining %v", r)
	}
	id := uuid.New()
	_, err = DecideUseQuota(q, "acc-1", id, MustMoney("100.01"), now)
	wantRule(t, err, "EINV-5", StateRule, "")
	evs, err = DecideUseQuota(q, "acc-1", id, MustMoney("100.00"), now)
	if err != nil {
		t.Fatal(err)
	}
	q.Apply(evs[0])
	// A retry of the same invoice takes nothing more.
	if evs, err := DecideUseQuota(q, "acc-1", id, MustMoney("100.00"), now); err != nil || len(evs) != 0 {
		t.Fatalf("retry: %v %v", evs, err)
	}
	q.Apply(DecideReleaseQuota(q, id, now)[0])
	if q.Used.String() != "900.00" {
		t.Fatalf("used %s after release", q.Used)
	}
	if err := CheckMonth("2026-13"); err == nil {
		t.Fatal("month 13 accepted")
	}
}
