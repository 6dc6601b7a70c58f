// Passkeys refused by the server (issue 16), asserted through the running daoid with
// assertions forged in node (lib/webauthn.mjs: ES256 keys, one thing wrong at a time, the rest
// valid — each case beside one that succeeds): a challenge used twice, an expired challenge
// (its row's expiry moved into the past: no waiting), another account's credential in this
// account's ceremony, a signature counter that went backwards (refused with
// passkey_counter_strict = 1, signed in and audited with 0: a second daoid on the same
// database), a challenge begun in another browser (the cookie binds it). Nothing is signed in
// after a refusal. One daoid for the file; public_url is http://localhost:PORT (an RP ID must
// be a name). In the browser (Chromium's virtual authenticator over CDP): a security key
// without resident credentials signs in with the username typed first (allowCredentials);
// sign-up with a passkey instead of a password; the recovery codes shown with a first passkey.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { startDaoid, useServers, waitFor, browser, linkIn, CAPTCHA, PASSWORD } from './lib/harness.mjs';
import { account, axeProblems, clientSignIn, csrfOf, nextIp, scalar } from './lib/console.mjs';
import { Client } from './lib/forms.mjs';
import { newCredential, attestation, assertion } from './lib/webauthn.mjs';

const srv = useServers({ localhost: true });
const RP = 'localhost';

const idOf = (u) => scalar(srv.d, `SELECT id FROM accounts WHERE username = '${u}'`);
const json = (r) => JSON.parse(r.text);

// Adds cred as a passkey of the signed-in client c: the finish's answer and the begin's options.
async function addPasskey(c, name, cred) {
  const csrf = await csrfOf(c, '/settings/security');
  const b = await c.post('/settings/security/passkeys/begin', { csrf, name });
  assert.equal(b.status, 200, b.text);
  const options = json(b);
  const res = await c.post('/settings/security/passkeys/finish', { csrf, ...attestation(cred, options, srv.base) });
  return { res, options };
}

// A browser with no session: a client from an address of its own and its csrf field.
async function anonymous(b = srv.base) {
  const c = new Client(b, { headers: { 'X-Forwarded-For': nextIp() } });
  c.csrf = await csrfOf(c, '/login');
  return c;
}
async function begin(c) {
  const r = await c.post('/passkey/login/begin', { csrf: c.csrf });
  assert.equal(r.status, 200, r.text);
  return json(r).publicKey;
}
const finish = (c, fields) => c.post('/passkey/login/finish', { csrf: c.csrf, ...fields });
// Refused with code, and nothing signed in.
async function refused(c, r, code, msg) {
  assert.equal(r.status, 403, `${msg}: ${r.text}`);
  assert.deepEqual(json(r), { error: code }, msg);
  assert.equal(c.jar.has('session'), false, `${msg}: no session cookie`);
  assert.equal((await c.get('/api/v1/me')).status, 401, `${msg}: not signed in`);
}
async function signedIn(c, r, username, msg) {
  assert.equal(r.status, 200, `${msg}: ${r.text}`);
  const me = await c.get('/api/v1/me');
  assert.equal(me.status, 200, msg);
  assert.equal(JSON.parse(me.text).username, username, msg);
}

const anna = { cred: newCredential(), counter: 0 };
const ben = { cred: newCredential(), counter: 0 };
// The next assertion of who's credential over the challenge of options pk.
const next = (who, pk, extra = {}) => assertion(who.cred, { challenge: pk.challenge, rpId: RP, origin: srv.base, counter: ++who.counter, userHandle: who.handle, ...extra });

const codeHashes = (u) => srv.d.sql(`SELECT code_hash FROM recovery_codes WHERE account_id = ${idOf(u)} ORDER BY code_hash`).flat().join();

