// Two-step sign-in, continued (issue 16): re-authentication with a second factor (the app's
// code, a recovery code, a passkey through Chromium's virtual authenticator) where a recent
// sign-in is required, for an account with a password and for a GitHub-only one; and
// require_2fa = 1 steering every way in (password, GitHub, WeChat) to the set-up until a
// factor exists, with the registry's and the OpenID Connect token endpoints refusing clearly.
// One daoid (require_2fa = 1, GitHub and WeChat from the simulator) for the file.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import http from 'node:http';
import { join } from 'node:path';
import { useServers, freePort, browser, tmpDir, DAOID_BIN, PASSWORD } from './lib/harness.mjs';
import { account, admin, clientSignIn, csrfOf, nextIp, scalar, staleSessions } from './lib/console.mjs';
import { oauthEnv, registerCallbacks, newUser, signUpWith } from './lib/oauth.mjs';
import { wechatEnv, callbackTo, qrUrl, phoneScan, shown } from './lib/wechat.mjs';
import { totp, setUpApp, stepNow } from './lib/totp.mjs';
import { pkce, authorizeCode } from './lib/oidc.mjs';

let regDir, app, appUrl;
const SETUP = '/settings/security?setup=1';

function run(args) {
  return new Promise((resolve) => execFile(DAOID_BIN, args, { env: srv.d.env, encoding: 'utf8' },
    (e, out, err) => resolve({ code: e ? e.code : 0, out, err })));
}

// a passkey's RP ID must be a name: daoid at localhost, its base that one
const srv = useServers({
  localhost: true,
  env: (devsim) => {
    regDir = join(tmpDir('daoid-mfa-reg-'), 'registry');
    return {
      DAOID_REQUIRE_2FA: '1', DAOID_REGISTRY_KEY_FILE: join(regDir, 'token-key.pem'),
      ...oauthEnv(devsim, ['github']), ...wechatEnv(devsim),
    };
  },
  ready,
});
async function ready() {
  srv.d.base = srv.base;
  await registerCallbacks(srv.sim, srv.base);
  await callbackTo(srv.sim, { base: srv.base });
  const init = await run(['registry', 'init', '--dir', regDir, '--listen', `127.0.0.1:${await freePort()}`]);
  assert.equal(init.code, 0, init.err);
  const appPort = await freePort();
  appUrl = `http://127.0.0.1:${appPort}`;
  app = http.createServer((req, res) => res.end('ok'));
  await new Promise((r) => app.listen(appPort, '127.0.0.1', r));
}
after(() => app?.close());

const idOf = (u) => scalar(srv.d, `SELECT id FROM accounts WHERE username = '${u}'`);
const lastAmr = (u) => srv.d.sql(`SELECT amr FROM sessions WHERE account_id = ${idOf(u)} ORDER BY created_at DESC, rowid DESC LIMIT 1`)[0][0];

async function newContext() {
  const b = await browser();
  return b.newContext({ locale: 'en', extraHTTPHeaders: { 'X-Forwarded-For': nextIp() } });
}

async function virtualAuthenticator(ctx, page) {
  const cdp = await ctx.newCDPSession(page);
  await cdp.send('WebAuthn.enable');
  await cdp.send('WebAuthn.addVirtualAuthenticator', {
    options: { protocol: 'ctap2', transport: 'internal', hasResidentKey: true, hasUserVerification: true, isUserVerified: true, automaticPresenceSimulation: true },
  });
}

// The registry's answer to `docker login` as user with password (Basic auth).
async function registryLogin(user, password) {
  const r = await fetch(`${srv.base}/v2/token?service=daoid-registry&scope=repository:${user}/app:pull`, {
    headers: { Authorization: `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}` },
  });
  return { status: r.status, body: await r.json() };
}

