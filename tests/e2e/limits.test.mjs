// The production skeleton's limits and headers (issue: email sign-up, "HTTP" and "Domain"): the
// security headers on a page, a redirect, a JSON answer and a static file (one Referrer-Policy,
// the stricter one where a URL carries a token; no inline script or style anywhere in Chromium);
// static files revalidated by ETag; request bodies over max_body, too many form fields,
// connections per IP and stalled requests; the per-IP rate limits on sign-up and sign-in and the
// daily resend limit per account, each with its message and nothing written; the captcha's
// "another image" link with and without JavaScript; session rotation at sign-in and the idle and
// absolute timeouts; and the hash slots answering 503 when they are all taken.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import { execFileSync } from 'node:child_process';
import {
  startDevsim, startDaoid, stopAll, signup, skipTour, linkIn, waitFor, sleep, browser, PASSWORD, CAPTCHA,
} from './lib/harness.mjs';
import {
  Client, catalog, counts, pageFrom, rawRequest, signupForm, signupClient, submitClick, submitSignup,
} from './lib/forms.mjs';
import { account, signedIn } from './lib/console.mjs';

const zh = catalog('zh-CN');
const en = catalog('en');
const MAX_BODY = 4096;

let sim, d;
before(async () => {
  sim = await startDevsim();
  d = await startDaoid({ devsim: sim, env: { DAOID_TRUSTED_PROXIES: '127.0.0.1', DAOID_MAX_BODY: String(MAX_BODY) } });
});
after(async () => {
  await d.stop();
  await stopAll();
});

let lastIp = 0;
const nextIp = () => `192.0.2.${++lastIp}`;

// The hash the store keeps of a token (session cookie, captcha id): BLAKE2b-256, hex.
const tokenHash = (tok) => execFileSync('b2sum', ['-l', '256'], { input: tok, encoding: 'utf8' }).split(' ')[0];
const num = (dd, q) => Number(dd.sql(q)[0][0]);

// ---- headers ----

// The headers every answer carries; referrer is the one Referrer-Policy expected.
function assertSecurityHeaders(r, what, referrer = 'strict-origin-when-cross-origin') {
  const csp = r.all('Content-Security-Policy');
  assert.equal(csp.length, 1, `${what}: one CSP`);
  const dirs = Object.fromEntries(csp[0].split(';').map((x) => x.trim().split(/\s+/)).map(([k, ...v]) => [k, v]));
  assert.deepEqual(dirs['default-src'], ["'self'"], `${what}: default-src`);
  for (const k of ['script-src', 'style-src', 'script-src-elem', 'style-src-attr']) {
    if (dirs[k]) assert.ok(!dirs[k].includes("'unsafe-inline'"), `${what}: ${k} allows inline`);
  }
  assert.doesNotMatch(csp[0], /unsafe-inline|unsafe-eval|\*/, `${what}: CSP ${csp[0]}`);
  assert.deepEqual(dirs['object-src'], ["'none'"]);
  assert.deepEqual(dirs['base-uri'], ["'none'"]);
  assert.deepEqual(dirs['frame-ancestors'], ["'none'"]);
  assert.deepEqual(r.all('X-Frame-Options'), ['DENY'], `${what}: X-Frame-Options`);
  assert.deepEqual(r.all('X-Content-Type-Options'), ['nosniff'], `${what}: nosniff`);
  assert.deepEqual(r.all('Referrer-Policy'), [referrer], `${what}: exactly one Referrer-Policy`);
}

