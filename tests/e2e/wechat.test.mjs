// WeChat sign-up and sign-in by scanning the service account's QR code (issue 4), clicked
// through as people do: the QR page in one browser, the simulator's "phone" page in another
// (scan and follow, or scan as a follower), the page turning to "绑定成功" without a reload,
// the registration form, the console; binding from the linked accounts with the bonus units,
// once per account and once per WeChat; a QR code shown in another browser; the callback's
// forged signatures and retried duplicates; safe and compatibility modes (plaintext refused
// with a key); re-authentication by scanning (and another WeChat refused); a disabled account
// refused; the console's reminders; a unionid that WeChat gives only later.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { useServers, newPage, signup, skipTour, browser, SHOTS } from './lib/harness.mjs';
import { catalog } from './lib/forms.mjs';
import { axeProblems, overflow, admin, scalar, staleSessions, mailLink } from './lib/console.mjs';
import { wechatEnv, callbackTo, wxSet, wxState, wxPush, qrUrl, phoneScan, phoneRepeat, shown, freeze, waitFor } from './lib/wechat.mjs';
import { join } from 'node:path';
import { mkdirSync } from 'node:fs';

const zh = catalog('zh-CN');
let phone;
const srv = useServers({
  env: wechatEnv,
  async ready() {
    await callbackTo(srv.sim, srv.d);
    phone = (await newPage({ locale: 'en' })).page;
  },
});

const me = async (page) => (await page.request.get(srv.d.base + '/api/v1/me')).json();
// The resource units of an account (daoid's settings base_units and wechat_bonus_units), and
// the resources /api/v1/me gives an account with or without the WeChat bonus.
let unitsSet;
const units = () => (unitsSet ||= { base: Number(srv.d.setting('base_units')), bonus: Number(srv.d.setting('wechat_bonus_units')) });
const resources = (bonus) => {
  const u = units();
  return { base: u.base, bonus: bonus ? u.bonus : 0, total: u.base + (bonus ? u.bonus : 0) };
};

// Opens the WeChat page from the home page's icon; returns the QR code's content.
async function openQr(page, from = '/') {
  await page.goto(srv.d.base + from);
  await Promise.all([page.waitForURL(/\/auth\/wechat$/), page.click('#social-wechat')]);
  return qrUrl(page);
}

