// The Code Build page (issue: console, item 3), clicked through in Chromium against the
// simulator's fake GitHub, Bitbucket and Coding: bind a platform from /build and its
// repositories appear (name, private or public, default branch, updated, link; the first 100
// and a note when there are more); the provider's token is kept only sealed (the test reads
// every column of every table, and daoid's log, for the token); an expired GitHub token asks
// to bind again, an expired Bitbucket or Coding token is refreshed by one request even when
// several views need it at once; a provider that fails, answers nonsense or is too slow gives a
// message within oauth_timeout, never an error page; a GitHub sign-up keeps its (narrower)
// token and offers to grant private repositories; unbinding drops the token; a token sealed
// with another key asks to bind again. axe-core and a phone-width check of the page.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { mkdirSync } from 'node:fs';
import { useServers, newPage, signup, startDaoid, PASSWORD, DAOID_BIN, SHOTS } from './lib/harness.mjs';
import { catalog, submitClick } from './lib/forms.mjs';
import { axeProblems, overflow } from './lib/console.mjs';
import { oauthServers, newUser, authorize, signInWith, signUpWith, providerMode, providerStatus, oauthEnv } from './lib/oauth.mjs';

const zh = catalog('zh-CN');
const en = catalog('en');
const TIMEOUT_S = 3;

const srv = useServers(oauthServers({ env: { DAOID_OAUTH_TIMEOUT: `${TIMEOUT_S}s` }, stopping: () => providerMode(srv.sim, 'up') }));

const scalar = (q) => { const rows = srv.d.sql(q); return rows.length ? rows[0][0] : null; };
const accountId = (username) => Number(scalar(`SELECT id FROM accounts WHERE username = '${username}'`));

async function ctl(path, body) {
  const r = await fetch(`${srv.sim.url}${path}`, body === undefined ? {} : { method: 'POST', body: JSON.stringify(body) });
  const j = await r.json();
  if (!r.ok) throw new Error(`${path}: ${r.status} ${JSON.stringify(j)}`);
  return j;
}
const tokensOf = (provider, login) => ctl(`/_ctl/oauth/tokens?provider=${provider}&login=${encodeURIComponent(login)}`);
const expire = (provider, login) => ctl('/_ctl/oauth/expire', { provider, login });
const setRepoCount = (provider, login, count) => ctl('/_ctl/repos', { provider, login, count });

// Every value of every column of every table of d's database, as one string per row.
function everyRow() {
  const tables = srv.d.dbPath
    ? srv.d.sql("SELECT name FROM sqlite_master WHERE type = 'table'").map(([t]) => t)
    : srv.d.sql("SELECT table_name FROM information_schema.tables WHERE table_schema = 'public'").map(([t]) => t);
  assert.ok(tables.includes('provider_tokens'));
  return tables.flatMap((t) => srv.d.sql(`SELECT * FROM ${t}`).map((cols) => `${t}: ${cols.join(' | ')}`));
}

// Asserts that none of the strings appears in the database or in daoid's log.
function nowhereInClear(secrets) {
  assert.ok(secrets.length > 0);
  const rows = everyRow();
  for (const s of secrets) {
    assert.ok(s.length > 10);
    const hit = rows.find((r) => r.includes(s));
    assert.equal(hit, undefined, `a token in clear in the database: ${hit}`);
    assert.ok(!srv.d.proc.err.includes(s) && !srv.d.proc.out.includes(s), 'a token in daoid\'s log');
  }
}

// From /build, binds provider as login; resolves on the page daoid sends the browser back to,
// with the authorize request's URL.
async function bindFromBuild(page, provider, login) {
  await page.goto(srv.d.base + '/build');
  const [req] = await Promise.all([
    page.waitForRequest((r) => new URL(r.url()).pathname.includes('authorize')),
    page.click(`#bind-${provider}`),
  ]);
  await authorize(page, srv.d.base, login);
  return new URL(req.url());
}

