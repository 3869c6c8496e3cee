package audit_test

import (
	"bytes"
	"context"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/fapiao/fapiao/cmd/fapiao/internal/audit"
	"github.com/fapiao/fapiao/domain"
	"github.com/fapiao/fapiao/eventstore"
	"github.com/fapiao/fapiao/ledger"
)

// seedElectronic writes an e-invoice history through the ledger: a quota
// set, two electronic invoices issued, one red-flushed through a confirmed
// return confirmation, the other with a seller-entered confirmation that
// expired (RED-3) and a return whose exchange failed for want of a title
// (RETURN-6), red-flushed through a not-required confirmation.
func seedElectronic(t testing.TB, store eventstore.Store) {
	s := &seeder{t: t, store: store}
	led := ledger.New(store, ledger.Options{Clock: fixedClock(cst(3, 2, 9, 0))})
	_, _, err := led.SetQuota(context.Background(), ledger.QuotaRequest{Month: "2026-03", Amount: "1000.00", Actor: finance,
		IdempotencyKey: "fixture-quota", CorrelationID: "corr-quota"})
	require.NoError(t, err)
	s.exec(cst(2, 3, 9, 0), "acc-e", billing, domain.PostStatement{Month: "2026-01", Lines: lines("2026-01", "100.00")})
	s.exec(cst(3, 3, 9, 0), "acc-e", billing, domain.PostStatement{Month: "2026-02", Lines: lines("2026-02", "200.00")})
	s.exec(cst(3, 5, 10, 0), "acc-e", customer("acc-e"), domain.SubmitTitle{Title: title})
	emails := []string{"ap@example.com"}
	a := s.exec(cst(3, 5, 10, 1), "acc-e", customer("acc-e"), domain.RequestInvoice{Statements: []string{"2026-01"}, Agree: true, Medium: domain.Electronic, Emails: emails})
	inv1 := a.InvoiceOrder[0]
	a = s.exec(cst(3, 5, 10, 2), "acc-e", customer("acc-e"), domain.RequestInvoice{Statements: []string{"2026-02"}, Agree: true, Medium: domain.Electronic, Emails: emails})
	inv2 := a.InvoiceOrder[1]
	for i, number := range []string{"26000000000000000001", "26000000000000000002"} {
		id := a.InvoiceOrder[i]
		s.exec(cst(3, 5, 11, i), "acc-e", finance, domain.ApproveInvoice{InvoiceID: id})
		s.exec(cst(3, 6, 11, i), "acc-e", finance, domain.IssueInvoice{InvoiceID: id, InvoiceNumber: number, IssuedOn: "2026-03-06"})
	}
	a = s.exec(cst(3, 9, 9, 0), "acc-e", customer("acc-e"), domain.EnterConfirmation{InvoiceID: inv1, By: domain.RoleCustomer,
		Reason: domain.ReasonServiceTerminated, Booked: true})
	c1 := a.ConfirmationOrder[0]
	s.exec(cst(3, 9, 10, 0), "acc-e", finance, domain.ConfirmConfirmation{ConfirmationID: c1, By: domain.RoleFinance})
	s.exec(cst(3, 9, 11, 0), "acc-e", finance, domain.RedFlushInvoice{InvoiceID: inv1, RedInvoiceNumber: "26000000000000000003", ConfirmationID: &c1})
	a = s.exec(cst(3, 10, 9, 0), "acc-e", finance, domain.EnterConfirmation{InvoiceID: inv2, By: domain.RoleFinance,
		Reason: domain.ReasonIssuingError, Booked: true})
	c2 := a.ConfirmationOrder[1]
	s.exec(cst(3, 13, 9, 0), "acc-e", eventstore.Actor{Role: "system", ID: "deadline-scheduler"}, domain.ExpireConfirmation{ConfirmationID: c2})
	s.exec(cst(3, 16, 9, 0), "acc-e", customer("acc-e"), domain.RequestReturn{InvoiceID: inv2, Reason: "名称有误", Exchange: true})
	a = s.exec(cst(3, 16, 10, 0), "acc-e", finance, domain.EnterConfirmation{InvoiceID: inv2, By: domain.RoleFinance, Reason: domain.ReasonIssuingError})
	c3 := a.ConfirmationOrder[2]
	s.exec(cst(3, 16, 11, 0), "acc-e", eventstore.Actor{Role: "support", ID: "sup-1"}, domain.ClearTitle{Reason: "renamed", Ticket: "T-1"})
	s.exec(cst(3, 16, 12, 0), "acc-e", finance, domain.RedFlushInvoice{InvoiceID: inv2, RedInvoiceNumber: "26000000000000000004", ConfirmationID: &c3})
}

