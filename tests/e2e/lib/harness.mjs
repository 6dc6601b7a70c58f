// Test harness for daoid's browser and black-box tests: starts the real binaries (daoid and
// the devsim simulator) on free loopback ports in a temporary directory, drives Debian's
// chromium through playwright-core, reads mail from the simulator's inbox and looks into the
// SQLite file. Every process started here is stopped by stopAll() (and on exit); useServers()
// gives a test file its devsim and daoid for all its tests.
import { spawn, execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, existsSync, mkdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join, resolve, dirname } from 'node:path';
import net from 'node:net';
import { before, after } from 'node:test';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';
import { saveLog, noteSecret, noteFields, noteSetCookies, noteMail } from './logscan.mjs';

export const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');
export const DAOID_BIN = resolve(ROOT, process.env.DAOID_BIN || 'build/daoid');
export const DEVSIM_BIN = resolve(ROOT, process.env.DEVSIM_BIN || 'build/devsim');
export const CAPTCHA = 'TEST7';
export const PASSWORD = 'correct horse battery 42';
noteSecret(PASSWORD);
noteSecret(CAPTCHA);

const procs = new Set();

export function sleep(ms) {
  return new Promise((r) => setTimeout(r, ms));
}

export function freePort() {
  return new Promise((res, rej) => {
    const s = net.createServer();
    s.unref();
    s.on('error', rej);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => res(port));
    });
  });
}

// Output lines that mean a sanitizer found a bug in a process we started.
const SANITIZER = /(ERROR: AddressSanitizer|ERROR: LeakSanitizer|runtime error:|SUMMARY: UndefinedBehaviorSanitizer)/;

function track(child, name) {
  const p = { child, name, out: '', err: '', exited: null };
  child.stdout.on('data', (d) => { p.out += d; });
  child.stderr.on('data', (d) => { p.err += d; });
  // the output is kept in out/logs once the process ends (lib/logscan.mjs checks it for secrets)
  p.exit = new Promise((res) => {
    child.on('exit', (code, sig) => { p.exited = { code, sig }; procs.delete(p); saveLog(name, p.out, p.err); res(p.exited); });
    // a binary that cannot be started (not built: ENOENT) emits 'error' and never 'exit'
    child.on('error', (e) => { if (p.exited) return; p.exited = { code: null, sig: null, error: e.message }; procs.delete(p); res(p.exited); });
  });
  procs.add(p);
  return p;
}

// Waits until fn() gives a truthy value, looking every `every` ms. ms is only a guard against a
// test that would otherwise hang: a passing test never waits for it, so it is generous (a
// sanitizer build on a loaded 2-core machine starts, answers and stops slowly).
async function waitFor(fn, what, ms = 60000, every = 50) {
  const end = Date.now() + ms;
  let last;
  while (Date.now() < end) {
    try {
      const v = await fn();
      if (v) return v;
    } catch (e) { last = e; }
    await sleep(every);
  }
  throw new Error(`timed out waiting for ${what}${last ? ': ' + last.message : ''}`);
}
export { waitFor };

// Waits until a process just started is ready (fn); one that is not (within a generous
// guard) is killed, so that it cannot keep the test file's process alive after the failure.
// A process that exits (or cannot be started) before it is ready fails at once, with its stderr.
async function started(p, fn, what) {
  try {
    await waitFor(() => p.exited || fn(), what, 120000);
    const x = p.exited;
    if (x) {
      throw new Error(`${what}: ${x.error ? `could not start ${p.child.spawnfile}: ${x.error}` : `exited (${x.sig || x.code}) before it was ready`}\n${p.err.slice(-4000)}`);
    }
  } catch (e) {
    p.child.kill('SIGKILL');
    throw e;
  }
}

async function stopProc(p, signal = 'SIGTERM') {
  if (p.exited) return p.exited;
  p.child.kill(signal);
  const timer = setTimeout(() => p.child.kill('SIGKILL'), 60000); // a guard: LeakSanitizer's exit check takes a while
  const r = await p.exit;
  clearTimeout(timer);
  return r;
}