test('security headers on a page, a redirect, a JSON answer and a static file', async () => {
  const page = await rawRequest(d.base, '/');
  assert.equal(page.status, 200);
  assertSecurityHeaders(page, 'page');
  assert.deepEqual(page.all('Cache-Control'), ['no-store']);

  const redirect = await rawRequest(d.base, '/console');
  assert.equal(redirect.status, 303);
  assert.equal(redirect.get('Location'), '/login?next=/console');
  assertSecurityHeaders(redirect, 'redirect');
  assert.deepEqual(redirect.all('Cache-Control'), ['no-store']);

  const json = await rawRequest(d.base, '/api/v1/me');
  assert.equal(json.status, 401);
  assert.match(json.get('Content-Type'), /^application\/json/);
  assert.deepEqual(JSON.parse(json.text), { error: 'unauthenticated' });
  assertSecurityHeaders(json, 'JSON');
  assert.deepEqual(json.all('Cache-Control'), ['no-store']);

  // a signed-in page with account data
  const c = await account(d, sim, 'hedy', { verify: false });
  const cookie = `session=${c.jar.get('session')}`;
  const settings = await rawRequest(d.base, '/settings', { headers: { Cookie: cookie } });
  assert.equal(settings.status, 200);
  assert.match(settings.text, /hedy@example.com/);
  assertSecurityHeaders(settings, 'settings');
  assert.deepEqual(settings.all('Cache-Control'), ['no-store']);

  // static: cached for a while and revalidated by ETag
  const css = await rawRequest(d.base, '/static/app.css');
  assert.equal(css.status, 200);
  assertSecurityHeaders(css, 'static');
  assert.match(css.get('Content-Type'), /^text\/css/);
  assert.deepEqual(css.all('Cache-Control'), ['public, max-age=3600'], 'no no-store on static files');
  const etag = css.get('ETag');
  assert.match(etag, /^"[^"]+"$/);
  assert.ok(css.text.length > 100);
  const again = await rawRequest(d.base, '/static/app.css', { headers: { 'If-None-Match': etag } });
  assert.equal(again.status, 304);
  assert.equal(again.text, '');
  assert.equal(again.get('ETag'), etag);
  assert.deepEqual(again.all('Cache-Control'), ['public, max-age=3600']);
  const stale = await rawRequest(d.base, '/static/app.css', { headers: { 'If-None-Match': '"not-the-etag"' } });
  assert.equal(stale.status, 200);
  assert.equal(stale.text, css.text);
  const js = await rawRequest(d.base, '/static/app.js');
  assert.notEqual(js.get('ETag'), etag, 'each file its own ETag');
  assert.match(js.get('Content-Type'), /^text\/javascript/);
});

test('pages whose URL carries a token send their own stricter Referrer-Policy, and only it', async () => {
  const email = 'ref@example.com';
  await signupClient(d.base, { email, username: 'ref' });
  const [mail] = await sim.waitMail(email);
  const link = new URL(linkIn(mail));
  const verify = await rawRequest(d.base, link.pathname + link.search);
  assert.equal(verify.status, 200);
  assert.equal(verify.page.noticeTitle, zh('verify.ok.title'));
  assertSecurityHeaders(verify, 'verify', 'no-referrer');
  const used = await rawRequest(d.base, link.pathname + link.search);
  assert.notEqual(used.status, 200);
  assertSecurityHeaders(used, 'verify (used link)', 'no-referrer');

  const reset = await rawRequest(d.base, `/password/reset?token=${'A'.repeat(43)}`);
  assert.ok(reset.status >= 400 && reset.status < 500, `reset with a bad token: ${reset.status}`);
  assertSecurityHeaders(reset, 'reset', 'same-origin');
  const confirm = await rawRequest(d.base, `/email/confirm?token=${'A'.repeat(43)}`);
  assertSecurityHeaders(confirm, 'email confirm', 'no-referrer');
});

test('no page uses inline script or style: Chromium reports no CSP violation', async () => {
  const watch = async (ctx) => {
    const seen = [];
    await ctx.addInitScript(() => {
      window.__csp = [];
      document.addEventListener('securitypolicyviolation', (e) => window.__csp.push(`${e.violatedDirective} ${e.blockedURI}`));
    });
    ctx.on('console', (m) => { if (/Content Security Policy/i.test(m.text())) seen.push(m.text()); });
    return seen;
  };
  // the page as served (scripts may then set styles through the CSSOM, which CSP allows)
  const check = async (page, seen, path) => {
    const html = await (await page.goto(d.base + path)).text();
    await page.waitForLoadState('load');
    assert.deepEqual(await page.evaluate(() => window.__csp), [], `${path}: violations`);
    assert.deepEqual(seen, [], `${path}: console`);
    assert.deepEqual(html.match(/<script\b(?![^>]*\bsrc=)[^>]*>/g), null, `${path}: inline scripts`);
    assert.deepEqual(html.match(/<[a-z][^>]*\sstyle\s*=[^>]*>/gi), null, `${path}: style attributes`);
    assert.deepEqual(html.match(/<style\b/gi), null, `${path}: style elements`);
    assert.deepEqual(html.match(/<[a-z][^>]*\son[a-z]+\s*=[^>]*>/gi), null, `${path}: event handler attributes`);
    assert.match(html, /<script src="\/static\/app(\.[0-9a-f]{12})?\.js"|<link rel="stylesheet" href="\/static\/app(\.[0-9a-f]{12})?\.css">/, `${path}: a page of the site`);
  };
  const anon = await pageFrom(nextIp());
  const seenA = await watch(anon.ctx);
  for (const path of ['/', '/signup?email=x%40example.com', '/login', '/terms', '/password/forgot', '/nowhere']) {
    await check(anon.page, seenA, path);
  }
  await anon.page.goto(d.base + '/signup');
  await anon.page.click('#captcha-refresh'); // the script's fetch and its image
  await anon.page.waitForFunction(() => document.getElementById('captcha').value === '' && document.activeElement.id === 'captcha');
  assert.deepEqual(await anon.page.evaluate(() => window.__csp), []);
  await anon.ctx.close();

  await account(d, sim, 'csp-user', { verify: false });
  const b = await browser();
  const ctx = await b.newContext({ locale: 'zh-CN', extraHTTPHeaders: { 'X-Forwarded-For': nextIp() } });
  const seen = await watch(ctx);
  const page = await ctx.newPage();
  await page.goto(d.base + '/login');
  await page.fill('#identifier', 'csp-user');
  await page.fill('#password', PASSWORD);
  await Promise.all([page.waitForURL(/\/console$/), page.click('#signin')]);
  assert.ok(await page.isVisible('#tour'), 'the tour (a script and its styles) is on the page');
  for (const path of ['/console', '/build', '/registry', '/resources', '/settings', '/settings/accounts']) {
    await check(page, seen, path);
  }
  await ctx.close();
});

