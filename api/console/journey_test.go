package console_test

import (
	"fmt"
	"testing"

	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"
)

// TestConsoleJourney walks the console in a real browser against the real
// server: a customer adds a title (seeing the API's field error first) and an
// address, applies, cancels and applies again by keyboard alone; finance
// approves, issues (seeing a rule error first) and ships; the customer asks
// for a return; finance receives the paper and voids. Screenshots of each
// page go to screenshotDir.
func TestConsoleJourney(t *testing.T) {
	base := startServer(t)
	b := newBrowser(t, base)
	postStatements(t, base)

	b.do("open the console", chromedp.Navigate(base+"/console/"), until(`document.body.dataset.ready === 'true'`), focused("signin-token"))
	b.screenshot("01-signin")

	b.do("a wrong token is refused plainly",
		fill("#signin-token", "not-a-token"), fill("#signin-account", accountID),
		click("#signin-form button[type=submit]"), textHas("#signin-error", "令牌无效"))

	b.signIn(customerToken, "customer", accountID)
	// BAL-2 and STMT-4/5: 1000 + 2300 kingsoft, 300 marketplace; the rest shown apart.
	b.do("invoiceable amounts",
		textIs("#amt-kingsoft", "¥3,300.00"), textIs("#amt-marketplace", "¥300.00"), textIs("#amt-total", "¥3,600.00"),
		textIs("#amt-merchant", "¥150.00"), textIs("#amt-offline", "¥80.00"), textIs("#amt-deductions", "¥245.67"),
		textHas("#offline-why", "400-107-0808"))

	good := uscc("91110108MA01C0RK3")
	bad := good[:17] + map[bool]string{true: "1", false: "0"}[good[17] == '0']
	b.do("title: the API's field error appears under the field",
		click("#btn-title"), dialogOpen, focused("f-type"),
		fill("#f-name", "北京示例科技有限公司"), fill("#f-taxpayer_id", bad), click("#dlg-ok"),
		until(`!document.getElementById('f-taxpayer_id-err').hidden`),
		until(`document.getElementById('f-taxpayer_id').getAttribute('aria-invalid') === 'true'`),
		textHas("#dlg-error", "TITLE-1"))
	b.screenshot("02-title-field-error")
	b.do("title: corrected and saved",
		fill("#f-taxpayer_id", good), click("#dlg-ok"), dialogClosed,
		textHas("#title-summary", "北京示例科技有限公司"), textHas("#title-summary", "已审核通过"),
		until(`document.getElementById('btn-title').hidden`))

	b.do("address",
		click("#btn-address"), dialogOpen, focused("f-recipient"),
		fill("#f-recipient", "张三"), fill("#f-phone", "13800138000"), fill("#f-province", "北京市"),
		fill("#f-city", "北京市"), fill("#f-district", "海淀区"), fill("#f-street", "西二旗中路33号"),
		fill("#f-postal_code", "100085"), click("#dlg-ok"), dialogClosed,
		textHas("#addr-list", "张三"), textIs("#apply-hint", ""))
	b.screenshot("03-customer")

	b.do("apply: the agreement must be ticked",
		click("#btn-apply"), dialogOpen, focused("stmt-2026-09"),
		click("#stmt-2026-09"), textIs("#apply-total", "¥1,300.00"),
		click("#dlg-ok"), textHas("#f-agree-err", "您勾选即认同"))
	b.screenshot("04-apply-dialog")
	b.do("apply for 2026-09",
		click("#f-agree"), click("#dlg-ok"), dialogClosed,
		textHas(row("customer", "under_review"), "开票申请审核中"),
		textHas(row("customer", "under_review"), "2026-09"),
		textHas(row("customer", "under_review"), "应寄出日期"),
		textIs("#amt-total", "¥2,300.00"))

	b.do("cancel it",
		click(row("customer", "under_review")+` button[data-action="cancel"]`), dialogOpen,
		click("#dlg-ok"), dialogClosed,
		textHas(row("customer", "cancelled"), "已取消"),
		until(`!document.querySelector('#customer-table button[data-action="cancel"]')`),
		textIs("#amt-total", "¥3,600.00"))

	// Keyboard only: Enter opens, focus lands on the first statement, Space
	// ticks, Tab moves in document order, Esc closes and gives focus back.
	b.do("keyboard: Esc closes the apply dialog",
		js(`document.getElementById('btn-apply').focus()`), key(kb.Enter), dialogOpen, focused("stmt-2026-09"),
		key(kb.Escape), dialogClosed, focused("btn-apply"))
	b.do("keyboard: apply for both months",
		key(kb.Enter), dialogOpen, focused("stmt-2026-09"),
		key(" "), textIs("#apply-total", "¥1,300.00"),
		key(kb.Tab), focused("stmt-2026-10"), key(" "), textIs("#apply-total", "¥3,600.00"),
		key(kb.Tab), focused("f-medium"), // paper, the default (EINV-1)
		key(kb.Tab), focused("f-address_id"),
		key(kb.Tab), focused("f-agree"), key(" "),
		key(kb.Tab), focused("dlg-ok"), key(kb.Enter), dialogClosed,
		textHas(row("customer", "under_review"), "2026-09, 2026-10"),
		textHas(row("customer", "under_review"), "¥3,600.00"),
		textIs("#amt-total", "¥0.00"))
	b.do("scroll to the records", js(`document.getElementById('records-h').scrollIntoView()`))
	b.screenshot("05-customer-under-review")
	b.signOut()

	b.signIn(financeToken, "finance", "")
	fin := func(status, action string) string {
		return row("finance", status) + fmt.Sprintf(` button[data-action=%q]`, action)
	}
	b.do("finance: the queue filters by status and account",
		setSelect("#fin-status", "under_review"), fill("#fin-account", accountID), click("#fin-filter button[type=submit]"),
		until(`document.querySelectorAll('#finance-table tbody tr').length === 1`),
		textHas(row("finance", "under_review"), accountID))
	b.screenshot("06-finance-queue")
	b.do("finance: approve",
		click(fin("under_review", "approve")), dialogOpen, click("#dlg-ok"), dialogClosed,
		setSelect("#fin-status", ""), click("#fin-filter button[type=submit]"),
		textHas(row("finance", "issuing"), "开票中"))
	b.do("finance: a rule error is shown with its code",
		click(fin("issuing", "issue")), dialogOpen, focused("f-invoice_code"),
		fill("#f-invoice_code", "1100212130"), fill("#f-invoice_number", "00012345"),
		setValue("#f-issued_on", "2026-12-01"), click("#dlg-ok"),
		textHas("#dlg-error", "ISSUE-1"))
	b.screenshot("07-finance-rule-error")
	b.do("finance: issue",
		setValue("#f-issued_on", "2026-11-10"), click("#dlg-ok"), dialogClosed,
		textHas(row("finance", "issued"), "00012345"))
	b.do("finance: ship",
		click(fin("issued", "ship")), dialogOpen, focused("f-courier"),
		fill("#f-courier", "顺丰速运"), fill("#f-tracking_number", "SF1234567890"), click("#dlg-ok"), dialogClosed,
		textHas(row("finance", "issued"), "SF1234567890"))
	b.screenshot("08-finance-shipped")
	b.signOut()

	b.signIn(customerToken, "customer", accountID)
	b.do("customer: issued, with tracking number, no cancel",
		textHas(row("customer", "issued"), "已开票"), textHas(row("customer", "issued"), "SF1234567890"),
		until(`!document.querySelector('#customer-table button[data-action="cancel"]')`))
	b.do("customer: the return dialog shows where to mail the paper",
		click(row("customer", "issued")+` button[data-action="return"]`), dialogOpen, focused("f-reason"),
		textHas("#dlg-intro", "北京市海淀区西二旗中路33号"), textHas("#dlg-intro", "100089"), textHas("#dlg-intro", "李桥英"))
	b.screenshot("09-return-dialog")
	b.do("customer: return with a reason",
		fill("#f-reason", "发票抬头有误"), click("#dlg-ok"), dialogClosed,
		textHas(row("customer", "return_requested"), "退票申请中"))
	b.signOut()

	b.signIn(financeToken, "finance", "")
	b.do("finance: paper received, then void",
		click(fin("return_requested", "paper_received")), dialogOpen, click("#dlg-ok"), dialogClosed,
		textHas(row("finance", "paper_received"), "已收到退回发票"),
		click(fin("paper_received", "void")), dialogOpen, click("#dlg-ok"), dialogClosed,
		textHas(row("finance", "voided"), "已作废"))
	b.signOut()

	b.signIn(customerToken, "customer", accountID)
	b.do("customer: voided, the amount is invoiceable again (RETURN-5)",
		textHas(row("customer", "voided"), "已作废"), textIs("#amt-total", "¥3,600.00"))
	b.do("English", click("#lang-toggle"), textIs("#customer-h", "Invoice list"),
		textHas(row("customer", "voided"), "Voided"), until(`document.documentElement.lang === 'en'`))
	b.do("scroll to the records", js(`document.getElementById('records-h').scrollIntoView()`))
	b.screenshot("10-customer-english")
	b.do("back to Chinese", click("#lang-toggle"), textIs("#customer-h", "发票列表"))
}
