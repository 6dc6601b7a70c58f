// Static files and caching: the pages link fingerprinted URLs (cached a year, immutable), the
// plain and older names still answer (a short cache, or revalidation), text goes gzipped with
// Vary and an ETag (304) of its own per encoding, pages are gzipped only for same-origin
// requests (BREACH). The proof-of-work alternative to
// the image captcha: a browser signs up with it, by keyboard, without the image; a replayed
// solution, a wrong number and a forged challenge are refused (an expired one: tests/unit/test_pow.c).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import { gunzipSync } from 'node:zlib';
import { createHash } from 'node:crypto';
import { useServers, newPage, PASSWORD } from './lib/harness.mjs';
import { Client, catalog, signupForm } from './lib/forms.mjs';

const zh = catalog('zh-CN');
// a small proof of work: the sanitizer build on a busy machine, and the test is not the cost
const srv = useServers({ env: { DAOID_POW_MAX_NUMBER: '1000', DAOID_TRUSTED_PROXIES: '127.0.0.1' } });

// A GET with exactly these headers; the body as bytes (not decompressed).
function raw(path, headers = {}) {
  return new Promise((resolve, reject) => {
    http.get(srv.d.base + path, { headers, agent: false }, (res) => {
      const parts = [];
      res.on('data', (b) => parts.push(b));
      res.on('end', () => resolve({ status: res.statusCode, h: res.headers, body: Buffer.concat(parts) }));
    }).on('error', reject);
  });
}

test('pages link fingerprinted static URLs, cached a year; old and plain names still answer', async () => {
  const page = (await raw('/signup')).body.toString();
  const urls = [...new Set([...page.matchAll(/\/static\/[\w.-]+/g)].map((m) => m[0]))];
  for (const name of ['app', 'console', 'logo', 'pow', 'pow_worker']) {
    assert.ok(urls.some((u) => new RegExp(`^/static/${name}\\.[0-9a-f]{12}\\.(css|js|svg)$`).test(u)), `${name} in ${urls}`);
  }
  assert.ok(urls.every((u) => /\.[0-9a-f]{12}\.\w+$/.test(u)), `every static URL fingerprinted: ${urls}`);
  for (const u of urls) {
    const r = await raw(u);
    assert.equal(r.status, 200, u);
    assert.equal(r.h['cache-control'], 'public, max-age=31536000, immutable', u);
    const plain = await raw(u.replace(/\.[0-9a-f]{12}\./, '.'));
    assert.equal(plain.status, 200, u);
    assert.equal(plain.h['cache-control'], 'public, max-age=3600', u);
    assert.deepEqual(plain.body, r.body, u);
    const old = await raw(u.replace(/\.[0-9a-f]{12}\./, '.0123456789ab.'));
    assert.equal(old.status, 200, u);
    assert.equal(old.h['cache-control'], 'public, no-cache', `${u}: another version's name is revalidated`);
    assert.deepEqual(old.body, r.body, u);
    // the fingerprint is the content's: the first 12 digits of the ETag
    assert.equal(r.h.etag.slice(1, 13), /\.([0-9a-f]{12})\./.exec(u)[1], u);
  }
  assert.equal((await raw('/static/nothing.0123456789ab.css')).status, 404);
  assert.equal((await raw('/static/app.0123456789ab')).status, 404);
});

test('text files go gzipped with Vary and their own ETag; If-None-Match gives 304', async () => {
  const page = (await raw('/signup')).body.toString();
  for (const u of [/\/static\/app\.[0-9a-f]{12}\.css/, /\/static\/app\.[0-9a-f]{12}\.js/, /\/static\/logo\.[0-9a-f]{12}\.svg/]) {
    const url = u.exec(page)[0];
    const id = await raw(url);
    const gz = await raw(url, { 'Accept-Encoding': 'gzip, deflate, br' });
    assert.equal(id.h['content-encoding'], undefined, url);
    assert.equal(gz.h['content-encoding'], 'gzip', url);
    assert.match(id.h.vary, /Accept-Encoding/, url);
    assert.match(gz.h.vary, /Accept-Encoding/, url);
    assert.ok(gz.body.length < id.body.length, `${url}: ${gz.body.length} < ${id.body.length}`);
    assert.deepEqual(gunzipSync(gz.body), id.body, url);
    assert.notEqual(gz.h.etag, id.h.etag, url);
    assert.equal((await raw(url, { 'Accept-Encoding': 'gzip;q=0' })).h['content-encoding'], undefined, url);
    assert.equal((await raw(url, { 'If-None-Match': id.h.etag })).status, 304, url);
    assert.equal((await raw(url, { 'If-None-Match': `W/${id.h.etag}` })).status, 304, url);
    assert.equal((await raw(url, { 'Accept-Encoding': 'gzip', 'If-None-Match': gz.h.etag })).status, 304, url);
    assert.equal((await raw(url, { 'Accept-Encoding': 'gzip', 'If-None-Match': id.h.etag })).status, 200, url);
  }
});

