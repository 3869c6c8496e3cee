package main

import (
	"context"
	"fmt"
	"time"

	"github.com/google/uuid"

	"github.com/fapiao/fapiao/domain"
	"github.com/fapiao/fapiao/eventstore"
	"github.com/fapiao/fapiao/ledger"
)

// Demo accounts.
const (
	demoAccount  = "acc-demo"
	demoAccount2 = "acc-demo-2"
)

// seeder writes the demo history through the ledger, step by step in
// chronological order. Every step runs on a ledger whose clock stands at the
// step's instant, so the events carry a believable past business time (to
// the second, not drifting by the microseconds a running clock would add); every instant lies in a month before now's, so the demo
// never writes the future whatever day it is started on.
type seeder struct {
	ctx    context.Context
	store  eventstore.Store
	issuer string
	cur    time.Time // midnight on the first day of now's month, Asia/Shanghai
	last   time.Time // the last step's instant: steps must not go back in time
	step   int
	nextNo int // invoice numbers, unique across the demo ledger (ISSUE-2)
	// home and office are acc-demo's addresses.
	home, office uuid.UUID
}

// at returns the instant k months before now's month, on day, at hh:mm
// Asia/Shanghai.
func (s *seeder) at(k, day, hh, mm int) time.Time {
	return time.Date(s.cur.Year(), s.cur.Month()-time.Month(k), day, hh, mm, 0, 0, domain.Shanghai())
}

// month returns the YYYY-MM k months before now's month.
func (s *seeder) month(k int) string { return s.at(k, 1, 0, 0).Format(domain.MonthLayout) }

// exec runs one command for acc at instant t as actor and returns the
// account after it.
func (s *seeder) exec(t time.Time, acc string, actor eventstore.Actor, cmd domain.Command) (*domain.Account, error) {
	if t.Before(s.last) {
		return nil, fmt.Errorf("demo step %d goes back in time (%s before %s)", s.step+1, t, s.last)
	}
	s.last = t
	s.step++
	led := ledger.New(s.store, ledger.Options{Clock: ledger.FixedClock(t), Issuer: s.issuer})
	res, err := led.Execute(s.ctx, ledger.Request{
		AccountID:      acc,
		Command:        cmd,
		Actor:          actor,
		IdempotencyKey: fmt.Sprintf("demo-%03d", s.step),
	})
	if err != nil {
		return nil, fmt.Errorf("demo step %d (%T on %s at %s): %w", s.step, cmd, acc, t.Format(time.RFC3339), err)
	}
	return res.Account, nil
}

var (
	actorBilling  = eventstore.Actor{Role: string(domain.RoleBilling), ID: "billing"}
	actorFinance  = eventstore.Actor{Role: string(domain.RoleFinance), ID: "finance"}
	actorCustomer = func(acc string) eventstore.Actor {
		return eventstore.Actor{Role: string(domain.RoleCustomer), ID: acc}
	}
)

// invoice helpers: each returns the invoice's ID.

func (s *seeder) apply(t time.Time, acc string, addr uuid.UUID, months ...string) (uuid.UUID, error) {
	a, err := s.exec(t, acc, actorCustomer(acc), domain.RequestInvoice{Statements: months, AddressID: addr, Agree: true})
	if err != nil {
		return uuid.Nil, err
	}
	return a.InvoiceOrder[len(a.InvoiceOrder)-1], nil
}

// issueAndShip approves an application at t, issues it the next day and
// ships it the day after.
func (s *seeder) issueAndShip(t time.Time, acc string, id uuid.UUID) error {
	if _, err := s.exec(t, acc, actorFinance, domain.ApproveInvoice{InvoiceID: id}); err != nil {
		return err
	}
	issued := t.Add(24 * time.Hour)
	s.nextNo++
	if _, err := s.exec(issued, acc, actorFinance, domain.IssueInvoice{
		InvoiceID:     id,
		InvoiceCode:   "011002300111",
		InvoiceNumber: fmt.Sprintf("%08d", 10000000+s.nextNo),
		IssuedOn:      domain.BusinessDate(issued),
	}); err != nil {
		return err
	}
	_, err := s.exec(issued.Add(24*time.Hour), acc, actorFinance, domain.ShipInvoice{
		InvoiceID: id, Courier: "顺丰速运", TrackingNumber: fmt.Sprintf("SF13%09d", 400000000+s.nextNo),
	})
	return err
}

// execDemo runs a command on the demo account.
func (s *seeder) execDemo(t time.Time, actor eventstore.Actor, cmd domain.Command) error {
	_, err := s.exec(t, demoAccount, actor, cmd)
	return err
}

