// What an outside security test found (issue 12), each checked from outside as the attack was
// made: F1 (no answer tells whether an address is someone's: the email change and the sign-up
// answer as for a free address, and the owner gets a notice), F2 (a reset or a verification
// made from outside ends the ways in nobody proved: the identities bound while the address was
// unverified, with their provider tokens, and every session; unverified accounts are swept and
// their username released), F5 (failed sign-ins count per account, whichever spelling), the
// per-IP limit of new captchas, and the CSRF cookie renewed at every sign-in.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { useServers, startDaoid, newPage, linkIn, PASSWORD } from './lib/harness.mjs';
import { account, signedIn, clientSignIn, csrfOf, mailLink, scalar, nextIp, waitFor } from './lib/console.mjs';
import { catalog, Client, signupClient } from './lib/forms.mjs';
import { oauthServers, bindWith, newUser, signInWith } from './lib/oauth.mjs';

const zh = catalog('zh-CN');
const NEW_PASSWORD = 'a brand new passphrase 9';
const srv = useServers(oauthServers({ providers: ['github'], env: { DAOID_TRUSTED_PROXIES: '127.0.0.1' } }));

const idOf = (username) => scalar(srv.d, `SELECT id FROM accounts WHERE username = '${username}'`);
const path = (link) => new URL(link).pathname + new URL(link).search;
const USED_SUBJECT = '有人尝试使用您的 DaoCloud 邮箱';

const bindGitHub = (page, login) => bindWith(page, srv.d.base, 'github', login);

// The account's GitHub token (kept for Code Build since the binding) is there.
function hasToken(username) {
  assert.equal(scalar(srv.d, `SELECT COUNT(*) FROM provider_tokens WHERE account_id = ${idOf(username)} AND provider = 'github'`), 1);
}

test('F1: an email change to another account\'s verified address answers as for a free one; the owner gets a notice', async () => {
  await account(srv.d, srv.sim, 'fay');
  const c = await account(srv.d, srv.sim, 'hal');
  const c2 = await account(srv.d, srv.sim, 'ida');
  const taken = await c.post('/settings/email', { csrf: await csrfOf(c, '/settings'), email: 'FAY@example.com' });
  const pendingTaken = (await c.get('/settings')).text.includes('FAY@example.com');
  const free = await c2.post('/settings/email', { csrf: await csrfOf(c2, '/settings'), email: 'hal.new@example.com' });
  const pendingFree = (await c2.get('/settings')).text.includes('hal.new@example.com');
  assert.deepEqual([taken.status, taken.location, pendingTaken], [free.status, free.location, pendingFree], 'one answer');
  assert.equal(taken.status, 303);

  const notice = await waitFor(async () => (await srv.sim.messages('fay@example.com')).find((m) => m.subject === USED_SUBJECT), 'the notice to fay');
  assert.match(notice.text, /\/password\/forgot/);
  assert.ok((await srv.sim.messages('fay@example.com')).every((m) => !/\/email\/confirm/.test(m.text)), 'no link to fay');
  assert.ok(mailLink((await srv.sim.waitMail('hal.new@example.com'))[0], '/email/confirm'), 'the free address gets its link');
  assert.deepEqual(srv.d.sql("SELECT username FROM accounts WHERE email_norm = 'fay@example.com' AND email_verified = 1"), [['fay']]);
});

