// The finance work queue: every account's applications, filtered by status
// and account, and the buttons that move an invoice through its lifecycle.
import { t } from './i18n.js';
import { acct, get, post, put, query } from './api.js';
import { el, openForm, describe } from './dialog.js';
import { money, today } from './format.js';
import { flash, actions, renderInvoices, basicCells, STATUSES } from './common.js';
import { MONTH } from './facts.js';
import { isElectronic, confirmationLine, confirmationButtons, enterConfirmation } from './einvoice.js';

const PAGE = 20;
let state = { items: [], cursor: '', filter: { status: '', account: '' }, confirmations: [], quota: null, quotaMonth: '' };

// Each finance action: the path under the invoice, the fields of its dialog
// and an optional confirmation line. Order is the order of the buttons.
const ACTIONS = [
  { name: 'approve', path: ['approve'], confirm: 'fin.confirmApprove', fields: () => [] },
  { name: 'reject', path: ['reject'], fields: () => [{ name: 'reason', type: 'textarea', label: t('fin.reason'), required: true }] },
  {
    // EINV-2: an e-invoice has no code and a 20-digit number.
    name: 'issue', path: ['issue'], fields: (inv) => [
      isElectronic(inv) ? null : { name: 'invoice_code', label: t('fin.code'), required: true, inputmode: 'numeric', maxlength: 12 },
      isElectronic(inv)
        ? { name: 'invoice_number', label: t('fin.eNumber'), required: true, inputmode: 'numeric', maxlength: 20, hint: t('fin.eNumberHint') }
        : { name: 'invoice_number', label: t('fin.number'), required: true, inputmode: 'numeric', maxlength: 8 },
      { name: 'issued_on', type: 'date', label: t('fin.issuedOn'), required: true, value: today() },
      { name: 'tax_rate', label: t('fin.taxRate'), inputmode: 'decimal', maxlength: 6 },
    ].filter(Boolean),
  },
  {
    name: 'ship', path: ['ship'], fields: () => [
      { name: 'courier', label: t('fin.courier'), required: true },
      { name: 'tracking_number', label: t('fin.tracking'), required: true },
    ],
  },
  {
    name: 'paper_received', path: ['return', 'paper-received'], fields: () => [
      { name: 'complete', type: 'checkbox', label: t('fin.complete'), value: true },
      { name: 'note', type: 'textarea', label: t('fin.note') },
    ],
  },
  { name: 'reject_return', path: ['return', 'reject'], fields: () => [{ name: 'reason', type: 'textarea', label: t('fin.reason'), required: true }] },
  { name: 'void', path: ['void'], confirm: 'fin.confirmVoid', fields: () => [] },
  {
    // DEF-5: part of what an issued paper invoice owes, with the red-letter
    // information form (红字信息表); it stays issued.
    name: 'red_flush_part', path: ['red-flush'], intro: (inv) => t('fin.owes', { amount: money(inv.deficit) }), fields: (inv) => [
      { name: 'amount', label: t('fin.partAmount'), required: true, inputmode: 'decimal', maxlength: 20, value: inv.deficit || '' },
      { name: 'red_invoice_code', label: t('fin.redCode'), required: true, inputmode: 'numeric', maxlength: 12 },
      { name: 'red_invoice_number', label: t('fin.redNumber'), required: true, inputmode: 'numeric', maxlength: 8 },
      { name: 'red_letter_form_number', label: t('fin.redForm'), required: true },
    ],
  },
  {
    name: 'red_flush', path: ['red-flush'], fields: () => [
      { name: 'red_invoice_code', label: t('fin.redCode'), required: true, inputmode: 'numeric', maxlength: 12 },
      { name: 'red_invoice_number', label: t('fin.redNumber'), required: true, inputmode: 'numeric', maxlength: 8 },
    ],
  },
];

