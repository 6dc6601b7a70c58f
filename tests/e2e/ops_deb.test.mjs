// The Debian package as an operator installs it: `make deb-package` (dpkg-buildpackage on the
// release build) gives build/deb/daoid_VERSION_amd64.deb; unpacked with `dpkg -x` into a fresh
// root it holds the binary, the unit, the configuration in /etc/daoid and both manual pages;
// the installed binary accepts the installed configuration, and a person signs up through it.
// (`make deb` also runs lintian; this file leaves that out of make test for time.)
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, rmSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { startDevsim, startDaoid, stopAll, tmpDir, ROOT } from './lib/harness.mjs';
import { signupClient } from './lib/forms.mjs';

let devsim, root, deb;

before(() => {
  execFileSync('make', ['--no-print-directory', '-C', ROOT, 'deb-package'], { stdio: 'inherit' });
  deb = readdirSync(join(ROOT, 'build/deb')).find((f) => /^daoid_[0-9.]+-\d+_amd64\.deb$/.test(f));
  assert.ok(deb, 'the package');
  root = tmpDir('daoid-deb-');
  execFileSync('dpkg', ['-x', join(ROOT, 'build/deb', deb), root]);
});

after(async () => {
  await stopAll();
  if (root) rmSync(root, { recursive: true, force: true });
});

test('the package holds the binary, the unit, the configuration and the manual pages', () => {
  for (const f of ['usr/bin/daoid', 'lib/systemd/system/daoid.service', 'etc/daoid/daoid.conf',
    'usr/share/man/man8/daoid.8.gz', 'usr/share/man/man5/daoid.conf.5.gz', 'usr/share/doc/daoid/copyright',
    'usr/share/doc/daoid/examples/daoid.example.conf'])
    assert.ok(existsSync(join(root, f)), f);
  const fields = execFileSync('dpkg-deb', ['-f', join(ROOT, 'build/deb', deb), 'Package', 'Architecture', 'Depends'], { encoding: 'utf8' });
  assert.match(fields, /Package: daoid\nArchitecture: amd64\nDepends: .*libmicrohttpd/);
  const man5 = execFileSync('man', ['-l', '-Tutf8', join(root, 'usr/share/man/man5/daoid.conf.5.gz')], { encoding: 'utf8' }).replace(/.\x08/g, '');
  for (const key of ['metrics_listen', 'log_format', 'stop_timeout', 'database']) assert.match(man5, new RegExp(key));
  assert.equal(readFileSync(join(root, 'lib/systemd/system/daoid.service'), 'utf8'), readFileSync(join(ROOT, 'contrib/daoid.service'), 'utf8'));
  const conf = execFileSync(join(root, 'usr/bin/daoid'), ['check-config', '--config', join(root, 'etc/daoid/daoid.conf')],
    { encoding: 'utf8', env: { PATH: process.env.PATH } });
  assert.equal(conf, 'config ok\n');
});

test('a person signs up through the installed binary', async () => {
  devsim = await startDevsim();
  const d = await startDaoid({ devsim, bin: join(root, 'usr/bin/daoid'), env: { DAOID_CONFIG: join(root, 'etc/daoid/daoid.conf') } });
  const { res, client } = await signupClient(d.base, { email: 'deb@example.com', username: 'debuser' });
  assert.equal(res.status, 303);
  const me = JSON.parse((await client.get('/api/v1/me')).text);
  assert.equal(me.username, 'debuser');
  await devsim.waitMail('deb@example.com');
  await d.stop();
});
