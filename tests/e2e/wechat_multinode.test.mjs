// Two daoid processes on one SQLite file: WeChat's pushes land on node A, the browser talks
// only to node B (QR code, poll, registration, sign-in), and it works, because scan results
// live in the store. Both nodes' token keepers start at once; the lease lets one fetch.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startDevsim, startDaoid, newPage, stopAll } from './lib/harness.mjs';
import { catalog } from './lib/forms.mjs';
import { wechatEnv, callbackTo, wxState, qrUrl, phoneScan, shown } from './lib/wechat.mjs';

const zh = catalog('zh-CN');
let sim, a, b, phone;

before(async () => {
  sim = await startDevsim();
  a = await startDaoid({ devsim: sim, env: wechatEnv(sim, { DAOID_ACCESS_LOG: '1' }) });
  b = await startDaoid({
    devsim: sim,
    env: wechatEnv(sim, { DAOID_ACCESS_LOG: '1', DAOID_DATABASE: `sqlite:${a.dbPath}` }),
  });
  await callbackTo(sim, a);
  phone = (await newPage({ locale: 'en' })).page;
});
after(async () => {
  await b.stop();
  await a.stop();
  await stopAll();
});

const pushesOn = (n) => (n.proc.out.match(/POST \/wechat\/callback 200/g) || []).length;
const pollsOn = (n) => (n.proc.out.match(/GET \/auth\/wechat\/status/g) || []).length;

test('the push lands on node A, the browser polls node B, and sign-up and sign-in work', async () => {
  assert.equal(b.dbPath, a.dbPath);
  const { ctx, page } = await newPage();
  await page.goto(b.base + '/auth/wechat');
  const r = await phoneScan(phone, sim, { user: 'two-nodes', url: await qrUrl(page), action: 'follow' });
  assert.equal(r.reply, zh('wechat.reply.scanned'));
  await shown(page, '#wx-bound');
  await page.fill('#wx-username', 'twonodes');
  await page.check('#wx-terms');
  await Promise.all([page.waitForURL(b.base + '/console'), page.click('#wx-register')]);
  const me = await (await page.request.get(b.base + '/api/v1/me')).json();
  assert.equal(me.username, 'twonodes');
  assert.deepEqual(me.resources, { base: 2, bonus: 1, total: 3 });
  await ctx.close();

  // next time, a follower's scan: pushed to A, signed in on B
  const next = await newPage();
  await next.page.goto(b.base + '/auth/wechat');
  await phoneScan(phone, sim, { user: 'two-nodes', url: await qrUrl(next.page), action: 'scan' });
  await next.page.waitForURL(b.base + '/console', { timeout: 4000 });
  await next.ctx.close();

  assert.equal(pushesOn(a), 2, 'both pushes went to A');
  assert.equal(pushesOn(b), 0);
  assert.ok(pollsOn(b) >= 2, 'the browser polled B');
  assert.equal(pollsOn(a), 0);
  const counts = (await wxState(sim)).counts;
  assert.equal(counts.stable_token, 1, 'one token fetch for both nodes');
  assert.equal(counts.qrcode, 2);
});
