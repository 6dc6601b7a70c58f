// Sign-in and verification refusals: one answer for a wrong password and an unknown account; the
// captcha after 3 failures (per account and per address); expired, used and mangled
// verification links; resending and its limit; the next= target; signing out; the API's 401;
// the session cookie's flags. Clients appear to come from their own addresses (X-Forwarded-For
// through a trusted proxy), so failure counts of one test do not leak into another.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startDevsim, startDaoid, newPage, stopAll, signup, linkIn, waitFor, skipTour, PASSWORD, CAPTCHA } from './lib/harness.mjs';
import { Client, catalog, pageFrom, parsePage, signupClient, submitClick } from './lib/forms.mjs';

const zh = catalog('zh-CN');
const en = catalog('en');

let sim, d;
let lastIp = 9;
const nextIp = () => `198.51.100.${++lastIp}`;

before(async () => {
  sim = await startDevsim();
  d = await startDaoid({ devsim: sim, env: { DAOID_TRUSTED_PROXIES: '127.0.0.1' } });
  for (const username of ['carol', 'dave', 'erin', 'hank', 'ivan', 'judy', 'kate']) {
    const { res } = await signupClient(d.base, { email: `${username}@example.com`, username });
    assert.equal(res.status, 303, `${username} signed up`);
  }
});
after(async () => {
  await d.stop();
  await stopAll();
});

// Fills the sign-in form on page and submits it; returns the POST's response.
async function signIn(page, identifier, password, captcha) {
  await page.fill('#identifier', identifier);
  await page.fill('#password', password);
  if (captcha !== undefined) await page.fill('#captcha', captcha);
  return submitClick(page, '#signin');
}

// Sessions of username begun from the address ip.
function sessionsOf(username, ip) {
  return Number(d.sql(`SELECT COUNT(*) FROM sessions s JOIN accounts a ON a.id = s.account_id WHERE a.username = '${username}' AND s.ip = '${ip}'`)[0][0]);
}

test('a wrong password and an unknown account get the same answer', async () => {
  const ip = nextIp();
  const { ctx, page } = await pageFrom(ip);
  const answers = [];
  for (const identifier of ['carol', 'nobody-here']) {
    await page.goto(d.base + '/login');
    const r = await signIn(page, identifier, 'not the password 1');
    assert.match(page.url(), /\/login$/);
    assert.equal(await page.textContent('#form-error'), '用户名、邮箱或密码不正确');
    assert.equal(await page.inputValue('#identifier'), identifier);
    assert.equal(await page.$('#captcha'), null, 'no captcha yet');
    answers.push({ status: r.status(), body: (await r.text()).replaceAll(`value="${identifier}"`, 'value="…"') });
  }
  assert.equal(answers[0].status, 401);
  assert.deepEqual(answers[0], answers[1], 'the two pages differ only in the echoed identifier');
  assert.equal(sessionsOf('carol', ip), 0);

  // the same by email address (known and unknown), in English
  const enp = await pageFrom(nextIp(), { locale: 'en-US' });
  for (const identifier of ['carol@example.com', 'nobody@example.com']) {
    await enp.page.goto(d.base + '/login');
    assert.equal((await signIn(enp.page, identifier, 'not the password 2')).status(), 401);
    assert.equal(await enp.page.textContent('#form-error'), en('login.err.bad'));
    assert.equal(await enp.page.textContent('#form-error'), 'Wrong username, email or password');
  }
  await enp.ctx.close();
  await ctx.close();
});

