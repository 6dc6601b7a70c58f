// Forgotten passwords (issue: console, item 7): one answer (page, status and about the same
// time) whether or not an account uses the address; a mail with a one-hour, single-use link
// built from public_url; the new password ends every session and signs nobody in; expired,
// used, mangled and stale links; limits per address (silent) and per IP.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { useServers, newPage, PASSWORD, waitFor } from './lib/harness.mjs';
import { account, signedIn, clientSignIn, mailLink, scalar, nextIp } from './lib/console.mjs';
import { Client, catalog, submitClick, fieldErrors } from './lib/forms.mjs';

const zh = catalog('zh-CN');
const en = catalog('en');
const NEW_PASSWORD = 'a brand new passphrase 5';
// daoid's own argon2id cost: the timing check below weighs the two paths against one hash
const srv = useServers({ env: { DAOID_TRUSTED_PROXIES: '127.0.0.1', DAOID_LIMIT_RESET_ADDRESS: '2/1h', DAOID_LIMIT_RESET_IP: '6/1h',
  DAOID_ARGON2_MEMORY_KIB: null, DAOID_ARGON2_ITERATIONS: null } });

// Posts the forgot form for email from a fresh client at its own address; returns the answer
// and how long it took (ms).
async function forgot(email, { ip = nextIp(), lang } = {}) {
  const c = new Client(srv.d.base, { lang, headers: { 'X-Forwarded-For': ip } });
  const form = await c.get('/password/forgot');
  const t0 = process.hrtime.bigint();
  const r = await c.post('/password/forgot', { csrf: form.page.csrf, email });
  return { r, ms: Number(process.hrtime.bigint() - t0) / 1e6 };
}

// A wrong password's sign-in to username (one argon2id verification) from its own address: ms.
async function wrongSignIn(username) {
  const c = new Client(srv.d.base, { headers: { 'X-Forwarded-For': nextIp() } });
  const form = await c.get('/login');
  const t0 = process.hrtime.bigint();
  const r = await c.post('/login', { csrf: form.page.csrf, identifier: username, password: 'not the password 7' });
  assert.equal(r.status, 401);
  return Number(process.hrtime.bigint() - t0) / 1e6;
}

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

// The reset mails to address, newest first, once there are n of them; their links.
function resetMails(address, n = 1) {
  return waitFor(async () => {
    const m = (await srv.sim.messages(address)).filter((x) => /\/password\/reset/.test(x.text));
    return m.length >= n ? m : null;
  }, `${n} reset mail(s) to ${address}`);
}
async function resetLinks(address, n) {
  return (await resetMails(address, n)).map((m) => mailLink(m, '/password/reset'));
}
const pathOf = (link) => new URL(link).pathname + new URL(link).search;
const tokenOf = (link) => new URL(link).searchParams.get('token');


test('known and unknown addresses get the same answer, after about the same time; only the known one gets mail', async () => {
  await account(srv.d, srv.sim, 'rita');
  const known = await forgot('rita@example.com');
  const unknown = await forgot('nobody-here@example.com');
  assert.equal(known.r.status, 200);
  assert.equal(unknown.r.status, known.r.status);
  const strip = (r, email) => r.text.replaceAll(email, '…').replace(/name="csrf" value="[^"]*"/g, '');
  assert.equal(strip(known.r, 'rita@example.com'), strip(unknown.r, 'nobody-here@example.com'), 'the pages differ only in the echoed address');
  assert.equal(known.r.page.notice, zh('forgot.sent', { email: 'rita@example.com', duration: '1 小时' }));

  const [mail] = await resetMails('rita@example.com');
  assert.equal(mail.subject, '重置您的 DaoCloud 密码');
  const link = mailLink(mail, '/password/reset');
  assert.ok(link.startsWith(srv.d.base + '/password/reset?token='), 'built from public_url');
  assert.ok(mail.html.includes(link), 'the button carries the same link');
  assert.equal((await srv.sim.messages('nobody-here@example.com')).length, 0);
  assert.equal(scalar(srv.d, "SELECT expires_at - created_at FROM tokens WHERE kind = 'reset'"), 3600, 'one hour');

  // timing. What reset.c guarantees: both paths do the same work (render the mail, one
  // transaction of three writes) and end no sooner than a 20 ms floor. Each sample is checked
  // against the floor (load only adds to it). The two paths are compared in interleaved pairs
  // (order alternating), so load on the machine weighs on both sides of a pair alike, by the
  // median of the pairs' differences, against half the time of one argon2id verification
  // measured in the same rounds (a wrong password's sign-in): a path that did one hash more
  // than the other would stand out by a whole one, however busy the machine.
  const diffs = [], hashes = [], all = [];
  for (let i = 0; i < 12; i++) {
    await account(srv.d, srv.sim, `timing${i}`, { verify: false });
    const pair = {};
    for (const side of i % 2 ? ['unknown', 'known'] : ['known', 'unknown'])
      pair[side] = (await forgot(side === 'known' ? `timing${i}@example.com` : `nobody${i}@example.com`)).ms;
    diffs.push(pair.known - pair.unknown);
    all.push(pair.known, pair.unknown);
    hashes.push(await wrongSignIn(`timing${i}`));
  }
  const md = median(diffs), mh = median(hashes);
  console.log(`reset request: known − unknown median ${md.toFixed(2)} ms over ${diffs.length} pairs; one hash's sign-in ${mh.toFixed(2)} ms; fastest answer ${Math.min(...all).toFixed(2)} ms`);
  assert.ok(Math.min(...all) >= 20, `every answer waits for the 20 ms floor (${all.map((x) => x.toFixed(1))})`);
  assert.ok(Math.abs(md) < mh / 2, `known − unknown: median ${md} ms, against half of one hash's ${mh} ms`);

  // bad input gets a message, and the same for everyone
  const bad = await forgot('not an address');
  assert.equal(bad.r.status, 400);
  assert.equal(bad.r.page.errors.email, zh('signup.err.email_invalid'));
});

