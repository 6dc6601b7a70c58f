// daoid as an OpenID Connect provider (issue 14), checked by real relying parties: openid-client
// (a certified RP) runs the code flow with PKCE for a public client in Chromium (sign-in, the
// consent page, back to the app), validates the ID token through discovery + JWKS, calls
// userinfo, refreshes, revokes and logs out; oauth4webapi does the same for a confidential client
// with client_secret_basic and asks introspection. Then the negative cases, each a protocol error
// with nothing issued, and key rotation. One daoid for the file.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import { execFile } from 'node:child_process';
import { createPublicKey, createVerify, createHash, randomBytes } from 'node:crypto';
import * as oidc from 'openid-client';
import * as oauth from 'oauth4webapi';
import { startDevsim, startDaoid, stopAll, freePort, DAOID_BIN, PASSWORD, browser } from './lib/harness.mjs';
import { account, admin, nextIp, axeProblems, clientSignIn, csrfOf, scalar } from './lib/console.mjs';

let sim, d, app, appUrl, pub, conf;

function daoidClient(args) {
  return new Promise((resolve) => {
    execFile(DAOID_BIN, ['client', ...args], { env: d.env, encoding: 'utf8' }, (e, out, err) => {
      resolve({ code: e ? e.code : 0, out, err });
    });
  });
}

async function register(name, extra = []) {
  const r = await daoidClient(['add', name, '--redirect-uri', `${appUrl}/cb`, '--post-logout-uri', `${appUrl}/bye`, ...extra]);
  assert.equal(r.code, 0, r.err);
  const id = /client_id: (\S+)/.exec(r.out)[1];
  const secret = /client_secret: (\S+)/.exec(r.out)?.[1];
  return { id, secret };
}

before(async () => {
  sim = await startDevsim();
  d = await startDaoid({ devsim: sim, env: { DAOID_TRUSTED_PROXIES: '127.0.0.1' } });
  // the relying party's pages: the callback and the page after logout just say "ok"
  const port = await freePort();
  appUrl = `http://127.0.0.1:${port}`;
  app = http.createServer((req, res) => res.end('ok'));
  await new Promise((r) => app.listen(port, '127.0.0.1', r));
  await account(d, sim, 'olive');
  await account(d, sim, 'oscar');
  pub = await register('Build Service', ['--public']);
  conf = await register('Dashboards');
  assert.match(conf.secret, /^[A-Za-z0-9_-]{43}$/);
});

after(async () => {
  app?.close();
  await d.stop();
  await stopAll();
});

// A browser context signed in as username, from an address of its own.
async function signedInPage(username, locale = 'en') {
  const b = await browser();
  const ctx = await b.newContext({ locale, extraHTTPHeaders: { 'X-Forwarded-For': nextIp() } });
  return { ctx, page: await ctx.newPage() };
}

// Follows an authorization URL in page through sign-in (when asked) and consent (when asked);
// resolves with the URL the browser came back to on the app.
async function authorizeIn(page, url, { username, consent = true, a11y = false } = {}) {
  await page.goto(url);
  if (new URL(page.url()).pathname === '/login') {
    await page.fill('#identifier', username);
    await page.fill('#password', PASSWORD);
    await Promise.all([page.waitForLoadState('load'), page.click('#signin')]);
  }
  if (consent) {
    await page.waitForSelector('#consent-allow');
    if (a11y) assert.deepEqual(await axeProblems(page), [], 'the consent page is axe-clean');
    await Promise.all([page.waitForURL((u) => u.href.startsWith(appUrl)), page.click('#consent-allow')]);
  } else {
    await page.waitForURL((u) => u.href.startsWith(appUrl));
  }
  return new URL(page.url());
}

function verifyJws(jwt, jwks) {
  const [h, p, s] = jwt.split('.');
  const hdr = JSON.parse(Buffer.from(h, 'base64url'));
  const jwk = jwks.keys.find((k) => k.kid === hdr.kid);
  if (!jwk) return false;
  return createVerify('RSA-SHA256').update(`${h}.${p}`).verify(createPublicKey({ key: jwk, format: 'jwk' }), Buffer.from(s, 'base64url'));
}

