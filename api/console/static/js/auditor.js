// The auditor's read-only account view: title, invoiceable balance, the
// account's invoices and its events in log order (AUD-1), paged by `next`.
import { t } from './i18n.js';
import { acct, get, query, ApiError } from './api.js';
import { el, describe } from './dialog.js';
import { money, when } from './format.js';
import { flash, basicCells, renderInvoices } from './common.js';

const PAGE = 20;
const EVENTS_PAGE = 15; // small enough that a busy account pages at once
let state = { account: '', title: null, balance: null, invoices: [], cursor: '', events: [], next: null };

const $ = (id) => document.getElementById(id);

/** initAuditor wires the view's controls once. */
export function initAuditor() {
  $('aud-form').addEventListener('submit', (ev) => {
    ev.preventDefault();
    lookup($('aud-account').value.trim());
  });
  $('auditor-more').addEventListener('click', () => guard(moreInvoices));
  $('events-more').addEventListener('click', () => guard(moreEvents));
}

/** resetAuditor forgets the account on view (at sign-out). */
export function resetAuditor() {
  state = { account: '', title: null, balance: null, invoices: [], cursor: '', events: [], next: null };
  $('aud-account').value = '';
  renderAuditor();
}

/** loadAuditor shows the view; an account looked up before is read again. */
export async function loadAuditor() {
  if (state.account) await lookup(state.account);
  else renderAuditor();
}

async function guard(fn) {
  try {
    await fn();
  } catch (e) {
    flash(describe(e), 'error');
  }
  renderAuditor();
}

async function lookup(account) {
  if (!account) return;
  state = { account, title: null, balance: null, invoices: [], cursor: '', events: [], next: null };
  await guard(async () => {
    const [title, balance, invoices, events] = await Promise.all([
      get(acct(account, 'title')).catch((e) => { if (e instanceof ApiError && e.status === 404) return null; throw e; }),
      get(acct(account, 'invoiceable')),
      get(acct(account, 'invoices') + query({ limit: PAGE })),
      get(acct(account, 'events') + query({ limit: EVENTS_PAGE })),
    ]);
    Object.assign(state, { title, balance });
    state.invoices = invoices?.items || [];
    state.cursor = invoices?.next_cursor || '';
    state.events = events?.items || [];
    state.next = events?.next ?? null;
    flash('');
  });
}

async function moreInvoices() {
  const page = await get(acct(state.account, 'invoices') + query({ limit: PAGE, cursor: state.cursor }));
  state.invoices = state.invoices.concat(page?.items || []);
  state.cursor = page?.next_cursor || '';
}

async function moreEvents() {
  const page = await get(acct(state.account, 'events') + query({ from: state.next, limit: EVENTS_PAGE }));
  state.events = state.events.concat(page?.items || []);
  state.next = page?.next ?? null;
}

function metadataOf(ev) {
  return ev.metadata && typeof ev.metadata === 'object' ? ev.metadata : {};
}

/** renderAuditor redraws the view (also after a language switch). */
export function renderAuditor() {
  $('aud-result').hidden = !state.account;
  if (!state.account) return;
  $('aud-account-name').textContent = state.account;
  const ti = state.title;
  $('aud-title').replaceChildren(ti
    ? el('p', {}, el('strong', { text: ti.name }), ' ', el('span', { class: `badge tt-${ti.status}`, text: t(`title.status.${ti.status}`) }), ' ', el('span', { class: 'sub', text: t(`type.${ti.type}`) }))
    : el('p', { class: 'muted', text: t('sup.noTitle') }));
  $('aud-total').textContent = state.balance ? money(state.balance.total) : '-';
  renderInvoices('auditor', state.invoices, (inv) =>
    el('tr', { 'data-invoice': inv.id, 'data-status': inv.status }, ...basicCells(inv)), state.cursor);
  document.querySelector('#events-table tbody').replaceChildren(...state.events.map((ev) => {
    const m = metadataOf(ev);
    return el('tr', { 'data-position': ev.position },
      el('td', { class: 'num', text: String(ev.position) }),
      el('td', { text: when(m.occurred_at) }),
      el('td', {}, el('code', { text: ev.type })),
      el('td', { text: m.actor ? `${m.actor.role}${m.actor.id ? ` ${m.actor.id}` : ''}` : '' }),
      el('td', {}, el('code', { class: 'data', text: JSON.stringify(ev.data) })));
  }));
  $('events-more').hidden = state.next === null;
}