// TestAuditElectronic: export, import (which verifies every chain, the
// quota and number streams included), replay and reconcile cover every
// e-invoice event, with golden files.
func TestAuditElectronic(t *testing.T) {
	t.Parallel()
	src := newBolt(t)
	seedElectronic(t, src)
	out := export(t, src)
	checkGolden(t, "export_electronic.jsonl", []byte(out))
	for _, typ := range []string{"QuotaSet", "QuotaUsed", "InvoiceNumberReserved", "RedLetterConfirmationEntered", "RedLetterConfirmationConfirmed",
		"RedLetterConfirmationExpired", "ExchangeFailed", `"medium":"electronic"`, `"confirmation_id"`} {
		require.Contains(t, out, typ)
	}

	dst := newBolt(t)
	var log bytes.Buffer
	res, err := audit.ImportLog(context.Background(), dst, strings.NewReader(out), nil, &log)
	require.NoError(t, err)
	require.Equal(t, out, export(t, dst))
	require.Positive(t, res.Copied)

	rep, err := audit.Replay(context.Background(), dst, audit.ReplayOptions{Account: "acc-e"})
	require.NoError(t, err)
	cfs := rep.Accounts[0].Confirmations
	require.Len(t, cfs, 3)
	require.Equal(t, []domain.ConfirmationStatus{domain.ConfirmationConfirmed, domain.ConfirmationExpired, domain.ConfirmationNotRequired},
		[]domain.ConfirmationStatus{cfs[0].Status, cfs[1].Status, cfs[2].Status})
	require.NotNil(t, rep.Accounts[0].Invoices[1].ExchangeFailure)
	checkGolden(t, "replay_electronic.json", replayJSON(t, rep))

	for _, tc := range []struct{ format, golden string }{
		{audit.FormatJSON, "reconcile_electronic_2026-03.json"},
		{audit.FormatCSV, "reconcile_electronic_2026-03.csv"},
	} {
		var buf bytes.Buffer
		r, err := audit.Reconcile(context.Background(), dst, "2026-03", reportNow, false, tc.format, &buf)
		require.NoError(t, err)
		require.True(t, r.OK)
		e := r.Tax.ByMedium[domain.Electronic]
		require.Equal(t, 2, e.Issued.Count)
		require.Equal(t, 2, e.RedFlushed.Count)
		checkGolden(t, tc.golden, buf.Bytes())
	}
}

// TestAuditElectronicMigrateAndVerify: the quota and number streams migrate
// to EventStoreDB with the account streams (its subscription prefixes know
// them) and verify there.
func TestAuditElectronicMigrateAndVerify(t *testing.T) {
	t.Parallel()
	from, to := newBolt(t), newESDB(t)
	seedElectronic(t, from)
	n := len(readAll(t, from))
	var out bytes.Buffer
	res, err := audit.Migrate(context.Background(), from, to, nil, &out)
	require.NoError(t, err)
	require.Equal(t, n, res.Copied)
	requireSameLog(t, from, to)
	ver, err := audit.Verify(context.Background(), to, &out)
	require.NoError(t, err)
	require.Equal(t, n, ver.Events)
	// acc-e, quota-2026-03 and four invoice-number streams (two blue, two red).
	require.Equal(t, 6, ver.Streams)
}