test('sign up as a new follower: scan and follow, 绑定成功 without a reload, register', async () => {
  const { ctx, page } = await newPage();
  const url = await openQr(page);
  assert.equal((await page.textContent('#wx-scan')).trim(), '请使用微信扫一扫');
  assert.match(await page.textContent('#wx-scan-hint'), /关注/);
  assert.equal(await page.textContent('#wx-ttl'), zh('wechat.ttl', { duration: zh('time.minutes', { n: 5 }) }));
  assert.equal(await page.isHidden('#wx-ok'), true);
  await page.evaluate(() => { window.__same = 1; });
  mkdirSync(SHOTS, { recursive: true });
  await page.screenshot({ path: join(SHOTS, 'wechat-qr.png') });

  // the page moves on at its first status poll after the push (counted, not timed)
  let polls = 0, counting = false;
  const onPoll = (x) => { if (counting && x.url().includes('/auth/wechat/status')) polls++; };
  page.on('request', onPoll);
  const r = await phoneScan(phone, srv.sim, { user: 'mei-wx', url, action: 'follow' });
  counting = true;
  assert.equal(r.status, '200');
  assert.equal(r.reply, zh('wechat.reply.scanned'), 'the chat shows the passive reply');
  await shown(page, '#wx-ok', 15000);
  page.off('request', onPoll);
  assert.ok(polls <= 1, `绑定成功 after ${polls} polls since the push`);
  assert.equal((await page.textContent('#wx-ok')).trim(), '绑定成功');
  assert.equal(await page.evaluate(() => window.__same), 1, 'the page was not reloaded');
  assert.equal(await page.isVisible('#wx-register-form'), true);
  assert.equal(await page.isHidden('#wx-pending'), true);
  assert.match(await page.textContent('#wx-remind-complete'), /用户名和邮箱/);
  assert.match(await page.textContent('#wx-remind-email'), /绑定邮箱/);
  const suggested = await page.inputValue('#wx-username');
  assert.match(suggested, /^wx-[a-z0-9]{6}$/, 'a valid name is suggested');
  await page.screenshot({ path: join(SHOTS, 'wechat-register.png'), fullPage: true });

  // bad input first: a clear message, nothing created
  await page.fill('#wx-username', 'Admin');
  await Promise.all([page.waitForURL(/\/auth\/wechat\/register$/), page.click('#wx-register')]);
  assert.equal(await page.textContent('#username-err'), zh('signup.err.username_reserved'));
  assert.equal(await page.textContent('#terms-err'), zh('signup.err.terms'));
  assert.equal(srv.d.sql('SELECT COUNT(*) FROM accounts')[0][0], '0');

  await page.fill('#wx-username', 'meiwx');
  await page.fill('#wx-email', 'mei.wx@example.com');
  await page.check('#wx-terms');
  await Promise.all([page.waitForURL(/\/console$/), page.click('#wx-register')]);
  const m = await me(page);
  assert.equal(m.username, 'meiwx');
  assert.equal(m.email, 'mei.wx@example.com');
  assert.equal(m.email_verified, false);
  assert.equal(m.has_password, false);
  assert.deepEqual(m.resources, resources(true));
  assert.deepEqual(m.identities.map((i) => i.provider), ['wechat']);
  const [mail] = await srv.sim.waitMail('mei.wx@example.com');
  assert.match(mail.html, /立即验证邮箱/);

  // the identity is the unionid (Open Platform) and records the openid too
  const st = await wxState(srv.sim);
  const user = st.users.find((u) => u.name === 'mei-wx');
  const [[subject, extra]] = srv.d.sql("SELECT subject, extra FROM identities WHERE provider = 'wechat'");
  assert.equal(subject, user.unionid);
  assert.deepEqual(JSON.parse(extra), { openid: user.openid, unionid: user.unionid });

  await page.goto(srv.d.base + '/resources');
  assert.equal(await page.textContent('#res-base'), `${units().base}X`);
  assert.equal(await page.textContent('#res-total'), `${units().base + units().bonus}X`);
  const grant = await page.textContent('#res-grants li');
  assert.match(grant, new RegExp(`\\+${units().bonus}X, 绑定微信, \\d{4}-\\d{2}-\\d{2}`));
  await ctx.close();
});

test('sign in as an existing follower: scan (SCAN) signs in the browser that shows the code', async () => {
  const { ctx, page } = await newPage();
  const url = await openQr(page, '/login');
  const r = await phoneScan(phone, srv.sim, { user: 'mei-wx', url, action: 'scan' });
  assert.equal(r.reply, zh('wechat.reply.scanned'));
  await page.waitForURL(/\/console$/, { timeout: 4000 });
  assert.equal((await me(page)).username, 'meiwx');
  assert.equal(srv.d.sql('SELECT event FROM wechat_pushes ORDER BY received_at DESC, create_time DESC LIMIT 1')[0][0], 'SCAN');
  // without JavaScript the same works through a reload
  const nojs = await (await ctx.browser()).newContext({ javaScriptEnabled: false, locale: 'zh-CN' });
  const p2 = await nojs.newPage();
  await p2.goto(srv.d.base + '/auth/wechat');
  const url2 = await p2.getAttribute('#wx-qr', 'data-url');
  await phoneScan(phone, srv.sim, { user: 'mei-wx', url: url2, action: 'scan' });
  await Promise.all([p2.waitForURL(/\/console$/), p2.click('#wx-continue')]);
  assert.equal((await (await p2.request.get(srv.d.base + '/api/v1/me')).json()).username, 'meiwx');
  await nojs.close();
  await ctx.close();
});

