// The WeChat callback against forged and replayed pushes (issue 12, F4), through the
// simulator, which signs like WeChat and forges on request: a push whose timestamp is more
// than wechat_push_window (5 minutes) away, a leaked signed query replayed with another body,
// a plaintext push to a daoid with an EncodingAESKey (safe mode), and a scan without the QR
// code's <Ticket> are all refused and change nothing; the same push sent honestly afterwards
// goes through. Refusals are 403 with a short text (WeChat shows the person
// "该公众号暂时无法提供服务"); a scan without its ticket is answered (no retry) and ignored.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startDevsim, startDaoid, newPage, stopAll } from './lib/harness.mjs';
import { catalog } from './lib/forms.mjs';
import { wechatEnv, callbackTo, wxSet, wxPush, qrUrl, shown } from './lib/wechat.mjs';

const en = catalog('en');
const zh = catalog('zh-CN');
let sim, d;

before(async () => {
  sim = await startDevsim();
  d = await startDaoid({ devsim: sim, env: wechatEnv(sim) });
  await callbackTo(sim, d);
});
after(async () => {
  await d.stop();
  await stopAll();
});

// A QR page in a browser of its own on daoid dd: { ctx, page, url }.
async function qrPage(dd) {
  const { ctx, page } = await newPage({ locale: 'en' });
  await page.goto(dd.base + '/auth/wechat');
  return { ctx, page, url: await qrUrl(page) };
}

const scanned = (dd) => Number(dd.sql("SELECT COUNT(*) FROM wechat_tickets WHERE state <> 'pending'")[0][0]);

test('the simulator pushes in safe mode by default, and daoid takes it', async () => {
  const { ctx, page, url } = await qrPage(d);
  const r = await wxPush(sim, { user: 'honest-wx', action: 'follow', url });
  assert.equal(r.status, 200);
  assert.match(r.answer, /<Encrypt>/, 'an encrypted push gets an encrypted reply');
  assert.equal(r.reply, en('wechat.reply.scanned'));
  await shown(page, '#wx-ok');
  await ctx.close();
});

test('a timestamp outside the window is refused; in time it is taken', async () => {
  const before0 = scanned(d);
  const { ctx, page, url } = await qrPage(d);
  for (const skew of [-301 - 60, 400]) {
    const r = await wxPush(sim, { user: 'late-wx', action: 'follow', url, skew });
    assert.equal(r.status, 403, `skew ${skew}`);
    assert.equal(r.answer, 'stale timestamp\n');
    assert.equal(r.reply, '该公众号暂时无法提供服务，请稍后再试', 'what WeChat shows for a refused push');
    assert.equal(scanned(d), before0, 'nothing changed');
  }
  assert.match(d.proc.err, /push refused: its timestamp is outside wechat_push_window/);
  const r = await wxPush(sim, { user: 'late-wx', action: 'scan', url, skew: -250 });
  assert.equal(r.status, 200, 'within 5 minutes');
  await shown(page, '#wx-ok');
  await ctx.close();
});

test('a plaintext push to a daoid with an EncodingAESKey is refused', async () => {
  const before0 = scanned(d);
  const { ctx, page, url } = await qrPage(d);
  const r = await wxPush(sim, { user: 'plain-wx', action: 'follow', url, plaintext: true });
  assert.equal(r.status, 403);
  assert.equal(r.answer, 'encrypted pushes only\n');
  assert.equal(scanned(d), before0, 'nothing changed');
  for (const mode of ['compat', 'safe']) {
    await wxSet(sim, { mode });
    const other = await qrPage(d);
    const ok = await wxPush(sim, { user: `${mode}-wx`, action: 'follow', url: other.url });
    assert.equal(ok.status, 200, `${mode} mode is taken`);
    await other.ctx.close();
  }
  const again = await wxPush(sim, { user: 'plain-wx', action: 'scan', url });
  assert.equal(again.status, 200);
  await shown(page, '#wx-ok');
  await ctx.close();
});

test('a scan without its QR code\'s Ticket changes nothing', async () => {
  const before0 = scanned(d);
  const { ctx, page, url } = await qrPage(d);
  const r = await wxPush(sim, { user: 'noticket-wx', action: 'follow', url, no_ticket: true });
  assert.equal(r.status, 200, 'answered, so WeChat does not retry');
  assert.equal(r.reply, zh('wechat.reply.unknown'), 'an unknown code: in the default language');
  assert.equal(scanned(d), before0, 'the code is still pending');
  assert.match(d.proc.err, /a push's Ticket is missing or not its scene's/);
  const ok = await wxPush(sim, { user: 'noticket-wx', action: 'scan', url });
  assert.equal(ok.reply, en('wechat.reply.scanned'));
  await shown(page, '#wx-ok');
  await ctx.close();
});

test('a signed query seen once cannot carry another body; WeChat\'s own retry still passes', async () => {
  // plaintext pushes (wechat_push_mode any): the body is covered by no signature at all
  const dp = await startDaoid({ devsim: sim, env: wechatEnv(sim, { DAOID_WECHAT_PUSH_MODE: 'any' }) });
  try {
    await callbackTo(sim, dp);
    await wxSet(sim, { mode: 'plain' });
    const first = await qrPage(dp);
    const ok = await wxPush(sim, { user: 'first-wx', action: 'follow', url: first.url });
    assert.equal(ok.status, 200);
    const dup = await wxPush(sim, { action: 'dup' }); // the same push again, query and body
    assert.equal(dup.status, 200);
    assert.equal(dup.reply, en('wechat.reply.scanned'), 'answered as the first time');
    await shown(first.page, '#wx-ok');
    const victim = await qrPage(dp);
    const forged = await wxPush(sim, { user: 'evil-wx', action: 'follow', url: victim.url, reuse_nonce: true });
    assert.equal(forged.status, 403);
    assert.equal(forged.answer, 'replayed nonce\n');
    assert.equal(Number(dp.sql("SELECT COUNT(*) FROM wechat_tickets WHERE state <> 'pending'")[0][0]), 1, 'only the first code moved');
    assert.match(dp.proc.err, /its nonce came before with another body/);
    await first.ctx.close();
    await victim.ctx.close();
  } finally {
    await wxSet(sim, { mode: 'safe' });
    await callbackTo(sim, d);
    await dp.stop();
  }
});
