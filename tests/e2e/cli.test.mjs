// The command line (issue: email sign-up, "Config" and "Store"): `daoid migrate` on a fresh
// SQLite file and, twice, on the same one (nothing applied the second time, nothing lost); on
// PostgreSQL through each form of its URL (postgres://, postgresql:// and libpq's key=value
// form); an unreachable server; and `daoid check-config` refusing a database URL it cannot use,
// with a message that says why and never repeats a password.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { readdirSync, existsSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { DAOID_BIN, ROOT, sqlite, psql, pgDatabase, tmpDir } from './lib/harness.mjs';

// The newest migration shipped (sql/NNN_name.sql).
const LATEST = Math.max(...readdirSync(join(ROOT, 'sql')).filter((f) => /^\d+_.*\.sql$/.test(f)).map((f) => parseInt(f, 10)));

// Runs `daoid ARGS` with only the given settings; resolves with { code, out, err }.
function daoid(args, env) {
  return new Promise((resolve, reject) => {
    const full = { PATH: process.env.PATH, ...env };
    for (const k of ['ASAN_OPTIONS', 'LSAN_OPTIONS']) if (process.env[k]) full[k] = process.env[k];
    execFile(DAOID_BIN, args, { env: full, encoding: 'utf8', timeout: 60000 }, (e, out, err) => {
      if (/ERROR: (Address|Leak)Sanitizer|runtime error:/.test(err)) reject(new Error(`sanitizer report from daoid ${args[0]}:\n${err}`));
      else resolve({ code: e ? e.code : 0, out, err });
    });
  });
}

const applied = (err) => [...err.matchAll(/applied migration sql\/(\d+)_/g)].map((m) => Number(m[1]));
const allVersions = Array.from({ length: LATEST }, (_, i) => i + 1);

test('migrate on a fresh SQLite file creates the schema; a second run applies nothing and keeps the data', async () => {
  const dir = tmpDir('daoid-cli-');
  const file = join(dir, 'not-yet', 'daoid.db');
  const env = { DAOID_DATABASE: `sqlite:${file}` };
  const first = await daoid(['migrate'], env);
  assert.equal(first.code, 0, first.err);
  assert.match(first.err, new RegExp(`store: sqlite schema version ${LATEST}\\b`));
  assert.deepEqual(applied(first.err), allVersions, 'every migration, in order');
  assert.ok(existsSync(file), 'the file (and its directory) were created');
  assert.deepEqual(sqlite(file, 'SELECT version FROM schema_migrations ORDER BY version').map(([v]) => Number(v)), allVersions);
  const tables = sqlite(file, "SELECT name FROM sqlite_master WHERE type = 'table'").map(([n]) => n);
  for (const t of ['accounts', 'sessions', 'tokens', 'captchas', 'outbox', 'audit', 'identities']) assert.ok(tables.includes(t), t);
  assert.deepEqual(sqlite(file, 'PRAGMA journal_mode'), [['wal']]);

  sqlite(file, "INSERT INTO settings (name, value) VALUES ('cli-test', 'kept')");
  const second = await daoid(['migrate'], env);
  assert.equal(second.code, 0, second.err);
  assert.match(second.err, new RegExp(`schema version ${LATEST}\\b`));
  assert.deepEqual(applied(second.err), [], 'nothing applied again');
  assert.deepEqual(sqlite(file, "SELECT value FROM settings WHERE name = 'cli-test'"), [['kept']]);
  assert.equal(sqlite(file, 'SELECT COUNT(*) FROM schema_migrations')[0][0], String(LATEST));
  rmSync(dir, { recursive: true, force: true });
});

// The three spellings of one PostgreSQL database that daoid accepts.
function pgForms(url) {
  const u = new URL(url);
  return {
    'postgres://': url,
    'postgresql://': url.replace(/^postgres:/, 'postgresql:'),
    'key=value': `host=${u.hostname} port=${u.port} user=${decodeURIComponent(u.username)} dbname=${u.pathname.slice(1)}`,
  };
}

for (const form of ['postgres://', 'postgresql://', 'key=value']) {
  test(`migrate on PostgreSQL with a ${form} URL; a second run applies nothing`, async () => {
    const url = pgDatabase();
    const database = pgForms(url)[form];
    const check = await daoid(['check-config'], { DAOID_DATABASE: database });
    assert.equal(check.code, 0, check.err);
    assert.match(check.out, /config ok/);

    const first = await daoid(['migrate'], { DAOID_DATABASE: database });
    assert.equal(first.code, 0, first.err);
    assert.match(first.err, new RegExp(`store: postgres schema version ${LATEST}\\b`));
    assert.deepEqual(applied(first.err), allVersions);
    assert.deepEqual(psql(url, 'SELECT version FROM schema_migrations ORDER BY version').map(([v]) => Number(v)), allVersions);
    assert.deepEqual(psql(url, "SELECT to_regclass('accounts') IS NOT NULL, to_regclass('sessions') IS NOT NULL, to_regclass('outbox') IS NOT NULL"), [['t', 't', 't']]);

    psql(url, "INSERT INTO settings (name, value) VALUES ('cli-test', 'kept')");
    const second = await daoid(['migrate'], { DAOID_DATABASE: database });
    assert.equal(second.code, 0, second.err);
    assert.deepEqual(applied(second.err), []);
    assert.match(second.err, new RegExp(`schema version ${LATEST}\\b`));
    assert.deepEqual(psql(url, "SELECT value FROM settings WHERE name = 'cli-test'"), [['kept']]);
  });
}

test('migrate against a server that is not there fails clearly, without the password', async () => {
  const r = await daoid(['migrate'], { DAOID_DATABASE: `postgres://daoid:s3cret-pw@127.0.0.1:1/nowhere` });
  assert.equal(r.code, 1);
  assert.match(r.err, /store: .*127\.0\.0\.1.*port 1 failed/);
  assert.doesNotMatch(r.err + r.out, /s3cret-pw/);
});

test('check-config refuses a database URL it cannot use, says why, and never repeats the password', async () => {
  for (const database of [
    'mysql://daoid:hunter2-pw@db.example/daoid',
    'postgress://daoid:hunter2-pw@db.example/daoid',
    'mysql://db.example/daoid?password=hunter2-pw',
    'sqlite:',
    './var/daoid.db',
    '',
  ]) {
    const r = await daoid(['check-config'], { DAOID_DATABASE: database });
    assert.equal(r.code, 1, `${JSON.stringify(database)} refused`);
    assert.match(r.err, /database must be sqlite:PATH or a PostgreSQL URL/, database);
    assert.doesNotMatch(r.err + r.out, /hunter2-pw/, 'no password in the message');
    assert.doesNotMatch(r.out, /config ok/);
    const m = await daoid(['migrate'], { DAOID_DATABASE: database });
    assert.equal(m.code, 1, `migrate refuses ${JSON.stringify(database)} too`);
  }
  for (const database of ['sqlite:./var/daoid.db', 'sqlite:/tmp/x.db', 'postgres://daoid@127.0.0.1:5432/daoid', 'host=127.0.0.1 dbname=daoid']) {
    const r = await daoid(['check-config'], { DAOID_DATABASE: database });
    assert.equal(r.code, 0, `${database}: ${r.err}`);
    assert.match(r.out, /config ok/);
  }
});
