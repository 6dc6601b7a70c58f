// Invisible input (issue: NUL bytes and other invisible input; %00 in a path; conflicting
// Content-Length): a NUL or other control byte in a form field, a query parameter, a cookie, a
// header or a JSON body is refused with 400 and the field's message before any handler sees
// it, so nothing is created or changed under a cut value ("victim@ex.test%00@attacker.test" is
// not "victim@ex.test"); a path with %00 is refused; a request with two different
// Content-Length values, or Transfer-Encoding with Content-Length, is refused before its body
// is read; the stored User-Agent is a cleaned copy. Every form, and in a browser two of them.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import { useServers, newPage, PASSWORD, CAPTCHA } from './lib/harness.mjs';
import { account, clientSignIn, csrfOf, scalar } from './lib/console.mjs';
import { catalog, Client, signupForm, counts, submitClick } from './lib/forms.mjs';
import { oauthServers, newUser, signInWith } from './lib/oauth.mjs';

const zh = catalog('zh-CN');
const NEW_PASSWORD = 'another fine passphrase 7';
const srv = useServers(oauthServers({ providers: ['github'], env: { DAOID_TRUSTED_PROXIES: '127.0.0.1' }, ready: () => account(srv.d, srv.sim, 'keeper') }));

const accountsNamed = (name) => scalar(srv.d, `SELECT COUNT(*) FROM accounts WHERE username = '${name}'`);
// accounts with the address, and tokens for it (a pending email change)
const accountsWithEmail = (email) => scalar(srv.d, `SELECT (SELECT COUNT(*) FROM accounts WHERE email_norm = '${email}') + (SELECT COUNT(*) FROM tokens WHERE email = '${email}')`);
const sessionsOf = (name) => scalar(srv.d, `SELECT COUNT(*) FROM sessions WHERE account_id = (SELECT id FROM accounts WHERE username = '${name}')`);
const label = (field) => { try { return zh(`field.${field}`); } catch { return field; } };

// The answer is the 400 page of the input rules, naming field (a form field or query parameter
// by its label when it has one).
function refused(res, part, field) {
  assert.equal(res.status, 400, `400 for ${part} ${field}: ${res.page.noticeMessage || res.text.slice(0, 200)}`);
  assert.equal(res.page.noticeTitle, zh('input.title'));
  const name = part === 'form' || part === 'query' ? label(field) : field;
  assert.equal(res.page.noticeMessage, zh(`input.err.${part}`, { field: name }));
}

// Sends bytes on a connection of its own; resolves with the status and the whole answer.
function raw(bytes) {
  return new Promise((resolve, reject) => {
    const s = net.connect(srv.d.port, '127.0.0.1');
    const chunks = [];
    s.on('data', (c) => chunks.push(c));
    s.on('error', reject);
    s.on('close', () => {
      const text = Buffer.concat(chunks).toString('utf8');
      const m = /^HTTP\/1\.1 (\d{3})/.exec(text);
      resolve({ status: m ? Number(m[1]) : 0, text });
    });
    s.write(Buffer.from(bytes, 'latin1')); // the answer ends the connection (Connection: close)
  });
}

test('sign-up: a NUL in any field is refused with its message, and no account or mail is made', async () => {
  const cases = {
    email: 'victim@ex.test\u0000@attacker.test',
    username: 'nul\u0000tail',
    password: 'P\u0000anything goes here 42',
    captcha: `${CAPTCHA}\u0000x`,
  };
  for (const [field, value] of Object.entries(cases)) {
    const c = new Client(srv.d.base);
    const form = await signupForm(c, { email: `su-${field}@example.com`, username: `su${field}`, [field]: value });
    const before = counts(srv.d);
    const res = await c.post('/signup', form);
    refused(res, 'form', field);
    assert.deepEqual(counts(srv.d), before, `nothing stored for ${field}`);
  }
  assert.equal(accountsWithEmail('victim@ex.test'), 0, 'no account under the cut address');
  assert.equal(accountsNamed('nul'), 0, 'no account under the cut name');
  assert.equal((await srv.sim.messages('victim@ex.test')).length, 0, 'no mail to the cut address');
});

