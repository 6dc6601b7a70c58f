// Metrics as an operator consumes them: Debian's Prometheus scrapes a daoid's metrics_listen
// listener; after a sign-up and a sign-in its query API has the sign-in counter, and
// `promtool check metrics` finds nothing to fix in the exposition. /metrics is on the
// metrics listener only (404 on the main one), for the addresses of metrics_allow.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, execFileSync, spawnSync } from 'node:child_process';
import { writeFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { startDevsim, startDaoid, stopAll, freePort, waitFor, tmpDir, PASSWORD } from './lib/harness.mjs';
import { Client, signupClient } from './lib/forms.mjs';

let devsim, d, metricsPort, prom, promUrl, promDir;

before(async () => {
  devsim = await startDevsim();
  metricsPort = await freePort();
  d = await startDaoid({
    devsim,
    env: { DAOID_METRICS_LISTEN: `127.0.0.1:${metricsPort}`, DAOID_TRUSTED_PROXIES: '127.0.0.1' },
  });
  promDir = tmpDir('daoid-prom-');
  const promPort = await freePort();
  promUrl = `http://127.0.0.1:${promPort}`;
  const conf = join(promDir, 'prometheus.yml');
  writeFileSync(conf, `global:\n  scrape_interval: 1s\n  scrape_timeout: 1s\nscrape_configs:\n  - job_name: daoid\n    static_configs:\n      - targets: ['127.0.0.1:${metricsPort}']\n`);
  prom = spawn('prometheus', [`--config.file=${conf}`, `--storage.tsdb.path=${join(promDir, 'data')}`,
    `--web.listen-address=127.0.0.1:${promPort}`, '--log.level=warn'], { stdio: ['ignore', 'ignore', 'pipe'] });
  let promErr = '';
  prom.stderr.on('data', (x) => { promErr += x; });
  prom.on('exit', (code) => { if (code) promErr += `\nprometheus exited ${code}`; });
  // the target is up once Prometheus has scraped it successfully
  await waitFor(async () => {
    if (prom.exitCode !== null) throw new Error(promErr);
    const r = await (await fetch(`${promUrl}/api/v1/targets`)).json();
    return r.data.activeTargets.some((t) => t.health === 'up');
  }, 'prometheus to scrape daoid', 120000, 200);
});

after(async () => {
  if (prom && prom.exitCode === null) {
    const gone = new Promise((res) => prom.on('exit', res));
    prom.kill('SIGTERM');
    await gone;
  }
  if (promDir) rmSync(promDir, { recursive: true, force: true });
  await d?.stop();
  await stopAll();
});

async function promValue(query) {
  const r = await (await fetch(`${promUrl}/api/v1/query?query=${encodeURIComponent(query)}`)).json();
  assert.equal(r.status, 'success');
  return r.data.result.length ? Number(r.data.result[0].value[1]) : null;
}

test('Prometheus sees a sign-in counted once it happened', async () => {
  const q = 'sum(daoid_signins_total{method="password",result="ok"})';
  const { res } = await signupClient(d.base, { email: 'prom@example.com', username: 'promuser' });
  assert.equal(res.status, 303);
  const c = new Client(d.base);
  const form = await c.get('/login');
  const r = await c.post('/login', { csrf: form.page.csrf, identifier: 'promuser', password: PASSWORD });
  assert.equal(r.status, 303, r.text.slice(0, 300));
  const v = await waitFor(async () => { const x = await promValue(q); return x >= 1 ? x : null; }, 'the sign-in in Prometheus', 120000, 200);
  assert.equal(v, 1);
  const signups = await waitFor(() => promValue('sum(daoid_signups_total{method="email",result="ok"})'), 'the sign-up in Prometheus', 120000, 200);
  assert.equal(signups, 1);
  assert.equal(await promValue('daoid_build_info{backend!=""}'), 1);
});

test('promtool check metrics finds nothing in the exposition', async () => {
  const text = await (await fetch(`http://127.0.0.1:${metricsPort}/metrics`)).text();
  for (const family of ['daoid_http_requests_total', 'daoid_http_request_duration_seconds_bucket', 'daoid_signins_total',
    'daoid_captcha_total', 'daoid_mails_total', 'daoid_db_statements_total', 'daoid_db_statement_duration_seconds_bucket',
    'daoid_mail_outbox_depth', 'daoid_sessions_active', 'daoid_hash_slots_in_use'])
    assert.match(text, new RegExp(`^${family}[{ ]`, 'm'), family);
  const p = spawnSync('promtool', ['check', 'metrics'], { input: text, encoding: 'utf8' });
  assert.equal(p.status, 0, p.stdout + p.stderr);
  assert.equal((p.stdout + p.stderr).trim(), '');
});

test('/metrics: only on metrics_listen, only for metrics_allow', async () => {
  assert.equal((await fetch(`${d.base}/metrics`)).status, 404);
  const other = await fetch(`http://127.0.0.1:${metricsPort}/metrics`, { headers: { 'X-Forwarded-For': '203.0.113.9' } });
  assert.equal(other.status, 403);
  assert.equal((await fetch(`http://127.0.0.1:${metricsPort}/login`)).status, 404);
});
