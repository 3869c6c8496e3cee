package domain

import "testing"

func TestBAL1_StatementStatusFollowsInvoice(t *testing.T) {
	t.Parallel()
	a, env := readyAccount(t, VATGeneral)
	st := func() StatementStatus { return a.Statements["2026-07"].Status }
	if st() != StatementAvailable {
		t.Fatalf("posted statement is %s", st())
	}
	id := request(t, a, env, "2026-07")
	if st() != StatementReserved || a.Statements["2026-07"].InvoiceID != id {
		t.Fatalf("after request: %s", st())
	}
	must(t, a, env, ApproveInvoice{InvoiceID: id})
	if st() != StatementReserved {
		t.Fatalf("issuing: %s", st())
	}
	must(t, a, env, IssueInvoice{InvoiceID: id, InvoiceCode: "1100000000", InvoiceNumber: "00000001", IssuedOn: "2026-10-12"})
	if st() != StatementInvoiced {
		t.Fatalf("issued: %s", st())
	}
	must(t, a, env, RequestReturn{InvoiceID: id, Reason: "wrong title"})
	if st() != StatementInvoiced {
		t.Fatalf("return requested: %s", st())
	}
}

func TestBAL2_AvailableBalanceSplit(t *testing.T) {
	t.Parallel()
	a, env := readyAccount(t, VATGeneral)
	b := a.Balance()
	if b.Kingsoft.String() != "300.00" || b.Marketplace.String() != "50.00" || b.Total.String() != "350.00" || b.Offline.String() != "30.00" {
		t.Fatalf("balance %+v", b)
	}
	request(t, a, env, "2026-07")
	b = a.Balance()
	if b.Kingsoft.String() != "200.00" || b.Marketplace.String() != "0.00" || b.Total.String() != "200.00" || b.Reserved.String() != "150.00" {
		t.Fatalf("after request %+v", b)
	}
	// Offline and merchant are shown over all statements, whatever their status.
	if b.Offline.String() != "30.00" {
		t.Fatalf("offline %s", b.Offline)
	}
}

func TestBAL3_Conservation(t *testing.T) {
	t.Parallel()
	a, env := readyAccount(t, VATGeneral)
	check := func(step string) {
		t.Helper()
		b := a.Balance()
		if !b.Total.Add(b.Reserved).Add(b.Invoiced).Equal(b.Statements) || b.Statements.String() != "350.00" {
			t.Fatalf("%s: %+v", step, b)
		}
		checkInvariants(t, a)
	}
	check("start")
	id := issued(t, a, env, "1100000000", "00000001", "2026-07")
	request(t, a, env, "2026-08")
	check("one issued, one reserved")
	if b := a.Balance(); b.Invoiced.String() != "150.00" || b.Reserved.String() != "200.00" || !b.Total.IsZero() {
		t.Fatalf("%+v", b)
	}
	must(t, a, env, RequestReturn{InvoiceID: id, Reason: "r"})
	must(t, a, env, ReceiveReturnPaper{InvoiceID: id, Complete: true})
	must(t, a, env, VoidInvoice{InvoiceID: id})
	check("voided")
}