test('after 3 failed sign-ins to an account it asks for a captcha, from any address', async () => {
  const a = await pageFrom(nextIp());
  await a.page.goto(d.base + '/login');
  for (let i = 1; i <= 3; i++) {
    const r = await signIn(a.page, 'dave', `wrong password ${i}`);
    assert.equal(r.status(), 401);
    assert.equal(await a.page.textContent('#form-error'), zh('login.err.bad'));
    assert.equal(await a.page.isVisible('#captcha'), i === 3, `captcha shown after failure ${i}`);
  }
  assert.ok(await a.page.isVisible('#captcha-img'));
  await a.ctx.close();

  // Another address sees no captcha at first, but dave's account needs one now.
  const ipb = nextIp();
  const b = await pageFrom(ipb);
  await b.page.goto(d.base + '/login');
  assert.equal(await b.page.$('#captcha'), null);
  let r = await signIn(b.page, 'dave', PASSWORD);
  assert.equal(r.status(), 401, 'the right password alone is not enough');
  assert.equal(await b.page.textContent('#form-error'), '登录失败次数较多，请先填写验证码');
  assert.ok(await b.page.isVisible('#captcha'));
  r = await signIn(b.page, 'dave', PASSWORD, 'WRONG');
  assert.equal(r.status(), 401);
  assert.equal(await b.page.textContent('#form-error'), zh('captcha.err.wrong'));
  assert.equal(sessionsOf('dave', ipb), 0);
  r = await signIn(b.page, 'dave', PASSWORD, CAPTCHA.toLowerCase());
  assert.equal(r.status(), 303);
  assert.match(b.page.url(), /\/console$/);
  assert.equal(await b.page.textContent('#fact-username'), 'dave');
  assert.equal(sessionsOf('dave', ipb), 1);
  await b.ctx.close();
});

test('past the per-account sign-in limit the account asks for a captcha instead of locking its owner out', async () => {
  const d2 = await startDaoid({ devsim: sim, env: { DAOID_TRUSTED_PROXIES: '127.0.0.1', DAOID_LIMIT_LOGIN_ACCOUNT: '3/1h', DAOID_LOGIN_CAPTCHA_AFTER: '100' } });
  try {
    const { res } = await signupClient(d2.base, { email: 'lena@example.com', username: 'lena' });
    assert.equal(res.status, 303);
    // someone tries lena's account from three addresses, past its limit
    for (let i = 0; i < 4; i++) {
      const { ctx, page } = await pageFrom(nextIp());
      await page.goto(d2.base + '/login');
      await signIn(page, 'lena', `guess number ${i}`);
      await ctx.close();
    }
    // lena, from her own address: not refused, asked for the captcha, and in with it
    const { ctx, page } = await pageFrom(nextIp());
    await page.goto(d2.base + '/login');
    assert.equal(await page.$('#captcha'), null, 'nothing asked before trying');
    const r = await signIn(page, 'lena', PASSWORD);
    assert.equal(r.status(), 401);
    assert.equal(await page.textContent('#form-error'), zh('login.err.captcha_needed'));
    assert.ok(await page.isVisible('#captcha'));
    await signIn(page, 'lena', PASSWORD, CAPTCHA);
    assert.match(page.url(), /\/console$/);
    await ctx.close();
  } finally {
    await d2.stop();
  }
});

test('a sign-in re-hashes the password when the argon2id parameters were raised', async () => {
  const env = { DAOID_ARGON2_MEMORY_KIB: '8192', DAOID_ARGON2_ITERATIONS: '1' };
  const d1 = await startDaoid({ devsim: sim, env });
  const db = d1.env.DAOID_DATABASE;
  const { res } = await signupClient(d1.base, { email: 'rehash@example.com', username: 'rehash' });
  assert.equal(res.status, 303);
  await d1.stop({ keepDir: true });
  const hashOf = (d) => d.sql("SELECT password_hash FROM accounts WHERE username = 'rehash'")[0][0];
  // the same database, now with daoid's default cost
  const d2 = await startDaoid({ devsim: sim, dir: d1.dir, env: { DAOID_DATABASE: db, DAOID_ARGON2_MEMORY_KIB: null, DAOID_ARGON2_ITERATIONS: null } });
  try {
    const old = hashOf(d2);
    assert.match(old, /^\$argon2id\$v=19\$m=8192,t=1,p=1\$/);
    const c = new Client(d2.base);
    const form = await c.get('/login');
    const wrong = await c.post('/login', { csrf: form.page.csrf, identifier: 'rehash', password: 'not the password 9' });
    assert.equal(wrong.status, 401);
    assert.equal(hashOf(d2), old, 'a failed sign-in changes nothing');
    const ok = await c.post('/login', { csrf: form.page.csrf, identifier: 'rehash', password: PASSWORD });
    assert.equal(ok.status, 303);
    const now = hashOf(d2);
    assert.match(now, /^\$argon2id\$v=19\$m=19456,t=2,p=1\$/, 'stored with the new cost');
    const again = new Client(d2.base);
    const f2 = await again.get('/login');
    assert.equal((await again.post('/login', { csrf: f2.page.csrf, identifier: 'rehash@example.com', password: PASSWORD })).status, 303);
    assert.equal(hashOf(d2), now, 'hashed once, not at every sign-in');
  } finally {
    await d2.stop();
  }
});

