// E-invoices (数电发票, EINV-*) and red-letter confirmations (红字确认单,
// RED-*): what the customer's and finance's views share — the delivery
// emails field with its inline check, a confirmation's line with its
// deadline and buttons, and the dialogs that enter and answer one.
import { t } from './i18n.js';
import { acct, get, post } from './api.js';
import { el, openForm } from './dialog.js';
import { money, when, today } from './format.js';
import { RED_REASONS, MAX_EMAILS } from './facts.js';

// A bare addr-spec as the console checks it before the server does
// (EINV-1): no display name, no angle brackets, a dotted domain, ≤ 254.
const EMAIL = /^[^\s@<>()",;:\\[\]]+@[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?)+$/;

/** splitEmails reads the emails field: commas, semicolons, spaces or new lines. */
export function splitEmails(s) {
  return String(s || '').split(/[\s,;，；]+/).map((x) => x.trim()).filter(Boolean);
}

/** emailProblem says what is wrong with the field's value, or ''. */
export function emailProblem(s) {
  const list = splitEmails(s);
  if (!list.length) return t('email.need');
  if (list.length > MAX_EMAILS) return t('email.tooMany', { max: MAX_EMAILS });
  const seen = new Set();
  for (const e of list) {
    if (e.length > 254 || !EMAIL.test(e)) return t('email.bad', { email: e });
    if (seen.has(e.toLowerCase())) return t('email.twice', { email: e });
    seen.add(e.toLowerCase());
  }
  return '';
}

/** emailsField is the dialog field for delivery emails, checked as typed. */
export function emailsField(showIf) {
  return {
    name: 'emails',
    type: 'custom',
    showIf,
    render(wrap) {
      const input = el('input', { id: 'f-emails', name: 'emails', type: 'text', inputmode: 'email', autocomplete: 'email',
        maxlength: 800, 'aria-describedby': 'f-emails-err f-emails-hint' });
      const err = () => wrap.querySelector('.field-error');
      // Inline: the message follows the typing once the field was left once.
      let touched = false;
      const check = () => {
        if (!touched) return;
        const p = err();
        const msg = emailProblem(input.value);
        p.textContent = msg;
        p.hidden = !msg;
        if (msg) input.setAttribute('aria-invalid', 'true');
        else input.removeAttribute('aria-invalid');
      };
      input.addEventListener('blur', () => { touched = true; check(); });
      input.addEventListener('input', check);
      wrap.append(el('label', { for: 'f-emails', text: `${t('apply.emails')} *` }), input,
        el('p', { class: 'hint', id: 'f-emails-hint', text: t('apply.emailsHint', { max: MAX_EMAILS }) }));
    },
    read: () => splitEmails(document.getElementById('f-emails')?.value),
  };
}

/** validateEmails is the dialog's check before sending. */
export function validateEmails(v) {
  if (v.medium !== 'electronic') return [];
  const msg = emailProblem((v.emails || []).join(' '));
  return msg ? [{ field: 'emails', message: msg }] : [];
}

/** isElectronic reports whether an invoice is an e-invoice. */
export const isElectronic = (inv) => inv?.medium === 'electronic';

/** confirmationLine describes a confirmation: status, who entered it, the
 * amount and, while pending, the deadline. */
export function confirmationLine(cf) {
  const parts = [
    el('span', { class: `badge cf-${cf.status}`, text: t(`cf.status.${cf.status}`) }), ' ',
    el('span', { text: `${t('cf.name')} · ${t(`cf.by.${cf.entered_by}`)} · ${money(cf.amount)}` }),
  ];
  if (cf.reason) parts.push(el('span', { class: 'sub', text: ` · ${t(`cf.reason.${cf.reason}`)}` }));
  if (cf.expires_at && (cf.status === 'pending_buyer' || cf.status === 'pending_seller')) {
    parts.push(el('div', { class: 'sub warn deadline', text: t('cf.deadline', { when: when(cf.expires_at) }) }));
  }
  if (cf.refuse_reason) parts.push(el('div', { class: 'sub', text: t('inv.reason', { reason: cf.refuse_reason }) }));
  return el('div', { class: 'confirmation', 'data-confirmation': cf.id, 'data-cf-status': cf.status }, ...parts);
}

/** confirmationButtons are the caller's buttons on a confirmation
 * (its actions), each running its dialog and then done(). */
export function confirmationButtons(account, cf, done, invoice) {
  const acts = new Set(cf.actions || []);
  const box = el('span', { class: 'cf-ops' });
  const btn = (name, fn) => box.append(el('button', { type: 'button', 'data-action': `cf-${name}`, onclick: fn, text: t(`cf.act.${name}`) }));
  if (acts.has('confirm')) btn('confirm', () => answer(account, cf, 'confirm', done));
  if (acts.has('refuse')) btn('refuse', () => answer(account, cf, 'refuse', done));
  if (acts.has('withdraw')) btn('withdraw', () => answer(account, cf, 'withdraw', done));
  if (acts.has('red_flush')) btn('red_flush', () => redFlush(account, cf, done, invoice));
  return box;
}

async function answer(account, cf, what, done) {
  const label = t(`cf.act.${what}`);
  const ok = await openForm({
    title: `${t('cf.name')} · ${label}`,
    intro: [el('p', { text: t(`cf.confirmText.${what}`) }), confirmationLine(cf)],
    submit: label,
    fields: what === 'refuse' ? [{ name: 'reason', type: 'textarea', label: t('fin.reason'), required: true }] : [],
    onSubmit: (v, key) => post(acct(account, 'red-letter-confirmations', cf.id, what), what === 'refuse' ? v : {}, key),
  });
  if (ok) await done(t('fin.done', { action: label }));
}

/** redFlush is finance issuing the red e-invoice against a usable
 * confirmation (RED-5): a 20-digit number, today's date by default. */
async function redFlush(account, cf, done, invoice) {
  const label = t('cf.act.red_flush');
  const ok = await openForm({
    title: label,
    intro: [confirmationLine(cf)],
    submit: label,
    fields: [
      { name: 'red_invoice_number', label: t('fin.eRedNumber'), required: true, inputmode: 'numeric', maxlength: 20, hint: t('fin.eNumberHint') },
      { name: 'issued_on', type: 'date', label: t('fin.issuedOn'), required: true, value: today() },
    ],
    onSubmit: (v, key) => post(acct(account, 'invoices', cf.invoice_id, 'red-flush'), { ...v, confirmation_id: cf.id }, key),
  });
  if (ok) await done(t('fin.done', { action: label }), invoice);
}

/** enterConfirmation is the dialog that enters a confirmation: the
 * customer's return request of an e-invoice, or finance's (the seller's). */
export async function enterConfirmation(account, inv, asBuyer) {
  const special = inv.title?.type === 'vat_special';
  const fields = [
    { name: 'reason', type: 'select', label: t('cf.reasonLabel'), value: 'issuing_error',
      options: RED_REASONS.map((v) => ({ value: v, label: t(`cf.reason.${v}`) })) },
  ];
  // RED-1: deducted is always false for vat_general; the question is only asked for special invoices.
  if (special) fields.push({ name: 'deducted', type: 'checkbox', label: t(asBuyer ? 'cf.q.deducted' : 'cf.q.deductedSeller') });
  fields.push({ name: 'booked', type: 'checkbox', label: t(asBuyer ? 'cf.q.booked' : 'cf.q.bookedSeller') });
  return openForm({
    title: asBuyer ? t('cf.returnHeading') : t('cf.enterHeading'),
    intro: [
      el('p', { text: t(asBuyer ? 'cf.returnIntro' : 'cf.enterIntro') }),
      el('p', { class: 'sub', text: `${t('inv.eNumber', { number: inv.invoice_number || '' })} · ${money(inv.amount)}` }),
    ],
    submit: t(asBuyer ? 'cf.returnSubmit' : 'cf.enterSubmit'),
    fields,
    onSubmit: (v, key) => post(acct(account, 'invoices', inv.id, 'red-letter-confirmations'),
      { reason: v.reason, deducted: !!v.deducted, booked: !!v.booked }, key),
  });
}

/** loadConfirmations reads an invoice's confirmations (oldest first). */
export async function loadConfirmations(account, invoiceId) {
  const page = await get(acct(account, 'invoices', invoiceId, 'red-letter-confirmations'));
  return page?.items || [];
}
