// One modal dialog (the native <dialog>, so Esc closes it and focus stays
// inside) that every form of the console is built into: title, address,
// apply, return and the finance actions. Fields come from a small spec.
import { t } from './i18n.js';
import { newKey } from './api.js';

const dlg = () => document.getElementById('dlg');
let pending = null; // {resolve} of the open dialog

/** el makes an element with attributes and children (text or nodes). */
export function el(tag, attrs = {}, ...children) {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (v === undefined || v === null || v === false) continue;
    if (k === 'class') e.className = v;
    else if (k === 'text') e.textContent = v;
    else if (k.startsWith('on')) e.addEventListener(k.slice(2), v);
    else e.setAttribute(k, v === true ? '' : v);
  }
  for (const c of children.flat()) {
    if (c === null || c === undefined || c === false) continue;
    e.append(c instanceof Node ? c : document.createTextNode(String(c)));
  }
  return e;
}

function fieldNode(f, values) {
  const id = `f-${f.name}`;
  const errId = `f-${f.name}-err`;
  const wrap = el('div', { class: `field field-${f.type || 'text'}`, 'data-field': f.name });
  const common = { id, name: f.name, 'aria-describedby': f.hint ? `${errId} ${id}-hint` : errId };
  let input;
  switch (f.type) {
    case 'custom':
      f.render(wrap, values);
      wrap.append(el('p', { class: 'field-error', id: errId, hidden: true }));
      return wrap;
    case 'select':
      input = el('select', common, ...f.options.map((o) => el('option', { value: o.value, text: o.label, selected: o.value === f.value })));
      break;
    case 'textarea':
      input = el('textarea', { ...common, rows: 3, required: f.required, maxlength: f.maxlength || 500 });
      input.value = f.value ?? '';
      break;
    case 'checkbox':
      input = el('input', { ...common, type: 'checkbox', checked: !!f.value });
      wrap.append(input, el('label', { for: id, text: f.label }));
      break;
    default:
      input = el('input', {
        ...common,
        type: f.type || 'text',
        required: f.required,
        autocomplete: f.autocomplete || 'off',
        inputmode: f.inputmode,
        maxlength: f.maxlength || 200,
      });
      input.value = f.value ?? '';
  }
  if (f.type !== 'checkbox') wrap.append(el('label', { for: id, text: f.label + (f.required ? ' *' : '') }), input);
  if (f.hint) wrap.append(el('p', { class: 'hint', id: `${id}-hint`, text: f.hint }));
  wrap.append(el('p', { class: 'field-error', id: errId, hidden: true }));
  return wrap;
}

function readValues(spec, includeHidden = false) {
  const out = {};
  for (const f of spec.fields) {
    const wrap = document.querySelector(`#dlg-fields [data-field="${f.name}"]`);
    if (!wrap || (wrap.hidden && !includeHidden)) continue;
    if (f.type === 'custom') out[f.name] = f.read();
    else if (f.type === 'checkbox') out[f.name] = document.getElementById(`f-${f.name}`).checked;
    else out[f.name] = document.getElementById(`f-${f.name}`).value.trim();
  }
  return out;
}

function refreshVisibility(spec) {
  const values = readValues(spec, true);
  for (const f of spec.fields) {
    if (!f.showIf) continue;
    const wrap = document.querySelector(`#dlg-fields [data-field="${f.name}"]`);
    wrap.hidden = !f.showIf(values);
  }
}

function clearErrors() {
  for (const p of document.querySelectorAll('#dlg .field-error')) {
    p.hidden = true;
    p.textContent = '';
  }
  for (const i of document.querySelectorAll('#dlg [aria-invalid]')) i.removeAttribute('aria-invalid');
  const g = document.getElementById('dlg-error');
  g.hidden = true;
  g.textContent = '';
}