test('sign-up: a C1 control or invalid UTF-8 in a field is refused too', async () => {
  for (const username of ['ctl\u0085name', 'tab\tname']) {
    const c = new Client(srv.d.base);
    const res = await c.post('/signup', await signupForm(c, { email: 'c1@example.com', username }));
    refused(res, 'form', 'username');
  }
  // invalid UTF-8 (a lone 0xFF) can only be sent percent-encoded by hand
  const c = new Client(srv.d.base);
  const form = await signupForm(c, { email: 'ff@example.com', username: 'ffname' });
  const body = new URLSearchParams(form).toString().replace('username=ffname', 'username=ff%FFname');
  const r = await fetch(`${srv.d.base}/signup`, {
    method: 'POST', redirect: 'manual', body,
    headers: { 'Content-Type': 'application/x-www-form-urlencoded', Cookie: [...c.jar].map(([k, v]) => `${k}=${v}`).join('; ') },
  });
  assert.equal(r.status, 400);
  assert.equal(accountsWithEmail('ff@example.com'), 0);
});

test('sign-in: the identifier or password cut at a NUL does not sign in', async () => {
  for (const [field, form] of [['identifier', { identifier: 'keeper\u0000junk', password: PASSWORD }],
    ['password', { identifier: 'keeper', password: `${PASSWORD}\u0000junk` }]]) {
    const before = sessionsOf('keeper');
    const c = new Client(srv.d.base, { headers: { 'X-Forwarded-For': '198.51.100.7' } });
    const res = await c.post('/login', { csrf: await csrfOf(c, '/login'), ...form });
    refused(res, 'form', field);
    assert.equal(sessionsOf('keeper'), before, `no session for ${field}`);
  }
});

test('forgot and reset password: a NUL is refused and no mail or change follows', async () => {
  const c = new Client(srv.d.base);
  const before = counts(srv.d);
  const res = await c.post('/password/forgot', { csrf: await csrfOf(c, '/password/forgot'), email: 'keeper@example.com\u0000@attacker.test' });
  refused(res, 'form', 'email');
  assert.equal(counts(srv.d).outbox, before.outbox, 'no reset mail');
  const r2 = await c.post('/password/reset', { csrf: await csrfOf(c, '/password/forgot'), token: 'abc\u0000def', password: NEW_PASSWORD });
  refused(r2, 'form', 'token');
  const r3 = await c.post('/password/reset', { csrf: await csrfOf(c, '/password/forgot'), token: 'abcdef', password: `${NEW_PASSWORD}\u0000x` });
  refused(r3, 'form', 'password');
  // the refused page leads back to the form
  assert.match(r3.text, /href="\/password\/reset" id="notice-link"/);
});

test('settings: email, password and username with a NUL are refused and nothing changes', async () => {
  await account(srv.d, srv.sim, 'setter');
  const { client: c } = await clientSignIn(srv.d, 'setter');
  const csrf = await csrfOf(c, '/settings');
  const before = counts(srv.d);
  const r1 = await c.post('/settings/email', { csrf, email: 'victim2@ex.test\u0000@attacker.test', password: PASSWORD });
  refused(r1, 'form', 'email');
  assert.equal(accountsWithEmail('victim2@ex.test'), 0);
  const r2 = await c.post('/settings/password', { csrf, current: PASSWORD, password: `${NEW_PASSWORD}\u0000tail` });
  refused(r2, 'form', 'password');
  const r3 = await c.post('/settings/password', { csrf, current: `${PASSWORD}\u0000`, password: NEW_PASSWORD });
  refused(r3, 'form', 'current');
  const r4 = await c.post('/settings/username', { csrf, username: 'nul\u0000tail' });
  refused(r4, 'form', 'username');
  assert.match(r4.text, /href="\/settings" id="notice-link"/);
  assert.deepEqual(counts(srv.d), before);
  assert.equal(accountsNamed('nul'), 0);
  assert.equal(accountsNamed('setter'), 1, 'the username is unchanged');
  const cut = await clientSignIn(srv.d, 'setter', NEW_PASSWORD);
  assert.notEqual(cut.res.status, 303, 'the cut password was not stored');
  const same = await clientSignIn(srv.d, 'setter', PASSWORD);
  assert.equal(same.res.status, 303, 'the password is unchanged');
});