/** initFinance fills the status filter and wires the queue's controls once. */
export function initFinance() {
  document.getElementById('fin-filter').addEventListener('submit', (ev) => {
    ev.preventDefault();
    state.filter = {
      status: document.getElementById('fin-status').value,
      account: document.getElementById('fin-account').value.trim(),
    };
    loadFinance();
  });
  document.getElementById('finance-more').addEventListener('click', () => loadPage(true));
  document.getElementById('fin-quota-form').addEventListener('submit', (ev) => {
    ev.preventDefault();
    loadQuota(document.getElementById('fin-quota-month').value);
  });
  document.getElementById('fin-quota-set').addEventListener('click', setQuota);
  document.getElementById('fin-title-form').addEventListener('submit', (ev) => {
    ev.preventDefault();
    lookupTitle(document.getElementById('fin-title-account').value.trim());
  });
  renderStatusOptions();
}

function renderStatusOptions() {
  const sel = document.getElementById('fin-status');
  // "" (all) is a choice too: keep what is selected across a redraw.
  const cur = sel.options.length ? sel.value : state.filter.status;
  sel.replaceChildren(el('option', { value: '', text: t('status.all') }),
    ...STATUSES.map((s) => el('option', { value: s, text: t(`status.${s}`), selected: s === cur })));
}

/** loadFinance reloads the first page of the queue, the open red-letter
 * confirmations and the month's e-invoice quota. */
export async function loadFinance() {
  try {
    await loadOpenConfirmations(); // the queue's rows look at them
    await Promise.all([loadPage(false), loadQuota(state.quotaMonth || today().slice(0, 7))]);
  } catch (e) {
    flash(describe(e), 'error');
  }
}

async function loadOpenConfirmations() {
  state.confirmations = (await get('/v1/red-letter-confirmations'))?.items || [];
  renderConfirmations();
}

// The confirmations finance acts on (RED-2, RED-3, RED-5): pending ones,
// earliest deadline first, then those ready for their red invoice.
function renderConfirmations() {
  const tbody = document.querySelector('#fin-cf-table tbody');
  tbody.replaceChildren(...state.confirmations.map((cf) => el('tr', { 'data-confirmation': cf.id, 'data-cf-status': cf.status },
    el('td', { text: cf.account_id }),
    el('td', {}, confirmationLine(cf)),
    el('td', { class: 'ops' }, confirmationButtons(cf.account_id, cf, afterConfirmation)))));
  document.getElementById('fin-cf-empty').hidden = state.confirmations.length > 0;
}

async function afterConfirmation(message) {
  flash(message);
  await loadFinance();
  flash(message);
}

// EINV-5: the month's quota, used and remaining.
async function loadQuota(month) {
  if (!MONTH.test(month || '')) return;
  state.quotaMonth = month;
  document.getElementById('fin-quota-month').value = month;
  state.quota = await get(`/v1/quotas/${month}`);
  renderQuota();
}

function renderQuota() {
  const q = state.quota;
  const box = document.getElementById('fin-quota-result');
  if (!q) {
    box.replaceChildren();
    return;
  }
  const row = (key, value) => el('div', {}, el('dt', { text: t(key) }), el('dd', { 'data-quota': key.slice(key.indexOf('.') + 1), text: value }));
  box.replaceChildren(el('dl', { class: 'amounts' },
    row('quota.amount', q.amount == null ? t('quota.none') : money(q.amount)),
    row('quota.used', money(q.used)),
    row('quota.remaining', q.remaining == null ? t('quota.unlimited') : money(q.remaining))));
}

async function setQuota() {
  const month = state.quotaMonth || today().slice(0, 7);
  const done = await openForm({
    title: t('quota.setHeading', { month }),
    intro: [el('p', { class: 'sub', text: t('quota.setIntro') })],
    submit: t('quota.set'),
    fields: [{ name: 'amount', label: t('quota.amount'), required: true, inputmode: 'decimal', maxlength: 20, value: state.quota?.amount ?? '' }],
    onSubmit: (v) => put(`/v1/quotas/${month}`, v),
  });
  if (done) {
    flash(t('fin.done', { action: t('quota.set') }));
    await loadQuota(month);
  }
}

async function loadPage(more) {
  const page = await get('/v1/invoices' + query({ ...state.filter, limit: PAGE, cursor: more ? state.cursor : '' }));
  const items = page?.items || [];
  state.items = more ? state.items.concat(items) : items;
  state.cursor = page?.next_cursor || '';
  renderFinance();
}

/** renderFinance redraws the queue (also after a language switch). */
export function renderFinance() {
  renderStatusOptions();
  renderConfirmations();
  renderQuota();
  renderInvoices('finance', state.items, row, state.cursor);
}

