// The customer's 发票列表 page: invoiceable amounts, title, addresses, the
// apply dialog and the application records with cancel and return.
import { t } from './i18n.js';
import { acct, get, post, put, del, query, session, ApiError } from './api.js';
import { el, openForm, describe } from './dialog.js';
import { cents, money } from './format.js';
import { flash, actions, basicCells, renderInvoices } from './common.js';
import { emailsField, validateEmails, isElectronic, confirmationLine, confirmationButtons, enterConfirmation, loadConfirmations } from './einvoice.js';
import { TITLE_TYPES, HOLDERS, OPEN_CONFIRMATIONS } from './facts.js';

const PAGE = 20;
let config = {};
let state = { title: null, addresses: [], balance: null, statements: [], invoices: [], cursor: '', confirmations: {} };

/** initCustomer wires the page's buttons once. */
export function initCustomer(cfg) {
  config = cfg;
  document.getElementById('btn-title').addEventListener('click', openTitle);
  document.getElementById('btn-address').addEventListener('click', () => openAddress());
  document.getElementById('btn-apply').addEventListener('click', openApply);
  document.getElementById('customer-more').addEventListener('click', () => loadInvoices(true));
}

const account = () => session().account;

async function optional(path) {
  try {
    return await get(path);
  } catch (e) {
    if (e instanceof ApiError && e.status === 404) return null;
    throw e;
  }
}

const itemsOf = (x) => (Array.isArray(x) ? x : x?.items || []);

/** loadCustomer reads everything the page shows and renders it. */
export async function loadCustomer() {
  const a = account();
  try {
    const [balance, title, addresses, statements] = await Promise.all([
      get(acct(a, 'invoiceable')),
      optional(acct(a, 'title')),
      get(acct(a, 'addresses')),
      get(acct(a, 'statements')),
    ]);
    state.balance = balance;
    state.statements = itemsOf(statements);
    state.title = title;
    state.addresses = itemsOf(addresses);
    await loadInvoices(false);
  } catch (e) {
    flash(describe(e), 'error');
  }
  renderCustomer();
}

async function loadInvoices(more) {
  const page = await get(acct(account(), 'invoices') + query({ limit: PAGE, cursor: more ? state.cursor : '' }));
  state.invoices = more ? state.invoices.concat(itemsOf(page)) : itemsOf(page);
  state.cursor = page?.next_cursor || '';
  await loadInvoiceConfirmations();
  if (more) renderCustomerInvoices();
}

// The red-letter confirmations of the e-invoices that can still have one
// open (issued, return requested) or just used one (red-flushed).
async function loadInvoiceConfirmations() {
  const wanted = state.invoices.filter((inv) => isElectronic(inv) && ['issued', 'return_requested', 'red_flushed'].includes(inv.status));
  const lists = await Promise.all(wanted.map((inv) => loadConfirmations(account(), inv.id).catch(() => [])));
  state.confirmations = {};
  wanted.forEach((inv, i) => { state.confirmations[inv.id] = lists[i]; });
}

/** renderCustomer redraws the page from state (also after a language switch). */
export function renderCustomer() {
  const b = state.balance || {};
  for (const k of ['kingsoft', 'marketplace', 'total', 'merchant', 'offline', 'deductions']) {
    document.getElementById(`amt-${k}`).textContent = b[k] !== undefined ? money(b[k]) : '-';
  }
  const phone = config.support_phone;
  document.getElementById('offline-why').textContent = t('amounts.offlineWhy', { phone });
  renderDeficit(b);
  renderStatements();
  document.getElementById('notes-offline').textContent = t('amounts.offlineWhy', { phone });
  renderTitle();
  renderAddresses();
  renderApplyHint();
  renderCustomerInvoices();
}

