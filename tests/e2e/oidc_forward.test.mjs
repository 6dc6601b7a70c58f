// Forward auth (issue 14): nginx's auth_request in front of a tiny app, with /auth/check
// answering from three daoid nodes on one PostgreSQL database (round robin). Signed out, the
// browser is sent to sign in and back (/auth/start, its target checked against the allowed
// hosts); signed in, the app sees X-Auth-User, X-Auth-Email and X-Auth-Id; a group limit
// answers 403 to others; signed out again, the app is out of reach. nginx is started here on a
// free loopback port with a temporary config and prefix, and stopped after.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import { spawn } from 'node:child_process';
import { mkdtempSync, writeFileSync, rmSync, chmodSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startDevsim, startDaoid, stopAll, freePort, waitFor, browser, PASSWORD } from './lib/harness.mjs';
import { pgDatabase } from './lib/cluster.mjs';
import { account, nextIp } from './lib/console.mjs';

let sim, nodes = [], app, nginx, lbUrl, dir;

async function startProxy(daoidPorts, appPort, port) {
  dir = mkdtempSync(join(tmpdir(), 'daoid-fwd-'));
  chmodSync(dir, 0o755);
  const proxy = `proxy_http_version 1.1; proxy_set_header Connection ""; proxy_set_header Host $http_host;
      proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;`;
  const guard = (loc, query) => `
    location = /_auth${loc} {
      internal;
      proxy_pass http://daoid/auth/check${query};
      proxy_pass_request_body off;
      proxy_set_header Content-Length "";
      ${proxy}
    }`;
  const app_ = (loc) => `
    location ${loc} {
      auth_request /_auth${loc.replace(/\//g, '')};
      auth_request_set $auth_user $upstream_http_x_auth_user;
      auth_request_set $auth_email $upstream_http_x_auth_email;
      auth_request_set $auth_id $upstream_http_x_auth_id;
      proxy_set_header X-Auth-User $auth_user;
      proxy_set_header X-Auth-Email $auth_email;
      proxy_set_header X-Auth-Id $auth_id;
      error_page 401 = @signin;
      proxy_pass http://app;
    }`;
  const conf = `
${process.getuid?.() === 0 ? 'user root;' : ''}
daemon off;
worker_processes 1;
pid ${dir}/nginx.pid;
error_log ${dir}/error.log warn;
events { worker_connections 256; }
http {
  access_log off;
  client_body_temp_path ${dir}/body; proxy_temp_path ${dir}/proxy; fastcgi_temp_path ${dir}/fastcgi;
  uwsgi_temp_path ${dir}/uwsgi; scgi_temp_path ${dir}/scgi;
  upstream daoid {
${daoidPorts.map((p) => `    server 127.0.0.1:${p} max_fails=0;`).join('\n')}
  }
  upstream app { server 127.0.0.1:${appPort}; }
  server {
    listen 127.0.0.1:${port};
    ${guard('app', '')}
    ${guard('ops', '?group=ops')}
    ${app_('/app/')}
    ${app_('/ops/')}
    location @signin { return 302 /auth/start?rd=$scheme://$http_host$request_uri; }
    location / { proxy_pass http://daoid; ${proxy} }
  }
}
`;
  writeFileSync(join(dir, 'nginx.conf'), conf);
  const child = spawn('nginx', ['-p', dir, '-c', join(dir, 'nginx.conf')], { stdio: ['ignore', 'pipe', 'pipe'] });
  const exit = new Promise((res) => child.on('exit', res));
  await waitFor(async () => (await fetch(`http://127.0.0.1:${port}/healthz`)).ok, 'nginx');
  return { async stop() { child.kill('SIGTERM'); await exit; rmSync(dir, { recursive: true, force: true }); } };
}

