// The support desk (客服): look up an account, clear its invoice title on a
// customer's request (TITLE-4) and cancel an application that is already
// issuing (CANCEL-1). The API lets support read only the title, not the
// invoices, so an application to cancel is named by the ID the customer
// quotes in the ticket (the customer's list shows it on issuing rows).
import { t } from './i18n.js';
import { acct, get, post, ApiError } from './api.js';
import { el, openForm, describe } from './dialog.js';
import { flash, basicCells } from './common.js';

const fresh = () => ({ account: '', title: null, looked: false, cancelled: [] });
let state = fresh();

const $ = (id) => document.getElementById(id);

/** initSupport wires the desk's controls once. */
export function initSupport() {
  $('sup-form').addEventListener('submit', (ev) => {
    ev.preventDefault();
    lookup($('sup-account').value.trim());
  });
  $('sup-cancel').addEventListener('click', openCancel);
}

/** resetSupport forgets the desk's account (at sign-out). */
export function resetSupport() {
  state = fresh();
  $('sup-account').value = '';
  renderSupport();
}

/** loadSupport shows the desk; an account looked up before is read again. */
export async function loadSupport() {
  if (state.account) await lookup(state.account);
  else renderSupport();
}

async function lookup(account) {
  if (!account) {
    $('sup-account').focus();
    return;
  }
  if (account !== state.account) state.cancelled = [];
  state.account = account;
  try {
    state.title = await get(acct(account, 'title'));
  } catch (e) {
    if (!(e instanceof ApiError && e.status === 404)) {
      state.looked = false;
      renderSupport();
      flash(describe(e), 'error');
      return;
    }
    state.title = null; // no current title (or no such account: the API does not say)
  }
  state.looked = true;
  flash('');
  renderSupport();
}

/** renderSupport redraws the desk (also after a language switch). */
export function renderSupport() {
  $('sup-account-box').hidden = !state.looked;
  if (!state.looked) return;
  $('sup-account-name').textContent = state.account;
  const box = $('sup-title');
  const ti = state.title;
  if (!ti) {
    box.replaceChildren(el('p', { class: 'muted', text: t('sup.noTitle') }));
  } else {
    const lines = [ti.taxpayer_id, ti.registered_address, ti.registered_phone, ti.bank_name, ti.bank_account].filter(Boolean).join(' · ');
    box.replaceChildren(
      el('p', {}, el('strong', { text: ti.name }), ' ', el('span', { class: `badge tt-${ti.status}`, text: t(`title.status.${ti.status}`) })),
      el('p', { class: 'sub', text: `${t(`type.${ti.type}`)}${lines ? ` · ${lines}` : ''}` }),
      el('div', { class: 'ops' }, el('button', { type: 'button', 'data-action': 'clear-title', onclick: openClear, text: t('sup.clear') })),
    );
  }
  const tbody = document.querySelector('#support-table tbody');
  tbody.replaceChildren(...state.cancelled.map((inv) => el('tr', { 'data-invoice': inv.id, 'data-status': inv.status }, ...basicCells(inv))));
  $('support-table').hidden = !state.cancelled.length;
}

const ticketField = () => ({ name: 'ticket', label: t('sup.ticket'), required: true, maxlength: 100, hint: t('sup.ticketHint') });

async function openClear() {
  const ti = state.title;
  const done = await openForm({
    title: t('sup.clear'),
    intro: [el('p', { text: t('sup.clearConfirm') }), el('p', { class: 'sub', text: `${state.account} · ${ti.name}` })],
    submit: t('sup.clear'),
    fields: [{ name: 'reason', type: 'textarea', label: t('sup.reason'), required: true }, ticketField()],
    onSubmit: (v, key) => post(acct(state.account, 'title', 'clear'), v, key),
  });
  if (done) {
    await lookup(state.account);
    flash(t('sup.cleared'));
  }
}

async function openCancel() {
  const done = await openForm({
    title: t('sup.cancel'),
    intro: [el('p', { text: t('sup.cancelIntro') }), el('p', { class: 'sub', text: state.account })],
    submit: t('sup.cancel'),
    fields: [{ name: 'invoice_id', label: t('inv.id'), required: true, maxlength: 36, hint: t('sup.invoiceHint') }, ticketField()],
    onSubmit: (v, key) => post(acct(state.account, 'invoices', v.invoice_id, 'cancel'), { ticket: v.ticket }, key),
  });
  if (done && typeof done === 'object') {
    state.cancelled = [done, ...state.cancelled.filter((x) => x.id !== done.id)];
    renderSupport();
    flash(t('sup.cancelled'));
  }
}
