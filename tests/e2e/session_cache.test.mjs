// Two daoid nodes on one PostgreSQL server of the test's own, each with its session cache: a
// session ended on node A (sign-out, the account disabled by `daoid admin`, a password change
// that ends the other sessions) is refused by node B through the notification, not by the
// cache's TTL: B is asked until it refuses. The time it took is printed (t.diagnostic; typically
// well under 100 ms) but asserted only against what tells the two paths apart — a quarter of
// the TTL — because a wall-clock bound in a test fails on a busy machine. With B's notification
// connection cut (pg_terminate_backend), B bypasses its cache once it notices, and the
// documented worst case is the TTL (10 s: session_cache.h); B then listens again.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { performance } from 'node:perf_hooks';
import { startDevsim, startDaoid, stopAll, waitFor, PASSWORD } from './lib/harness.mjs';
import { pgServer, psql } from './lib/cluster.mjs';
import { Client } from './lib/forms.mjs';
import { account, admin, csrfOf } from './lib/console.mjs';

const FALLBACK_MS = 10000;         // SESSION_CACHE_TTL: the bound without notifications
const BOUND_MS = FALLBACK_MS / 4;  // refused long before the TTL: the notification did it

let sim, pg, a, b;

before(async () => {
  sim = await startDevsim();
  pg = pgServer();
  const env = { DAOID_DATABASE: pg.url };
  a = await startDaoid({ devsim: sim, env });
  b = await startDaoid({ devsim: sim, env });
  await Promise.all([a, b].map((n) => waitFor(() => /listening for session changes/.test(n.proc.err), 'listening')));
});

after(async () => {
  await a?.stop();
  await b?.stop();
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