const repoNames = (page) => page.$$eval('#repo-list .repo-name', (e) => e.map((x) => x.textContent.trim()));

test('bind GitHub from Code Build: its repositories appear, and the token is kept only sealed', async () => {
  const u = await newUser(srv.sim, 'github', { login: 'repo-octo', email: 'repo-octo@example.com' });
  const { ctx, page } = await newPage();
  await signup(page, srv.d.base, { email: 'builder1@example.com', username: 'builder1' });
  await page.goto(srv.d.base + '/build');
  assert.equal(await page.$('#repos'), null, 'nothing bound: no repository part');
  assert.equal(await page.getAttribute('#bind-github', 'href'), '/auth/github?intent=bind&access=repos&next=%2Fbuild%3Fp%3Dgithub');

  const authz = await bindFromBuild(page, 'github', u.login);
  assert.equal(authz.searchParams.get('scope'), 'read:user user:email repo', 'a bind from Code Build asks for repositories');
  assert.equal(new URL(page.url()).pathname + new URL(page.url()).search, '/build?p=github');
  assert.equal((await page.textContent('#bound-github')).trim(), zh('build.bound'));
  assert.equal((await page.textContent('#platform-github .platform-login')).trim(), u.login);
  assert.equal((await page.textContent('#repos-title')).trim(), zh('repos.title', { provider: 'GitHub' }));
  assert.deepEqual(await repoNames(page), ['repo-octo/hello-world', 'repo-octo/api-server', 'repo-octo/docs']);
  const rows = await page.$$eval('#repo-list .repo', (els) => els.map((e) => ({
    vis: e.querySelector('.repo-vis')?.textContent.trim(),
    branch: e.querySelector('.repo-branch')?.textContent.trim(),
    updated: e.querySelector('.repo-updated')?.getAttribute('datetime'),
    shown: e.querySelector('.repo-updated')?.textContent.trim(),
    href: e.querySelector('.repo-name a')?.getAttribute('href'),
  })));
  assert.deepEqual(rows[0], { vis: zh('repos.public'), branch: 'main', updated: '2024-05-01T12:00:00Z', shown: '2024-05-01', href: `${srv.sim.url}/github/repo-octo/hello-world` });
  assert.equal(rows[1].vis, zh('repos.private'));
  assert.equal(rows[1].branch, 'develop');
  assert.equal(rows[2].branch, 'gh-pages');
  assert.equal(await page.$('#repos-more'), null, 'three repositories: nothing more');
  assert.equal(await page.$('#repos-grant'), null, 'the bind granted private repositories');
  mkdirSync(SHOTS, { recursive: true });
  await page.screenshot({ path: join(SHOTS, 'build.png') });

  // stored sealed, for this account's identity
  const id = accountId('builder1');
  assert.equal(scalar(`SELECT COUNT(*) FROM provider_tokens WHERE account_id = ${id} AND provider = 'github' AND scope LIKE '%repo%'`), '1');
  const issued = await tokensOf('github', u.login);
  assert.equal(issued.length, 1);
  nowhereInClear(issued.map((t) => t.token));
  await ctx.close();
});

test('Bitbucket too: more than 100 repositories list the first 100 and say there are more', async () => {
  const u = await newUser(srv.sim, 'bitbucket', { login: 'bb-many', email: 'bb-many@example.com' });
  await setRepoCount('bitbucket', u.login, 130);
  const { ctx, page } = await newPage({ locale: 'en-US' });
  await signup(page, srv.d.base, { email: 'builder2@example.com', username: 'builder2' });
  const authz = await bindFromBuild(page, 'bitbucket', u.login);
  assert.equal(authz.searchParams.get('scope'), null, 'Bitbucket\'s scopes are the consumer\'s');
  assert.match(page.url(), /\/build\?p=bitbucket$/);
  const names = await repoNames(page);
  assert.equal(names.length, 100);
  assert.equal(names[0], 'bb-many/repo-001');
  assert.equal(names[99], 'bb-many/repo-100');
  assert.equal((await page.textContent('#repos-more')).trim(), en('repos.more', { max: 100, provider: 'Bitbucket' }));
  const vis = await page.$$eval('#repo-list .repo-vis', (e) => e.slice(0, 3).map((x) => x.textContent.trim()));
  assert.deepEqual(vis, ['public', 'public', 'private']);
  const issued = await tokensOf('bitbucket', u.login);
  nowhereInClear([...issued.map((t) => t.token), issued[0].refresh_token]);
  await ctx.close();
});

