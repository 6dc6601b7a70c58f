// What a new user tripped on (issue 15), each clicked through in Chromium against one daoid
// with the simulator's GitHub, Coding and WeChat: a Git platform bound from the settings asks
// for repository access in one click instead of calling it "expired"; every "try again" keeps
// the flow's next page and repository access; a confirmation is a one-time flash shown in the
// section that changed (not the query string); a GitHub sign-up is not promised a password it
// lacks; a WeChat sign-up hears of its +1X; the sign-up form keeps its terms checkbox; /login
// answers empty fields itself; the only way in is not offered for unbinding; a used link opened
// by a verified account; the 404 page's title; times in the reader's zone; the Code Build copy.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { useServers, newPage, signup, skipTour, linkIn, PASSWORD } from './lib/harness.mjs';
import { catalog } from './lib/forms.mjs';
import { oauthServers, newUser, authorize } from './lib/oauth.mjs';
import { callbackTo, qrUrl, phoneScan, shown } from './lib/wechat.mjs';

const zh = catalog('zh-CN');
const en = catalog('en');

let phone;
const srv = useServers(oauthServers({
  providers: ['github', 'coding'], wechat: true,
  async ready() {
    await callbackTo(srv.sim, srv.d);
    phone = (await newPage({ locale: 'en' })).page;
  },
}));

const text = async (page, sel) => (await page.textContent(sel)).replace(/\s+/g, ' ').trim();
const repoNames = (page) => page.$$eval('#repo-list .repo-name', (e) => e.map((x) => x.textContent.trim()));

// A signed-in browser of a new email account (verified unless told).
async function emailAccount(username, { verify = true, locale } = {}) {
  const { ctx, page } = await newPage(locale ? { locale } : {});
  const email = `${username}@example.com`;
  await signup(page, srv.d.base, { email, username });
  await skipTour(page);
  if (verify) {
    const [mail] = await srv.sim.waitMail(email);
    await page.goto(linkIn(mail));
  }
  return { ctx, page, email };
}

// Binds provider as login from /settings/accounts; resolves back on daoid.
async function bindFromSettings(page, provider, login) {
  await page.goto(srv.d.base + '/settings/accounts');
  await Promise.all([page.waitForSelector('#authorize'), page.click(`#bind-${provider}`)]);
  await authorize(page, srv.d.base, login);
}

test('Coding bound from the settings: "not yet allowed" with a one-click grant, not "expired"', async () => {
  const u = await newUser(srv.sim, 'coding', { login: 'ux-coder', email: 'ux-coder@example.com' });
  const { ctx, page } = await emailAccount('uxcoder');
  await bindFromSettings(page, 'coding', u.login);
  await page.goto(srv.d.base + '/build?p=coding');
  assert.equal(await page.$('#repos-rebind'), null, 'nothing expired');
  assert.equal(await text(page, '#repos-grant-needed p'), zh('repos.not_granted', { provider: 'Coding' }));
  assert.equal(await page.getAttribute('#grant-coding', 'href'), '/auth/coding?intent=bind&access=repos&next=%2Fbuild%3Fp%3Dcoding');
  await Promise.all([page.waitForSelector('#authorize'), page.click('#grant-coding')]);
  await authorize(page, srv.d.base, u.login);
  assert.deepEqual(await repoNames(page), ['ux-coder-project/hello-world', 'ux-coder-project/api-server', 'ux-coder-project/docs']);
  // the listing says what exists: no build action is promised
  const pick = await text(page, '#repos .hint');
  assert.equal(pick, zh('repos.pick'));
  assert.doesNotMatch(pick, /选择.*来构建/, 'no build action is promised');
  await ctx.close();
});

test('GitHub bound from the settings lists the public repositories and offers the private ones', async () => {
  const u = await newUser(srv.sim, 'github', { login: 'ux-octo', email: 'ux-octo@example.com' });
  const { ctx, page } = await emailAccount('uxocto');
  await bindFromSettings(page, 'github', u.login);
  await page.goto(srv.d.base + '/build?p=github');
  assert.equal(await page.$('#repos-rebind'), null);
  assert.deepEqual(await repoNames(page), ['ux-octo/hello-world', 'ux-octo/docs']);
  assert.ok(await page.isVisible('#repos-grant'));
  await ctx.close();
});