export async function startDevsim(extraArgs = []) {
  const smtpPort = await freePort();
  const httpPort = await freePort();
  const child = spawn(DEVSIM_BIN, ['--smtp-port', String(smtpPort), '--http-port', String(httpPort), ...extraArgs],
    { stdio: ['ignore', 'pipe', 'pipe'] });
  const p = track(child, 'devsim');
  await started(p, () => p.out.includes('devsim ready') || (p.exited && Promise.reject(new Error(p.err))), 'devsim');
  const url = `http://127.0.0.1:${httpPort}`;
  return {
    smtpPort, httpPort, url, proc: p,
    async stop() { return stopProc(p); },
    async smtpMode(mode) {
      const r = await fetch(`${url}/_ctl/smtp`, { method: 'POST', body: JSON.stringify({ mode }) });
      if (!r.ok) throw new Error(`smtp mode ${mode}: ${r.status}`);
      return r.json();
    },
    async smtpStatus() { return (await fetch(`${url}/_ctl/smtp`)).json(); },
    async messages(to) {
      const q = to ? `?to=${encodeURIComponent(to)}` : '';
      const r = await fetch(`${url}/mail/api/messages${q}`);
      const msgs = await r.json();
      for (const m of msgs) noteMail(`${m.text || ''} ${m.html || ''}`);
      return msgs;
    },
    // Waits until `to` has at least n messages; returns them newest first.
    async waitMail(to, n = 1, ms = 60000) {
      return waitFor(async () => { const m = await this.messages(to); return m.length >= n ? m : null; }, `${n} mail(s) to ${to}`, ms, 100);
    },
  };
}

// Where screenshots go: tests/e2e/out, or docs/ for `make screenshots` (E2E_SCREENSHOTS).
export const SHOTS = resolve(ROOT, process.env.E2E_SCREENSHOTS || 'tests/e2e/out');

// The backend the suite runs on: E2E_DB=postgres gives each daoid a fresh database on the
// server tests/with-pg.sh started; otherwise a fresh SQLite file.
export const E2E_DB = process.env.E2E_DB || 'sqlite';

// Rows of a query (tab-separated columns) through psql.
export function psql(url, query) {
  const out = execFileSync('psql', ['-X', '-q', '-A', '-t', '-F', '\t', '-v', 'ON_ERROR_STOP=1', '-d', url, '-c', query],
    { encoding: 'utf8' });
  return out.split('\n').filter((l) => l.length).map((l) => l.split('\t'));
}

export function pgServerUrl() {
  const url = process.env.DAOID_TEST_PG_URL;
  if (!url) throw new Error('DAOID_TEST_PG_URL is not set: run the suite through `make test` (tests/with-pg.sh)');
  return url;
}

let dbCounter = 0;
// A fresh, empty database on the shared server; returns its URL.
export function pgDatabase(serverUrl = pgServerUrl()) {
  const name = `e2e_${process.pid}_${Date.now() % 1e8}_${dbCounter++}`;
  psql(serverUrl, `CREATE DATABASE ${name}`);
  return serverUrl.replace(/\/[^/]*$/, `/${name}`);
}

// Starts daoid (bin: another binary, e.g. an installed package's; port: a chosen one) with a
// fresh database (unless env.DAOID_DATABASE says otherwise); env adds to or overrides the test
// settings below (a null value leaves the setting at daoid's default).
// daoid named localhost (a passkey's RP ID must be a host name, not an address), behind a
// trusted proxy on 127.0.0.1: { d, base }.
export async function startAtLocalhost({ devsim, env = {} } = {}) {
  const port = await freePort();
  const base = `http://localhost:${port}`;
  const d = await startDaoid({ devsim, port, env: { DAOID_TRUSTED_PROXIES: '127.0.0.1', DAOID_PUBLIC_URL: base, ...env } });
  return { d, base };
}