// ---- request limits ----

test('a body over max_body gets 413 and a clear page, however it is sent; nothing is written', async () => {
  const c = new Client(d.base, { headers: { 'X-Forwarded-For': nextIp() } });
  const before = counts(d);
  const cookies = () => [...c.jar].map(([k, v]) => `${k}=${v}`).join('; ');
  const big = await signupForm(c, { email: 'big@example.com', username: 'big', pad: 'x'.repeat(MAX_BODY) });
  const body = new URLSearchParams(big).toString();
  assert.ok(body.length > MAX_BODY);
  const headers = () => ({ 'Content-Type': 'application/x-www-form-urlencoded', Cookie: cookies(), Origin: d.base });

  // with Content-Length (as a browser sends a form)
  const declared = await rawRequest(d.base, '/signup', { method: 'POST', headers: { ...headers(), 'Content-Length': String(Buffer.byteLength(body)) }, body });
  assert.equal(declared.status, 413);
  assert.equal(declared.page.noticeMessage, zh('error.too_large'));
  assertSecurityHeaders(declared, '413');

  // chunked, without a length: the limit is found while reading
  const chunks = [];
  for (let i = 0; i < body.length; i += 1000) chunks.push(body.slice(i, i + 1000));
  const chunked = await rawRequest(d.base, '/signup', { method: 'POST', headers: headers(), body: chunks });
  assert.equal(chunked.status, 413);
  assert.equal(chunked.page.noticeMessage, zh('error.too_large'));

  // small, but more form fields than any form has
  const many = await signupForm(c, { email: 'many@example.com', username: 'many' });
  for (let i = 0; i < 80; i++) many[`f${i}`] = '1';
  const manyBody = new URLSearchParams(many).toString();
  assert.ok(manyBody.length < MAX_BODY);
  const fields = await rawRequest(d.base, '/signup', { method: 'POST', headers: { ...headers(), 'Content-Length': String(manyBody.length) }, body: manyBody });
  assert.equal(fields.status, 413);
  assert.equal(fields.page.noticeMessage, zh('error.too_large'));

  // the API answers in JSON
  const api = await rawRequest(d.base, '/api/v1/me', { method: 'POST', headers: { ...headers(), 'Content-Length': String(body.length) }, body });
  assert.equal(api.status, 413);
  assert.deepEqual(JSON.parse(api.text), { error: 'too_large' });

  // far beyond the limit the connection is closed without reading on
  const huge = Array.from({ length: 20 }, () => 'x'.repeat(MAX_BODY));
  await assert.rejects(rawRequest(d.base, '/signup', { method: 'POST', headers: headers(), body: [chunks[0], ...huge] }));
  assert.equal((await rawRequest(d.base, '/healthz')).status, 200);

  assert.deepEqual(counts(d), before, 'nothing written');
  // a sign-up just under the limit goes through
  const fits = await signupForm(c, { email: 'fits@example.com', username: 'fits' });
  fits.pad = 'x'.repeat(MAX_BODY - new URLSearchParams(fits).toString().length - 10);
  const ok = await c.post('/signup', fits);
  assert.equal(ok.status, 303);
  assert.equal(counts(d).accounts, before.accounts + 1);
});

