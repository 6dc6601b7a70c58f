// Two-step sign-in (issue 16): the authenticator app set up on /settings/security (QR, secret,
// a first code), sign-in by password then code through the browser-bound two-step row (no
// session before the code), a code used once, recovery codes single use, the captcha after
// failures, `daoid admin reset-2fa`; passkeys with Chromium's virtual authenticator (CDP
// WebAuthn, ctap2, resident keys, user verification): add, sign in (discoverable), remove.
// One daoid for the file; public_url is http://localhost:PORT (an RP ID must be a name).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { useServers, browser, PASSWORD } from './lib/harness.mjs';
import { account, admin, clientSignIn, csrfOf, nextIp, scalar } from './lib/console.mjs';
import { Client } from './lib/forms.mjs';

const srv = useServers({ localhost: true });

function unb32(s) {
  const A = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';
  let bits = 0, v = 0; const out = [];
  for (const ch of s.toUpperCase()) { v = (v << 5) | A.indexOf(ch); bits += 5; if (bits >= 8) { out.push((v >>> (bits - 8)) & 255); bits -= 8; } }
  return Buffer.from(out);
}
// The app's code for a step (RFC 6238, SHA-1, 6 digits, 30 s).
function totp(secret, step = Math.floor(Date.now() / 1000 / 30)) {
  const msg = Buffer.alloc(8); msg.writeBigUInt64BE(BigInt(step));
  const mac = createHmac('sha1', unb32(secret)).update(msg).digest();
  const off = mac[mac.length - 1] & 15;
  return String((mac.readUInt32BE(off) & 0x7fffffff) % 1e6).padStart(6, '0');
}
const idOf = (u) => scalar(srv.d, `SELECT id FROM accounts WHERE username = '${u}'`);

// Sets the app up for a signed-in client; returns its secret and the recovery codes shown.
async function setUpApp(c) {
  const r = await c.post('/settings/security/totp', { csrf: await csrfOf(c, '/settings/security') });
  assert.equal(r.status, 200);
  const secret = /id="totp-secret">([A-Z2-7]+)</.exec(r.text)[1];
  assert.match(r.text, /<svg[^>]*role="img"/);
  const ok = await c.post('/settings/security/totp/confirm', { csrf: r.page.csrf, code: totp(secret) });
  assert.equal(ok.status, 200, ok.page.formError || '');
  const codes = [...ok.text.matchAll(/<li><code>([a-z2-7]{5}-[a-z2-7]{5})<\/code><\/li>/g)].map((m) => m[1]);
  assert.equal(codes.length, 10);
  return { secret, codes };
}

// Password sign-in up to the second step: the client (two-step cookie, no session).
async function firstStep(username) {
  const { client, res } = await clientSignIn({ base: srv.base }, username);
  assert.equal(res.status, 303);
  assert.equal(res.location, '/login/2fa');
  assert.equal((await client.get('/api/v1/me')).status, 401, 'not signed in between the steps');
  return client;
}

test('authenticator app: set-up, two-step sign-in, each code once, recovery codes once, admin reset', async () => {
  const c = await account({ base: srv.base }, srv.sim, 'tessa');
  c.base = srv.base;
  const { secret, codes } = await setUpApp(c);
  const id = idOf('tessa');
  assert.equal(scalar(srv.d, `SELECT COUNT(*) FROM recovery_codes WHERE account_id = ${id}`), 10);
  assert.doesNotMatch(srv.d.sql(`SELECT secret_ct FROM totp_secrets WHERE account_id = ${id}`)[0][0], new RegExp(secret));
  await srv.sim.waitMail('tessa@example.com', 2);

  // wrong code: refused, still not signed in
  let two = await firstStep('tessa');
  let f = await two.get('/login/2fa');
  assert.equal(f.status, 200);
  let r = await two.post('/login/2fa', { csrf: f.page.csrf, code: '000000' === totp(secret) ? '111111' : '000000' });
  assert.equal(r.status, 401);
  assert.equal((await two.get('/api/v1/me')).status, 401);
  // the step's code: signed in as "pwd otp mfa"
  const step = Math.floor(Date.now() / 1000 / 30) + 1; // the next step: the set-up used this one
  r = await two.post('/login/2fa', { csrf: r.page.csrf, code: totp(secret, step) });
  assert.equal(r.status, 303, r.page.formError || '');
  assert.equal((await two.get('/api/v1/me')).status, 200);
  assert.equal(srv.d.sql(`SELECT amr FROM sessions WHERE account_id = ${id} ORDER BY created_at DESC LIMIT 1`)[0][0], 'pwd otp mfa');
  // the two-step row is gone with its use
  assert.equal((await two.get('/login/2fa')).status, 410);

  // the same code again, in another sign-in: refused (each code once)
  two = await firstStep('tessa');
  f = await two.get('/login/2fa');
  r = await two.post('/login/2fa', { csrf: f.page.csrf, code: totp(secret, step) });
  assert.equal(r.status, 401);
  assert.match(r.page.formError, /已使用|already/);
  // two steps away: refused
  r = await two.post('/login/2fa', { csrf: r.page.csrf, code: totp(secret, step + 2) });
  assert.equal(r.status, 401);
  // a recovery code: in, once
  r = await two.post('/login/2fa', { csrf: r.page.csrf, code: codes[0].toUpperCase(), captcha_id: r.page.captchaId || undefined, captcha: r.page.captchaId ? 'TEST7' : undefined });
  assert.equal(r.status, 303, r.page.formError || '');
  two = await firstStep('tessa');
  f = await two.get('/login/2fa');
  r = await two.post('/login/2fa', { csrf: f.page.csrf, code: codes[0] });
  assert.equal(r.status, 401, 'a recovery code works once');
  assert.equal(scalar(srv.d, `SELECT COUNT(*) FROM audit WHERE account_id = ${id} AND event = 'recovery_code_used'`), 1);

  // an operator resets: a password is enough again
  const a = await admin(srv.d, ['reset-2fa', 'tessa']);
  assert.equal(a.code, 0, a.err);
  assert.equal(scalar(srv.d, `SELECT COUNT(*) FROM audit WHERE account_id = ${id} AND event = 'mfa_reset'`), 1);
  const { res } = await clientSignIn({ base: srv.base }, 'tessa');
  assert.equal(res.location, '/console');
});

