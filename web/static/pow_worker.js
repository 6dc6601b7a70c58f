// daoid's proof-of-work check (pow.js starts it): finds the number N in 0..max with
// SHA-256(salt + N) equal to the challenge and posts {number: N} ({number: null} when none
// does). SHA-256 is computed here on the one 64-byte block the message fits in (a 32-digit salt
// and at most 18 digits): much faster than a call to crypto.subtle per number.
// Everything is inside one function: top-level vars would be properties of the worker's global
// object, many times slower to reach in the loop.
(function () {
'use strict';
var K = new Int32Array([
  0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5,
  0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174,
  0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
  0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967,
  0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85,
  0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
  0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
  0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2]);
var H = new Int32Array([0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a,
  0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19]);
var W = new Int32Array(64), out = new Int32Array(8), block = new Uint8Array(64);

// SHA-256 of block[0..len) (len <= 55) into out
function sha256(len) {
  block[len] = 0x80;
  for (var z = len + 1; z < 60; z++) block[z] = 0;
  block[60] = 0; block[61] = 0; block[62] = (len >>> 5) & 0xff; block[63] = (len << 3) & 0xff;
  var i, x, y;
  for (i = 0; i < 16; i++) {
    W[i] = block[4 * i] << 24 | block[4 * i + 1] << 16 | block[4 * i + 2] << 8 | block[4 * i + 3];
  }
  for (i = 16; i < 64; i++) {
    x = W[i - 15]; y = W[i - 2];
    W[i] = (W[i - 16] + ((x >>> 7 | x << 25) ^ (x >>> 18 | x << 14) ^ (x >>> 3)) + W[i - 7] +
      ((y >>> 17 | y << 15) ^ (y >>> 19 | y << 13) ^ (y >>> 10))) | 0;
  }
  var a = H[0], b = H[1], c = H[2], d = H[3], e = H[4], f = H[5], g = H[6], h = H[7], t1, t2;
  for (i = 0; i < 64; i++) {
    t1 = (h + ((e >>> 6 | e << 26) ^ (e >>> 11 | e << 21) ^ (e >>> 25 | e << 7)) +
      ((e & f) ^ (~e & g)) + K[i] + W[i]) | 0;
    t2 = (((a >>> 2 | a << 30) ^ (a >>> 13 | a << 19) ^ (a >>> 22 | a << 10)) +
      ((a & b) ^ (a & c) ^ (b & c))) | 0;
    h = g; g = f; f = e; e = (d + t1) | 0; d = c; c = b; b = a; a = (t1 + t2) | 0;
  }
  out[0] = a + H[0]; out[1] = b + H[1]; out[2] = c + H[2]; out[3] = d + H[3];
  out[4] = e + H[4]; out[5] = f + H[5]; out[6] = g + H[6]; out[7] = h + H[7];
}

self.onmessage = function (ev) {
  var d = ev.data, want = new Int32Array(8), i, n, s, len, k;
  for (i = 0; i < 8; i++) want[i] = parseInt(d.challenge.substr(8 * i, 8), 16) | 0;
  for (i = 0; i < d.salt.length; i++) block[i] = d.salt.charCodeAt(i);
  for (n = 0; n <= d.max; n++) {
    s = String(n);
    len = d.salt.length;
    for (k = 0; k < s.length; k++) block[len++] = s.charCodeAt(k);
    sha256(len);
    if (out[0] !== want[0]) continue;
    for (k = 1; k < 8 && out[k] === want[k]; k++);
    if (k === 8) { self.postMessage({ number: n }); return; }
  }
  self.postMessage({ number: null });
};
})();
