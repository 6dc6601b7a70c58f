// Past max_connections (issue: many connections): a new connection is answered at once —
// accepted and closed — instead of waiting unaccepted in the kernel's listen queue until the
// client gives up (20 s and more), so a client or balancer moves on. The held connections keep
// working. The test waits for the refused socket's close; its own deadline only guards failure.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import { useServers } from './lib/harness.mjs';

const LIMIT = 6;
const GUARD_MS = 15000; // a failure guard only: the close is expected at once
const srv = useServers({ devsim: false, env: { DAOID_MAX_CONNECTIONS: String(LIMIT), DAOID_PER_IP_CONNECTIONS: '64' } });

// A keep-alive connection that asks for /healthz once. Resolves with { sock, served: true }
// once the answer arrived (the connection is daoid's and stays open), or { served: false,
// closed: true } when daoid closed it without an answer; rejects on the guard.
function hold() {
  return new Promise((resolve, reject) => {
    const sock = net.connect(srv.d.port, '127.0.0.1');
    let text = '';
    const guard = setTimeout(() => { sock.destroy(); reject(new Error(`no answer and no close within ${GUARD_MS} ms`)); }, GUARD_MS);
    const done = (v) => { clearTimeout(guard); resolve(v); };
    sock.on('data', (c) => {
      text += c.toString('latin1');
      if (/\r\n\r\nok/.test(text) || /^HTTP\/1\.1 \d{3}[^]*\r\n\r\n/.test(text)) done({ sock, served: true, text });
    });
    sock.on('close', () => done({ served: false, closed: true, text }));
    sock.on('error', () => {}); // a reset is a close too
    sock.on('connect', () => sock.write('GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n'));
  });
}

test('past max_connections a new connection is closed at once, and the held ones still work', async () => {
  const held = [];
  let refused = null;
  // the harness's readiness check may keep one pooled connection of its own: fill up to LIMIT
  for (let i = 0; i <= LIMIT; i++) {
    const h = await hold();
    if (!h.served) { refused = h; break; }
    held.push(h.sock);
  }
  assert.ok(refused, `a connection past the limit of ${LIMIT} was refused`);
  assert.equal(refused.text, '', 'refused without an answer (closed)');
  assert.ok(held.length >= LIMIT - 1 && held.length <= LIMIT, `${held.length} connections held before the refusal`);

  // another one, while still full: refused again, at once
  const again = await hold();
  assert.equal(again.served, false);

  // a held connection is still served
  const answer = await new Promise((resolve) => {
    let text = '';
    held[0].on('data', (c) => { text += c.toString('latin1'); if (/\r\n\r\n/.test(text)) resolve(text); });
    held[0].write('GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n');
  });
  assert.match(answer, /^HTTP\/1\.1 200/);
  for (const s of held) s.destroy();
});