test('a QR code scanned while shown in another browser completes only there', async () => {
  const owner = await newPage();
  const other = await newPage();
  const url = await openQr(owner.page);
  await other.page.goto(srv.d.base + '/auth/wechat');
  const otherUrl = await qrUrl(other.page);
  assert.notEqual(otherUrl, url);
  // the other browser knows everything public about the owner's code, and tries it
  const code = new URL(url).pathname.split('/').pop();
  for (const path of [`/auth/wechat/status?url=${encodeURIComponent(url)}`, `/auth/wechat?ticket=${code}`,
    `/auth/wechat/status?scene=${code}`]) await other.page.request.get(srv.d.base + path);
  await phoneScan(phone, srv.sim, { user: 'mei-wx', url, action: 'scan' });
  await owner.page.waitForURL(/\/console$/, { timeout: 4000 });
  // the other browser's poll keeps answering pending for its own code (its next poll, made
  // after the owner was signed in, says so), and it stays signed out
  const poll = await other.page.waitForRequest((x) => x.url().includes('/auth/wechat/status'));
  assert.equal((await (await poll.response()).json()).state, 'pending');
  assert.equal(await other.page.isVisible('#wx-pending'), true);
  assert.equal((await other.page.request.get(srv.d.base + '/api/v1/me')).status(), 401);
  const st = await (await other.page.request.get(srv.d.base + '/auth/wechat/status')).json();
  assert.equal(st.state, 'pending');
  await owner.ctx.close();
  await other.ctx.close();
});

// An email sign-up in a fresh context; returns it, on the linked accounts page.
async function emailAccount(name) {
  const { ctx, page } = await newPage();
  await signup(page, srv.d.base, { email: `${name}@example.com`, username: name });
  await page.goto(srv.d.base + '/settings/accounts');
  return { ctx, page };
}

async function bindFromAccounts(page, user, action) {
  await Promise.all([page.waitForURL(/\/auth\/wechat\?intent=bind$/), page.click('#bind-wechat')]);
  assert.equal(await page.textContent('#wx-title'), zh('wechat.bind_title'));
  const url = await qrUrl(page);
  await phoneScan(phone, srv.sim, { user, url, action });
  await shown(page, '#wx-done');
}

async function unbind(page) {
  await page.goto(srv.d.base + '/settings/accounts');
  await page.click('#ask-unbind-wechat');
  await Promise.all([page.waitForURL(/\/settings\/accounts$/), page.click('#unbind-wechat')]);
}

test('bind from the linked accounts: the bonus once; unbind and bind again, or another account: nothing more', async () => {
  const u1 = await emailAccount('binder');
  assert.deepEqual((await me(u1.page)).resources, resources(false));
  await bindFromAccounts(u1.page, 'bind-wx', 'follow');
  assert.equal((await u1.page.textContent('#wx-ok')).trim(), '绑定成功');
  assert.equal(await u1.page.isVisible('#wx-bonus'), true);
  assert.equal(await u1.page.isHidden('#wx-nobonus'), true);
  assert.deepEqual((await me(u1.page)).resources, resources(true));
  await Promise.all([u1.page.waitForURL(/\/resources$/), u1.page.click('#wx-resources')]);
  assert.equal(await u1.page.textContent('#res-total'), `${units().base + units().bonus}X`);
  assert.match(await u1.page.textContent('#res-grants'), new RegExp(`\\+${units().bonus}X, 绑定微信`));
  await u1.page.goto(srv.d.base + '/settings/accounts');
  assert.equal(await u1.page.textContent('#state-wechat'), zh('oauth.accounts.bound'));

  // unbind, bind the same WeChat again (now a follower: SCAN): bound, no second bonus
  await unbind(u1.page);
  await bindFromAccounts(u1.page, 'bind-wx', 'scan');
  assert.equal(await u1.page.isVisible('#wx-nobonus'), true);
  assert.equal(await u1.page.isHidden('#wx-bonus'), true);
  assert.deepEqual((await me(u1.page)).resources, resources(true));

  // while bound here, another account cannot bind it
  const u2 = await emailAccount('second');
  await Promise.all([u2.page.waitForURL(/intent=bind/), u2.page.click('#bind-wechat')]);
  await phoneScan(phone, srv.sim, { user: 'bind-wx', url: await qrUrl(u2.page), action: 'scan' });
  await shown(u2.page, '#wx-refused');
  assert.equal(await u2.page.textContent('#wx-error'), zh('wechat.err.taken'));

  // released by the first account, bound to the second: no bonus (once per WeChat, ever)
  await unbind(u1.page);
  await u2.page.goto(srv.d.base + '/settings/accounts');
  await bindFromAccounts(u2.page, 'bind-wx', 'scan');
  assert.equal(await u2.page.isVisible('#wx-nobonus'), true);
  assert.deepEqual((await me(u2.page)).resources, resources(false));
  await u2.page.goto(srv.d.base + '/resources');
  assert.equal(await u2.page.textContent('#res-none'), zh('resources.none'));
  assert.deepEqual((await me(u1.page)).resources, resources(true), 'u1 keeps its bonus');
  assert.equal(srv.d.sql("SELECT COUNT(*) FROM grants g JOIN accounts a ON a.id = g.account_id WHERE a.username IN ('binder', 'second')")[0][0], '1');
  await u1.ctx.close();
  await u2.ctx.close();
});