test('an expired GitHub token asks to bind again; binding again lists the repositories', async () => {
  const u = await newUser(srv.sim, 'github', { login: 'expiring-gh', email: 'expiring-gh@example.com' });
  const { ctx, page } = await newPage();
  await signup(page, srv.d.base, { email: 'builder3@example.com', username: 'builder3' });
  await bindFromBuild(page, 'github', u.login);
  assert.equal((await repoNames(page)).length, 3);
  const id = accountId('builder3');
  const gen = Number(scalar(`SELECT generation FROM provider_tokens WHERE account_id = ${id}`));

  assert.equal((await expire('github', u.login)).expired, 1);
  const r = await page.goto(srv.d.base + '/build?p=github');
  assert.equal(r.status(), 200);
  assert.equal(await page.$('#repo-list'), null);
  assert.equal((await page.textContent('#repos-rebind p')).trim(), zh('repos.rebind', { provider: 'GitHub' }));
  assert.equal((await page.textContent('#rebind-github')).trim(), zh('repos.rebind_button', { provider: 'GitHub' }));

  await Promise.all([page.waitForSelector('#authorize'), page.click('#rebind-github')]);
  await authorize(page, srv.d.base, u.login);
  assert.match(page.url(), /\/build\?p=github$/);
  assert.equal((await repoNames(page)).length, 3, 'listed again with the new token');
  assert.equal(await page.$('#repos-rebind'), null);
  assert.equal(Number(scalar(`SELECT generation FROM provider_tokens WHERE account_id = ${id}`)), gen + 1, 'the new token replaced the old');
  await ctx.close();
});

test('an expired Bitbucket token is refreshed without the person noticing, once for views at the same time', async (t) => {
  const u = await newUser(srv.sim, 'bitbucket', { login: 'bb-refresh', email: 'bb-refresh@example.com' });
  const { ctx, page } = await newPage();
  await signup(page, srv.d.base, { email: 'builder4@example.com', username: 'builder4' });
  await bindFromBuild(page, 'bitbucket', u.login);
  assert.equal((await repoNames(page)).length, 3);
  const id = accountId('builder4');
  const before = srv.d.sql(`SELECT access_ct, generation, expires_at FROM provider_tokens WHERE account_id = ${id}`)[0];
  assert.ok(Number(before[2]) > Date.now() / 1000 + 3600, 'Bitbucket said when it expires');

  await expire('bitbucket', u.login);
  const refreshes = (await providerStatus(srv.sim)).refresh_calls;
  const pages = [page, await ctx.newPage(), await ctx.newPage()];
  // distinct URLs: Chromium would queue identical GETs behind one another (its cache lock)
  const t0 = Date.now();
  const loads = await Promise.all(pages.map((p, i) => p.goto(`${srv.d.base}/build?p=bitbucket&view=${i}`)));
  t.diagnostic(`three views with one refresh: ${Date.now() - t0} ms`);
  for (const [i, p] of pages.entries()) {
    assert.equal(loads[i].status(), 200);
    assert.deepEqual(await repoNames(p), ['bb-refresh/hello-world', 'bb-refresh/api-server', 'bb-refresh/docs'], `view ${i}`);
    assert.equal(await p.$('#repos-rebind'), null);
  }
  assert.equal((await providerStatus(srv.sim)).refresh_calls, refreshes + 1, 'one refresh for the three views');
  const after = srv.d.sql(`SELECT access_ct, generation FROM provider_tokens WHERE account_id = ${id}`)[0];
  assert.notEqual(after[0], before[0], 'the new token is stored');
  assert.equal(Number(after[1]), Number(before[1]) + 1);
  const issued = await tokensOf('bitbucket', u.login);
  assert.equal(issued.filter((t) => t.valid).length, 1);
  nowhereInClear([...issued.map((t) => t.token), issued[0].refresh_token]);
  await ctx.close();
});