test('openid-client: a public client signs in with PKCE, reads userinfo, refreshes, revokes and logs out', async () => {
  const config = await oidc.discovery(new URL(d.base), pub.id, undefined, oidc.None(), { execute: [oidc.allowInsecureRequests] });
  assert.equal(config.serverMetadata().issuer, d.base);
  const verifier = oidc.randomPKCECodeVerifier();
  const state = oidc.randomState();
  const nonce = oidc.randomNonce();
  const url = oidc.buildAuthorizationUrl(config, {
    redirect_uri: `${appUrl}/cb`, scope: 'openid profile email offline_access', state, nonce,
    code_challenge: await oidc.calculatePKCECodeChallenge(verifier), code_challenge_method: 'S256',
  });
  const { ctx, page } = await signedInPage('olive');
  const back = await authorizeIn(page, url.href, { username: 'olive', a11y: true });
  assert.equal(back.searchParams.get('iss'), d.base, 'RFC 9207 iss in the response');
  const tokens = await oidc.authorizationCodeGrant(config, back, { pkceCodeVerifier: verifier, expectedState: state, expectedNonce: nonce, idTokenExpected: true });
  const claims = tokens.claims();
  const id = scalar(d, "SELECT id FROM accounts WHERE username = 'olive'");
  assert.equal(claims.sub, String(id), 'sub is the account id, not the username');
  assert.equal(claims.aud, pub.id);
  assert.equal(claims.azp, pub.id);
  assert.equal(claims.preferred_username, 'olive');
  assert.equal(claims.email, 'olive@example.com');
  assert.equal(claims.email_verified, true);
  assert.deepEqual(claims.amr, ['pwd']);
  assert.ok(claims.auth_time <= claims.iat);
  assert.ok(tokens.refresh_token && tokens.access_token.startsWith('dao_at_'));
  const jwks = await (await fetch(`${d.base}/oauth/jwks`)).json();
  assert.ok(verifyJws(tokens.id_token, jwks), 'the ID token verifies with the JWKS');

  const info = await oidc.fetchUserInfo(config, tokens.access_token, claims.sub);
  assert.equal(info.preferred_username, 'olive');

  // a rename does not change sub
  d.sql(`UPDATE accounts SET username = 'olive2' WHERE id = ${id}`);
  const again = await oidc.refreshTokenGrant(config, tokens.refresh_token);
  assert.equal(again.claims().sub, claims.sub);
  assert.equal(again.claims().preferred_username, 'olive2');
  d.sql(`UPDATE accounts SET username = 'olive' WHERE id = ${id}`);
  assert.notEqual(again.refresh_token, tokens.refresh_token, 'rotated');

  await oidc.tokenRevocation(config, again.refresh_token);
  await assert.rejects(oidc.refreshTokenGrant(config, again.refresh_token), (e) => e.error === 'invalid_grant');
  await assert.rejects(oidc.fetchUserInfo(config, again.access_token, claims.sub),
    (e) => e.cause?.[0]?.parameters?.error === 'invalid_token', 'the access token went with it');

  // logout: the browser goes to the end-session URL and comes back to the app, signed out
  const end = oidc.buildEndSessionUrl(config, { id_token_hint: tokens.id_token, post_logout_redirect_uri: `${appUrl}/bye`, state: 'bye-1' });
  await page.goto(end.href);
  await page.waitForURL((u) => u.href.startsWith(`${appUrl}/bye`));
  assert.equal(new URL(page.url()).searchParams.get('state'), 'bye-1');
  const check = await page.request.get(`${d.base}/auth/check`);
  assert.equal(check.status(), 401, 'signed out of daoid');
  await ctx.close();
});

