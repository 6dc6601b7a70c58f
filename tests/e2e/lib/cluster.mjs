// Pieces for the scale-out tests: PostgreSQL databases and servers, several daoid nodes behind
// nginx (round robin, no sticky sessions) and PgBouncer in transaction mode. Everything listens
// on 127.0.0.1 and lives in temporary directories; stop() ends it.
import { spawn, execFileSync } from 'node:child_process';
import { mkdtempSync, writeFileSync, rmSync, chmodSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ROOT, freePort, waitFor, sleep, psql, pgDatabase, pgServerUrl } from './harness.mjs';

export { psql, pgDatabase, pgServerUrl };

const PGTMP = join(ROOT, 'tests/lib/pgtmp.sh');
const isRoot = process.getuid && process.getuid() === 0;

// A PostgreSQL server of the test's own (for outages): { url, port, pause(), resume(), stop(),
// freeze(), thaw() } — pause stops it cleanly (connections refused); freeze stops its processes
// with SIGSTOP (connections accepted by the kernel, never answered: a hung server).
export function pgServer() {
  const dir = mkdtempSync(join(tmpdir(), 'daoid-pgown-'));
  chmodSync(dir, 0o755);
  const url = execFileSync(PGTMP, ['start', join(dir, 'pg')], { encoding: 'utf8' }).trim();
  const port = Number(readFileSync(join(dir, 'pg', 'port'), 'utf8'));
  return {
    url, port, dir,
    pause() { execFileSync(PGTMP, ['pause', join(dir, 'pg')]); },
    resume() { execFileSync(PGTMP, ['resume', join(dir, 'pg')]); },
    stop() { execFileSync(PGTMP, ['stop', join(dir, 'pg')]); rmSync(dir, { recursive: true, force: true }); },
    freeze() { signalServer(join(dir, 'pg'), 'STOP'); },
    thaw() { signalServer(join(dir, 'pg'), 'CONT'); },
  };
}

// Sends SIG to the postmaster of the server in dir and to all its processes.
function signalServer(dir, sig) {
  const pid = Number(readFileSync(join(dir, 'data', 'postmaster.pid'), 'utf8').split('\n')[0]);
  const children = execFileSync('pgrep', ['-P', String(pid)], { encoding: 'utf8' }).trim().split(/\s+/).map(Number);
  for (const p of [pid, ...children]) process.kill(p, `SIG${sig}`);
}

function track(child, name) {
  const p = { child, name, out: '', err: '' };
  child.stdout?.on('data', (d) => { p.out += d; });
  child.stderr?.on('data', (d) => { p.err += d; });
  p.exit = new Promise((res) => child.on('exit', (code, sig) => res({ code, sig })));
  return p;
}

// nginx in front of the given daoid ports: round robin, no sticky sessions.
export async function startNginx(ports, port) {
  const dir = mkdtempSync(join(tmpdir(), 'daoid-nginx-'));
  chmodSync(dir, 0o755);
  port = port || await freePort();
  const conf = `
${isRoot ? 'user root;' : ''}
daemon off;
worker_processes 1;
pid ${dir}/nginx.pid;
error_log ${dir}/error.log warn;
events { worker_connections 1024; }
http {
  access_log off;
  client_body_temp_path ${dir}/body;
  proxy_temp_path ${dir}/proxy;
  fastcgi_temp_path ${dir}/fastcgi;
  uwsgi_temp_path ${dir}/uwsgi;
  scgi_temp_path ${dir}/scgi;
  upstream daoid {
${ports.map((p) => `    server 127.0.0.1:${p} max_fails=0;`).join('\n')}
    keepalive 16;
  }
  server {
    listen 127.0.0.1:${port};
    location / {
      proxy_pass http://daoid;
      proxy_http_version 1.1;
      proxy_set_header Connection "";
      proxy_set_header Host $http_host;
      proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;
      proxy_connect_timeout 2s;
      proxy_next_upstream error timeout;
    }
  }
}
`;
  writeFileSync(join(dir, 'nginx.conf'), conf);
  const child = spawn('nginx', ['-p', dir, '-c', join(dir, 'nginx.conf')], { stdio: ['ignore', 'pipe', 'pipe'] });
  const p = track(child, 'nginx');
  const url = `http://127.0.0.1:${port}`;
  await waitFor(async () => (await fetch(`${url}/healthz`)).ok, 'nginx');
  return {
    url, port, dir,
    async stop() {
      child.kill('SIGTERM');
      await p.exit;
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

// PgBouncer in transaction mode in front of a PostgreSQL server, serving one database.
export async function startPgBouncer(serverUrl, dbName) {
  const dir = mkdtempSync(join(tmpdir(), 'daoid-pgb-'));
  chmodSync(dir, 0o777);
  const port = await freePort();
  const m = /^postgres(?:ql)?:\/\/([^@]+)@([^:/]+):(\d+)\//.exec(serverUrl);
  if (!m) throw new Error(`cannot read ${serverUrl}`);
  const [, user, host, pgPort] = m;
  writeFileSync(join(dir, 'users.txt'), `"${user}" ""\n`);
  writeFileSync(join(dir, 'pgbouncer.ini'), `
[databases]
${dbName} = host=${host} port=${pgPort} dbname=${dbName} user=${user}
[pgbouncer]
listen_addr = 127.0.0.1
listen_port = ${port}
unix_socket_dir =
auth_type = trust
auth_file = ${dir}/users.txt
pool_mode = transaction
max_client_conn = 500
default_pool_size = 10
logfile = ${dir}/pgbouncer.log
pidfile = ${dir}/pgbouncer.pid
`);
  chmodSync(join(dir, 'pgbouncer.ini'), 0o644);
  chmodSync(join(dir, 'users.txt'), 0o644);
  // PgBouncer, like PostgreSQL, refuses to run as root.
  const [cmd, args] = isRoot
    ? ['runuser', ['-u', 'postgres', '--', 'pgbouncer', join(dir, 'pgbouncer.ini')]]
    : ['pgbouncer', [join(dir, 'pgbouncer.ini')]];
  const child = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  const p = track(child, 'pgbouncer');
  const url = `postgres://${user}@127.0.0.1:${port}/${dbName}`;
  await waitFor(() => { psql(url, 'SELECT 1'); return true; }, 'pgbouncer');
  return {
    url, port, dir,
    log() { try { return readFileSync(join(dir, 'pgbouncer.log'), 'utf8'); } catch { return ''; } },
    async stop() {
      child.kill('SIGTERM');
      await Promise.race([p.exit, sleep(5000)]);
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