test('after 3 failed sign-ins from one address it asks that address for a captcha, for any account', async () => {
  const ip = nextIp();
  const a = await pageFrom(ip, { locale: 'en-US' });
  await a.page.goto(d.base + '/login');
  for (let i = 1; i <= 3; i++) {
    assert.equal((await signIn(a.page, `ghost-${i}`, `guess number ${i}`)).status(), 401);
    assert.equal(await a.page.isVisible('#captcha'), i === 3, `captcha shown after failure ${i}`);
  }
  // A fresh browser at that address gets the captcha at once; elsewhere nobody does.
  const b = await pageFrom(ip);
  await b.page.goto(d.base + '/login');
  assert.ok(await b.page.isVisible('#captcha'));
  const elsewhere = await pageFrom(nextIp());
  await elsewhere.page.goto(d.base + '/login');
  assert.equal(await elsewhere.page.$('#captcha'), null);
  await elsewhere.ctx.close();

  // erin has no failures of her own, but from this address she needs the captcha: without
  // one, or with an empty answer, the right password is not enough.
  const form = { csrf: await b.page.inputValue('input[name=csrf]'), identifier: 'erin', password: PASSWORD };
  let raw = await b.page.request.post(d.base + '/login', { form, maxRedirects: 0 });
  assert.equal(raw.status(), 401);
  assert.equal(parsePage(await raw.text()).formError, zh('login.err.captcha_needed'));
  raw = await b.page.request.post(d.base + '/login', { form: { ...form, captcha_id: await b.page.inputValue('#captcha-id'), captcha: '' }, maxRedirects: 0 });
  assert.equal(raw.status(), 401);
  assert.equal(sessionsOf('erin', ip), 0);
  await b.page.reload();
  const r = await signIn(b.page, 'erin', PASSWORD, CAPTCHA);
  assert.equal(r.status(), 303);
  assert.match(b.page.url(), /\/console$/);
  assert.equal(sessionsOf('erin', ip), 1);
  await a.ctx.close();
  await b.ctx.close();
});

// Ends the life of the verification link daoid x sent to username now (its expiry moved back
// to its creation, as the TTL running out would): stated by the test, not waited for.
function linkExpired(x, username) {
  x.sql(`UPDATE tokens SET expires_at = created_at WHERE kind = 'verify' AND account_id = (SELECT id FROM accounts WHERE username = '${username}')`);
}

test('an expired verification link says so, and the address stays unverified', async () => {
  const x = await startDaoid({ devsim: sim });
  try {
    const { ctx, page } = await newPage();
    await signup(page, x.base, { email: 'late@example.com', username: 'late' });
    assert.ok(await page.isVisible('#verify-reminder'));
    const [mail] = await sim.waitMail('late@example.com');
    linkExpired(x, 'late');
    const r = await page.goto(linkIn(mail));
    assert.equal(r.status(), 410);
    assert.equal(await page.textContent('#notice-title'), '无法验证邮箱');
    assert.equal(await page.textContent('#notice-message'), '这个验证链接已过期，请在控制台重新发送验证邮件。');
    assert.equal(await page.getAttribute('#notice-link', 'href'), '/console');
    assert.deepEqual(x.sql("SELECT email_verified FROM accounts WHERE username = 'late'"), [['0']]);
    await page.goto(x.base + '/console');
    assert.ok(await page.isVisible('#verify-reminder'), 'the console still asks for verification');
    await ctx.close();
  } finally {
    await x.stop();
  }
});