test('set-up: two accounts with a forged passkey each, recovery codes with the first; one signs in with it', async () => {
  for (const [name, who] of [['anna', anna], ['ben', ben]]) {
    const c = await account({ base: srv.base }, srv.sim, name);
    const { res, options } = await addPasskey(c, 'key', who.cred);
    assert.equal(res.status, 200, res.text);
    // the first factor: ten recovery codes come with it, shown once (the answer), kept hashed
    const { next: to, codes } = json(res);
    assert.equal(to, '/settings/security?done=passkey_added');
    assert.equal(codes.length, 10);
    for (const k of codes) assert.match(k, /^[a-z2-7]{5}-[a-z2-7]{5}$/);
    assert.equal(new Set(codes).size, 10);
    assert.equal(scalar(srv.d, `SELECT COUNT(*) FROM recovery_codes WHERE account_id = ${idOf(name)} AND used_at IS NULL`), 10);
    assert.doesNotMatch(codeHashes(name), new RegExp(codes[0].replace('-', '-?')));
    who.handle = options.publicKey.user.id;
    who.password = c;
  }
  assert.notEqual(anna.handle, ben.handle);
  // with a factor on the account, the password's session may add no other passkey: it is
  // asked to confirm with a factor first
  const weak = await anna.password.post('/settings/security/passkeys/begin', { csrf: await csrfOf(anna.password, '/settings/security'), name: 'spare' });
  assert.equal(weak.status, 303);
  assert.match(weak.location, /\/reauth\?next=/);
  // a passkey sign-in each: discoverable (no username, no credentials listed), two factors
  for (const [name, who] of [['anna', anna], ['ben', ben]]) {
    const c = await anonymous();
    const pk = await begin(c);
    assert.deepEqual(pk.allowCredentials, [], 'discoverable: no username, no credentials listed');
    await signedIn(c, await finish(c, next(who, pk)), name, 'a valid assertion');
    assert.match(srv.d.sql(`SELECT amr FROM sessions WHERE account_id = ${idOf(name)} ORDER BY created_at DESC LIMIT 1`)[0][0], /^hwk user mfa$/);
    who.client = c;
  }
  // a second passkey: no new codes, the first ones still stand
  const before = codeHashes('anna');
  const { res } = await addPasskey(anna.client, 'spare', newCredential());
  assert.equal(res.status, 200, res.text);
  assert.deepEqual(json(res), { next: '/settings/security?done=passkey_added' });
  assert.equal(codeHashes('anna'), before);
});

test('refused: a credential id registered by another account', async () => {
  const { res } = await addPasskey(ben.client, 'stolen', anna.cred);
  assert.equal(res.status, 403, res.text);
  assert.deepEqual(json(res), { error: 'taken' });
  assert.equal(scalar(srv.d, `SELECT COUNT(*) FROM passkeys WHERE account_id = ${idOf('ben')}`), 1);
});

test('refused: a challenge used twice (a fresh signature over it, with its cookie again)', async () => {
  const c = await anonymous();
  const pk = await begin(c);
  const tok = c.jar.get('webauthn');
  await signedIn(c, await finish(c, next(anna, pk)), 'anna', 'the first use');
  const again = await anonymous();
  again.jar.set('webauthn', tok);
  await refused(again, await finish(again, next(anna, pk)), 'expired', 'the challenge again');
});

test('refused: an expired challenge (its expiry moved into the past)', async () => {
  const c = await anonymous();
  const pk = await begin(c);
  const now = Math.floor(Date.now() / 1000);
  // created 5 minutes and a second ago: expired a second ago (the sweep would take it later)
  srv.d.sql(`UPDATE webauthn_challenges SET created_at = ${now - 301}, expires_at = ${now - 1} WHERE challenge = '${pk.challenge}'`);
  assert.equal(scalar(srv.d, `SELECT COUNT(*) FROM webauthn_challenges WHERE challenge = '${pk.challenge}'`), 1);
  await refused(c, await finish(c, next(anna, pk)), 'expired', 'an expired challenge');
  // the same, a second before its expiry: in
  const c2 = await anonymous();
  const pk2 = await begin(c2);
  srv.d.sql(`UPDATE webauthn_challenges SET created_at = ${now - 299}, expires_at = ${now + 60} WHERE challenge = '${pk2.challenge}'`);
  await signedIn(c2, await finish(c2, next(anna, pk2)), 'anna', 'a challenge still live');
});