test('the link sets a new password once, ends every session and signs nobody in', async () => {
  await account(srv.d, srv.sim, 'rob');
  const a = await signedIn(srv.d, 'rob');
  const b = await signedIn(srv.d, 'rob');
  const { ctx, page } = await newPage({ locale: 'en-US' });
  await page.goto(srv.d.base + '/login');
  await page.click('#forgot-link');
  await page.waitForURL(/\/password\/forgot$/);
  await page.fill('#email', 'ROB@example.com');
  await Promise.all([page.waitForResponse((r) => r.request().method() === 'POST'), page.click('#send-reset')]);
  assert.equal(await page.textContent('#notice'), en('forgot.sent', { email: 'ROB@example.com', duration: '1 hour' }));
  const mails = await resetMails('rob@example.com');
  assert.equal(mails[0].subject, 'Reset your DaoCloud password');
  const link = mailLink(mails[0], '/password/reset');

  const res = await page.goto(link);
  // the last policy given wins: the token never leaves the site in a Referer
  assert.equal(res.headers()['referrer-policy'].split(/[\n,]\s*/).pop(), 'same-origin');
  assert.match(await page.textContent('main'), /Choose a new password for rob/);
  await page.fill('#password', 'rob');
  assert.equal((await submitClick(page, '#set-password')).status(), 400);
  assert.deepEqual(await fieldErrors(page), { password: en('signup.err.password_short', { pw_min: 8 }) });
  await page.fill('#password', NEW_PASSWORD);
  const done = await submitClick(page, '#set-password');
  assert.equal(done.status(), 200);
  assert.equal(await page.textContent('#notice-title'), en('reset.ok.title'));
  assert.equal(await page.getAttribute('#notice-link', 'href'), '/login');

  assert.equal((await page.request.get(srv.d.base + '/api/v1/me')).status(), 401, 'not signed in automatically');
  assert.equal((await a.page.request.get(srv.d.base + '/api/v1/me')).status(), 401, 'sessions ended');
  assert.equal((await b.page.request.get(srv.d.base + '/api/v1/me')).status(), 401);
  assert.equal(scalar(srv.d, "SELECT COUNT(*) FROM sessions WHERE account_id = (SELECT id FROM accounts WHERE username = 'rob')"), 0);
  assert.equal((await clientSignIn(srv.d, 'rob', PASSWORD)).res.status, 401);
  assert.equal((await clientSignIn(srv.d, 'rob', NEW_PASSWORD)).res.status, 303);
  const notice = await waitFor(async () => (await srv.sim.messages('rob@example.com')).find((m) => m.subject === 'Your DaoCloud password was changed'), 'the notice');
  assert.ok(notice);

  // single use
  await page.goto(link);
  assert.equal(await page.textContent('#notice-message'), en('reset.err.used'));
  assert.equal(await page.getAttribute('#notice-link', 'href'), '/password/forgot');
  const c = new Client(srv.d.base);
  const form = await c.get('/password/forgot');
  const token = new URL(link).searchParams.get('token');
  const again = await c.post('/password/reset', { csrf: form.page.csrf, token, password: 'yet another pass 99' });
  assert.equal(again.status, 410);
  assert.equal((await clientSignIn(srv.d, 'rob', 'yet another pass 99')).res.status, 401);
  await ctx.close();
  await a.ctx.close();
  await b.ctx.close();
});

