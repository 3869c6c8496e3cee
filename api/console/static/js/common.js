// Pieces both views share: the flash line, status words, action names and
// the invoice cells.
import { t } from './i18n.js';
import { el } from './dialog.js';
import { money, when } from './format.js';

/** flash shows a short message in the page's live region. */
export function flash(message, kind = 'ok') {
  const f = document.getElementById('flash');
  f.textContent = message;
  f.className = `flash ${kind}`;
  f.hidden = !message;
}

// The lifecycle states come from the server (facts.js, generated from the
// domain package), so the console lists what the API accepts.
export { STATUSES } from './facts.js';

// The API may spell an action as a path ("return/paper-received") or a word
// ("paper_received"); the console uses one name for each button.
const ACTION_ALIASES = {
  'return/paper-received': 'paper_received',
  'paper-received': 'paper_received',
  'receive_paper': 'paper_received',
  'return/reject': 'reject_return',
  'return-reject': 'reject_return',
  'red-flush': 'red_flush',
  'redflush': 'red_flush',
};

/** actions returns the invoice's actions as the console's names. */
export function actions(inv) {
  return new Set((inv.actions || []).map((a) => {
    const k = String(a).toLowerCase();
    return ACTION_ALIASES[k] || k.replace(/-/g, '_');
  }));
}

/** statusCell shows the status in the provider's words plus what explains it. */
export function statusCell(inv) {
  const td = el('td', {}, el('span', { class: `badge st-${inv.status}`, text: t(`status.${inv.status}`) }));
  if (inv.medium === 'electronic') {
    td.prepend(el('span', { class: 'badge medium-electronic', text: t('medium.electronic') }), ' ');
    // EINV-2: a 20-digit number and no code.
    if (inv.invoice_number) td.append(el('div', { class: 'sub e-number', text: t('inv.eNumber', { number: inv.invoice_number }) }));
    if (inv.return?.red_invoice_number) td.append(el('div', { class: 'sub', text: t('inv.eRedNumber', { number: inv.return.red_invoice_number }) }));
  } else if (inv.invoice_code && inv.invoice_number) {
    td.append(el('div', { class: 'sub', text: t('inv.number', { code: inv.invoice_code, number: inv.invoice_number }) }));
  }
  // DEF-2, DEF-5: what the invoice owes after refunds, and what was red-flushed of it.
  if (inv.deficit && inv.deficit !== '0.00') td.append(el('div', { class: 'sub warn deficit', text: t('inv.deficit', { amount: money(inv.deficit) }) }));
  if (inv.red_flushed_amount && inv.status !== 'red_flushed') td.append(el('div', { class: 'sub red-part', text: t('inv.redFlushedPart', { amount: money(inv.red_flushed_amount) }) }));
  const reason = inv.reject_reason || inv.return?.rejected_reason;
  if (reason) td.append(el('div', { class: 'sub', text: t('inv.reason', { reason }) }));
  // RETURN-6 (amended): a failed exchange is shown, never dropped.
  if (inv.exchange_failure) td.append(el('div', { class: 'sub warn exchange-failed', text: t('inv.exchangeFailed', { reason: inv.exchange_failure.reason }) }));
  return td;
}

/** deliveryCell shows the tracking number once shipped, else the SLA date. */
export function deliveryCell(inv) {
  const td = el('td');
  if (inv.medium === 'electronic') {
    // EINV-2: delivered by email on issue; EINV-3: issued by the next business day.
    if (inv.delivered_to?.length) td.append(el('div', { class: 'delivered', text: t('inv.delivered', { emails: inv.delivered_to.join(', ') }) }));
    else if (inv.emails?.length) td.append(el('div', { class: 'sub', text: t('inv.deliverTo', { emails: inv.emails.join(', ') }) }));
    if (inv.sla_due && ['under_review', 'issuing'].includes(inv.status)) td.append(el('div', { class: 'sub', text: t('inv.eSla', { date: inv.sla_due }) }));
    return td;
  }
  if (inv.shipment) {
    td.append(el('div', { class: 'tracking', text: t('inv.tracking', { courier: inv.shipment.courier, number: inv.shipment.tracking_number }) }));
    if (inv.shipment.late) td.append(el('div', { class: 'sub warn', text: t('inv.late') }));
  } else if (inv.sla_due && ['under_review', 'issuing', 'issued'].includes(inv.status)) {
    td.append(el('div', { class: 'sub', text: t('inv.sla', { date: inv.sla_due }) }));
  }
  return td;
}

/** basicCells are the columns both tables share. */
export function basicCells(inv) {
  const title = inv.title || {};
  return [
    el('td', { text: when(inv.requested_at) }),
    el('td', { text: (inv.statements || []).join(', ') }),
    el('td', { class: 'num', text: money(inv.amount) }),
    el('td', {}, el('div', { text: title.name || '' }), el('div', { class: 'sub', text: title.type ? t(`type.${title.type}`) : '' })),
    statusCell(inv),
    deliveryCell(inv),
  ];
}

/**
 * renderInvoices fills the invoice table `${name}-table` with a row per
 * invoice, shows `${name}-empty` (where the page has one) when there is
 * none and `${name}-more` while the list has a next page.
 */
export function renderInvoices(name, invoices, row, cursor) {
  document.querySelector(`#${name}-table tbody`).replaceChildren(...invoices.map((inv) => row(inv)));
  const empty = document.getElementById(`${name}-empty`);
  if (empty) empty.hidden = invoices.length > 0;
  document.getElementById(`${name}-more`).hidden = !cursor;
}
