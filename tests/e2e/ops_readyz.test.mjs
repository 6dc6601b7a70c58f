// /readyz for two readers: a balancer gets "ready" or 503 "not ready: REASON" as plain text;
// an operator asking for JSON (Accept: application/json or ?verbose) gets every check and the
// reasons. Migrations pending (the database behind this binary) make the node not ready.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { useServers } from './lib/harness.mjs';

const srv = useServers({ devsim: false });

test('ready: plain for balancers, every check in JSON for operators', async () => {
  const plain = await fetch(`${srv.d.base}/readyz`);
  assert.equal(plain.status, 200);
  assert.equal(await plain.text(), 'ready\n');
  for (const r of [await fetch(`${srv.d.base}/readyz?verbose`), await fetch(`${srv.d.base}/readyz`, { headers: { Accept: 'application/json' } })]) {
    assert.equal(r.status, 200);
    assert.match(r.headers.get('content-type'), /application\/json/);
    const j = await r.json();
    assert.equal(j.ready, true);
    assert.deepEqual(j.reasons, []);
    assert.equal(j.database, 'ok');
    assert.equal(j.disk, 'ok');
    assert.ok(j.schema.shipped > 10 && j.schema.applied === j.schema.shipped, JSON.stringify(j));
  }
});

test('migrations pending: 503 with the reason, in both forms', async () => {
  const [[top]] = srv.d.sql('SELECT MAX(version) FROM schema_migrations');
  const [[at]] = srv.d.sql(`SELECT applied_at FROM schema_migrations WHERE version = ${top}`);
  srv.d.sql(`DELETE FROM schema_migrations WHERE version = ${top}`);
  try {
    const plain = await fetch(`${srv.d.base}/readyz`);
    assert.equal(plain.status, 503);
    assert.equal(await plain.text(), `not ready: migrations pending: database at ${top - 1}, this binary ships ${top}\n`);
    const j = await (await fetch(`${srv.d.base}/readyz?verbose=1`)).json();
    assert.equal(j.ready, false);
    assert.deepEqual(j.reasons, [`migrations pending: database at ${top - 1}, this binary ships ${top}`]);
    assert.deepEqual(j.schema, { applied: Number(top) - 1, shipped: Number(top) });
  } finally {
    srv.d.sql(`INSERT INTO schema_migrations (version, applied_at) VALUES (${top}, ${at})`);
  }
  assert.equal((await fetch(`${srv.d.base}/readyz`)).status, 200);
});