/** showFieldError puts a message under the named field; false if there is no such visible field. */
export function showFieldError(name, message) {
  const leaf = name.includes('.') ? name.slice(name.lastIndexOf('.') + 1) : name;
  // "emails[1]" belongs to the emails field.
  for (const n of [name, leaf, leaf.replace(/\[\d+\]$/, '')]) {
    const wrap = document.querySelector(`#dlg-fields [data-field="${CSS.escape(n)}"]`);
    if (!wrap || wrap.hidden) continue;
    const p = wrap.querySelector('.field-error');
    p.textContent = p.textContent ? `${p.textContent}; ${message}` : message;
    p.hidden = false;
    wrap.querySelector('input,select,textarea')?.setAttribute('aria-invalid', 'true');
    return true;
  }
  return false;
}

/** showError puts an API failure in the open dialog: field errors beside their
 * fields, the rule (code + detail) in the dialog's alert line. */
export function showError(err) {
  const g = document.getElementById('dlg-error');
  const unplaced = [];
  const placed = [];
  for (const fe of err.fieldErrors || []) {
    if (showFieldError(fe.field || '', fe.message || '')) placed.push(fe.message || '');
    else unplaced.push(`${fe.field}: ${fe.message}`);
  }
  let head = describe(err);
  // The detail often repeats a field's message, already shown under it.
  if (head && placed.some((m) => m && head.includes(m))) head = `${err.code ? `${err.code}: ` : ''}${t('err.fields')}`;
  g.textContent = [head, ...unplaced].filter(Boolean).join(' — ');
  g.hidden = !g.textContent;
  const bad = document.querySelector('#dlg [aria-invalid="true"]');
  (bad || document.getElementById('dlg-ok')).focus();
}

/** describe renders an error the way the console shows it: "CODE: detail". */
export function describe(err) {
  if (!err || err.status === undefined) return ''; // checked in the page, nothing to add
  if (err.status === 0) return t('err.network');
  const detail = err.problem?.detail || err.problem?.title || t('err.generic', { status: err.status });
  return err.code ? `${err.code}: ${detail}` : detail;
}

/**
 * openForm shows the dialog and resolves with onSubmit's result, or null if
 * the user closes it. spec: {title, intro?: Node[], fields: [...], submit,
 * onSubmit(values, idempotencyKey), validate?(values) → [{field, message}]}.
 */
export function openForm(spec) {
  const d = dlg();
  if (pending) close(null);
  const key = newKey();
  document.getElementById('dlg-title').textContent = spec.title;
  const intro = document.getElementById('dlg-intro');
  intro.replaceChildren(...(spec.intro || []));
  const fields = document.getElementById('dlg-fields');
  fields.replaceChildren(...spec.fields.map((f) => fieldNode(f)));
  const ok = document.getElementById('dlg-ok');
  ok.textContent = spec.submit || t('dlg.ok');
  ok.disabled = false;
  clearErrors();
  refreshVisibility(spec);
  fields.onchange = () => { refreshVisibility(spec); spec.onChange?.(readValues(spec)); };
  document.getElementById('dlg-form').onsubmit = async (ev) => {
    ev.preventDefault();
    clearErrors();
    const values = readValues(spec);
    const problems = [];
    for (const f of spec.fields) {
      const v = values[f.name];
      if (f.required && f.name in values && (v === '' || v === false)) problems.push({ field: f.name, message: t('err.required') });
    }
    problems.push(...(spec.validate?.(values) || []));
    if (problems.length) {
      showError({ fieldErrors: problems });
      return;
    }
    ok.disabled = true;
    try {
      const result = await spec.onSubmit(values, key);
      close(result ?? true);
    } catch (err) {
      ok.disabled = false;
      showError(err);
    }
  };
  return new Promise((resolve) => {
    pending = { resolve, opener: document.activeElement };
    d.showModal();
    const first = fields.querySelector('input:not([type=hidden]),select,textarea');
    (first || ok).focus();
  });
}

/** close closes the open dialog and resolves its promise. */
export function close(result) {
  const d = dlg();
  const p = pending;
  pending = null;
  if (d.open) d.close();
  if (p) {
    // Give focus back to the button that opened the dialog (if it still exists).
    if (p.opener && p.opener.isConnected) p.opener.focus();
    p.resolve(result);
  }
}

export function wireDialog() {
  const d = dlg();
  document.getElementById('dlg-close').addEventListener('click', () => close(null));
  d.addEventListener('cancel', (ev) => { ev.preventDefault(); close(null); });
}