test('WeChat registration: a NUL in the username or email is refused before the handler', async () => {
  const before = counts(srv.d);
  for (const [field, form] of [['username', { username: 'wx\u0000tail', email: '' }], ['email', { username: 'wxnul', email: 'a@b.test\u0000x' }]]) {
    const c = new Client(srv.d.base);
    const res = await c.post('/auth/wechat/register', { csrf: await csrfOf(c, '/login'), terms: '1', ...form });
    refused(res, 'form', field);
  }
  assert.deepEqual(counts(srv.d), before);
});

test('GitHub completion page in a browser: a NUL in the username shows the field\'s message and creates nothing', async () => {
  const gh = await newUser(srv.sim, 'github', { login: 'nulgh', email: 'nulgh@example.com' });
  const { ctx, page } = await newPage();
  try {
    await signInWith(page, srv.d.base, 'github', gh.login);
    assert.ok(page.url().endsWith('/auth/complete'), page.url());
    const before = counts(srv.d);
    await page.fill('#username', 'nulgh');
    await page.evaluate(() => { document.querySelector('#username').value = 'nul\u0000gh'; });
    await page.check('#terms');
    const resp = await submitClick(page, '#register');
    assert.equal(resp.status(), 400);
    assert.equal(await page.textContent('#notice-title'), zh('input.title'));
    assert.equal(await page.textContent('#notice-message'), zh('input.err.form', { field: zh('field.username') }));
    assert.deepEqual(counts(srv.d), before);
    assert.equal(accountsNamed('nul'), 0);
  } finally {
    await ctx.close();
  }
});

test('sign-up in a browser: a NUL in the email shows the field\'s message', async () => {
  const { ctx, page } = await newPage();
  try {
    await page.goto(`${srv.d.base}/signup`);
    await page.fill('#username', 'browsernul');
    await page.fill('#email', 'x');
    await page.evaluate(() => { document.querySelector('#email').value = 'victim3@ex.test\u0000@attacker.test'; });
    await page.fill('#password', PASSWORD);
    await page.fill('#captcha', CAPTCHA);
    await page.check('#terms');
    const resp = await submitClick(page, '#register');
    assert.equal(resp.status(), 400);
    assert.equal(await page.textContent('#notice-message'), zh('input.err.form', { field: zh('field.email') }));
    await Promise.all([page.waitForURL(/\/signup$/), page.click('#notice-link')]);
    assert.equal(accountsWithEmail('victim3@ex.test'), 0);
    assert.equal(accountsNamed('browsernul'), 0);
  } finally {
    await ctx.close();
  }
});

test('a query parameter with %00 or invalid UTF-8 is refused, naming the parameter', async () => {
  const c = new Client(srv.d.base);
  refused(await c.get('/signup?email=a%00b%40example.com'), 'query', 'email');
  refused(await c.get('/login?next=%2Fconsole%00x'), 'query', 'next');
  refused(await c.get('/signup?username=a%FF'), 'query', 'username');
  const ok = await c.get('/signup?username=fine');
  assert.equal(ok.status, 200);
});

test('a path with %00 is refused instead of serving the part before it', async () => {
  const r = await fetch(`${srv.d.base}/static/app.css%00.png`);
  assert.equal(r.status, 400);
  assert.doesNotMatch(await r.text(), /\{[^}]*:[^}]*;/, 'not the stylesheet');
  assert.equal((await fetch(`${srv.d.base}/static/app.css`)).status, 200);
});

