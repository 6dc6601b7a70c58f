// The WeChat access-token keeper against the simulator's stable_token: refreshed before it
// expires (refresh_at) by the keeper alone, and when WeChat refuses it with 42001 (expired) or
// 40014 (invalid: stable_token hands the same token back, so a force_refresh), with WeChat's
// limits on force_refresh kept in the store: 30 s at least between two, 20 a day.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { startDevsim, startDaoid, newPage, stopAll } from './lib/harness.mjs';
import { catalog } from './lib/forms.mjs';
import { wechatEnv, callbackTo, wxSet, wxState, qrUrl, waitFor } from './lib/wechat.mjs';

const zh = catalog('zh-CN');
const nodes = [];
after(async () => {
  for (const d of nodes) await d.stop();
  await stopAll();
});

async function setUp(tokenTtl) {
  const sim = await startDevsim();
  if (tokenTtl) await wxSet(sim, { token_ttl: tokenTtl });
  const d = await startDaoid({ devsim: sim, env: wechatEnv(sim) });
  nodes.push(d);
  await callbackTo(sim, d);
  await waitFor(async () => (await wxState(sim)).counts.stable_token === 1, 'the keeper\'s first fetch');
  return { sim, d };
}

const counts = async (sim) => (await wxState(sim)).counts;
const row = (d) => {
  const [[expires, refresh, updated, fetches]] = d.sql('SELECT expires_at, refresh_at, updated_at, fetches FROM wechat_tokens');
  return { expires: Number(expires), refresh: Number(refresh), updated: Number(updated), fetches: Number(fetches) };
};

// Opens a new QR page; resolves with the page's status and whether it shows a QR code.
async function openQr(d) {
  const { ctx, page } = await newPage();
  const res = await page.goto(d.base + '/auth/wechat?new=1');
  const shown = (await page.$('#wx-qr svg')) !== null;
  const error = shown ? null : await page.textContent('#wx-error');
  await ctx.close();
  return { status: res.status(), shown, error };
}

test('the keeper fetches a new token before the old one expires, with no request asking', async () => {
  const { sim, d } = await setUp(16); // short-lived tokens: refresh_at is halfway
  const first = row(d);
  assert.equal(first.expires - first.updated, 16);
  assert.equal(first.expires - first.refresh, 8);
  await waitFor(async () => (await counts(sim)).stable_token === 2, 'the keeper\'s refresh', 25000, 200);
  const second = row(d);
  assert.ok(second.updated >= first.refresh, 'not before refresh_at');
  assert.ok(second.updated < first.expires, `refreshed at ${second.updated}, before the first token expired at ${first.expires}`);
  assert.ok(second.expires > first.expires);
  assert.equal(second.fetches, 2);
  assert.equal((await openQr(d)).shown, true);
  assert.doesNotMatch(d.proc.err, /errcode 4200[1]/, 'no call met an expired token');
  assert.equal((await counts(sim)).stable_token_forced, 0);
});

test('42001 and 40014 refresh the token; force_refresh waits 30 s after the last one and stops at 20 a day', async () => {
  const { sim, d } = await setUp();
  const r0 = row(d);
  assert.equal(r0.expires - r0.refresh, 240, 'refresh_at: 4 minutes before expiry');
  assert.equal((await openQr(d)).shown, true);
  let c = await counts(sim);
  assert.equal(c.stable_token, 1, 'no fetch for a QR code');

  // the token expired (42001): a plain fetch gets the next one
  await wxSet(sim, { expire: true });
  assert.equal((await openQr(d)).shown, true);
  c = await counts(sim);
  assert.equal(c.stable_token, 2);
  assert.equal(c.stable_token_forced, 0);
  assert.match(d.proc.err, /qrcode\/create: errcode 42001, refreshing the access token/);

  // WeChat calls the token invalid (40014) while stable_token still hands it out: forced
  await wxSet(sim, { refuse: { errcode: 40014, times: 1 } });
  assert.equal((await openQr(d)).shown, true);
  c = await counts(sim);
  assert.equal(c.stable_token, 4, 'a plain fetch that gave the same token back, then a forced one');
  assert.equal(c.stable_token_forced, 1);
  assert.match(d.proc.err, /errcode 40014, refreshing the access token/);
  assert.match(d.proc.err, /access token fetched \(stable_token, forced/);

  // refused again at once: no second force within 30 s; the page says WeChat is unavailable
  await wxSet(sim, { refuse: { errcode: 40014, times: 1 } });
  const refused = await openQr(d);
  assert.equal(refused.shown, false);
  assert.equal(refused.status, 503);
  assert.equal(refused.error, zh('wechat.err.unavailable'));
  c = await counts(sim);
  assert.equal(c.stable_token_forced, 1);
  assert.match(d.proc.err, /the last forced refresh was less than 30s ago/);
  // meanwhile nobody fetches (the back-off): the page answers 503 and WeChat sees no call
  assert.equal((await openQr(d)).status, 503);
  assert.equal((await counts(sim)).stable_token, c.stable_token);

  // the back-off lasts until the gap has passed; 30 s later (moved back in the store, as any
  // node would see it) the next fetch knows the stored token was refused, and forces
  const gap = "key LIKE 'wechat_force_gap:%'";
  const [[until, last]] = d.sql(`SELECT t.lease_until, r.window_start FROM wechat_tokens t, rate_counters r WHERE r.${gap}`);
  assert.equal(Number(until), Number(last) + 30);
  d.sql(`UPDATE rate_counters SET window_start = window_start - 31 WHERE ${gap}`);
  d.sql('UPDATE wechat_tokens SET lease_until = 0');
  assert.equal((await openQr(d)).shown, true);
  assert.equal((await counts(sim)).stable_token_forced, 2);
  assert.equal(d.sql("SELECT count FROM rate_counters WHERE key LIKE 'wechat_force_day:%'")[0][0], '2');

  // the day's twenty used up: none more, whatever the gap
  d.sql("UPDATE rate_counters SET count = 20 WHERE key LIKE 'wechat_force_day:%'");
  d.sql(`UPDATE rate_counters SET window_start = window_start - 31 WHERE ${gap}`);
  await wxSet(sim, { refuse: { errcode: 40014, times: 1 } });
  assert.equal((await openQr(d)).status, 503);
  assert.equal((await counts(sim)).stable_token_forced, 2);
  assert.match(d.proc.err, /the 20 forced refreshes of the day are used up/);
});