test('expired, mangled and stale links are refused; completing one link uses up the others', async () => {
  const c = new Client(srv.d.base);
  assert.equal((await c.get('/password/reset?token=nonsense')).status, 404);

  await account(srv.d, srv.sim, 'ria');
  await forgot('ria@example.com');
  const [link] = await resetLinks('ria@example.com', 1);
  const mangled = await c.get(pathOf(link).slice(0, -2) + 'xx');
  assert.equal(mangled.status, 404);
  assert.equal(mangled.page.noticeMessage, zh('reset.err.unknown'));
  assert.equal((await c.get(pathOf(link))).status, 200, 'good for now');
  srv.d.sql(`UPDATE tokens SET expires_at = ${Math.floor(Date.now() / 1000) - 1} WHERE kind = 'reset'
         AND account_id = (SELECT id FROM accounts WHERE username = 'ria')`); // an hour later
  const expired = await c.get(pathOf(link));
  assert.equal(expired.status, 410);
  assert.equal(expired.page.noticeMessage, zh('reset.err.expired'));
  const form = await c.get('/password/forgot');
  const late = await c.post('/password/reset', { csrf: form.page.csrf, token: tokenOf(link), password: NEW_PASSWORD });
  assert.equal(late.status, 410);
  assert.equal((await clientSignIn(srv.d, 'ria', PASSWORD)).res.status, 303, 'the password stayed');

  // the account changes its address: a link sent to the old one no longer works
  await account(srv.d, srv.sim, 'rex');
  await forgot('rex@example.com');
  const [rexLink] = await resetLinks('rex@example.com', 1);
  srv.d.sql("UPDATE accounts SET email = 'rex2@example.com', email_norm = 'rex2@example.com' WHERE username = 'rex'");
  const stale = await c.get(pathOf(rexLink));
  assert.equal(stale.status, 410);
  assert.equal(stale.page.noticeMessage, zh('reset.err.stale'));

  // two links; the newer one is used; the older one stops working with it
  await account(srv.d, srv.sim, 'ray');
  await forgot('ray@example.com');
  await forgot('ray@example.com');
  const [newer, older] = await resetLinks('ray@example.com', 2);
  const p = await c.get(pathOf(newer));
  const done = await c.post('/password/reset', { csrf: p.page.csrf, token: tokenOf(newer), password: NEW_PASSWORD });
  assert.equal(done.status, 200);
  const used = await c.get(pathOf(older));
  assert.equal(used.status, 410);
  assert.equal(used.page.noticeMessage, zh('reset.err.used'));
});

test('an unverified address that receives the link is verified by using it', async () => {
  await account(srv.d, srv.sim, 'uma', { verify: false });
  await forgot('uma@example.com');
  const [link] = await resetLinks('uma@example.com', 1);
  const c = new Client(srv.d.base);
  const p = await c.get(new URL(link).pathname + new URL(link).search);
  const r = await c.post('/password/reset', { csrf: p.page.csrf, token: new URL(link).searchParams.get('token'), password: NEW_PASSWORD });
  assert.equal(r.status, 200);
  assert.deepEqual(srv.d.sql("SELECT email_verified FROM accounts WHERE username = 'uma'"), [['1']]);
});

test('limits: per address without a word (no more mail), per IP with a message', async () => {
  await account(srv.d, srv.sim, 'lou', { verify: false });
  const answers = [];
  for (let i = 0; i < 4; i++) answers.push((await forgot('lou@example.com')).r);
  assert.ok(answers.every((r) => r.status === 200 && r.page.notice === answers[0].page.notice), 'the same answer every time');
  await waitFor(async () => (await srv.sim.messages('lou@example.com')).filter((x) => /\/password\/reset/.test(x.text)).length === 2, 'two reset mails');
  // a moment later still two: the third and fourth were not sent
  assert.equal(scalar(srv.d, "SELECT COUNT(*) FROM tokens WHERE kind = 'reset' AND account_id = (SELECT id FROM accounts WHERE username = 'lou')"), 2);

  const ip = nextIp();
  const statuses = [];
  for (let i = 0; i < 7; i++) statuses.push((await forgot(`someone${i}@example.com`, { ip })).r);
  assert.deepEqual(statuses.map((r) => r.status), [200, 200, 200, 200, 200, 200, 429]);
  assert.equal(statuses[6].page.errors.email, zh('forgot.err.limited'));
});
