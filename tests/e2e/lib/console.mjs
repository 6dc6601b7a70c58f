// Helpers of the console, settings, password-reset and admin tests: accounts made and verified
// through the real pages and mails, sign-in in a browser, links out of mails, the `daoid admin`
// command, and the accessibility and phone-screen checks (axe-core injected into the page).
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { execFile } from 'node:child_process';
import assert from 'node:assert/strict';
import { DAOID_BIN, PASSWORD, browser, linkIn, waitFor } from './harness.mjs';
import { Client, signupClient } from './forms.mjs';

const require = createRequire(import.meta.url);
const AXE = readFileSync(require.resolve('axe-core/axe.min.js'), 'utf8');

// A link of the given path (e.g. '/password/reset') in a mail's text part.
export function mailLink(msg, path) {
  const esc = path.replace(/[/]/g, '\\/');
  const m = new RegExp(`(https?://\\S+${esc}\\?token=[A-Za-z0-9_-]+)`).exec(msg.text);
  if (!m) throw new Error(`no ${path} link in: ${msg.text}`);
  return m[1];
}

// Signs up username with email through the form (a fetch client), and verifies the address
// with the link of its mail unless verify is false. Returns the signed-in client.
export async function account(d, sim, username, { email = `${username}@example.com`, verify = true, lang } = {}) {
  const before = verify ? (await sim.messages(email)).length : 0;
  const { client, res } = await signupClient(d.base, { email, username }, lang ? { lang } : undefined);
  assert.equal(res.status, 303, `${username} signed up: ${res.page.formError || ''}`);
  if (verify) {
    const [mail] = await sim.waitMail(email, before + 1); // newest first: this sign-up's
    const r = await client.get(new URL(linkIn(mail)).pathname + new URL(linkIn(mail)).search);
    assert.equal(r.status, 200, `${username} verified`);
  }
  return client;
}

// A client address of its own for each sign-in (X-Forwarded-For, believed by a daoid with
// DAOID_TRUSTED_PROXIES=127.0.0.1), so that the failed sign-ins a test makes on purpose never
// turn on the captcha for another sign-in.
let lastIp = 0;
export function nextIp() {
  lastIp++;
  return `198.18.${(lastIp >> 8) & 255}.${lastIp & 255}`;
}

// A browser context signed in as identifier (username or email), from an address of its own.
export async function signedIn(d, identifier, { password = PASSWORD, locale = 'zh-CN', viewport, javaScriptEnabled } = {}) {
  const b = await browser();
  const ctx = await b.newContext({
    locale, viewport: viewport || { width: 1100, height: 820 }, extraHTTPHeaders: { 'X-Forwarded-For': nextIp() },
    ...(javaScriptEnabled === false ? { javaScriptEnabled: false } : {}),
  });
  const page = await ctx.newPage();
  await page.goto(d.base + '/login');
  await page.fill('#identifier', identifier);
  await page.fill('#password', password);
  await Promise.all([page.waitForURL(/\/console$/), page.click('#signin')]);
  return { ctx, page };
}

// Signs a fetch client in (from an address of its own); returns it and the POST's answer.
export async function clientSignIn(d, identifier, password = PASSWORD, { lang } = {}) {
  const c = new Client(d.base, { lang, headers: { 'X-Forwarded-For': nextIp() } });
  const form = await c.get('/login');
  const r = await c.post('/login', { csrf: form.page.csrf, identifier, password });
  return { client: c, res: r };
}

// The csrf field of the page at path for client c.
export async function csrfOf(c, path) {
  const r = await c.get(path);
  assert.ok(r.page.csrf, `a csrf field on ${path} (${r.status})`);
  return r.page.csrf;
}

// Runs `daoid admin ARGS` against d's database; resolves with { code, out, err }.
export function admin(d, args) {
  return new Promise((resolve) => {
    execFile(DAOID_BIN, ['admin', ...args], { env: d.env, encoding: 'utf8' }, (e, out, err) => {
      if (/ERROR: (Address|Leak)Sanitizer|runtime error:/.test(err)) throw new Error(`sanitizer report from daoid admin:\n${err}`);
      resolve({ code: e ? e.code : 0, out, err });
    });
  });
}

// Sets the session rows of an account as signed in long ago (older than reauth_window).
export function staleSessions(d, username) {
  d.sql(`UPDATE sessions SET auth_at = auth_at - 3600 WHERE account_id = (SELECT id FROM accounts WHERE username = '${username}')`);
}

// The one integer a query returns.
export function scalar(d, q) {
  const rows = d.sql(q);
  return rows.length ? Number(rows[0][0]) : null;
}

// axe-core's serious and critical findings on the page (WCAG 2.x A and AA rules); with all,
// every finding of any impact, of every rule axe runs by default (its best practices too).
// One line a finding: rule (impact): help — the first elements.
export async function axeProblems(page, { all = false } = {}) {
  // evaluated through the devtools protocol: not subject to the CSP
  if (!(await page.evaluate(() => !!window.axe))) await page.evaluate(AXE);
  const res = await page.evaluate((opts) => window.axe.run(document, opts), {
    ...(all ? {} : { runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa'] } }),
    resultTypes: ['violations'],
  });
  return res.violations.filter((v) => all || v.impact === 'serious' || v.impact === 'critical')
    .map((v) => `${v.id} (${v.impact}): ${v.help} — ${v.nodes.map((n) => n.target.join(' ')).slice(0, 3).join(', ')}`);
}

// Elements wider than the viewport (nothing may scroll sideways on a phone).
export async function overflow(page) {
  return page.evaluate(() => {
    const vw = document.documentElement.clientWidth;
    const wide = [];
    if (document.documentElement.scrollWidth > vw) wide.push(`page ${document.documentElement.scrollWidth}px > ${vw}px`);
    // inside a box that scrolls sideways on its own (a tab bar), an element may lie beyond the edge
    const inScroller = (el) => {
      for (let p = el.parentElement; p && p !== document.body; p = p.parentElement) {
        if (['auto', 'scroll'].includes(getComputedStyle(p).overflowX)) return true;
      }
      return false;
    };
    for (const el of document.querySelectorAll('body *')) {
      const r = el.getBoundingClientRect();
      if (inScroller(el)) continue;
      if (r.width && (r.right > vw + 1 || r.left < -1) && getComputedStyle(el).position !== 'fixed' && !el.closest('.skip, .sr-only')) {
        wide.push(`${el.tagName.toLowerCase()}${el.id ? '#' + el.id : ''}${el.className && typeof el.className === 'string' ? '.' + el.className.split(' ').join('.') : ''} ${Math.round(r.left)}..${Math.round(r.right)}`);
      }
    }
    return wide.slice(0, 5);
  });
}

export { waitFor };
