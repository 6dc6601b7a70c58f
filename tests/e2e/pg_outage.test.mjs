// Losing the PostgreSQL server for a while: requests get a clear 503 (page or JSON) within the
// configured timeout, /healthz stays up, /readyz says not ready, nothing is half-written, and
// everything recovers by itself when the server returns, with no restart and nothing lost.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startDevsim, startDaoid, stopAll, waitFor, linkIn } from './lib/harness.mjs';
import { pgServer, psql } from './lib/cluster.mjs';
import { Client, signupForm } from './lib/forms.mjs';

let sim, pg, d;
before(async () => {
  sim = await startDevsim();
  pg = pgServer();
  d = await startDaoid({ devsim: sim, env: { DAOID_DATABASE: pg.url, DAOID_DB_BUSY_TIMEOUT_MS: '2000', DAOID_MAIL_RETRY_BASE: '1s' } });
});
after(async () => {
  await d.stop();
  pg.stop();
  await stopAll();
});

async function timed(fn) {
  const t = Date.now();
  const r = await fn();
  return [r, Date.now() - t];
}

test('database down: 503s, health up, not ready; back: recovers with nothing lost', async () => {
  const alice = new Client(d.base);
  const r0 = await alice.post('/signup', await signupForm(alice, { username: 'before', email: 'before@example.com' }));
  assert.equal(r0.status, 303);
  const [firstMail] = await sim.waitMail('before@example.com');
  const pending = new Client(d.base);
  const form = await signupForm(pending, { username: 'during', email: 'during@example.com' });

  // load from a few clients while the server goes away
  let stop = false;
  const seen = new Map();
  const load = Array.from({ length: 4 }, async () => {
    while (!stop) {
      const r = await alice.get('/api/v1/me').catch(() => ({ status: 0 }));
      seen.set(r.status, (seen.get(r.status) || 0) + 1);
    }
  });

  pg.pause();
  await waitFor(async () => (await fetch(d.base + '/readyz')).status === 503, '/readyz 503');
  assert.equal((await fetch(d.base + '/healthz')).status, 200);
  const down = await fetch(d.base + '/readyz', { headers: { Accept: 'application/json' } });
  assert.equal(down.status, 503);
  const why = await down.json();
  assert.equal(why.ready, false);
  assert.equal(why.database, 'unavailable');
  assert.deepEqual(why.reasons, ['database unavailable']);
  assert.equal(why.schema.applied, -1, 'the schema cannot be read while the database is down');
  const [me, ms] = await timed(() => alice.get('/api/v1/me'));
  assert.equal(me.status, 503);
  assert.deepEqual(JSON.parse(me.text), { error: 'unavailable' });
  assert.ok(ms < 10000, `a request waited ${ms} ms with a 2 s database timeout`);
  const page = await alice.get('/console');
  assert.equal(page.status, 503);
  assert.match(page.text, /服务暂时不可用/);
  const refused = await pending.post('/signup', form);
  assert.equal(refused.status, 503);
  assert.match(refused.text, /服务暂时不可用/);
  const signupPage = await new Client(d.base).get('/signup');
  assert.equal(signupPage.status, 503);

  pg.resume();
  await waitFor(async () => (await fetch(d.base + '/readyz')).status === 200, '/readyz 200 again', 30000, 200);
  stop = true;
  await Promise.all(load);
  assert.ok((seen.get(503) || 0) > 0, `503s while down: ${JSON.stringify([...seen])}`);
  assert.ok(![...seen.keys()].some((s) => s >= 500 && s !== 503), `only 503 as errors: ${JSON.stringify([...seen])}`);

  // the same session works again; the sign-up refused while down left nothing behind
  const back = await alice.get('/api/v1/me');
  assert.equal(back.status, 200);
  assert.equal(JSON.parse(back.text).username, 'before');
  assert.equal(psql(pg.url, "SELECT COUNT(*) FROM accounts WHERE username = 'during'")[0][0], '0');
  const again = new Client(d.base);
  const r1 = await again.post('/signup', await signupForm(again, { username: 'after', email: 'after@example.com' }));
  assert.equal(r1.status, 303);
  const [mail] = await sim.waitMail('after@example.com');
  const v = await again.get(new URL(linkIn(mail)).pathname + new URL(linkIn(mail)).search);
  assert.equal(v.page.noticeTitle, '邮箱激活成功');
  assert.equal((await sim.messages('before@example.com')).length, 1, 'the first mail went out once');
  assert.ok(firstMail.subject);
});

test('a hung database (processes stopped, connections never answered): each request answers 503 within the timeout, then recovers', async () => {
  const alice = new Client(d.base);
  const r0 = await alice.post('/signup', await signupForm(alice, { username: 'frozen', email: 'frozen@example.com' }));
  assert.equal(r0.status, 303);
  pg.freeze();
  try {
    // more requests at once than daoid has worker threads, twice: no thread stays stuck on the
    // hung server (a cancel request to it is never answered either: it goes from its own
    // hung server, and a failed reconnect fails the others at once until the next try)
    const wave = () => Promise.all(Array.from({ length: 10 }, () => timed(() => alice.get('/api/v1/me'))));
    for (const [r, ms] of await wave()) {
      assert.equal(r.status, 503);
      assert.ok(ms < 12000, `a request waited ${ms} ms with a 2 s database timeout`);
    }
    const second = await wave();
    for (const [r] of second) assert.equal(r.status, 503);
    // a request that tried the hung server waited its 2 s timeout at least (load only adds to
    // that): one answered sooner did not try
    const quick = second.filter(([, ms]) => ms < 2000).length;
    assert.ok(quick >= 7, `once the server is known to be down, requests fail at once: ${second.map(([, ms]) => ms)}`);
    assert.equal((await fetch(d.base + '/healthz')).status, 200);
    assert.equal((await fetch(d.base + '/readyz')).status, 503);
  } finally {
    pg.thaw();
  }
  await waitFor(async () => (await alice.get('/api/v1/me')).status === 200, 'recovery after the thaw', 30000, 200);
  assert.equal(JSON.parse((await alice.get('/api/v1/me')).text).username, 'frozen');
});
