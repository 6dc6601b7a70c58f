// Passkey sign-ins beside password sign-ins against one daoid (bench/passkey.sh starts it).
// Usage: node bench/passkey.mjs BASE PUBLIC_URL SECONDS ROUNDS CONNECTIONS [WARMUP]
// (BASE: where daoid listens; PUBLIC_URL: its public_url, the origin and RP ID it expects)
// Sets up two accounts through the real pages (sign-up form, captcha TEST7): `benchpw` with a
// password only, `benchpk` with a passkey (an ES256 key of node's crypto, registered through
// /settings/security/passkeys). Then, in interleaved rounds, CONNECTIONS loops each sign in
// for SECONDS: password = POST /login (→ 303 /console, a session: argon2id); passkey = POST
// /passkey/login/begin, the assertion signed here over its fresh challenge, POST
// /passkey/login/finish (→ 200, a session). Each loop is a browser of its own (its CSRF cookie
// and token); only completed sign-ins count, any other answer is counted as an error.
// Prints one line per round: "round R password P passkey K errors E" (sign-ins/s).
import { newCredential, attestation, assertion } from '../tests/e2e/lib/webauthn.mjs';

const [base, origin, secs, rounds, conns, warmup = '2'] = process.argv.slice(2);
const PASSWORD = 'correct horse battery 42';
const RP = new URL(origin).hostname;

class Jar {
  constructor() { this.c = new Map(); }
  header() { return [...this.c].map(([k, v]) => `${k}=${v}`).join('; '); }
  async req(method, path, form) {
    const headers = { Cookie: this.header() };
    let body;
    if (form) { body = new URLSearchParams(form).toString(); headers['Content-Type'] = 'application/x-www-form-urlencoded'; }
    const r = await fetch(base + path, { method, headers, body, redirect: 'manual' });
    for (const line of r.headers.getSetCookie()) {
      const [pair] = line.split(';');
      const eq = pair.indexOf('=');
      const k = pair.slice(0, eq), v = pair.slice(eq + 1);
      if (this.only && !this.only.has(k)) continue;
      if (v === '' || /max-age=0\b/i.test(line)) this.c.delete(k); else this.c.set(k, v);
    }
    return { status: r.status, location: r.headers.get('location'), text: await r.text() };
  }
}
const field = (html, name) => (new RegExp(`name="${name}"[^>]*value="([^"]*)"`).exec(html) || [])[1];

async function signUp(username) {
  const j = new Jar();
  const f = await j.req('GET', '/signup');
  const r = await j.req('POST', '/signup', {
    csrf: field(f.text, 'csrf'), captcha_id: field(f.text, 'captcha_id'), captcha: 'TEST7',
    email: `${username}@example.com`, username, password: PASSWORD, terms: '1',
  });
  if (r.status !== 303) throw new Error(`sign-up of ${username}: ${r.status}`);
  return j;
}

// Signature counter 0 throughout (an authenticator without one, as synced passkeys are):
// concurrent sign-ins would otherwise arrive out of order and be refused as a counter gone back.
const cred = newCredential();

async function setUp() {
  await signUp('benchpw');
  const j = await signUp('benchpk');
  const csrf = field((await j.req('GET', '/settings/security')).text, 'csrf');
  const b = await j.req('POST', '/settings/security/passkeys/begin', { csrf, name: 'bench' });
  if (b.status !== 200) throw new Error(`passkey begin: ${b.status} ${b.text}`);
  const f = await j.req('POST', '/settings/security/passkeys/finish', { csrf, ...attestation(cred, JSON.parse(b.text), origin) });
  if (f.status !== 200) throw new Error(`passkey finish: ${f.status} ${f.text}`);
}

// A signed-out browser: its CSRF cookie and token.
async function browser() {
  const j = new Jar();
  j.csrf = field((await j.req('GET', '/login')).text, 'csrf');
  j.only = new Set(['webauthn']); // the sessions made are dropped; the CSRF cookie stays (as wrk's)
  return j;
}

async function passwordOnce(j) {
  const r = await j.req('POST', '/login', { csrf: j.csrf, identifier: 'benchpw', password: PASSWORD });
  return r.status === 303 && r.location === '/console';
}
async function passkeyOnce(j) {
  const b = await j.req('POST', '/passkey/login/begin', { csrf: j.csrf });
  if (b.status !== 200) return false;
  const { challenge } = JSON.parse(b.text).publicKey;
  const a = assertion(cred, { challenge, rpId: RP, origin, counter: 0 });
  const r = await j.req('POST', '/passkey/login/finish', { csrf: j.csrf, ...a });
  return r.status === 200;
}

// CONNECTIONS loops of once() for s seconds: { rate, errors }.
async function load(once, s, browsers) {
  const end = Date.now() + s * 1000;
  let ok = 0, errors = 0;
  const t0 = Date.now();
  await Promise.all(browsers.map(async (j) => {
    while (Date.now() < end) {
      try { if (await once(j)) ok++; else errors++; } catch { errors++; }
    }
  }));
  return { rate: ok / ((Date.now() - t0) / 1000), errors };
}

await setUp();
const browsers = await Promise.all(Array.from({ length: Number(conns) }, browser));
await load(passwordOnce, Number(warmup), browsers);
await load(passkeyOnce, Number(warmup), browsers);
for (let r = 1; r <= Number(rounds); r++) {
  const p = await load(passwordOnce, Number(secs), browsers);
  const k = await load(passkeyOnce, Number(secs), browsers);
  console.log(`round ${r} password ${p.rate.toFixed(1)} passkey ${k.rate.toFixed(1)} errors ${p.errors + k.errors}`);
}