test("refused: another account's credential in this account's ceremony", async () => {
  // ben's password sign-in asks for his passkey: the challenge is his (his credentials allowed)
  const { client: c, res } = await clientSignIn({ base: srv.base }, 'ben');
  assert.equal(res.location, '/login/2fa');
  c.csrf = await csrfOf(c, '/login/2fa');
  let pk = await begin(c);
  assert.deepEqual(pk.allowCredentials.map((x) => x.id), [ben.cred.id.toString('base64url')]);
  // anna's passkey, validly signed over ben's challenge
  await refused(c, await finish(c, next(anna, pk)), 'unknown', "anna's credential for ben's second step");
  assert.equal(c.jar.has('mfa'), true, "ben's two-step state is still his");
  // his own: in, as ben, with both factors
  pk = await begin(c);
  await signedIn(c, await finish(c, next(ben, pk)), 'ben', "ben's own passkey");
  assert.equal(srv.d.sql(`SELECT amr FROM sessions WHERE account_id = ${idOf('ben')} ORDER BY created_at DESC LIMIT 1`)[0][0], 'pwd hwk user mfa');

  // discoverable: anna's credential with ben's user handle (the authenticator says whose it is)
  const a = await anonymous();
  pk = await begin(a);
  await refused(a, await finish(a, next(anna, pk, { userHandle: ben.handle })), 'unknown', "anna's credential with ben's user handle");
});

test('refused: a challenge begun in another browser (the cookie binds it)', async () => {
  const x = await anonymous();
  const y = await anonymous();
  const px = await begin(x);
  const py = await begin(y);
  assert.notEqual(px.challenge, py.challenge);
  // y answers x's challenge: with its own cookie (its own challenge), and with none
  await refused(y, await finish(y, next(anna, px)), 'refused', "x's challenge with y's cookie");
  const z = await anonymous();
  await refused(z, await finish(z, next(anna, px)), 'expired', "x's challenge with no cookie");
  // x's own browser: the same kind of answer goes in
  await signedIn(x, await finish(x, next(anna, px)), 'anna', "x's challenge in x");
});

test('a signature counter that went backwards: refused (passkey_counter_strict = 1), or audited (0)', async () => {
  const id = idOf('anna');
  const counterEvents = () => scalar(srv.d, `SELECT COUNT(*) FROM audit WHERE account_id = ${id} AND event = 'passkey_counter'`);
  const stored = () => scalar(srv.d, `SELECT sign_count FROM passkeys WHERE account_id = ${id}`);
  const top = stored();
  assert.ok(top > 1, `a counter stored (${top})`);
  let c = await anonymous();
  let pk = await begin(c);
  await refused(c, await finish(c, next(anna, pk, { counter: top - 1 })), 'counter', 'a counter below the stored one');
  assert.equal(counterEvents(), 1);
  c = await anonymous();
  pk = await begin(c);
  await refused(c, await finish(c, next(anna, pk, { counter: top })), 'counter', 'the stored counter again');
  assert.equal(stored(), top, 'the counter did not move');

  // a daoid on the same database with passkey_counter_strict = 0: in, and audited
  const lax = await startDaoid({
    devsim: srv.sim,
    env: { DAOID_DATABASE: srv.d.env.DAOID_DATABASE, DAOID_PUBLIC_URL: srv.base, DAOID_TRUSTED_PROXIES: '127.0.0.1', DAOID_PASSKEY_COUNTER_STRICT: '0' },
  });
  try {
    c = await anonymous(lax.base);
    pk = await begin(c);
    await signedIn(c, await finish(c, next(anna, pk, { counter: top - 1 })), 'anna', 'a counter below, not strict');
    assert.equal(counterEvents(), 3);
    assert.equal(stored(), top, 'the counter stays at its highest');
    await waitFor(() => /signature counter went backwards/.test(lax.proc.err + lax.proc.out), 'the warning in the log');
  } finally {
    await lax.stop();
  }
});

