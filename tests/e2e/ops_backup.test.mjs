// Backups of the SQLite database while daoid serves: `daoid backup FILE` under a steady
// sign-up load, `daoid restore FILE` into a new directory finds every account committed before
// the backup began, a daoid started on the restored copy signs one of them in, and a restore
// onto the database a server runs on is refused.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { existsSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { startDevsim, startDaoid, stopAll, sqlite, tmpDir, DAOID_BIN, PASSWORD } from './lib/harness.mjs';
import { Client, signupClient } from './lib/forms.mjs';

const run = promisify(execFile);
let devsim, d, dir;

before(async () => {
  devsim = await startDevsim();
  d = await startDaoid({ devsim });
  dir = tmpDir('daoid-backup-');
});

after(async () => {
  await d?.stop();
  await stopAll();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

// daoid CLI with d's environment, database overridden
function daoid(args, database = d.env.DAOID_DATABASE) {
  return run(DAOID_BIN, args, { env: { ...d.env, DAOID_DATABASE: database } });
}

test('a backup under sign-up load restores every account committed before it began', async () => {
  let n = 0, stop = false, signedUp;
  const firstSignups = new Promise((res) => { signedUp = res; });
  const load = async (k) => {
    while (!stop) {
      const { res } = await signupClient(d.base, { email: `load${k}-${n}@example.com`, username: `load${k}x${n++}` });
      assert.equal(res.status, 303);
      signedUp(); // an account is committed: the backup has something to copy, the load is on
    }
  };
  const loaders = [load(1), load(2)];
  let before, afterBackup;
  const file = join(dir, 'daoid-backup.db');
  try {
    await firstSignups;
    before = d.sql('SELECT username FROM accounts').map((r) => r[0]);
    const { stdout } = await daoid(['backup', file]);
    assert.match(stdout, /backup written to/);
    afterBackup = Number(d.sql('SELECT COUNT(*) FROM accounts')[0][0]);
  } finally {
    stop = true;
    await Promise.all(loaders);
  }
  assert.ok(existsSync(file) && !existsSync(`${file}.partial`));

  const target = `sqlite:${join(dir, 'restored', 'daoid.db')}`;
  await daoid(['restore', file], target);
  const restored = new Set(sqlite(join(dir, 'restored', 'daoid.db'), 'SELECT username FROM accounts').map((r) => r[0]));
  for (const u of before) assert.ok(restored.has(u), `${u} was committed before the backup`);
  assert.ok(restored.size >= before.length && restored.size <= afterBackup, `${restored.size} accounts`);
  assert.deepEqual(sqlite(join(dir, 'restored', 'daoid.db'), 'PRAGMA integrity_check'), [['ok']]);

  // the restored copy serves: one of the accounts signs in
  const copy = await startDaoid({ devsim, dir: join(dir, 'restored'), env: { DAOID_DATABASE: target } });
  try {
    const c = new Client(copy.base);
    const form = await c.get('/login');
    const r = await c.post('/login', { csrf: form.page.csrf, identifier: before[0], password: PASSWORD });
    assert.equal(r.status, 303);
  } finally {
    await copy.stop({ keepDir: true });
  }
});

test('restore is refused while a server runs on the database, and for a file that is no database', async () => {
  const file = join(dir, 'refused-backup.db');
  await daoid(['backup', file]);
  await assert.rejects(daoid(['restore', file]), (e) => /a daoid server runs on/.test(e.stderr) && e.code === 1);
  await assert.rejects(daoid(['restore', join(dir, 'nothing.db')], `sqlite:${join(dir, 'other', 'd.db')}`),
    (e) => /is not a daoid database/.test(e.stderr));
});