// Where the failure page's "try again" leads.
async function retry(page) {
  const u = new URL(await page.getAttribute('#notice-link', 'href'), srv.d.base);
  const q = u.searchParams;
  return { path: u.pathname, intent: q.get('intent'), access: q.get('access'), next: q.get('next') };
}

test('"try again" after a cancelled bind or re-authentication keeps next and repository access', async () => {
  await newUser(srv.sim, 'github', { login: 'ux-retry', email: 'ux-retry@example.com' });
  const { ctx, page } = await emailAccount('uxretry');
  await page.goto(srv.d.base + '/build');
  await Promise.all([page.waitForSelector('#authorize'), page.click('#bind-github')]);
  await authorize(page, srv.d.base, 'ux-retry', { cancel: true });
  assert.deepEqual(await retry(page), { path: '/auth/github', intent: 'bind', access: 'repos', next: '/build?p=github' });

  await page.goto(srv.d.base + '/auth/github?intent=reauth&next=%2Fsettings%23password');
  await authorize(page, srv.d.base, 'ux-retry', { cancel: true });
  assert.deepEqual(await retry(page), { path: '/auth/github', intent: 'reauth', access: null, next: '/settings#password' });
  await ctx.close();
});

test('a confirmation is a one-time flash in the section that changed, not in the URL', async () => {
  const { ctx, page } = await emailAccount('uxflash');
  await page.goto(srv.d.base + '/settings');
  await page.fill('#new-username', 'uxflash2');
  await Promise.all([page.waitForURL(/\/settings#username$/), page.click('#save-username')]);
  assert.equal(new URL(page.url()).search, '', 'nothing in the query string');
  assert.equal(await text(page, '#username #notice'), zh('settings.done.username'));
  assert.ok(await page.isVisible('#username #notice'));
  const inView = await page.$eval('#notice', (el) => { const r = el.getBoundingClientRect(); return r.top >= 0 && r.bottom <= innerHeight; });
  assert.ok(inView, 'the message is on screen');
  await page.reload();
  assert.equal(await page.$('#notice'), null, 'a reload shows nothing stale');

  await page.goto(srv.d.base + '/settings#password');
  await page.fill('#current-password', PASSWORD);
  await page.fill('#new-password', 'another horse battery 43');
  await Promise.all([page.waitForURL(/\/settings#password$/), page.click('#save-password')]);
  assert.equal(await text(page, '#password #notice'), zh('settings.done.password_others'));
  await ctx.close();
});

test('a GitHub sign-up is not promised a password it lacks: the console offers to set one', async () => {
  const u = await newUser(srv.sim, 'github', { login: 'ux-gh-new', email: 'ux-gh-new@example.com' });
  const { ctx, page } = await newPage();
  await page.goto(srv.d.base + '/login');
  await Promise.all([page.waitForSelector('#authorize'), page.click('#social-github')]);
  await authorize(page, srv.d.base, u.login);
  const promise = await text(page, '#oauth-reminder');
  assert.equal(promise, zh('oauth.complete.reminder', { provider: 'GitHub' }));
  assert.match(promise, /设置密码/);
  await page.check('#terms');
  await Promise.all([page.waitForURL(/\/console$/), page.click('#register')]);
  await skipTour(page);
  assert.equal(await text(page, '#password-reminder p'), zh('cons.set_password'));
  assert.equal(await page.getAttribute('#set-password', 'href'), '/settings#password');
  assert.equal((await page.$$('.reminder')).length, 1, 'one reminder at a time');

  // the only way in is not offered for unbinding
  await page.goto(srv.d.base + '/settings/accounts');
  assert.equal(await page.$('#unbind-github'), null);
  assert.equal(await text(page, '#only-github'), zh('oauth.accounts.only_way'));
  await ctx.close();
});

test('WeChat sign-up: the +1X is announced, and the activity list is all Chinese', async () => {
  const { ctx, page } = await newPage();
  await page.goto(srv.d.base + '/login');
  await Promise.all([page.waitForURL(/\/auth\/wechat$/), page.click('#social-wechat')]);
  const url = await qrUrl(page);
  await phoneScan(phone, srv.sim, { user: 'ux-wx', url, action: 'follow' });
  await shown(page, '#wx-register-form', 15000);
  await page.fill('#wx-username', 'uxwechat');
  await page.check('#wx-terms');
  await Promise.all([page.waitForURL(/\/console$/), page.click('#wx-register')]);
  await skipTour(page);
  assert.equal(await text(page, '#notice'), zh('cons.wechat_bonus', { units: srv.d.setting('wechat_bonus_units') }));
  await page.reload();
  assert.equal(await page.$('#notice'), null, 'announced once');

  await page.goto(srv.d.base + '/settings');
  const activity = await page.$$eval('.activity li', (els) => els.map((e) => e.textContent.replace(/\s+/g, ' ').trim()));
  assert.ok(activity.length > 0);
  for (const line of activity) {
    const words = (line.replace(/\d+\.\d+\.\d+\.\d+/g, '').match(/[A-Za-z]{2,}/g) || []).filter((w) => !['IP', 'UTC'].includes(w));
    assert.deepEqual(words, [], `English in the activity list: ${line}`);
  }
  await ctx.close();
});

test('the sign-up form keeps its terms checkbox after a refusal', async () => {
  const { ctx, page } = await newPage();
  await page.goto(srv.d.base + '/signup');
  await page.fill('#email', 'uxterms@example.com');
  await page.fill('#username', 'Admin');
  await page.fill('#password', PASSWORD);
  await page.check('#terms');
  await Promise.all([page.waitForLoadState('load'), page.click('#register')]);
  assert.ok(await page.isVisible('#username-err'), 'refused');
  assert.equal(await page.isChecked('#terms'), true);
  await ctx.close();
});

test('/login answers empty fields with its own messages, in the page language', async () => {
  for (const [locale, t] of [['zh-CN', zh], ['en', en]]) {
    const { ctx, page } = await newPage({ locale });
    await page.goto(srv.d.base + '/login');
    assert.equal(await page.getAttribute('#login-form', 'novalidate'), '');
    const [res] = await Promise.all([page.waitForResponse((r) => r.request().method() === 'POST'), page.click('#signin')]);
    assert.equal(res.status(), 400);
    assert.equal(await text(page, '#identifier-err'), t('login.err.identifier_empty'));
    assert.equal(await text(page, '#password-err'), t('login.err.password_empty'));
    assert.equal(await page.getAttribute('#identifier', 'aria-invalid'), 'true');
    await ctx.close();
  }
});

test('a used verification link opened by the verified account says it is verified', async () => {
  const { ctx, page, email } = await emailAccount('uxverified');
  const [mail] = await srv.sim.waitMail(email);
  const res = await page.goto(linkIn(mail));
  assert.equal(res.status(), 200);
  assert.equal(await text(page, 'h1'), zh('verify.already.title'));
  await ctx.close();
});

test('the 404 page is titled as such', async () => {
  const { ctx, page } = await newPage();
  const res = await page.goto(srv.d.base + '/no-such-page');
  assert.equal(res.status(), 404);
  assert.match(await page.title(), new RegExp(zh('error.notfound_title')));
  assert.doesNotMatch(await page.title(), new RegExp(zh('error.title')));
  await ctx.close();
});

test('times are shown in the reader\'s zone: UTC+8 on Chinese pages, UTC on English ones', async () => {
  const { ctx, page } = await emailAccount('uxtime');
  await page.goto(srv.d.base + '/settings');
  const [iso, shownAt] = await page.$eval('.sessions time', (t) => [t.getAttribute('datetime'), t.textContent.trim()]);
  const at = new Date(iso.replace('Z', ':00Z'));
  const local = new Date(at.getTime() + 8 * 3600e3).toISOString().slice(0, 16).replace('T', ' ');
  assert.equal(shownAt, `${local} UTC+8`);
  await page.goto(srv.d.base + '/lang?to=en&next=/settings');
  const [enIso, enShown] = await page.$eval('.sessions time', (t) => [t.getAttribute('datetime'), t.textContent.trim()]);
  assert.equal(enShown, `${enIso.slice(0, 16).replace('T', ' ')} UTC`);
  await ctx.close();
});
