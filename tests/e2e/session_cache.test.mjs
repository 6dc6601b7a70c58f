// Two daoid nodes on one PostgreSQL server of the test's own, each with its session cache: a
// session ended on node A (sign-out, the account disabled by `daoid admin`, a password change
// that ends the other sessions) is refused by node B through the notification, not by the
// cache's TTL: B is asked until it refuses. The time it took is printed (t.diagnostic; typically
// well under 100 ms) but asserted only against what tells the two paths apart — a quarter of
// the TTL — because a wall-clock bound in a test fails on a busy machine. With B's notification
// connection cut (pg_terminate_backend), B bypasses its cache once it notices, and the
// documented worst case is the TTL (10 s: session_cache.h); B then listens again.
//
// And one node on SQLite (S), whose cache is checked against the counters every daoid process on
// the file shares: counted by its metrics (daoid_session_cache_total, daoid_db_statements_total),
// a sign-up and sign-in of another account leaves a cached session cached, `daoid admin` (another
// process) disabling the account is seen on the very next request, and a cached /api/v1/me runs
// no statement.
//
// And with require_2fa (whether the account has a second factor comes with the cached session):
// a node R on the PostgreSQL database and a node Q on S's SQLite file steer a cached session of
// an account without a factor to the set-up; a passkey added and removed by SQL by hand (another
// node, another process) reaches R through the notification and Q through the shared counters
// (bumped by `daoid admin sessions-changed`, harness.mjs's sqlite()) on the next request. That
// command bumps the counter of everything once, and leaves a database no daoid has opened alone.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { performance } from 'node:perf_hooks';
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { startDevsim, startDaoid, stopAll, waitFor, freePort, sqlite, tmpDir, DAOID_BIN, PASSWORD } from './lib/harness.mjs';
import { pgServer, psql } from './lib/cluster.mjs';
import { Client } from './lib/forms.mjs';
import { account, admin, csrfOf } from './lib/console.mjs';

const FALLBACK_MS = 10000;         // SESSION_CACHE_TTL: the bound without notifications
const BOUND_MS = FALLBACK_MS / 4;  // refused long before the TTL: the notification did it

let sim, pg, a, b, s, r, q, metricsPort;

before(async () => {
  sim = await startDevsim();
  pg = pgServer();
  const env = { DAOID_DATABASE: pg.url };
  metricsPort = await freePort();
  [a, b, s] = await Promise.all([
    startDaoid({ devsim: sim, env }),
    startDaoid({ devsim: sim, env }),
    startDaoid({ devsim: sim, env: { DAOID_METRICS_LISTEN: `127.0.0.1:${metricsPort}` } }),
  ]);
  [r, q] = await Promise.all([
    startDaoid({ devsim: sim, env: { ...env, DAOID_REQUIRE_2FA: '1' } }),
    startDaoid({ devsim: sim, env: { DAOID_DATABASE: s.env.DAOID_DATABASE, DAOID_REQUIRE_2FA: '1' } }),
  ]);
  await Promise.all([a, b, r].map((n) => waitFor(() => /listening for session changes/.test(n.proc.err), 'listening')));
});

after(async () => {
  await a?.stop();
  await b?.stop();
  await r?.stop();
  await q?.stop();
  await s?.stop();
  await stopAll();
  pg?.stop();
});

// GET /api/v1/me on node n with client c's cookies: the status.
async function me(n, c) {
  const cookie = [...c.jar].map(([k, v]) => `${k}=${v}`).join('; ');
  const r = await fetch(n.base + '/api/v1/me', { headers: { Cookie: cookie } });
  await r.arrayBuffer();
  return r.status;
}

// A client signed in on node A whose session node B has cached (two answers from B's cache).
async function cachedOnB(name) {
  const c = await account(a, sim, name, { verify: false });
  for (let i = 0; i < 2; i++) assert.equal(await me(b, c), 200, 'B accepts the session');
  return c;
}

// Runs end() (which ends the session of c on node A) and returns how long after it node B
// was first asked the question it refused (the start of that request: a slow answer on a busy
// machine does not count against the cache).
async function refusedAfter(c, end) {
  await end();
  const t0 = performance.now();
  for (;;) {
    const asked = performance.now();
    const s = await me(b, c);
    if (s === 401) return asked - t0;
    assert.equal(s, 200);
    assert.ok(performance.now() - t0 < 4 * FALLBACK_MS, 'B never refused the session');
  }
}