test('pages are gzipped for same-origin and typed-in requests only', async () => {
  for (const site of ['none', 'same-origin']) {
    const r = await raw('/signup', { 'Accept-Encoding': 'gzip', 'Sec-Fetch-Site': site });
    assert.equal(r.h['content-encoding'], 'gzip', site);
    assert.match(r.h.vary, /Accept-Encoding/);
    assert.match(gunzipSync(r.body).toString(), /<form method="post" action="\/signup"/);
  }
  for (const headers of [{ 'Accept-Encoding': 'gzip', 'Sec-Fetch-Site': 'cross-site' }, { 'Accept-Encoding': 'gzip' }, { 'Sec-Fetch-Site': 'none' }]) {
    const r = await raw('/signup', headers);
    assert.equal(r.h['content-encoding'], undefined, JSON.stringify(headers));
    assert.match(r.body.toString(), /<form method="post" action="\/signup"/);
  }
});

// The page's proof-of-work challenge, and the number that solves it (as pow_worker.js finds it).
function powOf(html) {
  const ch = /data-challenge="([^"]+)"/.exec(html)[1];
  const [, salt, , max, want] = ch.split('.');
  for (let n = 0; n <= Number(max); n++) {
    if (createHash('sha256').update(salt + n).digest('hex') === want) return { ch, n: String(n) };
  }
  throw new Error(`no number solves ${ch}`);
}

test('sign-up with the proof of work, by keyboard, without the image', async () => {
  const { ctx, page } = await newPage();
  await page.goto(srv.d.base + '/signup');
  await page.evaluate(() => document.getElementById('captcha-img').remove());
  await page.fill('#email', 'pow-user@example.com');
  await page.fill('#username', 'pow-user');
  await page.fill('#password', PASSWORD);
  await page.focus('#password');
  // Tab from the password reaches the check
  for (let i = 0; i < 8 && await page.evaluate(() => document.activeElement.id) !== 'pow-start'; i++) await page.keyboard.press('Tab');
  assert.equal(await page.evaluate(() => document.activeElement.id), 'pow-start');
  await page.keyboard.press('Enter');
  await page.waitForFunction(() => document.activeElement && document.activeElement.id === 'pow-status');
  assert.equal(await page.textContent('#pow-status'), zh('captcha.pow.done'));
  assert.equal(await page.getAttribute('#pow-status', 'role'), 'status');
  assert.equal(await page.isVisible('#captcha'), false, 'nothing to type');
  await page.check('#terms');
  await Promise.all([page.waitForURL(/\/console$/), page.click('#register')]);
  assert.deepEqual(srv.d.sql("SELECT username FROM accounts WHERE username = 'pow-user'"), [['pow-user']]);
  await ctx.close();
});

test('a proof of work is refused when replayed, wrong or forged', async () => {
  const c = new Client(srv.d.base);
  const first = await c.get('/signup');
  const { ch, n } = powOf(first.text);
  const post = async (who, captcha_id, captcha) => {
    const cl = new Client(srv.d.base);
    const form = await signupForm(cl, { email: `${who}@example.com`, username: who, captcha_id, captcha });
    return cl.post('/signup', form);
  };
  const wrong = String((Number(n) + 1) % 1001);
  let r = await post('powr-wrong', ch, wrong);
  assert.equal(r.status, 400);
  assert.equal(r.page.errors.captcha, zh('captcha.err.wrong'));
  const sig = ch.slice(-1) === '0' ? '1' : '0';
  r = await post('powr-forged', ch.slice(0, -1) + sig, n);
  assert.equal(r.status, 400);
  assert.equal(r.page.errors.captcha, zh('captcha.err.wrong'));
  const parts = ch.split('.');
  parts[2] = String(Number(parts[2]) + 3600); // a later expiry: the signature no longer holds
  r = await post('powr-later', parts.join('.'), n);
  assert.equal(r.status, 400);
  assert.equal(r.page.errors.captcha, zh('captcha.err.wrong'));
  r = await post('powr-first', ch, n);
  assert.equal(r.status, 303, r.page.formError || '');
  r = await post('powr-again', ch, n);
  assert.equal(r.status, 400);
  assert.equal(r.page.errors.captcha, zh('captcha.err.expired'));
  assert.deepEqual(srv.d.sql("SELECT username FROM accounts WHERE username LIKE 'powr-%' ORDER BY username"), [['powr-first']]);
});
