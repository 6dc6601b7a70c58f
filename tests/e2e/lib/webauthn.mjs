// A software authenticator for the passkey tests: ES256 keys from node's crypto, the
// attestation object (attestation "none") and assertions built byte by byte, so that a test
// can forge exactly one thing wrong (a challenge, a counter, a credential) and nothing else.
// CBOR is only what WebAuthn needs here: unsigned/negative integers, byte and text strings, maps.
import { createHash, generateKeyPairSync, sign, randomBytes } from 'node:crypto';

const sha256 = (b) => createHash('sha256').update(b).digest();
export const b64u = (b) => Buffer.from(b).toString('base64url');

function head(major, n) {
  if (n < 24) return Buffer.from([(major << 5) | n]);
  if (n < 256) return Buffer.from([(major << 5) | 24, n]);
  const b = Buffer.alloc(3); b[0] = (major << 5) | 25; b.writeUInt16BE(n, 1); return b;
}
// CBOR of v: a Map (keys in its order), a plain object (text keys), a Buffer, a string, an int.
export function cbor(v) {
  if (Buffer.isBuffer(v)) return Buffer.concat([head(2, v.length), v]);
  if (typeof v === 'string') { const s = Buffer.from(v); return Buffer.concat([head(3, s.length), s]); }
  if (typeof v === 'number') return v >= 0 ? head(0, v) : head(1, -1 - v);
  const entries = v instanceof Map ? [...v] : Object.entries(v);
  return Buffer.concat([head(5, entries.length), ...entries.flatMap(([k, x]) => [cbor(k), cbor(x)])]);
}

const UP = 0x01, UV = 0x04, AT = 0x40;
const u32 = (n) => { const b = Buffer.alloc(4); b.writeUInt32BE(n >>> 0); return b; };

// A credential: an ES256 key and a random id.
export function newCredential() {
  const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const jwk = publicKey.export({ format: 'jwk' });
  return { id: randomBytes(16), privateKey, x: Buffer.from(jwk.x, 'base64url'), y: Buffer.from(jwk.y, 'base64url') };
}

// The finish form of a registration (navigator.credentials.create's answer) for options o
// (the begin's JSON) made on origin.
export function attestation(cred, o, origin, { counter = 0 } = {}) {
  const pk = o.publicKey;
  const cdj = Buffer.from(JSON.stringify({ type: 'webauthn.create', challenge: pk.challenge, origin, crossOrigin: false }));
  const cose = cbor(new Map([[1, 2], [3, -7], [-1, 1], [-2, cred.x], [-3, cred.y]]));
  const idLen = Buffer.alloc(2); idLen.writeUInt16BE(cred.id.length);
  const authData = Buffer.concat([sha256(Buffer.from(pk.rp.id)), Buffer.from([UP | UV | AT]), u32(counter),
    Buffer.alloc(16), idLen, cred.id, cose]);
  return { clientDataJSON: b64u(cdj), attestationObject: b64u(cbor({ fmt: 'none', attStmt: {}, authData })) };
}

// The finish form of a sign-in (navigator.credentials.get's answer) over challenge for rpId
// made on origin; counter: the authenticator's signature counter; userHandle: base64url or none;
// verified: the user verified (flag UV), else only present (a security key touched).
export function assertion(cred, { challenge, rpId, origin, counter, userHandle, verified = true }) {
  const cdj = Buffer.from(JSON.stringify({ type: 'webauthn.get', challenge, origin, crossOrigin: false }));
  const authData = Buffer.concat([sha256(Buffer.from(rpId)), Buffer.from([verified ? UP | UV : UP]), u32(counter)]);
  const signature = sign('sha256', Buffer.concat([authData, sha256(cdj)]), cred.privateKey);
  const f = { id: b64u(cred.id), clientDataJSON: b64u(cdj), authenticatorData: b64u(authData), signature: b64u(signature) };
  if (userHandle) f.userHandle = userHandle;
  return f;
}
