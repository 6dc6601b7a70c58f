// Account settings (issue: console, items 6 and 8): the username with its hold, the email change
// that keeps the old address until the new one is confirmed (and tells the old one), the password
// (current one required; other sessions signed out on request; set when there is none), the
// sessions list (sign out one, all others), security activity, the language, the
// re-authentication sensitive changes ask for, and deletion (everything goes, nothing can be
// taken over at once); the mails of these changes in both languages. GitHub is bound through the
// simulator's real OAuth flow. Screenshot of the settings page for the README.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { mkdirSync } from 'node:fs';
import { stopAll, newPage, linkIn, PASSWORD, SHOTS } from './lib/harness.mjs';
import { account, signedIn, clientSignIn, csrfOf, mailLink, staleSessions, scalar } from './lib/console.mjs';
import { catalog, pageFrom, signupClient, submitClick, fieldErrors } from './lib/forms.mjs';
import { startOAuth, bindWith, newUser, authorize, signInWith, signUpWith } from './lib/oauth.mjs';

const zh = catalog('zh-CN');
const en = catalog('en');
const NEW_PASSWORD = 'another fine passphrase 7';
let sim, d;

before(async () => {
  ({ sim, d } = await startOAuth({ providers: ['github'], env: { DAOID_TRUSTED_PROXIES: '127.0.0.1' } }));
});
after(async () => {
  await d.stop();
  await stopAll();
});

const idOf = (username) => scalar(d, `SELECT id FROM accounts WHERE username = '${username}'`);
const me = async (page) => page.request.get(d.base + '/api/v1/me');
const CJK = /[\u3000-\u303f\u4e00-\u9fff\uff00-\uffef]/;

const bindGitHub = (page, login) => bindWith(page, d.base, 'github', login);

