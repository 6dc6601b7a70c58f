// The operator's commands (issue: console, "Also"): `daoid admin find / show / disable /
// enable / delete / mail dead / mail retry / release-username`, run as a separate process
// against the database of a running daoid. A disabled account cannot sign in and its sessions end at once.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { useServers, PASSWORD, waitFor } from './lib/harness.mjs';
import { account, signedIn, clientSignIn, admin, scalar } from './lib/console.mjs';
import { catalog, signupClient } from './lib/forms.mjs';

const zh = catalog('zh-CN');
const srv = useServers({ env: { DAOID_TRUSTED_PROXIES: '127.0.0.1' }, stopping: () => srv.sim.smtpMode('up') });

test('find and show', async () => {
  await account(srv.d, srv.sim, 'ada_lovelace', { email: 'ada@example.com' });
  await account(srv.d, srv.sim, 'adam', { verify: false });
  const found = await admin(srv.d, ['find', 'ADA']);
  assert.equal(found.code, 0, found.err);
  const lines = found.out.trim().split('\n');
  assert.match(lines[0], /^ID\s+USERNAME\s+EMAIL/);
  assert.equal(lines.length, 3);
  assert.match(found.out, /ada_lovelace\s+ada@example.com\s+yes\s+active/);
  assert.match(found.out, /adam\s+adam@example.com\s+no\s+active/);
  // '_' is a character here, not a wildcard
  assert.equal((await admin(srv.d, ['find', 'a_l'])).out.trim().split('\n').length, 1 + 1);
  assert.match((await admin(srv.d, ['find', 'zzz'])).out, /no account matches "zzz"/);

  const id = scalar(srv.d, "SELECT id FROM accounts WHERE username = 'ada_lovelace'");
  for (const spec of ['ada_lovelace', 'ADA@example.com', `#${id}`, `id:${id}`]) {
    const shown = await admin(srv.d, ['show', spec]);
    assert.equal(shown.code, 0, `${spec}: ${shown.err}`);
    assert.match(shown.out, new RegExp(`^account #${id}\\n  username: ada_lovelace\\n  email:    ada@example.com \\(verified\\)`));
    assert.match(shown.out, /password: set/);
    assert.match(shown.out, /sessions \(ip, device, signed in, last seen\):\n {3}127\.0\.0\.1/);
    assert.match(shown.out, /recent activity:\n.*email_verified/);
  }
  const none = await admin(srv.d, ['show', 'nobody-at-all']);
  assert.equal(none.code, 1);
  assert.match(none.err, /no account nobody-at-all/);
});

