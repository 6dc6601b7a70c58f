// A full disk under SQLite: the database lives on a tmpfs of its own (mounted here, as root).
// The WAL stays under journal_size_limit while writes go on; once the disk is full a sign-up
// gets a clear error page (no 500, no half-written account) and /readyz says not ready; a mail
// the SMTP server accepted while its outcome could not be written is written once space returns,
// never sent twice; /readyz is ready again once space is freed. Every wait is for an event.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { openSync, readSync, writeSync, closeSync, unlinkSync, statSync, existsSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import net from 'node:net';
import { startDaoid, stopAll, waitFor, tmpDir, sqlite } from './lib/harness.mjs';
import { Client, signupForm, catalog } from './lib/forms.mjs';

const zh = catalog('zh-CN');
const WAL_LIMIT = 1048576; // journal_size_limit, store_sqlite.c

// An SMTP server that counts conversations and, while hold is on, keeps the reply to a
// message's final dot until release() (so the test decides when the server accepts it).
function smtpSink() {
  const sink = { port: 0, hold: false, conversations: [], held: [], socks: new Set() };
  sink.server = net.createServer((sock) => {
    let buf = '', data = null, conv = null;
    sink.socks.add(sock);
    sock.on('close', () => sink.socks.delete(sock));
    sock.on('error', () => {});
    sock.write('220 sink ESMTP\r\n');
    sock.on('data', (d) => {
      buf += d.toString('latin1');
      for (let i; (i = buf.indexOf('\r\n')) >= 0;) {
        const line = buf.slice(0, i);
        buf = buf.slice(i + 2);
        if (data !== null) {
          if (line !== '.') { data += line + '\r\n'; continue; }
          conv.messageId = (/^Message-ID: (.*)$/mi.exec(data) || [])[1];
          data = null;
          const accept = () => { conv.accepted = true; sock.write('250 queued\r\n'); };
          if (sink.hold) sink.held.push(Object.assign(accept, { conv })); else accept();
          continue;
        }
        const cmd = line.slice(0, 4).toUpperCase();
        if (cmd === 'EHLO' || cmd === 'HELO') sock.write('250 sink\r\n');
        else if (cmd === 'MAIL') { conv = { rcpt: [], accepted: false }; sink.conversations.push(conv); sock.write('250 ok\r\n'); }
        else if (cmd === 'RCPT') { conv.rcpt.push((/<([^>]*)>/.exec(line) || [])[1]); sock.write('250 ok\r\n'); }
        else if (cmd === 'DATA') { data = ''; sock.write('354 go on\r\n'); }
        else if (cmd === 'QUIT') sock.end('221 bye\r\n');
        else sock.write('250 ok\r\n');
      }
    });
  });
  sink.to = (addr) => sink.conversations.filter((c) => c.rcpt.includes(addr));
  sink.release = () => { sink.hold = false; for (const f of sink.held.splice(0)) f(); };
  sink.close = () => { for (const s of sink.socks) s.destroy(); sink.server.close(); };
  return new Promise((res) => sink.server.listen(0, '127.0.0.1', () => { sink.port = sink.server.address().port; res(sink); }));
}

let sink, d, mnt, filler;
const walSize = () => (existsSync(d.dbPath + '-wal') ? statSync(d.dbPath + '-wal').size : 0);
const logged = (re) => re.test(d.proc.err);

before(async () => {
  sink = await smtpSink();
  mnt = tmpDir('daoid-full-');
  // a tmpfs of its own, so that filling it touches nothing else (mounting needs root)
  execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=6m,mode=0700', 'tmpfs', mnt]);
  filler = join(mnt, 'filler');
  // the password hash's cost is not what this file is about: the cheapest allowed
  d = await startDaoid({ dir: mnt, env: { DAOID_SMTP_URL: `smtp://127.0.0.1:${sink.port}`,
    DAOID_ARGON2_MEMORY_KIB: '8192', DAOID_ARGON2_ITERATIONS: '1' } });
});

after(async () => {
  sink.release();
  if (d) await d.stop({ keepDir: true });
  await stopAll();
  spawnSync('umount', [mnt]);
  rmSync(mnt, { recursive: true, force: true });
  sink.close();
});

// The WAL header's checkpoint sequence: SQLite adds one each time the log starts over.
function walRestarts() {
  const fd = openSync(d.dbPath + '-wal', 'r');
  const h = Buffer.alloc(16);
  readSync(fd, h, 0, 16, 0);
  closeSync(fd);
  return h.readUInt32BE(12);
}

test('the WAL stays under journal_size_limit while writes go on', async () => {
  // sign-ups (a few dozen pages each) until the log has started over three times, i.e. more
  // than 1.5 MiB was written through it, which SQLite's defaults (a checkpoint at 4 MiB, no
  // size limit) would all keep
  await signupForm(new Client(d.base));
  const start = walRestarts();
  let most = 0, n = 0;
  while (walRestarts() - start < 3) {
    assert.ok(n < 200, `the WAL started over ${walRestarts() - start} times in ${n} sign-ups`);
    const rs = await Promise.all([n++, n++].map(async (k) => {
      const c = new Client(d.base);
      return c.post('/signup', await signupForm(c, { username: `walfill${k}`, email: `walfill${k}@example.com` }));
    }));
    for (const r of rs) assert.equal(r.status, 303);
    most = Math.max(most, walSize());
    assert.ok(most <= WAL_LIMIT, `the WAL reached ${most} bytes`);
  }
  await waitFor(() => sink.conversations.filter((c) => c.accepted).length === n, 'every sign-up mail sent');
  assert.equal((await fetch(d.base + '/readyz')).status, 200);
});