test('re-authentication with the app or a recovery code: the password is not enough for an account with a factor', async () => {
  const c = await account({ base: srv.base }, srv.sim, 'rita');
  c.base = srv.base;
  const { secret, codes, step } = await setUpApp(c);
  const id = idOf('rita');
  // the set-up's session signed in with the password only: a factor change wants the factor
  let r = await c.post('/settings/security/totp/off', { csrf: await csrfOf(c, '/settings/security') });
  assert.equal(r.status, 303);
  assert.equal(r.location, '/reauth?next=/settings/security', 'back to the page, not to the POST route');
  assert.equal(scalar(srv.d, `SELECT COUNT(*) FROM totp_secrets WHERE account_id = ${id}`), 1);

  // in the browser: password, then a recovery code
  const ctx = await newContext();
  const page = await ctx.newPage();
  await page.goto(srv.base + '/login');
  await page.fill('#identifier', 'rita');
  await page.fill('#password', PASSWORD);
  await Promise.all([page.waitForURL(/\/login\/2fa$/), page.click('#signin')]);
  await page.fill('#code', codes[0]);
  await Promise.all([page.waitForURL(/\/console$/), page.click('#mfa-submit')]);
  assert.equal(lastAmr('rita'), 'pwd otp mfa');

  // later: deleting the account asks again, with the factor only
  staleSessions(srv.d, 'rita');
  await page.goto(srv.base + '/settings/delete');
  assert.match(page.url(), /\/reauth\?next=/);
  assert.equal(await page.locator('#reauth-form').count(), 0, 'no password form');
  assert.ok(await page.isVisible('#reauth-code'));
  // the password posted anyway: refused
  const csrf = await page.inputValue('#reauth-code-form input[name=csrf]');
  const pw = await page.request.post(srv.base + '/reauth', { form: { csrf, next: '/settings/delete', password: PASSWORD }, maxRedirects: 0 });
  assert.equal(pw.status(), 400);
  assert.match(await pw.text(), /two steps|两步登录/);
  // a wrong code: counted
  await page.fill('#reauth-code', totp(secret, step + 1) === '000000' ? '111111' : '000000');
  await page.click('#reauth-code-submit');
  await page.waitForSelector('#form-error');
  assert.equal(scalar(srv.d, `SELECT COUNT(*) FROM audit WHERE account_id = ${id} AND event = 'reauth_failed'`), 1);
  // the app's next code: in, as two factors
  await page.fill('#reauth-code', totp(secret, step + 1));
  await Promise.all([page.waitForURL((u) => u.pathname === '/settings/delete'), page.click('#reauth-code-submit')]);
  assert.equal(lastAmr('rita'), 'pwd otp mfa');
  assert.equal(scalar(srv.d, `SELECT COUNT(*) FROM audit WHERE account_id = ${id} AND event = 'reauth' AND detail = 'totp'`), 1);

  // stale again: a recovery code confirms too (used up, mailed), then the app goes off
  staleSessions(srv.d, 'rita');
  const mails = (await srv.sim.messages('rita@example.com')).length;
  await page.goto(srv.base + '/settings/security');
  await Promise.all([page.waitForURL(/\/reauth\?next=/), page.click('#totp-off')]);
  await page.fill('#reauth-code', codes[1]);
  await Promise.all([page.waitForURL((u) => u.pathname === '/settings/security'), page.click('#reauth-code-submit')]);
  await srv.sim.waitMail('rita@example.com', mails + 1);
  await Promise.all([page.waitForURL(/done=totp_off/), page.click('#totp-off')]);
  assert.equal(scalar(srv.d, `SELECT COUNT(*) FROM totp_secrets WHERE account_id = ${id}`), 0);
  assert.equal(scalar(srv.d, `SELECT COUNT(*) FROM recovery_codes WHERE account_id = ${id}`), 0);
  // no factor left, and the site requires one: this session proved two factors, the next
  // sign-in goes to the set-up
  const { res } = await clientSignIn({ base: srv.base }, 'rita');
  assert.equal(res.location, SETUP);
  await ctx.close();
});

