// Helpers for black-box requests to daoid without a browser: a client with its own cookie jar
// over fetch, the hidden fields (csrf token, captcha id) and messages of rendered forms, and
// browser contexts that appear to come from a given client address (X-Forwarded-For, for a
// daoid started with DAOID_TRUSTED_PROXIES=127.0.0.1); a request on a connection of its own
// that shows every header line as sent (rawRequest).
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import http from 'node:http';
import { browser, fillSignup, CAPTCHA, PASSWORD, ROOT } from './harness.mjs';
import { noteFields, noteSetCookies } from './logscan.mjs';

// The message catalog of a language (locale/LANG.txt) as t(key, vars): the text a page shows,
// with {name} placeholders filled from vars.
export function catalog(lang) {
  const msgs = new Map();
  const files = readdirSync(join(ROOT, 'locale')).filter((f) => f === `${lang}.txt` || (f.startsWith(`${lang}.`) && f.endsWith('.txt')));
  for (const f of files) {
    for (const line of readFileSync(join(ROOT, 'locale', f), 'utf8').split('\n')) {
      const m = /^([\w.]+)\s*=\s?(.*)$/.exec(line);
      if (m) msgs.set(m[1], m[2].replace(/\\n/g, '\n'));
    }
  }
  return (key, vars = {}) => {
    if (!msgs.has(key)) throw new Error(`no message ${key} in ${lang}`);
    return msgs.get(key).replace(/\{(\w+)\}/g, (all, name) => (name in vars ? String(vars[name]) : all));
  };
}

const ENTITIES = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'", '#39': "'", '#x27': "'", '#34': '"' };

// Text of HTML-escaped s (the escapes daoid's templates write).
export function unescapeHtml(s) {
  return s.replace(/&(#?\w+);/g, (m, e) => ENTITIES[e] ?? m);
}

// What a rendered page carries: hidden form fields, field errors (by the id before "-err"),
// the form-level error, and the notice page's title and message.
export function parsePage(html) {
  const one = (re) => { const m = re.exec(html); return m ? unescapeHtml(m[1]) : null; };
  const errors = {};
  for (const m of html.matchAll(/<p class="err" id="([\w-]+)-err">([^<]*)<\/p>/g)) errors[m[1]] = unescapeHtml(m[2]);
  return {
    csrf: one(/<input type="hidden" name="csrf" value="([^"]*)">/),
    captchaId: one(/name="captcha_id" id="captcha-id" value="([^"]*)"/),
    next: one(/<input type="hidden" name="next" value="([^"]*)">/),
    errors,
    formError: one(/id="form-error">([^<]*)</),
    noticeTitle: one(/id="notice-title">([^<]*)</),
    noticeMessage: one(/id="notice-message">([^<]*)</),
    alert: one(/id="alert">([^<]*)</),
    notice: one(/id="notice">([^<]*)</),
  };
}

// An HTTP client with its own cookies; redirects are returned, not followed.
export class Client {
  constructor(base, { lang = 'zh-CN', headers = {} } = {}) {
    this.base = base;
    this.jar = new Map();
    this.headers = { 'Accept-Language': lang, ...headers };
  }

  // Set-Cookie lines of a response into the jar (Max-Age=0 removes).
  keep(res) {
    noteSetCookies(res.headers.getSetCookie());
    for (const line of res.headers.getSetCookie()) {
      const pair = line.split(';')[0];
      const eq = pair.indexOf('=');
      const name = pair.slice(0, eq).trim();
      const value = pair.slice(eq + 1).trim();
      if (/;\s*max-age=0\b/i.test(line) || value === '') this.jar.delete(name);
      else this.jar.set(name, value);
    }
  }

  async request(method, path, { form, headers = {} } = {}) {
    const h = { ...this.headers, ...headers };
    if (this.jar.size) h.Cookie = [...this.jar].map(([k, v]) => `${k}=${v}`).join('; ');
    let body;
    noteFields(path.includes('?') ? path.slice(path.indexOf('?')) : '');
    if (form) {
      body = new URLSearchParams(form).toString();
      noteFields(body);
      h['Content-Type'] = 'application/x-www-form-urlencoded';
    }
    const res = await fetch(this.base + path, { method, headers: h, body, redirect: 'manual' });
    this.keep(res);
    const text = await res.text();
    return { status: res.status, location: res.headers.get('location'), headers: res.headers, text, page: parsePage(text) };
  }

  get(path, opts) { return this.request('GET', path, opts); }
  post(path, form, opts) { return this.request('POST', path, { ...opts, form }); }
}