export async function startDaoid({ devsim, env = {}, dir, bin = DAOID_BIN, port } = {}) {
  port = port || await freePort();
  dir = dir || mkdtempSync(join(tmpdir(), 'daoid-e2e-'));
  mkdirSync(dir, { recursive: true });
  const base = `http://127.0.0.1:${port}`;
  const fullEnv = {
    PATH: process.env.PATH,
    ASAN_OPTIONS: process.env.ASAN_OPTIONS || 'detect_leaks=1:abort_on_error=0',
    UBSAN_OPTIONS: 'print_stacktrace=1',
    DAOID_LISTEN: `127.0.0.1:${port}`,
    DAOID_PUBLIC_URL: base,
    DAOID_DATABASE: E2E_DB === 'postgres' && !env.DAOID_DATABASE ? pgDatabase() : `sqlite:${join(dir, 'daoid.db')}`,
    DAOID_CAPTCHA_TEST_ANSWER: CAPTCHA,
    DAOID_MAIL_RETRY_BASE: '1s',
    DAOID_ACCESS_LOG: '0',
    DAOID_LOG_LEVEL: 'info',
    // The cheapest argon2id daoid accepts (about 15 times cheaper than its default): no test
    // here is about the cost, and every sign-up and sign-in pays it. The tests about the cost
    // (the re-hash, the reset's timing) ask for daoid's defaults by passing null.
    DAOID_ARGON2_MEMORY_KIB: '8192',
    DAOID_ARGON2_ITERATIONS: '1',
    DAOID_LIMIT_SIGNUP_IP: '10000/1h',
    DAOID_LIMIT_LOGIN_IP: '10000/5m',
    DAOID_LIMIT_RESEND_IP: '10000/1h',
    DAOID_LIMIT_CAPTCHA_IP: '10000/1h',
    // The PostgreSQL pass of the flow tests: their SQL by hand stands for another node, whose
    // session changes reach this one by notification, a moment later, while the test asks at
    // once. The session cache's own tests (and the scale-out ones, which bring their own
    // databases) keep it on.
    ...(E2E_DB === 'postgres' && !env.DAOID_DATABASE ? { DAOID_SESSION_CACHE: '0' } : {}),
    ...(devsim ? { DAOID_SMTP_URL: `smtp://127.0.0.1:${devsim.smtpPort}` } : {}),
    ...env,
  };
  for (const k of Object.keys(fullEnv)) if (fullEnv[k] === null) delete fullEnv[k]; // null: daoid's default
  const child = spawn(bin, ['serve'], { env: fullEnv, stdio: ['ignore', 'pipe', 'pipe'] });
  const p = track(child, 'daoid');
  await started(p, async () => {
    if (p.exited) throw new Error(`daoid exited: ${p.err}`);
    const r = await fetch(`${base}/healthz`);
    return r.ok;
  }, 'daoid /healthz');
  const db = fullEnv.DAOID_DATABASE;
  const dbPath = db.startsWith('sqlite:') ? db.slice(7) : null;
  return {
    base, port, dir, dbPath, proc: p, env: fullEnv,
    // A setting this daoid runs with (key as in daoid.conf, e.g. 'wechat_bonus_units'): its
    // DAOID_<KEY> variable, else the default the binary itself prints (`daoid config-help`).
    setting(key) {
      const v = fullEnv[`DAOID_${key.toUpperCase()}`];
      if (v !== undefined) return v;
      if (fullEnv.DAOID_CONFIG) throw new Error(`setting ${key}: daoid reads ${fullEnv.DAOID_CONFIG}, which this does not`);
      const help = execFileSync(bin, ['config-help'], { env: fullEnv, encoding: 'utf8' });
      const m = new RegExp(`^${key}\\s+default (\\S+)`, 'm').exec(help);
      if (!m) throw new Error(`setting ${key}: not in \`daoid config-help\``);
      return m[1] === '(empty)' ? '' : m[1];
    },
    // Stops daoid and returns its stderr; fails when it exited badly or a sanitizer spoke.
    async stop({ keepDir = false } = {}) {
      const r = await stopProc(p);
      if (!keepDir) rmSync(dir, { recursive: true, force: true });
      if (SANITIZER.test(p.err)) throw new Error(`sanitizer report from daoid:\n${p.err}`);
      if (r.code !== 0) throw new Error(`daoid exited with ${JSON.stringify(r)}:\n${p.err.slice(-4000)}`);
      return p.err;
    },
    async kill() { return stopProc(p, 'SIGKILL'); },
    // rows of a query on this daoid's database, whichever the backend
    sql(query) { return dbPath ? sqlite(dbPath, query) : psql(db, query); },
  };
}

