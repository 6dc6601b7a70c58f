// OpenID Connect client steps the tests share: a PKCE pair, and an authorization request made
// through a signed-in fetch client up to the redirect that carries the code (the consent page
// answered "allow" when it is shown).
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';

export function pkce() {
  const verifier = randomBytes(32).toString('base64url');
  return { verifier, challenge: createHash('sha256').update(verifier).digest('base64url') };
}

// GET path (an /oauth/authorize URL) as c; consents when asked; the redirect's URL
export async function authorizeCode(c, path) {
  let r = await c.get(path);
  if (r.status === 200 && r.page.csrf) {
    const form = Object.fromEntries([...r.text.matchAll(/<input type="hidden" name="([^"]+)" value="([^"]*)">/g)].map((m) => [m[1], m[2].replace(/&amp;/g, '&').replace(/&#39;/g, "'").replace(/&quot;/g, '"')]));
    const ok = await c.post('/oauth/authorize', { ...form, allow: '1' });
    assert.equal(ok.status, 200);
    r = await c.get(/url=(.*)$/.exec(ok.headers.get('refresh'))[1]);
  }
  assert.equal(r.status, 303, r.text.slice(0, 200));
  return new URL(r.location);
}