test('disable: sign-in refused and sessions ended at once; enable brings it back', async () => {
  await account(srv.d, srv.sim, 'dan');
  const { ctx, page } = await signedIn(srv.d, 'dan');
  assert.equal((await page.request.get(srv.d.base + '/api/v1/me')).status(), 200);

  const r = await admin(srv.d, ['disable', 'dan']);
  assert.equal(r.code, 0, r.err);
  assert.match(r.out, /account #\d+ disabled; 2 session\(s\) ended/);
  assert.equal((await page.request.get(srv.d.base + '/api/v1/me')).status(), 401);
  await page.goto(srv.d.base + '/console');
  assert.match(page.url(), /\/login\?next=%2Fconsole|\/login\?next=\/console/);
  const refused = await clientSignIn(srv.d, 'dan', PASSWORD);
  assert.equal(refused.res.status, 403);
  assert.equal(refused.res.page.formError, zh('login.err.disabled'));
  const byMail = await clientSignIn(srv.d, 'dan@example.com', PASSWORD);
  assert.equal(byMail.res.status, 403);
  assert.match((await admin(srv.d, ['show', 'dan'])).out, /status: {3}disabled/);

  // no password reset mail for a disabled account
  const c = (await signupClient(srv.d.base, { email: 'x1@example.com', username: 'x-one' })).client;
  const form = await c.get('/password/forgot');
  assert.equal((await c.post('/password/forgot', { csrf: form.page.csrf, email: 'dan@example.com' })).status, 200);
  assert.equal(scalar(srv.d, "SELECT COUNT(*) FROM tokens WHERE kind = 'reset' AND account_id = (SELECT id FROM accounts WHERE username = 'dan')"), 0);

  assert.equal((await admin(srv.d, ['enable', 'dan'])).code, 0);
  assert.equal((await clientSignIn(srv.d, 'dan', PASSWORD)).res.status, 303);
  assert.match((await admin(srv.d, ['show', 'dan'])).out, /account_enabled/);
  await ctx.close();
});

test('delete --yes: as a deletion by the owner', async () => {
  await account(srv.d, srv.sim, 'del-me');
  const id = scalar(srv.d, "SELECT id FROM accounts WHERE username = 'del-me'");
  const no = await admin(srv.d, ['delete', 'del-me']);
  assert.equal(no.code, 2);
  assert.match(no.err, /--yes/);
  assert.equal(scalar(srv.d, `SELECT COUNT(*) FROM accounts WHERE id = ${id}`), 1);
  const yes = await admin(srv.d, ['delete', 'del-me', '--yes']);
  assert.equal(yes.code, 0, yes.err);
  assert.match(yes.out, /deleted; its username is held for 30 days/);
  assert.equal(scalar(srv.d, `SELECT COUNT(*) FROM accounts WHERE id = ${id}`), 0);
  assert.equal(scalar(srv.d, `SELECT COUNT(*) FROM sessions WHERE account_id = ${id}`), 0);
  assert.equal(scalar(srv.d, "SELECT COUNT(*) FROM audit WHERE event = 'account_deleted' AND detail LIKE '%by=admin'"), 1);
  await waitFor(async () => (await srv.sim.messages('del-me@example.com')).some((m) => m.subject === '您的 DaoCloud 账号已删除'), 'the confirmation');
  const { res } = await signupClient(srv.d.base, { email: 'y@example.com', username: 'del-me' });
  assert.equal(res.page.errors.username, zh('signup.err.username_taken'));
});

test('mail dead and mail retry', async () => {
  await srv.sim.smtpMode('permfail');
  await account(srv.d, srv.sim, 'mia', { verify: false });
  await waitFor(() => scalar(srv.d, "SELECT COUNT(*) FROM outbox WHERE rcpt = 'mia@example.com' AND status = 'dead'") === 1, 'the dead mail');
  const dead = await admin(srv.d, ['mail', 'dead']);
  assert.equal(dead.code, 0);
  assert.match(dead.out, /^ID\s+KIND\s+TO/);
  assert.match(dead.out, /verify\s+mia@example.com\s+1\s+/);
  const id = scalar(srv.d, "SELECT id FROM outbox WHERE rcpt = 'mia@example.com'");

  await srv.sim.smtpMode('up');
  assert.equal((await admin(srv.d, ['mail', 'retry', '999999'])).code, 1, 'no such dead mail');
  const retry = await admin(srv.d, ['mail', 'retry', String(id)]);
  assert.equal(retry.code, 0);
  assert.match(retry.out, /1 mail\(s\) queued again/);
  const [m] = await srv.sim.waitMail('mia@example.com');
  assert.match(m.subject, /验证您的 DaoCloud 邮箱/);
  await waitFor(() => scalar(srv.d, `SELECT COUNT(*) FROM outbox WHERE id = ${id} AND status = 'sent'`) === 1, 'sent');
  assert.match((await admin(srv.d, ['mail', 'dead'])).out, /no dead mails/);
});

test('release-username: a deleted account\'s hold ends, audited; a name nobody holds is refused', async () => {
  // no registry configured here: nothing to check (registry.test.mjs has the refusals)
  await account(srv.d, srv.sim, 'rel-me');
  assert.equal((await admin(srv.d, ['delete', 'rel-me', '--yes'])).code, 0);
  const r = await admin(srv.d, ['release-username', 'rel-me']);
  assert.equal(r.code, 0, r.err);
  assert.match(r.out, /username rel-me released/);
  assert.equal(scalar(srv.d, "SELECT COUNT(*) FROM held_usernames WHERE username = 'rel-me'"), 0);
  assert.equal(scalar(srv.d, "SELECT COUNT(*) FROM audit WHERE event = 'username_released' AND detail = 'username=rel-me' AND account_id IS NULL"), 1);
  const again = await admin(srv.d, ['release-username', 'rel-me']);
  assert.equal(again.code, 1);
  assert.match(again.err, /rel-me is not held by a deleted account/);
  const { res } = await signupClient(srv.d.base, { email: 'rel2@example.com', username: 'rel-me' });
  assert.equal(res.status, 303, 'the name can be taken again');
});

test('usage errors', async () => {
  for (const args of [[], ['frobnicate'], ['find'], ['mail'], ['mail', 'retry', 'x'], ['show', 'a', 'b', 'c', 'd'], ['release-username']]) {
    const r = await admin(srv.d, args);
    assert.equal(r.code, 2, args.join(' '));
    assert.match(r.err, /usage: daoid admin/);
  }
});
