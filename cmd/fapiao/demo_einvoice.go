package main

import (
	"fmt"
	"time"

	"github.com/google/uuid"

	"github.com/fapiao/fapiao/domain"
	"github.com/fapiao/fapiao/ledger"
)

// demoEmails are where acc-demo's e-invoices are delivered.
var demoEmails = []string{"finance@example.com", "ap@example.cn"}

// seedElectronic gives acc-demo an e-invoice in every state an electronic
// invoice can reach (under review, issuing, issued, cancelled, rejected,
// return requested, red-flushed: never voided or paper-received, EINV-4),
// confirmations that were confirmed, withdrawn and refused, one pending the
// customer's answer a few hours before its 72-hour deadline (RED-3), and
// e-invoice quotas for last month and this one (EINV-5). Its statements are
// older months posted late (STMT-1 sets only the earliest day), so that the
// steps stay in order; everything but the pending confirmation happens by
// day 25 of last month.
func seedElectronic(s *seeder, now time.Time) error {
	c := actorCustomer(demoAccount)
	S := s.month
	run := func(t time.Time, finance bool, cmd domain.Command) (*domain.Account, error) {
		actor := c
		if finance {
			actor = actorFinance
		}
		return s.exec(t, demoAccount, actor, cmd)
	}
	for i, k := range []int{10, 11, 12, 13, 14, 15} {
		if _, err := s.exec(s.at(1, 22, 8, i), demoAccount, actorBilling,
			domain.PostStatement{Month: S(k), Lines: demoLines(S(k), 1)}); err != nil {
			return err
		}
	}
	for i, month := range []string{S(1), S(0)} {
		led := ledger.New(s.store, ledger.Options{Clock: ledger.FixedClock(s.at(1, 22, 8, 30+i)), Issuer: s.issuer})
		if _, _, err := led.SetQuota(s.ctx, ledger.QuotaRequest{Month: month, Amount: "200000.00", Actor: actorFinance,
			IdempotencyKey: "demo-quota-" + month, CorrelationID: "demo-quota-" + month}); err != nil {
			return fmt.Errorf("demo quota %s: %w", month, err)
		}
	}
	apply := func(t time.Time, month string) (domain.InvoiceRequested, error) {
		a, err := run(t, false, domain.RequestInvoice{Statements: []string{month}, Agree: true, Medium: domain.Electronic, Emails: demoEmails})
		if err != nil {
			return domain.InvoiceRequested{}, err
		}
		inv := a.Invoices[a.InvoiceOrder[len(a.InvoiceOrder)-1]]
		return domain.InvoiceRequested{InvoiceID: inv.ID}, nil
	}
	issue := func(t time.Time, month string) (domain.InvoiceRequested, error) {
		r, err := apply(t, month)
		if err != nil {
			return r, err
		}
		if _, err := run(t.Add(time.Hour), true, domain.ApproveInvoice{InvoiceID: r.InvoiceID}); err != nil {
			return r, err
		}
		s.nextNo++
		on := t.Add(2 * time.Hour)
		number := domain.BusinessDate(on)[2:4] + fmt.Sprintf("%018d", 110000000000000000+s.nextNo)
		_, err = run(on, true, domain.IssueInvoice{InvoiceID: r.InvoiceID, InvoiceNumber: number, IssuedOn: domain.BusinessDate(on)})
		return r, err
	}
	nextRed := func(on time.Time) string {
		s.nextNo++
		return domain.BusinessDate(on)[2:4] + fmt.Sprintf("%018d", 120000000000000000+s.nextNo)
	}

	// Under review and issuing.
	if _, err := apply(s.at(1, 23, 9, 0), S(10)); err != nil {
		return err
	}
	issuing, err := apply(s.at(1, 23, 9, 10), S(11))
	if err != nil {
		return err
	}
	if _, err := run(s.at(1, 23, 9, 20), true, domain.ApproveInvoice{InvoiceID: issuing.InvoiceID}); err != nil {
		return err
	}
	// Cancelled, then rejected, over the same statement.
	cancelled, err := apply(s.at(1, 23, 9, 30), S(13))
	if err != nil {
		return err
	}
	if _, err := run(s.at(1, 23, 9, 40), false, domain.CancelInvoice{InvoiceID: cancelled.InvoiceID, By: domain.RoleCustomer}); err != nil {
		return err
	}
	rejected, err := apply(s.at(1, 23, 9, 50), S(13))
	if err != nil {
		return err
	}
	if _, err := run(s.at(1, 23, 10, 0), true, domain.RejectInvoice{InvoiceID: rejected.InvoiceID, Reason: "收票邮箱为个人邮箱，请改用公司邮箱"}); err != nil {
		return err
	}
	// Issued, with a return confirmation the customer entered and withdrew.
	issued, err := issue(s.at(1, 23, 11, 0), S(12))
	if err != nil {
		return err
	}
	a, err := run(s.at(1, 24, 9, 0), false, domain.EnterConfirmation{InvoiceID: issued.InvoiceID, By: domain.RoleCustomer,
		Reason: domain.ReasonServiceTerminated, Booked: true})
	if err != nil {
		return err
	}
	if _, err := run(s.at(1, 24, 9, 30), false, domain.WithdrawConfirmation{ConfirmationID: last(a), By: domain.RoleCustomer}); err != nil {
		return err
	}
	// Red-flushed: the customer's booked return confirmation, confirmed by
	// finance (after an earlier one finance refused), and the red invoice.
	flushed, err := issue(s.at(1, 24, 10, 0), S(15))
	if err != nil {
		return err
	}
	if a, err = run(s.at(1, 24, 14, 0), false, domain.EnterConfirmation{InvoiceID: flushed.InvoiceID, By: domain.RoleCustomer,
		Reason: domain.ReasonSalesAllowance, Booked: true}); err != nil {
		return err
	}
	if _, err := run(s.at(1, 24, 15, 0), true, domain.RefuseConfirmation{ConfirmationID: last(a), By: domain.RoleFinance,
		Reason: "销售折让需部分冲红，请按服务中止整张退回"}); err != nil {
		return err
	}
	if a, err = run(s.at(1, 24, 16, 0), false, domain.EnterConfirmation{InvoiceID: flushed.InvoiceID, By: domain.RoleCustomer,
		Reason: domain.ReasonServiceTerminated, Booked: true}); err != nil {
		return err
	}
	cid := last(a)
	if _, err := run(s.at(1, 25, 9, 0), true, domain.ConfirmConfirmation{ConfirmationID: cid, By: domain.RoleFinance}); err != nil {
		return err
	}
	on := s.at(1, 25, 10, 0)
	if _, err := run(on, true, domain.RedFlushInvoice{InvoiceID: flushed.InvoiceID, RedInvoiceNumber: nextRed(on), ConfirmationID: &cid}); err != nil {
		return err
	}
	// Return requested, and finance's confirmation pending the customer,
	// entered 70 hours ago: it expires two hours into the demo.
	returning, err := issue(s.at(1, 25, 11, 0), S(14))
	if err != nil {
		return err
	}
	if _, err := run(s.at(1, 25, 15, 0), false, domain.RequestReturn{InvoiceID: returning.InvoiceID, Reason: "服务已中止，申请退票"}); err != nil {
		return err
	}
	_, err = run(now.Add(-70*time.Hour).Truncate(time.Minute), true, domain.EnterConfirmation{InvoiceID: returning.InvoiceID,
		By: domain.RoleFinance, Reason: domain.ReasonServiceTerminated, Booked: true})
	return err
}

// last is the account's newest confirmation.
func last(a *domain.Account) uuid.UUID { return a.ConfirmationOrder[len(a.ConfirmationOrder)-1] }