test('F1: a sign-up naming another account\'s verified address answers as for a free one; only the owner hears of it', async () => {
  await account(srv.d, srv.sim, 'owen');
  const taken = await signupClient(srv.d.base, { email: 'Owen@Example.com', username: 'not-owen' });
  const free = await signupClient(srv.d.base, { email: 'somebody.new@example.com', username: 'somebody-new' });
  assert.deepEqual([taken.res.status, taken.res.location], [free.res.status, free.res.location], 'one answer');
  const consoles = [await taken.client.get('/console'), await free.client.get('/console')];
  assert.deepEqual(consoles.map((r) => r.status), [200, 200]);
  assert.ok(consoles[0].text.includes('Owen@Example.com'), 'the console says where the mail went, as for any address');

  const notice = await waitFor(async () => (await srv.sim.messages('owen@example.com')).find((m) => m.subject === USED_SUBJECT), 'the notice to owen');
  assert.match(notice.text, /\/login/);
  assert.equal((await srv.sim.messages('owen@example.com')).filter((m) => /\/verify\?token=/.test(m.text)).length, 1,
    'only owen\'s own verification link, none for not-owen');
  assert.deepEqual(srv.d.sql("SELECT username, email_verified FROM accounts WHERE email_norm = 'owen@example.com' ORDER BY id"),
    [['owen', '1'], ['not-owen', '0']]);
  const { res } = await clientSignIn(srv.d, 'owen@example.com');
  assert.equal(res.status, 303, 'the address still signs the owner in');
  // a second try from the not-owen account (resend) tells nobody else either
  const n = (await srv.sim.messages('owen@example.com')).length;
  const r = await taken.client.post('/verify/resend', { csrf: await csrfOf(taken.client, '/console') });
  assert.equal(r.status, 303, `resend answered ${r.status}`);
  const after = await srv.sim.waitMail('owen@example.com', n + 1);
  assert.equal(after[0].subject, USED_SUBJECT);
});

test('F2: a reset by the mailbox owner unlinks the GitHub an account squatter bound, with its token, and ends their sessions', async () => {
  // the attacker signs up with the victim's address (unverified) and binds their own GitHub
  await account(srv.d, srv.sim, 'squat', { email: 'victim@example.com', verify: false });
  const gh = await newUser(srv.sim, 'github', { login: 'squatter-gh' });
  const att = await signedIn(srv.d, 'squat');
  await bindGitHub(att.page, gh.login);
  hasToken('squat');
  assert.deepEqual(srv.d.sql(`SELECT bound_verified FROM identities WHERE account_id = ${idOf('squat')}`), [['0']]);

  // the victim resets the password of "their" address
  const v = new Client(srv.d.base);
  const form = await v.get('/password/forgot');
  assert.equal((await v.post('/password/forgot', { csrf: form.page.csrf, email: 'victim@example.com' })).status, 200);
  const link = mailLink((await srv.sim.waitMail('victim@example.com', 2)).find((m) => /\/password\/reset/.test(m.text)), '/password/reset');
  const resetForm = await v.get(path(link));
  const done = await v.post('/password/reset', { csrf: resetForm.page.csrf, token: new URL(link).searchParams.get('token'), password: NEW_PASSWORD });
  assert.equal(done.status, 200);
  assert.match(done.text, /id="notice-removed">[^<]*GitHub/, 'the page says GitHub was unlinked');
  assert.match(done.text, /id="notice-sessions">[^<]*2/, 'and that its two sessions ended (the sign-up\'s and the browser\'s)');

  const id = idOf('squat');
  assert.equal(scalar(srv.d, `SELECT COUNT(*) FROM identities WHERE account_id = ${id}`), 0);
  assert.equal(scalar(srv.d, `SELECT COUNT(*) FROM provider_tokens WHERE account_id = ${id}`), 0);
  assert.equal(scalar(srv.d, `SELECT COUNT(*) FROM sessions WHERE account_id = ${id}`), 0);
  const mail = await waitFor(async () => (await srv.sim.messages('victim@example.com')).find((m) => m.subject === '您的 DaoCloud 密码已修改'), 'the notice');
  assert.match(mail.text, /GitHub/);

  // the attacker's browser is signed out, and their GitHub no longer leads into the account
  await att.page.goto(srv.d.base + '/settings');
  assert.match(att.page.url(), /\/login/);
  await signInWith(att.page, srv.d.base, 'github', gh.login);
  assert.match(att.page.url(), /\/auth\/complete$/, 'GitHub is a stranger again');
  await att.ctx.close();

  // bound now, under the verified address, GitHub survives the next reset
  const vic = await signedIn(srv.d, 'victim@example.com', { password: NEW_PASSWORD });
  const gh2 = await newUser(srv.sim, 'github', { login: 'victim-gh' });
  await bindGitHub(vic.page, gh2.login);
  assert.deepEqual(srv.d.sql(`SELECT bound_verified FROM identities WHERE account_id = ${id}`), [['1']]);
  await vic.ctx.close();
});