test('a cookie or header with a control byte is refused; a clean one passes', async () => {
  const head = (extra) => `GET /login HTTP/1.1\r\nHost: x\r\n${extra}Connection: close\r\n\r\n`;
  assert.equal((await raw(head('Cookie: lang=en\x01\r\n'))).status, 400);
  assert.equal((await raw(head('X-Note: a\x7fb\r\n'))).status, 400);
  assert.equal((await raw(head('User-Agent: a\x1b[2Jb\r\n'))).status, 400);
  assert.equal((await raw(head('X-Note: a\tb\r\n'))).status, 200, 'a tab is allowed in a header');
  assert.equal((await raw(head('Cookie: lang=en\r\n'))).status, 200);
});

test('a JSON body with a NUL is refused with a stable code under /api/', async () => {
  for (const body of ['{"name":"a\\u0000b"}', '{"name":"a\u0000b"}']) {
    const r = await fetch(`${srv.d.base}/api/v1/me`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body });
    assert.equal(r.status, 400);
    assert.deepEqual(await r.json(), { error: 'bad_input', part: 'body', field: '' });
  }
  const q = await fetch(`${srv.d.base}/api/v1/me?x=%00`);
  assert.equal(q.status, 400);
  assert.deepEqual(await q.json(), { error: 'bad_input', part: 'query', field: 'x' });
});

test('two different Content-Length values, or Transfer-Encoding with Content-Length: 400 before the body', async () => {
  const two = await raw('POST /login HTTP/1.1\r\nHost: x\r\nContent-Type: application/x-www-form-urlencoded\r\n' +
    'Content-Length: 3\r\nContent-Length: 40\r\nConnection: close\r\n\r\nabc');
  assert.equal(two.status, 400);
  assert.ok(two.text.includes(zh('input.err.framing')), 'the page says why');
  const both = await raw('POST /login HTTP/1.1\r\nHost: x\r\nContent-Length: 8\r\nTransfer-Encoding: chunked\r\n' +
    'Connection: close\r\n\r\n3\r\nabc\r\n0\r\n\r\n');
  assert.equal(both.status, 400);
  const same = await raw('GET /healthz HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\nContent-Length: 0\r\nConnection: close\r\n\r\n');
  assert.equal(same.status, 200, 'the same value twice is one length');
});

test('the stored User-Agent is valid UTF-8 without control characters', async () => {
  await account(srv.d, srv.sim, 'uaowner');
  const c = new Client(srv.d.base);
  const csrf = await csrfOf(c, '/login');
  const body = new URLSearchParams({ csrf, identifier: 'uaowner', password: PASSWORD }).toString();
  const cookie = [...c.jar].map(([k, v]) => `${k}=${v}`).join('; ');
  // Latin-1 bytes (invalid UTF-8) and a C1 control (CSI, U+009B) as UTF-8
  const res = await raw(`POST /login HTTP/1.1\r\nHost: x\r\nUser-Agent: Mozilla\xff\xfe (\xc2\x9b2J)\r\n` +
    `Cookie: ${cookie}\r\nX-Forwarded-For: 198.51.100.9\r\nContent-Type: application/x-www-form-urlencoded\r\n` +
    `Content-Length: ${body.length}\r\nConnection: close\r\n\r\n${body}`);
  assert.equal(res.status, 303, res.text.slice(0, 300));
  const hex = srv.d.dbPath ? 'hex(user_agent)' : "upper(encode(convert_to(user_agent, 'UTF8'), 'hex'))";
  const [[ua]] = srv.d.sql(`SELECT ${hex} FROM sessions WHERE account_id = (SELECT id FROM accounts WHERE username = 'uaowner') AND ip = '198.51.100.9'`);
  assert.equal(Buffer.from(ua, 'hex').toString('utf8'), 'Mozilla\ufffd\ufffd (\ufffd2J)');
  assert.equal(Buffer.from(Buffer.from(ua, 'hex').toString('utf8'), 'utf8').toString('hex').toUpperCase(), ua, 'valid UTF-8 as stored');
});
