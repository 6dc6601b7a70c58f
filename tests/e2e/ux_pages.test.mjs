// The pages a new user meets (issue 15, look and feel): unbinding asks first (without
// JavaScript too); the header's account menu (initial, username, settings, sign out) works by
// keyboard and without JavaScript; the console's offers to bind are dismissible, remembered per
// account, one at a time; on a phone the tour's highlight stays in view and no "press Esc" hint
// shows; the WeChat QR page tells a phone what to do instead of "scan with WeChat".
// One daoid (GitHub and WeChat through the simulator); accounts are signed up by a fetch client.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { browser, useServers } from './lib/harness.mjs';
import { account, clientSignIn } from './lib/console.mjs';
import { oauthServers } from './lib/oauth.mjs';

const PHONE = { width: 375, height: 667 };
const IPHONE_UA = 'Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.0 Mobile/15E148 Safari/604.1';
const srv = useServers(oauthServers({ providers: ['github'], wechat: true, env: { DAOID_TRUSTED_PROXIES: '127.0.0.1' } }));

// A browser context signed in as username (the session of a fetch client's sign-in), with the
// context options given (viewport, javaScriptEnabled, userAgent, hasTouch …).
async function browserAs(username, opts = {}) {
  const { client, res } = await clientSignIn(srv.d, username);
  assert.equal(res.status, 303, `${username} signed in`);
  const b = await browser();
  const ctx = await b.newContext({ locale: 'zh-CN', viewport: { width: 1280, height: 800 }, ...opts });
  await ctx.addCookies([...client.jar].map(([name, value]) => ({ name, value, url: srv.d.base })));
  const page = await ctx.newPage();
  return { ctx, page };
}

// An account with a verified address and a password, its tour seen (signed up by a fetch client).
async function member(username) {
  await account(srv.d, srv.sim, username);
  srv.d.sql(`UPDATE accounts SET tour_done_at = 1 WHERE username = '${username}'`);
}

const accountId = (u) => Number(srv.d.sql(`SELECT id FROM accounts WHERE username = '${u}'`)[0][0]);
function bindGithub(username) {
  const id = accountId(username);
  srv.d.sql(`INSERT INTO identities (provider, subject, login, account_id, created_at, updated_at) VALUES ('github', 'gh-${id}', '${username}-gh', ${id}, 1700000000, 1700000000)`);
}
const githubBound = (u) => Number(srv.d.sql(`SELECT count(*) FROM identities WHERE provider = 'github' AND account_id = ${accountId(u)}`)[0][0]);

test('unbinding asks first, without JavaScript too; "keep it" leaves the binding', async () => {
  await member('unbinder');
  bindGithub('unbinder');
  const { ctx, page } = await browserAs('unbinder', { javaScriptEnabled: false });
  await page.goto(srv.d.base + '/settings/accounts');
  assert.ok(await page.$('#ask-unbind-github'), 'an unbind button that asks first');
  assert.equal(await page.isVisible('#unbind-github'), false, 'the button that unbinds is not shown before asking');
  await page.click('#ask-unbind-github');
  assert.ok(await page.isVisible('#unbind-warn-github'), 'the question is shown');
  assert.match(await page.textContent('#unbind-warn-github'), /GitHub/);
  assert.equal(githubBound('unbinder'), 1, 'asking unbinds nothing');
  await Promise.all([page.waitForLoadState('load'), page.click('#keep-github')]);
  assert.equal(githubBound('unbinder'), 1, 'keep it: still bound');
  assert.equal(await page.isVisible('#unbind-github'), false);
  await page.click('#ask-unbind-github');
  await Promise.all([page.waitForURL(/\/settings\/accounts$/), page.click('#unbind-github')]);
  assert.equal(githubBound('unbinder'), 0, 'confirmed: unbound');
  assert.ok(await page.isVisible('#notice'));
  await ctx.close();
});

test('the header has an account menu (initial, username, settings, sign out) that works by keyboard without JavaScript', async () => {
  await member('menuuser');
  const { ctx, page } = await browserAs('menuuser', { javaScriptEnabled: false });
  await page.goto(srv.d.base + '/console');
  assert.equal((await page.textContent('#account-summary .avatar')).trim(), 'M');
  assert.match(await page.textContent('#account-summary'), /menuuser/);
  assert.equal(await page.isVisible('#logout'), false, 'the menu starts closed');
  await page.focus('#account-summary');
  await page.keyboard.press('Enter');
  assert.ok(await page.isVisible('#menu-settings'), 'Enter opens the menu');
  assert.ok(await page.isVisible('#logout'));
  await page.keyboard.press('Tab'); // the console entry
  await page.keyboard.press('Tab'); // settings
  assert.equal(await page.evaluate(() => document.activeElement.id), 'menu-settings');
  await Promise.all([page.waitForURL(/\/settings$/), page.keyboard.press('Enter')]);
  await page.click('#account-summary');
  await Promise.all([page.waitForURL(srv.d.base + '/'), page.click('#logout')]);
  assert.equal(await page.$('#account-summary'), null, 'signed out');
  await ctx.close();
});

