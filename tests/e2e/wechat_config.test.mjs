// WeChat sign-in under settings that change the flow: an expired QR code (the page says the
// code expired and offers a new one, with JavaScript and without; a code scanned but never
// followed expires with the hint to follow), a daoid without an EncodingAESKey (plaintext
// pushes only), the classic access-token mode (cgi-bin/token, fetched once), and a daoid
// without an AppID (WeChat offered nowhere).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startDevsim, startDaoid, newPage, stopAll, browser, signup, skipTour } from './lib/harness.mjs';
import { catalog } from './lib/forms.mjs';
import { wechatEnv, callbackTo, wxSet, wxState, qrUrl, phoneScan, shown, waitFor } from './lib/wechat.mjs';

const zh = catalog('zh-CN');
let sim, phone;
const nodes = [];

before(async () => {
  sim = await startDevsim();
  phone = (await newPage({ locale: 'en' })).page;
});
after(async () => {
  for (const d of nodes) await d.stop();
  await stopAll();
});

async function daoid(extra) {
  const d = await startDaoid({ devsim: sim, env: wechatEnv(sim, extra) });
  nodes.push(d);
  await callbackTo(sim, d);
  return d;
}

// Ends the life of every pending QR code of d now (as its lifetime running out would): the
// test states when a code expires instead of waiting for a duration.
const expireCodes = (d) => d.sql("UPDATE wechat_tickets SET expires_at = created_at WHERE state = 'pending'");

test('an expired QR code says so and offers a new one; scanned but not followed: the hint', async () => {
  const d = await daoid({});
  const { ctx, page } = await newPage();
  await page.goto(d.base + '/auth/wechat');
  const url = await qrUrl(page);
  // WeChat shows its follow page; the person leaves without following: nothing is pushed
  const r = await phoneScan(phone, sim, { user: 'lurker', url, action: 'nofollow' });
  assert.match(r.note, /nothing is pushed/);
  assert.equal(r.status, null);
  expireCodes(d);
  await shown(page, '#wx-expired', 30000);
  assert.equal(await page.isHidden('#wx-pending'), true);
  assert.equal(await page.textContent('#wx-expired-msg'), zh('wechat.expired'));
  assert.equal(await page.textContent('#wx-follow-hint'), zh('wechat.expired_hint'));
  assert.match(await page.textContent('#wx-follow-hint'), /关注/);
  assert.equal(d.sql('SELECT COUNT(*) FROM wechat_pushes')[0][0], '0');
  // a scan of the expired code (WeChat's own copy of the code lives on) binds nothing: daoid
  // answers that the code expired
  const late = await phoneScan(phone, sim, { user: 'lurker', url, action: 'follow' });
  assert.equal(late.reply, zh('wechat.reply.expired'));
  assert.equal(await page.isVisible('#wx-expired'), true);

  await Promise.all([page.waitForURL(/\/auth\/wechat\?new=1$/), page.click('#wx-new')]);
  const fresh = await qrUrl(page);
  assert.notEqual(fresh, url);
  assert.equal(await page.isVisible('#wx-pending'), true);
  assert.equal(d.sql('SELECT COUNT(*) FROM wechat_tickets')[0][0], '1', 'one live code per browser');
  // this one is scanned and followed in time
  await phoneScan(phone, sim, { user: 'lurker', url: fresh, action: 'follow' });
  await shown(page, '#wx-bound');
  await ctx.close();

  // without JavaScript: reloading shows the expiry and the link to a new code
  const b = await browser();
  const nojs = await b.newContext({ javaScriptEnabled: false, locale: 'zh-CN' });
  const p = await nojs.newPage();
  await p.goto(d.base + '/auth/wechat');
  assert.equal(await p.isVisible('#wx-qr svg'), true);
  await p.click('#wx-continue');
  assert.equal(await p.isVisible('#wx-pending'), true, 'still waiting for a scan');
  expireCodes(d);
  await p.click('#wx-continue');
  assert.equal(await p.isVisible('#wx-expired'), true);
  assert.equal(await p.textContent('#wx-expired-msg'), zh('wechat.expired'));
  await p.click('#wx-new');
  assert.equal(await p.isVisible('#wx-qr svg'), true);
  await nojs.close();
});

test('without an EncodingAESKey, plaintext pushes work and encrypted ones are refused', async () => {
  const d = await daoid({ DAOID_WECHAT_AES_KEY: '' });
  for (const mode of ['plain', 'safe']) {
    await wxSet(sim, { mode });
    const { ctx, page } = await newPage();
    await page.goto(d.base + '/auth/wechat');
    const r = await phoneScan(phone, sim, { user: `nokey-${mode}`, url: await qrUrl(page), action: 'follow' });
    if (mode === 'plain') {
      assert.equal(r.reply, zh('wechat.reply.scanned'));
      await shown(page, '#wx-bound');
    } else {
      assert.equal(r.status, '400');
      assert.equal(r.reply, '该公众号暂时无法提供服务，请稍后再试');
      assert.match(d.proc.err, /an encrypted push, but wechat_aes_key is not set/);
      // nothing happened: the page's next status poll (after the push was refused) says so
      const next = await page.waitForResponse((x) => x.url().endsWith('/auth/wechat/status'));
      assert.equal((await next.json()).state, 'pending');
      assert.equal(await page.isVisible('#wx-pending'), true, 'nothing happened');
    }
    await ctx.close();
  }
  await wxSet(sim, { mode: 'safe' });
});

