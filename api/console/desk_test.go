package console_test

import (
	"fmt"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// TestConsoleFinanceReturnsAcrossTheMonth: an invoice issued in November
// whose paper comes back in December cannot be voided (RETURN-4): finance
// sees the rule plainly in the dialog and red-flushes instead (RETURN-5:
// the amount is invoiceable again). Finance also rejects a return whose
// paper never came (RETURN-3); the invoice stays issued. The auditor then
// reads the account's events, a page at a time.
func TestConsoleFinanceReturnsAcrossTheMonth(t *testing.T) {
	base, clock := startServerClock(t)
	b := newBrowser(t, base)
	postStatements(t, base)
	addr := customerReady(t, base)
	invoiceIn(t, base, addr, "2026-09", "paper_received", "00011111")
	invoiceIn(t, base, addr, "2026-10", "return_requested", "00022222")
	clock.Advance(25 * 24 * time.Hour) // 2026-12-05: the month of issue is over

	b.do("open", chromedp.Navigate(base+"/console/"), until(`document.body.dataset.ready === 'true'`))
	b.signIn(financeToken, "finance", "")
	fin := func(status, action string) string {
		return row("finance", status) + fmt.Sprintf(` button[data-action=%q]`, action)
	}
	b.do("void after the month of issue is refused with RETURN-4",
		click(fin("paper_received", "void")), dialogOpen, click("#dlg-ok"),
		textHas("#dlg-error", "RETURN-4"), textHas("#dlg-error", "请改为红冲"), textHas("#dlg-error", "2026-11-10"),
		until(`!document.getElementById('dlg-ok').disabled`))
	b.screenshot("13-finance-void-refused")
	b.do("close the refused void", click("#dlg-close"), dialogClosed, textHas(row("finance", "paper_received"), "00011111"))
	b.do("red-flush: the red invoice's number is checked, then recorded",
		click(fin("paper_received", "red_flush")), dialogOpen, focused("f-red_invoice_code"),
		fill("#f-red_invoice_code", "1100212130"), fill("#f-red_invoice_number", "123"), click("#dlg-ok"),
		textHas("#dlg-error", "RETURN-4"), until(`!document.getElementById('f-red_invoice_number-err').hidden`),
		fill("#f-red_invoice_number", "00099999"), click("#dlg-ok"), dialogClosed,
		textHas(row("finance", "red_flushed"), "已红冲"))
	b.do("reject a return whose paper never came",
		click(fin("return_requested", "reject_return")), dialogOpen, focused("f-reason"),
		click("#dlg-ok"), textHas("#f-reason-err", "此项必填"),
		fill("#f-reason", "未收到纸质发票"), click("#dlg-ok"), dialogClosed,
		textHas(row("finance", "issued"), "00022222"), textHas(row("finance", "issued"), "未收到纸质发票"),
		until(`!document.querySelector('#finance-table tr[data-status="return_requested"]')`))
	b.screenshot("14-finance-red-flushed")
	b.signOut()

	b.signIn(customerToken, "customer", accountID)
	b.do("customer: red-flushed, 2026-09 invoiceable again; the rejected return is issued again",
		textHas(row("customer", "red_flushed"), "已红冲"), textHas(row("customer", "issued"), "2026-10"),
		until(`!!document.querySelector('#customer-table tr[data-status="issued"] button[data-action="return"]')`),
		textIs("#amt-total", "¥1,300.00"))
	b.signOut()

	b.signIn(auditorToken, "auditor", "")
	b.do("auditor: the account read-only, events a page at a time",
		fill("#aud-account", accountID), click("#aud-form button[type=submit]"),
		textHas("#aud-title", "北京示例科技有限公司"), textIs("#aud-total", "¥1,300.00"),
		until(`document.querySelectorAll('#auditor-table tbody tr').length === 2`),
		until(`!document.querySelector('#auditor button[data-action]')`),
		until(`document.querySelectorAll('#events-table tbody tr').length === 15`),
		textHas("#events-table tbody tr:first-child", "StatementPosted"),
		click("#events-more"),
		until(`document.querySelectorAll('#events-table tbody tr').length > 15`),
		textHas("#events-table", "InvoiceRedFlushed"), textHas("#events-table", "ReturnRejected"),
		until(`document.getElementById('events-more').hidden`))
	b.do("scroll to the events", js(`document.getElementById('aud-ev-h').scrollIntoView()`))
	b.screenshot("15-auditor-events")
}

// TestConsoleSupportDesk: the customer sees an issuing application's ID
// and no cancel button (CANCEL-1); support clears the title with reason and
// ticket (TITLE-4) and cancels the issuing application by its ID; the
// customer then submits a new title and finds the amount back.
func TestConsoleSupportDesk(t *testing.T) {
	base := startServer(t)
	b := newBrowser(t, base)
	postStatements(t, base)
	addr := customerReady(t, base)
	id := invoiceIn(t, base, addr, "2026-09", "issuing", "")
	b.do("open", chromedp.Navigate(base+"/console/"), until(`document.body.dataset.ready === 'true'`))

	b.signIn(customerToken, "customer", accountID)
	b.do("customer: issuing shows the ticket hint and the application ID, no cancel",
		textHas(row("customer", "issuing"), "提交工单"), textHas(row("customer", "issuing"), id),
		until(`!document.querySelector('#customer-table button[data-action="cancel"]')`),
		textHas("#title-summary", "请客服协助清空抬头"))
	b.signOut()

	b.signIn(supportToken, "support", "")
	b.do("support: look up the account",
		fill("#sup-account", accountID), click("#sup-form button[type=submit]"),
		textHas("#sup-title", "北京示例科技有限公司"), textHas("#sup-title", "已审核通过"))
	b.do("support: clearing needs a reason and a ticket",
		click(`#sup-title button[data-action="clear-title"]`), dialogOpen, focused("f-reason"),
		click("#dlg-ok"), textHas("#f-reason-err", "此项必填"), textHas("#f-ticket-err", "此项必填"),
		fill("#f-reason", "客户公司更名"), fill("#f-ticket", "T-20261205-001"), click("#dlg-ok"), dialogClosed,
		textHas("#sup-title", "没有当前发票抬头"), textHas("#flash", "发票抬头已清空"))
	b.do("support: a wrong ID is refused plainly",
		click("#sup-cancel"), dialogOpen, focused("f-invoice_id"),
		fill("#f-invoice_id", "00000000-0000-4000-8000-000000000000"), fill("#f-ticket", "T-20261205-002"), click("#dlg-ok"),
		until(`!document.getElementById('dlg-error').hidden`))
	b.do("support: cancel the issuing application by its ID",
		fill("#f-invoice_id", id), click("#dlg-ok"), dialogClosed,
		textHas(row("support", "cancelled"), "已取消"), textHas(row("support", "cancelled"), "2026-09"),
		textHas("#flash", "开票申请已取消"))
	b.screenshot("16-support-desk")
	b.do("support: cancelling it again breaks CANCEL-1",
		click("#sup-cancel"), dialogOpen, fill("#f-invoice_id", id), fill("#f-ticket", "T-20261205-003"), click("#dlg-ok"),
		textHas("#dlg-error", "CANCEL-1"), click("#dlg-close"), dialogClosed)
	b.signOut()

	b.signIn(customerToken, "customer", accountID)
	b.do("customer: no title, the amount is back, a new title goes in",
		textHas("#title-summary", "尚未添加发票抬头"), textIs("#amt-total", "¥3,600.00"),
		textHas(row("customer", "cancelled"), "已取消"),
		click("#btn-title"), dialogOpen, setSelect("#f-holder", "individual"),
		until(`document.querySelector('[data-field="taxpayer_id"]').hidden`),
		fill("#f-name", "张三"), click("#dlg-ok"), dialogClosed,
		textHas("#title-summary", "张三"), textHas("#title-summary", "已审核通过"),
		until(`document.getElementById('btn-title').hidden`))
}

// TestConsoleCustomerAddresses: the customer adds a second address, makes
// it the default, edits the first (seeing the API's field error) and
// deletes it (ADDR-1, ADDR-2).
func TestConsoleCustomerAddresses(t *testing.T) {
	base := startServer(t)
	b := newBrowser(t, base)
	first := customerReady(t, base)
	b.do("open", chromedp.Navigate(base+"/console/"), until(`document.body.dataset.ready === 'true'`))
	b.signIn(customerToken, "customer", accountID)
	li := func(id string) string { return fmt.Sprintf(`#addr-list li[data-address=%q]`, id) }
	b.do("add a second address",
		textHas(li(first), "默认"),
		click("#btn-address"), dialogOpen,
		fill("#f-recipient", "李四"), fill("#f-phone", "021-62345678"), fill("#f-province", "上海市"),
		fill("#f-city", "上海市"), fill("#f-district", "徐汇区"), fill("#f-street", "漕溪北路88号"),
		fill("#f-postal_code", "200030"), click("#dlg-ok"), dialogClosed,
		until(`document.querySelectorAll('#addr-list li').length === 2`))
	second, err := chromedp.Run(b.ctx, chromedp.Evaluate[string](`document.querySelector('#addr-list li:not([data-address="`+first+`"])').dataset.address`))
	if err != nil || second == "" {
		t.Fatalf("the second address: %q %v", second, err)
	}
	b.do("make the second the default",
		click(li(second)+` button[data-action="default-address"]`),
		textHas(li(second), "默认"), until(`!document.querySelector('`+li(first)+` .badge')`),
		until(`!!document.querySelector('`+li(first)+` button[data-action="default-address"]')`))
	b.do("edit the first: a bad postal code is the API's field error",
		click(li(first)+` button[data-action="edit-address"]`), dialogOpen, focused("f-recipient"),
		until(`document.getElementById('f-street').value === '西二旗中路33号'`),
		fill("#f-postal_code", "10008"), click("#dlg-ok"),
		until(`!document.getElementById('f-postal_code-err').hidden`), textHas("#dlg-error", "ADDR-1"))
	b.screenshot("17-address-edit")
	b.do("edit the first: saved",
		fill("#f-postal_code", "100085"), fill("#f-street", "西二旗中路35号"), click("#dlg-ok"), dialogClosed,
		textHas(li(first), "西二旗中路35号"), textHas(li(second), "默认"))
	b.screenshot("18-addresses")
	b.do("delete the first",
		click(li(first)+` button[data-action="delete-address"]`), dialogOpen, textHas("#dlg-intro", "西二旗中路35号"),
		click("#dlg-ok"), dialogClosed,
		until(`document.querySelectorAll('#addr-list li').length === 1`), textHas("#addr-list", "李四"),
		textHas("#flash", "收票地址已删除"))
}
