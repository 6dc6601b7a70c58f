// Logs as an operator reads them: with log_format = json every line daoid writes (log and
// access log) is one JSON object with the fields; the request id is X-Request-Id only
// when a trusted proxy sent it; the access log has the client address after trusted_proxies and
// the account where known (access lines are buffered for up to a second: the tests wait for
// them); and no line holds a secret the test used (lib/logscan.mjs, the same
// scan run.sh runs over the whole suite's logs, which must also find a planted one).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import { writeFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { startDevsim, startDaoid, stopAll, waitFor, tmpDir, PASSWORD, CAPTCHA } from './lib/harness.mjs';
import { Client, signupClient } from './lib/forms.mjs';
import { scanLogs } from './lib/logscan.mjs';

let devsim, d, account;
const used = [PASSWORD, CAPTCHA];

before(async () => {
  devsim = await startDevsim();
  d = await startDaoid({ devsim, env: { DAOID_LOG_FORMAT: 'json', DAOID_ACCESS_LOG: '1', DAOID_TRUSTED_PROXIES: '127.0.0.2' } });
  const { client, res } = await signupClient(d.base, { email: 'logs@example.com', username: 'logsuser' });
  assert.equal(res.status, 303);
  for (const v of client.jar.values()) used.push(v);
  const me = await client.get('/api/v1/me');
  account = JSON.parse(me.text).id;
  const mail = await devsim.waitMail('logs@example.com');
  used.push(/token=([A-Za-z0-9_-]+)/.exec(mail[0].text)[1]);
  const c = new Client(d.base);
  const form = await c.get('/login');
  used.push(form.page.csrf);
  assert.equal((await c.post('/login', { csrf: form.page.csrf, identifier: 'logsuser', password: PASSWORD })).status, 303);
  for (const v of c.jar.values()) used.push(v);
});

after(async () => {
  if (!d?.proc.exited) await d?.stop();
  await stopAll();
});

// GET path from a given local address (127.0.0.2 is the trusted proxy); resolves {status, id}.
function getFrom(localAddress, path, headers = {}) {
  return new Promise((resolve, reject) => {
    const req = http.request(`${d.base}${path}`, { localAddress, headers, agent: false }, (res) => {
      res.resume();
      res.on('end', () => resolve({ status: res.statusCode, id: res.headers['x-request-id'] }));
    });
    req.on('error', reject);
    req.end();
  });
}

const lines = (s) => s.split('\n').filter((l) => l.length);
const accessLine = (pred, what) => waitFor(() => lines(d.proc.out).map((l) => JSON.parse(l)).find(pred), what);

test('every line is a JSON object with time, level and message', async () => {
  for (const l of [...lines(d.proc.err), ...lines(d.proc.out)]) {
    const o = JSON.parse(l);
    assert.match(o.time, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/, l);
    assert.ok(['error', 'warn', 'info', 'debug'].includes(o.level), l);
    assert.equal(typeof o.msg, 'string', l);
  }
  assert.ok(lines(d.proc.err).some((l) => JSON.parse(l).msg.startsWith('daoid ')), 'the start line');
});

test('the access log: route, status, duration, client, account where known', async () => {
  const signed = await accessLine((o) => o.msg === 'access' && o.path === '/api/v1/me', 'the /api/v1/me line');
  assert.equal(signed.route, '/api/v1/me');
  assert.equal(signed.status, 200);
  assert.equal(signed.account, account);
  assert.equal(signed.client, '127.0.0.1');
  assert.equal(typeof signed.duration_ms, 'number');
  assert.match(signed.req, /^[0-9a-f]{16}$/);
  const anon = await accessLine((o) => o.msg === 'access' && o.path === '/signup' && o.status === 200, 'the /signup line');
  assert.equal(anon.account, undefined);
  await getFrom('127.0.0.2', '/healthz', { 'X-Forwarded-For': '198.51.100.7' });
  const proxied = await accessLine((o) => o.msg === 'access' && o.client === '198.51.100.7', 'the proxied line');
  assert.equal(proxied.route, '/healthz');
});

test('X-Request-Id is taken from a trusted proxy only', async () => {
  const fromProxy = await getFrom('127.0.0.2', '/healthz', { 'X-Request-Id': 'trace-abc-123' });
  assert.equal(fromProxy.id, 'trace-abc-123');
  await accessLine((o) => o.msg === 'access' && o.req === 'trace-abc-123', 'the proxy-given id in the access log');
  const direct = await getFrom('127.0.0.1', '/healthz', { 'X-Request-Id': 'forged-id-456' });
  assert.notEqual(direct.id, 'forged-id-456');
  const bad = await getFrom('127.0.0.2', '/healthz', { 'X-Request-Id': 'bad id with spaces' });
  assert.match(bad.id, /^[0-9a-f]{16}$/);
  // the access log is buffered (access_log_flush_ms): the direct request's line is waited for,
  // then it must carry daoid's id, and no line the forged one
  await accessLine((o) => o.msg === 'access' && o.req === direct.id, 'the direct request\'s line');
  await accessLine((o) => o.msg === 'access' && o.req === bad.id, 'the badly named request\'s line');
  assert.ok(!d.proc.out.includes('forged-id-456'));
  assert.ok(!d.proc.out.includes('bad id with spaces'));
});

test('no log line holds a password, token, code or cookie the test used', async () => {
  const dir = tmpDir('daoid-logscan-');
  try {
    await d.stop(); // stop writes the access lines still buffered: every line is scanned
    writeFileSync(join(dir, 'ops_logs-daoid-1-1.log'), d.proc.out + d.proc.err);
    assert.ok(used.length >= 6, `secrets collected: ${used.length}`);
    assert.deepEqual(scanLogs(dir, used), []);
    // the scan finds a secret where there is one
    writeFileSync(join(dir, 'planted-daoid-1-0.log'), `{"msg":"oops ${used[2]}"}\n`);
    const hits = scanLogs(dir, used);
    assert.equal(hits.length, 1);
    assert.equal(hits[0].file, 'planted-daoid-1-0.log');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
