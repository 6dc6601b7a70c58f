// Image Registry (issue 13): daoid is the token service of a real CNCF Distribution 2.8
// registry (Debian's docker-registry), started here on a free loopback port with a temporary
// storage directory and the config.yml `daoid registry init` wrote; skopeo is the client (the
// protocol of docker login / docker push). Pushes and pulls with a password and with access
// tokens; every refusal answers 401/403 and leaves nothing in the registry's storage.
// Anonymous pulls of library/ as configured (a second daoid and registry on the same storage),
// the token endpoint's limits counted across nodes behind nginx (the same database: SQLite
// here, PostgreSQL in run.sh's second pass), deletion and the operator's garbage collection,
// and releasing a username held for good.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, execFile, execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { gunzipSync } from 'node:zlib';
import { mkdirSync, writeFileSync, existsSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { startDevsim, startDaoid, stopAll, freePort, waitFor, tmpDir, PASSWORD, DAOID_BIN } from './lib/harness.mjs';
import { startNginx } from './lib/cluster.mjs';
import { account, clientSignIn, admin, nextIp, signedIn, axeProblems } from './lib/console.mjs';
import { parsePage, signupClient } from './lib/forms.mjs';

let sim, d, reg, regPort, regDir, work, policy, digestA;

function run(cmd, args, env = process.env) {
  return new Promise((resolve) => {
    execFile(cmd, args, { env, encoding: 'utf8' }, (e, out, err) => {
      resolve({ code: e ? (e.code ?? 1) : 0, out, err });
    });
  });
}

before(async () => {
  sim = await startDevsim();
  work = tmpDir('daoid-registry-');
  regDir = join(work, 'registry');
  regPort = await freePort();
  d = await startDaoid({
    devsim: sim,
    env: {
      DAOID_TRUSTED_PROXIES: '127.0.0.1',
      DAOID_REGISTRY_ADDRESS: `127.0.0.1:${regPort}`,
      DAOID_REGISTRY_API_URL: `http://127.0.0.1:${regPort}`,
      DAOID_REGISTRY_KEY_FILE: join(regDir, 'token-key.pem'),
      DAOID_REGISTRY_ADMINS: 'ops',
      // skopeo's requests all come from 127.0.0.1: the few failures made on purpose from there
      // stay under the limit; the limit itself is tested from an address of its own
      DAOID_LOGIN_CAPTCHA_AFTER: '10',
    },
  });
  const init = await run(DAOID_BIN, ['registry', 'init', '--dir', regDir, '--listen', `127.0.0.1:${regPort}`], d.env);
  assert.equal(init.code, 0, init.err);
  assert.match(init.out, /registry_key_file = .*token-key\.pem/);
  const conf = readFileSync(join(regDir, 'config.yml'), 'utf8');
  assert.match(conf, new RegExp(`realm: ${d.base}/v2/token`));
  reg = await startRegistry(join(regDir, 'config.yml'), regPort);
  policy = join(work, 'policy.json');
  writeFileSync(policy, JSON.stringify({ default: [{ type: 'insecureAcceptAnything' }] }));
  writeImage(join(work, 'oci'));
  writeImage(join(work, 'oci-b'), 'another image\n');
});

// docker-registry serving conf on port, once it answers /v2/ with its token challenge.
async function startRegistry(conf, port) {
  const child = spawn('docker-registry', ['serve', conf], { stdio: ['ignore', 'pipe', 'pipe'] });
  const r = { child, log: '', exit: new Promise((res) => child.on('exit', res)) };
  child.stdout.on('data', (x) => { r.log += x; });
  child.stderr.on('data', (x) => { r.log += x; });
  r.stop = async () => { child.kill('SIGTERM'); await r.exit; };
  await waitFor(async () => (await fetch(`http://127.0.0.1:${port}/v2/`)).status === 401, 'docker-registry /v2/');
  return r;
}

after(async () => {
  if (reg) await reg.stop();
  if (d) await d.stop();
  await stopAll();
  rmSync(work, { recursive: true, force: true });
});

// A small OCI image layout: one layer (a tar with one file), its config (built at a fixed
// time), the manifest, tag "1".
function writeImage(dir, text = 'hello from daoid\n') {
  const blobs = join(dir, 'blobs', 'sha256');
  mkdirSync(blobs, { recursive: true });
  const src = join(dir, '..', `layer-src-${createHash('sha256').update(dir).digest('hex').slice(0, 8)}`);
  mkdirSync(src, { recursive: true });
  writeFileSync(join(src, 'hello.txt'), text);
  const layer = execFileSync('tar', ['--sort=name', '--mtime=@0', '--owner=0', '--group=0', '-cf', '-', '-C', src, 'hello.txt']);
  const blob = (buf) => {
    const h = createHash('sha256').update(buf).digest('hex');
    writeFileSync(join(blobs, h), buf);
    return { digest: `sha256:${h}`, size: buf.length };
  };
  const l = blob(layer);
  const config = Buffer.from(JSON.stringify({
    created: '2026-11-02T03:04:05.5Z', architecture: 'amd64', os: 'linux', config: {},
    rootfs: { type: 'layers', diff_ids: [l.digest] },
  }));
  const c = blob(config);
  const manifest = Buffer.from(JSON.stringify({
    schemaVersion: 2, mediaType: 'application/vnd.oci.image.manifest.v1+json',
    config: { mediaType: 'application/vnd.oci.image.config.v1+json', ...c },
    layers: [{ mediaType: 'application/vnd.oci.image.layer.v1.tar', ...l }],
  }));
  const m = blob(manifest);
  writeFileSync(join(dir, 'oci-layout'), JSON.stringify({ imageLayoutVersion: '1.0.0' }));
  writeFileSync(join(dir, 'index.json'), JSON.stringify({
    schemaVersion: 2,
    manifests: [{ mediaType: 'application/vnd.oci.image.manifest.v1+json', ...m, annotations: { 'org.opencontainers.image.ref.name': '1' } }],
  }));
  return m.digest;
}

const host = () => `127.0.0.1:${regPort}`;
const repoDir = (name) => join(regDir, 'data', 'docker', 'registry', 'v2', 'repositories', name);

// skopeo copy of the test image (or image B: 'oci-b') to REPO:TAG with user:secret.
function push(repo, creds, tag = '1', image = 'oci') {
  return run('skopeo', ['--policy', policy, 'copy', '--dest-tls-verify=false', '--dest-creds', creds,
    `oci:${join(work, image)}:1`, `docker://${host()}/${repo}:${tag}`]);
}
function inspect(repo, creds, tag = '1') {
  return run('skopeo', ['inspect', '--tls-verify=false', '--creds', creds, `docker://${host()}/${repo}:${tag}`]);
}

// Creates an access token through the settings page; returns the secret.
async function newToken(client, { name = 'ci', pull = true, push = true, days = '30' } = {}) {
  const form = await client.get('/settings/tokens/new');
  assert.equal(form.status, 200, 'the creation page (recent sign-in)');
  const body = { csrf: form.page.csrf, name, days };
  if (pull) body.pull = '1';
  if (push) body.push = '1';
  const r = await client.post('/settings/tokens/new', body);
  assert.equal(r.status, 200, r.text.slice(0, 300));
  const m = r.text.match(/id="token-secret">(dao_pat_[A-Za-z0-9_-]{43})</);
  assert.ok(m, 'the secret is shown');
  return m[1];
}

// GET /v2/token from an address of its own (unless headers name one).
async function tokenEndpoint(query, headers = {}) {
  const res = await fetch(`${d.base}/v2/token${query}`, { headers: { 'X-Forwarded-For': nextIp(), ...headers } });
  return { status: res.status, body: await res.json().catch(() => null), headers: res.headers };
}
const basic = (u, p) => ({ Authorization: 'Basic ' + Buffer.from(`${u}:${p}`).toString('base64') });
const jwtParts = (t) => t.split('.').slice(0, 2).map((p) => JSON.parse(Buffer.from(p, 'base64url').toString()));

test('skopeo logs in with the password, pushes alice/app:1 and reads it back', async () => {
  await account(d, sim, 'alice');
  const authfile = join(work, 'auth-alice.json');
  const login = await run('skopeo', ['login', '--tls-verify=false', '--authfile', authfile, '-u', 'alice', '-p', PASSWORD, host()]);
  assert.equal(login.code, 0, login.err);
  assert.match(login.out, /Login Succeeded/);
  const wrong = await run('skopeo', ['login', '--tls-verify=false', '--authfile', join(work, 'auth-x.json'), '-u', 'alice', '-p', 'not the password', host()]);
  assert.notEqual(wrong.code, 0);
  assert.match(wrong.err, /invalid username\/password/);
  // one password login at the token endpoint is one audit row: registry_login, not also a web login
  const rows = () => d.sql("SELECT event, detail FROM audit WHERE account_id = (SELECT id FROM accounts WHERE username = 'alice') ORDER BY id");
  const n0 = rows().length;
  const t = await tokenEndpoint('?service=daoid-registry&scope=repository:alice/app:pull', basic('alice', PASSWORD));
  assert.equal(t.status, 200);
  assert.deepEqual(rows().slice(n0), [['registry_login', 'password']]);

  const p = await push('alice/app', `alice:${PASSWORD}`);
  assert.equal(p.code, 0, p.err);
  const i = await inspect('alice/app', `alice:${PASSWORD}`);
  assert.equal(i.code, 0, i.err);
  const info = JSON.parse(i.out);
  assert.equal(info.Layers.length, 1);
  assert.equal(info.Name, `${host()}/alice/app`);
  const back = join(work, 'back');
  const copy = await run('skopeo', ['--policy', policy, 'copy', '--src-tls-verify=false', '--src-creds', `alice:${PASSWORD}`,
    `docker://${host()}/alice/app:1`, `oci:${back}:1`]);
  assert.equal(copy.code, 0, copy.err);
  // the same image came back: its config (and so its diff_ids) and the layer's file
  const manifestOf = (dir) => {
    const idx = JSON.parse(readFileSync(join(dir, 'index.json'), 'utf8'));
    return JSON.parse(readFileSync(join(dir, 'blobs', 'sha256', idx.manifests[0].digest.slice(7)), 'utf8'));
  };
  const got = manifestOf(back);
  assert.equal(got.config.digest, manifestOf(join(work, 'oci')).config.digest);
  let layer = readFileSync(join(back, 'blobs', 'sha256', got.layers[0].digest.slice(7)));
  if (layer[0] === 0x1f && layer[1] === 0x8b) layer = gunzipSync(layer); // skopeo may compress it
  assert.match(layer.toString('latin1'), /hello from daoid/);
  assert.ok(d.sql("SELECT COUNT(*) FROM audit WHERE event = 'registry_login'")[0][0] > 0);
});

test('access tokens: push with one, refusals for pull-only, revoked and expired tokens', async () => {
  await account(d, sim, 'carol');
  const { client } = await clientSignIn(d, 'carol');
  const before = (await sim.messages('carol@example.com')).length;
  const secret = await newToken(client, { name: 'laptop' });
  // stored only hashed
  assert.equal(d.sql(`SELECT COUNT(*) FROM access_tokens WHERE hash LIKE '%${secret.slice(8, 20)}%' OR name = '${secret}'`)[0][0], '0');
  const mails = await sim.waitMail('carol@example.com', before + 1);
  assert.match(JSON.stringify(mails[0]), /laptop/);
  const settings = await client.get('/settings');
  assert.match(settings.text, /id="token-\d+-name">laptop</);
  assert.match(settings.text, /registry:pull registry:push/);

  const login = await run('skopeo', ['login', '--tls-verify=false', '--authfile', join(work, 'auth-carol.json'), '-u', 'carol', '-p', secret, host()]);
  assert.equal(login.code, 0, login.err);
  const p = await push('carol/app', `carol:${secret}`);
  assert.equal(p.code, 0, p.err);
  assert.equal((await inspect('carol/app', `carol:${secret}`)).code, 0);
  assert.match((await client.get('/settings')).text, /class="last-used">\d/, 'last used is shown');

  // a token of another user with carol's name: refused
  const pull = await newToken(client, { name: 'pull only', push: false });
  assert.equal((await inspect('carol/app', `carol:${pull}`)).code, 0, 'pull-only token pulls');
  const denied = await push('carol/other', `carol:${pull}`);
  assert.notEqual(denied.code, 0);
  assert.match(denied.err, /denied|unauthorized|401|403/i);
  assert.equal(existsSync(repoDir('carol/other')), false, 'nothing written');

  // revoked
  const revokeMe = await newToken(client, { name: 'old' });
  const id = d.sql("SELECT id FROM access_tokens WHERE name = 'old'")[0][0];
  const s = await client.get('/settings');
  const r = await client.post('/settings/tokens/revoke', { csrf: s.page.csrf, id });
  assert.equal(r.status, 303);
  const gone = await push('carol/revoked', `carol:${revokeMe}`);
  assert.notEqual(gone.code, 0);
  assert.equal(existsSync(repoDir('carol/revoked')), false);
  const tr = await tokenEndpoint('?service=daoid-registry&scope=repository:carol/x:pull', basic('carol', revokeMe));
  assert.equal(tr.status, 401);
  assert.match(tr.body.errors[0].message, /unknown or revoked/);

  // expired
  const exp = await newToken(client, { name: 'expiring' });
  d.sql("UPDATE access_tokens SET expires_at = 1000 WHERE name = 'expiring'");
  const te = await tokenEndpoint('?service=daoid-registry&scope=repository:carol/x:pull', basic('carol', exp));
  assert.equal(te.status, 401);
  assert.match(te.body.errors[0].message, /expired/);
  const ep = await push('carol/expired', `carol:${exp}`);
  assert.notEqual(ep.code, 0);
  assert.equal(existsSync(repoDir('carol/expired')), false);
  // another username with carol's token
  await account(d, sim, 'mallory');
  const other = await tokenEndpoint('?service=daoid-registry', basic('mallory', secret));
  assert.equal(other.status, 401);
});

test('policy: no push into another namespace or library/ (admins may), scopes dropped not refused', async () => {
  await account(d, sim, 'bob');
  await account(d, sim, 'ops');
  const other = await push('alice/app', `bob:${PASSWORD}`, '2');
  assert.notEqual(other.code, 0);
  assert.match(other.err, /denied|unauthorized|401|403/i);
  assert.equal(existsSync(join(repoDir('alice/app'), '_manifests', 'tags', '2')), false, 'no tag 2 under alice/app');
  const lib = await push('library/base', `bob:${PASSWORD}`);
  assert.notEqual(lib.code, 0);
  assert.equal(existsSync(repoDir('library/base')), false);
  const ops = await push('library/base', `ops:${PASSWORD}`);
  assert.equal(ops.code, 0, ops.err);
  assert.equal((await inspect('library/base', `bob:${PASSWORD}`)).code, 0, 'everyone pulls library/');
  const nons = await push('app', `bob:${PASSWORD}`);
  assert.notEqual(nons.code, 0, 'no namespace: refused');

  // the token: what policy allows, the rest dropped
  const t = await tokenEndpoint('?service=daoid-registry&scope=repository:bob/app:pull,push&scope=repository:alice/app:pull,push&scope=registry:catalog:*&scope=repository:library/base:pull,push', basic('bob', PASSWORD));
  assert.equal(t.status, 200);
  assert.equal(t.body.token, t.body.access_token);
  assert.equal(t.body.expires_in, 300);
  assert.match(t.body.issued_at, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
  const [h, c] = jwtParts(t.body.token);
  assert.equal(h.alg, 'ES256');
  assert.match(h.kid, /^([A-Z2-7]{4}:){11}[A-Z2-7]{4}$/);
  assert.equal(c.iss, 'daoid');
  assert.equal(c.sub, 'bob');
  assert.equal(c.aud, 'daoid-registry');
  assert.ok(c.exp > c.iat && c.nbf <= c.iat && c.jti);
  assert.deepEqual(c.access, [
    { type: 'repository', name: 'bob/app', actions: ['pull', 'push'] },
    { type: 'repository', name: 'library/base', actions: ['pull'] },
  ]);
});

test('anonymous pulls of library/ follow registry_anonymous_pull: allowed when on, refused when off', async () => {
  // off (d's default): skopeo without credentials is refused, and the token endpoint says sign in
  const off = await run('skopeo', ['inspect', '--tls-verify=false', '--no-creds', `docker://${host()}/library/base:1`]);
  assert.notEqual(off.code, 0, 'anonymous pull refused when off');
  assert.match(off.err, /unauthorized|authentication required|401/i);
  assert.equal((await tokenEndpoint('?service=daoid-registry&scope=repository:library/base:pull')).status, 401);
  // on: a daoid configured so, and a registry of its own on the same storage trusting its key
  const dir2 = join(work, 'registry-anon');
  const port2 = await freePort();
  const anon = await startDaoid({
    devsim: sim,
    env: {
      DAOID_REGISTRY_ADDRESS: `127.0.0.1:${port2}`, DAOID_REGISTRY_API_URL: `http://127.0.0.1:${port2}`,
      DAOID_REGISTRY_KEY_FILE: join(dir2, 'token-key.pem'), DAOID_REGISTRY_ANONYMOUS_PULL: '1',
    },
  });
  let reg2;
  try {
    const init = await run(DAOID_BIN, ['registry', 'init', '--dir', dir2, '--listen', `127.0.0.1:${port2}`,
      '--storage', join(regDir, 'data')], anon.env);
    assert.equal(init.code, 0, init.err);
    reg2 = await startRegistry(join(dir2, 'config.yml'), port2);
    const at = (ref) => `docker://127.0.0.1:${port2}/${ref}`;
    const on = await run('skopeo', ['inspect', '--tls-verify=false', '--no-creds', at('library/base:1')]);
    assert.equal(on.code, 0, `anonymous pull of library/ allowed when on: ${on.err}`);
    assert.equal(JSON.parse(on.out).Layers.length, 1);
    // only pull, only library/: another namespace and pushes stay refused
    const ns = await run('skopeo', ['inspect', '--tls-verify=false', '--no-creds', at('alice/app:1')]);
    assert.notEqual(ns.code, 0, 'no anonymous pull outside library/');
    const p = await run('skopeo', ['--policy', policy, 'copy', '--dest-tls-verify=false', '--dest-no-creds',
      `oci:${join(work, 'oci')}:1`, at('library/anon:1')]);
    assert.notEqual(p.code, 0, 'no anonymous push');
    assert.equal(existsSync(repoDir('library/anon')), false);
    const tr = await fetch(`${anon.base}/v2/token?service=daoid-registry&scope=repository:library/base:pull,push&scope=repository:alice/app:pull`);
    assert.equal(tr.status, 200);
    const [, c] = jwtParts((await tr.json()).token);
    assert.equal(c.sub, '');
    assert.deepEqual(c.access, [{ type: 'repository', name: 'library/base', actions: ['pull'] }]);
  } finally {
    if (reg2) await reg2.stop();
    await anon.stop();
  }
});

test('wrong password, disabled and deleted accounts are refused; nothing written', async () => {
  await account(d, sim, 'dave');
  await account(d, sim, 'erin');
  const wrong = await push('dave/app', 'dave:wrong password here');
  assert.notEqual(wrong.code, 0);
  assert.equal(existsSync(repoDir('dave/app')), false);
  assert.equal((await admin(d, ['disable', 'dave'])).code, 0);
  const dis = await tokenEndpoint('?service=daoid-registry&scope=repository:dave/app:pull,push', basic('dave', PASSWORD));
  assert.equal(dis.status, 401);
  assert.match(dis.body.errors[0].message, /disabled/);
  assert.notEqual((await push('dave/app', `dave:${PASSWORD}`)).code, 0);
  assert.equal(existsSync(repoDir('dave/app')), false);

  const { client } = await clientSignIn(d, 'erin');
  const tok = await newToken(client, { name: 'erin ci' });
  assert.equal((await admin(d, ['delete', 'erin', '--yes'])).code, 0);
  const del = await tokenEndpoint('?service=daoid-registry&scope=repository:erin/app:pull,push', basic('erin', tok));
  assert.equal(del.status, 401);
  assert.notEqual((await push('erin/app', `erin:${PASSWORD}`)).code, 0);
  assert.equal(existsSync(repoDir('erin/app')), false);
});

test('the token endpoint: clear 400 and 401 answers for bad input', async () => {
  const cases = [
    ['', basic('alice', PASSWORD), 400, /service/],
    ['?service=other', basic('alice', PASSWORD), 400, /unknown service/],
    ['?service=daoid-registry&scope=repository:Alice/App:pull', basic('alice', PASSWORD), 400, /malformed scope/],
    ['?service=daoid-registry&scope=repository::pull', basic('alice', PASSWORD), 400, /malformed scope/],
    ['?service=daoid-registry&scope=nonsense', basic('alice', PASSWORD), 400, /malformed scope/],
    ['?service=daoid-registry&scope=repository:alice/app:', basic('alice', PASSWORD), 400, /malformed scope/],
    ['?service=daoid-registry&' + Array.from({ length: 17 }, (_, i) => `scope=repository:alice/a${i}:pull`).join('&'), basic('alice', PASSWORD), 400, /more than 16/],
    ['?service=daoid-registry', { Authorization: 'Basic !!!not-base64' }, 400, /HTTP Basic/],
    ['?service=daoid-registry', { Authorization: 'Bearer abc' }, 400, /HTTP Basic/],
    ['?service=daoid-registry', { Authorization: 'Basic ' + 'A'.repeat(5000) }, 400, /too long/],
    ['?service=daoid-registry', {}, 401, /docker login/],
    ['?service=daoid-registry', basic('alice', 'nope nope nope'), 401, /wrong username or password/],
    ['?service=daoid-registry', basic('nobody-here', 'dao_pat_' + 'x'.repeat(43)), 401, /unknown or revoked/],
  ];
  for (const [q, h, status, msg] of cases) {
    const r = await tokenEndpoint(q, h);
    assert.equal(r.status, status, `${q} ${JSON.stringify(h).slice(0, 60)}: ${JSON.stringify(r.body)}`);
    assert.match(r.body.errors[0].message, msg);
    if (status === 401) assert.match(r.headers.get('www-authenticate') || '', /^Basic /);
  }
  // past the sign-in limit: 429 with a clear message (no captcha for a CLI), and the audit says why
  await account(d, sim, 'frank');
  const ip = { 'X-Forwarded-For': nextIp() };
  for (let i = 0; i < 10; i++) {
    const r = await tokenEndpoint('?service=daoid-registry', { ...basic('frank', `wrong password ${i}`), ...ip });
    assert.equal(r.status, 401);
  }
  const limited = await tokenEndpoint('?service=daoid-registry', { ...basic('frank', PASSWORD), ...ip });
  assert.equal(limited.status, 429);
  assert.match(limited.body.errors[0].message, /too many failed sign-ins for this account/);
  assert.equal(d.sql("SELECT detail FROM audit WHERE event = 'registry_login_refused' AND account_id = (SELECT id FROM accounts WHERE username = 'frank')")[0][0], 'captcha_needed');
  // the realm path is configurable: the other path answers 404
  assert.equal((await fetch(`${d.base}/registry/token?service=daoid-registry`)).status, 404);
});

test('the token endpoint\'s limits hold when the requests are spread over nodes behind a balancer', async () => {
  // two more nodes on d's database (SQLite here, PostgreSQL in run.sh's second pass) with small
  // limits, behind nginx (round robin): counted per node, neither limit would be reached
  const lbPort = await freePort();
  const env = {
    DAOID_DATABASE: d.env.DAOID_DATABASE, DAOID_PUBLIC_URL: `http://127.0.0.1:${lbPort}`, DAOID_ACCESS_LOG: '1',
    DAOID_TRUSTED_PROXIES: '127.0.0.1', DAOID_REGISTRY_ADDRESS: d.env.DAOID_REGISTRY_ADDRESS,
    DAOID_REGISTRY_API_URL: d.env.DAOID_REGISTRY_API_URL, DAOID_REGISTRY_KEY_FILE: d.env.DAOID_REGISTRY_KEY_FILE,
    DAOID_LIMIT_LOGIN_IP: '6/1h', DAOID_LOGIN_CAPTCHA_AFTER: '4',
  };
  const nodes = [];
  let lb;
  try {
    for (let i = 0; i < 2; i++) nodes.push(await startDaoid({ devsim: sim, env }));
    lb = await startNginx(nodes.map((n) => n.port), lbPort);
    await account(d, sim, 'ivan');
    const served = () => nodes.map((n) => (n.proc.out.match(/ access /g) || []).length);
    const before0 = served();
    const at = async (ip, auth) => {
      const r = await fetch(`${lb.url}/v2/token?service=daoid-registry&scope=repository:ivan/app:pull`,
        { headers: { 'X-Forwarded-For': ip, ...auth } });
      return { status: r.status, body: await r.json() };
    };
    // per account: 4 wrong passwords, each from an address of its own; then the right one
    const wrong = [];
    for (let i = 0; i < 4; i++) wrong.push((await at(nextIp(), basic('ivan', `wrong password ${i}`))).status);
    assert.deepEqual(wrong, [401, 401, 401, 401]);
    const acct = await at(nextIp(), basic('ivan', PASSWORD));
    assert.equal(acct.status, 429, JSON.stringify(acct.body));
    assert.match(acct.body.errors[0].message, /too many failed sign-ins for this account/);
    // per address, access tokens: 6 failures, then even a well-formed attempt is refused
    const ip = nextIp();
    const bad = [];
    for (let i = 0; i < 6; i++) bad.push((await at(ip, basic('ivan', 'dao_pat_' + String(i).repeat(43)))).status);
    assert.deepEqual(bad, [401, 401, 401, 401, 401, 401]);
    const past = await at(ip, basic('ivan', 'dao_pat_' + 'z'.repeat(43)));
    assert.equal(past.status, 429);
    assert.match(past.body.errors[0].message, /too many failed registry logins from this address/);
    // per address, passwords: past 4 failures the web sign-in would ask for a captcha
    const ip2 = nextIp();
    const tries = [];
    for (let i = 0; i < 5; i++) tries.push((await at(ip2, basic(`nobody-${i}`, `guess ${i}`))).status);
    assert.deepEqual(tries, [401, 401, 401, 401, 429]);
    // access lines are buffered for up to access_log_flush_ms: wait for them (15 s at most)
    const share = () => served().map((n, i) => n - before0[i]);
    const per = await waitFor(() => { const p = share(); return p.every((n) => n >= 5) && p; }, 'the access lines', 15000)
      .catch(() => share());
    assert.ok(per.every((n) => n >= 5), `every node answered a share (${per})`);
  } finally {
    if (lb) await lb.stop();
    for (const n of nodes) await n.stop();
  }
});

test('the console lists the namespace\'s repositories with their tags; renames wait for an empty namespace', async () => {
  const { client } = await clientSignIn(d, 'alice');
  const r = await client.get('/registry');
  assert.equal(r.status, 200);
  assert.match(r.text, new RegExp(`id="registry-address"><code>${host()}</code>`));
  assert.match(r.text, new RegExp(`id="cmd-login">docker login ${host()} -u alice<`));
  assert.match(r.text, new RegExp(`docker push ${host()}/alice/app:1<`));
  assert.match(r.text, /class="repo-name"><code>alice\/app<\/code>/);
  assert.match(r.text, /class="tag-name"><code>1<\/code><\/td><td class="tag-size">\d+(\.\d)? (B|kB)</);
  // the image's build time (its config's created) per tag, and as the repository's last push
  assert.match(r.text, /class="tag-size">[^<]+<\/td><td><time datetime="2026-11-02T03:04Z">2026-11-02 11:04 UTC\+8<\/time>/);
  assert.match(r.text, /class="meta repo-latest">最近推送（最新镜像的构建时间）： <time datetime="2026-11-02T03:04Z">/);
  assert.doesNotMatch(r.text, /carol\/app|library\/base/, 'only the namespace');

  const bob = (await clientSignIn(d, 'bob')).client;
  const empty = await bob.get('/registry');
  assert.match(empty.text, /id="registry-empty"/);
  // a namespace with images keeps its name; an empty one may be renamed
  const s = await client.get('/settings');
  const refused = await client.post('/settings/username', { csrf: s.page.csrf, username: 'alice2' });
  assert.equal(refused.status, 400);
  assert.match(refused.text, /命名空间中有镜像/, refused.text.match(/class="err"[^<]*<\/p>/g)?.join());
  assert.equal(d.sql("SELECT COUNT(*) FROM accounts WHERE username = 'alice'")[0][0], '1');
  const bs = await bob.get('/settings');
  const renamed = await bob.post('/settings/username', { csrf: bs.page.csrf, username: 'bobby' });
  assert.equal(renamed.status, 303);
});

test('the registry page, the token list and the creation page pass axe (WCAG 2.2 AA)', async () => {
  const { ctx, page } = await signedIn(d, 'carol');
  for (const path of ['/registry', '/settings', '/settings/tokens/new']) {
    await page.goto(d.base + path);
    assert.deepEqual(await axeProblems(page), [], path);
  }
  await page.goto(d.base + '/registry');
  assert.equal((await page.textContent('#cmd-login')).trim(), `docker login ${host()} -u carol`);
  await ctx.close();
});

test('a deleted account\'s images are deleted with it; untagged ones go with the operator\'s garbage collection', async () => {
  await account(d, sim, 'gina');
  assert.equal((await push('gina/app', `gina:${PASSWORD}`)).code, 0);
  const first = await inspect('gina/app', `gina:${PASSWORD}`);
  assert.equal(first.code, 0, first.err);
  const untagged = JSON.parse(first.out).Digest;
  // image B takes tag 1: image A's manifest is untagged now, reachable by its digest only
  assert.equal((await push('gina/app', `gina:${PASSWORD}`, '1', 'oci-b')).code, 0);
  assert.notEqual(JSON.parse((await inspect('gina/app', `gina:${PASSWORD}`)).out).Digest, untagged);
  assert.equal((await push('gina/web', `gina:${PASSWORD}`, '2')).code, 0);
  const mails = (await sim.messages('gina@example.com')).length;
  const del = await admin(d, ['delete', 'gina', '--yes']);
  assert.equal(del.code, 0, del.err);
  const [mail] = await sim.waitMail('gina@example.com', mails + 1);
  assert.match(mail.text, /该用户名将保留 30 天/, 'the mail quotes the normal hold');
  assert.doesNotMatch(mail.text, /一直保留/);
  // the normal hold, then (as when it ends) a new sign-up takes the name
  const until = Number(d.sql("SELECT held_until FROM held_usernames WHERE username = 'gina'")[0][0]);
  assert.ok(until > Date.now() / 1000 && until < Date.now() / 1000 + 40 * 86400, `held until ${until}`);
  d.sql("DELETE FROM held_usernames WHERE username = 'gina'");
  await account(d, sim, 'gina', { email: 'gina2@example.com' });
  for (const [repo, tag] of [['gina/app', '1'], ['gina/web', '2']]) {
    const i = await inspect(repo, `gina:${PASSWORD}`, tag);
    assert.notEqual(i.code, 0, `${repo}:${tag} is gone`);
    assert.match(i.err, /manifest unknown/);
  }
  assert.match(del.err, /namespace gina purged \(2 repositories\)/);
  // Distribution 2.8 lists tags, never manifests: the untagged one outlived the purge (by digest)
  const byDigest = () => run('skopeo', ['inspect', '--tls-verify=false', '--creds', `gina:${PASSWORD}`,
    `docker://${host()}/gina/app@${untagged}`]);
  assert.equal((await byDigest()).code, 0, 'an untagged manifest outlives the purge');
  // what the operator runs (README): garbage-collect --delete-untagged removes it
  const gc = await run('docker-registry', ['garbage-collect', '--delete-untagged', join(regDir, 'config.yml')]);
  assert.equal(gc.code, 0, gc.err);
  const gone = await byDigest();
  assert.notEqual(gone.code, 0, 'gone after the garbage collection');
  assert.match(gone.err, /manifest unknown/);
  // the new gina's page lists nothing: the emptied repositories stay in the catalog, tagless
  const { client } = await clientSignIn(d, 'gina');
  const page = await client.get('/registry');
  assert.match(page.text, /id="registry-empty"/);
  assert.doesNotMatch(page.text, /class="repo-name"/);
});

test('a registry that does not answer: the page says so (200, never a 500)', async () => {
  reg.child.kill('SIGTERM');
  await reg.exit;
  reg = null;
  const { client } = await clientSignIn(d, 'alice');
  const r = await client.get('/registry');
  assert.equal(r.status, 200);
  assert.match(r.text, /id="registry-down"/);
  const s = await client.get('/settings');
  const refused = await client.post('/settings/username', { csrf: s.page.csrf, username: 'alice3' });
  assert.equal(refused.status, 400, 'no rename while the namespace cannot be checked');
  // a deletion still succeeds, and the name (whose images may remain) is held for good
  const mails = (await sim.messages('alice@example.com')).length;
  const del = await admin(d, ['delete', 'alice', '--yes']);
  assert.equal(del.code, 0, del.err);
  assert.equal(d.sql("SELECT COUNT(*) FROM accounts WHERE username = 'alice'")[0][0], '0');
  assert.equal(d.sql("SELECT held_until FROM held_usernames WHERE username = 'alice'")[0][0], '253402300799');
  assert.match(del.err, /images of alice may remain in the registry/);
  assert.match(del.out, /registry images may remain, so its username is held until released/);
  // and the mail says so, instead of quoting the normal hold
  const [mail] = await sim.waitMail('alice@example.com', mails + 1);
  assert.match(mail.text, /镜像可能仍留在镜像仓库中（未能清空），因此该用户名将一直保留/);
  assert.doesNotMatch(mail.text, /保留 30 天/);
  const again = await signupClient(d.base, { email: 'alice-new@example.com', username: 'alice' });
  assert.notEqual(again.res.status, 303, 'the name cannot be taken');
  assert.equal(d.sql("SELECT COUNT(*) FROM accounts WHERE username = 'alice'")[0][0], '0');
});

test('daoid admin release-username: refused while the registry is down or holds images there, unless --force; audited', async () => {
  // alice's name is held for good (the test before); the registry does not answer yet
  const down = await admin(d, ['release-username', 'alice']);
  assert.equal(down.code, 1);
  assert.match(down.err, /the registry does not answer/);
  reg = await startRegistry(join(regDir, 'config.yml'), regPort);
  const images = await admin(d, ['release-username', 'alice']);
  assert.equal(images.code, 1);
  assert.match(images.err, /still has images under alice\//);
  assert.equal(d.sql("SELECT held_until FROM held_usernames WHERE username = 'alice'")[0][0], '253402300799');
  // a name nobody holds, and a name a live account holds (bob, renamed to bobby): not released
  const none = await admin(d, ['release-username', 'nobody-held']);
  assert.equal(none.code, 1);
  assert.match(none.err, /not held by a deleted account/);
  assert.equal((await admin(d, ['release-username', 'bob'])).code, 1);
  assert.equal(d.sql("SELECT COUNT(*) FROM held_usernames WHERE username = 'bob'")[0][0], '1');
  // gina's namespace holds only tagless repositories (emptied): her hold is released as it is
  assert.equal((await admin(d, ['delete', 'gina', '--yes'])).code, 0);
  const gina = await admin(d, ['release-username', 'gina']);
  assert.equal(gina.code, 0, gina.err);
  assert.equal(d.sql("SELECT COUNT(*) FROM held_usernames WHERE username = 'gina'")[0][0], '0');
  // --force releases alice's anyway; both are in the audit log
  const forced = await admin(d, ['release-username', 'alice', '--force']);
  assert.equal(forced.code, 0, forced.err);
  assert.match(forced.out, /username alice released/);
  assert.deepEqual(d.sql("SELECT detail, ip FROM audit WHERE event = 'username_released' ORDER BY id"),
    [['username=gina', 'admin'], ['username=alice forced', 'admin']]);
  const again = await signupClient(d.base, { email: 'alice-new@example.com', username: 'alice' });
  assert.equal(again.res.status, 303, 'the name can be taken again');
});
