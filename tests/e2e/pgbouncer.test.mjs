// daoid through PgBouncer in transaction mode (no session state, no prepared statements that
// outlive a transaction): with db_prepared_statements = 0 as the README says, migrations, the
// email flow and concurrent sign-ups work; left on, daoid notices the vanished statements and
// falls back to unnamed ones without a wrong answer.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startDevsim, startDaoid, stopAll, linkIn, PASSWORD } from './lib/harness.mjs';
import { pgDatabase, psql, startPgBouncer } from './lib/cluster.mjs';
import { Client, signupForm } from './lib/forms.mjs';

let sim, bouncer, d, db;
before(async () => {
  sim = await startDevsim();
  db = pgDatabase();
  bouncer = await startPgBouncer(db.replace(/\/[^/]*$/, '/'), db.slice(db.lastIndexOf('/') + 1));
  d = await startDaoid({ devsim: sim, env: { DAOID_DATABASE: bouncer.url, DAOID_THREADS: '16', DAOID_DB_PREPARED_STATEMENTS: '0' } });
});
after(async () => {
  await d.stop();
  await bouncer.stop();
  await stopAll();
});

test('sign-up, verification and sign-in through PgBouncer (transaction mode)', async () => {
  const c = new Client(d.base);
  const r = await c.post('/signup', await signupForm(c, { username: 'bouncy', email: 'bouncy@example.com' }));
  assert.equal(r.status, 303);
  const [mail] = await sim.waitMail('bouncy@example.com');
  const link = new URL(linkIn(mail));
  const v = await c.get(link.pathname + link.search);
  assert.equal(v.page.noticeTitle, '邮箱激活成功');
  const fresh = new Client(d.base);
  const login = await fresh.get('/login');
  const s = await fresh.post('/login', { csrf: login.page.csrf, identifier: 'bouncy@example.com', password: PASSWORD });
  assert.equal(s.status, 303);
  assert.equal(s.location, '/console');
  assert.equal(JSON.parse((await fresh.get('/api/v1/me')).text).email_verified, true);
});

test('40 concurrent sign-ups over a pool of 10 server connections', async () => {
  const prepared = [];
  for (let k = 0; k < 40; k++) {
    const c = new Client(d.base);
    prepared.push([c, await signupForm(c, { username: `pool${k}`, email: `pool${k}@example.com` })]);
  }
  const res = await Promise.all(prepared.map(([c, f]) => c.post('/signup', f)));
  assert.deepEqual(res.map((x) => x.status), Array(40).fill(303));
  assert.equal(psql(db, "SELECT COUNT(*) FROM accounts WHERE username LIKE 'pool%'")[0][0], '40');
  assert.match(bouncer.log(), new RegExp(`login attempt: db=${db.slice(db.lastIndexOf('/') + 1)}`), 'the connections went through the pooler');
});

test('with prepared statements left on, daoid falls back to unnamed ones by itself', async () => {
  const d2 = await startDaoid({ devsim: sim, env: { DAOID_DATABASE: bouncer.url, DAOID_THREADS: '4' } });
  try {
    // autocommit statements (the sign-up page stores a captcha) from many clients at once, so
    // that the pooler moves daoid's connections between its server connections
    for (let round = 0; round < 5; round++) {
      const pages = await Promise.all(Array.from({ length: 12 }, () => new Client(d2.base).get('/signup')));
      for (const p of pages) assert.equal(p.status, 200);
    }
    const c = new Client(d2.base);
    const r = await c.post('/signup', await signupForm(c, { username: 'fallback', email: 'fallback@example.com' }));
    assert.equal(r.status, 303);
    assert.equal(psql(db, "SELECT COUNT(*) FROM accounts WHERE username = 'fallback'")[0][0], '1');
  } finally {
    const log = await d2.stop();
    assert.match(log, /prepared statement vanished/, 'the fallback happened');
  }
});