test('sign-out on A is refused on B through the notification', async (t) => {
  const c = await cachedOnB('cache-out');
  const ms = await refusedAfter(c, async () => {
    assert.equal((await c.post('/logout', { csrf: await csrfOf(c, '/settings') })).status, 303);
  });
  t.diagnostic(`B refused after ${ms.toFixed(1)} ms`);
  assert.ok(ms <= BOUND_MS, `B refused ${ms.toFixed(1)} ms after the sign-out`);
});

test('an account disabled by daoid admin (another process) is refused on B through the notification', async (t) => {
  const c = await cachedOnB('cache-off');
  const ms = await refusedAfter(c, async () => {
    const r = await admin(a, ['disable', 'cache-off']);
    assert.equal(r.code, 0, r.err);
  });
  t.diagnostic(`B refused after ${ms.toFixed(1)} ms`);
  assert.ok(ms <= BOUND_MS, `B refused ${ms.toFixed(1)} ms after the disable`);
});

test('a password change on A ends the other sessions on B through the notification', async (t) => {
  const other = await cachedOnB('cache-pw');
  const c = new Client(a.base);
  const form = await c.get('/login');
  assert.equal((await c.post('/login', { csrf: form.page.csrf, identifier: 'cache-pw', password: PASSWORD })).status, 303);
  const ms = await refusedAfter(other, async () => {
    const csrf = await csrfOf(c, '/settings');
    const r = await c.post('/settings/password', { csrf, current: PASSWORD, password: 'another horse battery 43', end_others: '1' });
    assert.ok(r.status < 400, `password changed (${r.status})`);
  });
  t.diagnostic(`B refused after ${ms.toFixed(1)} ms`);
  assert.ok(ms <= BOUND_MS, `B refused ${ms.toFixed(1)} ms after the change`);
  assert.equal(await me(a, c), 200, 'the session that changed it stays');
});

test('with B\'s notification connection cut, B refuses within the fallback, then listens again', async (t) => {
  const c = await cachedOnB('cache-cut');
  const listens = () => (b.proc.err.match(/listening for session changes/g) || []).length;
  const before0 = listens();
  const cut = psql(pg.url, `SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = 'daoid-listen-${b.proc.child.pid}'`);
  assert.equal(cut.length, 1, 'B has one notification connection');
  const ms = await refusedAfter(c, async () => {
    assert.equal((await c.post('/logout', { csrf: await csrfOf(c, '/settings') })).status, 303);
  });
  t.diagnostic(`B refused after ${ms.toFixed(1)} ms`);
  assert.ok(ms <= FALLBACK_MS, `B refused ${ms.toFixed(1)} ms after the sign-out`);
  await waitFor(() => listens() > before0, 'B listening again');
  const d = await cachedOnB('cache-back');
  const ms2 = await refusedAfter(d, async () => {
    assert.equal((await d.post('/logout', { csrf: await csrfOf(d, '/settings') })).status, 303);
  });
  t.diagnostic(`B refused after ${ms2.toFixed(1)} ms`);
  assert.ok(ms2 <= BOUND_MS, `after reconnecting, B refused ${ms2.toFixed(1)} ms after the sign-out`);
});

// S's counters: session cache answers by result, and database statements (all results).
async function counters() {
  const text = await (await fetch(`http://127.0.0.1:${metricsPort}/metrics`)).text();
  const sum = (re) => [...text.matchAll(re)].reduce((n, m) => n + Number(m[1]), 0);
  return {
    hit: sum(/^daoid_session_cache_total\{result="hit"\} (\d+)$/gm),
    miss: sum(/^daoid_session_cache_total\{result="miss"\} (\d+)$/gm),
    statements: sum(/^daoid_db_statements_total\{[^}]*\} (\d+)$/gm),
  };
}

// A client signed up on S whose session S has cached (asked twice).
async function cachedOnS(name) {
  const c = await account(s, sim, name, { verify: false });
  for (let i = 0; i < 2; i++) assert.equal(await me(s, c), 200, 'S accepts the session');
  return c;
}

test('SQLite: a sign-up and sign-in of another account leaves a cached session cached', async () => {
  const ann = await cachedOnS('sq-ann');
  await account(s, sim, 'sq-bob', { verify: false });
  const c = new Client(s.base);
  const form = await c.get('/login');
  assert.equal((await c.post('/login', { csrf: form.page.csrf, identifier: 'sq-bob', password: PASSWORD })).status, 303);
  const m0 = await counters();
  assert.equal(await me(s, ann), 200);
  const m1 = await counters();
  assert.deepEqual([m1.hit - m0.hit, m1.miss - m0.miss], [1, 0], 'answered from the cache');
});