// A raw TCP connection to port from source address `from` (another loopback address counts as
// another client); records what arrives and when it closes.
function connect(port, from) {
  const s = net.connect({ port, host: '127.0.0.1', localAddress: from });
  const c = { s, data: '', closed: false, t0: Date.now() };
  s.setEncoding('utf8');
  s.on('data', (x) => { c.data += x; });
  s.on('error', () => {});
  c.done = new Promise((r) => s.on('close', () => { c.closed = true; c.ms = Date.now() - c.t0; r(); }));
  return c;
}
const GET = (path) => `GET ${path} HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n`;
const answered = (c) => /\r\n\r\n/.test(c.data);

test('connections beyond per_ip_connections from one address are refused; other addresses are served', async () => {
  const dp = await startDaoid({ env: { DAOID_PER_IP_CONNECTIONS: '3' } });
  try {
    const FROM = '127.0.0.2';
    const held = [connect(dp.port, FROM), connect(dp.port, FROM), connect(dp.port, FROM)];
    for (const c of held) c.s.write(GET('/healthz'));
    await waitFor(() => held.every(answered), 'three kept-alive connections served');
    assert.ok(held.every((c) => c.data.startsWith('HTTP/1.1 200')));

    const refused = connect(dp.port, FROM);
    refused.s.write(GET('/healthz'));
    await Promise.race([refused.done, sleep(10000)]);
    assert.ok(refused.closed, 'the fourth connection is closed');
    assert.equal(refused.data, '', 'unanswered');
    assert.ok(held.every((c) => !c.closed), 'the others stay open');

    // another address is not affected
    const other = connect(dp.port, '127.0.0.3');
    other.s.write(GET('/healthz'));
    await waitFor(() => answered(other), 'another address served');
    assert.match(other.data, /^HTTP\/1.1 200/);
    other.s.destroy();

    // one closes: the address gets a connection again
    held[0].s.destroy();
    await waitFor(async () => {
      const c = connect(dp.port, FROM);
      c.s.write(GET('/healthz'));
      await Promise.race([c.done, waitFor(() => answered(c), 'answer', 5000).catch(() => {})]);
      const ok = answered(c);
      c.s.destroy();
      return ok;
    }, 'a connection after one closed');
    for (const c of held) c.s.destroy();
  } finally {
    await dp.stop();
  }
});

test('a trusted proxy is not held to per_ip_connections (the limit is for the clients behind it)', async () => {
  const dp = await startDaoid({ env: { DAOID_PER_IP_CONNECTIONS: '2', DAOID_TRUSTED_PROXIES: '127.0.0.5' } });
  try {
    const proxy = Array.from({ length: 6 }, () => connect(dp.port, '127.0.0.5'));
    for (const c of proxy) c.s.write(GET('/healthz'));
    await waitFor(() => proxy.every(answered), 'six connections from the proxy served');
    assert.ok(proxy.every((c) => c.data.startsWith('HTTP/1.1 200') && !c.closed));
    // an untrusted address beside it still is
    const direct = [connect(dp.port, '127.0.0.6'), connect(dp.port, '127.0.0.6')];
    for (const c of direct) c.s.write(GET('/healthz'));
    await waitFor(() => direct.every(answered), 'two direct connections served');
    const third = connect(dp.port, '127.0.0.6');
    third.s.write(GET('/healthz'));
    await Promise.race([third.done, sleep(10000)]);
    assert.ok(third.closed && third.data === '', 'the third direct connection is refused');
    for (const c of [...proxy, ...direct]) c.s.destroy();
  } finally {
    await dp.stop();
  }
});

