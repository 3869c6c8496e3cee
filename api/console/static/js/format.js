// Display helpers. Money stays a string of the API ("1234.50"); sums are done
// in integer cents, never in floating point.
import { currentLang } from './i18n.js';

/** cents parses "1234.50" into 123450n (BigInt). */
export function cents(s) {
  const m = /^(-?)(\d+)(?:\.(\d{1,2}))?$/.exec(String(s ?? '0').trim());
  if (!m) return 0n;
  const v = BigInt(m[2]) * 100n + BigInt((m[3] || '0').padEnd(2, '0'));
  return m[1] ? -v : v;
}

/** money renders cents or an API amount as ¥1,234.50. */
export function money(v) {
  const c = typeof v === 'bigint' ? v : cents(v);
  const neg = c < 0n;
  const a = neg ? -c : c;
  const yuan = (a / 100n).toString().replace(/\B(?=(\d{3})+(?!\d))/g, ',');
  return `${neg ? '-' : ''}¥${yuan}.${(a % 100n).toString().padStart(2, '0')}`;
}

/** when renders an RFC 3339 instant in Beijing time. */
export function when(iso) {
  if (!iso) return '';
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return iso;
  return new Intl.DateTimeFormat(currentLang() === 'en' ? 'en-GB' : 'zh-CN', {
    timeZone: 'Asia/Shanghai',
    year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit',
    hour12: false,
  }).format(d);
}

// serverOffset is how far the server's clock runs ahead of the browser's
// (config.json's "now"): a server started with --clock keeps another date.
let serverOffset = 0;

/** setServerNow takes the server's time (RFC 3339) as the console's clock. */
export function setServerNow(iso) {
  const t = Date.parse(iso);
  if (!Number.isNaN(t)) serverOffset = t - Date.now();
}

/** today is the server's business date (Asia/Shanghai) as YYYY-MM-DD. */
export function today() {
  return new Intl.DateTimeFormat('en-CA', { timeZone: 'Asia/Shanghai' }).format(new Date(Date.now() + serverOffset));
}