test('SQLite: an account disabled by daoid admin (another process) is refused on the next request', async () => {
  const c = await cachedOnS('sq-off');
  const r = await admin(s, ['disable', 'sq-off']);
  assert.equal(r.code, 0, r.err);
  assert.equal(await me(s, c), 401);
});

test('SQLite: a cached GET /api/v1/me runs no database statement', async (t) => {
  const c = await cachedOnS('sq-me');
  const n = 20;
  const m0 = await counters();
  for (let i = 0; i < n; i++) assert.equal(await me(s, c), 200);
  const m1 = await counters();
  t.diagnostic(`${m1.statements - m0.statements} statements during ${n} requests (the scrape's own gauges and background work included)`);
  assert.equal(m1.hit - m0.hit, n, 'every one from the cache');
  // one statement per request would be n; the scrape's gauges and the janitor make a few
  assert.ok(m1.statements - m0.statements < n / 2, `${m1.statements - m0.statements} statements`);
});

// require_2fa: GET /api/v1/me of c on node n until it answers want (200: the account has a
// factor; 403: steered to the set-up); how long after the first ask it did.
async function answersAfter(n, c, want) {
  const t0 = performance.now();
  for (;;) {
    const asked = performance.now();
    const st = await me(n, c);
    if (st === want) return asked - t0;
    assert.equal(st, want === 200 ? 403 : 200);
    assert.ok(performance.now() - t0 < 4 * FALLBACK_MS, `never answered ${want}`);
  }
}

const PASSKEY = (name) => `INSERT INTO passkeys (account_id, cred_id, cose_alg, public_key, name, created_at)
  SELECT id, 'cred-${name}', -7, 'key', 'laptop', 1 FROM accounts WHERE username = '${name}'`;
const NO_PASSKEY = (name) => `DELETE FROM passkeys WHERE cred_id = 'cred-${name}'`;

test('require_2fa: a passkey added and removed on another node reaches R\'s cached session through the notification', async (t) => {
  const c = await account(a, sim, 'cache-2fa', { verify: false });
  for (let i = 0; i < 2; i++) assert.equal(await me(r, c), 403, 'R steers the session (then from its cache)');
  psql(pg.url, PASSKEY('cache-2fa'));
  const on = await answersAfter(r, c, 200);
  psql(pg.url, NO_PASSKEY('cache-2fa'));
  const off = await answersAfter(r, c, 403);
  t.diagnostic(`R saw the passkey after ${on.toFixed(1)} ms, its removal after ${off.toFixed(1)} ms`);
  assert.ok(on <= BOUND_MS && off <= BOUND_MS, `${on.toFixed(1)} ms, ${off.toFixed(1)} ms`);
});

test('require_2fa on SQLite: a passkey added and removed by hand reaches Q\'s cached session on the next request', async () => {
  const c = await account(s, sim, 'sq-2fa', { verify: false });
  for (let i = 0; i < 2; i++) assert.equal(await me(q, c), 403, 'Q steers the session (then from its cache)');
  sqlite(s.dbPath, PASSKEY('sq-2fa'));
  assert.equal(await me(q, c), 200, 'the passkey, at once');
  sqlite(s.dbPath, NO_PASSKEY('sq-2fa'));
  assert.equal(await me(q, c), 403, 'its removal, at once');
});

// `daoid admin sessions-changed` with DAOID_DATABASE=url: its exit status.
function sessionsChanged(url) {
  try {
    execFileSync(DAOID_BIN, ['admin', 'sessions-changed'], { env: { PATH: process.env.PATH, ASAN_OPTIONS: process.env.ASAN_OPTIONS || '', DAOID_DATABASE: url }, stdio: 'pipe' });
    return 0;
  } catch (e) { return e.status; }
}

test('daoid admin sessions-changed bumps the counter of everything once, and makes no file where no daoid is', () => {
  const bulk = () => readFileSync(`${s.dbPath}-sessgen`).readBigUInt64LE(64); // src/db/sessgen.c
  const n0 = bulk();
  assert.equal(sessionsChanged(`sqlite:${s.dbPath}`), 0);
  assert.equal(bulk(), n0 + 1n);
  const dir = tmpDir();
  assert.equal(sessionsChanged(`sqlite:${join(dir, 'none.db')}`), 0);
  assert.ok(!existsSync(join(dir, 'none.db-sessgen')) && !existsSync(join(dir, 'none.db')), 'no file made');
  rmSync(dir, { recursive: true, force: true });
  assert.equal(sessionsChanged(pg.url), 0, 'PostgreSQL: nothing to do');
});