test('passkeys: add one with the virtual authenticator, sign out, sign in with it (discoverable), remove it', async () => {
  const c = await account({ base: srv.base }, srv.sim, 'pia');
  const b = await browser();
  const ctx = await b.newContext({ locale: 'en', extraHTTPHeaders: { 'X-Forwarded-For': nextIp() } });
  const page = await ctx.newPage();
  const cdp = await ctx.newCDPSession(page);
  await cdp.send('WebAuthn.enable');
  await cdp.send('WebAuthn.addVirtualAuthenticator', {
    options: { protocol: 'ctap2', transport: 'internal', hasResidentKey: true, hasUserVerification: true, isUserVerified: true, automaticPresenceSimulation: true },
  });
  // sign in by password in the browser (the session cookie is this context's)
  await page.goto(srv.base + '/login');
  await page.fill('#identifier', 'pia');
  await page.fill('#password', PASSWORD);
  await Promise.all([page.waitForURL(/\/console$/), page.click('#signin')]);
  await page.goto(srv.base + '/settings/security');
  await page.fill('#passkey-name', 'laptop');
  await page.click('#passkey-add-btn');
  // the first factor: its recovery codes are shown once, then the page goes on
  await page.waitForSelector('#passkey-codes', { state: 'visible' });
  await Promise.all([page.waitForURL(/done=passkey_added/), page.click('#passkey-codes-done')]);
  assert.match(await page.textContent('#passkey-list'), /laptop/);
  const id = idOf('pia');
  assert.equal(scalar(srv.d, `SELECT COUNT(*) FROM passkeys WHERE account_id = ${id}`), 1);

  // sign out, then in with the passkey and no username typed: the browser's autofill
  // (conditional mediation; the virtual authenticator answers it at once) ...
  const signOut = async () => page.request.post(srv.base + '/logout', { form: { csrf: await page.inputValue('input[name=csrf]') } });
  await signOut();
  await Promise.all([page.waitForURL(/\/console$/), page.goto(srv.base + '/login')]);
  assert.match(srv.d.sql(`SELECT amr FROM sessions WHERE account_id = ${id} ORDER BY created_at DESC LIMIT 1`)[0][0], /^(hwk|swk) user mfa$/);
  // ... and the "sign in with a passkey" button (the page without the autofill field)
  await signOut();
  await page.route(srv.base + '/login', async (route) => {
    if (route.request().method() !== 'GET') return route.continue();
    const res = await route.fetch();
    route.fulfill({ response: res, body: (await res.text()).replace('username webauthn', 'username') });
  });
  await page.goto(srv.base + '/login');
  await Promise.all([page.waitForURL(/\/console$/), page.click('#passkey-login')]);
  await page.unroute(srv.base + '/login');
  assert.match(srv.d.sql(`SELECT amr FROM sessions WHERE account_id = ${id} ORDER BY created_at DESC LIMIT 1`)[0][0], /^(hwk|swk) user mfa$/);
  assert.ok(scalar(srv.d, `SELECT COUNT(*) FROM passkeys WHERE account_id = ${id} AND last_used_at IS NOT NULL`) === 1);

  // a password sign-in now asks for the second step; the passkey answers it (the password
  // typed without JavaScript's autofill, which would sign in first)
  await signOut();
  const plain = await ctx.newPage(); // no authenticator here: nothing answers the autofill
  await plain.goto(srv.base + '/login');
  await plain.fill('#identifier', 'pia');
  await plain.fill('#password', PASSWORD);
  await Promise.all([plain.waitForURL(/\/login\/2fa$/), plain.click('#signin')]);
  await plain.close();
  await page.goto(srv.base + '/login/2fa');
  await Promise.all([page.waitForURL(/\/console$/), page.click('#mfa-passkey')]);
  assert.match(srv.d.sql(`SELECT amr FROM sessions WHERE account_id = ${id} ORDER BY created_at DESC LIMIT 1`)[0][0], /^pwd (hwk|swk) user mfa$/);

  // remove it (signed in with a factor, recently)
  await page.goto(srv.base + '/settings/security');
  const pk = scalar(srv.d, `SELECT id FROM passkeys WHERE account_id = ${id}`);
  await Promise.all([page.waitForURL(/done=passkey_removed/), page.click(`#remove-${pk}`)]);
  assert.equal(scalar(srv.d, `SELECT COUNT(*) FROM passkeys WHERE account_id = ${id}`), 0);
  assert.equal(scalar(srv.d, `SELECT COUNT(*) FROM audit WHERE account_id = ${id} AND event IN ('passkey_added', 'passkey_removed')`), 2);
  await ctx.close();
  void c;
});
