// Entry point: language, sign-in and which view the session sees.
import { t, applyStatic, currentLang, setLang } from './i18n.js';
import { session, signIn, signOut, get, acct } from './api.js';
import { wireDialog, describe } from './dialog.js';
import { flash } from './common.js';
import { setServerNow } from './format.js';
import { initCustomer, loadCustomer, renderCustomer } from './customer.js';
import { initFinance, loadFinance, renderFinance } from './finance.js';
import { initSupport, loadSupport, renderSupport, resetSupport } from './support.js';
import { initAuditor, loadAuditor, renderAuditor, resetAuditor } from './auditor.js';

// VIEWS: each role's section, how it loads and redraws, and the read that
// proves a token at sign-in (there is no "who am I" call).
const VIEWS = {
  customer: { load: loadCustomer, render: renderCustomer, probe: (account) => acct(account, 'invoiceable') },
  finance: { load: loadFinance, render: renderFinance, probe: () => '/v1/invoices?limit=1' },
  // Support may read only titles; a 404 for an account without one still proves the token.
  support: { load: loadSupport, render: renderSupport, probe: () => acct('_', 'title'), ok404: true },
  auditor: { load: loadAuditor, render: renderAuditor, probe: () => '/v1/events?limit=1' },
};

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
  for (const role of Object.keys(VIEWS)) $(role).hidden = s?.role !== role;
  renderChrome();
  if (s && !VIEWS[s.role]) {
    signOut(); // a session from another version of the console
    return show();
  }
  if (!s) {
    $('signin-token').focus();
    return;
  }
  await VIEWS[s.role].load();
  document.body.dataset.view = s.role; // tests and styles know the view is ready
}

async function onSignIn(ev) {
  ev.preventDefault();
  const token = $('signin-token').value.trim();
  const role = VIEWS[$('signin-role').value] ? $('signin-role').value : 'customer';
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
    // A read the role may make proves token and account.
    await get(VIEWS[role].probe(account)).catch((e) => { if (!(VIEWS[role].ok404 && e.status === 404)) throw e; });
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
  if (config.now) setServerNow(config.now);
  wireDialog();
  initCustomer(config);
  initFinance();
  initSupport();
  initAuditor();
  $('signin-form').addEventListener('submit', onSignIn);
  $('signin-role').addEventListener('change', renderChrome);
  $('sign-out').addEventListener('click', () => {
    signOut();
    resetSupport(); // the next person at this tab starts with no account on screen
    resetAuditor();
    flash('');
    delete document.body.dataset.view;
    show();
  });
  $('lang-toggle').addEventListener('click', () => {
    setLang(currentLang() === 'en' ? 'zh' : 'en');
    renderChrome();
    const s = session();
    VIEWS[s?.role]?.render();
  });
  await show();
  document.body.dataset.ready = 'true';
}

main();
