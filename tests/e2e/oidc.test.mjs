// daoid as an OpenID Connect provider (issue 14), checked by real relying parties: openid-client
// (a certified RP) runs the code flow with PKCE for a public client in Chromium (sign-in, the
// consent page, back to the app), validates the ID token through discovery + JWKS, calls
// userinfo, refreshes, revokes and logs out; oauth4webapi does the same for a confidential client
// with client_secret_basic and asks introspection. Then the negative cases, each a protocol error
// with nothing issued, ES256 ID tokens (openid-client checking their signature through the
// JWKS), key rotation of both algorithms, a WeChat QR sign-in that goes back to the app,
// /auth/start with an unencoded rd (nginx), and Apps with access checked with axe. One daoid
// (with the simulator's WeChat) for the file.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import { execFile } from 'node:child_process';
import { createPublicKey, createVerify } from 'node:crypto';
import * as oidc from 'openid-client';
import * as oauth from 'oauth4webapi';
import { startDevsim, startDaoid, stopAll, freePort, DAOID_BIN, PASSWORD, browser } from './lib/harness.mjs';
import { account, admin, nextIp, axeProblems, overflow, clientSignIn, csrfOf, scalar } from './lib/console.mjs';
import { wechatEnv, callbackTo, qrUrl, phoneScan, shown } from './lib/wechat.mjs';
import { pkce, authorizeCode } from './lib/oidc.mjs';

let sim, d, app, appUrl, pub, conf, es;

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
  d = await startDaoid({ devsim: sim, env: { ...wechatEnv(sim), DAOID_TRUSTED_PROXIES: '127.0.0.1' } });
  await callbackTo(sim, d);
  // the relying party's pages: the callback and the page after logout just say "ok"
  const port = await freePort();
  appUrl = `http://127.0.0.1:${port}`;
  app = http.createServer((req, res) => res.end('ok'));
  await new Promise((r) => app.listen(port, '127.0.0.1', r));
  await account(d, sim, 'olive');
  await account(d, sim, 'oscar');
  pub = await register('Build Service', ['--public']);
  conf = await register('Dashboards');
  es = await register('Registry UI', ['--public', '--id-token-alg', 'ES256']);
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

// 1 when jwt's signature verifies with its key in jwks (RS256, or ES256's R || S)
function verifyJws(jwt, jwks) {
  const [h, p, s] = jwt.split('.');
  const hdr = JSON.parse(Buffer.from(h, 'base64url'));
  const jwk = jwks.keys.find((k) => k.kid === hdr.kid && k.alg === hdr.alg);
  if (!jwk) return false;
  const key = createPublicKey({ key: jwk, format: 'jwk' });
  return createVerify('SHA256').update(`${h}.${p}`).verify(hdr.alg === 'ES256' ? { key, dsaEncoding: 'ieee-p1363' } : key, Buffer.from(s, 'base64url'));
}
const headerOf = (jwt) => JSON.parse(Buffer.from(jwt.split('.')[0], 'base64url'));

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


function authzPath(params) {
  return `/oauth/authorize?${new URLSearchParams({ response_type: 'code', scope: 'openid offline_access', redirect_uri: `${appUrl}/cb`, ...params })}`;
}