test('username: the same rules, the old name held for others but not for its owner', async () => {
  await account(d, sim, 'sam');
  await account(d, sim, 'taken-name', { verify: false });
  const { ctx, page } = await signedIn(d, 'sam');
  await page.goto(d.base + '/settings');
  assert.equal(await page.inputValue('#new-username'), 'sam');

  for (const [typed, key] of [['ab', 'signup.err.username_length'], ['admin', 'signup.err.username_reserved'],
    ['bad name!', 'signup.err.username_chars'], ['taken-name', 'signup.err.username_taken']]) {
    await page.fill('#new-username', typed);
    const r = await submitClick(page, '#save-username');
    assert.equal(r.status(), 400, typed);
    assert.deepEqual(await fieldErrors(page), { username: zh(key) });
    assert.equal(await page.inputValue('#new-username'), typed, 'what was typed stays');
    assert.equal(await page.getAttribute('#new-username', 'aria-invalid'), 'true');
  }

  await page.fill('#new-username', 'Sam-Two');
  await Promise.all([page.waitForURL(/\/settings#username$/), page.click('#save-username')]);
  assert.equal(await page.textContent('#notice'), zh('settings.done.username'));
  assert.equal((await (await me(page)).json()).username, 'sam-two', 'canonical form');
  const [[holder, until]] = d.sql("SELECT account_id, held_until - created_at FROM held_usernames WHERE username = 'sam'");
  assert.equal(Number(holder), idOf('sam-two'));
  assert.equal(Number(until), 30 * 86400, 'held for username_hold (30 days)');

  // nobody else can take the old name: neither at sign-up nor by renaming
  const { res } = await signupClient(d.base, { email: 'sneaky@example.com', username: 'sam' });
  assert.equal(res.status, 400);
  assert.equal(res.page.errors.username, zh('signup.err.username_taken'));
  const other = await signedIn(d, 'taken-name');
  await other.page.goto(d.base + '/settings');
  await other.page.fill('#new-username', 'SAM');
  assert.equal((await submitClick(other.page, '#save-username')).status(), 400);
  assert.deepEqual(await fieldErrors(other.page), { username: zh('signup.err.username_taken') });
  await other.ctx.close();

  // its owner can take it back; then the other name is held
  await page.fill('#new-username', 'sam');
  await Promise.all([page.waitForURL(/\/settings#username$/), page.click('#save-username')]);
  assert.equal((await (await me(page)).json()).username, 'sam');
  assert.deepEqual(d.sql('SELECT username FROM held_usernames ORDER BY username').map((r) => r[0]), ['sam-two']);
  const sameName = await submitClick(page, '#save-username');
  assert.equal(sameName.status(), 303, 'the same name is no change');
  assert.equal(await page.$('#notice'), null);
  await ctx.close();
});

test('email change: the old address stays until the link is opened, and is told', async () => {
  await account(d, sim, 'eve');
  const { ctx, page } = await signedIn(d, 'eve');
  await page.goto(d.base + '/settings');
  assert.match(await page.textContent('#current-email'), /eve@example.com\s+已验证/);
  assert.equal(await page.$('#email-password'), null, 'a fresh sign-in needs no password');
  await page.fill('#new-email', 'not-an-address');
  assert.equal((await submitClick(page, '#save-email')).status(), 400);
  assert.deepEqual(await fieldErrors(page), { email: zh('signup.err.email_invalid') });

  await page.fill('#new-email', 'Eve.New@Example.com');
  await Promise.all([page.waitForURL(/\/settings#email$/), page.click('#save-email')]);
  assert.equal(await page.textContent('#notice'), zh('settings.done.email_sent'));
  assert.match(await page.textContent('#current-email'), /eve@example.com/, 'the old address stays');
  assert.match(await page.textContent('#pending-email'), /Eve.New@Example.com/);

  const [change] = await sim.waitMail('Eve.New@Example.com');
  assert.equal(change.subject, '确认您的 DaoCloud 新邮箱');
  const [notice] = await sim.waitMail('eve@example.com', 2); // verification mail, then the notice
  assert.equal(notice.subject, '您的 DaoCloud 邮箱正在更改');
  assert.match(notice.text, /从 eve@example.com 改为 Eve.New@Example.com/);
  assert.doesNotMatch(notice.text, /\/email\/confirm/, 'the old address never gets the link');

  // until the link is opened the old address signs in, the new one does not
  assert.equal((await clientSignIn(d, 'eve@example.com')).res.status, 303);
  assert.equal((await clientSignIn(d, 'eve.new@example.com')).res.status, 401);
  assert.equal(scalar(d, "SELECT COUNT(*) FROM accounts WHERE email_norm = 'eve.new@example.com'"), 0);

  const link = mailLink(change, '/email/confirm');
  await page.goto(link);
  assert.equal(await page.textContent('#notice-title'), zh('email.ok.title'));
  const body = await (await me(page)).json();
  assert.equal(body.email, 'Eve.New@Example.com');
  assert.equal(body.email_verified, true);
  assert.equal((await clientSignIn(d, 'eve.new@example.com')).res.status, 303);
  assert.equal((await clientSignIn(d, 'eve@example.com')).res.status, 401, 'the old address no longer signs in');
  await page.goto(link);
  assert.equal(await page.textContent('#notice-message'), zh('verify.err.used'), 'the link works once');

  await page.goto(d.base + '/settings#activity');
  const activity = await page.textContent('#activity');
  assert.match(activity, /更改邮箱/);
  assert.match(activity, /申请更改邮箱/);
  await ctx.close();
});

test('email change: an address another account verified gets no link (one answer for all: security_findings); clears unverified claims', async () => {
  await account(d, sim, 'fay');
  await account(d, sim, 'gus', { email: 'shared@example.com', verify: false });
  const c = await account(d, sim, 'hal');
  const csrf = await csrfOf(c, '/settings');
  const probe = await account(d, sim, 'hal-probe');
  const taken = await probe.post('/settings/email', { csrf: await csrfOf(probe, '/settings'), email: 'FAY@example.com' });
  assert.equal(taken.status, 303, 'answered as for any address');
  assert.ok((await sim.messages('fay@example.com')).every((m) => !/\/email\/confirm/.test(m.text)), 'no link to fay');

  const ok = await c.post('/settings/email', { csrf, email: 'shared@example.com' });
  assert.equal(ok.status, 303);
  const mails = await sim.waitMail('shared@example.com', 2);
  const change = mails.find((m) => /\/email\/confirm/.test(m.text));
  const r = await c.get(new URL(mailLink(change, '/email/confirm')).pathname + new URL(mailLink(change, '/email/confirm')).search);
  assert.equal(r.status, 200);
  assert.deepEqual(d.sql("SELECT username, email_verified FROM accounts WHERE email_norm = 'shared@example.com'"), [['hal', '1']]);
  assert.deepEqual(d.sql("SELECT COALESCE(email, 'NULL') FROM accounts WHERE username = 'gus'"), [['NULL']], "gus's unverified claim is cleared");
  // gus's verification link is dead now
  const gusMail = mails.find((m) => /\/verify\?token=/.test(m.text));
  const late = await c.get(new URL(linkIn(gusMail)).pathname + new URL(linkIn(gusMail)).search);
  assert.equal(late.status, 404);
});

test('a stale sign-in confirms an email change with the password', async () => {
  await account(d, sim, 'ida');
  const { ctx, page } = await signedIn(d, 'ida', { locale: 'en-US' });
  staleSessions(d, 'ida');
  await page.goto(d.base + '/settings');
  assert.ok(await page.isVisible('#email-password'), 'the form asks for the password');
  assert.equal((await page.textContent('#emailpw-hint')).trim(), en('settings.confirm_hint'));
  await page.fill('#new-email', 'ida2@example.com');
  assert.equal((await submitClick(page, '#save-email')).status(), 403);
  assert.deepEqual(await fieldErrors(page), { emailpw: en('settings.err.password_needed') });
  await page.fill('#new-email', 'ida2@example.com');
  await page.fill('#email-password', 'wrong password 1');
  assert.equal((await submitClick(page, '#save-email')).status(), 403);
  assert.deepEqual(await fieldErrors(page), { emailpw: en('settings.err.current_password') });
  assert.equal((await sim.messages('ida2@example.com')).length, 0);
  await page.fill('#new-email', 'ida2@example.com');
  await page.fill('#email-password', PASSWORD);
  await Promise.all([page.waitForURL(/\/settings#email$/), page.click('#save-email')]);
  await sim.waitMail('ida2@example.com');
  await ctx.close();
});

test('password: the current one is required; other sessions end on request; a notice mail', async () => {
  await account(d, sim, 'joe');
  const a = await signedIn(d, 'joe');
  const b = await signedIn(d, 'joe');
  const c = await signedIn(d, 'joe');
  await a.page.goto(d.base + '/settings#password');
  assert.ok(await a.page.isChecked('#end-others'), 'signing out the others is offered, on by default');

  await a.page.fill('#new-password', NEW_PASSWORD);
  assert.equal((await submitClick(a.page, '#save-password')).status(), 403);
  assert.deepEqual(await fieldErrors(a.page), { current: zh('settings.err.password_needed') });
  await a.page.fill('#current-password', 'not it at all 1');
  await a.page.fill('#new-password', NEW_PASSWORD);
  assert.equal((await submitClick(a.page, '#save-password')).status(), 403);
  assert.deepEqual(await fieldErrors(a.page), { current: zh('settings.err.current_password') });
  await a.page.fill('#current-password', PASSWORD);
  await a.page.fill('#new-password', 'password1');
  assert.equal((await submitClick(a.page, '#save-password')).status(), 400);
  assert.deepEqual(await fieldErrors(a.page), { password: zh('signup.err.password_common') });

  // keep the other sessions this time
  await a.page.fill('#current-password', PASSWORD);
  await a.page.fill('#new-password', NEW_PASSWORD);
  await a.page.uncheck('#end-others');
  await Promise.all([a.page.waitForURL(/\/settings#password$/), a.page.click('#save-password')]);
  assert.equal(await a.page.textContent('#notice'), zh('settings.done.password'));
  assert.equal((await me(b.page)).status(), 200, 'kept');
  assert.equal((await clientSignIn(d, 'joe', PASSWORD)).res.status, 401, 'the old password is gone');
  assert.equal((await clientSignIn(d, 'joe', NEW_PASSWORD)).res.status, 303);
  const [notice] = await sim.waitMail('joe@example.com', 2);
  assert.equal(notice.subject, '您的 DaoCloud 密码已修改');

  // now sign the others out
  await a.page.fill('#current-password', NEW_PASSWORD);
  await a.page.fill('#new-password', PASSWORD + ' again');
  await Promise.all([a.page.waitForURL(/\/settings#password$/), a.page.click('#save-password')]);
  assert.equal(await a.page.textContent('#notice'), zh('settings.done.password_others'));
  assert.equal((await me(a.page)).status(), 200, 'this browser stays signed in (with a new session)');
  assert.equal((await me(b.page)).status(), 401);
  assert.equal((await me(c.page)).status(), 401);
  for (const x of [a, b, c]) await x.ctx.close();
});

test('an account without a password sets one after a fresh sign-in, or is sent to confirm first', async () => {
  // kim signed up with GitHub (the real flow) and has no password
  const gh = await newUser(sim, 'github', { login: 'kim-gh', email: 'kim@example.com' });
  const { ctx, page } = await newPage();
  await signUpWith(page, d.base, 'github', gh.login, { username: 'kim' });
  assert.match(page.url(), /\/console$/);
  const before = await (await me(page)).json();
  assert.equal(before.has_password, false);
  assert.deepEqual(before.identities.map((i) => [i.provider, i.login]), [['github', 'kim-gh']]);
  assert.equal((await clientSignIn(d, 'kim', NEW_PASSWORD)).res.status, 401, 'no password signs in yet');

  staleSessions(d, 'kim');
  await page.goto(d.base + '/settings');
  assert.equal(await page.textContent('#no-password'), zh('settings.password.none'));
  assert.equal(await page.$('#new-password'), null, 'stale: no form');
  assert.equal(await page.getAttribute('#password-reauth', 'href'), '/reauth?next=/settings%23password');
  await page.click('#password-reauth');
  await page.waitForURL(/\/reauth\?next=/);
  assert.equal(await page.$('#password'), null, 'no password to confirm with');
  assert.equal(await page.getAttribute('#reauth-github', 'href'), '/auth/github?intent=reauth&next=/settings%23password');
  assert.equal((await page.textContent('#reauth-github')).trim(), `${zh('reauth.with')} GitHub`);

  // confirming at GitHub makes the sign-in fresh and comes back to the password section
  await Promise.all([page.waitForSelector('#authorize'), page.click('#reauth-github')]);
  await authorize(page, d.base, gh.login);
  assert.match(page.url(), /\/settings.*#password$/);
  assert.equal(await page.$('#current-password'), null);
  await page.fill('#new-password', NEW_PASSWORD);
  assert.equal((await page.textContent('#save-password')).trim(), zh('settings.password.set'));
  await Promise.all([page.waitForURL(/\/settings#password$/), page.click('#save-password')]);
  assert.equal((await (await me(page)).json()).has_password, true);
  // the password now signs in, by username and by email; GitHub still does
  for (const identifier of ['kim', 'kim@example.com', 'KIM@Example.com']) {
    assert.equal((await clientSignIn(d, identifier, NEW_PASSWORD)).res.status, 303, identifier);
  }
  assert.equal((await clientSignIn(d, 'kim@example.com', PASSWORD)).res.status, 401);
  assert.match(await page.textContent('#activity'), /设置密码/);
  await ctx.close();
  const again = await newPage();
  await signInWith(again.page, d.base, 'github', gh.login);
  assert.equal((await (await me(again.page)).json()).username, 'kim');
  await again.ctx.close();
});

test('sessions: each listed with device, IP and last seen; sign out one, then all others', async () => {
  await account(d, sim, 'lea');
  const sign = async (ip, locale) => {
    const x = await pageFrom(ip, { locale });
    await x.page.goto(d.base + '/login');
    await x.page.fill('#identifier', 'lea');
    await x.page.fill('#password', PASSWORD);
    await Promise.all([x.page.waitForURL(/\/console$/), x.page.click('#signin')]);
    return x;
  };
  const a = await sign('203.0.113.10');
  const b = await sign('203.0.113.20');
  const c = await sign('203.0.113.30');
  await a.page.goto(d.base + '/settings#sessions');
  const rows = await a.page.$$eval('.session', (ls) => ls.map((l) => ({
    device: l.querySelector('.device').textContent, ip: l.querySelector('.ip').textContent,
    current: l.classList.contains('current'), seen: l.querySelector('time').getAttribute('datetime'),
    end: !!l.querySelector('form'),
  })));
  assert.equal(rows.length, 3 + 1, 'three browsers and the sign-up client');
  const mine = rows.filter((r) => r.current);
  assert.equal(mine.length, 1);
  assert.equal(mine[0].ip, '203.0.113.10');
  assert.equal(mine[0].end, false, 'this browser signs out with the top bar');
  assert.match(mine[0].device, /^Chrome · Linux$/);
  assert.ok(rows.every((r) => /^\d{4}-\d\d-\d\dT\d\d:\d\dZ$/.test(r.seen)));
  assert.deepEqual(rows.map((r) => r.ip).sort(), ['127.0.0.1', '203.0.113.10', '203.0.113.20', '203.0.113.30']);

  // sign out b
  const bRow = await a.page.$('.session:has(.ip:text-is("203.0.113.20"))');
  await Promise.all([a.page.waitForURL(/\/settings#sessions$/), (await bRow.$('button')).click()]);
  assert.equal(await a.page.textContent('#notice'), zh('settings.done.session'));
  assert.equal((await me(b.page)).status(), 401);
  assert.equal((await me(c.page)).status(), 200);

  // sign out all others
  await Promise.all([a.page.waitForURL(/\/settings#sessions$/), a.page.click('#end-other-sessions')]);
  assert.equal((await me(c.page)).status(), 401);
  assert.equal((await me(a.page)).status(), 200);
  assert.equal(await a.page.$$eval('.session', (l) => l.length), 1);
  assert.equal(await a.page.$('#end-other-sessions'), null, 'nothing else to sign out');

  // someone else's session cannot be ended from here
  await account(d, sim, 'lea-other', { verify: false });
  const theirs = d.sql("SELECT id_hash FROM sessions WHERE account_id = (SELECT id FROM accounts WHERE username = 'lea-other')")[0][0];
  const r = await a.page.request.post(d.base + '/settings/sessions/end', {
    form: { csrf: await a.page.$eval('input[name=csrf]', (i) => i.value), sid: theirs }, maxRedirects: 0,
  });
  assert.equal(r.status(), 303);
  assert.equal(scalar(d, `SELECT COUNT(*) FROM sessions WHERE id_hash = '${theirs}'`), 1);
  for (const x of [a, b, c]) await x.ctx.close();
});

test('security activity lists sign-ins, failures and changes, newest first', async () => {
  await account(d, sim, 'max');
  assert.equal((await clientSignIn(d, 'max', 'wrong password 9')).res.status, 401);
  const { ctx, page } = await signedIn(d, 'max', { locale: 'en-US' });
  await page.goto(d.base + '/settings#activity');
  const items = await page.$$eval('#activity li .what', (e) => e.map((x) => x.textContent));
  assert.deepEqual(items.slice(0, 4), [en('audit.login'), en('audit.login_failed'), en('audit.email_verified'), en('audit.signup')]);
  const ips = await page.$$eval('#activity li .meta', (e) => e.map((x) => x.textContent));
  assert.ok(ips.every((t) => /\d{4}-\d\d-\d\d \d\d:\d\d UTC · IP /.test(t)), ips.join('|'));
  // the language switch of the settings page
  await Promise.all([page.waitForURL(/\/settings$/), page.click('#settings-lang-zh')]);
  assert.equal((await page.textContent('#settings-title')).trim(), '账号设置');
  await ctx.close();
});

test('security activity shows binding and unbinding next to sign-ins, password and email changes', async () => {
  await account(d, sim, 'nia');
  const gh = await newUser(sim, 'github', { login: 'nia-gh', email: 'nia-gh@example.com' });
  const { ctx, page } = await signedIn(d, 'nia', { locale: 'en-US' });
  await bindGitHub(page, gh.login);

  await page.goto(d.base + '/settings#password');
  await page.fill('#current-password', PASSWORD);
  await page.fill('#new-password', NEW_PASSWORD);
  await Promise.all([page.waitForURL(/\/settings#password$/), page.click('#save-password')]);
  await page.fill('#new-email', 'nia.new@example.com');
  await Promise.all([page.waitForURL(/\/settings#email$/), page.click('#save-email')]);
  await page.goto(d.base + '/settings/accounts');
  await page.click('#ask-unbind-github');
  assert.equal((await submitClick(page, '#unbind-github')).status(), 303);
  const [change] = await sim.waitMail('nia.new@example.com');
  await page.goto(mailLink(change, '/email/confirm'));
  assert.equal(await page.textContent('#notice-title'), en('email.ok.title'));

  await page.goto(d.base + '/settings#activity');
  const rows = await page.$$eval('#activity li', (ls) => ls.map((l) => ({
    what: l.querySelector('.what').textContent, detail: l.querySelector('.detail')?.textContent ?? null,
    meta: l.querySelector('.meta').textContent,
  })));
  assert.deepEqual(rows.map((r) => r.what), [
    en('audit.email_changed'), en('audit.identity_unlinked'), en('audit.email_change_requested'),
    en('audit.password_changed'), en('audit.reauth'), en('audit.identity_linked'), en('audit.login'), en('audit.email_verified'),
    en('audit.signup'),
  ], 'newest first (the current password typed for the change confirms the identity)');
  const by = Object.fromEntries(rows.map((r) => [r.what, r]));
  assert.equal(by[en('audit.identity_linked')].detail, en('audit.detail.github'));
  assert.equal(by[en('audit.identity_unlinked')].detail, en('audit.detail.github'));
  assert.equal(by[en('audit.password_changed')].detail, en('audit.detail.others_signed_out'));
  assert.equal(by[en('audit.email_change_requested')].detail, 'nia.new@example.com');
  assert.equal(by[en('audit.login')].detail, en('audit.detail.password'));
  const [[ip]] = d.sql("SELECT ip FROM audit WHERE event = 'identity_linked' AND account_id = (SELECT id FROM accounts WHERE username = 'nia')");
  assert.match(ip, /^198\.18\./, 'the browser\'s address');
  assert.match(by[en('audit.identity_linked')].meta, new RegExp(`IP ${ip.replace(/\./g, '\\.')}$`));
  await ctx.close();
});

test('the mails of an email change and of a deletion are in English when the page is', async () => {
  await account(d, sim, 'ena', { lang: 'en' });
  const { ctx, page } = await signedIn(d, 'ena', { locale: 'en-US' });
  await page.goto(d.base + '/settings');
  await page.fill('#new-email', 'ena.new@example.com');
  await Promise.all([page.waitForURL(/\/settings#email$/), page.click('#save-email')]);
  const site = { site_name: 'DaoCloud' };
  const [change] = await sim.waitMail('ena.new@example.com');
  assert.equal(change.subject, en('mail.email_change.subject', site));
  for (const line of [en('mail.email_change.greeting', { username: 'ena' }),
    en('mail.email_change.body_text', { ...site, email: 'ena.new@example.com' }),
    en('mail.email_change.expiry', { duration: en('time.hours', { n: 24 }) }), en('mail.email_change.ignore')]) {
    assert.ok(change.text.includes(line), `text: ${line}`);
  }
  assert.ok(change.html.includes(en('mail.email_change.button')), 'the HTML part has the English button');
  assert.ok(change.html.includes(mailLink(change, '/email/confirm')));
  assert.doesNotMatch(change.subject + change.text + change.html, CJK, 'no Chinese left');

  const [notice] = await sim.waitMail('ena@example.com', 2); // the verification mail, then the notice
  assert.equal(notice.subject, en('mail.email_notice.subject', site));
  for (const line of [en('mail.email_notice.greeting', { username: 'ena' }),
    en('mail.email_notice.body', { ...site, old_email: 'ena@example.com', email: 'ena.new@example.com' }), en('mail.email_notice.warn')]) {
    assert.ok(notice.text.includes(line), `text: ${line}`);
  }
  assert.doesNotMatch(notice.subject + notice.text + notice.html, CJK);
  assert.doesNotMatch(notice.text + notice.html, /\/email\/confirm/);

  await page.goto(d.base + '/settings/delete');
  await page.fill('#confirm', 'ena');
  assert.equal((await submitClick(page, '#confirm-delete')).status(), 200);
  assert.equal(await page.textContent('#notice-title'), en('delete.ok.title'));
  const [bye] = await sim.waitMail('ena@example.com', 3);
  assert.equal(bye.subject, en('mail.deleted.subject', site));
  for (const line of [en('mail.deleted.greeting', { username: 'ena' }), en('mail.deleted.body', { ...site, username: 'ena', duration: en('time.days', { n: 30 }) }), en('mail.deleted.warn')]) {
    assert.ok(bye.text.includes(line), `text: ${line}`);
  }
  assert.doesNotMatch(bye.subject + bye.text + bye.html, CJK);
  await ctx.close();
});

test('deletion: re-authenticate, type the username; everything goes; nothing can be taken over', async () => {
  mkdirSync(SHOTS, { recursive: true });
  await account(d, sim, 'dora');
  const gh = await newUser(sim, 'github', { login: 'dora-gh', email: 'dora-gh@example.com' });
  const id = idOf('dora');
  const { ctx, page } = await signedIn(d, 'dora');
  await bindGitHub(page, gh.login);
  assert.equal(scalar(d, `SELECT COUNT(*) FROM identities WHERE account_id = ${id}`), 1);
  const second = await signedIn(d, 'dora');
  await page.goto(d.base + '/settings');
  await page.screenshot({ path: join(SHOTS, 'settings.png'), fullPage: true });

  staleSessions(d, 'dora');
  await page.click('#delete-account');
  await page.waitForURL(/\/reauth\?next=\/settings\/delete$/);
  await page.fill('#password', 'wrong password 3');
  assert.equal((await submitClick(page, '#reauth-submit')).status(), 401);
  assert.equal(await page.textContent('#form-error'), zh('reauth.err.bad'));
  await page.fill('#password', PASSWORD);
  await Promise.all([page.waitForURL(/\/settings\/delete$/), page.click('#reauth-submit')]);
  assert.match(await page.textContent('main'), /用户名 dora 将保留 30 天/);
  assert.match(await page.textContent('main'), /确认邮件将发送到 dora@example.com/);

  await page.fill('#confirm', 'dora2');
  assert.equal((await submitClick(page, '#confirm-delete')).status(), 400);
  assert.deepEqual(await fieldErrors(page), { confirm: zh('settings.err.delete_name') });
  assert.equal(idOf('dora'), id, 'still there');

  await page.fill('#confirm', 'Dora');
  const r = await submitClick(page, '#confirm-delete');
  assert.equal(r.status(), 200);
  assert.equal(await page.textContent('#notice-title'), zh('delete.ok.title'));
  assert.ok(await page.isVisible('a[href="/login"]'), 'signed out');
  assert.equal((await me(page)).status(), 401);
  assert.equal((await me(second.page)).status(), 401, 'every session ended');

  for (const table of ['accounts WHERE id', 'identities WHERE account_id', 'sessions WHERE account_id', 'tokens WHERE account_id', 'audit WHERE account_id']) {
    assert.equal(scalar(d, `SELECT COUNT(*) FROM ${table} = ${id}`), 0, table);
  }
  assert.deepEqual(d.sql("SELECT COALESCE(account_id, 0) FROM held_usernames WHERE username = 'dora'"), [['0']]);
  assert.equal(scalar(d, "SELECT COUNT(*) FROM audit WHERE event = 'account_deleted' AND detail LIKE 'id=% username=dora by=self'"), 1);
  const [bye] = await sim.waitMail('dora@example.com', 2);
  assert.equal(bye.subject, '您的 DaoCloud 账号已删除');
  assert.match(bye.text, /dora/);

  // the name is held; the address can be claimed but not captured
  const { res } = await signupClient(d.base, { email: 'x@example.com', username: 'dora' });
  assert.equal(res.page.errors.username, zh('signup.err.username_taken'));
  const squat = await signupClient(d.base, { email: 'dora@example.com', username: 'squatter' });
  assert.equal(squat.res.status, 303);
  assert.deepEqual(d.sql("SELECT email_verified FROM accounts WHERE username = 'squatter'"), [['0']]);
  await sim.waitMail('dora@example.com', 3); // the squatter's verification mail is out before the owner's
  assert.equal((await clientSignIn(d, 'dora')).res.status, 401, 'the old account cannot sign in');
  // the owner of the mailbox comes back and verifies it: the squatter's claim ends
  await account(d, sim, 'dora-again', { email: 'dora@example.com' });
  assert.deepEqual(d.sql("SELECT username FROM accounts WHERE email_norm = 'dora@example.com'"), [['dora-again']]);
  assert.deepEqual(d.sql("SELECT COALESCE(email, 'NULL') FROM accounts WHERE username = 'squatter'"), [['NULL']]);
  await ctx.close();
  await second.ctx.close();
});

test('re-authentication only returns to same-origin paths and needs a session', async () => {
  const c = await account(d, sim, 'ned', { verify: false });
  const r = await c.get('/reauth?next=//evil.example/x');
  assert.equal(r.status, 200);
  assert.match(r.text, /<input type="hidden" name="next" value="\/settings">/);
  const post = await c.post('/reauth', { csrf: r.page.csrf, password: PASSWORD, next: 'https://evil.example/' });
  assert.equal(post.status, 303);
  assert.equal(post.location, '/settings');
  const anon = await (await fetch(d.base + '/settings/delete', { redirect: 'manual' }));
  assert.equal(anon.status, 303);
  assert.equal(anon.headers.get('location'), '/login?next=/settings/delete');
});
