// The same OAuth2 code path for the other providers (issue: GitHub sign-up, Bitbucket and
// Coding as configured providers): a Bitbucket sign-up (HTTP Basic client authentication,
// uuid ids, `values[]` emails) and a Coding sign-up (team URLs, the open-api user, expires_in
// as a string); then what the configuration decides: a provider without a client id is not
// offered, an identity at a provider since removed is no way to sign in (so it cannot be what
// remains after an unbind), and a provider whose API cannot be reached ends on a clear page.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { useServers, newPage, startDaoid, freePort } from './lib/harness.mjs';
import { catalog, submitClick, forceSubmit } from './lib/forms.mjs';
import { oauthServers, newUser, signInWith, signUpWith, startAt, authorize, completeAccount, oauthEnv, registerCallbacks, providerStatus } from './lib/oauth.mjs';

const zh = catalog('zh-CN');
const en = catalog('en');

const srv = useServers(oauthServers());

async function me(page) {
  const r = await page.request.get(srv.d.base + '/api/v1/me');
  return { status: r.status(), body: await r.json() };
}

test('Bitbucket sign-up through the same code path', async () => {
  const { ctx, page } = await newPage();
  await page.goto(srv.d.base + '/signup');
  assert.equal(await page.getAttribute('#social-bitbucket', 'href'), '/auth/bitbucket');
  const [req] = await Promise.all([
    page.waitForRequest((r) => r.url().includes('/bitbucket/site/oauth2/authorize')),
    page.click('#social-bitbucket'),
  ]);
  const q = new URL(req.url()).searchParams;
  assert.equal(q.get('redirect_uri'), `${srv.d.base}/auth/bitbucket/callback`);
  assert.equal(q.get('code_challenge'), null, 'no PKCE for Bitbucket');
  assert.equal(q.get('scope'), null, 'scopes live on the consumer');
  await authorize(page, srv.d.base, 'bitbucket-bob');
  assert.match(page.url(), /\/auth\/complete$/);
  assert.equal(await page.inputValue('#username'), 'bitbucket-bob');
  assert.equal(await page.inputValue('#email'), 'bob@bitbucket.example');
  assert.equal(await page.textContent('#oauth-who'), zh('oauth.complete.connected', { provider: 'Bitbucket', login: 'bitbucket-bob' }));
  const r = await completeAccount(page);
  assert.equal(r.status(), 303);
  const { body } = await me(page);
  assert.equal(body.email_verified, true);
  assert.deepEqual(body.identities.map((i) => [i.provider, i.login]), [['bitbucket', 'bitbucket-bob']]);
  assert.equal(srv.d.sql(`SELECT subject FROM identities WHERE account_id = ${body.id}`)[0][0], '{2a1f5b1e-0c4d-4d67-9f43-6e0e3c1c7a10}');

  await ctx.clearCookies();
  await signInWith(page, srv.d.base, 'bitbucket', 'bitbucket-bob');
  assert.equal((await me(page)).body.id, body.id, 'and signs in with it the next time');
  await ctx.close();
});

test('a Bitbucket address that is not confirmed is not taken as verified', async () => {
  const { ctx, page } = await newPage();
  await signInWith(page, srv.d.base, 'bitbucket', 'alice_b');
  assert.equal(await page.inputValue('#email'), '');
  assert.equal(await page.inputValue('#username'), 'alice_b');
  await ctx.close();
});

test('Coding sign-up in English: the open-api user, a verified address kept', async () => {
  const { ctx, page } = await newPage({ locale: 'en-US' });
  await signInWith(page, srv.d.base, 'coding', 'coder');
  assert.equal(await page.inputValue('#username'), 'coder');
  assert.equal(await page.inputValue('#email'), 'coder@coding.example');
  assert.equal((await page.textContent('#oauth-reminder')).trim(), en('oauth.complete.reminder', { provider: 'Coding' }));
  await completeAccount(page, { username: 'coder-one' });
  const { body } = await me(page);
  assert.equal(body.username, 'coder-one');
  assert.equal(body.email_verified, true);
  assert.equal(body.identities[0].provider, 'coding');
  assert.equal(srv.d.sql(`SELECT subject FROM identities WHERE account_id = ${body.id}`)[0][0], '7001');
  await ctx.close();
});

test('a Coding address without EmailValidation gets a verification mail', async () => {
  const { ctx, page } = await newPage();
  await signUpWith(page, srv.d.base, 'coding', 'coder-two', { email: 'two@coding.example' });
  const { body } = await me(page);
  assert.equal(body.email_verified, false);
  await srv.sim.waitMail('two@coding.example');
  await ctx.close();
});