// DEF-3: while a deficit is owed nothing is invoiceable; say why and what clears it.
function renderDeficit(b) {
  const owed = b.deficit && cents(b.deficit) > 0n;
  document.getElementById('deficit-box').hidden = !owed;
  if (!owed) return;
  document.getElementById('amt-deficit').textContent = money(b.deficit);
  document.getElementById('deficit-why').textContent = t('deficit.why', { amount: money(b.deficit) });
  document.getElementById('deficit-clears').textContent = t('deficit.clears');
}

// The statements with what refunds took off (DEF-1) and what offset a deficit (DEF-3).
function renderStatements() {
  const tbody = document.querySelector('#statements-table tbody');
  const num = (v) => el('td', { class: 'num', text: v === undefined ? '-' : money(v) });
  tbody.replaceChildren(...state.statements.map((s) => el('tr', { 'data-month': s.month, 'data-status': s.status },
    el('td', { text: s.month }),
    el('td', {}, el('span', { class: `badge stmt-${s.status}`, text: t(`stmt.status.${s.status}`) })),
    num(s.invoiceable), num(s.adjusted), num(s.offset), num(s.available))));
  document.getElementById('statements-empty').hidden = state.statements.length > 0;
}

const titleOf = (x) => (x?.title && typeof x.title === 'object' ? x.title : x);

function currentTitle() {
  const s = state.title?.status;
  return s === 'approved' || s === 'pending_review' ? state.title : null;
}

function renderTitle() {
  const box = document.getElementById('title-summary');
  const cur = currentTitle();
  const btn = document.getElementById('btn-title');
  if (!state.title) {
    box.replaceChildren(el('p', { class: 'muted', text: t('title.none') }));
  } else {
    const ti = titleOf(state.title);
    box.replaceChildren(...[
      el('p', {}, el('strong', { text: ti.name }), ' ', el('span', { class: `badge tt-${state.title.status}`, text: t(`title.status.${state.title.status}`) })),
      el('p', { class: 'sub', text: [t(`type.${ti.type}`), ti.holder ? t(`holder.${ti.holder}`) : '', ti.taxpayer_id || ''].filter(Boolean).join(' · ') }),
      state.title.reason ? el('p', { class: 'sub', text: t('inv.reason', { reason: state.title.reason }) }) : null,
    ].filter(Boolean));
  }
  // TITLE-4: a current title cannot be edited by the customer; say how to change it.
  btn.hidden = !!cur;
  if (cur) box.append(el('p', { class: 'hint', text: t('title.change', { phone: config.support_phone }) }));
}

const addrOf = (x) => (x?.address && typeof x.address === 'object' ? x.address : x);

function addressLine(a) {
  return `${a.recipient} ${a.phone} · ${a.province}${a.city}${a.district || ''}${a.street} · ${a.postal_code}`;
}

function renderAddresses() {
  const ul = document.getElementById('addr-list');
  if (!state.addresses.length) {
    ul.replaceChildren(el('li', { class: 'muted', text: t('addr.none') }));
    return;
  }
  // ADDR-2: the customer may update and remove addresses and pick the default.
  ul.replaceChildren(...state.addresses.map((x) => el('li', { 'data-address': x.id },
    el('span', { text: addressLine(addrOf(x)) }),
    x.default ? el('span', { class: 'badge', text: t('addr.default') }) : null,
    el('span', { class: 'addr-ops' },
      el('button', { type: 'button', class: 'link', 'data-action': 'edit-address', onclick: () => openAddress(x), text: t('addr.edit') }),
      x.default ? null : el('button', { type: 'button', class: 'link', 'data-action': 'default-address', onclick: () => makeDefault(x), text: t('addr.makeDefault') }),
      el('button', { type: 'button', class: 'link', 'data-action': 'delete-address', onclick: () => openDeleteAddress(x), text: t('addr.delete') })))));
}

function renderApplyHint() {
  const hints = [];
  if (!state.title) hints.push(t('apply.needTitle'));
  else if (state.title.status === 'pending_review') hints.push(t('apply.titlePending'));
  if (!state.addresses.length) hints.push(t('apply.needAddress'));
  if (state.balance?.deficit && cents(state.balance.deficit) > 0n) hints.push(t('apply.deficit', { amount: money(state.balance.deficit) }));
  else if (state.balance && cents(state.balance.total) === 0n) hints.push(t('apply.zero'));
  document.getElementById('apply-hint').textContent = hints.join(' ');
}