test('username first: the account\'s credentials listed; a name without passkeys gets the same made-up one each time', async () => {
  const c = await anonymous();
  const r = await c.post('/passkey/login/begin', { csrf: c.csrf, identifier: ' Anna ' });
  assert.equal(r.status, 200, r.text);
  const pk = json(r).publicKey;
  const annaIds = srv.d.sql(`SELECT cred_id FROM passkeys WHERE account_id = ${idOf('anna')} ORDER BY id`).flat();
  assert.deepEqual(pk.allowCredentials.map((x) => x.id), annaIds);
  // ben's credential over anna's challenge: refused; hers: in
  await refused(c, await finish(c, next(ben, pk)), 'unknown', "ben's credential for anna's named sign-in");
  const r2 = await c.post('/passkey/login/begin', { csrf: c.csrf, identifier: 'anna@example.com' });
  await signedIn(c, await finish(c, next(anna, json(r2).publicKey)), 'anna', 'named by her email');

  const offered = async (identifier) => {
    const x = await anonymous();
    const o = json(await x.post('/passkey/login/begin', { csrf: x.csrf, identifier })).publicKey;
    return o.allowCredentials.map((k) => k.id);
  };
  await account({ base: srv.base }, srv.sim, 'cleo'); // no passkey
  const nobody = await offered('nobody-here');
  assert.equal(nobody.length, 1);
  assert.deepEqual(await offered('nobody-here'), nobody, 'the same each time');
  const cleo = await offered('cleo');
  assert.equal(cleo.length, 1);
  assert.notDeepEqual(cleo, nobody);
  assert.equal(scalar(srv.d, `SELECT COUNT(*) FROM passkeys WHERE cred_id IN ('${cleo[0]}', '${nobody[0]}')`), 0);
  // anna's passkey over a challenge offered to a name without passkeys: refused
  const x = await anonymous();
  const o = json(await x.post('/passkey/login/begin', { csrf: x.csrf, identifier: 'cleo' })).publicKey;
  await refused(x, await finish(x, next(anna, o)), 'unknown', 'a challenge for a name without passkeys');
});

test('a security key only touched (no user verification): refused alone, enough after the password', async () => {
  const a = await anonymous();
  let pk = await begin(a);
  const use = () => srv.d.sql(`SELECT sign_count, COALESCE(last_used_at, 0) FROM passkeys WHERE cred_id = '${anna.cred.id.toString('base64url')}'`)[0].join();
  const before = use();
  await refused(a, await finish(a, next(anna, pk, { verified: false })), 'unverified', 'presence only, alone');
  assert.equal(use(), before, 'a refused sign-in is no use of the passkey (counter, last use)');
  const { client: c, res } = await clientSignIn({ base: srv.base }, 'ben');
  assert.equal(res.location, '/login/2fa');
  c.csrf = await csrfOf(c, '/login/2fa');
  pk = await begin(c);
  await signedIn(c, await finish(c, next(ben, pk, { verified: false })), 'ben', 'presence after the password');
  assert.equal(srv.d.sql(`SELECT amr FROM sessions WHERE account_id = ${idOf('ben')} ORDER BY created_at DESC LIMIT 1`)[0][0], 'pwd hwk mfa');
  // the second step's challenge without its two-step state (gone): presence alone is not enough
  const { client: c2 } = await clientSignIn({ base: srv.base }, 'ben');
  c2.csrf = await csrfOf(c2, '/login/2fa');
  pk = await begin(c2);
  srv.d.sql(`DELETE FROM mfa_pending WHERE account_id = ${idOf('ben')}`);
  await refused(c2, await finish(c2, next(ben, pk, { verified: false })), 'unverified', 'presence, the two-step state gone');
});

// A browser context (English, an address of its own) with a virtual authenticator.
async function withAuthenticator(options) {
  const b = await browser();
  const ctx = await b.newContext({ locale: 'en', extraHTTPHeaders: { 'X-Forwarded-For': nextIp() } });
  const page = await ctx.newPage();
  const cdp = await ctx.newCDPSession(page);
  await cdp.send('WebAuthn.enable');
  const { authenticatorId } = await cdp.send('WebAuthn.addVirtualAuthenticator', {
    options: { protocol: 'ctap2', hasUserVerification: true, isUserVerified: true, automaticPresenceSimulation: true, ...options },
  });
  const credentials = async () => (await cdp.send('WebAuthn.getCredentials', { authenticatorId })).credentials;
  return { ctx, page, credentials };
}
const signOut = async (page) => page.request.post(srv.base + '/logout', { form: { csrf: await page.inputValue('input[name=csrf]') } });
const lastAmr = (u) => srv.d.sql(`SELECT amr FROM sessions WHERE account_id = ${idOf(u)} ORDER BY created_at DESC LIMIT 1`)[0][0];

