// The authenticator app's side of two-step sign-in for the tests: RFC 6238 codes (SHA-1, 6
// digits, 30 s) from a base32 secret, and setting the app up for a signed-in fetch client.
import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { csrfOf } from './console.mjs';

function unb32(s) {
  const A = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';
  let bits = 0, v = 0; const out = [];
  for (const ch of s.toUpperCase()) { v = (v << 5) | A.indexOf(ch); bits += 5; if (bits >= 8) { out.push((v >>> (bits - 8)) & 255); bits -= 8; } }
  return Buffer.from(out);
}

export const stepNow = () => Math.floor(Date.now() / 1000 / 30);

// The app's code for a step (default: now).
export function totp(secret, step = stepNow()) {
  const msg = Buffer.alloc(8); msg.writeBigUInt64BE(BigInt(step));
  const mac = createHmac('sha1', unb32(secret)).update(msg).digest();
  const off = mac[mac.length - 1] & 15;
  return String((mac.readUInt32BE(off) & 0x7fffffff) % 1e6).padStart(6, '0');
}

// Sets the app up for signed-in client c with the code of step (the step is then used: the
// next code that works is a later step's). Returns { secret, codes, step }.
export async function setUpApp(c, step = stepNow()) {
  const r = await c.post('/settings/security/totp', { csrf: await csrfOf(c, '/settings/security') });
  assert.equal(r.status, 200, `set-up begun (${r.status} ${r.location || ''})`);
  const secret = /id="totp-secret">([A-Z2-7]+)</.exec(r.text)[1];
  const ok = await c.post('/settings/security/totp/confirm', { csrf: r.page.csrf, code: totp(secret, step) });
  assert.equal(ok.status, 200, ok.page.formError || '');
  const codes = [...ok.text.matchAll(/<li><code>([a-z2-7]{5}-[a-z2-7]{5})<\/code><\/li>/g)].map((m) => m[1]);
  assert.equal(codes.length, 10);
  return { secret, codes, step };
}