test('Coding: the team\'s repositories, and a refresh that ends the old token', async () => {
  const u = await newUser(srv.sim, 'coding', { login: 'coder-repos', email: 'coder-repos@example.com' });
  const { ctx, page } = await newPage();
  await signup(page, srv.d.base, { email: 'builder5@example.com', username: 'builder5' });
  const authz = await bindFromBuild(page, 'coding', u.login);
  assert.equal(authz.searchParams.get('scope'), 'user:profile:ro,vcs:repository:ro');
  assert.deepEqual(await repoNames(page), ['coder-repos-project/hello-world', 'coder-repos-project/api-server', 'coder-repos-project/docs']);
  assert.equal(await page.$('#repo-list .repo-vis'), null, 'Coding\'s listing does not say private or public');
  assert.equal(await page.getAttribute('#repo-list .repo-updated', 'datetime'), '2024-05-01T12:00:00Z');

  await expire('coding', u.login);
  const refreshes = (await providerStatus(srv.sim)).refresh_calls;
  await page.reload();
  assert.equal((await repoNames(page)).length, 3);
  assert.equal((await providerStatus(srv.sim)).refresh_calls, refreshes + 1);
  const issued = await tokensOf('coding', u.login);
  assert.deepEqual(issued.map((t) => t.valid), [false, true], 'the refresh ended the old token');
  nowhereInClear([...issued.map((t) => t.token), issued[0].refresh_token]);
  await ctx.close();
});

test('a provider that fails, answers nonsense or is slow: a message in time, never an error page', async (t) => {
  const u = await newUser(srv.sim, 'github', { login: 'flaky-gh', email: 'flaky-gh@example.com' });
  const { ctx, page } = await newPage();
  await signup(page, srv.d.base, { email: 'builder6@example.com', username: 'builder6' });
  await bindFromBuild(page, 'github', u.login);
  assert.equal((await repoNames(page)).length, 3);
  const GH = { provider: 'GitHub', seconds: TIMEOUT_S };
  try {
    for (const [mode, key] of [['error', 'repos.down'], ['badjson', 'repos.bad']]) {
      await providerMode(srv.sim, mode);
      const r = await page.goto(srv.d.base + '/build?p=github');
      assert.equal(r.status(), 200, mode);
      assert.equal((await page.textContent('#repos-error')).trim(), zh(key, GH), mode);
      assert.equal(await page.$('#repo-list'), null);
      assert.ok(await page.isVisible('#bound-github'), 'the platforms are still shown');
    }
    await providerMode(srv.sim, 'slow', 20000);
    const t0 = Date.now();
    const r = await page.goto(srv.d.base + '/build?p=github');
    const ms = Date.now() - t0;
    assert.equal(r.status(), 200);
    assert.equal((await page.textContent('#repos-error')).trim(), zh('repos.timeout', GH));
    // at daoid's timeout (no sooner), not when the provider answered (20 s)
    assert.ok(ms >= TIMEOUT_S * 1000 - 200 && ms < 20000, `answered after ${ms} ms`);
    t.diagnostic(`slow GitHub: the page answered after ${ms} ms (oauth_timeout ${TIMEOUT_S} s)`);
  } finally {
    await providerMode(srv.sim, 'up');
  }
  await page.goto(srv.d.base + '/build?p=github');
  assert.equal((await repoNames(page)).length, 3, 'back once GitHub is');
  await ctx.close();
});