function renderCustomerInvoices() {
  renderInvoices('customer', state.invoices, invoiceRow, state.cursor);
}

function invoiceRow(inv) {
  const acts = actions(inv);
  const ops = el('td', { class: 'ops' });
  if (acts.has('cancel')) ops.append(el('button', { type: 'button', 'data-action': 'cancel', onclick: () => openCancel(inv), text: t('act.cancel') }));
  // CANCEL-1: only support cancels while issuing; the ticket must name the application.
  if (inv.status === 'issuing') ops.append(el('p', { class: 'hint', text: t('inv.issuingHint') }), el('p', { class: 'sub' }, `${t('inv.id')}：`, el('code', { class: 'inv-id', text: inv.id })));
  const cfs = state.confirmations[inv.id] || [];
  const open = cfs.find((cf) => OPEN_CONFIRMATIONS.includes(cf.status) && !cf.used);
  if (isElectronic(inv)) {
    // EINV-4: an e-invoice comes back through a red-letter confirmation,
    // which is the customer's return request (RED-1); one open at a time (RED-4).
    if (acts.has('confirmation') && !open) ops.append(el('button', { type: 'button', 'data-action': 'e-return', onclick: () => openEReturn(inv), text: t('act.eReturn') }));
  } else if (acts.has('return')) {
    ops.append(el('button', { type: 'button', 'data-action': 'return', onclick: () => openReturn(inv), text: t('act.return') }));
  }
  const shown = open || cfs[cfs.length - 1];
  if (shown) ops.append(el('div', { class: 'cf-box' }, confirmationLine(shown), confirmationButtons(account(), shown, afterCommand)));
  return el('tr', { 'data-invoice': inv.id, 'data-status': inv.status, 'data-medium': inv.medium || 'paper' }, ...basicCells(inv), ops);
}

async function openEReturn(inv) {
  const done = await enterConfirmation(account(), inv, true);
  if (done) await afterCommand(t(done.status === 'not_required' ? 'cf.returnedNotRequired' : 'cf.returned'));
}

async function afterCommand(message) {
  flash(message);
  await loadCustomer();
  flash(message);
}

async function openTitle() {
  const special = (v) => v.type === 'vat_special';
  const company = (v) => special(v) || v.holder === 'company';
  const done = await openForm({
    title: t('title.add'),
    fields: [
      { name: 'type', type: 'select', label: t('title.type'), value: 'vat_general', options: TITLE_TYPES.map((v) => ({ value: v, label: t(`type.${v}`) })) },
      { name: 'holder', type: 'select', label: t('title.holder'), value: 'company', showIf: (v) => !special(v), options: HOLDERS.map((v) => ({ value: v, label: t(`holder.${v}`) })) },
      { name: 'name', label: t('title.name'), required: true, autocomplete: 'organization' },
      { name: 'taxpayer_id', label: t('title.taxpayer'), required: true, showIf: company, maxlength: 20 },
      { name: 'registered_address', label: t('title.regAddress'), required: true, showIf: special },
      { name: 'registered_phone', label: t('title.regPhone'), required: true, showIf: special, type: 'tel' },
      { name: 'bank_name', label: t('title.bank'), required: true, showIf: special },
      { name: 'bank_account', label: t('title.bankAccount'), required: true, showIf: special, inputmode: 'numeric' },
    ],
    onSubmit: (v, key) => post(acct(account(), 'title'), { ...v, holder: special(v) ? 'company' : v.holder }, key),
  });
  if (done) await afterCommand(t('saved'));
}

const ADDRESS_FIELDS = ['recipient', 'phone', 'province', 'city', 'district', 'street', 'postal_code'];

