// Entry point: language, sign-in and which view the session sees.
import { t, applyStatic, currentLang, setLang } from './i18n.js';
import { session, signIn, signOut, get, acct } from './api.js';
import { wireDialog, describe } from './dialog.js';
import { flash } from './common.js';
import { initCustomer, loadCustomer, renderCustomer } from './customer.js';
import { initFinance, loadFinance, renderFinance } from './finance.js';

const $ = (id) => document.getElementById(id);

async function loadConfig() {
  try {
    const res = await fetch('config.json', { cache: 'no-store' });
    return await res.json();
  } catch {
    return {};
  }
}

function renderChrome() {
  applyStatic();
  $('lang-toggle').textContent = t('lang.other');
  $('lang-toggle').lang = currentLang() === 'en' ? 'zh-CN' : 'en';
  const s = session();
  $('who').hidden = !s;
  $('sign-out').hidden = !s;
  if (s) $('who').textContent = t('auth.who', { role: t(`role.${s.role}`), account: s.role === 'customer' ? s.account : '' }).replace(/[：:]\s*$/, '');
  $('signin-account-field').hidden = $('signin-role').value !== 'customer';
}

async function show() {
  const s = session();
  $('signin').hidden = !!s;
  $('customer').hidden = s?.role !== 'customer';
  $('finance').hidden = s?.role !== 'finance';
  renderChrome();
  if (!s) {
    $('signin-token').focus();
    return;
  }
  if (s.role === 'customer') await loadCustomer();
  else await loadFinance();
  document.body.dataset.view = s.role; // tests and styles know the view is ready
}

async function onSignIn(ev) {
  ev.preventDefault();
  const token = $('signin-token').value.trim();
  const role = $('signin-role').value;
  const account = $('signin-account').value.trim();
  const err = $('signin-error');
  err.hidden = true;
  if (!token || (role === 'customer' && !account)) {
    err.textContent = !token ? t('auth.needToken') : t('auth.needAccount');
    err.hidden = false;
    (!token ? $('signin-token') : $('signin-account')).focus();
    return;
  }
  signIn({ token, role, account: role === 'customer' ? account : '' });
  try {
    // There is no "who am I" call: a read the role may make proves token and account.
    await get(role === 'customer' ? acct(account, 'invoiceable') : '/v1/invoices?limit=1');
  } catch (e) {
    signOut();
    err.textContent = [401, 403, 404].includes(e.status) ? `${t('auth.bad')} (${describe(e)})` : describe(e);
    err.hidden = false;
    $('signin-token').focus();
    return;
  }
  $('signin-token').value = '';
  await show();
  $('main').focus();
}

async function main() {
  const config = await loadConfig();
  wireDialog();
  initCustomer(config);
  initFinance();
  $('signin-form').addEventListener('submit', onSignIn);
  $('signin-role').addEventListener('change', renderChrome);
  $('sign-out').addEventListener('click', () => {
    signOut();
    flash('');
    delete document.body.dataset.view;
    show();
  });
  $('lang-toggle').addEventListener('click', () => {
    setLang(currentLang() === 'en' ? 'zh' : 'en');
    renderChrome();
    const s = session();
    if (s?.role === 'customer') renderCustomer();
    if (s?.role === 'finance') renderFinance();
  });
  await show();
  document.body.dataset.ready = 'true';
}

main();
