// The console's only door to the server: the /v1 API of the same origin with
// the bearer token of the session. Commands remember the log position they
// reached (Fapiao-Position) and later reads ask for at least that position
// (Fapiao-Min-Position), so a list read right after a command shows it.

const KEY = 'fapiao.session';

/** session returns {token, role, account} or null. */
export function session() {
  try {
    return JSON.parse(sessionStorage.getItem(KEY));
  } catch {
    return null;
  }
}

/** signIn keeps the session for this tab only. */
export function signIn(s) {
  sessionStorage.setItem(KEY, JSON.stringify(s));
  sessionStorage.removeItem('fapiao.position');
}

/** signOut forgets the token. */
export function signOut() {
  sessionStorage.removeItem(KEY);
  sessionStorage.removeItem('fapiao.position');
}

function position() {
  return sessionStorage.getItem('fapiao.position');
}

function remember(res) {
  const p = res.headers.get('Fapiao-Position');
  if (p && /^\d+$/.test(p) && BigInt(p) > BigInt(position() || '0')) {
    sessionStorage.setItem('fapiao.position', p);
  }
}

/** ApiError is a failed call; problem is the RFC 9457 body when there is one. */
export class ApiError extends Error {
  constructor(status, problem) {
    super(problem?.detail || problem?.title || `HTTP ${status}`);
    this.status = status;
    this.problem = problem || {};
    this.code = this.problem.code || '';
    this.fieldErrors = Array.isArray(this.problem.errors) ? this.problem.errors : [];
  }
}

/** newKey makes an Idempotency-Key; one per dialog so a double submit is one command. */
export function newKey() {
  if (crypto.randomUUID) return crypto.randomUUID();
  const b = crypto.getRandomValues(new Uint8Array(16));
  return Array.from(b, (x) => x.toString(16).padStart(2, '0')).join('');
}

async function call(method, path, body, key) {
  const s = session();
  const headers = { Accept: 'application/json, application/problem+json' };
  if (s?.token) headers.Authorization = `Bearer ${s.token}`;
  if (method === 'GET') {
    const p = position();
    if (p) headers['Fapiao-Min-Position'] = p;
  } else {
    if (body !== undefined) headers['Content-Type'] = 'application/json';
    if (key) headers['Idempotency-Key'] = key;
  }
  let res;
  try {
    res = await fetch(path, {
      method,
      headers,
      body: body === undefined ? undefined : JSON.stringify(body),
      credentials: 'omit',
      cache: 'no-store',
    });
  } catch (e) {
    throw new ApiError(0, { title: 'network', detail: String(e) });
  }
  if (method !== 'GET') remember(res);
  const text = await res.text();
  let data = null;
  if (text) {
    try {
      data = JSON.parse(text);
    } catch {
      data = { detail: text.trim() };
    }
  }
  if (!res.ok) throw new ApiError(res.status, data);
  return data;
}

const enc = encodeURIComponent;

/** get reads a resource. */
export const get = (path) => call('GET', path);
/** post sends a command. */
export const post = (path, body, key) => call('POST', path, body ?? {}, key);
/** put replaces a resource (an address). */
export const put = (path, body) => call('PUT', path, body ?? {});
/** del removes a resource (an address); it sends no body. */
export const del = (path) => call('DELETE', path);

/** acct builds /v1/accounts/{acc}/… paths. */
export function acct(account, ...rest) {
  return ['/v1/accounts', enc(account), ...rest.map(enc)].join('/');
}

/** query builds ?a=b&… leaving out empty values. */
export function query(params) {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) if (v !== undefined && v !== null && v !== '') q.set(k, v);
  const s = q.toString();
  return s ? `?${s}` : '';
}