test('the console offers one binding at a time; "don\'t show again" is remembered for the account, on every device', async () => {
  await member('offered');
  await member('offered2');
  const { ctx, page } = await browserAs('offered');
  await page.goto(srv.d.base + '/console');
  assert.ok(await page.isVisible('#github-reminder'), 'GitHub is offered first');
  assert.equal(await page.$('#wechat-reminder'), null, 'one offer at a time');
  assert.equal(await page.$$eval('.reminder, .offer', (els) => els.length), 1);
  await Promise.all([page.waitForURL(/\/console$/), page.click('#dismiss-github')]);
  assert.equal(await page.$('#github-reminder'), null, 'the dismissed offer is gone');
  assert.ok(await page.isVisible('#wechat-reminder'), 'the next one takes its place');
  await Promise.all([page.waitForURL(/\/console$/), page.click('#dismiss-wechat')]);
  assert.equal(await page.$('.offer'), null);
  await ctx.close();
  const other = await browserAs('offered'); // another browser of the same account
  await other.page.goto(srv.d.base + '/console');
  assert.equal(await other.page.$('.offer'), null, 'remembered for the account');
  await other.ctx.close();
  const second = await browserAs('offered2');
  await second.page.goto(srv.d.base + '/console');
  assert.ok(await second.page.isVisible('#github-reminder'), 'another account still sees its offer');
  // without the form's CSRF token nothing is dismissed
  const r = await second.page.request.post(srv.d.base + '/console/offer/dismiss', { form: { provider: 'github' }, maxRedirects: 0 });
  assert.equal(r.status(), 403);
  await second.page.reload();
  assert.ok(await second.page.isVisible('#github-reminder'));
  await second.ctx.close();
});

test('on a phone the tour keeps its highlight in view and says nothing about Esc', async () => {
  await member('phonetour');
  srv.d.sql("UPDATE accounts SET tour_done_at = 0 WHERE username = 'phonetour'");
  const { ctx, page } = await browserAs('phonetour', { viewport: PHONE, isMobile: true, hasTouch: true, userAgent: IPHONE_UA });
  await page.goto(srv.d.base + '/console');
  await page.waitForSelector('#tour.stepping');
  assert.equal(await page.isVisible('#tour-esc'), false, 'no "press Esc" on a touch screen');
  // each step's highlighted entry is on the screen, on top (not under the dimmed layer or the
  // panel, not clipped by the navigation's sideways scrolling)
  const steps = async (from) => {
    for (const [step, target] of [[1, 'nav-build'], [2, 'nav-registry']]) {
      if (step > 1) await page.click('#tour-next');
      const seen = await page.evaluate((id) => {
        const el = document.getElementById(id), t = el.getBoundingClientRect();
        const p = document.getElementById('tour-panel').getBoundingClientRect();
        const vw = document.documentElement.clientWidth, vh = window.innerHeight;
        const inView = t.left >= 0 && t.right <= vw && t.top >= 0 && t.bottom <= vh;
        const covered = !(p.bottom <= t.top || p.top >= t.bottom || p.right <= t.left || p.left >= t.right);
        const hit = document.elementFromPoint((t.left + t.right) / 2, (t.top + t.bottom) / 2);
        return { inView, covered, onTop: !!hit && el.contains(hit), t: [t.left, t.top, t.right, t.bottom], vw, vh };
      }, target);
      assert.ok(seen.inView, `${from}, step ${step}: #${target} in view ${JSON.stringify(seen)}`);
      assert.equal(seen.covered, false, `${from}, step ${step}: the panel leaves #${target} visible ${JSON.stringify(seen)}`);
      assert.ok(seen.onTop, `${from}, step ${step}: #${target} is not hidden ${JSON.stringify(seen)}`);
    }
  };
  await steps('first visit');
  await page.click('#tour-done');
  await page.waitForSelector('#tour', { state: 'hidden' });
  // "show the tour again" sits at the bottom of a long page on a phone
  await page.evaluate(() => window.scrollTo(0, document.documentElement.scrollHeight));
  await page.click('#tour-again');
  await page.waitForSelector('#tour.stepping');
  await steps('again from the bottom of the page');
  await ctx.close();
  // on a desktop the hint is there
  const desk = await browserAs('phonetour');
  await desk.page.goto(srv.d.base + '/console');
  await desk.page.waitForSelector('#tour.stepping');
  assert.ok(await desk.page.isVisible('#tour-esc'));
  await desk.ctx.close();
});

test('the WeChat QR page tells a phone what to do instead of asking it to scan its own screen', async () => {
  const b = await browser();
  const cases = [
    { name: 'desktop', opts: { viewport: { width: 1280, height: 800 } }, phone: false },
    { name: 'phone', opts: { viewport: PHONE, isMobile: true, hasTouch: true, userAgent: IPHONE_UA }, phone: true, text: /截屏/ },
    { name: 'touch screen, desktop user agent', opts: { viewport: PHONE, isMobile: true, hasTouch: true }, phone: true },
    { name: 'inside WeChat', opts: { viewport: PHONE, isMobile: true, hasTouch: true, userAgent: `${IPHONE_UA} MicroMessenger/8.0.40` }, phone: true, text: /长按二维码/ },
  ];
  for (const c of cases) {
    const ctx = await b.newContext({ locale: 'zh-CN', ...c.opts });
    const page = await ctx.newPage();
    await page.goto(srv.d.base + '/auth/wechat');
    await page.waitForSelector('#wx-qr svg');
    assert.equal(await page.isVisible('#wx-phone'), c.phone, `${c.name}: the phone's way forward`);
    assert.equal(await page.isVisible('#wx-scan'), !c.phone, `${c.name}: "scan with WeChat"`);
    if (c.text) assert.match(await page.textContent('#wx-phone'), c.text, c.name);
    await ctx.close();
  }
});
