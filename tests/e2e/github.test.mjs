// Sign-up, sign-in and binding with GitHub (issue: GitHub sign-up), clicked through in
// Chromium against the simulator's fake GitHub: sign-up keeping the GitHub address (verified,
// no mail) and changing it (mail, verify); sign-in; the username suggestion; binding and
// unbinding on the linked-accounts page (the last way in stays; an old sign-in needs the
// password or GitHub again); and everything that must end on a clear page with no account and
// no session: cancelling on GitHub, a state from elsewhere or past its ten minutes, a reused or
// expired code, GitHub answering 500, malformed JSON or too slowly, an identity bound to
// someone else, an address that is an existing account's, a disabled account. The callback's
// pages, whose URL carries the code and the state, send no Referer.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { useServers, newPage, signup, linkIn, PASSWORD } from './lib/harness.mjs';
import { catalog, signupClient, submitClick, forceSubmit } from './lib/forms.mjs';
import { admin } from './lib/console.mjs';
import {
  CLIENTS, oauthServers, newUser, authorize, startAt, signInWith, signUpWith, completeAccount,
  catchCallback, providerMode, providerStatus,
} from './lib/oauth.mjs';

const zh = catalog('zh-CN');
const en = catalog('en');
const GH = { provider: 'GitHub' };
const TIMEOUT_S = 3;

const srv = useServers(oauthServers({ env: { DAOID_OAUTH_TIMEOUT: `${TIMEOUT_S}s` }, stopping: () => providerMode(srv.sim, 'up') }));

const count = (sql) => Number(srv.d.sql(sql)[0][0]);
const accounts = () => count('SELECT COUNT(*) FROM accounts');

async function me(page) {
  const r = await page.request.get(srv.d.base + '/api/v1/me');
  return { status: r.status(), body: await r.json() };
}

// The failure page: its title and message.
async function failure(page) {
  return { title: await page.textContent('#notice-title'), message: await page.textContent('#notice-message') };
}