test('oauth4webapi: a confidential client with client_secret_basic; the consent is remembered; introspection', async () => {
  const issuer = new URL(d.base);
  const as = await oauth.processDiscoveryResponse(issuer, await oauth.discoveryRequest(issuer, { [oauth.allowInsecureRequests]: true }));
  const client = { client_id: conf.id };
  const auth = oauth.ClientSecretBasic(conf.secret);
  const opts = { [oauth.allowInsecureRequests]: true };
  const { ctx, page } = await signedInPage('oscar', 'zh-CN');
  const flow = async (consent) => {
    const verifier = oauth.generateRandomCodeVerifier();
    const nonce = oauth.generateRandomNonce();
    const u = new URL(as.authorization_endpoint);
    u.search = new URLSearchParams({
      client_id: conf.id, redirect_uri: `${appUrl}/cb`, response_type: 'code', scope: 'openid email',
      nonce, code_challenge: await oauth.calculatePKCECodeChallenge(verifier), code_challenge_method: 'S256',
    });
    const back = await authorizeIn(page, u.href, { username: 'oscar', consent, a11y: consent });
    const params = oauth.validateAuthResponse(as, client, back, oauth.expectNoState);
    const res = await oauth.authorizationCodeGrantRequest(as, client, auth, params, `${appUrl}/cb`, verifier, opts);
    return oauth.processAuthorizationCodeResponse(as, client, res, { expectedNonce: nonce, requireIdToken: true });
  };
  const t = await flow(true);
  const claims = oauth.getValidatedIdTokenClaims(t);
  assert.equal(claims.email, 'oscar@example.com');
  assert.equal(claims.preferred_username, undefined, 'no profile scope, no username');
  assert.equal(t.refresh_token, undefined, 'no offline_access, no refresh token');
  const t2 = await flow(false); // remembered: no consent page the second time
  assert.ok(t2.access_token);
  const intro = await oauth.processIntrospectionResponse(as, client, await oauth.introspectionRequest(as, client, auth, t2.access_token, opts));
  assert.equal(intro.active, true);
  assert.equal(intro.client_id, conf.id);
  assert.equal(intro.username, 'oscar');
  // a wrong secret: invalid_client, 401
  const bad = await oauth.introspectionRequest(as, client, oauth.ClientSecretBasic('x'.repeat(43)), t2.access_token, opts);
  assert.equal(bad.status, 401);
  assert.equal((await bad.json()).error, 'invalid_client');
  await ctx.close();
});

// ---- negative cases, through a signed-in fetch client (no browser needed) ----

const b64 = (buf) => Buffer.from(buf).toString('base64url');
function pkce() {
  const verifier = b64(randomBytes(32));
  return { verifier, challenge: b64(createHash('sha256').update(verifier).digest()) };
}

function authzPath(params) {
  return `/oauth/authorize?${new URLSearchParams({ response_type: 'code', scope: 'openid offline_access', redirect_uri: `${appUrl}/cb`, ...params })}`;
}