// openAddress adds an address, or edits the one given (PUT keeps its ID).
async function openAddress(existing) {
  const editing = existing && existing.id ? addrOf(existing) : null;
  const v = (name) => (editing ? editing[name] ?? '' : undefined);
  const done = await openForm({
    title: editing ? t('addr.editHeading') : t('addr.add'),
    fields: [
      { name: 'recipient', label: t('addr.recipient'), required: true, autocomplete: 'name', value: v('recipient') },
      { name: 'phone', label: t('addr.phone'), required: true, type: 'tel', autocomplete: 'tel', value: v('phone') },
      { name: 'province', label: t('addr.province'), required: true, autocomplete: 'address-level1', value: v('province') },
      { name: 'city', label: t('addr.city'), required: true, autocomplete: 'address-level2', value: v('city') },
      { name: 'district', label: t('addr.district'), autocomplete: 'address-level3', value: v('district') },
      { name: 'street', label: t('addr.street'), required: true, autocomplete: 'street-address', value: v('street') },
      { name: 'postal_code', label: t('addr.postal'), required: true, inputmode: 'numeric', autocomplete: 'postal-code', maxlength: 6, value: v('postal_code') },
      { name: 'default', type: 'checkbox', label: t('addr.setDefault'), value: editing ? !!existing.default : state.addresses.length === 0 },
    ],
    onSubmit: (vals, key) => (editing
      ? put(acct(account(), 'addresses', existing.id), vals)
      : post(acct(account(), 'addresses'), vals, key)),
  });
  if (done) await afterCommand(t('saved'));
}

async function makeDefault(x) {
  const a = addrOf(x);
  const body = { default: true };
  for (const k of ADDRESS_FIELDS) body[k] = a[k] ?? '';
  try {
    await put(acct(account(), 'addresses', x.id), body);
  } catch (e) {
    flash(describe(e), 'error');
    return;
  }
  await afterCommand(t('addr.defaultDone'));
}

async function openDeleteAddress(x) {
  const done = await openForm({
    title: t('addr.deleteHeading'),
    intro: [el('p', { text: t('addr.deleteConfirm') }), el('p', { class: 'sub', text: addressLine(addrOf(x)) })],
    fields: [],
    submit: t('addr.delete'),
    onSubmit: () => del(acct(account(), 'addresses', x.id)),
  });
  if (done) await afterCommand(t('addr.deleted'));
}

function addressOptions() {
  return state.addresses.map((x) => ({ value: x.id, label: addressLine(addrOf(x)) }));
}

function defaultAddressId() {
  return (state.addresses.find((x) => x.default) || state.addresses[0])?.id || '';
}