test('GitHub sign-up keeping the GitHub address: verified at once, no mail', async () => {
  const u = await newUser(srv.sim, 'github', { login: 'Keep.Me', email: 'keep.me@example.com' });
  const { ctx, page } = await newPage();
  await page.goto(srv.d.base + '/');
  assert.match(await page.textContent('.hero'), /用其他账号注册/);
  assert.equal(await page.getAttribute('#social-github', 'href'), '/auth/github');

  const [req] = await Promise.all([
    page.waitForRequest((r) => r.url().includes('/github/login/oauth/authorize')),
    page.click('#social-github'),
  ]);
  const q = new URL(req.url()).searchParams;
  assert.equal(q.get('client_id'), CLIENTS.github.id);
  assert.equal(q.get('redirect_uri'), `${srv.d.base}/auth/github/callback`);
  assert.equal(q.get('scope'), 'read:user user:email');
  assert.equal(q.get('response_type'), 'code');
  assert.equal(q.get('code_challenge_method'), 'S256');
  assert.match(q.get('state'), /^[A-Za-z0-9_-]{43}$/);
  // the server keeps the state hashed, with the verifier whose S256 is the challenge
  const rows = srv.d.sql("SELECT state_hash, verifier FROM oauth_states WHERE provider = 'github'");
  assert.ok(rows.every(([h]) => h !== q.get('state')), 'the state itself is not stored');
  assert.ok(rows.some(([, v]) => createHash('sha256').update(v).digest('base64url') === q.get('code_challenge')));
  assert.equal(await page.textContent('#scope'), 'read:user user:email');

  await authorize(page, srv.d.base, u.login);
  assert.match(page.url(), /\/auth\/complete$/);
  assert.equal(await page.inputValue('#username'), 'keep-me');
  assert.equal(await page.inputValue('#email'), 'keep.me@example.com');
  assert.equal(await page.textContent('#oauth-who'), zh('oauth.complete.connected', { ...GH, login: 'Keep.Me' }));
  assert.equal((await page.textContent('#oauth-reminder')).trim(), zh('oauth.complete.reminder', GH));
  assert.equal(await page.textContent('#email-hint'), zh('oauth.complete.email_hint', GH));
  assert.equal(await page.getAttribute('a[href="/terms"]', 'href'), '/terms');

  const resp = await completeAccount(page);
  assert.equal(resp.status(), 303);
  assert.match(page.url(), /\/console$/);
  const { status, body } = await me(page);
  assert.equal(status, 200);
  assert.equal(body.username, 'keep-me');
  assert.equal(body.email, 'keep.me@example.com');
  assert.equal(body.email_verified, true);
  assert.equal(body.has_password, false);
  assert.equal(body.identities.length, 1);
  assert.equal(body.identities[0].provider, 'github');
  assert.equal(body.identities[0].login, 'Keep.Me');
  assert.ok(Math.abs(body.identities[0].linked_at - Date.now() / 1000) < 120);
  assert.equal(count(`SELECT COUNT(*) FROM outbox WHERE account_id = ${body.id}`), 0, 'no mail queued');
  assert.equal(srv.d.sql(`SELECT subject FROM identities WHERE account_id = ${body.id}`)[0][0], u.id);
  assert.equal(count(`SELECT COUNT(*) FROM oauth_pending WHERE subject = '${u.id}'`), 0, 'the pending sign-up is used up');
  const authAt = count(`SELECT MAX(auth_at) FROM sessions WHERE account_id = ${body.id}`);
  assert.ok(Math.abs(authAt - Date.now() / 1000) < 120, 'the session records a fresh sign-in');
  assert.match((await providerStatus(srv.sim)).last_user_agent, /^daoid\//, 'API calls carry a User-Agent');
  await ctx.close();
});

test('GitHub sign-up with another address: a verification mail, and the link verifies it', async () => {
  const u = await newUser(srv.sim, 'github', { login: 'changer', email: 'changer@github.example' });
  const { ctx, page } = await newPage();
  await signUpWith(page, srv.d.base, 'github', u.login, { email: 'changer@example.com' });
  assert.match(page.url(), /\/console$/);
  let { body } = await me(page);
  assert.equal(body.email, 'changer@example.com');
  assert.equal(body.email_verified, false);
  assert.equal(count("SELECT COUNT(*) FROM accounts WHERE email_norm = 'changer@github.example'"), 0);
  const [mail] = await srv.sim.waitMail('changer@example.com');
  await page.goto(linkIn(mail));
  assert.equal(await page.textContent('#notice-title'), '邮箱激活成功');
  ({ body } = await me(page));
  assert.equal(body.email_verified, true);
  await ctx.close();
});

test('a GitHub account without a primary verified address fills in no email, and gets a mail', async () => {
  const u = await newUser(srv.sim, 'github', {
    login: 'noverified',
    emails: [{ email: 'nv@example.com', primary: true, verified: false }, { email: 'nv2@example.com', primary: false, verified: true }],
  });
  const { ctx, page } = await newPage();
  await signInWith(page, srv.d.base, 'github', u.login);
  assert.equal(await page.inputValue('#email'), '');
  assert.equal(await page.textContent('#email-hint'), zh('oauth.complete.email_hint_none', GH));
  await completeAccount(page, { email: 'nv@example.com' });
  const { body } = await me(page);
  assert.equal(body.email_verified, false, 'an address GitHub did not verify is not taken as verified');
  await srv.sim.waitMail('nv@example.com');
  await ctx.close();
});

test('the next time, GitHub signs straight in', async () => {
  const u = await newUser(srv.sim, 'github', { login: 'returning', email: 'returning@example.com' });
  const { ctx, page } = await newPage();
  await signUpWith(page, srv.d.base, 'github', u.login);
  const { body: first } = await me(page);
  await ctx.clearCookies();
  assert.equal((await me(page)).status, 401);
  const before = accounts();
  await signInWith(page, srv.d.base, 'github', u.login);
  assert.match(page.url(), /\/console$/);
  const { status, body } = await me(page);
  assert.equal(status, 200);
  assert.equal(body.id, first.id);
  assert.equal(accounts(), before, 'no second account');
  await ctx.close();
});

test('the suggested username is made valid and unique; a taken one is refused on the form', async () => {
  const { res } = await signupClient(srv.d.base, { email: 'octo-cat@example.com', username: 'octo-cat' });
  assert.equal(res.status, 303);
  const { ctx, page } = await newPage();
  await signInWith(page, srv.d.base, 'github', 'Octo.Cat');
  assert.equal(await page.inputValue('#username'), 'octo-cat-2');
  const before = accounts();
  const r = await completeAccount(page, { username: 'Octo-Cat' });
  assert.equal(r.status(), 400);
  assert.equal(await page.textContent('#username-err'), zh('signup.err.username_taken'));
  assert.equal(await page.inputValue('#email'), 'octo.cat@example.com', 'the form keeps what was typed');
  assert.equal(accounts(), before);
  await completeAccount(page, { username: 'octo-cat-2' });
  assert.equal((await me(page)).body.username, 'octo-cat-2');
  await ctx.close();

  const admin = await newUser(srv.sim, 'github', { login: 'Admin', email: 'gh-admin@example.com' });
  const other = await newPage();
  await signInWith(other.page, srv.d.base, 'github', admin.login);
  assert.equal(await other.page.inputValue('#username'), 'admin-2', 'reserved names are skipped');
  await other.ctx.close();
});

test('bind and unbind GitHub on the linked-accounts page; an old sign-in needs the password', async () => {
  const u = await newUser(srv.sim, 'github', { login: 'binder-gh', email: 'binder-gh@example.com' });
  const { ctx, page } = await newPage();
  await signup(page, srv.d.base, { email: 'binder@example.com', username: 'binder' });
  await page.goto(srv.d.base + '/settings/accounts');
  assert.equal(await page.textContent('.settings-panels h2'), zh('oauth.accounts.title'));
  assert.equal(await page.textContent('#state-github'), zh('oauth.accounts.unbound'));
  assert.ok(await page.isVisible('#bind-bitbucket') && await page.isVisible('#bind-coding'));
  assert.equal(await page.$('#row-wechat'), null, 'WeChat is not configured here');

  await Promise.all([page.waitForSelector('#authorize'), page.click('#bind-github')]);
  await authorize(page, srv.d.base, u.login);
  assert.match(page.url(), /\/settings\/accounts$/);
  assert.equal(await page.textContent('#notice'), zh('oauth.accounts.bound_ok', GH));
  assert.equal(await page.textContent('#state-github'), zh('oauth.accounts.bound'));
  assert.equal(await page.textContent('#login-github'), u.login);
  const { body } = await me(page);
  assert.deepEqual(body.identities.map((i) => [i.provider, i.login]), [['github', u.login]]);
  assert.equal(body.email, 'binder@example.com', 'binding does not touch the address');

  // a GitHub sign-in now lands in this account
  const other = await newPage();
  await signInWith(other.page, srv.d.base, 'github', u.login);
  assert.equal((await me(other.page)).body.id, body.id);
  await other.ctx.close();

  // unbinding right after signing in: no password needed (after the question)
  await page.click('#ask-unbind-github');
  const r = await submitClick(page, '#unbind-github');
  assert.equal(r.status(), 303);
  assert.match(page.url(), /\/settings\/accounts$/);
  assert.equal(await page.textContent('#notice'), zh('oauth.accounts.unbound_ok', GH));
  assert.equal(await page.textContent('#state-github'), zh('oauth.accounts.unbound'));
  assert.equal(count(`SELECT COUNT(*) FROM identities WHERE account_id = ${body.id}`), 0);

  // bound again, and the sign-in grows old: the password is asked for
  await Promise.all([page.waitForSelector('#authorize'), page.click('#bind-github')]);
  await authorize(page, srv.d.base, u.login);
  srv.d.sql(`UPDATE sessions SET auth_at = 0 WHERE account_id = ${body.id}`);
  await page.goto(srv.d.base + '/settings/accounts');
  await page.click('#ask-unbind-github');
  assert.ok(await page.isVisible('#password-github'));
  let res = await submitClick(page, '#unbind-github');
  assert.equal(res.status(), 403);
  assert.equal(await page.textContent('#alert'), zh('oauth.accounts.err.need_password'));
  await page.fill('#password-github', 'not the password 1');
  res = await submitClick(page, '#unbind-github');
  assert.equal(res.status(), 403);
  assert.equal(await page.textContent('#alert'), zh('oauth.accounts.err.bad_password'));
  assert.equal(count(`SELECT COUNT(*) FROM identities WHERE account_id = ${body.id}`), 1);
  await page.fill('#password-github', PASSWORD);
  res = await submitClick(page, '#unbind-github');
  assert.equal(res.status(), 303);
  assert.equal(count(`SELECT COUNT(*) FROM identities WHERE account_id = ${body.id}`), 0);
  assert.ok(count(`SELECT MAX(auth_at) FROM sessions WHERE account_id = ${body.id}`) > 0, 'the password counts as a fresh sign-in');
  await ctx.close();
});

test('the last way to sign in cannot be unbound; without a password an old sign-in confirms at GitHub', async () => {
  const u = await newUser(srv.sim, 'github', { login: 'lastone', email: 'lastone@example.com' });
  const bb = await newUser(srv.sim, 'bitbucket', { login: 'lastone-bb', email: 'lastone-bb@example.com' });
  const { ctx, page } = await newPage();
  await signUpWith(page, srv.d.base, 'github', u.login);
  const { body } = await me(page);
  await page.goto(srv.d.base + '/settings/accounts');
  assert.equal(await page.$('#unbind-github'), null, 'the only way in is not offered for unbinding');
  const r = await forceSubmit(page, '/settings/accounts/unbind', { provider: 'github' });
  assert.equal(r.status(), 409);
  assert.equal(await page.textContent('#alert'), zh('oauth.accounts.err.last'));
  assert.equal(count(`SELECT COUNT(*) FROM identities WHERE account_id = ${body.id}`), 1);

  await Promise.all([page.waitForSelector('#authorize'), page.click('#bind-bitbucket')]);
  await authorize(page, srv.d.base, bb.login);
  assert.equal(await page.textContent('#state-bitbucket'), zh('oauth.accounts.bound'));
  srv.d.sql(`UPDATE sessions SET auth_at = 0 WHERE account_id = ${body.id}`);
  await page.goto(srv.d.base + '/settings/accounts');
  assert.equal(await page.$('#password-github'), null, 'no password to ask for');
  await page.click('#ask-unbind-github');
  const r2 = await submitClick(page, '#unbind-github');
  assert.equal(r2.status(), 403);
  assert.equal(await page.textContent('#notice-title'), zh('oauth.accounts.reauth.title'));
  assert.equal(count(`SELECT COUNT(*) FROM identities WHERE account_id = ${body.id}`), 2);
  await Promise.all([page.waitForSelector('#authorize'), page.click('#notice-link')]);
  await authorize(page, srv.d.base, u.login);
  assert.match(page.url(), /\/settings\/accounts\?reauthed=github$/);
  assert.equal(await page.textContent('#notice'), zh('oauth.accounts.reauthed'));
  await page.click('#ask-unbind-github');
  const r3 = await submitClick(page, '#unbind-github');
  assert.equal(r3.status(), 303);
  const ids = srv.d.sql(`SELECT provider FROM identities WHERE account_id = ${body.id}`).map(([p]) => p);
  assert.deepEqual(ids, ['bitbucket']);
  await ctx.close();
});

test('cancelling on GitHub: a page that says so, a way to try again, no account, no session', async () => {
  const before = accounts();
  const { ctx, page } = await newPage();
  await startAt(page, srv.d.base, 'github');
  await authorize(page, srv.d.base, undefined, { cancel: true });
  assert.deepEqual(await failure(page), { title: zh('oauth.title.denied', GH), message: zh('oauth.err.denied', GH) });
  assert.equal(await page.getAttribute('#notice-link', 'href'), '/auth/github');
  assert.equal((await me(page)).status, 401);
  assert.equal(accounts(), before);
  await Promise.all([page.waitForSelector('#authorize'), page.click('#notice-link')]);
  await ctx.close();
});

test('a state that is forged, from another browser, used up or of another provider is refused', async () => {
  const u = await newUser(srv.sim, 'github', { login: 'stateful', email: 'stateful@example.com' });
  const before = accounts();
  const calls = (await providerStatus(srv.sim)).token_calls;
  const a = await newPage();
  await startAt(a.page, srv.d.base, 'github');
  const url = await catchCallback(a.page, srv.d.base, 'github', u.login);
  const stateError = { title: zh('oauth.title.failed', GH), message: zh('oauth.err.state') };

  const forged = new URL(url);
  forged.searchParams.set('state', 'x'.repeat(43));
  let r = await a.page.goto(forged.href);
  assert.equal(r.status(), 400);
  assert.deepEqual(await failure(a.page), stateError);

  const b = await newPage();
  r = await b.page.goto(url);
  assert.equal(r.status(), 400, 'the callback opened in another browser');
  assert.deepEqual(await failure(b.page), stateError);
  r = await a.page.goto(url);
  assert.equal(r.status(), 400, 'then the state is used up');

  await startAt(a.page, srv.d.base, 'github');
  const url2 = new URL(await catchCallback(a.page, srv.d.base, 'github', u.login));
  url2.pathname = '/auth/bitbucket/callback';
  r = await a.page.goto(url2.href);
  assert.equal(r.status(), 400, 'a GitHub state on the Bitbucket callback');
  assert.deepEqual(await failure(a.page), { title: zh('oauth.title.failed', { provider: 'Bitbucket' }), message: zh('oauth.err.state') });

  assert.equal((await providerStatus(srv.sim)).token_calls, calls, 'no code was ever exchanged');
  assert.equal((await me(a.page)).status, 401);
  assert.equal((await me(b.page)).status, 401);
  assert.equal(accounts(), before);
  await a.ctx.close();
  await b.ctx.close();
});

// The hashes of the states stored now.
const stateHashes = () => new Set(srv.d.sql('SELECT state_hash FROM oauth_states').map(([h]) => h));

// Starts a GitHub sign-in in page and moves its state's times `seconds` into the past (as if
// it had been started that long ago); resolves on the authorize page with the state's hash.
async function startAged(page, seconds) {
  const old = stateHashes();
  await startAt(page, srv.d.base, 'github');
  const fresh = [...stateHashes()].filter((h) => !old.has(h));
  assert.equal(fresh.length, 1, 'one new state');
  srv.d.sql(`UPDATE oauth_states SET created_at = created_at - ${seconds}, expires_at = expires_at - ${seconds}
         WHERE state_hash = '${fresh[0]}'`);
  return fresh[0];
}

// Authorizes on the simulator's page; resolves with daoid's response at the callback.
async function callbackResponse(page, login) {
  const [resp] = await Promise.all([
    page.waitForResponse((r) => r.url().includes('/auth/github/callback')),
    authorize(page, srv.d.base, login),
  ]);
  return resp;
}

test('a state past its ten minutes ends on the clear page: no account, no session, no code exchanged', async () => {
  const u = await newUser(srv.sim, 'github', { login: 'latecomer', email: 'latecomer@example.com' });
  const before = accounts();
  const sessions = count('SELECT COUNT(*) FROM sessions');
  const { ctx, page } = await newPage();

  // started nine and a half minutes ago: still good
  await startAged(page, 570);
  let resp = await callbackResponse(page, u.login);
  assert.equal(resp.status(), 303);
  assert.equal(resp.headers()['referrer-policy'], 'no-referrer', 'the redirect from the callback too');
  assert.match(page.url(), /\/auth\/complete$/);
  await ctx.clearCookies();

  // started ten minutes and a second ago: refused before the code is exchanged
  const calls = (await providerStatus(srv.sim)).token_calls;
  const pending = count(`SELECT COUNT(*) FROM oauth_pending WHERE subject = '${u.id}'`);
  const hash = await startAged(page, 601);
  resp = await callbackResponse(page, u.login);
  assert.equal(resp.status(), 400);
  assert.deepEqual(await failure(page), { title: zh('oauth.title.failed', GH), message: zh('oauth.err.state') });
  assert.equal(await page.getAttribute('#notice-link', 'href'), '/auth/github', 'a way to start again');
  assert.equal(count(`SELECT COUNT(*) FROM oauth_states WHERE state_hash = '${hash}'`), 0, 'the state is used up');
  assert.equal((await providerStatus(srv.sim)).token_calls, calls, 'the code was not exchanged');
  assert.equal(count(`SELECT COUNT(*) FROM oauth_pending WHERE subject = '${u.id}'`), pending, 'no new pending sign-up');
  assert.equal((await me(page)).status, 401);
  assert.equal(accounts(), before, 'no account');
  assert.equal(count('SELECT COUNT(*) FROM sessions'), sessions, 'no session');
  await ctx.close();
});

test('the callback\'s pages send no Referer: Referrer-Policy no-referrer, once', async () => {
  const { ctx, page } = await newPage();
  const login = await page.goto(srv.d.base + '/login');
  assert.equal(login.headers()['referrer-policy'], 'strict-origin-when-cross-origin', 'other pages keep the default');
  const forged = await page.goto(`${srv.d.base}/auth/github/callback?code=leaked-code&state=${'y'.repeat(43)}`);
  assert.equal(forged.status(), 400);
  const all = (await forged.headersArray()).filter((h) => h.name.toLowerCase() === 'referrer-policy');
  assert.deepEqual(all.map((h) => h.value), ['no-referrer']);
  assert.deepEqual(await failure(page), { title: zh('oauth.title.failed', GH), message: zh('oauth.err.state') });
  // the page's own links carry no Referer (and so neither the code nor the state)
  const [req] = await Promise.all([
    page.waitForRequest((r) => r.url() === `${srv.d.base}/auth/github`),
    page.click('#notice-link'),
  ]);
  assert.equal(await req.headerValue('referer'), null);
  await ctx.close();
});

// Makes the simulator's authorization code expire now (as one left unused for ten minutes).
async function expireCode(code) {
  const r = await fetch(`${srv.sim.url}/_ctl/oauth/expire`, { method: 'POST', body: JSON.stringify({ code }) });
  assert.equal(r.status, 200);
  return (await r.json()).expired;
}

test('an expired code is refused by GitHub: the clear page, no account, no session', async () => {
  const u = await newUser(srv.sim, 'github', { login: 'slowpoke', email: 'slowpoke@example.com' });
  const before = accounts();
  const sessions = count('SELECT COUNT(*) FROM sessions');
  const { ctx, page } = await newPage();
  await startAt(page, srv.d.base, 'github');
  const url = new URL(await catchCallback(page, srv.d.base, 'github', u.login));
  assert.equal(await expireCode(url.searchParams.get('code')), 1);
  const calls = (await providerStatus(srv.sim)).token_calls;
  const r = await page.goto(url.href);
  assert.equal(r.status(), 400);
  assert.deepEqual(await failure(page), { title: zh('oauth.title.failed', GH), message: zh('oauth.err.rejected', GH) });
  assert.equal(r.headers()['referrer-policy'], 'no-referrer');
  assert.equal((await providerStatus(srv.sim)).token_calls, calls + 1, 'GitHub was asked, and refused it');
  assert.equal((await me(page)).status, 401);
  assert.equal(accounts(), before);
  assert.equal(count(`SELECT COUNT(*) FROM oauth_pending WHERE subject = '${u.id}'`), 0);
  assert.equal(count('SELECT COUNT(*) FROM sessions'), sessions);
  await ctx.close();
});

test('a disabled account is refused through GitHub: no session; enabled again, it signs in', async () => {
  const u = await newUser(srv.sim, 'github', { login: 'switched-off', email: 'switched-off@example.com' });
  const { ctx, page } = await newPage();
  await signUpWith(page, srv.d.base, 'github', u.login);
  const { body } = await me(page);
  const off = await admin(srv.d, ['disable', body.username]);
  assert.equal(off.code, 0, off.err);
  assert.equal((await me(page)).status, 401, 'its session ended');
  await ctx.clearCookies();

  await startAt(page, srv.d.base, 'github');
  const resp = await callbackResponse(page, u.login);
  assert.equal(resp.status(), 403);
  assert.deepEqual(await failure(page), { title: zh('oauth.title.failed', GH), message: zh('login.err.disabled') });
  assert.equal((await me(page)).status, 401);
  assert.equal(count(`SELECT COUNT(*) FROM sessions WHERE account_id = ${body.id}`), 0, 'no session');
  assert.equal(count(`SELECT COUNT(*) FROM accounts WHERE username = '${body.username}'`), 1, 'no second account');

  assert.equal((await admin(srv.d, ['enable', body.username])).code, 0);
  await signInWith(page, srv.d.base, 'github', u.login);
  assert.match(page.url(), /\/console$/);
  assert.equal((await me(page)).body.id, body.id);
  await ctx.close();
});

test('a code used once is refused by GitHub the second time', async () => {
  const u = await newUser(srv.sim, 'github', { login: 'reuser', email: 'reuser@example.com' });
  const { ctx, page } = await newPage();
  await signUpWith(page, srv.d.base, 'github', u.login);
  await ctx.clearCookies();
  await startAt(page, srv.d.base, 'github');
  const first = await catchCallback(page, srv.d.base, 'github', u.login, { pass: true });
  assert.match(page.url(), /\/console$/);
  await ctx.clearCookies();

  await startAt(page, srv.d.base, 'github');
  const fresh = new URL(await catchCallback(page, srv.d.base, 'github', u.login));
  fresh.searchParams.set('code', new URL(first).searchParams.get('code'));
  const r = await page.goto(fresh.href);
  assert.equal(r.status(), 400);
  assert.deepEqual(await failure(page), { title: zh('oauth.title.failed', GH), message: zh('oauth.err.rejected', GH) });
  assert.equal((await me(page)).status, 401);
  await ctx.close();
});

test('GitHub answering 500, malformed JSON or too slowly: a clear page within the time limit', async () => {
  const u = await newUser(srv.sim, 'github', { login: 'faulty', email: 'faulty@example.com' });
  const before = accounts();
  const cases = [
    ['error', 502, 'oauth.err.unavailable'],
    ['badjson', 502, 'oauth.err.bad_response'],
    ['slow', 504, 'oauth.err.timeout'],
  ];
  try {
    for (const [mode, status, key] of cases) {
      const { ctx, page } = await newPage();
      await startAt(page, srv.d.base, 'github');
      await providerMode(srv.sim, mode, mode === 'slow' ? 30000 : undefined);
      const t0 = Date.now();
      const [resp] = await Promise.all([
        page.waitForResponse((r) => r.url().includes('/auth/github/callback')),
        authorize(page, srv.d.base, u.login),
      ]);
      const ms = Date.now() - t0;
      await providerMode(srv.sim, 'up');
      assert.equal(resp.status(), status, mode);
      assert.deepEqual(await failure(page), { title: zh('oauth.title.failed', GH), message: zh(key, GH) }, mode);
      assert.equal(await page.getAttribute('#notice-link', 'href'), '/auth/github');
      if (mode === 'slow') {
        assert.ok(ms >= TIMEOUT_S * 1000 - 200, `gave up after ${ms} ms`);
        assert.ok(ms < 30000, `the page came after ${ms} ms: at daoid's timeout, not when the provider answered (30 s)`);
      }
      assert.equal((await me(page)).status, 401, mode);
      await ctx.close();
    }
  } finally {
    await providerMode(srv.sim, 'up');
  }
  assert.equal(accounts(), before);
  assert.equal(count("SELECT COUNT(*) FROM identities WHERE login = 'faulty'"), 0);
});

test('a GitHub identity bound to another account is not moved', async () => {
  const u = await newUser(srv.sim, 'github', { login: 'owned', email: 'owned@example.com' });
  const owner = await newPage();
  await signUpWith(owner.page, srv.d.base, 'github', u.login);
  const { body: ownerMe } = await me(owner.page);

  const { ctx, page } = await newPage();
  await signup(page, srv.d.base, { email: 'intruder@example.com', username: 'intruder' });
  const { body } = await me(page);
  await page.goto(srv.d.base + '/settings/accounts');
  await Promise.all([page.waitForSelector('#authorize'), page.click('#bind-github')]);
  const [resp] = await Promise.all([
    page.waitForResponse((r) => r.url().includes('/auth/github/callback')),
    authorize(page, srv.d.base, u.login),
  ]);
  assert.equal(resp.status(), 409);
  assert.deepEqual(await failure(page), {
    title: zh('oauth.title.nothing_linked'),
    message: zh('oauth.err.taken', { ...GH, login: u.login }),
  });
  assert.equal(await page.getAttribute('#notice-link', 'href'), '/settings/accounts');
  assert.equal(count(`SELECT COUNT(*) FROM identities WHERE account_id = ${body.id}`), 0);
  assert.equal(count(`SELECT account_id FROM identities WHERE subject = '${u.id}'`), ownerMe.id);
  await owner.ctx.close();
  await ctx.close();
});

test('a GitHub address that is an existing account\'s links nothing; signing in first, then binding, does', async () => {
  const { ctx: c1, page: owner } = await newPage();
  await signup(owner, srv.d.base, { email: 'Collide@example.com', username: 'collide' });
  const [mail] = await srv.sim.waitMail('collide@example.com');
  await owner.goto(linkIn(mail));
  const { body: ownerMe } = await me(owner);
  await c1.close();
  const u = await newUser(srv.sim, 'github', { login: 'collider', email: 'collide@example.com' });
  const before = accounts();

  const { ctx, page } = await newPage();
  await startAt(page, srv.d.base, 'github');
  const [resp] = await Promise.all([
    page.waitForResponse((r) => r.url().includes('/auth/github/callback')),
    authorize(page, srv.d.base, u.login),
  ]);
  assert.equal(resp.status(), 409);
  assert.deepEqual(await failure(page), {
    title: zh('oauth.title.nothing_linked'),
    message: zh('oauth.err.email_exists', { ...GH, email: 'collide@example.com' }),
  });
  assert.equal(accounts(), before, 'no account');
  assert.equal(count(`SELECT COUNT(*) FROM identities WHERE subject = '${u.id}'`), 0, 'nothing linked');
  assert.equal(count(`SELECT COUNT(*) FROM oauth_pending WHERE subject = '${u.id}'`), 0);
  assert.equal((await me(page)).status, 401);

  // the offered way: sign in to that account, then bind GitHub on its linked-accounts page
  await Promise.all([page.waitForURL(/\/login\?next=/), page.click('#notice-link')]);
  await page.fill('#identifier', 'collide');
  await page.fill('#password', PASSWORD);
  await Promise.all([page.waitForURL(/\/settings\/accounts$/), page.click('#signin')]);
  await Promise.all([page.waitForSelector('#authorize'), page.click('#bind-github')]);
  await authorize(page, srv.d.base, u.login);
  assert.equal(await page.textContent('#state-github'), zh('oauth.accounts.bound'));
  assert.equal(count(`SELECT account_id FROM identities WHERE subject = '${u.id}'`), ownerMe.id);
  await ctx.close();
});

test('keeping a GitHub-verified address ends other accounts\' unverified claims on it', async () => {
  const { res } = await signupClient(srv.d.base, { email: 'claimed@example.com', username: 'squatter' });
  assert.equal(res.status, 303);
  const u = await newUser(srv.sim, 'github', { login: 'realowner', email: 'claimed@example.com' });
  const { ctx, page } = await newPage();
  await signUpWith(page, srv.d.base, 'github', u.login);
  const { body } = await me(page);
  assert.equal(body.email, 'claimed@example.com');
  assert.equal(body.email_verified, true);
  assert.deepEqual(srv.d.sql("SELECT username FROM accounts WHERE email_norm = 'claimed@example.com'"), [['realowner']]);
  await ctx.close();
});

test('the complete-account form, the linked-accounts page and the failure page pass axe and fit a phone', async () => {
  const { axeProblems, overflow } = await import('./lib/console.mjs');
  for (const [locale, viewport] of [['zh-CN', { width: 1100, height: 820 }], ['en-US', { width: 360, height: 740 }]]) {
    const t = locale === 'en-US' ? en : zh;
    const u = await newUser(srv.sim, 'github', { email: `a11y-${locale}@example.com` });
    const { ctx, page } = await newPage({ locale, viewport });
    const seen = {};
    await signInWith(page, srv.d.base, 'github', u.login);
    assert.match(page.url(), /\/auth\/complete$/);
    seen.complete = [...await axeProblems(page), ...await overflow(page)];

    await signup(page, srv.d.base, { email: `a11y-${locale}-mail@example.com`, username: `a11y-${locale.slice(0, 2)}` });
    const { body } = await me(page);
    await page.goto(srv.d.base + '/settings/accounts');
    await Promise.all([page.waitForSelector('#authorize'), page.click('#bind-github')]);
    await authorize(page, srv.d.base, u.login);
    srv.d.sql(`UPDATE sessions SET auth_at = 0 WHERE account_id = ${body.id}`);
    await page.goto(srv.d.base + '/settings/accounts');
    await page.click('#ask-unbind-github'); // the unbind question, with its password field
    assert.ok(await page.isVisible('#password-github') && await page.isVisible('#bind-bitbucket'));
    seen.accounts = [...await axeProblems(page), ...await overflow(page)];

    await Promise.all([page.waitForSelector('#authorize'), page.click('#bind-bitbucket')]);
    await authorize(page, srv.d.base, undefined, { cancel: true });
    assert.equal(await page.textContent('#notice-title'), t('oauth.title.denied', { provider: 'Bitbucket' }));
    seen.failure = [...await axeProblems(page), ...await overflow(page)];
    for (const [name, problems] of Object.entries(seen)) assert.deepEqual(problems, [], `${name} (${locale})`);
    await ctx.close();
  }
});