// a code for client through c (consent given once per client), with its PKCE verifier
async function codeFor(c, client, extra = {}) {
  const p = pkce();
  let r = await c.get(authzPath({ client_id: client.id, code_challenge: p.challenge, code_challenge_method: 'S256', state: 's1', ...extra }));
  if (r.status === 200 && r.page.csrf) {
    const form = Object.fromEntries([...r.text.matchAll(/<input type="hidden" name="([^"]+)" value="([^"]*)">/g)].map((m) => [m[1], m[2].replace(/&amp;/g, '&').replace(/&#39;/g, "'").replace(/&quot;/g, '"')]));
    const ok = await c.post('/oauth/authorize', { ...form, allow: '1' });
    assert.equal(ok.status, 200);
    r = await c.get(/url=(.*)$/.exec(ok.headers.get('refresh'))[1]);
  }
  assert.equal(r.status, 303, r.text.slice(0, 200));
  const loc = new URL(r.location);
  assert.equal(loc.origin + loc.pathname, `${appUrl}/cb`);
  return { code: loc.searchParams.get('code'), ...p };
}

async function token(form, basic) {
  const headers = { 'Content-Type': 'application/x-www-form-urlencoded' };
  if (basic) headers.Authorization = `Basic ${Buffer.from(`${basic.id}:${basic.secret}`).toString('base64')}`;
  const r = await fetch(`${d.base}/oauth/token`, { method: 'POST', headers, body: new URLSearchParams(form) });
  return { status: r.status, body: await r.json() };
}

const redeem = (client, code, verifier, extra = {}) => token({ grant_type: 'authorization_code', client_id: client.id, code, code_verifier: verifier, redirect_uri: `${appUrl}/cb`, ...extra });
const tokenCount = () => scalar(d, 'SELECT COUNT(*) FROM oidc_tokens');

test('the authorization endpoint never redirects to an address the client did not register', async () => {
  const { client: c } = await clientSignIn(d, 'olive');
  const p = pkce();
  for (const uri of [`${appUrl}/c`, `${appUrl}/cb/x`, `${appUrl}/cb?x=1`, `${appUrl}/cb#f`, 'https://evil.example/cb', `${appUrl.replace('127.0.0.1', 'localhost')}/cb`]) {
    const r = await c.get(authzPath({ client_id: pub.id, redirect_uri: uri, code_challenge: p.challenge, code_challenge_method: 'S256' }));
    assert.equal(r.status, 400, uri);
    assert.equal(r.location, null, `no redirect to ${uri}`);
  }
  const unknown = await c.get(authzPath({ client_id: 'nope', code_challenge: p.challenge, code_challenge_method: 'S256' }));
  assert.equal(unknown.status, 400);
  assert.equal(unknown.location, null);
  // after the redirect URI is verified, errors go back to it with state and iss
  const errs = [
    [{ client_id: pub.id }, 'invalid_request'], // a public client without PKCE
    [{ client_id: pub.id, code_challenge: p.challenge, code_challenge_method: 'plain' }, 'invalid_request'],
    [{ client_id: pub.id, code_challenge: p.challenge, code_challenge_method: 'S256', response_type: 'token' }, 'unsupported_response_type'],
    [{ client_id: pub.id, code_challenge: p.challenge, code_challenge_method: 'S256', scope: 'openid admin' }, 'invalid_scope'],
    [{ client_id: pub.id, code_challenge: p.challenge, code_challenge_method: 'S256', response_mode: 'fragment' }, 'invalid_request'],
  ];
  for (const [params, error] of errs) {
    const r = await c.get(authzPath({ state: 'st', ...params }));
    assert.equal(r.status, 303);
    const loc = new URL(r.location);
    assert.equal(loc.searchParams.get('error'), error, JSON.stringify(params));
    assert.equal(loc.searchParams.get('state'), 'st');
    assert.equal(loc.searchParams.get('iss'), d.base);
    assert.equal(loc.searchParams.get('code'), null);
  }
  // prompt=none without a session: login_required, back to the app
  const anon = await fetch(`${d.base}${authzPath({ client_id: pub.id, code_challenge: p.challenge, code_challenge_method: 'S256', prompt: 'none', state: 'n' })}`, { redirect: 'manual' });
  assert.equal(new URL(anon.headers.get('location')).searchParams.get('error'), 'login_required');
  // the sign-in and forward-auth redirects refuse other sites
  assert.equal((await c.get('/auth/start?rd=https://evil.example/')).status, 400);
  assert.equal((await c.get('/auth/start?rd=' + encodeURIComponent(`${d.base}@evil.example/`))).status, 400);
  const login = await fetch(`${d.base}/login?next=//evil.example`);
  assert.doesNotMatch(await login.text(), /evil\.example/);
  const bye = await c.get(`/oauth/logout?client_id=${pub.id}&post_logout_redirect_uri=${encodeURIComponent('https://evil.example/')}`);
  assert.equal(bye.status, 400);
  assert.equal(bye.location, null);
});

test('codes: PKCE checked, single use (a replay revokes what was issued), bound to client and redirect, 60 s', async () => {
  const { client: c } = await clientSignIn(d, 'olive');
  const before = tokenCount();
  let g = await codeFor(c, pub);
  assert.equal((await redeem(pub, g.code, undefined)).body.error, 'invalid_grant', 'no verifier');
  g = await codeFor(c, pub);
  assert.equal((await redeem(pub, g.code, pkce().verifier)).body.error, 'invalid_grant', 'wrong verifier');
  g = await codeFor(c, pub);
  assert.equal((await redeem(pub, g.code, g.verifier, { redirect_uri: `${appUrl}/cb2` })).body.error, 'invalid_grant', 'other redirect');
  g = await codeFor(c, pub);
  const other = await token({ grant_type: 'authorization_code', code: g.code, code_verifier: g.verifier, redirect_uri: `${appUrl}/cb` }, conf);
  assert.equal(other.body.error, 'invalid_grant', 'a code of another client');
  g = await codeFor(c, pub);
  d.sql("UPDATE oidc_codes SET expires_at = expires_at - 61 WHERE used_at = 0");
  assert.equal((await redeem(pub, g.code, g.verifier)).body.error, 'invalid_grant', 'expired');
  assert.equal(tokenCount(), before, 'nothing issued');
  const unknownClient = await token({ grant_type: 'authorization_code', client_id: 'nope', code: g.code });
  assert.equal(unknownClient.status, 401);
  assert.equal(unknownClient.body.error, 'invalid_client');

  g = await codeFor(c, pub);
  const ok = await redeem(pub, g.code, g.verifier);
  assert.equal(ok.status, 200);
  const replay = await redeem(pub, g.code, g.verifier);
  assert.equal(replay.body.error, 'invalid_grant');
  const r = await token({ grant_type: 'refresh_token', client_id: pub.id, refresh_token: ok.body.refresh_token });
  assert.equal(r.body.error, 'invalid_grant', 'the replay revoked the refresh token');
  const ui = await fetch(`${d.base}/oauth/userinfo`, { headers: { Authorization: `Bearer ${ok.body.access_token}` } });
  assert.equal(ui.status, 401, 'and the access token');
});

test('refresh tokens rotate; reuse revokes the family; revoked consent and disabled account end them', async () => {
  const { client: c } = await clientSignIn(d, 'oscar');
  const g = await codeFor(c, pub);
  const t1 = (await redeem(pub, g.code, g.verifier)).body;
  const t2 = (await token({ grant_type: 'refresh_token', client_id: pub.id, refresh_token: t1.refresh_token })).body;
  assert.ok(t2.refresh_token);
  const reuse = await token({ grant_type: 'refresh_token', client_id: pub.id, refresh_token: t1.refresh_token });
  assert.equal(reuse.body.error, 'invalid_grant');
  const after = await token({ grant_type: 'refresh_token', client_id: pub.id, refresh_token: t2.refresh_token });
  assert.equal(after.body.error, 'invalid_grant', 'the whole family is revoked');

  // a revoked consent (settings, Apps with access)
  const g2 = await codeFor(c, pub);
  const t3 = (await redeem(pub, g2.code, g2.verifier)).body;
  const apps = await c.get('/settings/apps');
  assert.match(apps.text, /Build Service/);
  const rv = await c.post('/settings/apps/revoke', { csrf: apps.page.csrf, client_id: pub.id });
  assert.equal(rv.status, 200);
  assert.ok(!rv.text.includes(`id="app-${pub.id}"`), 'no longer listed');
  assert.equal((await token({ grant_type: 'refresh_token', client_id: pub.id, refresh_token: t3.refresh_token })).body.error, 'invalid_grant');
  const ir = await fetch(`${d.base}/oauth/introspect`, { method: 'POST', headers: { 'Content-Type': 'application/x-www-form-urlencoded', Authorization: `Basic ${Buffer.from(`${conf.id}:${conf.secret}`).toString('base64')}` }, body: new URLSearchParams({ token: t3.access_token }) });
  assert.deepEqual(await ir.json(), { active: false });
  const p = pkce();
  const again = await c.get(authzPath({ client_id: pub.id, code_challenge: p.challenge, code_challenge_method: 'S256', prompt: 'none', state: 'x' }));
  assert.equal(new URL(again.location).searchParams.get('error'), 'consent_required', 'asked again');

  // a disabled account
  const g3 = await codeFor(c, pub);
  const t4 = (await redeem(pub, g3.code, g3.verifier)).body;
  assert.equal((await admin(d, ['disable', 'oscar', '--yes'])).code, 0);
  assert.equal((await token({ grant_type: 'refresh_token', client_id: pub.id, refresh_token: t4.refresh_token })).body.error, 'invalid_grant');
  assert.equal((await fetch(`${d.base}/oauth/userinfo`, { headers: { Authorization: `Bearer ${t4.access_token}` } })).status, 401);
  assert.equal((await admin(d, ['enable', 'oscar', '--yes'])).code, 0);
});

test('key rotation: the new key is published before it signs; tokens of the old one verify until they expire', async () => {
  const { client: c } = await clientSignIn(d, 'olive');
  const g = await codeFor(c, pub);
  const old = (await redeem(pub, g.code, g.verifier)).body;
  const oldKid = JSON.parse(Buffer.from(old.id_token.split('.')[0], 'base64url')).kid;
  const rot = await daoidClient(['rotate-key', '--after', '1h']);
  assert.equal(rot.code, 0, rot.err);
  const newKid = /kid: (\S+)/.exec(rot.out)[1];
  let jwks = await (await fetch(`${d.base}/oauth/jwks`)).json();
  assert.deepEqual(jwks.keys.map((k) => k.kid).sort(), [oldKid, newKid].sort(), 'published before use');
  const g2 = await codeFor(c, pub);
  const still = (await redeem(pub, g2.code, g2.verifier)).body;
  assert.equal(JSON.parse(Buffer.from(still.id_token.split('.')[0], 'base64url')).kid, oldKid, 'the old key signs until the new one is due');
  // the new key's time comes (as an hour passing would make it)
  d.sql(`UPDATE oidc_keys SET active_at = active_at - 3600 WHERE kid = '${newKid}'`);
  const g3 = await codeFor(c, pub);
  const fresh = (await redeem(pub, g3.code, g3.verifier)).body;
  assert.equal(JSON.parse(Buffer.from(fresh.id_token.split('.')[0], 'base64url')).kid, newKid);
  jwks = await (await fetch(`${d.base}/oauth/jwks`)).json();
  assert.ok(verifyJws(old.id_token, jwks), 'an ID token of the old key still verifies');
  assert.ok(verifyJws(fresh.id_token, jwks));
  // once the old key's tokens have all expired it leaves the JWKS
  d.sql(`UPDATE oidc_keys SET expires_at = 1 WHERE kid = '${oldKid}'`);
  jwks = await (await fetch(`${d.base}/oauth/jwks`)).json();
  assert.deepEqual(jwks.keys.map((k) => k.kid), [newKid]);
  assert.ok(!verifyJws(old.id_token, jwks));
  const keys = await daoidClient(['keys']);
  assert.match(keys.out, new RegExp(newKid));
});

test('daoid client: list, show, rotate-secret, remove; bad input refused', async () => {
  const c = await register('Temp', ['--scopes', 'openid email']);
  const show = await daoidClient(['show', c.id]);
  assert.match(show.out, /name: Temp\ntype: confidential/);
  assert.match(show.out, /scopes: openid email/);
  assert.match((await daoidClient(['list'])).out, new RegExp(c.id));
  const rs = await daoidClient(['rotate-secret', c.id]);
  const secret = /client_secret: (\S+)/.exec(rs.out)[1];
  assert.notEqual(secret, c.secret);
  const old = await token({ grant_type: 'refresh_token', refresh_token: 'dao_rt_x' }, c);
  assert.equal(old.body.error, 'invalid_client', 'the old secret stops working');
  const neu = await token({ grant_type: 'refresh_token', refresh_token: 'dao_rt_x' }, { id: c.id, secret });
  assert.equal(neu.body.error, 'invalid_grant', 'the new one works');
  assert.equal((await daoidClient(['rotate-secret', pub.id])).code, 1, 'a public client has no secret');
  assert.equal((await daoidClient(['add', 'X', '--redirect-uri', 'javascript:alert(1)'])).code, 1);
  assert.equal((await daoidClient(['add', 'X', '--redirect-uri', `${appUrl}/cb#frag`])).code, 1);
  assert.equal((await daoidClient(['add', 'X', '--redirect-uri', `${appUrl}/cb`, '--scopes', 'openid admin'])).code, 1);
  assert.equal((await daoidClient(['remove', c.id])).code, 0);
  assert.equal((await daoidClient(['show', c.id])).code, 1);
});