test('a stalled request is cut at request_timeout with nothing written; so is an idle connection', async () => {
  const dt = await startDaoid({ env: { DAOID_REQUEST_TIMEOUT: '2s' } });
  try {
    // headers that never end
    const head = connect(dt.port, '127.0.0.4');
    head.s.write('GET /signup HTTP/1.1\r\nHost: 127.0.0.1\r\nAccept: text/html\r\n');
    await Promise.race([head.done, sleep(15000)]);
    assert.ok(head.closed, 'closed');
    assert.equal(head.data, '');
    assert.ok(head.ms >= 1500 && head.ms < 10000, `cut after ${head.ms} ms`);

    // a sign-up whose body stops halfway
    // (each request on a connection of its own: this server closes idle ones at once)
    const page = await rawRequest(dt.base, '/signup');
    const cookie = page.all('Set-Cookie').map((l) => l.split(';')[0]).join('; ');
    const form = new URLSearchParams({
      csrf: page.page.csrf, email: 'slow@example.com', username: 'slow', password: PASSWORD,
      captcha_id: page.page.captchaId, captcha: CAPTCHA, terms: '1',
    }).toString();
    const before = counts(dt);
    const body = connect(dt.port, '127.0.0.4');
    body.s.write(`POST /signup HTTP/1.1\r\nHost: 127.0.0.1\r\nOrigin: ${dt.base}\r\nContent-Type: application/x-www-form-urlencoded\r\n` +
      `Cookie: ${cookie}\r\nContent-Length: ${form.length}\r\n\r\n${form.slice(0, form.length >> 1)}`);
    await Promise.race([body.done, sleep(15000)]);
    assert.ok(body.closed);
    assert.equal(body.data, '');
    assert.ok(body.ms >= 1500 && body.ms < 10000, `cut after ${body.ms} ms`);
    assert.deepEqual(counts(dt), before, 'no account from half a form');

    // a kept-alive connection with nothing more to ask
    const idle = connect(dt.port, '127.0.0.4');
    idle.s.write(GET('/healthz'));
    await waitFor(() => answered(idle), 'served');
    await Promise.race([idle.done, sleep(15000)]);
    assert.ok(idle.closed && idle.ms >= 1500 && idle.ms < 10000, `idle closed after ${idle.ms} ms`);
    assert.equal((await rawRequest(dt.base, '/healthz')).status, 200, 'and the server serves on');
  } finally {
    await dt.stop();
  }
});

// ---- rate limits (a daoid of their own, with low limits) ----

test('rate limits: sign-ups and sign-ins per IP, resends per account and day; refused with nothing written', async (t) => {
  const dl = await startDaoid({
    devsim: sim,
    env: {
      DAOID_TRUSTED_PROXIES: '127.0.0.1',
      DAOID_LIMIT_SIGNUP_IP: '3/1h',
      DAOID_LIMIT_LOGIN_IP: '4/1h',
      DAOID_LIMIT_RESEND_ACCOUNT: '100/1m',
      DAOID_LIMIT_RESEND_ACCOUNT_DAY: '3/1d',
    },
  });
  const from = (ip) => ({ headers: { 'X-Forwarded-For': ip } });
  try {
    await t.test('sign-ups per IP', async () => {
      const ip = nextIp();
      for (let i = 1; i <= 3; i++) {
        const { res } = await signupClient(dl.base, { email: `many${i}@example.com`, username: `many-${i}` }, from(ip));
        assert.equal(res.status, 303, `sign-up ${i}`);
      }
      const before = counts(dl);
      const { ctx, page } = await pageFrom(ip);
      await page.goto(dl.base + '/signup');
      const status = await submitSignup(page, { email: 'many4@example.com', username: 'many-4' });
      assert.equal(status, 429);
      assert.equal(await page.textContent('#form-error'), zh('signup.err.rate'));
      assert.equal(await page.inputValue('#email'), 'many4@example.com', 'what was typed stays');
      assert.equal(await page.inputValue('#username'), 'many-4');
      assert.deepEqual(counts(dl), before, 'no account, no mail');
      // English, and another address is not limited
      const enp = await pageFrom(ip, { locale: 'en-US' });
      await enp.page.goto(dl.base + '/signup');
      assert.equal(await submitSignup(enp.page, { email: 'many5@example.com', username: 'many-5' }), 429);
      assert.equal(await enp.page.textContent('#form-error'), en('signup.err.rate'));
      await enp.ctx.close();
      const { res } = await signupClient(dl.base, { email: 'many4@example.com', username: 'many-4' }, from(nextIp()));
      assert.equal(res.status, 303);
      await sim.waitMail('many4@example.com');
      assert.equal((await sim.messages('many5@example.com')).length, 0);
      await ctx.close();
    });

    await t.test('sign-ins per IP', async () => {
      const names = ['lim-a', 'lim-b', 'lim-c', 'lim-d', 'lim-e', 'lim-f'];
      for (const u of names) {
        const { res } = await signupClient(dl.base, { email: `${u}@example.com`, username: u }, from(nextIp()));
        assert.equal(res.status, 303);
      }
      const ip = nextIp();
      // four sign-ins (each to its own account) from one address
      for (const u of names.slice(0, 4)) {
        const c = new Client(dl.base, from(ip));
        const form = await c.get('/login');
        const r = await c.post('/login', { csrf: form.page.csrf, identifier: u, password: PASSWORD });
        assert.equal(r.status, 303, u);
      }
      const sessions = () => num(dl, 'SELECT COUNT(*) FROM sessions');
      const logins = () => num(dl, "SELECT COUNT(*) FROM audit WHERE event = 'login'");
      const [s0, l0] = [sessions(), logins()];
      const { ctx, page } = await pageFrom(ip);
      await page.goto(dl.base + '/login');
      await page.fill('#identifier', 'lim-e');
      await page.fill('#password', PASSWORD);
      const r = await submitClick(page, '#signin');
      assert.equal(r.status(), 429, 'the right password, but too many attempts');
      assert.match(page.url(), /\/login$/);
      assert.equal(await page.textContent('#form-error'), zh('login.err.rate'));
      assert.equal(await page.inputValue('#identifier'), 'lim-e');
      assert.equal((await page.request.get(dl.base + '/api/v1/me')).status(), 401);
      assert.equal(sessions(), s0, 'no session');
      assert.equal(logins(), l0, 'no sign-in recorded');
      // from another address the same account signs in
      const other = new Client(dl.base, from(nextIp()));
      const form = await other.get('/login');
      assert.equal((await other.post('/login', { csrf: form.page.csrf, identifier: 'lim-e', password: PASSWORD })).status, 303);
      await ctx.close();
    });

    await t.test('verification resends per account and day', async () => {
      const addr = 'resender@example.com';
      const { ctx, page } = await pageFrom(nextIp());
      await signup(page, dl.base, { email: addr, username: 'resender' });
      await skipTour(page);
      await sim.waitMail(addr);
      for (let i = 1; i <= 3; i++) {
        await submitClick(page, '#resend');
        assert.match(page.url(), /\/console$/, `resend ${i}`);
      }
      const outbox = () => dl.sql("SELECT o.status FROM outbox o JOIN accounts a ON a.id = o.account_id WHERE a.username = 'resender'");
      assert.equal(outbox().length, 4);
      const r = await submitClick(page, '#resend');
      assert.equal(r.status(), 303);
      assert.match(page.url(), /\/console$/);
      assert.equal(await page.textContent('#alert'), zh('console.resend_limited'));
      assert.ok(await page.isVisible('#verify-reminder'));
      await waitFor(() => outbox().every(([s]) => s === 'sent'), 'the four mails sent');
      assert.equal(outbox().length, 4, 'no fifth mail queued');
      assert.equal((await sim.waitMail(addr, 4)).length, 4, 'four mails, not five');
      assert.equal(num(dl, "SELECT COUNT(*) FROM tokens t JOIN accounts a ON a.id = t.account_id WHERE a.username = 'resender'"), 4);
      await ctx.close();
    });
  } finally {
    await dl.stop();
  }
});