before(async () => {
  sim = await startDevsim();
  const db = pgDatabase();
  const lbPort = await freePort();
  lbUrl = `http://127.0.0.1:${lbPort}`;
  const env = { DAOID_DATABASE: db, DAOID_PUBLIC_URL: lbUrl, DAOID_TRUSTED_PROXIES: '127.0.0.1', DAOID_AUTH_GROUPS: 'ops=opsy' };
  for (let i = 0; i < 3; i++) nodes.push(await startDaoid({ devsim: sim, env }));
  // the app echoes what it was told about the person
  const appPort = await freePort();
  app = http.createServer((req, res) => {
    res.setHeader('Content-Type', 'application/json');
    res.end(JSON.stringify({ path: req.url, user: req.headers['x-auth-user'], email: req.headers['x-auth-email'], id: req.headers['x-auth-id'] }));
  });
  await new Promise((r) => app.listen(appPort, '127.0.0.1', r));
  nginx = await startProxy(nodes.map((n) => n.port), appPort, lbPort);
  await account({ base: lbUrl }, sim, 'fwd');
  await account({ base: lbUrl }, sim, 'opsy');
});

after(async () => {
  await nginx?.stop();
  app?.close();
  for (const n of nodes) await n.stop();
  await stopAll();
});

test('nginx auth_request: sign in and back, the app sees who; a group; signed out again', async () => {
  const b = await browser();
  const ctx = await b.newContext({ locale: 'en', extraHTTPHeaders: { 'X-Forwarded-For': nextIp() } });
  const page = await ctx.newPage();
  // the app's own query has an & (nginx passes rd unencoded: /auth/start keeps the rest)
  await page.goto(`${lbUrl}/app/hello?x=1&y=2&z`);
  assert.equal(new URL(page.url()).pathname, '/login', 'signed out: to the sign-in page');
  await page.fill('#identifier', 'fwd');
  await page.fill('#password', PASSWORD);
  await Promise.all([page.waitForURL((u) => u.pathname.startsWith('/app/')), page.click('#signin')]);
  const seen = JSON.parse(await page.textContent('body'));
  const id = Number(nodes[0].sql("SELECT id FROM accounts WHERE username = 'fwd'")[0][0]);
  assert.deepEqual(seen, { path: '/app/hello?x=1&y=2&z', user: 'fwd', email: 'fwd@example.com', id: String(id) });
  // every node answers for the session (round robin over three)
  for (let i = 0; i < 6; i++) assert.equal((await page.request.get(`${lbUrl}/app/n${i}`)).status(), 200);
  assert.equal((await page.request.get(`${lbUrl}/ops/x`)).status(), 403, 'not in the ops group');
  // signed out: the app is out of reach again
  await page.goto(`${lbUrl}/settings`);
  await page.click('#account-summary'); // the account menu
  await Promise.all([page.waitForLoadState('load'), page.click('#logout')]);
  const r = await page.request.get(`${lbUrl}/app/hello`, { maxRedirects: 0 });
  assert.equal(r.status(), 302);
  assert.match(r.headers().location, /\/auth\/start\?rd=/);
  await ctx.close();

  // a member of ops passes the group limit
  const ctx2 = await b.newContext({ locale: 'en', extraHTTPHeaders: { 'X-Forwarded-For': nextIp() } });
  const p2 = await ctx2.newPage();
  await p2.goto(`${lbUrl}/ops/panel`);
  await p2.fill('#identifier', 'opsy');
  await p2.fill('#password', PASSWORD);
  await Promise.all([p2.waitForURL((u) => u.pathname.startsWith('/ops/')), p2.click('#signin')]);
  assert.equal(JSON.parse(await p2.textContent('body')).user, 'opsy');
  await ctx2.close();
  // without a cookie /auth/check is a 401 (and with ?redirect=1 and the forwarded URL, a 302)
  const bare = await fetch(`${lbUrl}/auth/check`);
  assert.equal(bare.status, 401);
  const fwd = await fetch(`${lbUrl}/auth/check?redirect=1`, { redirect: 'manual', headers: { 'X-Forwarded-Proto': 'http', 'X-Forwarded-Host': new URL(lbUrl).host, 'X-Forwarded-Uri': '/app/z' } });
  assert.equal(fwd.status, 303);
  const evil = await fetch(`${lbUrl}/auth/check?redirect=1`, { redirect: 'manual', headers: { 'X-Forwarded-Host': 'evil.example', 'X-Forwarded-Uri': '/' } });
  assert.equal(evil.status, 401, 'no redirect to a host not allowed');
});