test('a forged signature is refused and a retried duplicate push changes nothing', async () => {
  const { ctx, page } = await newPage();
  const url = await openQr(page);
  const first = await phoneScan(phone, srv.sim, { user: 'dup-wx', url, action: 'follow' });
  assert.equal(first.reply, zh('wechat.reply.scanned'));
  await shown(page, '#wx-bound');
  const before = srv.d.sql('SELECT scene, state, openid, expires_at FROM wechat_tickets ORDER BY created_at');
  const pushes = srv.d.sql('SELECT COUNT(*) FROM wechat_pushes')[0][0];

  const again = await phoneRepeat(phone, srv.sim, 'dup');
  assert.equal(again.status, '200');
  assert.equal(again.reply, first.reply, 'a retry gets the same reply');
  const forged = await phoneRepeat(phone, srv.sim, 'badsig');
  assert.equal(forged.status, '403');
  assert.equal(forged.reply, '该公众号暂时无法提供服务，请稍后再试');
  assert.deepEqual(srv.d.sql('SELECT scene, state, openid, expires_at FROM wechat_tickets ORDER BY created_at'), before);
  assert.equal(srv.d.sql('SELECT COUNT(*) FROM wechat_pushes')[0][0], pushes);
  assert.match(srv.d.proc.err, /push refused: bad signature/);

  // the registration still goes through, once
  await page.fill('#wx-username', 'dupwx');
  await page.check('#wx-terms');
  await Promise.all([page.waitForURL(/\/console$/), page.click('#wx-register')]);
  await phoneRepeat(phone, srv.sim, 'dup');
  assert.equal(srv.d.sql("SELECT COUNT(*) FROM accounts WHERE username = 'dupwx'")[0][0], '1');
  await ctx.close();
});

test('a push retried because daoid answered late is applied once', async () => {
  const { ctx, page } = await newPage();
  const url = await openQr(page);
  await wxSet(srv.sim, { push_timeout_ms: 1500 });
  const start = (await wxState(srv.sim)).counts.push_attempts;
  let resumed = false;
  try {
    await freeze(srv.d.proc.child.pid);
    const pushed = wxPush(srv.sim, { user: 'slow-wx', url, action: 'follow' });
    await waitFor(async () => (await wxState(srv.sim)).counts.push_attempts >= start + 2, 'a retry', 30000, 100);
    process.kill(srv.d.proc.child.pid, 'SIGCONT');
    resumed = true;
    const r = await pushed;
    assert.ok(r.attempts >= 2, `attempts ${r.attempts}`);
    assert.equal(r.status, 200);
    assert.equal(r.reply, zh('wechat.reply.scanned'));
  } finally {
    if (!resumed) process.kill(srv.d.proc.child.pid, 'SIGCONT');
    await wxSet(srv.sim, { push_timeout_ms: 5000 });
  }
  const openid = (await wxState(srv.sim)).users.find((u) => u.name === 'slow-wx').openid;
  await waitFor(() => srv.d.sql(`SELECT COUNT(*) FROM wechat_pushes WHERE from_user = '${openid}'`)[0][0] === '1', 'the push recorded');
  assert.match(srv.d.proc.err, /a retried push answered again/);
  await shown(page, '#wx-bound');
  await ctx.close();
});