// Adds a passkey named name on /settings/security; it is the first factor: the recovery codes
// are shown on the page (once), then "saved" goes on. Returns the codes.
async function addFirstPasskey(page, name) {
  await page.goto(srv.base + '/settings/security');
  assert.equal(await page.isVisible('#passkey-codes'), false);
  await page.fill('#passkey-name', name);
  await page.click('#passkey-add-btn');
  await page.waitForSelector('#passkey-codes', { state: 'visible' });
  const codes = await page.$$eval('#passkey-codes-list code', (l) => l.map((e) => e.textContent));
  assert.equal(codes.length, 10);
  assert.equal(await page.isVisible('#passkey-add'), false);
  const href = await page.getAttribute('#passkey-codes-download', 'href');
  assert.equal(decodeURIComponent(href.slice(href.indexOf(',') + 1)), codes.join('\n') + '\n');
  assert.deepEqual(await axeProblems(page), []);
  await Promise.all([page.waitForURL(/done=passkey_added/), page.click('#passkey-codes-done')]);
  assert.match(await page.textContent('#passkey-list'), new RegExp(name));
  return codes;
}

test('a security key without resident credentials: the username first, then the key (allowCredentials)', async () => {
  await account({ base: srv.base }, srv.sim, 'dora');
  const { ctx, page, credentials } = await withAuthenticator({ transport: 'usb', hasResidentKey: false });
  await page.goto(srv.base + '/login');
  await page.fill('#identifier', 'dora');
  await page.fill('#password', PASSWORD);
  await Promise.all([page.waitForURL(/\/console$/), page.click('#signin')]);
  await addFirstPasskey(page, 'yubikey');
  const [cred] = await credentials();
  assert.equal(cred.isResidentCredential, false, 'a non-resident credential');
  assert.equal(scalar(srv.d, `SELECT COUNT(*) FROM recovery_codes WHERE account_id = ${idOf('dora')}`), 10);

  await signOut(page);
  // no name typed: the key holds nothing discoverable, nothing signs in
  await page.goto(srv.base + '/login');
  await page.click('#passkey-login');
  await page.waitForSelector('#passkey-error', { state: 'visible' });
  assert.equal(new URL(page.url()).pathname, '/login');
  // the name typed, then the key
  await page.goto(srv.base + '/login');
  await page.fill('#identifier', 'dora');
  await Promise.all([page.waitForURL(/\/console$/), page.click('#passkey-login')]);
  assert.equal(lastAmr('dora'), 'hwk user mfa');
  assert.equal((await credentials())[0].signCount > cred.signCount, true, 'the key signed');
  await ctx.close();
});

test('sign-up with a passkey instead of a password: no password, the address verified, the passkey and its codes', async () => {
  const { ctx, page, credentials } = await withAuthenticator({ transport: 'internal', hasResidentKey: true });
  await page.goto(srv.base + '/signup');
  await page.waitForSelector('#register-passkey', { state: 'visible' });
  assert.deepEqual(await axeProblems(page), []);
  await page.fill('#email', 'enzo@example.com');
  await page.fill('#username', 'enzo');
  await page.fill('#captcha', CAPTCHA);
  await page.check('#terms');
  await Promise.all([page.waitForURL(/\/settings\/security\?first=passkey$/), page.click('#register-passkey')]);
  assert.match(await page.textContent('#setup-notice'), /add your passkey/);
  const id = idOf('enzo');
  assert.equal(scalar(srv.d, `SELECT COUNT(*) FROM accounts WHERE id = ${id} AND password_hash IS NULL`), 1, 'no password');
  assert.equal(scalar(srv.d, `SELECT COUNT(*) FROM audit WHERE account_id = ${id} AND event = 'signup' AND detail = 'passkey'`), 1);
  await addFirstPasskey(page, 'this phone');
  assert.equal((await credentials()).length, 1);
  // the address: verified by its mail, as with a password
  const [mail] = await srv.sim.waitMail('enzo@example.com', 1);
  await page.goto(linkIn(mail).replace(/^http:\/\/[^/]+/, srv.base));
  await waitFor(() => scalar(srv.d, `SELECT email_verified FROM accounts WHERE id = ${id}`) === 1, 'the address verified');
  // signed out, back in with the passkey alone (the browser's autofill)
  await signOut(page);
  await Promise.all([page.waitForURL(/\/console$/), page.goto(srv.base + '/login')]);
  assert.match(lastAmr('enzo'), /^(hwk|swk) user mfa$/);
  // the console's reminder: no password, the passkey is the way in (a password optional)
  assert.match(await page.textContent('#password-reminder'), /you sign in with your passkey/);
  // a password sign-in cannot work: there is none
  const { res } = await clientSignIn({ base: srv.base }, 'enzo', PASSWORD);
  assert.notEqual(res.location, '/console');
  await ctx.close();
});