test('an expired verification link still says "expired" after the janitor has swept', async () => {
  let x = await startDaoid({ devsim: sim });
  try {
    const { res } = await signupClient(x.base, { email: 'later@example.com', username: 'later' });
    assert.equal(res.status, 303);
    const link = linkIn((await sim.waitMail('later@example.com'))[0]);
    linkExpired(x, 'later');
    // The janitor sweeps expired rows at start and then every minute: restart to run it now,
    // and wait for the sweep to pass an expired captcha planted as a marker (swept after tokens).
    await x.stop({ keepDir: true });
    x.sql("INSERT INTO captchas (id_hash, answer_hash, expires_at) VALUES ('sweep-marker', '-', 1)");
    x = await startDaoid({ devsim: sim, dir: x.dir, env: { DAOID_DATABASE: x.env.DAOID_DATABASE } });
    await waitFor(() => x.sql("SELECT COUNT(*) FROM captchas WHERE id_hash = 'sweep-marker'")[0][0] === '0', 'the janitor\'s sweep');
    const url = new URL(link);
    const r = await new Client(x.base).get(url.pathname + url.search);
    const left = x.sql("SELECT COUNT(*) FROM tokens t JOIN accounts a ON a.id = t.account_id WHERE a.username = 'later'")[0][0];
    assert.deepEqual([r.status, r.page.noticeMessage], [410, zh('verify.err.expired')], `(the account's tokens left after the sweep: ${left})`);
    assert.deepEqual(x.sql("SELECT email_verified FROM accounts WHERE username = 'later'"), [['0']]);
  } finally {
    await x.stop();
  }
});

test('a used verification link says so', async () => {
  const { ctx, page } = await newPage();
  await signup(page, d.base, { email: 'grace@example.com', username: 'grace' });
  const [mail] = await sim.waitMail('grace@example.com');
  const link = linkIn(mail);
  let r = await page.goto(link);
  assert.equal(r.status(), 200);
  assert.equal(await page.textContent('#notice-title'), zh('verify.ok.title'));
  // opened again by the (now verified) account itself: nothing is wrong, and the page says so
  r = await page.goto(link);
  assert.equal(r.status(), 200);
  assert.equal(await page.textContent('#notice-title'), zh('verify.already.title'));
  assert.equal(await page.getAttribute('#notice-link', 'href'), '/console');
  // signed out, in English: the link is used, with a way to sign in
  const other = await newPage({ locale: 'en-US' });
  r = await other.page.goto(link);
  assert.equal(r.status(), 410);
  assert.equal(await other.page.textContent('#notice-message'), en('verify.err.used'));
  assert.equal(await other.page.getAttribute('#notice-link', 'href'), '/login');
  assert.deepEqual(d.sql("SELECT email_verified FROM accounts WHERE username = 'grace'"), [['1']]);
  await other.ctx.close();
  await ctx.close();
});

test('a mangled verification link is not valid, and does not use up the real one', async () => {
  const [mail] = await sim.waitMail('hank@example.com');
  const link = new URL(linkIn(mail));
  const token = link.searchParams.get('token');
  const flip = token.slice(0, -1) + (token.endsWith('A') ? 'B' : 'A');
  const { ctx, page } = await newPage();
  for (const q of [`?token=${flip}`, `?token=${token.slice(0, -4)}`, `?token=${token}x`, `?token=${token.toUpperCase()}`, '?token=', '']) {
    const r = await page.goto(`${d.base}/verify${q}`);
    assert.equal(r.status(), 404, q);
    assert.equal(await page.textContent('#notice-message'), '验证链接无效，请检查是否完整复制了邮件中的链接。', q);
  }
  // a NUL in the link is refused before the page (input rules: 400)
  const nul = await page.goto(`${d.base}/verify?token=${token.slice(0, 20)}%00${token.slice(21)}`);
  assert.equal(nul.status(), 400);
  assert.deepEqual(d.sql("SELECT email_verified FROM accounts WHERE username = 'hank'"), [['0']]);
  const r = await page.goto(link.href);
  assert.equal(r.status(), 200);
  assert.deepEqual(d.sql("SELECT email_verified FROM accounts WHERE username = 'hank'"), [['1']]);
  await ctx.close();
});