test('F2: a verification opened outside the account ends the ways in bound before it; opened inside, they stay', async () => {
  const gh = await newUser(srv.sim, 'github', { login: 'outside-gh' });
  await account(srv.d, srv.sim, 'outsider', { email: 'outside@example.com', verify: false });
  const att = await signedIn(srv.d, 'outsider');
  await bindGitHub(att.page, gh.login);
  const stranger = new Client(srv.d.base);
  const r = await stranger.get(path(linkIn((await srv.sim.waitMail('outside@example.com'))[0])));
  assert.equal(r.status, 200);
  assert.equal(r.page.noticeTitle, zh('verify.ok.title'));
  assert.match(r.text, /id="notice-removed">[^<]*GitHub/);
  assert.equal(scalar(srv.d, `SELECT COUNT(*) FROM identities WHERE account_id = ${idOf('outsider')}`), 0);
  assert.equal(scalar(srv.d, `SELECT COUNT(*) FROM sessions WHERE account_id = ${idOf('outsider')}`), 0);
  const mail = await waitFor(async () => (await srv.sim.messages('outside@example.com')).find((m) => m.subject === '您的 DaoCloud 邮箱已验证'), 'the mail');
  assert.match(mail.text, /GitHub/);
  await att.ctx.close();

  // the account's own browser opens the link: what it bound is its owner's
  const gh2 = await newUser(srv.sim, 'github', { login: 'inside-gh' });
  await account(srv.d, srv.sim, 'insider', { email: 'inside@example.com', verify: false });
  const own = await signedIn(srv.d, 'insider');
  await bindGitHub(own.page, gh2.login);
  await own.page.goto(linkIn((await srv.sim.waitMail('inside@example.com'))[0]));
  assert.equal(await own.page.textContent('#notice-title'), zh('verify.ok.title'));
  assert.deepEqual(srv.d.sql(`SELECT provider, bound_verified FROM identities WHERE account_id = ${idOf('insider')}`), [['github', '1']]);
  await own.page.goto(srv.d.base + '/settings');
  assert.match(own.page.url(), /\/settings$/, 'still signed in');
  await own.ctx.close();
});

test('F5: the username and the email of one account share one failure count; unknown names are counted too', async () => {
  await account(srv.d, srv.sim, 'pat');
  const tryOnce = async (identifier) => {
    const c = new Client(srv.d.base, { headers: { 'X-Forwarded-For': nextIp() } });
    const form = await c.get('/login');
    return c.post('/login', { csrf: form.page.csrf, identifier, password: 'wrong password 1' });
  };
  for (const id of ['pat', 'PAT', 'pat@example.com']) {
    const r = await tryOnce(id);
    assert.equal(r.status, 401);
  }
  const fourth = await tryOnce('Pat@Example.com');
  assert.equal(fourth.page.formError, zh('login.err.captcha_needed'), 'the 4th failure, by either spelling, needs the captcha');
  assert.ok(fourth.page.captchaId);
  for (let i = 0; i < 3; i++) await tryOnce('nobody-here');
  assert.equal((await tryOnce('nobody-here')).page.formError, zh('login.err.captcha_needed'));
});

test('CSRF: the cookie is renewed at sign-in (password, GitHub) and by a reset; the old token stops working', async () => {
  await account(srv.d, srv.sim, 'cora');
  const c = new Client(srv.d.base, { headers: { 'X-Forwarded-For': nextIp() } });
  const form = await c.get('/login');
  const before = c.jar.get('csrf');
  assert.ok(before);
  assert.equal((await c.post('/login', { csrf: form.page.csrf, identifier: 'cora', password: PASSWORD })).status, 303);
  assert.ok(c.jar.get('csrf') && c.jar.get('csrf') !== before, 'a new cookie at sign-in');
  const stale = await c.post('/logout', { csrf: form.page.csrf });
  assert.equal(stale.status, 403, 'a token of the old cookie is refused');
  assert.equal((await c.post('/logout', { csrf: await csrfOf(c, '/settings') })).status, 303);

  const gh = await newUser(srv.sim, 'github', { login: 'cora-gh' });
  const { ctx, page } = await signedIn(srv.d, 'cora');
  await bindGitHub(page, gh.login);
  await ctx.clearCookies();
  await page.goto(srv.d.base + '/login');
  const cookieOf = async () => (await ctx.cookies()).find((k) => k.name === 'csrf')?.value;
  const beforeGh = await cookieOf();
  await signInWith(page, srv.d.base, 'github', gh.login);
  assert.match(page.url(), /\/console$/);
  const afterGh = await cookieOf();
  assert.ok(beforeGh && afterGh && afterGh !== beforeGh, 'a new cookie at GitHub sign-in');
  await ctx.close();

  const v = new Client(srv.d.base);
  const f = await v.get('/password/forgot');
  await v.post('/password/forgot', { csrf: f.page.csrf, email: 'cora@example.com' });
  const link = mailLink((await srv.sim.waitMail('cora@example.com', 2)).find((m) => /\/password\/reset/.test(m.text)), '/password/reset');
  const rf = await v.get(path(link));
  const beforeReset = v.jar.get('csrf');
  const done = await v.post('/password/reset', { csrf: rf.page.csrf, token: new URL(link).searchParams.get('token'), password: NEW_PASSWORD });
  assert.equal(done.status, 200);
  assert.ok(v.jar.get('csrf') && v.jar.get('csrf') !== beforeReset, 'a new cookie after a reset');
});