// shipped is a demo-account application of months to the home address,
// made at applied, then approved at approved, issued and shipped
// (issueAndShip).
func (s *seeder) shipped(applied, approved time.Time, months ...string) (uuid.UUID, error) {
	id, err := s.apply(applied, demoAccount, s.home, months...)
	if err != nil {
		return uuid.Nil, err
	}
	return id, s.issueAndShip(approved, demoAccount, id)
}

// demoLines makes a month's statement lines: the provider's own prepaid
// products, the self-operated marketplace, a merchant's product (invoiced by
// the merchant), a postpaid line (offline), an old subscription bought
// before 2018-01-31 (offline), and vouchers, coupons and gift balance.
func demoLines(month string, scale int) []domain.StatementLine {
	day := func(d int) string { return fmt.Sprintf("%s-%02d", month, d) }
	m := func(yuan int, fen int) domain.Money { return domain.MustMoney(fmt.Sprintf("%d.%02d", yuan*scale, fen)) }
	zero := domain.MustMoney("0.00")
	return []domain.StatementLine{
		{LineID: month + "-kec", Product: "云服务器 KEC", BillingMode: domain.Prepaid, PurchasedAt: day(1),
			Channel: domain.ChannelKingsoft, Amount: m(1200, 0), Voucher: m(100, 0), Coupon: zero, GiftBalance: zero},
		{LineID: month + "-ks3", Product: "对象存储 KS3", BillingMode: domain.Prepaid, PurchasedAt: day(2),
			Channel: domain.ChannelKingsoft, Amount: m(356, 80), Voucher: zero, Coupon: m(20, 0), GiftBalance: m(6, 80)},
		{LineID: month + "-mkt-self", Product: "云市场 安全加固服务（自营）", BillingMode: domain.Prepaid, PurchasedAt: day(5),
			Channel: domain.ChannelMarketplaceSelf, Amount: m(480, 0), Voucher: zero, Coupon: zero, GiftBalance: zero},
		{LineID: month + "-mkt-merchant", Product: "云市场 建站模板", BillingMode: domain.Prepaid, PurchasedAt: day(6),
			Channel: domain.ChannelMarketplaceMerchant, Merchant: "杭州某某网络科技有限公司", Amount: m(299, 0), Voucher: zero, Coupon: zero, GiftBalance: zero},
		{LineID: month + "-cdn", Product: "CDN 流量（按量付费）", BillingMode: domain.Postpaid, PurchasedAt: day(1),
			Channel: domain.ChannelKingsoft, Amount: m(88, 45), Voucher: zero, Coupon: zero, GiftBalance: zero},
		{LineID: month + "-legacy", Product: "云主机 包年（2017 年购买）", BillingMode: domain.Prepaid, PurchasedAt: "2017-06-18",
			Channel: domain.ChannelKingsoft, Amount: m(150, 0), Voucher: zero, Coupon: zero, GiftBalance: zero},
	}
}

// demoTitle is a vat_special company title (TITLE-1: a valid unified
// social credit code and the bank details).
var demoTitle = domain.Title{
	Type:              domain.VATSpecial,
	Holder:            domain.HolderCompany,
	Name:              "北京示例科技有限公司",
	TaxpayerID:        "91110108MA01ABCD1E",
	RegisteredAddress: "北京市海淀区中关村大街1号",
	RegisteredPhone:   "010-82345678",
	BankName:          "中国工商银行北京中关村支行",
	BankAccount:       "0200004509200123456",
}

var demoAddresses = []domain.AddAddress{
	{Address: domain.Address{Recipient: "王小明", Phone: "13800138000", Province: "北京市", City: "北京市", District: "海淀区",
		Street: "中关村大街1号 8层", PostalCode: "100080"}, Default: true},
	{Address: domain.Address{Recipient: "李财务", Phone: "010-82345678", Province: "上海市", City: "上海市", District: "浦东新区",
		Street: "世纪大道100号 20层", PostalCode: "200120"}},
}

// seedDemo writes the demo history into an empty store, relative to now:
// account acc-demo with statements for eight months and an invoice in every
// lifecycle state (plus an exchange), and a small second account; then
// acc-demo's e-invoices (demo_einvoice.go).
func seedDemo(ctx context.Context, store eventstore.Store, now time.Time, issuer string) error {
	y, m, _ := now.In(domain.Shanghai()).Date()
	s := &seeder{ctx: ctx, store: store, issuer: issuer, cur: time.Date(y, m, 1, 0, 0, 0, 0, domain.Shanghai())}
	electronic := func(s *seeder) error { return seedElectronic(s, now) }
	for _, phase := range []func(*seeder) error{seedAccount, seedInvoices, seedSecondAccount, electronic} {
		if err := phase(s); err != nil {
			return err
		}
	}
	return nil
}

