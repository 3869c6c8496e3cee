package console_test

import (
	"fmt"
	"net/http"
	"testing"

	"github.com/chromedp/chromedp"
)

// TestConsoleEInvoice walks e-invoices (EINV-*) and red-letter
// confirmations (RED-*) in the browser: the customer applies for an
// e-invoice with the emails checked as typed; finance issues it with a
// 20-digit number within the month's quota and sets the quota; the customer
// sees the number and the delivery emails and asks for a return (a
// booked confirmation); finance confirms it and issues the red invoice; a
// confirmation finance entered waits for the customer with its deadline
// shown, and the customer refuses it; then the same in English.
func TestConsoleEInvoice(t *testing.T) {
	base := startServer(t)
	b := newBrowser(t, base)
	postStatements(t, base)
	customerReady(t, base)
	apiCall(t, base, financeToken, http.MethodPut, "/v1/quotas/2026-11", map[string]any{"amount": "5000.00"}, http.StatusOK)
	const acc = "/v1/accounts/" + accountID
	b.do("open", chromedp.Navigate(base+"/console/"), until(`document.body.dataset.ready === 'true'`))

	b.signIn(customerToken, "customer", accountID)
	b.do("apply: electronic hides the address and asks for emails",
		click("#btn-apply"), dialogOpen, click("#stmt-2026-09"),
		until(`!document.querySelector('[data-field="address_id"]').hidden`),
		until(`document.querySelector('[data-field="emails"]').hidden`),
		setSelect("#f-medium", "electronic"),
		until(`document.querySelector('[data-field="address_id"]').hidden`),
		until(`!document.querySelector('[data-field="emails"]').hidden`))
	b.do("the emails are checked as typed (EINV-1)",
		fill("#f-emails", "张三 <ap@example.com>"), js(`document.getElementById('f-emails').blur()`),
		textHas("#f-emails-err", "不是有效的邮箱地址"),
		fill("#f-emails", "a@example.com b@example.com c@example.com d@example.com"), textHas("#f-emails-err", "最多填写3个邮箱"))
	b.screenshot("19-apply-electronic-emails")
	b.do("apply for an e-invoice",
		fill("#f-emails", "ap@example.com, cfo@example.cn"), until(`document.getElementById('f-emails-err').hidden`),
		click("#f-agree"), click("#dlg-ok"), dialogClosed,
		textHas(row("customer", "under_review"), "数电发票"),
		textHas(row("customer", "under_review"), "将发送至 ap@example.com, cfo@example.cn"),
		textHas(row("customer", "under_review"), "应开具日期：2026-11-11"))
	b.signOut()

	b.signIn(financeToken, "finance", "")
	fin := func(status, action string) string {
		return row("finance", status) + fmt.Sprintf(` button[data-action=%q]`, action)
	}
	b.do("finance: approve, and the quota shows what is left",
		click(fin("under_review", "approve")), dialogOpen, click("#dlg-ok"), dialogClosed,
		textHas(row("finance", "issuing"), "开票中"),
		textHas(`[data-quota="amount"]`, "¥5,000.00"), textHas(`[data-quota="remaining"]`, "¥5,000.00"))
	b.do("finance: an e-invoice has no code and a 20-digit number (EINV-2)",
		click(fin("issuing", "issue")), dialogOpen, focused("f-invoice_number"),
		until(`!document.getElementById('f-invoice_code')`),
		fill("#f-invoice_number", "25110000000000000001"), setValue("#f-issued_on", "2026-11-10"), click("#dlg-ok"),
		textHas("#dlg-error", "EINV-2"),
		fill("#f-invoice_number", "26110000000000000001"), click("#dlg-ok"), dialogClosed,
		textHas(row("finance", "issued"), "数电发票号码 26110000000000000001"),
		textHas(row("finance", "issued"), "已发送至 ap@example.com, cfo@example.cn"),
		until(`!document.querySelector('#finance-table tr[data-status="issued"] button[data-action="ship"]')`),
		textHas(`[data-quota="used"]`, "¥1,300.00"), textHas(`[data-quota="remaining"]`, "¥3,700.00"))
	b.do("finance: set the month's quota (EINV-5)",
		click("#fin-quota-set"), dialogOpen, fill("#f-amount", "100.001"), click("#dlg-ok"), textHas("#dlg-error", "EINV-5"),
		fill("#f-amount", "8000.00"), click("#dlg-ok"), dialogClosed,
		textHas(`[data-quota="remaining"]`, "¥6,700.00"),
		js(`document.getElementById('fin-quota-h').scrollIntoView()`))
	b.screenshot("20-finance-quota")
	b.signOut()

	b.signIn(customerToken, "customer", accountID)
	issued := row("customer", "issued")
	b.do("customer: the 20-digit number and the delivery emails",
		textHas(issued, "26110000000000000001"), textHas(issued, "已发送至 ap@example.com, cfo@example.cn"),
		until(`!document.querySelector('#customer-table tr[data-status="issued"] button[data-action="return"]')`))
	b.do("customer: return the e-invoice — a booked confirmation waits for finance",
		click(issued+` button[data-action="e-return"]`), dialogOpen, focused("f-reason"),
		setSelect("#f-reason", "service_terminated"), click("#f-booked"))
	b.screenshot("21-customer-e-return")
	b.do("submit the return",
		click("#dlg-ok"), dialogClosed,
		textHas(issued+" .confirmation", "待销方确认"), textHas(issued+" .confirmation", "请于"),
		until(`!document.querySelector('#customer-table button[data-action="e-return"]')`),
		textHas(issued, "撤销"))
	b.signOut()

	b.signIn(financeToken, "finance", "")
	cf := func(status, action string) string {
		return fmt.Sprintf(`#fin-cf-table tr[data-cf-status=%q] button[data-action=%q]`, status, "cf-"+action)
	}
	b.do("finance: the confirmation to act on",
		textHas(`#fin-cf-table tr[data-cf-status="pending_seller"]`, "购方（客户）录入"),
		js(`document.getElementById('fin-cf-h').scrollIntoView()`))
	b.screenshot("22-finance-confirmations")
	b.do("finance: confirm, then issue the red invoice (RED-5)",
		click(cf("pending_seller", "confirm")), dialogOpen, click("#dlg-ok"), dialogClosed,
		click(cf("confirmed", "red_flush")), dialogOpen, focused("f-red_invoice_number"),
		fill("#f-red_invoice_number", "26110000000000000002"), setValue("#f-issued_on", "2026-11-10"), click("#dlg-ok"), dialogClosed,
		textHas(row("finance", "red_flushed"), "已红冲"), textHas(row("finance", "red_flushed"), "26110000000000000002"),
		until(`document.querySelectorAll('#fin-cf-table tbody tr').length === 0`))
	b.signOut()

	// A second e-invoice, issued through the API; finance enters a booked
	// confirmation for it, which waits for the customer.
	inv := apiCall(t, base, customerToken, http.MethodPost, acc+"/invoices",
		map[string]any{"statements": []string{"2026-10"}, "medium": "electronic", "emails": []string{"ap@example.com"}, "agree": true}, http.StatusCreated)
	path := acc + "/invoices/" + inv["id"].(string)
	apiCall(t, base, financeToken, http.MethodPost, path+"/approve", nil, http.StatusOK)
	apiCall(t, base, financeToken, http.MethodPost, path+"/issue", map[string]any{"invoice_number": "26110000000000000003", "issued_on": "2026-11-10"}, http.StatusOK)
	b.signIn(financeToken, "finance", "")
	b.do("finance: enter a confirmation as the seller",
		click(fin("issued", "confirmation")), dialogOpen, click("#f-booked"), click("#dlg-ok"), dialogClosed,
		textHas(`#fin-cf-table tr[data-cf-status="pending_buyer"]`, "待购方确认"),
		textHas(`#fin-cf-table tr[data-cf-status="pending_buyer"]`, "2026/11/13"))
	b.signOut()

	b.signIn(customerToken, "customer", accountID)
	pending := `#customer-table .confirmation[data-cf-status="pending_buyer"]`
	b.do("customer: the seller's confirmation with its deadline and the buttons",
		textHas(pending, "待购方确认"), textHas(pending, "请于 2026/11/13"),
		until(`!!document.querySelector('#customer-table button[data-action="cf-confirm"]')`),
		js(`document.getElementById('records-h').scrollIntoView()`))
	b.screenshot("23-customer-confirm-deadline")
	b.do("customer: refuse it with a reason",
		click(`#customer-table button[data-action="cf-refuse"]`), dialogOpen, focused("f-reason"),
		fill("#f-reason", "该发票已入账，不同意冲红"), click("#dlg-ok"), dialogClosed,
		textHas(`#customer-table .confirmation[data-cf-status="refused"]`, "已拒绝"))
	b.do("in English",
		click("#lang-toggle"),
		textHas(`#customer-table .confirmation[data-cf-status="refused"]`, "Refused"),
		textHas(row("customer", "red_flushed"), "Red e-invoice no. 26110000000000000002"),
		textHas(row("customer", "issued"), "Sent to ap@example.com"),
		js(`document.getElementById('records-h').scrollIntoView()`))
	b.screenshot("24-customer-einvoice-english")
	b.do("back to Chinese", click("#lang-toggle"))
}
