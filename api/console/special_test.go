package console_test

import (
	"testing"

	"github.com/chromedp/chromedp"
)

// TestConsoleSpecialTitleAndCertifiedReturn: a vat_special title waits for
// finance (TITLE-3), who approves it in the console; the return dialog of a
// special invoice asks whether it was certified and then for the red-letter
// form number (RETURN-2).
func TestConsoleSpecialTitleAndCertifiedReturn(t *testing.T) {
	base := startServer(t)
	b := newBrowser(t, base)
	postStatements(t, base)
	b.do("open", chromedp.Navigate(base+"/console/"), until(`document.body.dataset.ready === 'true'`))

	b.signIn(customerToken, "customer", accountID)
	b.do("special title: the extra fields appear and it waits for review",
		click("#btn-title"), dialogOpen, setSelect("#f-type", "vat_special"),
		until(`document.querySelector('[data-field="holder"]').hidden`),
		until(`!document.querySelector('[data-field="bank_account"]').hidden`),
		fill("#f-name", "北京示例科技有限公司"), fill("#f-taxpayer_id", uscc("91110108MA01C0RK3")),
		fill("#f-registered_address", "北京市海淀区西二旗中路33号"), fill("#f-registered_phone", "010-62927777"),
		fill("#f-bank_name", "招商银行北京分行"), fill("#f-bank_account", "110902345610501"),
		click("#dlg-ok"), dialogClosed, textHas("#title-summary", "审核中"), textHas("#apply-hint", "发票抬头审核通过后"))
	b.do("address",
		click("#btn-address"), dialogOpen,
		fill("#f-recipient", "张三"), fill("#f-phone", "13800138000"), fill("#f-province", "北京市"),
		fill("#f-city", "北京市"), fill("#f-street", "西二旗中路33号"), fill("#f-postal_code", "100085"),
		click("#dlg-ok"), dialogClosed)
	b.signOut()

	b.signIn(financeToken, "finance", "")
	b.do("finance approves the title",
		fill("#fin-title-account", accountID), click("#fin-title-form button[type=submit]"),
		textHas("#fin-title-result", "审核中"), click(`#fin-title-result button[data-action="approve-title"]`),
		dialogOpen, click("#dlg-ok"), dialogClosed, textHas("#fin-title-result", "已审核通过"))
	b.screenshot("11-finance-title-review")
	b.signOut()

	b.signIn(customerToken, "customer", accountID)
	b.do("apply for 2026-10",
		textHas("#title-summary", "已审核通过"), click("#btn-apply"), dialogOpen,
		click("#stmt-2026-10"), click("#f-agree"), click("#dlg-ok"), dialogClosed,
		textHas(row("customer", "under_review"), "增值税专用发票"))
	b.signOut()

	b.signIn(financeToken, "finance", "")
	b.do("finance approves and issues",
		click(row("finance", "under_review")+` button[data-action="approve"]`), dialogOpen, click("#dlg-ok"), dialogClosed,
		click(row("finance", "issuing")+` button[data-action="issue"]`), dialogOpen,
		fill("#f-invoice_code", "110021213000"), fill("#f-invoice_number", "00054321"), setValue("#f-issued_on", "2026-11-10"),
		click("#dlg-ok"), dialogClosed, textHas(row("finance", "issued"), "00054321"))
	b.signOut()

	b.signIn(customerToken, "customer", accountID)
	b.do("return: certified asks for the red-letter form number",
		click(row("customer", "issued")+` button[data-action="return"]`), dialogOpen,
		until(`document.querySelector('[data-field="red_letter_form_number"]').hidden`),
		fill("#f-reason", "税号有误"), click("#f-certified"),
		until(`!document.querySelector('[data-field="red_letter_form_number"]').hidden`),
		click("#dlg-ok"), textHas("#f-red_letter_form_number-err", "此项必填"),
		fill("#f-red_letter_form_number", "1100202611000123"))
	b.screenshot("12-return-certified")
	b.do("return: sent", click("#dlg-ok"), dialogClosed, textHas(row("customer", "return_requested"), "退票申请中"))
}
