package console_test

import (
	"net/http"
	"testing"

	"github.com/chromedp/chromedp"
)

// TestConsoleDeficit walks refunds after invoicing (DEF-*) in the browser:
// September is invoiced, then billing refunds part of October (available)
// and of September (invoiced): October offsets what it can and the rest is
// an invoice deficit. The customer sees the deficit with why nothing is
// invoiceable and what clears it, in Chinese and English, and the
// statements with their refunded and offset amounts; finance sees the
// invoice that owes, is refused a red-flush above what it owes, and
// red-flushes part of it (DEF-5); the customer then sees what is left.
func TestConsoleDeficit(t *testing.T) {
	base := startServer(t)
	b := newBrowser(t, base)
	postStatements(t, base)
	addr := customerReady(t, base)
	invoiceIn(t, base, addr, "2026-09", "issued", "00000001")
	const acc = "/v1/accounts/" + accountID
	adjust := func(month, id, bucket, amount string) {
		apiCall(t, base, billingToken, http.MethodPost, acc+"/statements/"+month+"/adjustments",
			map[string]any{"adjustment_id": id, "bucket": bucket, "amount": amount, "reason": "退款", "reference": "ORD-" + id}, http.StatusCreated)
	}
	adjust("2026-10", "r-1", "kingsoft", "2000.00") // October: 300.00 left, available
	adjust("2026-09", "r-2", "kingsoft", "700.00")  // September, invoiced: 700.00 owed, October offsets 300.00
	b.do("open", chromedp.Navigate(base+"/console/"), until(`document.body.dataset.ready === 'true'`))

	b.signIn(customerToken, "customer", accountID)
	b.do("customer: the deficit, why nothing is invoiceable and what clears it",
		until(`!document.getElementById('deficit-box').hidden`),
		textIs("#amt-deficit", "¥400.00"), textIs("#amt-total", "¥0.00"),
		textHas("#deficit-why", "欠票"), textHas("#deficit-why", "¥400.00"), textHas("#deficit-clears", "冲抵"),
		textHas("#apply-hint", "欠票 ¥400.00"),
		textHas(row("customer", "issued"), "欠票 ¥400.00"))
	b.do("customer: the statements with refunded and offset amounts",
		textHas(`#statements-table tr[data-month="2026-09"]`, "已开票"),
		textHas(`#statements-table tr[data-month="2026-09"]`, "¥700.00"),
		textHas(`#statements-table tr[data-month="2026-10"]`, "已冲抵"),
		textHas(`#statements-table tr[data-month="2026-10"]`, "¥2,000.00"),
		textHas(`#statements-table tr[data-month="2026-10"]`, "¥300.00"))
	b.screenshot("25-customer-deficit")
	b.do("in English",
		click("#lang-toggle"),
		textHas("#deficit-why", "invoice deficit"), textHas("#deficit-clears", "offset"),
		textHas(`#statements-table tr[data-month="2026-10"]`, "Offset"))
	b.do("back to Chinese", click("#lang-toggle"), textHas("#deficit-why", "欠票"))
	b.signOut()

	b.signIn(financeToken, "finance", "")
	part := row("finance", "issued") + ` button[data-action="red_flush_part"]`
	b.do("finance: the invoice that owes, and a red-flush above it refused (DEF-5)",
		textHas(row("finance", "issued"), "欠票 ¥400.00"),
		click(part), dialogOpen, until(`document.getElementById('f-amount').value === '400.00'`),
		fill("#f-amount", "400.01"), fill("#f-red_invoice_code", "1100212130"), fill("#f-red_invoice_number", "00000002"),
		fill("#f-red_letter_form_number", "1101202611000001"), click("#dlg-ok"), textHas("#dlg-error", "DEF-5"))
	b.screenshot("26-finance-red-flush-part")
	b.do("finance: red-flush 150.00 of it; it stays issued",
		fill("#f-amount", "150.00"), click("#dlg-ok"), dialogClosed,
		textHas(row("finance", "issued"), "已部分红冲 ¥150.00"), textHas(row("finance", "issued"), "欠票 ¥250.00"))
	b.signOut()

	b.signIn(customerToken, "customer", accountID)
	b.do("customer: what is left to offset", textIs("#amt-deficit", "¥250.00"),
		textHas(row("customer", "issued"), "已部分红冲 ¥150.00"))
}