test('classic token mode: cgi-bin/token once for every QR code, again once refused', async () => {
  const before0 = (await wxState(sim)).counts;
  const d = await daoid({ DAOID_WECHAT_TOKEN_MODE: 'classic' });
  await waitFor(async () => (await wxState(sim)).counts.token === before0.token + 1, 'the keeper fetch');
  for (let i = 0; i < 3; i++) {
    const { ctx, page } = await newPage();
    await page.goto(d.base + '/auth/wechat');
    await qrUrl(page);
    await ctx.close();
  }
  let c = (await wxState(sim)).counts;
  assert.equal(c.token, before0.token + 1);
  assert.equal(c.stable_token, before0.stable_token);
  await wxSet(sim, { invalidate: true });
  const { ctx, page } = await newPage();
  await page.goto(d.base + '/auth/wechat');
  await qrUrl(page);
  c = (await wxState(sim)).counts;
  assert.equal(c.token, before0.token + 2);
  assert.match(d.proc.err, /access token fetched \(cgi-bin\/token/);
  await ctx.close();
});

test('scanned and followed, then unfollowed before the page moved on: the code expires with the hint', async () => {
  const d = await daoid({});
  const b = await browser();
  const nojs = await b.newContext({ javaScriptEnabled: false, locale: 'zh-CN' });
  const p = await nojs.newPage();
  await p.goto(d.base + '/auth/wechat');
  const url = await p.getAttribute('#wx-qr', 'data-url');
  assert.equal((await phoneScan(phone, sim, { user: 'fickle', url, action: 'follow' })).reply, zh('wechat.reply.scanned'));
  await phoneScan(phone, sim, { user: 'fickle', url: '', action: 'unfollow' });
  assert.equal((await wxState(sim)).users.find((u) => u.name === 'fickle').following, false);
  await p.click('#wx-continue');
  assert.equal(await p.isVisible('#wx-expired'), true);
  assert.equal(await p.textContent('#wx-follow-hint'), zh('wechat.expired_hint'));
  assert.equal(d.sql("SELECT COUNT(*) FROM accounts")[0][0], '0');
  assert.equal(d.sql("SELECT following FROM wechat_followers")[0][0], '0', 'the unfollow was recorded');
  await nojs.close();
});

test('without an AppID WeChat is offered nowhere: no icon, no reminder, no bind button, no offer, no re-authentication', async () => {
  const d = await startDaoid({ devsim: sim }); // no DAOID_WECHAT_APP_ID
  nodes.push(d);
  const { ctx, page } = await newPage();
  for (const path of ['/', '/login', '/signup']) {
    await page.goto(d.base + path);
    assert.equal(await page.$('#social-wechat'), null, `${path}: no WeChat icon`);
    assert.equal(await page.$('a[href^="/auth/wechat"]'), null, `${path}: no link to it`);
  }
  await signup(page, d.base, { email: 'nowx@example.com', username: 'nowx' });
  await skipTour(page);
  assert.equal(await page.$('#wechat-reminder'), null, 'console: no reminder');
  for (const path of ['/console', '/settings', '/settings/accounts', '/resources', '/build', '/registry']) {
    await page.goto(d.base + path);
    assert.equal(await page.$('a[href^="/auth/wechat"]'), null, `${path}: no link to WeChat`);
  }
  await page.goto(d.base + '/settings/accounts');
  assert.equal(await page.$('#row-wechat'), null);
  await page.goto(d.base + '/resources');
  assert.equal(await page.$('#res-offer'), null);
  assert.equal((await page.request.get(d.base + '/auth/wechat')).status(), 404);

  // an identity from when WeChat was configured is not offered for re-authentication
  const id = d.sql("SELECT id FROM accounts WHERE username = 'nowx'")[0][0];
  d.sql(`INSERT INTO identities (account_id, provider, subject, created_at, updated_at) VALUES (${id}, 'wechat', 'o-old', 0, 0)`);
  d.sql(`UPDATE sessions SET auth_at = auth_at - 3600 WHERE account_id = ${id}`);
  await page.goto(d.base + '/reauth?next=/settings');
  assert.equal(await page.isVisible('#reauth-form'), true);
  assert.equal(await page.$('#reauth-wechat'), null);
  await ctx.close();
});