test('a provider without a client id is not offered', async () => {
  const only = await startDaoid({ devsim: srv.sim, env: oauthEnv(srv.sim, ['github']) });
  try {
    const { ctx, page } = await newPage();
    await page.goto(only.base + '/login');
    assert.ok(await page.isVisible('#social-github'));
    assert.equal(await page.$('#social-bitbucket'), null);
    assert.equal(await page.$('#social-coding'), null);
    const r = await page.goto(only.base + '/auth/bitbucket');
    assert.equal(r.status(), 404);
    assert.equal(await page.textContent('#notice-message'), zh('oauth.off', { provider: 'Bitbucket' }));
    await ctx.close();
  } finally {
    await only.stop();
  }
  const none = await startDaoid({ devsim: srv.sim });
  try {
    const { ctx, page } = await newPage();
    await page.goto(none.base + '/');
    assert.equal(await page.$('#social-github'), null, 'no GitHub icon without a client id');
    assert.equal((await page.goto(none.base + '/auth/github')).status(), 404);
    await ctx.close();
  } finally {
    await none.stop();
  }
});

test('an identity at a provider no longer configured is no way in: GitHub cannot be unbound for it', async () => {
  const only = await startDaoid({ devsim: srv.sim, env: oauthEnv(srv.sim, ['github']) });
  await registerCallbacks(srv.sim, only.base);
  try {
    const u = await newUser(srv.sim, 'github', { login: 'leftover', email: 'leftover@example.com' });
    const { ctx, page } = await newPage();
    await signUpWith(page, only.base, 'github', u.login);
    const { id } = await (await page.request.get(only.base + '/api/v1/me')).json();
    // bound to Bitbucket while this site still offered it
    only.sql(`INSERT INTO identities (provider, subject, login, account_id, created_at, updated_at)
              VALUES ('bitbucket', '{leftover-bb}', 'leftover-bb', ${id}, 1, 1)`);
    const ids = () => only.sql(`SELECT provider FROM identities WHERE account_id = ${id} ORDER BY provider`).map(([p]) => p);
    await page.goto(only.base + '/settings/accounts');
    assert.equal(await page.textContent('#state-bitbucket'), zh('oauth.accounts.bound'));
    assert.equal(await page.$('#bind-bitbucket'), null, 'not offered');

    assert.equal(await page.$('#unbind-github'), null, 'the only way in that works is not offered for unbinding');
    let r = await forceSubmit(page, '/settings/accounts/unbind', { provider: 'github' });
    assert.equal(r.status(), 409);
    assert.equal(await page.textContent('#alert'), zh('oauth.accounts.err.last_usable', { provider: 'GitHub' }));
    assert.deepEqual(ids(), ['bitbucket', 'github']);

    // the leftover itself can go, GitHub stays; then GitHub is plainly the last way in
    await page.click('#ask-unbind-bitbucket');
    r = await submitClick(page, '#unbind-bitbucket');
    assert.equal(r.status(), 303);
    assert.deepEqual(ids(), ['github']);
    r = await forceSubmit(page, '/settings/accounts/unbind', { provider: 'github' });
    assert.equal(r.status(), 409);
    assert.equal(await page.textContent('#alert'), zh('oauth.accounts.err.last'));
    assert.deepEqual(ids(), ['github']);
    await ctx.close();
  } finally {
    await registerCallbacks(srv.sim, srv.d.base);
    await only.stop();
  }
});

test('a provider API that cannot be reached: a clear page, no account', async () => {
  const closed = await freePort();
  const down = await startDaoid({
    devsim: srv.sim,
    env: { ...oauthEnv(srv.sim, ['github']), DAOID_GITHUB_API_URL: `http://127.0.0.1:${closed}/api` },
  });
  await registerCallbacks(srv.sim, down.base);
  try {
    const u = await newUser(srv.sim, 'github', { login: 'unreached', email: 'unreached@example.com' });
    const calls = (await providerStatus(srv.sim)).token_calls;
    const { ctx, page } = await newPage();
    await startAt(page, down.base, 'github');
    const [resp] = await Promise.all([
      page.waitForResponse((r) => r.url().includes('/auth/github/callback')),
      authorize(page, down.base, u.login),
    ]);
    assert.equal(resp.status(), 502);
    assert.equal(await page.textContent('#notice-message'), zh('oauth.err.unavailable', { provider: 'GitHub' }));
    assert.equal((await providerStatus(srv.sim)).token_calls, calls + 1, 'the code was exchanged, the user could not be read');
    assert.equal(down.sql('SELECT COUNT(*) FROM accounts')[0][0], '0');
    assert.equal((await page.request.get(down.base + '/api/v1/me')).status(), 401);
    await ctx.close();
  } finally {
    await registerCallbacks(srv.sim, srv.d.base);
    await down.stop();
  }
});
