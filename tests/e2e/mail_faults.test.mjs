// Mail delivery when the SMTP server fails: sign-ups succeed while it is down or answers 451,
// and every mail arrives exactly once when it is back; a 550 makes the mail dead after one
// attempt; mails queued when daoid restarts are still delivered, once.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { useServers, startDaoid, newPage, signup, waitFor } from './lib/harness.mjs';
import { signupClient } from './lib/forms.mjs';

const srv = useServers({ stopping: () => srv.sim.smtpMode('up') });

function outbox(addrs) {
  const list = addrs.map((a) => `'${a}'`).join(', ');
  return srv.d.sql(`SELECT rcpt, status, attempts, COALESCE(last_error, '') FROM outbox WHERE rcpt IN (${list}) ORDER BY id`)
    .map(([rcpt, status, attempts, error]) => ({ rcpt, status, attempts: Number(attempts), error }));
}

// Signs up one account per address in the browser; each lands on the console with the reminder.
async function signupAll(addrs) {
  const { ctx, page } = await newPage();
  for (const email of addrs) {
    await ctx.clearCookies();
    await signup(page, srv.d.base, { email, username: email.split('@')[0] });
    assert.match(page.url(), /\/console$/, `${email} signed up`);
    assert.ok((await page.textContent('#verify-reminder')).includes(`验证邮件已发送至 ${email}`), `${email}: the reminder`);
  }
  await ctx.close();
}

// Waits until every address's mail was tried at least once and waits for another try.
async function triedAndQueued(addrs, error) {
  await waitFor(() => {
    const rows = outbox(addrs);
    return rows.length === addrs.length && rows.every((r) => r.status === 'queued' && r.attempts >= 1);
  }, 'a first failed attempt for every mail', 15000);
  for (const r of outbox(addrs)) assert.match(r.error, error, `${r.rcpt}: ${r.error}`);
  for (const a of addrs) assert.equal((await srv.sim.messages(a)).length, 0, `nothing reached ${a} yet`);
}

// Waits until every address's mail is sent, then checks each arrived exactly once. The guard
// is generous: each failed attempt doubles the wait before the next (1 s, 2 s, 4 s …), and on a
// loaded machine the first mails fail several times while the last sign-ups are made.
async function deliveredOnce(addrs) {
  await waitFor(() => outbox(addrs).every((r) => r.status === 'sent'), 'every mail sent', 120000, 200);
  for (const a of addrs) {
    const got = await srv.sim.messages(a);
    assert.equal(got.length, 1, `${a} got ${got.length} mails`);
    assert.match(got[0].subject, /验证您的 DaoCloud 邮箱/);
  }
}

test('sign-ups while SMTP is down succeed; the mails arrive once it is up, each once', async () => {
  const addrs = [1, 2, 3, 4, 5].map((i) => `down${i}@example.com`);
  await srv.sim.smtpMode('down');
  await signupAll(addrs);
  await triedAndQueued(addrs, /connect|refused/i);
  const accepted = (await srv.sim.smtpStatus()).accepted;
  await srv.sim.smtpMode('up');
  await deliveredOnce(addrs);
  assert.equal((await srv.sim.smtpStatus()).accepted - accepted, 5);
});

test('sign-ups while SMTP answers 451 succeed; the mails arrive once it accepts, each once', async () => {
  const addrs = [1, 2, 3, 4, 5].map((i) => `busy${i}@example.com`);
  await srv.sim.smtpMode('tempfail');
  await signupAll(addrs);
  await triedAndQueued(addrs, /\(reply 451\)/);
  assert.ok((await srv.sim.smtpStatus()).refused >= 5);
  await srv.sim.smtpMode('up');
  await deliveredOnce(addrs);
});

test('a 550 answer makes the mail dead after one attempt, and nothing arrives', async () => {
  const addr = 'gone@example.com';
  await srv.sim.smtpMode('permfail');
  await signupAll([addr]);
  await waitFor(() => outbox([addr])[0]?.status === 'dead', 'the mail to be dead');
  const [row] = outbox([addr]);
  assert.equal(row.attempts, 1);
  assert.match(row.error, /\(reply 550\)/);
  await srv.sim.smtpMode('up');
  // A mail sent after the dead one arrives, so the sender has passed the dead one by.
  const { res } = await signupClient(srv.d.base, { email: 'after-gone@example.com', username: 'after-gone' });
  assert.equal(res.status, 303);
  await srv.sim.waitMail('after-gone@example.com');
  assert.deepEqual(outbox([addr]).map((r) => [r.status, r.attempts]), [['dead', 1]], 'not tried again');
  assert.equal((await srv.sim.messages(addr)).length, 0);
});

test('mails queued when daoid restarts are delivered after the restart, each once', async () => {
  const addrs = [1, 2, 3].map((i) => `restart${i}@example.com`);
  await srv.sim.smtpMode('down');
  await signupAll(addrs);
  await triedAndQueued(addrs, /connect|refused/i);
  await srv.d.stop({ keepDir: true });
  srv.d = await startDaoid({ devsim: srv.sim, dir: srv.d.dir, env: { DAOID_DATABASE: srv.d.env.DAOID_DATABASE } });
  assert.deepEqual(outbox(addrs).map((r) => r.status !== 'sent' && r.status !== 'dead'), [true, true, true], 'the queue survived');
  await srv.sim.smtpMode('up');
  await deliveredOnce(addrs);
  // the accounts from before the restart are all there
  assert.deepEqual(srv.d.sql("SELECT COUNT(*) FROM accounts WHERE username LIKE 'restart%'"), [['3']]);
});