func seedAccount(s *seeder) error {
	// Statement k (the month k months ago) is posted on day 3 of the month after.
	post := func(k int) error {
		_, err := s.exec(s.at(k-1, 3, 9, 0), demoAccount, actorBilling,
			domain.PostStatement{Month: s.month(k), Lines: demoLines(s.month(k), 1+k%3)})
		return err
	}
	if err := post(9); err != nil {
		return err
	}
	c := actorCustomer(demoAccount)
	a, err := s.exec(s.at(8, 5, 10, 0), demoAccount, c, domain.AddAddress(demoAddresses[0]))
	if err != nil {
		return err
	}
	s.home = a.Addresses[len(a.Addresses)-1].ID
	if a, err = s.exec(s.at(8, 5, 10, 5), demoAccount, c, domain.AddAddress(demoAddresses[1])); err != nil {
		return err
	}
	s.office = a.Addresses[len(a.Addresses)-1].ID
	if _, err := s.exec(s.at(8, 5, 10, 10), demoAccount, c, domain.SubmitTitle{Title: demoTitle}); err != nil {
		return err
	}
	if _, err := s.exec(s.at(8, 6, 11, 0), demoAccount, actorFinance, domain.ApproveTitle{}); err != nil {
		return err
	}
	for k := 8; k >= 5; k-- { // S4 is posted between the first invoice's steps
		if err := post(k); err != nil {
			return err
		}
	}
	return nil
}

// seedInvoices runs the lifecycle scenarios; the statements months ago are
// named S9 … S2 by how many months ago they are.
func seedInvoices(s *seeder) error {
	c := actorCustomer(demoAccount)
	S := s.month
	exec := s.execDemo
	post := func(k int) error {
		return exec(s.at(k-1, 3, 9, 0), actorBilling, domain.PostStatement{Month: S(k), Lines: demoLines(S(k), 1+k%3)})
	}
	// A — red_flushed: S9+S8 merged, issued four months ago, returned and
	// red-flushed the month after (a void is no longer possible then).
	red, err := s.shipped(s.at(4, 6, 10, 0), s.at(4, 6, 15, 0), S(9), S(8))
	if err != nil {
		return err
	}
	if err := post(4); err != nil { // S4, on day 3 of three months ago
		return err
	}
	steps := []struct {
		t     time.Time
		actor eventstore.Actor
		cmd   domain.Command
	}{
		{s.at(3, 10, 10, 0), c, domain.RequestReturn{InvoiceID: red, Reason: "发票抬头的开户行信息有误"}},
		{s.at(3, 15, 14, 0), actorFinance, domain.ReceiveReturnPaper{InvoiceID: red, Complete: true, Note: "发票联、抵扣联齐全"}},
		{s.at(3, 16, 10, 0), actorFinance, domain.RedFlushInvoice{InvoiceID: red, RedInvoiceCode: "011002300111", RedInvoiceNumber: "19000001"}},
	}
	for _, st := range steps {
		if err := exec(st.t, st.actor, st.cmd); err != nil {
			return err
		}
	}
	// B — voided: S7, issued and returned within the same month.
	void, err := s.shipped(s.at(3, 17, 10, 0), s.at(3, 17, 15, 0), S(7))
	if err != nil {
		return err
	}
	for _, st := range []struct {
		t     time.Time
		actor eventstore.Actor
		cmd   domain.Command
	}{
		{s.at(3, 22, 10, 0), c, domain.RequestReturn{InvoiceID: void, Reason: "收票地址填写错误，发票未使用"}},
		{s.at(3, 25, 14, 0), actorFinance, domain.ReceiveReturnPaper{InvoiceID: void, Complete: true}},
		{s.at(3, 26, 10, 0), actorFinance, domain.VoidInvoice{InvoiceID: void}},
	} {
		if err := exec(st.t, st.actor, st.cmd); err != nil {
			return err
		}
	}
	// C — cancelled by the customer while under review; D — rejected by finance.
	cancelled, err := s.apply(s.at(3, 27, 10, 0), demoAccount, s.home, S(6))
	if err != nil {
		return err
	}
	if err := exec(s.at(3, 27, 11, 0), c, domain.CancelInvoice{InvoiceID: cancelled, By: domain.RoleCustomer}); err != nil {
		return err
	}
	rejected, err := s.apply(s.at(3, 28, 10, 0), demoAccount, s.home, S(6))
	if err != nil {
		return err
	}
	if err := exec(s.at(3, 28, 16, 0), actorFinance, domain.RejectInvoice{InvoiceID: rejected, Reason: "同一抬头本月已开具，请合并申请"}); err != nil {
		return err
	}
	return seedRecent(s)
}