// Runs a query on a SQLite file with the sqlite3 command line tool; returns rows of strings.
// Like daoid (busy_timeout), it waits for a write lock daoid holds to be released instead of
// failing with "database is locked" when it happens to ask during one of daoid's writes.
// A query that writes also tells the daoids on the file that anything their session caches
// hold may have changed (sessionsChanged), as the tests' SQL stands for daoid's own writes.
export function sqlite(path, query) {
  const out = execFileSync('sqlite3', ['-cmd', '.timeout 10000', '-separator', '\t', path, query], { encoding: 'utf8' });
  if (!/^\s*SELECT\b/i.test(query)) sessionsChanged(path);
  return out.split('\n').filter((l) => l.length).map((l) => l.split('\t'));
}

// Tells the daoids on the SQLite file at path that anything their session caches hold may have
// changed: `daoid admin sessions-changed` bumps the shared session counters (DB-sessgen) with
// the atomic adds daoid's own writers use, so that a bump of theirs at the same moment is not
// lost. It reads nothing but the database's path and opens no store. No counters file yet: no
// daoid has opened the database, so none caches anything of it (and one that opens it later
// reads what the test wrote), and the process is not started.
function sessionsChanged(path) {
  if (!existsSync(`${path}-sessgen`)) return;
  execFileSync(DAOID_BIN, ['admin', 'sessions-changed'], {
    env: { PATH: process.env.PATH, ASAN_OPTIONS: process.env.ASAN_OPTIONS || 'detect_leaks=1', DAOID_DATABASE: `sqlite:${path}` },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
}

// Chromium features the tests turn off, on top of those playwright-core turns off. Every new
// browser window (each newContext's first page) starts the address bar's popup as WebUI pages
// (chrome://omnibox-popup.top-chrome/, twice) in renderers of their own: about 1.5 s of CPU per
// context, more than a third of Chromium's CPU in a sign-up flow, for a popup a headless test
// never opens.
const OFF_FEATURES = ['WebUIOmniboxPopup', 'WebUIOmniboxAimPopup', 'WebUIOmniboxFullPopup'];

// Chromium takes the last --disable-features it is given, so ours repeats playwright-core's own
// list (read from the installed package, so that an upgrade's list is kept).
function disableFeatures() {
  const require = createRequire(import.meta.url);
  const bundle = join(dirname(require.resolve('playwright-core/package.json')), 'lib', 'coreBundle.js');
  const m = existsSync(bundle) && /\bdisabledFeatures = \[([^\]]*)\]/.exec(readFileSync(bundle, 'utf8'));
  if (!m) throw new Error(`cannot find playwright-core's disabled Chromium features in ${bundle}`);
  const theirs = [...m[1].matchAll(/^\s*"(\w+)",?\s*$/gm)].map((x) => x[1]);
  if (theirs.length < 5) throw new Error(`playwright-core's disabled Chromium features look wrong: ${theirs}`);
  return `--disable-features=${[...theirs, ...OFF_FEATURES].join(',')}`;
}

let browserP;
export async function browser() {
  if (!browserP) {
    browserP = chromium.launch({
      executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking',
        '--disable-component-update', '--no-first-run', '--disable-sync', '--disable-quic', disableFeatures()],
    }).then((b) => {
      // every context's secrets are noted for the log scan (lib/logscan.mjs)
      const newContext = b.newContext.bind(b);
      b.newContext = async (...args) => { const ctx = await newContext(...args); noteContextSecrets(ctx); return ctx; };
      return b;
    });
  }
  return browserP;
}

// A fresh browser context (cookies of its own), in Chinese unless told otherwise.
export async function newPage({ locale = 'zh-CN', viewport } = {}) {
  const b = await browser();
  const ctx = await b.newContext({ locale, viewport: viewport || { width: 1100, height: 820 } });
  const page = await ctx.newPage();
  return { ctx, page };
}