function row(inv) {
  const acts = actions(inv);
  const ops = el('td', { class: 'ops' });
  for (const a of ACTIONS) {
    if (acts.has(a.name)) ops.append(el('button', { type: 'button', 'data-action': a.name, onclick: () => run(a, inv), text: t(`act.${a.name}`) }));
  }
  // RED-1: finance (the seller) enters a confirmation for an e-invoice;
  // the red invoice is then issued from the confirmation's line above.
  if (acts.has('confirmation') && !state.confirmations.some((cf) => cf.invoice_id === inv.id)) {
    ops.append(el('button', { type: 'button', 'data-action': 'confirmation', onclick: () => enterAsSeller(inv), text: t('act.confirmation') }));
  }
  return el('tr', { 'data-invoice': inv.id, 'data-status': inv.status },
    el('td', { text: inv.account_id }), ...basicCells(inv), ops);
}

async function run(a, inv) {
  const label = t(`act.${a.name}`);
  const intro = [el('p', { class: 'sub', text: `${inv.account_id} · ${(inv.statements || []).join(', ')} · ${money(inv.amount)} · ${t(`status.${inv.status}`)}` })];
  if (a.confirm) intro.unshift(el('p', { text: t(a.confirm) }));
  if (a.intro) intro.unshift(el('p', { text: a.intro(inv) }));
  const done = await openForm({
    title: label,
    intro,
    submit: label,
    fields: a.fields(inv),
    onSubmit: async (v, key) => {
      try {
        return await post(acct(inv.account_id, 'invoices', inv.id, ...a.path), v, key);
      } catch (e) {
        // RETURN-4: say in the page's language why, and what to do instead.
        if (a.name === 'void' && e.code === 'RETURN-4') e.problem.detail = `${t('fin.voidRefused')} (${e.problem.detail || ''})`;
        throw e;
      }
    },
  });
  if (done) {
    flash(t('fin.done', { action: label }));
    await loadFinance();
  }
}

async function enterAsSeller(inv) {
  const done = await enterConfirmation(inv.account_id, inv, false);
  if (done) await afterConfirmation(t('cf.entered'));
}

// Title review (TITLE-3): a vat_special title waits for finance.
async function lookupTitle(account) {
  const box = document.getElementById('fin-title-result');
  if (!account) return;
  let ti;
  try {
    ti = await get(acct(account, 'title'));
  } catch (e) {
    box.replaceChildren(el('p', { class: 'form-error', role: 'alert', text: describe(e) }));
    return;
  }
  const lines = [ti.taxpayer_id, ti.registered_address, ti.registered_phone, ti.bank_name, ti.bank_account].filter(Boolean).join(' · ');
  box.replaceChildren(...[
    el('p', {}, el('strong', { text: ti.name }), ' ', el('span', { class: `badge tt-${ti.status}`, text: t(`title.status.${ti.status}`) })),
    el('p', { class: 'sub', text: `${account} · ${t(`type.${ti.type}`)}${lines ? ` · ${lines}` : ''}` }),
    ti.reason ? el('p', { class: 'sub', text: t('inv.reason', { reason: ti.reason }) }) : null,
    ti.status === 'pending_review' ? el('div', { class: 'ops' },
      el('button', { type: 'button', 'data-action': 'approve-title', onclick: () => reviewTitle(account, ti, true), text: t('act.approve') }),
      el('button', { type: 'button', 'data-action': 'reject-title', onclick: () => reviewTitle(account, ti, false), text: t('act.reject') })) : null,
  ].filter(Boolean));
}

async function reviewTitle(account, ti, approve) {
  const label = t(approve ? 'act.approve' : 'act.reject');
  const done = await openForm({
    title: `${t('fin.titleHeading')} · ${label}`,
    intro: [el('p', { text: approve ? t('fin.titleApprove') : `${ti.name}` })],
    submit: label,
    fields: approve ? [] : [{ name: 'reason', type: 'textarea', label: t('fin.reason'), required: true }],
    onSubmit: (v, key) => post(acct(account, 'title', approve ? 'approve' : 'reject'), v, key),
  });
  if (done) {
    flash(t('fin.done', { action: label }));
    await lookupTitle(account);
  }
}