// ---- the captcha's "another image" ----

test('"another image" with JavaScript: a new image and id in place, and the new one is what is checked', async () => {
  const { ctx, page } = await pageFrom(nextIp());
  await page.goto(d.base + '/signup?email=again%40example.com');
  const before = { id: await page.inputValue('#captcha-id'), src: await page.getAttribute('#captcha-img', 'src') };
  await page.fill('#username', 'again');
  await page.fill('#captcha', 'WRONG');
  const [resp] = await Promise.all([
    page.waitForResponse((r) => new URL(r.url()).pathname === '/captcha/new'),
    page.click('#captcha-refresh'),
  ]);
  assert.equal(resp.status(), 200);
  await page.waitForFunction((old) => document.getElementById('captcha-id').value !== old, before.id);
  const after = { id: await page.inputValue('#captcha-id'), src: await page.getAttribute('#captcha-img', 'src') };
  assert.match(after.id, /^[A-Za-z0-9_-]{43}$/);
  assert.notEqual(after.src, before.src, 'a new image');
  assert.match(after.src, /^data:image\/png;base64,/);
  assert.equal(page.url(), `${d.base}/signup?email=again%40example.com`, 'no page load');
  assert.equal(await page.inputValue('#username'), 'again', 'what was typed stays');
  assert.equal(await page.inputValue('#captcha'), '', 'the answer field is cleared');
  assert.equal(await page.evaluate(() => document.activeElement.id), 'captcha');
  const stored = (id) => num(d, `SELECT COUNT(*) FROM captchas WHERE id_hash = '${tokenHash(id)}'`);
  assert.equal(stored(after.id), 1, 'the new challenge is in the store');

  const [req] = await Promise.all([
    page.waitForRequest((r) => r.method() === 'POST' && new URL(r.url()).pathname === '/signup'),
    submitSignup(page, { password: PASSWORD, captcha: CAPTCHA }),
  ]);
  assert.equal(new URLSearchParams(req.postData()).get('captcha_id'), after.id, 'the form sends the new id');
  assert.match(page.url(), /\/console$/);
  assert.equal(num(d, "SELECT COUNT(*) FROM accounts WHERE username = 'again'"), 1);
  assert.equal(stored(after.id), 0, 'the new challenge was used');
  assert.equal(stored(before.id), 1, 'the old one was not');
  await ctx.close();
});

