// Two-step sign-in across three daoid nodes on one PostgreSQL database (issue 16): the
// password step on one node, the code step on another, the session good on the third; the
// two-step row used once whichever node asks; an app code used on one node refused on the
// others. Requests go to each node directly, so which node answers is the test's choice.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { useServers } from './lib/harness.mjs';
import { pgDatabase } from './lib/cluster.mjs';
import { account, clientSignIn } from './lib/console.mjs';
import { totp, setUpApp } from './lib/totp.mjs';

const srv = useServers({ nodes: 3, env: () => ({ DAOID_DATABASE: pgDatabase(), DAOID_TRUSTED_PROXIES: '127.0.0.1' }) });
const { nodes } = srv;

const [A, B, C] = [0, 1, 2];
const on = (c, i) => { c.base = nodes[i].base; return c; };

// The password step on node i: the client holds the two-step cookie, no session.
async function passwordOn(i, username) {
  const { client, res } = await clientSignIn(nodes[i], username);
  assert.equal(res.status, 303);
  assert.equal(res.location, '/login/2fa');
  return client;
}

async function codeOn(c, i, code) {
  on(c, i);
  const f = await c.get('/login/2fa');
  assert.equal(f.status, 200, `the two-step row is found on node ${i}`);
  return c.post('/login/2fa', { csrf: f.page.csrf, code });
}

test('password on A, code on B, signed in on C; each code once on every node', async () => {
  const c = await account(nodes[A], srv.sim, 'nodeuser');
  const { secret, step } = await setUpApp(c);
  const id = Number(srv.d.sql("SELECT id FROM accounts WHERE username = 'nodeuser'")[0][0]);

  // password on A, the next step's code on B, the session seen on C
  let two = await passwordOn(A, 'nodeuser');
  let r = await codeOn(two, B, totp(secret, step + 1));
  assert.equal(r.status, 303, r.page.formError || '');
  assert.equal(r.location, '/console');
  assert.equal((await on(two, C).get('/api/v1/me')).status, 200);
  assert.equal(srv.d.sql(`SELECT amr FROM sessions WHERE account_id = ${id} ORDER BY created_at DESC LIMIT 1`)[0][0], 'pwd otp mfa');
  // the row went with its use: A and C know it is gone
  assert.equal((await on(two, A).get('/login/2fa')).status, 410);

  // the same code once more, password on C and code on A: refused as used
  two = await passwordOn(C, 'nodeuser');
  r = await codeOn(two, A, totp(secret, step + 1));
  assert.equal(r.status, 401);
  assert.match(r.page.formError, /已使用/);
  // a recovery-free retry on B with that code: refused there too; still no session
  r = await codeOn(two, B, totp(secret, step + 1));
  assert.equal(r.status, 401);
  assert.equal((await on(two, C).get('/api/v1/me')).status, 401);
});

test('two browsers racing the same code on two nodes: one sign-in', async () => {
  const c = await account(nodes[B], srv.sim, 'racer');
  const { secret, step } = await setUpApp(c);
  const x = await passwordOn(A, 'racer');
  const y = await passwordOn(C, 'racer');
  const fx = await on(x, B).get('/login/2fa');
  const fy = await on(y, C).get('/login/2fa');
  const code = totp(secret, step + 1);
  const [rx, ry] = await Promise.all([
    x.post('/login/2fa', { csrf: fx.page.csrf, code }),
    y.post('/login/2fa', { csrf: fy.page.csrf, code }),
  ]);
  assert.deepEqual([rx.status, ry.status].sort(), [303, 401], `one of the two (${rx.status}, ${ry.status})`);
});
