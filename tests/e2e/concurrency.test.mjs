// Things at the same moment: 50 sign-ups for one username make exactly one account and one
// mail; 20 for different usernames all succeed and each gets its mail exactly once; a second
// daoid started on a port the first one listens on refuses to start.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { useServers, waitFor, linkIn, tmpDir, DAOID_BIN } from './lib/harness.mjs';
import { Client, catalog, counts, signupForm } from './lib/forms.mjs';

const zh = catalog('zh-CN');

const srv = useServers();

// n sign-up forms, each fetched by its own client (own csrf cookie, own captcha), filled by
// fields(i); posting is left to the caller.
function prepare(n, fields) {
  return Promise.all(Array.from({ length: n }, async (_, i) => {
    const client = new Client(srv.d.base);
    return { client, form: await signupForm(client, fields(i)) };
  }));
}

test('50 simultaneous sign-ups for one username make exactly one account', async () => {
  const before = counts(srv.d);
  const forms = await prepare(50, (i) => ({ email: `racer${i}@example.com`, username: 'racer' }));
  const answers = await Promise.all(forms.map(({ client, form }) => client.post('/signup', form)));

  const won = answers.filter((r) => r.status === 303);
  assert.equal(won.length, 1, `statuses: ${answers.map((r) => r.status).join(' ')}`);
  assert.equal(won[0].location, '/console');
  const lost = answers.filter((r) => r.status !== 303);
  assert.equal(lost.length, 49);
  for (const r of lost) {
    assert.equal(r.status, 400);
    assert.deepEqual(r.page.errors, { username: zh('signup.err.username_taken') });
    assert.equal(r.page.formError, zh('signup.err.summary'));
  }

  assert.deepEqual(srv.d.sql("SELECT COUNT(*) FROM accounts WHERE username = 'racer'"), [['1']]);
  assert.deepEqual(counts(srv.d), { accounts: before.accounts + 1, outbox: before.outbox + 1, tokens: before.tokens + 1 });
  const [[email]] = srv.d.sql("SELECT email FROM accounts WHERE username = 'racer'");
  assert.deepEqual(srv.d.sql("SELECT kind, rcpt FROM outbox"), [['verify', email]]);

  // The winner is signed in as racer; the mail goes to the winner's address only.
  const winner = forms[answers.indexOf(won[0])];
  assert.equal(winner.form.email, email);
  const me = JSON.parse((await winner.client.get('/api/v1/me')).text);
  assert.deepEqual([me.username, me.email], ['racer', email]);
  await srv.sim.waitMail(email);
  await waitFor(() => srv.d.sql("SELECT status FROM outbox")[0][0] === 'sent', 'the mail sent');
  const all = await srv.sim.messages();
  assert.deepEqual(all.map((m) => m.to), [[email]], 'one mail in all');
});

test('20 simultaneous sign-ups with different usernames all succeed, each mail delivered once', async () => {
  const before = counts(srv.d);
  const sentBefore = (await srv.sim.smtpStatus()).accepted;
  const forms = await prepare(20, (i) => ({ email: `crowd${i}@example.com`, username: `crowd-${i}` }));
  const answers = await Promise.all(forms.map(({ client, form }) => client.post('/signup', form)));
  assert.deepEqual(answers.map((r) => `${r.status} ${r.location}`), Array(20).fill('303 /console'));
  assert.deepEqual(counts(srv.d), { accounts: before.accounts + 20, outbox: before.outbox + 20, tokens: before.tokens + 20 });

  const crowd = "SELECT o.status, COUNT(*) FROM outbox o WHERE o.rcpt LIKE 'crowd%' GROUP BY o.status";
  await waitFor(() => { const rows = srv.d.sql(crowd); return rows.length === 1 && rows[0][0] === 'sent'; }, 'all 20 mails sent', 20000);
  assert.deepEqual(srv.d.sql(crowd), [['sent', '20']]);
  // Every row is sent, so nothing more can go out: count what arrived.
  const links = new Set();
  for (let i = 0; i < 20; i++) {
    const got = await srv.sim.messages(`crowd${i}@example.com`);
    assert.equal(got.length, 1, `crowd${i} got ${got.length} mails`);
    links.add(linkIn(got[0]));
  }
  assert.equal(links.size, 20, 'each mail has its own link');
  assert.equal((await srv.sim.smtpStatus()).accepted - sentBefore, 20);
  assert.deepEqual(srv.d.sql("SELECT COUNT(*) FROM accounts WHERE username LIKE 'crowd-%' AND email_verified = 0"), [['20']]);
});

test('a second daoid on the port the first one listens on refuses to start', async () => {
  const dir = tmpDir('daoid-e2e-');
  const child = spawn(DAOID_BIN, ['serve'], {
    env: { ...srv.d.env, DAOID_DATABASE: `sqlite:${join(dir, 'other.db')}` },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let err = '';
  child.stderr.on('data', (b) => { err += b; });
  const exited = new Promise((res) => child.on('exit', (code, sig) => res(code ?? sig)));
  try {
    const outcome = await Promise.race([
      exited.then((code) => `exited with ${code}`),
      waitFor(() => /daoid .* serving/.test(err), 'the second daoid', 15000).then(() => 'serving'),
    ]);
    let seen = '';
    if (outcome === 'serving') {
      // which of the two answers: the X-Request-Id prefix is per process
      const ids = new Set();
      for (let i = 0; i < 16; i++) ids.add((await fetch(srv.d.base + '/healthz', { headers: { Connection: 'close' } })).headers.get('x-request-id').slice(0, 8));
      seen = ` and ${ids.size} processes answer on ${srv.d.base}`;
    }
    assert.match(outcome, /^exited with [1-9]/, `the second daoid is ${outcome}${seen}:\n${err}`);
    assert.match(err, /cannot listen/);
  } finally {
    child.kill('SIGTERM');
    await exited;
    rmSync(dir, { recursive: true, force: true });
  }
});