test('a GitHub-only account (no password) re-authenticates with its passkey, then removes it', async () => {
  const user = await newUser(srv.sim, 'github', { login: 'Gina', email: 'gina@example.com' });
  const ctx = await newContext();
  const page = await ctx.newPage();
  await virtualAuthenticator(ctx, page);
  await signUpWith(page, srv.base, 'github', user.login);
  // required set-up: the sign-up ends there, and nothing else opens until it is done
  assert.equal(new URL(page.url()).pathname + new URL(page.url()).search, SETUP);
  assert.ok(await page.isVisible('#setup-notice'));
  await page.goto(srv.base + '/settings');
  assert.match(page.url(), /\/settings\/security\?setup=1$/);
  await page.fill('#passkey-name', 'laptop');
  await page.click('#passkey-add-btn');
  // the first factor: its recovery codes are shown once before going on
  await page.waitForSelector('#passkey-codes', { state: 'visible' });
  await Promise.all([page.waitForURL(/done=passkey_added/), page.click('#passkey-codes-done')]);
  await page.goto(srv.base + '/console');
  assert.match(page.url(), /\/console$/, 'set up: the console opens');

  staleSessions(srv.d, 'gina');
  await page.goto(srv.base + '/settings/delete');
  assert.match(page.url(), /\/reauth\?next=/);
  assert.equal(await page.locator('#reauth-none').count(), 0, 'not stuck');
  assert.equal(await page.locator('#reauth-form').count(), 0);
  await Promise.all([page.waitForURL((u) => u.pathname === '/settings/delete'), page.click('#reauth-passkey')]);
  assert.match(lastAmr('gina'), /^github (hwk|swk) user mfa$/);
  assert.equal(scalar(srv.d, `SELECT COUNT(*) FROM audit WHERE account_id = ${idOf('gina')} AND event = 'reauth' AND detail = 'passkey'`), 1);

  await page.goto(srv.base + '/settings/security');
  const pk = scalar(srv.d, `SELECT id FROM passkeys WHERE account_id = ${idOf('gina')}`);
  await Promise.all([page.waitForURL(/done=passkey_removed/), page.click(`#remove-${pk}`)]);
  assert.equal(scalar(srv.d, `SELECT COUNT(*) FROM passkeys WHERE account_id = ${idOf('gina')}`), 0);
  await ctx.close();
});

test('require_2fa: password and WeChat sign-ins are steered to the set-up; APIs and machine endpoints refuse', async () => {
  await account({ base: srv.base }, srv.sim, 'stella');
  const { client: c, res } = await clientSignIn({ base: srv.base }, 'stella');
  assert.equal(res.location, SETUP);
  for (const p of ['/console', '/settings', '/resources', '/settings/tokens/new']) {
    const r = await c.get(p);
    assert.equal(r.status, 303, p);
    assert.equal(r.location, SETUP, p);
  }
  const me = await c.get('/api/v1/me');
  assert.equal(me.status, 403);
  assert.deepEqual(JSON.parse(me.text), { error: 'mfa_setup_required' });
  assert.equal((await c.get('/settings/security')).status, 200);
  // forward auth: not signed in for the apps behind it, and /auth/start leads to the set-up
  assert.equal((await c.get('/auth/check')).status, 401);
  const start = await c.get(`/auth/start?rd=${encodeURIComponent(`${srv.base}/console`)}`);
  assert.equal(start.status, 303);
  assert.equal(start.location, SETUP);
  // the registry: a clear refusal
  let reg = await registryLogin('stella', PASSWORD);
  assert.equal(reg.status, 401);
  assert.equal(reg.body.errors[0].code, 'DENIED');
  assert.match(reg.body.errors[0].message, /requires two-step sign-in/);
  // set up: everything opens; the password no longer logs in to the registry (two steps)
  await setUpApp(c);
  assert.equal((await c.get('/console')).status, 200);
  assert.equal((await c.get('/api/v1/me')).status, 200);
  const check = await c.get('/auth/check');
  assert.equal(check.status, 200);
  assert.equal(check.headers.get('x-auth-user'), 'stella');
  reg = await registryLogin('stella', PASSWORD);
  assert.equal(reg.status, 401);
  assert.match(reg.body.errors[0].message, /access token/);
  // sign-out works while steered
  await admin(srv.d, ['reset-2fa', 'stella']);
  assert.equal((await c.get('/console')).location, SETUP);
  const out = await c.post('/logout', { csrf: await csrfOf(c, '/settings/security') });
  assert.equal(out.status, 303);
  assert.equal((await c.get('/api/v1/me')).status, 401);

  // WeChat: a sign-up by scan ends at the set-up too
  const ctx = await newContext();
  const page = await ctx.newPage();
  const phone = await ctx.newPage();
  await page.goto(srv.base + '/auth/wechat');
  await phoneScan(phone, srv.sim, { user: 'wx-steer', url: await qrUrl(page), action: 'follow' });
  await shown(page, '#wx-bound');
  await page.fill('#wx-username', 'wxsteer');
  await page.check('#wx-terms');
  await Promise.all([page.waitForURL(/\/settings\/security\?setup=1$/), page.click('#wx-register')]);
  await page.goto(srv.base + '/console');
  assert.match(page.url(), /\/settings\/security\?setup=1$/);
  await ctx.close();
});