async function openApply() {
  let statements = [];
  try {
    statements = itemsOf(await get(acct(account(), 'statements') + query({ status: 'available' })))
      .filter((s) => cents(s.invoiceable) > 0n);
  } catch (e) {
    flash(describe(e), 'error');
    return;
  }
  const total = el('output', { id: 'apply-total', 'aria-live': 'polite', text: money(0n) });
  const boxes = statements.map((s) => el('input', { type: 'checkbox', id: `stmt-${s.month}`, value: s.month, 'data-cents': cents(s.invoiceable).toString() }));
  const recount = () => {
    total.textContent = money(boxes.filter((b) => b.checked).reduce((sum, b) => sum + BigInt(b.dataset.cents), 0n));
  };
  const stmtField = {
    name: 'statements',
    type: 'custom',
    render(wrap) {
      const fs = el('fieldset', { class: 'statements' }, el('legend', { text: t('apply.statements') }));
      if (!statements.length) fs.append(el('p', { class: 'muted', text: t('apply.noStatements') }));
      statements.forEach((s, i) => {
        boxes[i].addEventListener('change', recount);
        fs.append(el('div', { class: 'stmt' }, boxes[i], el('label', { for: boxes[i].id },
          el('span', { class: 'month', text: s.month }), ' ',
          el('span', { class: 'num', text: money(s.invoiceable) }), ' ',
          el('span', { class: 'sub', text: `${t('amounts.kingsoft')} ${money(s.kingsoft)} · ${t('amounts.marketplace')} ${money(s.marketplace)}` }))));
      });
      fs.append(el('p', { class: 'total-line' }, el('span', { text: `${t('apply.total')}：` }), total));
      wrap.append(fs);
    },
    read: () => boxes.filter((b) => b.checked).map((b) => b.value),
  };
  const electronic = (v) => v.medium === 'electronic';
  const done = await openForm({
    title: t('apply.heading'),
    submit: t('apply.submit'),
    fields: [
      stmtField,
      // EINV-1: paper (the default) is mailed to an address; an e-invoice goes to 1–3 emails.
      { name: 'medium', type: 'select', label: t('apply.medium'), value: 'paper',
        options: ['paper', 'electronic'].map((m) => ({ value: m, label: t(`medium.${m}`) })) },
      { name: 'address_id', type: 'select', label: t('apply.address'), value: defaultAddressId(), options: addressOptions(), showIf: (v) => !electronic(v) },
      emailsField(electronic),
      { name: 'agree', type: 'checkbox', label: `${t('apply.agree')} ${t('apply.agreeText')}` },
    ],
    validate(v) {
      const out = [];
      if (!v.statements.length) out.push({ field: 'statements', message: t('apply.pickOne') });
      out.push(...validateEmails(v));
      if (!v.agree) out.push({ field: 'agree', message: t('apply.mustAgree') });
      return out;
    },
    onSubmit: (v, key) => {
      const body = { statements: v.statements, medium: v.medium, agree: v.agree };
      if (electronic(v)) body.emails = v.emails;
      else body.address_id = v.address_id;
      return post(acct(account(), 'invoices'), body, key);
    },
  });
  if (done) await afterCommand(t('apply.done'));
}

async function openCancel(inv) {
  const done = await openForm({
    title: t('cancel.heading'),
    intro: [el('p', { text: t('cancel.confirm') }), el('p', { class: 'sub', text: `${(inv.statements || []).join(', ')} · ${money(inv.amount)}` })],
    fields: [],
    submit: t('cancel.ok'),
    onSubmit: (_, key) => post(acct(account(), 'invoices', inv.id, 'cancel'), {}, key),
  });
  if (done) await afterCommand(t('cancel.done'));
}

function mailBack() {
  const r = config.return_address || {};
  return [
    el('p', { text: t('return.mail') }),
    el('p', { class: 'sub', text: t('return.copies') }),
    el('address', { class: 'mailback' },
      el('div', { text: t('return.address', { address: r.address }) }),
      el('div', { text: t('return.postal', { postal: r.postal_code }) }),
      el('div', { text: t('return.recipient', { recipient: r.recipient }) }),
      el('div', { text: t('return.phone', { phone: r.phone }) })),
    el('p', { class: 'sub', text: t('return.issuer', { issuer: config.issuer }) }),
  ];
}

async function openReturn(inv) {
  const special = inv.title?.type === 'vat_special';
  const fields = [{ name: 'reason', type: 'textarea', label: t('return.reason'), required: true }];
  if (special) {
    fields.push(
      { name: 'certified', type: 'checkbox', label: t('return.certified') },
      { name: 'red_letter_form_number', label: t('return.redForm'), required: true, showIf: (v) => v.certified, hint: t('return.redFormHint') },
    );
  }
  fields.push(
    { name: 'exchange', type: 'checkbox', label: t('return.exchange') },
    { name: 'address_id', type: 'select', label: t('return.exchangeAddress'), value: defaultAddressId(), options: addressOptions(), showIf: (v) => v.exchange },
  );
  const done = await openForm({
    title: t('return.heading'),
    intro: mailBack(),
    fields,
    onSubmit: (v, key) => post(acct(account(), 'invoices', inv.id, 'return'), v, key),
  });
  if (done) await afterCommand(t('return.done'));
}