// Notes what a browser context sends and gets that must never reach a log: form fields and
// query values that carry secrets, cookie values daoid sets.
export function noteContextSecrets(ctx) {
  ctx.on('request', (req) => {
    try { noteFields(new URL(req.url()).search); } catch { /* not a URL with a query */ }
    const body = req.postData();
    if (body && /x-www-form-urlencoded/.test(req.headers()['content-type'] || '')) noteFields(body);
  });
  ctx.on('response', async (res) => {
    try { noteSetCookies((await res.headersArray()).filter((h) => h.name.toLowerCase() === 'set-cookie').map((h) => h.value)); } catch { /* page gone */ }
  });
}

export async function stopAll() {
  if (browserP) {
    const b = await browserP;
    browserP = null;
    await b.close();
  }
  await Promise.all([...procs].map((p) => stopProc(p)));
}

process.on('exit', () => { for (const p of procs) p.child.kill('SIGKILL'); });

// The servers a test file's tests share, started in node:test's before and stopped in its
// after: a devsim (unless devsim is false) and `nodes` daoids (default one) given env (an
// object, or a function of the devsim that gives one: worked out once, the same for every
// node), each at http://localhost:PORT when localhost (startAtLocalhost: a passkey's RP ID
// must be a name); then ready(servers), the file's own set-up. Returns that object, whose
// fields are filled in before: sim, nodes (every daoid), d (the first: a test that restarts
// it puts the new one here, and that one is stopped after), base (d's public address: the
// localhost one). After: stopping(servers) (e.g. a simulator's fault mode turned off), every
// daoid stopped (which fails on a sanitizer report or a bad exit), then whatever else the
// harness started (stopAll).
export function useServers({ devsim = true, env = {}, localhost = false, nodes = 1, ready, stopping } = {}) {
  const s = {
    sim: null, base: null, nodes: [],
    get d() { return this.nodes[0]; },
    set d(n) { this.nodes[0] = n; },
  };
  before(async () => {
    if (devsim) s.sim = await startDevsim();
    const e = typeof env === 'function' ? env(s.sim) : env;
    for (let i = 0; i < nodes; i++) {
      const n = localhost ? await startAtLocalhost({ devsim: s.sim, env: e }) : { d: await startDaoid({ devsim: s.sim, env: e }) };
      s.nodes.push(n.d);
      if (i === 0) s.base = n.base || n.d.base;
    }
    if (ready) await ready(s);
  });
  after(async () => {
    if (stopping && s.nodes.length) await stopping(s);
    for (const n of s.nodes) await n.stop();
    await stopAll();
  });
  return s;
}

// Fills and submits the sign-up form on page (which must be on /signup).
export async function fillSignup(page, { email, username, password = PASSWORD, captcha = CAPTCHA, terms = true }) {
  if (email !== undefined) await page.fill('#email', email);
  if (username !== undefined) await page.fill('#username', username);
  if (password !== undefined) await page.fill('#password', password);
  if (captcha !== undefined) await page.fill('#captcha', captcha);
  if (terms) await page.check('#terms');
  await Promise.all([page.waitForLoadState('load'), page.click('#register')]);
}

// The console's first visit shows its tour, a modal dialog over the page (console.test.mjs);
// a test that goes on to use the page closes it (Skip) and waits until that is saved.
export async function skipTour(page) {
  if (!(await page.isVisible('#tour'))) return;
  await Promise.all([page.waitForResponse((r) => new URL(r.url()).pathname === '/console/tour'), page.click('#tour-skip')]);
}

export async function signup(page, base, fields) {
  await page.goto(`${base}/signup`);
  await fillSignup(page, fields);
}

// The verification link in a mail's text part.
export function linkIn(msg) {
  const m = /(https?:\/\/\S+\/verify\?token=[A-Za-z0-9_-]+)/.exec(msg.text);
  if (!m) throw new Error(`no verification link in: ${msg.text}`);
  return m[1];
}

export function tmpDir(prefix = 'daoid-') {
  return mkdtempSync(join(tmpdir(), prefix));
}

export { existsSync };