test('resend sends a second mail; a second click within the minute is limited; the first link still works', async () => {
  const addr = 'heidi@example.com';
  const { ctx, page } = await newPage();
  await signup(page, d.base, { email: addr, username: 'heidi' });
  await skipTour(page);
  const [first] = await sim.waitMail(addr);
  let r = await submitClick(page, '#resend');
  assert.equal(r.status(), 303);
  assert.match(page.url(), /\/console$/);
  assert.equal(await page.textContent('#notice'), '验证邮件已重新发送，请查收。');
  r = await submitClick(page, '#resend');
  assert.equal(r.status(), 303);
  assert.match(page.url(), /\/console$/);
  assert.equal(await page.textContent('#alert'), '发送太频繁了，请稍后再试。');
  assert.equal(await page.$('#notice'), null);
  assert.ok(await page.isVisible('#verify-reminder'));

  const mails = (await sim.waitMail(addr, 2)).sort((a, b) => a.id - b.id);
  assert.notEqual(linkIn(mails[1]), linkIn(first), 'the new mail has a new link');
  const outbox = () => d.sql("SELECT o.status FROM outbox o JOIN accounts a ON a.id = o.account_id WHERE a.username = 'heidi'");
  await waitFor(() => outbox().every(([s]) => s === 'sent'), 'heidi\'s mails sent');
  assert.equal(outbox().length, 2, 'no third mail queued');
  assert.equal((await sim.messages(addr)).length, 2, 'no third mail sent');

  // The first mail's link still works after the resend.
  r = await page.goto(linkIn(first));
  assert.equal(r.status(), 200);
  assert.equal(await page.textContent('#notice-title'), zh('verify.ok.title'));
  await page.goto(d.base + '/console');
  assert.equal(await page.$('#verify-reminder'), null);
  await ctx.close();
});

test('next= takes a signed-in browser back to a page of this site, never elsewhere', async () => {
  const ip = nextIp();
  // the console, asked for while signed out
  let { ctx, page } = await pageFrom(ip);
  await page.goto(d.base + '/console');
  assert.equal(page.url(), `${d.base}/login?next=/console`);
  assert.equal(await page.inputValue('input[name=next]'), '/console');
  await signIn(page, 'ivan', PASSWORD);
  assert.equal(page.url(), `${d.base}/console`);
  await ctx.close();

  // another page of the site
  ({ ctx, page } = await pageFrom(ip));
  await page.goto(d.base + '/login?next=/terms');
  await signIn(page, 'ivan', PASSWORD);
  assert.equal(page.url(), `${d.base}/terms`);
  await ctx.close();

  // another site: the form does not carry it, sign-in lands on the console
  ({ ctx, page } = await pageFrom(ip));
  await page.goto(d.base + '/login?next=//evil.example');
  assert.equal(await page.$('input[name=next]'), null);
  await signIn(page, 'ivan', PASSWORD);
  assert.equal(page.url(), `${d.base}/console`);
  await ctx.close();

  // posted by hand
  for (const next of ['//evil.example', '//evil.example/console', 'https://evil.example/', '/\\evil.example', '\\\\evil.example',
    '/%2fevil.example', '/%5Cevil.example', 'javascript:alert(1)', 'console', '/\t/evil.example']) {
    const c = new Client(d.base, { headers: { 'X-Forwarded-For': ip } });
    const csrf = (await c.get('/login')).page.csrf;
    const res = await c.post('/login', { csrf, identifier: 'ivan', password: PASSWORD, next });
    if (next.includes('\t')) { // a control character: refused by the input rules, no redirect
      assert.equal(res.status, 400, next);
      continue;
    }
    assert.equal(res.status, 303, next);
    assert.equal(res.location, '/console', `next=${next}`);
  }
});

