// daoid under a service manager: READY=1 and WATCHDOG=1 reach $NOTIFY_SOCKET (a datagram
// socket of the test's), SIGHUP reloads the log level and the limits from the config file,
// and SIGTERM lets a request under way finish before daoid exits (0). The access log is on and
// buffered for a minute (access_log_flush_ms): its lines come out on SIGHUP and on SIGTERM.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import net from 'node:net';
import { writeFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { startDevsim, startDaoid, stopAll, waitFor, tmpDir } from './lib/harness.mjs';

let devsim, d, dir, conf, notify, notes = '', startedAt;
const LONG = 120000; // a cap on waits for events, for a machine under heavy load

// A unix datagram socket that collects what daoid sends (python3: node has no unix datagrams).
function notifySocket(path) {
  const py = spawn('python3', ['-u', '-c', `
import socket, sys
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.bind(sys.argv[1])
print("listening", flush=True)
while True:
    m = s.recv(4096)
    print(m.decode().replace("\\n", " "), flush=True)
`, path], { stdio: ['ignore', 'pipe', 'inherit'] });
  py.stdout.on('data', (x) => { notes += x; });
  py.listening = new Promise((res, rej) => {
    py.stdout.on('data', () => { if (notes.includes('listening')) res(); });
    py.on('exit', (code) => rej(new Error(`the notify socket's python exited ${code}`)));
  });
  return py;
}

const confText = (level, captchaLimit) => `log_level = ${level}\nlimit_captcha_ip = ${captchaLimit}\n`;

before(async () => {
  devsim = await startDevsim();
  dir = tmpDir('daoid-signals-');
  conf = join(dir, 'daoid.conf');
  writeFileSync(conf, confText('info', '10000/1h'));
  notify = notifySocket(join(dir, 'notify.sock'));
  await notify.listening;
  d = await startDaoid({
    devsim,
    env: { DAOID_CONFIG: conf, DAOID_LOG_LEVEL: undefined, DAOID_LIMIT_CAPTCHA_IP: undefined,
      NOTIFY_SOCKET: join(dir, 'notify.sock'), WATCHDOG_USEC: '2000000',
      DAOID_ACCESS_LOG: '1', DAOID_ACCESS_LOG_FLUSH_MS: '60000' },
  });
  startedAt = Date.now();
});
// its buffered access lines are written by the flusher a minute after the first (logged just
// before startedAt): until then only SIGHUP or SIGTERM can have written them
const held = () => Date.now() - startedAt < 50000;

after(async () => {
  notify?.kill();
  await d?.stop();
  await stopAll();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

test('READY=1 once serving, then WATCHDOG=1 while the store answers', async () => {
  await waitFor(() => notes.includes('READY=1'), 'READY=1', LONG);
  assert.equal((await fetch(`${d.base}/readyz`)).status, 200);
  await waitFor(() => notes.includes('WATCHDOG=1'), 'WATCHDOG=1', LONG);
});

test('SIGHUP reloads the log level and the limits', async () => {
  await fetch(`${d.base}/healthz`);
  assert.equal((await fetch(`${d.base}/captcha/new`)).status, 200);
  assert.equal((await fetch(`${d.base}/captcha/new`)).status, 200);
  assert.ok(!d.proc.err.includes('http: GET /healthz answered'), 'no debug line at info');
  const heldAtHup = held();
  if (heldAtHup) assert.doesNotMatch(d.proc.out, / GET \/captcha\/new 200 /, 'the access lines are held');
  writeFileSync(conf, confText('debug', '1/1h'));
  d.proc.child.kill('SIGHUP');
  await waitFor(() => / GET \/captcha\/new 200 /.test(d.proc.out), 'the access lines, written on SIGHUP', LONG);
  if (heldAtHup) assert.ok(Date.now() - startedAt < 55000, 'written on SIGHUP, not by the flusher a minute on');
  await waitFor(() => d.proc.err.includes('SIGHUP: reloaded the log level (debug)'), 'the reload', LONG);
  await waitFor(() => notes.includes('RELOADING=1'), 'RELOADING=1', LONG);
  await fetch(`${d.base}/healthz`);
  await waitFor(() => d.proc.err.includes('http: GET /healthz answered 200'), 'a debug line', LONG);
  assert.equal((await fetch(`${d.base}/captcha/new`)).status, 429);
  // a file with an error changes nothing
  writeFileSync(conf, 'log_level = loud\n');
  d.proc.child.kill('SIGHUP');
  await waitFor(() => d.proc.err.includes('the configuration has errors; nothing changed'), 'the refused reload', LONG);
  assert.equal((await fetch(`${d.base}/captcha/new`)).status, 429);
  assert.ok(d.proc.exited === null);
});

test('SIGTERM: a request under way is answered, then daoid exits 0', async () => {
  const sock = net.connect(d.port, '127.0.0.1');
  let answer = '';
  sock.on('data', (x) => { answer += x; });
  const closed = new Promise((res) => sock.on('close', res));
  await new Promise((res) => sock.on('connect', res));
  const body = 'identifier=nobody&password=x';
  sock.write(`POST /login HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: ${body.length}\r\n\r\n${body.slice(0, 5)}`);
  await waitFor(() => d.proc.err.includes('http: POST /login: the head is in'), 'daoid to read the head', LONG); // a debug line
  d.proc.child.kill('SIGTERM');
  await waitFor(() => d.proc.err.includes('http: stopping: 1 request(s) in flight'), 'the drain to wait for the request', LONG);
  sock.write(body.slice(5));
  await closed.catch(() => {});
  await waitFor(() => /^HTTP\/1\.1 \d{3} /.test(answer), 'the answer', LONG);
  assert.match(answer, /^HTTP\/1\.1 403 /); // no CSRF token: refused, but answered in full
  const exit = await d.proc.exit;
  assert.deepEqual(exit, { code: 0, sig: null });
  // the answered request's access line, buffered, was written on the way out
  await waitFor(() => / POST \/login 403 /.test(d.proc.out), 'the POST\'s access line, written on stop', LONG);
  assert.match(d.proc.err, /http: no request in flight/);
});