test('require_2fa: the OpenID Connect token endpoint refuses codes and refresh tokens of an account without a factor', async () => {
  const reg = await run(['client', 'add', 'Build', '--redirect-uri', `${appUrl}/cb`, '--public']);
  assert.equal(reg.code, 0, reg.err);
  const clientId = /client_id: (\S+)/.exec(reg.out)[1];
  await account({ base: srv.base }, srv.sim, 'olga');
  const { client: c } = await clientSignIn({ base: srv.base }, 'olga');
  await setUpApp(c);
  const codeFor = async () => {
    const p = pkce();
    const q = new URLSearchParams({ response_type: 'code', scope: 'openid offline_access', redirect_uri: `${appUrl}/cb`, client_id: clientId, code_challenge: p.challenge, code_challenge_method: 'S256', state: 's' });
    const loc = await authorizeCode(c, `/oauth/authorize?${q}`);
    return { code: loc.searchParams.get('code'), verifier: p.verifier };
  };
  const token = async (form) => {
    const r = await fetch(`${srv.base}/oauth/token`, { method: 'POST', headers: { 'Content-Type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams({ client_id: clientId, ...form }) });
    return { status: r.status, body: await r.json() };
  };
  const g1 = await codeFor();
  const t1 = await token({ grant_type: 'authorization_code', code: g1.code, code_verifier: g1.verifier, redirect_uri: `${appUrl}/cb` });
  assert.equal(t1.status, 200);
  const g2 = await codeFor();
  // the factor goes (an operator's reset): no tokens until a new one is set up
  assert.equal((await admin(srv.d, ['reset-2fa', 'olga'])).code, 0);
  const t2 = await token({ grant_type: 'authorization_code', code: g2.code, code_verifier: g2.verifier, redirect_uri: `${appUrl}/cb` });
  assert.equal(t2.status, 400);
  assert.equal(t2.body.error, 'invalid_grant');
  assert.match(t2.body.error_description, /requires two-step sign-in/);
  const rt = await token({ grant_type: 'refresh_token', refresh_token: t1.body.refresh_token });
  assert.equal(rt.body.error, 'invalid_grant');
  assert.match(rt.body.error_description, /requires two-step sign-in/);
  // set up again: the same refresh token works (it was not used up by the refusal)
  await setUpApp(c, stepNow() + 1);
  const again = await token({ grant_type: 'refresh_token', refresh_token: t1.body.refresh_token });
  assert.equal(again.status, 200, JSON.stringify(again.body));
});