test('captcha: 101 new captchas from one address make at most limit_captcha_ip rows; another address still gets one', async () => {
  const x = await startDaoid({ env: { DAOID_TRUSTED_PROXIES: '127.0.0.1', DAOID_LIMIT_CAPTCHA_IP: '60/10m' } });
  try {
    const statuses = [];
    for (let i = 0; i < 101; i++) {
      const r = await fetch(`${x.base}/captcha/new`, { headers: { 'X-Forwarded-For': '203.0.113.5' } });
      statuses.push(r.status);
      await r.arrayBuffer();
    }
    assert.equal(statuses.filter((s) => s === 200).length, 60);
    assert.equal(statuses.filter((s) => s === 429).length, 41);
    assert.equal(scalar(x, 'SELECT COUNT(*) FROM captchas'), 60);
    const page = await fetch(`${x.base}/signup`, { headers: { 'X-Forwarded-For': '203.0.113.5' } });
    assert.equal(page.status, 429, 'the sign-up form says why it has no captcha');
    assert.match(await page.text(), new RegExp(zh('captcha.err.limited')));
    const other = await fetch(`${x.base}/captcha/new`, { headers: { 'X-Forwarded-For': '203.0.113.6' } });
    assert.equal(other.status, 200);
    assert.ok((await other.json()).id);
  } finally {
    await x.stop();
  }
});

test('F2: accounts nobody verified within 7 × verify_ttl are swept and their username released', async () => {
  let x = await startDaoid({ devsim: srv.sim });
  try {
    for (const [username, verify] of [['stale-one', false], ['stale-two', false], ['fresh-one', false], ['proven-one', true]]) {
      const before = (await srv.sim.messages(`${username}@example.com`)).length;
      const { res, client } = await signupClient(x.base, { email: `${username}@example.com`, username });
      assert.equal(res.status, 303);
      if (verify) {
        const [mail] = await srv.sim.waitMail(`${username}@example.com`, before + 1);
        assert.equal((await client.get(path(linkIn(mail)))).status, 200);
      }
    }
    const eightDays = 8 * 86400;
    x.sql(`UPDATE accounts SET created_at = created_at - ${eightDays} WHERE username IN ('stale-one', 'stale-two', 'proven-one')`);
    // the janitor sweeps at start and then every minute: restart to run it now
    await x.stop({ keepDir: true });
    x = await startDaoid({ devsim: srv.sim, dir: x.dir, env: { DAOID_DATABASE: x.env.DAOID_DATABASE } });
    await waitFor(() => scalar(x, "SELECT COUNT(*) FROM accounts WHERE username LIKE 'stale-%'") === 0, 'the sweep');
    assert.deepEqual(x.sql('SELECT username FROM accounts ORDER BY username'), [['fresh-one'], ['proven-one']]);
    assert.equal(scalar(x, "SELECT COUNT(*) FROM held_usernames WHERE username LIKE 'stale-%'"), 0, 'not held');
    assert.equal(scalar(x, "SELECT COUNT(*) FROM tokens t LEFT JOIN accounts a ON a.id = t.account_id WHERE a.id IS NULL"), 0, 'nothing left behind');
    const { res } = await signupClient(x.base, { email: 'someone.else@example.com', username: 'stale-one' });
    assert.equal(res.status, 303, 'the name is free again');
  } finally {
    await x.stop();
  }
});