test('a GitHub sign-up keeps its token: public repositories, and a link that grants private ones', async () => {
  const u = await newUser(srv.sim, 'github', { login: 'signup-gh', email: 'signup-gh@example.com' });
  const { ctx, page } = await newPage();
  await signUpWith(page, srv.d.base, 'github', u.login);
  assert.match(page.url(), /\/console$/);
  const id = accountId('signup-gh');
  assert.equal(scalar(`SELECT COUNT(*) FROM oauth_pending WHERE token_ct IS NOT NULL`), '0', 'the pending row is gone');
  await page.goto(srv.d.base + '/build');
  assert.ok(await page.isVisible('#platform-github.selected'), 'the one bound platform is shown');
  assert.deepEqual(await repoNames(page), ['signup-gh/hello-world', 'signup-gh/docs'], 'no `repo` scope: public ones only');
  assert.equal((await page.textContent('#repos-grant')).replace(/\s+/g, ' ').trim(),
    `${zh('repos.grant', { provider: 'GitHub' })} ${zh('repos.grant_button')}`);
  nowhereInClear((await tokensOf('github', u.login)).map((t) => t.token));

  await Promise.all([page.waitForSelector('#authorize'), page.click('#grant-github')]);
  await authorize(page, srv.d.base, u.login);
  assert.deepEqual(await repoNames(page), ['signup-gh/hello-world', 'signup-gh/api-server', 'signup-gh/docs']);
  assert.equal(await page.$('#repos-grant'), null);

  // a later sign-in with GitHub (the narrower scope) keeps the wider grant
  const other = await newPage();
  await signInWith(other.page, srv.d.base, 'github', u.login);
  await other.page.goto(srv.d.base + '/build');
  assert.equal((await repoNames(other.page)).length, 3);
  await other.ctx.close();
  assert.equal(scalar(`SELECT COUNT(*) FROM provider_tokens WHERE account_id = ${id} AND scope LIKE '%repo%'`), '1');
  await ctx.close();
});

test('unbinding a platform drops its token; the other platform keeps its own', async () => {
  const gh = await newUser(srv.sim, 'github', { login: 'unbind-gh', email: 'unbind-gh@example.com' });
  const bb = await newUser(srv.sim, 'bitbucket', { login: 'unbind-bb', email: 'unbind-bb@example.com' });
  const { ctx, page } = await newPage();
  await signup(page, srv.d.base, { email: 'builder7@example.com', username: 'builder7' });
  await bindFromBuild(page, 'github', gh.login);
  await bindFromBuild(page, 'bitbucket', bb.login);
  const id = accountId('builder7');
  const providers = () => srv.d.sql(`SELECT provider FROM provider_tokens WHERE account_id = ${id} ORDER BY provider`).map(([p]) => p);
  assert.deepEqual(providers(), ['bitbucket', 'github']);
  // both bound: ?p= picks which one is listed, the other has a link
  await page.goto(srv.d.base + '/build?p=github');
  assert.equal(await page.getAttribute('#show-bitbucket', 'href'), '/build?p=bitbucket');
  assert.equal(await page.$('#show-github'), null);
  await page.click('#show-bitbucket');
  await page.waitForURL(/p=bitbucket$/);
  assert.equal((await repoNames(page))[0], 'unbind-bb/hello-world');

  await page.goto(srv.d.base + '/settings/accounts');
  await page.click('#ask-unbind-github');
  const r = await submitClick(page, '#unbind-github');
  assert.equal(r.status(), 303);
  assert.deepEqual(providers(), ['bitbucket']);
  await page.goto(srv.d.base + '/build?p=github');
  assert.ok(await page.isVisible('#bind-github'), 'not bound: the bind button again');
  assert.equal((await repoNames(page))[0], 'unbind-bb/hello-world', 'the bound one is listed instead');
  await ctx.close();
});