// a code for client through c (consent given once per client), with its PKCE verifier
async function codeFor(c, client, extra = {}) {
  const p = pkce();
  const loc = await authorizeCode(c, authzPath({ client_id: client.id, code_challenge: p.challenge, code_challenge_method: 'S256', state: 's1', ...extra }));
  assert.equal(loc.origin + loc.pathname, `${appUrl}/cb`);
  return { code: loc.searchParams.get('code'), url: loc, ...p };
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

test('ES256: a client registered for it gets ES256 ID tokens, which openid-client verifies through the JWKS', async () => {
  assert.match((await daoidClient(['show', es.id])).out, /id_token_alg: ES256/);
  const meta = await (await fetch(`${d.base}/.well-known/openid-configuration`)).json();
  assert.deepEqual(meta.id_token_signing_alg_values_supported, ['RS256', 'ES256']);
  const jwks = await (await fetch(`${d.base}/oauth/jwks`)).json();
  assert.deepEqual(jwks.keys.map((k) => k.alg).sort(), ['ES256', 'RS256'], 'a key of each algorithm');
  const ec = jwks.keys.find((k) => k.alg === 'ES256');
  assert.equal(ec.kty, 'EC');
  assert.equal(ec.crv, 'P-256');
  // openid-client, told the client's id_token_signed_response_alg, checks the signature (non-repudiation)
  const config = await oidc.discovery(new URL(d.base), es.id, { id_token_signed_response_alg: 'ES256' }, oidc.None(), { execute: [oidc.allowInsecureRequests] });
  oidc.enableNonRepudiationChecks(config);
  const { client: c } = await clientSignIn(d, 'olive');
  let g = await codeFor(c, es, { nonce: 'n-es' });
  const t = await oidc.authorizationCodeGrant(config, g.url, { pkceCodeVerifier: g.verifier, expectedState: 's1', expectedNonce: 'n-es', idTokenExpected: true });
  assert.equal(headerOf(t.id_token).alg, 'ES256');
  assert.equal(headerOf(t.id_token).kid, ec.kid);
  assert.equal(t.claims().aud, es.id);
  assert.ok(verifyJws(t.id_token, jwks));
  const tampered = t.id_token.slice(0, -4) + (t.id_token.endsWith('AAAA') ? 'BBBB' : 'AAAA');
  assert.ok(!verifyJws(tampered, jwks), 'a changed signature does not verify');
  const again = await oidc.refreshTokenGrant(config, t.refresh_token);
  assert.equal(headerOf(again.id_token).alg, 'ES256', 'the refresh grant signs ES256 too');
  // a relying party registered for RS256 refuses it: the algorithm is the client's, not a default
  const rsConfig = await oidc.discovery(new URL(d.base), es.id, { id_token_signed_response_alg: 'RS256' }, oidc.None(), { execute: [oidc.allowInsecureRequests] });
  g = await codeFor(c, es);
  await assert.rejects(oidc.authorizationCodeGrant(rsConfig, g.url, { pkceCodeVerifier: g.verifier, expectedState: 's1' }),
    (e) => /unexpected JWT "alg"/.test(e.cause?.message));
  // the ES256 ID token is a valid id_token_hint: the logout signs out at once
  const bye = await c.get(`/oauth/logout?id_token_hint=${t.id_token}&post_logout_redirect_uri=${encodeURIComponent(`${appUrl}/bye`)}`);
  assert.equal(bye.status, 303);
  assert.equal(new URL(bye.location).origin, appUrl);
  assert.equal((await c.get('/auth/check')).status, 401);
  // `daoid client set` switches a client back
  assert.equal((await daoidClient(['set', es.id, '--id-token-alg', 'RS256'])).code, 0);
  assert.equal(headerOf((await oidc.refreshTokenGrant(rsConfig, again.refresh_token)).id_token).alg, 'RS256');
  assert.equal((await daoidClient(['set', es.id, '--id-token-alg', 'HS256'])).code, 1);
  assert.equal((await daoidClient(['add', 'X', '--redirect-uri', `${appUrl}/cb`, '--id-token-alg', 'none'])).code, 1);
  assert.equal((await daoidClient(['set', es.id, '--id-token-alg', 'ES256'])).code, 0);
});

test('key rotation of both algorithms: the new keys are published before they sign; tokens of the old ones verify until they expire', async () => {
  const { client: c } = await clientSignIn(d, 'olive');
  const issue = async (client) => { const g = await codeFor(c, client); return (await redeem(client, g.code, g.verifier)).body; };
  const old = await issue(pub), oldEs = await issue(es);
  const oldKid = headerOf(old.id_token).kid, oldEsKid = headerOf(oldEs.id_token).kid;
  const rot = await daoidClient(['rotate-key', '--after', '1h']);
  assert.equal(rot.code, 0, rot.err);
  const kids = Object.fromEntries([...rot.out.matchAll(/kid: (\S+) (\S+)/g)].map((m) => [m[2], m[1]]));
  const newKid = kids.RS256, newEsKid = kids.ES256;
  assert.ok(newKid && newEsKid, rot.out);
  let jwks = await (await fetch(`${d.base}/oauth/jwks`)).json();
  const kidsOf = (alg) => jwks.keys.filter((k) => k.alg === alg).map((k) => k.kid).sort();
  assert.deepEqual(kidsOf('RS256'), [oldKid, newKid].sort(), 'published before use');
  assert.deepEqual(kidsOf('ES256'), [oldEsKid, newEsKid].sort(), 'published before use');
  const still = await issue(pub);
  assert.equal(headerOf(still.id_token).kid, oldKid, 'the old key signs until the new one is due');
  assert.equal(headerOf((await issue(es)).id_token).kid, oldEsKid);
  // the new keys' time comes (as an hour passing would make it): this daoid notices at once
  d.sql(`UPDATE oidc_keys SET active_at = active_at - 3600 WHERE kid IN ('${newKid}', '${newEsKid}')`);
  const fresh = await issue(pub), freshEs = await issue(es);
  assert.equal(headerOf(fresh.id_token).kid, newKid);
  assert.equal(headerOf(freshEs.id_token).kid, newEsKid);
  jwks = await (await fetch(`${d.base}/oauth/jwks`)).json();
  for (const t of [old, oldEs, fresh, freshEs]) assert.ok(verifyJws(t.id_token, jwks), 'old and new tokens verify');
  // once the old keys' tokens have all expired they leave the JWKS
  d.sql(`UPDATE oidc_keys SET expires_at = 1 WHERE kid IN ('${oldKid}', '${oldEsKid}')`);
  jwks = await (await fetch(`${d.base}/oauth/jwks`)).json();
  assert.deepEqual(jwks.keys.map((k) => k.kid).sort(), [newKid, newEsKid].sort());
  assert.ok(!verifyJws(old.id_token, jwks));
  assert.ok(!verifyJws(oldEs.id_token, jwks));
  const keys = await daoidClient(['keys']);
  assert.match(keys.out, new RegExp(`kid: ${newEsKid} alg: ES256`));
});

test('WeChat: a QR sign-in started by an app goes back to the app (a new follower registering, then scanning again)', async () => {
  const config = await oidc.discovery(new URL(d.base), pub.id, undefined, oidc.None(), { execute: [oidc.allowInsecureRequests] });
  const start = async () => {
    const verifier = oidc.randomPKCECodeVerifier(), state = oidc.randomState();
    const url = oidc.buildAuthorizationUrl(config, { redirect_uri: `${appUrl}/cb`, scope: 'openid profile', state, code_challenge: await oidc.calculatePKCECodeChallenge(verifier), code_challenge_method: 'S256' });
    return { verifier, state, url };
  };
  const phone = await signedInPage('', 'en');
  const viaWeChat = async (locale, action) => {
    const f = await start();
    const { ctx, page } = await signedInPage('', locale);
    await page.goto(f.url.href);
    await Promise.all([page.waitForURL(/\/auth\/wechat\?next=/), page.click('#social-wechat')]);
    await phoneScan(phone.page, sim, { user: 'wx-app', url: await qrUrl(page), action });
    return { f, ctx, page };
  };
  // a new follower: the registration form, then the consent page, then the app
  let { f, ctx, page } = await viaWeChat('en', 'follow');
  await shown(page, '#wx-bound', 15000);
  await page.fill('#wx-username', 'wxapp');
  await page.check('#wx-terms');
  await Promise.all([page.waitForSelector('#consent-allow'), page.click('#wx-register')]);
  await Promise.all([page.waitForURL((u) => u.href.startsWith(appUrl)), page.click('#consent-allow')]);
  let t = await oidc.authorizationCodeGrant(config, new URL(page.url()), { pkceCodeVerifier: f.verifier, expectedState: f.state });
  assert.equal(t.claims().preferred_username, 'wxapp');
  assert.deepEqual(t.claims().amr, ['wechat']);
  const sub = t.claims().sub;
  await ctx.close();
  // the same WeChat in another browser signs in by scanning and lands on the app (consent remembered)
  ({ f, ctx, page } = await viaWeChat('zh-CN', 'scan'));
  await page.waitForURL((u) => u.href.startsWith(appUrl), { timeout: 15000 });
  t = await oidc.authorizationCodeGrant(config, new URL(page.url()), { pkceCodeVerifier: f.verifier, expectedState: f.state });
  assert.equal(t.claims().sub, sub);
  assert.deepEqual(t.claims().amr, ['wechat']);
  await ctx.close();
  await phone.ctx.close();
});

test('/auth/start: an app URL nginx passes unencoded keeps every query parameter after its first &', async () => {
  const app = `${d.base}/console?tab=a&x=1&flag&q=b%26c&r=%25`;
  const anon = await fetch(`${d.base}/auth/start?rd=${app}`, { redirect: 'manual' });
  const login = new URL(anon.headers.get('location'), d.base);
  assert.equal(login.pathname, '/login');
  const back = new URL(login.searchParams.get('next'), d.base);
  assert.equal(back.searchParams.get('rd'), app, 'the whole URL goes through sign-in');
  const { client: c } = await clientSignIn(d, 'olive');
  const r = await c.get(`/auth/start?rd=${app}`);
  assert.equal(r.location, app);
  assert.equal((await c.get(`/auth/start?rd=${encodeURIComponent(app)}`)).location, app, 'an encoded rd as before');
  assert.equal((await c.get('/auth/start?rd=https://evil.example/?a=1&b=2')).status, 400, 'still only allowed hosts');
});

test('Apps with access is axe-clean in both languages at 1280 and 375 px', async () => {
  for (const locale of ['zh-CN', 'en']) {
    const { ctx, page } = await signedInPage('olive', locale);
    await page.goto(`${d.base}/login?next=/settings/apps`);
    await page.fill('#identifier', 'olive');
    await page.fill('#password', PASSWORD);
    await Promise.all([page.waitForURL(/\/settings\/apps$/), page.click('#signin')]);
    assert.match(await page.textContent('main'), /Registry UI/);
    for (const width of [1280, 375]) {
      await page.setViewportSize({ width, height: 800 });
      assert.deepEqual(await axeProblems(page), [], `${locale} at ${width} px`);
      assert.deepEqual(await overflow(page), [], `${locale} at ${width} px: nothing wider than the screen`);
    }
    await ctx.close();
  }
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