// GET /signup and the fields a browser would send with it (csrf, captcha id and answer,
// terms); fields overrides or adds (undefined removes a field).
export async function signupForm(client, fields = {}) {
  const r = await client.get('/signup');
  if (r.status !== 200 || !r.page.csrf || !r.page.captchaId) throw new Error(`no sign-up form: ${r.status}`);
  const form = { csrf: r.page.csrf, email: '', username: '', password: PASSWORD, captcha_id: r.page.captchaId, captcha: CAPTCHA, terms: '1', ...fields };
  for (const k of Object.keys(form)) if (form[k] === undefined) delete form[k];
  return form;
}

// Signs up through a fresh client; returns the client (signed in) and the POST's answer.
export async function signupClient(base, fields, opts) {
  const c = new Client(base, opts);
  const res = await c.post('/signup', await signupForm(c, fields));
  return { client: c, res };
}

// A browser context whose requests say they come from ip (through a trusted proxy).
export async function pageFrom(ip, { locale = 'zh-CN' } = {}) {
  const b = await browser();
  const ctx = await b.newContext({ locale, viewport: { width: 1100, height: 820 }, extraHTTPHeaders: { 'X-Forwarded-For': ip } });
  const page = await ctx.newPage();
  return { ctx, page };
}

// Row counts of the tables a refused sign-up must leave alone.
export function counts(d) {
  const [[accounts, outbox, tokens]] = d.sql('SELECT (SELECT COUNT(*) FROM accounts), (SELECT COUNT(*) FROM outbox), (SELECT COUNT(*) FROM tokens)');
  return { accounts: Number(accounts), outbox: Number(outbox), tokens: Number(tokens) };
}

// Fills the sign-up form on page (as fillSignup) and submits it; resolves once the answer's
// page has loaded, with the status of the POST's response (303 for a sign-up that worked).
export async function submitSignup(page, fields) {
  await page.evaluate(() => { window.__stale = 1; });
  const [resp] = await Promise.all([
    page.waitForResponse((r) => r.request().method() === 'POST' && new URL(r.url()).pathname === '/signup'),
    fillSignup(page, fields),
  ]);
  await page.waitForFunction(() => !window.__stale && document.readyState === 'complete');
  return resp.status();
}

// Clicks sel (a submit button) and resolves once the next page has loaded, with the POST's
// response (a playwright Response: status(), headers(), text()).
export async function submitClick(page, sel) {
  await page.evaluate(() => { window.__stale = 1; });
  const [resp] = await Promise.all([
    page.waitForResponse((r) => r.request().method() === 'POST'),
    page.click(sel),
  ]);
  await page.waitForFunction(() => !window.__stale && document.readyState === 'complete');
  return resp;
}

// The field errors on the page: { field: text } for every p.err (id FIELD-err).
export function fieldErrors(page) {
  return page.$$eval('p.err', (els) => Object.fromEntries(els.map((e) => [e.id.replace(/-err$/, ''), e.textContent])));
}

// One request on a fresh connection (no keep-alive pool), with the response's header lines as
// sent: all(name) lists every value of a header (fetch would join repeated ones). body: a
// string, or an array of strings written in turn (chunked when no Content-Length is given).
export function rawRequest(base, path, { method = 'GET', headers = {}, body } = {}) {
  return new Promise((resolve, reject) => {
    const req = http.request(base + path, { method, headers, agent: false }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (d) => { text += d; });
      res.on('end', () => {
        const pairs = [];
        for (let i = 0; i < res.rawHeaders.length; i += 2) pairs.push([res.rawHeaders[i], res.rawHeaders[i + 1]]);
        const all = (name) => pairs.filter(([k]) => k.toLowerCase() === name.toLowerCase()).map(([, v]) => v);
        resolve({ status: res.statusCode, all, get: (name) => all(name)[0], text, page: parsePage(text) });
      });
    });
    req.on('error', reject);
    for (const part of [].concat(body ?? [])) req.write(part);
    req.end();
  });
}

// Posts a form the page does not offer (the page's own csrf field, plus fields) to action, as
// a browser would submit it; resolves like submitClick. For checks that the server refuses
// what the page hides (e.g. unbinding the only way in).
export async function forceSubmit(page, action, fields) {
  await page.evaluate(([a, f]) => {
    const form = document.createElement('form');
    form.method = 'post';
    form.action = a;
    const all = [['csrf', document.querySelector('input[name=csrf]').value], ...Object.entries(f)];
    for (const [k, v] of all) {
      const i = document.createElement('input');
      i.type = 'hidden'; i.name = k; i.value = v;
      form.append(i);
    }
    const b = document.createElement('button');
    b.type = 'submit'; b.id = 'forced-submit';
    form.append(b);
    document.body.append(form);
  }, [action, fields]);
  return submitClick(page, '#forced-submit');
}