test('a token sealed with another key asks to bind again (token_key)', async () => {
  const u = await newUser(srv.sim, 'github', { login: 'rekeyed-gh', email: 'rekeyed-gh@example.com' });
  const { ctx, page } = await newPage();
  await signup(page, srv.d.base, { email: 'builder8@example.com', username: 'builder8', password: PASSWORD });
  await bindFromBuild(page, 'github', u.login);
  assert.equal((await repoNames(page)).length, 3);
  await ctx.close();

  // a second node on the same database with its own token_key
  const d2 = await startDaoid({ devsim: srv.sim, env: { ...oauthEnv(srv.sim), DAOID_DATABASE: srv.d.env.DAOID_DATABASE, DAOID_OAUTH_TIMEOUT: `${TIMEOUT_S}s`,
    DAOID_TOKEN_KEY: 'a1'.repeat(32) } });
  try {
    const { ctx: c2, page: p2 } = await newPage();
    await p2.goto(d2.base + '/login');
    await p2.fill('#identifier', 'builder8');
    await p2.fill('#password', PASSWORD);
    await Promise.all([p2.waitForURL(/\/console$/), p2.click('#signin')]);
    const r = await p2.goto(d2.base + '/build?p=github');
    assert.equal(r.status(), 200);
    assert.ok(await p2.isVisible('#repos-rebind'), 'it does not open: bind again');
    await c2.close();
    assert.match(await d2.stop(), /the stored token does not open/);
  } finally {
    if (!d2.proc.exited) await d2.stop();
  }
});

test('a malformed token_key is refused by check-config', async () => {
  const run = (key) => new Promise((resolve) => {
    execFile(DAOID_BIN, ['check-config'], { env: { PATH: process.env.PATH, DAOID_TOKEN_KEY: key }, encoding: 'utf8' },
      (e, out, err) => resolve({ code: e ? e.code : 0, out, err }));
  });
  for (const key of ['not-hex', 'ab'.repeat(31), 'ab'.repeat(33), `${'ab'.repeat(31)}zz`]) {
    const r = await run(key);
    assert.equal(r.code, 1, key);
    assert.match(r.err, /token_key must be 64 hex characters/);
  }
  const ok = await run('AB'.repeat(32));
  assert.equal(ok.code, 0, ok.err);
});

for (const [locale, lang, t] of [['zh-CN', 'zh-CN', zh], ['en-US', 'en', en]]) {
  test(`Code Build passes axe and fits a phone (${lang})`, async () => {
    const problems = [];
    for (const viewport of [{ width: 1100, height: 820 }, { width: 375, height: 667 }]) {
      const { ctx, page } = await newPage({ locale, viewport });
      const name = `a11y-${lang.toLowerCase().replace(/[^a-z]/g, '')}-${viewport.width}`;
      const u = await newUser(srv.sim, 'github', { login: `${name}-gh`, email: `${name}-gh@example.com` });
      await setRepoCount('github', u.login, 105);
      await signup(page, srv.d.base, { email: `${name}@example.com`, username: name });
      const check = async (what) => {
        for (const p of await axeProblems(page)) problems.push(`${viewport.width}px ${what}: ${p}`);
        for (const o of await overflow(page)) problems.push(`${viewport.width}px ${what}: wider than the screen: ${o}`);
      };
      await page.goto(srv.d.base + '/build');
      await check('nothing bound');
      await bindFromBuild(page, 'github', u.login);
      assert.equal((await repoNames(page)).length, 100);
      assert.equal((await page.textContent('#repos-more')).trim(), t('repos.more', { max: 100, provider: 'GitHub' }));
      await check('repositories listed');
      await providerMode(srv.sim, 'error');
      try {
        await page.reload();
        assert.ok(await page.isVisible('#repos-error'));
        await check('provider down');
      } finally {
        await providerMode(srv.sim, 'up');
      }
      await expire('github', u.login);
      await page.reload();
      assert.ok(await page.isVisible('#repos-rebind'));
      await check('bind again');
      if (viewport.width === 375 && lang === 'zh-CN') await page.screenshot({ path: join(SHOTS, 'build-rebind-phone.png'), fullPage: true });
      await ctx.close();
    }
    assert.deepEqual(problems, []);
  });
}