// Fills the tmpfs with a file, then makes writes into what the WAL file still holds (one
// page each, from a connection of the test's own) until SQLite finds no more room.
function fillDisk() {
  const fd = openSync(filler, 'w');
  for (const size of [1 << 20, 1 << 16, 4096, 512]) {
    const chunk = Buffer.alloc(size, 0x5a);
    try { for (;;) writeSync(fd, chunk); } catch (e) { if (e.code !== 'ENOSPC') throw e; }
  }
  closeSync(fd);
  const step = 'UPDATE schema_migrations SET applied_at = applied_at + 1 WHERE version = 1;\n';
  const r = spawnSync('sqlite3', ['-bail', '-cmd', '.timeout 5000', d.dbPath], { input: step.repeat(5000), encoding: 'utf8' });
  assert.match(r.stderr, /database or disk is full/, `writes until the disk is full: ${r.stderr}`);
}

test('on a full disk: a clear error page, not ready, and the mail accepted meanwhile is sent once', async () => {
  // a sign-up whose mail the SMTP server holds at the final dot
  sink.hold = true;
  const c = new Client(d.base);
  const first = await c.post('/signup', await signupForm(c, { username: 'held', email: 'held@example.com' }));
  assert.equal(first.status, 303);
  await waitFor(() => sink.held.length === 1, 'the mail at the SMTP server, waiting for its reply');
  assert.deepEqual(sink.held[0].conv.rcpt, ['held@example.com']);
  const [{ 0: id }] = sqlite(d.dbPath, "SELECT id FROM outbox WHERE rcpt = 'held@example.com' AND status = 'sending'");

  // a form taken while there was room, sent once there is none
  const late = new Client(d.base);
  const form = await signupForm(late, { username: 'nospace', email: 'nospace@example.com' });
  fillDisk();
  const r = await late.post('/signup', form);
  assert.ok(r.status === 503, `sign-up on a full disk: ${r.status}`);
  assert.equal(r.page.formError, zh('error.unavailable'));
  assert.equal(sqlite(d.dbPath, "SELECT COUNT(*) FROM accounts WHERE username = 'nospace'")[0][0], '0', 'no account');
  assert.equal(sqlite(d.dbPath, "SELECT COUNT(*) FROM outbox WHERE rcpt = 'nospace@example.com'")[0][0], '0', 'no mail');
  const ready = await fetch(d.base + '/readyz');
  assert.equal(ready.status, 503);
  assert.match(await ready.text(), /disk full/);
  const why = await (await fetch(d.base + '/readyz', { headers: { Accept: 'application/json' } })).json();
  assert.equal(why.ready, false);
  assert.equal(why.disk, 'full');
  assert.equal(why.database, 'ok', 'a full disk is not a database outage');
  assert.equal(why.reasons.length, 1, JSON.stringify(why));
  assert.match(why.reasons[0], /^disk full/);

  // the server accepts the held mail; its outcome cannot be written
  sink.release();
  await waitFor(() => logged(new RegExp(`mail: cannot record the outcome of #${id}\\b`)), 'the outcome not written');
  assert.ok(walSize() <= WAL_LIMIT, `the WAL holds ${walSize()} bytes on the full disk`);
  assert.equal((await fetch(d.base + '/readyz')).status, 503, 'still not ready');

  // space returns: the kept outcome is written, the mail is not sent again
  unlinkSync(filler);
  await waitFor(() => logged(new RegExp(`mail: #${id} recorded as sent`)), 'the outcome written', 90000, 100);
  assert.equal(sqlite(d.dbPath, `SELECT status FROM outbox WHERE id = ${id}`)[0][0], 'sent');
  const convs = sink.to('held@example.com');
  assert.equal(convs.length, 1, `${convs.length} SMTP conversations for one mail`);
  assert.ok(convs[0].accepted);
  const ok = await fetch(d.base + '/readyz');
  assert.equal(ok.status, 200, 'ready again once space is freed');
  assert.equal(await ok.text(), 'ready\n');
  const fine = await (await fetch(d.base + '/readyz?verbose')).json();
  assert.equal(fine.ready, true);
  assert.equal(fine.disk, 'ok');
  assert.deepEqual(fine.reasons, []);

  // and sign-ups work again
  const again = new Client(d.base);
  const s = await again.post('/signup', await signupForm(again, { username: 'spaceback', email: 'spaceback@example.com' }));
  assert.equal(s.status, 303);
  await waitFor(() => sink.to('spaceback@example.com').some((x) => x.accepted), 'the next mail sent');
  assert.equal(sink.to('held@example.com').length, 1, 'still one conversation for the held mail');
});