test('safe and compatibility pushes sign in; with an EncodingAESKey, plaintext ones are refused', async () => {
  for (const mode of ['safe', 'compat', 'plain']) {
    await wxSet(srv.sim, { mode });
    const { ctx, page } = await newPage({ locale: 'en' });
    const url = await openQr(page);
    const r = await phoneScan(phone, srv.sim, { user: 'mei-wx', url, action: 'scan' });
    if (mode === 'plain') {
      assert.equal(r.status, '403', 'plaintext: refused');
      assert.equal(r.reply, '该公众号暂时无法提供服务，请稍后再试');
      assert.equal(await page.isVisible('#wx-pending'), true);
      await ctx.close();
      continue;
    }
    assert.equal(r.status, '200', mode);
    assert.equal(r.reply, catalog('en')('wechat.reply.scanned'), `${mode}: the reply reads back`);
    await page.waitForURL(/\/console$/, { timeout: 4000 });
    assert.equal((await me(page)).username, 'meiwx');
    const last = (await wxState(srv.sim)).last_push;
    assert.ok(last.answer.includes('<Encrypt>'), `${mode}: the reply is encrypted`);
    await ctx.close();
  }
  await wxSet(srv.sim, { mode: 'safe' });
});

test('the access token is fetched once, not per QR code, and replaced once when WeChat refuses it', async () => {
  const count = async () => (await wxState(srv.sim)).counts.stable_token;
  const n0 = await count();
  assert.ok(n0 >= 1);
  for (let i = 0; i < 5; i++) {
    const { ctx, page } = await newPage();
    await page.goto(srv.d.base + '/auth/wechat?new=1');
    await qrUrl(page);
    await ctx.close();
  }
  assert.equal(await count(), n0, 'no fetch per QR code');
  await wxSet(srv.sim, { invalidate: true });
  const { ctx, page } = await newPage();
  await page.goto(srv.d.base + '/auth/wechat?new=1');
  await qrUrl(page);
  assert.equal(await count(), n0 + 1);
  assert.match(srv.d.proc.err, /errcode 40001, refreshing the access token/);
  await ctx.close();
});

test('the WeChat pages pass axe-core (WCAG 2.x A/AA) and fit a phone, in both languages', async () => {
  const problems = [];
  for (const [locale, viewport] of [['zh-CN', { width: 375, height: 667 }], ['en', { width: 1100, height: 820 }]]) {
    const { ctx, page } = await newPage({ locale, viewport });
    const check = async (name) => {
      for (const p of await axeProblems(page)) problems.push(`${locale} ${name}: ${p}`);
      for (const o of await overflow(page)) problems.push(`${locale} ${name}: wider than the screen: ${o}`);
    };
    await page.goto(srv.d.base + '/auth/wechat?new=1');
    const url = await qrUrl(page);
    await check('QR code');
    await phoneScan(phone, srv.sim, { user: `a11y-${locale}`, url, action: 'follow' });
    await shown(page, '#wx-bound');
    await check('bound, registration form');
    await Promise.all([page.waitForURL(/\/auth\/wechat\/register$/), page.click('#wx-register')]);
    await check('registration with errors');
    await page.fill('#wx-username', `a11y${locale === 'en' ? 'en' : 'zh'}`);
    await page.check('#wx-terms');
    await Promise.all([page.waitForURL(/\/console$/), page.click('#wx-register')]);
    await page.goto(srv.d.base + '/resources');
    await check('resources');
    await ctx.close();
  }
  assert.deepEqual(problems, []);
});

// ---- re-authentication, a disabled account, the console's reminders, a unionid given later ----

// Signs up as WeChat user `user` through the QR page (a new follower) with username `name`;
// returns the signed-in browser context, on the console.
async function wechatSignup(user, name, { javaScriptEnabled = true } = {}) {
  const b = await browser();
  const ctx = await b.newContext({ locale: 'zh-CN', javaScriptEnabled });
  const page = await ctx.newPage();
  await page.goto(srv.d.base + '/auth/wechat');
  const url = await page.getAttribute('#wx-qr', 'data-url');
  await phoneScan(phone, srv.sim, { user, url, action: 'follow' });
  if (javaScriptEnabled) await shown(page, '#wx-bound');
  else await page.click('#wx-continue');
  await page.fill('#wx-username', name);
  await page.check('#wx-terms');
  await Promise.all([page.waitForURL(/\/console$/), page.click('#wx-register')]);
  return { ctx, page };
}