test('after signing out, the back button does not show the console', async () => {
  const ip = nextIp();
  const { ctx, page } = await pageFrom(ip);
  await page.goto(d.base + '/login');
  await signIn(page, 'judy', PASSWORD);
  await skipTour(page);
  assert.equal(sessionsOf('judy', ip), 1);
  assert.equal(await page.textContent('#fact-username'), 'judy');
  const old = (await ctx.cookies(d.base)).find((c) => c.name === 'session').value;
  await page.click('#account-summary'); // the account menu
  await Promise.all([page.waitForURL(d.base + '/'), page.click('#logout')]);
  assert.equal(sessionsOf('judy', ip), 0, 'the session is gone on the server');

  await page.goBack();
  await page.waitForLoadState('load');
  assert.equal(page.url(), `${d.base}/login?next=/console`);
  assert.equal(await page.$('#fact-username'), null);
  assert.ok(await page.isVisible('#signin'));
  const r = await page.request.get(d.base + '/console', { maxRedirects: 0 });
  assert.equal(r.status(), 303);
  assert.equal(r.headers().location, '/login?next=/console');

  // the old cookie, replayed, is worth nothing
  const c = new Client(d.base);
  c.jar.set('session', old);
  assert.equal((await c.get('/console')).status, 303);
  assert.equal((await c.get('/api/v1/me')).status, 401);
  await ctx.close();
});

test('/api/v1/me without a valid session answers 401 {"error":"unauthenticated"}', async () => {
  for (const cookie of [undefined, 'session=' + 'A'.repeat(43), 'session=nonsense', 'session=']) {
    const r = await fetch(d.base + '/api/v1/me', { headers: cookie ? { Cookie: cookie } : {} });
    assert.equal(r.status, 401, String(cookie));
    assert.equal(r.headers.get('content-type'), 'application/json');
    assert.equal(r.headers.get('cache-control'), 'no-store');
    assert.equal(await r.text(), '{"error":"unauthenticated"}');
  }
});

test('the session cookie is HttpOnly and SameSite=Lax, and changes at sign-in', async () => {
  const { ctx, page } = await pageFrom(nextIp());
  await page.goto(d.base + '/login');
  const r = await signIn(page, 'kate', PASSWORD);
  await skipTour(page);
  assert.match((await r.allHeaders())['set-cookie'], /^session=[A-Za-z0-9_-]{43}; Path=\/; HttpOnly; SameSite=Lax; Max-Age=2592000$/m);
  const jar = await ctx.cookies(d.base);
  const session = jar.find((c) => c.name === 'session');
  assert.ok(session, 'a session cookie');
  assert.equal(session.httpOnly, true);
  assert.equal(session.sameSite, 'Lax');
  assert.equal(session.path, '/');
  const left = session.expires - Date.now() / 1000;
  assert.ok(left > 30 * 86400 - 120 && left <= 30 * 86400 + 5, `it lasts the session's absolute lifetime (${left}s)`);
  const csrf = jar.find((c) => c.name === 'csrf');
  assert.equal(csrf.httpOnly, true);
  assert.equal(csrf.sameSite, 'Lax');
  assert.equal(await page.evaluate(() => document.cookie), '', 'scripts see no cookie');

  // signing in again (after signing out) gives a new session token
  await page.click('#account-summary'); // the account menu
  await Promise.all([page.waitForURL(d.base + '/'), page.click('#logout')]);
  await page.goto(d.base + '/login');
  await signIn(page, 'kate', PASSWORD);
  const again = (await ctx.cookies(d.base)).find((c) => c.name === 'session');
  assert.notEqual(again.value, session.value);
  await ctx.close();
});