test('"another image" without JavaScript loads the form again with a new captcha and the address kept', async () => {
  const b = await browser();
  const ctx = await b.newContext({ locale: 'en-US', javaScriptEnabled: false, extraHTTPHeaders: { 'X-Forwarded-For': nextIp() } });
  const page = await ctx.newPage();
  await page.goto(d.base + '/signup?email=nojs%40example.com');
  const first = await page.inputValue('#captcha-id');
  assert.equal((await page.textContent('#captcha-refresh')).trim(), en('captcha.another'));
  await Promise.all([page.waitForLoadState('load'), page.waitForURL(/\/signup\?/), page.click('#captcha-refresh')]);
  const second = await page.inputValue('#captcha-id');
  assert.notEqual(second, first);
  assert.equal(await page.inputValue('#email'), 'nojs@example.com');
  await page.fill('#username', 'nojs');
  await page.fill('#password', PASSWORD);
  await page.fill('#captcha', CAPTCHA);
  await page.check('#terms');
  await Promise.all([page.waitForURL(/\/console$/), page.click('#register')]);
  assert.equal(num(d, `SELECT COUNT(*) FROM captchas WHERE id_hash = '${tokenHash(second)}'`), 0, 'the second one was checked');
  await ctx.close();
});

// ---- sessions ----

test('signing in while holding a session replaces it: the old cookie no longer works', async () => {
  const c = await account(d, sim, 'rota', { verify: false });
  const old = c.jar.get('session');
  assert.match(old, /^[A-Za-z0-9_-]{43}$/);
  const csrf = (await c.get('/console')).page.csrf;
  const r = await c.post('/login', { csrf, identifier: 'rota', password: PASSWORD }, { headers: { 'X-Forwarded-For': nextIp() } });
  assert.equal(r.status, 303);
  const fresh = c.jar.get('session');
  assert.notEqual(fresh, old, 'a new token');
  assert.equal((await c.get('/api/v1/me')).status, 200);
  const stale = new Client(d.base);
  stale.jar.set('session', old);
  assert.equal((await stale.get('/api/v1/me')).status, 401);
  assert.equal(num(d, `SELECT COUNT(*) FROM sessions WHERE id_hash = '${tokenHash(old)}'`), 0, 'the old row is gone');
  assert.equal(num(d, `SELECT COUNT(*) FROM sessions WHERE id_hash = '${tokenHash(fresh)}'`), 1);
});

test('a session unused for session_idle, or older than session_absolute, is refused', async () => {
  const IDLE = 7 * 86400;
  const ABSOLUTE = 30 * 86400;
  await account(d, sim, 'tempo', { verify: false });
  const signIn = async () => {
    const c = new Client(d.base, { headers: { 'X-Forwarded-For': nextIp() } });
    const form = await c.get('/login');
    assert.equal((await c.post('/login', { csrf: form.page.csrf, identifier: 'tempo', password: PASSWORD })).status, 303);
    return { c, h: tokenHash(c.jar.get('session')) };
  };
  const now = () => Math.floor(Date.now() / 1000);
  const refused = async (c, what) => {
    assert.equal((await c.get('/api/v1/me')).status, 401, what);
    const r = await c.get('/console');
    assert.equal(r.status, 303, what);
    assert.equal(r.location, '/login?next=/console');
  };

  const a = await signIn();
  const [[created, expires]] = d.sql(`SELECT created_at, expires_at FROM sessions WHERE id_hash = '${a.h}'`);
  assert.equal(Number(expires) - Number(created), ABSOLUTE, 'ends session_absolute after sign-in');

  // idle: just inside still works (and is touched), just past is refused
  d.sql(`UPDATE sessions SET last_seen = ${now() - IDLE + 120} WHERE id_hash = '${a.h}'`);
  assert.equal((await a.c.get('/api/v1/me')).status, 200);
  assert.ok(num(d, `SELECT last_seen FROM sessions WHERE id_hash = '${a.h}'`) >= now() - 5, 'use moves last_seen');
  d.sql(`UPDATE sessions SET last_seen = ${now() - IDLE - 30} WHERE id_hash = '${a.h}'`);
  await refused(a.c, 'idle');
  assert.equal(num(d, `SELECT COUNT(*) FROM sessions WHERE id_hash = '${a.h}'`), 0, 'the row is gone');

  // absolute: in use all along, but signed in longer ago than session_absolute
  const b = await signIn();
  const t0 = now() - ABSOLUTE + 120;
  d.sql(`UPDATE sessions SET created_at = ${t0}, auth_at = ${t0}, expires_at = ${t0 + ABSOLUTE}, last_seen = ${now()} WHERE id_hash = '${b.h}'`);
  assert.equal((await b.c.get('/api/v1/me')).status, 200, 'two minutes left');
  const t1 = now() - ABSOLUTE - 30;
  d.sql(`UPDATE sessions SET created_at = ${t1}, auth_at = ${t1}, expires_at = ${t1 + ABSOLUTE}, last_seen = ${now()} WHERE id_hash = '${b.h}'`);
  await refused(b.c, 'absolute');

  // a browser on such a session lands on the sign-in page
  const { ctx, page } = await signedIn(d, 'tempo');
  const cookie = (await ctx.cookies()).find((x) => x.name === 'session');
  d.sql(`UPDATE sessions SET last_seen = ${now() - IDLE - 30} WHERE id_hash = '${tokenHash(cookie.value)}'`);
  await page.goto(d.base + '/console');
  assert.equal(page.url(), `${d.base}/login?next=/console`);
  await ctx.close();
});