const idOf = (name) => scalar(srv.d, `SELECT id FROM accounts WHERE username = '${name}'`);
const authAt = (name) => scalar(srv.d, `SELECT MAX(auth_at) FROM sessions WHERE account_id = ${idOf(name)}`);

test('re-authentication with WeChat: an old sign-in confirms by scanning, then the change goes through; another WeChat is refused', async () => {
  const { ctx, page } = await wechatSignup('reauth-wx', 'reauthwx');
  staleSessions(srv.d, 'reauthwx');
  const stale = authAt('reauthwx');
  await page.goto(srv.d.base + '/settings');
  assert.equal(await page.$('#new-email'), null, 'no email form before confirming');
  await Promise.all([page.waitForURL(/\/reauth\?next=/), page.click('#email-reauth')]);
  assert.equal(await page.$('#reauth-form'), null, 'no password to ask for');
  await Promise.all([page.waitForURL(/\/auth\/wechat\?intent=reauth&next=\/settings%23email$/), page.click('#reauth-wechat')]);
  assert.equal(await page.textContent('#wx-title'), zh('wechat.reauth_title'));
  assert.equal(await page.textContent('#wx-scan-hint'), zh('wechat.reauth_hint'));
  assert.equal(await page.$('#wx-bonus-offer'), null);

  // someone else's WeChat scans it: a clear refusal, nothing changed
  const r = await phoneScan(phone, srv.sim, { user: 'intruder-wx', url: await qrUrl(page), action: 'follow' });
  assert.equal(r.reply, zh('wechat.reply.scanned'));
  await shown(page, '#wx-refused');
  assert.equal(await page.textContent('#wx-error'), zh('wechat.err.mismatch'));
  assert.equal(await page.getAttribute('#wx-back', 'href'), '/settings#email');
  assert.equal(authAt('reauthwx'), stale, 'still not re-authenticated');
  assert.equal(scalar(srv.d, `SELECT COUNT(*) FROM audit WHERE account_id = ${idOf('reauthwx')} AND event = 'reauth_refused'`), 1);
  assert.equal(scalar(srv.d, "SELECT COUNT(*) FROM identities WHERE provider = 'wechat'"
    + ` AND account_id = ${idOf('reauthwx')}`), 1);

  // the account's own WeChat: back on the page that needed it, and the change goes through
  await Promise.all([page.waitForURL(/intent=reauth&next=\/settings%23email&new=1$/), page.click('#wx-again')]);
  await phoneScan(phone, srv.sim, { user: 'reauth-wx', url: await qrUrl(page), action: 'scan' });
  await page.waitForURL(/\/settings#email$/, { timeout: 4000 });
  assert.ok(authAt('reauthwx') > stale, 'the session is re-authenticated');
  assert.equal(scalar(srv.d, `SELECT COUNT(*) FROM audit WHERE account_id = ${idOf('reauthwx')} AND event = 'reauth' AND detail = 'wechat'`), 1);
  await page.fill('#new-email', 'reauth.wx@example.com');
  await Promise.all([page.waitForURL(/\/settings#email$/), page.click('#save-email')]);
  assert.equal(await page.textContent('#notice'), zh('settings.done.email_bind_sent'), 'a first address is bound, not changed');
  const [mail] = await srv.sim.waitMail('reauth.wx@example.com');
  assert.ok(mail, 'the confirmation mail went out');
  await page.fill('#new-password', 'a brand new passphrase 7');
  await Promise.all([page.waitForURL(/\/settings#password$/), page.click('#save-password')]);
  assert.equal((await me(page)).has_password, true);
  await ctx.close();
});

test('re-authentication with WeChat without JavaScript: reloading after the scan goes back to next', async () => {
  const { ctx, page } = await wechatSignup('reauth-nojs', 'reauthnojs', { javaScriptEnabled: false });
  staleSessions(srv.d, 'reauthnojs');
  const stale = authAt('reauthnojs');
  await page.goto(srv.d.base + '/reauth?next=/settings%23password');
  await page.click('#reauth-wechat');
  const url = await page.getAttribute('#wx-qr', 'data-url');
  assert.equal(await page.getAttribute('#wx-continue', 'href'), '/auth/wechat?intent=reauth&next=/settings%23password');
  await phoneScan(phone, srv.sim, { user: 'reauth-nojs', url, action: 'scan' });
  await Promise.all([page.waitForURL(/\/settings#password$/), page.click('#wx-continue')]);
  assert.ok(authAt('reauthnojs') > stale);
  assert.equal(await page.isVisible('#new-password'), true);
  // a next that leaves the site is not followed
  staleSessions(srv.d, 'reauthnojs');
  await page.goto(srv.d.base + '/auth/wechat?intent=reauth&next=//evil.example/x');
  await phoneScan(phone, srv.sim, { user: 'reauth-nojs', url: await page.getAttribute('#wx-qr', 'data-url'), action: 'scan' });
  await Promise.all([page.waitForURL(/\/settings$/), page.click('#wx-continue')]);
  await ctx.close();
});

test('an account without WeChat cannot re-authenticate with WeChat, and a signed-out browser is sent to sign in', async () => {
  const u = await emailAccount('plainreauth');
  const res = await u.page.goto(srv.d.base + '/auth/wechat?intent=reauth&next=/settings');
  assert.equal(res.status(), 409);
  assert.equal(await u.page.textContent('#wx-error'), zh('wechat.err.not_bound'));
  assert.equal(await u.page.$('#wx-qr svg'), null);
  const anon = await newPage();
  await anon.page.goto(srv.d.base + '/auth/wechat?intent=reauth&next=/settings%23email');
  assert.match(anon.page.url(), /\/login\?next=\/auth\/wechat%3Fintent%3Dreauth%26next%3D\/settings%2523email$/);
  await u.ctx.close();
  await anon.ctx.close();
});

test('a disabled account is refused through WeChat, and gets no session', async () => {
  const { ctx } = await wechatSignup('disabled-wx', 'disabledwx');
  await ctx.close();
  const r = await admin(srv.d, ['disable', 'disabledwx']);
  assert.equal(r.code, 0, r.err);
  assert.equal(scalar(srv.d, `SELECT COUNT(*) FROM sessions WHERE account_id = ${idOf('disabledwx')}`), 0);
  for (const js of [true, false]) {
    const b = await browser();
    const c2 = await b.newContext({ locale: 'zh-CN', javaScriptEnabled: js });
    const page = await c2.newPage();
    await page.goto(srv.d.base + '/auth/wechat');
    await phoneScan(phone, srv.sim, { user: 'disabled-wx', url: await page.getAttribute('#wx-qr', 'data-url'), action: 'scan' });
    if (js) await shown(page, '#wx-refused');
    else await page.click('#wx-continue');
    assert.equal(await page.textContent('#wx-error'), zh('wechat.err.disabled'));
    assert.match(page.url(), /\/auth\/wechat$/);
    assert.equal((await page.request.get(srv.d.base + '/api/v1/me')).status(), 401);
    await c2.close();
  }
  assert.equal(scalar(srv.d, `SELECT COUNT(*) FROM sessions WHERE account_id = ${idOf('disabledwx')}`), 0);
  assert.equal(scalar(srv.d, `SELECT COUNT(*) FROM audit WHERE account_id = ${idOf('disabledwx')} AND event = 'login_refused_disabled'`), 2);
  assert.equal((await admin(srv.d, ['enable', 'disabledwx'])).code, 0);
});

test('console reminders: a WeChat-only account is asked to bind an email; an email account to bind WeChat, until it does', async () => {
  const w = await wechatSignup('remind-wx', 'remindwx');
  assert.equal(await w.page.isVisible('#email-reminder'), true);
  assert.equal((await w.page.textContent('#email-reminder p')).trim(), zh('console.no_email'));
  assert.equal(await w.page.$('#wechat-reminder'), null);
  await w.ctx.close();

  const u = await emailAccount('remindmail');
  await u.page.goto(srv.d.base + '/console');
  await skipTour(u.page);
  // one reminder at a time: verifying the address comes before the offer to bind WeChat
  assert.equal(await u.page.isVisible('#verify-reminder'), true);
  assert.equal(await u.page.$('#wechat-reminder'), null);
  const [mail] = await srv.sim.waitMail('remindmail@example.com');
  await u.page.goto(mailLink(mail, '/verify'));
  await u.page.goto(srv.d.base + '/console');
  assert.equal(await u.page.$('#verify-reminder'), null);
  assert.equal(await u.page.$('#email-reminder'), null);
  assert.equal((await u.page.textContent('#wechat-reminder p')).trim(), zh('cons.bind_wechat', { units: units().bonus }));
  await Promise.all([u.page.waitForURL(/\/auth\/wechat\?intent=bind$/), u.page.click('#bind-wechat')]);
  await phoneScan(phone, srv.sim, { user: 'remind-mail-wx', url: await qrUrl(u.page), action: 'follow' });
  await shown(u.page, '#wx-done');
  await u.page.goto(srv.d.base + '/console');
  assert.equal(await u.page.$('#wechat-reminder'), null, 'bound: no more reminder');
  await u.ctx.close();
});

test('a unionid given later: the same person, one account and one bonus; the identity moves to the unionid', async () => {
  await wxSet(srv.sim, { open_platform: { user: 'late-wx', unionid: false } });
  const u1 = await emailAccount('latefirst');
  await bindFromAccounts(u1.page, 'late-wx', 'follow');
  assert.equal(await u1.page.isVisible('#wx-bonus'), true);
  const st = await wxState(srv.sim);
  const late = st.users.find((x) => x.name === 'late-wx');
  assert.equal(late.unionid, null);
  const subject = () => srv.d.sql(`SELECT subject FROM identities WHERE provider = 'wechat' AND account_id = ${idOf('latefirst')}`)[0][0];
  assert.equal(subject(), late.openid);

  // the service account is bound to an Open Platform account: user/info now gives a unionid
  const unionid = (await wxSet(srv.sim, { open_platform: { user: 'late-wx', unionid: true } })).users.find((x) => x.name === 'late-wx').unionid;
  assert.ok(unionid && unionid !== late.openid);
  const u2 = await emailAccount('latesecond');
  await Promise.all([u2.page.waitForURL(/intent=bind/), u2.page.click('#bind-wechat')]);
  await phoneScan(phone, srv.sim, { user: 'late-wx', url: await qrUrl(u2.page), action: 'scan' });
  await shown(u2.page, '#wx-refused');
  assert.equal(await u2.page.textContent('#wx-error'), zh('wechat.err.taken'), 'not a second account');

  // signing in by scanning finds the first account and moves its identity to the unionid
  const s = await newPage();
  await s.page.goto(srv.d.base + '/auth/wechat');
  await phoneScan(phone, srv.sim, { user: 'late-wx', url: await qrUrl(s.page), action: 'scan' });
  await s.page.waitForURL(/\/console$/, { timeout: 4000 });
  assert.equal((await me(s.page)).username, 'latefirst');
  assert.equal(subject(), unionid);
  assert.deepEqual(JSON.parse(srv.d.sql(`SELECT extra FROM identities WHERE subject = '${unionid}'`)[0][0]), { openid: late.openid, unionid });
  await s.ctx.close();

  // released by the first account and bound to the second: no second bonus for this person
  await unbind(u1.page);
  await u2.page.goto(srv.d.base + '/settings/accounts');
  await bindFromAccounts(u2.page, 'late-wx', 'scan');
  assert.equal(await u2.page.isVisible('#wx-nobonus'), true);
  assert.deepEqual((await me(u2.page)).resources, resources(false));
  assert.deepEqual((await me(u1.page)).resources, resources(true));
  await u1.ctx.close();
  await u2.ctx.close();
});