// seedRecent covers the last two months: an exchange, and the invoices left
// issued, under review, issuing, with a return requested and with the paper
// received.
func seedRecent(s *seeder) error {
	c := actorCustomer(demoAccount)
	S := s.month
	exec := s.execDemo
	if err := exec(s.at(2, 3, 9, 0), actorBilling, domain.PostStatement{Month: S(3), Lines: demoLines(S(3), 1)}); err != nil {
		return err
	}
	// E — exchange (退换票): S9+S8 again, returned asking for a new invoice
	// to the office; the void creates the replacement application at once.
	old, err := s.shipped(s.at(2, 5, 10, 0), s.at(2, 5, 15, 0), S(9), S(8))
	if err != nil {
		return err
	}
	office := s.office
	if err := exec(s.at(2, 12, 10, 0), c, domain.RequestReturn{InvoiceID: old, Reason: "请改寄上海办公室并重开", Exchange: true, AddressID: &office}); err != nil {
		return err
	}
	if err := exec(s.at(2, 15, 14, 0), actorFinance, domain.ReceiveReturnPaper{InvoiceID: old, Complete: true}); err != nil {
		return err
	}
	a, err := s.exec(s.at(2, 16, 10, 0), demoAccount, actorFinance, domain.VoidInvoice{InvoiceID: old})
	if err != nil {
		return err
	}
	replacement := a.InvoiceOrder[len(a.InvoiceOrder)-1]
	if err := s.issueAndShip(s.at(2, 17, 10, 0), demoAccount, replacement); err != nil {
		return err // the replacement stays issued (and shipped)
	}
	// H (return requested) and I (paper received): issued two months ago.
	returning, err := s.shipped(s.at(2, 20, 10, 0), s.at(2, 20, 15, 0), S(5))
	if err != nil {
		return err
	}
	received, err := s.shipped(s.at(2, 23, 10, 0), s.at(2, 23, 15, 0), S(4))
	if err != nil {
		return err
	}
	if err := exec(s.at(1, 3, 9, 0), actorBilling, domain.PostStatement{Month: S(2), Lines: demoLines(S(2), 2)}); err != nil {
		return err
	}
	if err := exec(s.at(1, 8, 10, 0), c, domain.RequestReturn{InvoiceID: returning, Reason: "税号有误"}); err != nil {
		return err
	}
	if err := exec(s.at(1, 9, 10, 0), c, domain.RequestReturn{InvoiceID: received, Reason: "已认证，需冲红重开",
		Certified: true, RedLetterFormNumber: "1100231130000123"}); err != nil {
		return err
	}
	// G — issuing: approved, not yet issued (past its SLA: the console shows it late).
	issuing, err := s.apply(s.at(1, 10, 10, 0), demoAccount, s.home, S(6))
	if err != nil {
		return err
	}
	if err := exec(s.at(1, 11, 10, 0), actorFinance, domain.ApproveInvoice{InvoiceID: issuing}); err != nil {
		return err
	}
	if err := exec(s.at(1, 12, 14, 0), actorFinance, domain.ReceiveReturnPaper{InvoiceID: received, Complete: true, Note: "发票联、抵扣联齐全"}); err != nil {
		return err
	}
	// F — under review. S3 and S2 stay available for the visitor to apply.
	_, err = s.apply(s.at(1, 20, 10, 0), demoAccount, s.home, S(7))
	return err
}

// seedSecondAccount is a small account with a vat_general title for an
// individual (approved on submission), so tenant isolation can be tried.
func seedSecondAccount(s *seeder) error {
	c := actorCustomer(demoAccount2)
	for i, k := range []int{3, 2} {
		// Posted late (allowed: STMT-1 sets only the earliest day) so the
		// steps stay in order.
		if _, err := s.exec(s.at(1, 21, 8, i), demoAccount2, actorBilling,
			domain.PostStatement{Month: s.month(k), Lines: demoLines(s.month(k), 1)[:3]}); err != nil {
			return err
		}
	}
	a, err := s.exec(s.at(1, 21, 9, 0), demoAccount2, c, domain.AddAddress{Default: true, Address: domain.Address{
		Recipient: "张三", Phone: "13912345678", Province: "广东省", City: "深圳市", District: "南山区",
		Street: "科技园路2号", PostalCode: "518057"}})
	if err != nil {
		return err
	}
	addr := a.Addresses[0].ID
	if _, err := s.exec(s.at(1, 21, 9, 5), demoAccount2, c, domain.SubmitTitle{Title: domain.Title{
		Type: domain.VATGeneral, Holder: domain.HolderIndividual, Name: "张三"}}); err != nil {
		return err
	}
	_, err = s.apply(s.at(1, 21, 9, 10), demoAccount2, addr, s.month(3))
	return err
}