// ---- hash slots ----

test('with every hash slot taken, sign-ins and sign-ups get a clear 503 and write nothing; the rest succeed', async () => {
  const dh = await startDaoid({
    devsim: sim,
    env: { DAOID_TRUSTED_PROXIES: '127.0.0.1', DAOID_HASH_SLOTS: '1', DAOID_HASH_WAIT_MS: '1', DAOID_THREADS: '8' },
  });
  try {
    const N = 8;
    const users = Array.from({ length: N }, (_, i) => `slot-${i}`);
    for (const u of users) { // one at a time: each gets the slot
      const { res } = await signupClient(dh.base, { email: `${u}@example.com`, username: u }, { headers: { 'X-Forwarded-For': nextIp() } });
      assert.equal(res.status, 303, u);
    }
    let busy = 0, ok = 0;
    for (let round = 0; round < 5 && !(busy && ok); round++) {
      const clients = await Promise.all(users.map(async (u) => {
        const c = new Client(dh.base, { headers: { 'X-Forwarded-For': nextIp() } });
        return { c, u, csrf: (await c.get('/login')).page.csrf };
      }));
      const results = await Promise.all(clients.map(({ c, u, csrf }) => c.post('/login', { csrf, identifier: u, password: PASSWORD }).then((r) => ({ c, r }))));
      for (const { c, r } of results) {
        if (r.status === 503) {
          busy++;
          assert.equal(r.page.formError, zh('error.busy'));
          assert.equal(r.headers.get('retry-after'), '2', 'a busy answer says when to come back');
          assert.equal(c.jar.get('session'), undefined, 'no session');
          assert.equal((await c.get('/api/v1/me')).status, 401);
        } else {
          assert.equal(r.status, 303, `sign-in: ${r.status} ${r.page.formError}`);
          ok++;
          assert.equal((await c.get('/api/v1/me')).status, 200);
        }
      }
    }
    console.log(`one hash slot, ${N} sign-ins at once: ${busy} got 503, ${ok} signed in`);
    assert.ok(busy > 0, 'some sign-ins found no slot');
    assert.ok(ok > 0, 'some sign-ins got one');

    // sign-ups: the busy ones leave no account behind
    const before = counts(dh);
    let made = 0, refused = 0;
    for (let round = 0; round < 5 && !refused; round++) {
      const forms = await Promise.all(Array.from({ length: N }, async (_, i) => {
        const c = new Client(dh.base, { headers: { 'X-Forwarded-For': nextIp() } });
        return { c, form: await signupForm(c, { email: `busy-${round}-${i}@example.com`, username: `busy-${round}-${i}` }) };
      }));
      const rs = await Promise.all(forms.map(({ c, form }) => c.post('/signup', form)));
      for (const r of rs) {
        if (r.status === 503) {
          refused++;
          assert.equal(r.page.formError, zh('error.busy'));
        } else {
          assert.equal(r.status, 303);
          made++;
        }
      }
    }
    assert.ok(refused > 0, 'some sign-ups found no slot');
    const after = counts(dh);
    assert.equal(after.accounts - before.accounts, made, 'an account for each sign-up that went through, no more');
    assert.equal(after.outbox - before.outbox, made);
    assert.equal((await rawRequest(dh.base, '/healthz')).status, 200);
  } finally {
    await dh.stop();
  }
});
