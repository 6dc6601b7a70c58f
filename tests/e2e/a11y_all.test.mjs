// Every page passes axe-core with no finding of any impact (every rule axe runs by default:
// WCAG 2.x A/AA and its best practices), in both languages (zh-CN, en) at both widths (1280 px
// and a 375 px phone), public and signed-in: home, sign-up, sign-in, verification (done, used,
// unknown), the console (tour open, account menu open), Code Build, Image Registry, Resources,
// every settings page and section, linked accounts (unbind question open), security, apps,
// tokens, deletion, re-authentication, password reset, 404 and the WeChat QR page.
// One daoid for the file; accounts are signed up by a fetch client. With E2E_SCREENSHOTS=docs
// (`make screenshots`) it also refreshes the README's pictures at both widths.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { mkdirSync } from 'node:fs';
import { browser, useServers, SHOTS } from './lib/harness.mjs';
import { account, axeProblems, clientSignIn, mailLink, waitFor, overflow } from './lib/console.mjs';
import { Client, signupClient } from './lib/forms.mjs';
import { oauthServers } from './lib/oauth.mjs';

const WIDTHS = [{ width: 1280, height: 800 }, { width: 375, height: 667 }];
const srv = useServers(oauthServers({ providers: ['github'], wechat: true, env: { DAOID_TRUSTED_PROXIES: '127.0.0.1' } }));
// Every axe-core violation on the page, whatever its impact.
const axeAll = (page) => axeProblems(page, { all: true });

// A fresh link of path (/verify, /password/reset) from the newest mail to address after count.
async function linkAfter(address, path, count) {
  const ms = await waitFor(async () => {
    const m = (await srv.sim.messages(address)).filter((x) => x.text.includes(path));
    return m.length > count ? m : null;
  }, `a mail with ${path}`);
  const u = new URL(mailLink(ms[0], path));
  return u.pathname + u.search;
}

const mailCount = async (address, path) => (await srv.sim.messages(address)).filter((x) => x.text.includes(path)).length;

async function shot(page, name, lang, viewport) {
  if (lang !== 'zh-CN') return;
  mkdirSync(SHOTS, { recursive: true });
  await page.screenshot({ path: join(SHOTS, `${name}${viewport.width < 600 ? '-phone' : ''}.png`), fullPage: true });
}

for (const [locale, lang] of [['zh-CN', 'zh-CN'], ['en-US', 'en']]) {
  test(`every page has no axe-core finding of any impact and fits the screen (${lang}, 1280 and 375 px)`, async () => {
    const tag = lang === 'en' ? 'en' : 'zh';
    const user = `allpages-${tag}`;
    await account(srv.d, srv.sim, user, { lang });
    const id = Number(srv.d.sql(`SELECT id FROM accounts WHERE username = '${user}'`)[0][0]);
    srv.d.sql(`INSERT INTO identities (provider, subject, login, account_id, created_at, updated_at) VALUES ('github', 'all-${id}', '${user}', ${id}, 1700000000, 1700000000)`);
    const problems = [];
    const b = await browser();
    for (const viewport of WIDTHS) {
      const where = `${lang} ${viewport.width}px`;
      const check = async (page, name) => {
        for (const p of await axeAll(page)) problems.push(`${where} ${name}: ${p}`);
        for (const o of await overflow(page)) problems.push(`${where} ${name}: wider than the screen: ${o}`);
      };
      const visit = async (page, name, path, status) => {
        const r = await page.goto(srv.d.base + path);
        if (!r) assert.ok(path.includes('#'), `${where} ${name}: ${path}: no answer`); // a section of the page shown
        else if (status) assert.equal(r.status(), status, `${where} ${name}: ${path}`);
        else assert.ok(r.status() < 500, `${where} ${name}: ${path}: ${r.status()}`);
        await check(page, name);
      };

      // signed out
      const anon = await b.newContext({ locale, viewport });
      const p = await anon.newPage();
      await visit(p, 'home', '/');
      await shot(p, 'home', lang, viewport);
      // the checker itself: an image without a text alternative is found
      await p.evaluate(() => document.querySelector('main').append(Object.assign(document.createElement('img'), { src: '/static/logo.svg' })));
      assert.ok((await axeAll(p)).some((v) => v.startsWith('image-alt')), 'axe-core runs and reports');
      await visit(p, 'sign-up', '/signup');
      await shot(p, 'signup', lang, viewport);
      await p.click('#register'); // nothing filled in: the form with its errors
      await p.waitForSelector('.err');
      await check(p, 'sign-up with errors');
      await visit(p, 'sign-in', '/login');
      await visit(p, 'forgot password', '/password/forgot');
      await visit(p, 'terms', '/terms');
      await visit(p, '404', '/no/such/page', 404);
      await visit(p, 'verification link unknown', '/verify?token=nonsense');
      await visit(p, 'reset link unknown', '/password/reset?token=nonsense');
      const fresh = `${user}-${viewport.width}`;
      const freshMail = `${fresh}@example.com`;
      const before = await mailCount(freshMail, '/verify');
      const { res } = await signupClient(srv.d.base, { email: freshMail, username: fresh }, { lang });
      assert.equal(res.status, 303);
      const verify = await linkAfter(freshMail, '/verify', before);
      await visit(p, 'email verified', verify);
      await visit(p, 'verification link used', verify);
      const c = new Client(srv.d.base, { lang });
      const form = await c.get('/password/forgot');
      const resets = await mailCount(freshMail, '/password/reset');
      await c.post('/password/forgot', { csrf: form.page.csrf, email: freshMail });
      await visit(p, 'password reset', await linkAfter(freshMail, '/password/reset', resets));
      await visit(p, 'WeChat QR', '/auth/wechat');
      await p.waitForSelector('#wx-qr svg');
      await shot(p, 'wechat', lang, viewport);
      await anon.close();

      // signed in (the session of a fetch client's sign-in)
      const { client } = await clientSignIn(srv.d, user, undefined, { lang });
      const ctx = await b.newContext({ locale, viewport });
      await ctx.addCookies([...client.jar].map(([name, value]) => ({ name, value, url: srv.d.base })));
      const s = await ctx.newPage();
      srv.d.sql(`UPDATE accounts SET tour_done_at = 0 WHERE id = ${id}`);
      await visit(s, 'console with the tour', '/console');
      await s.waitForSelector('#tour.stepping');
      await check(s, 'console with the tour (one step)');
      await s.click('#tour-skip');
      await s.waitForSelector('#tour', { state: 'hidden' });
      srv.d.sql(`UPDATE accounts SET tour_done_at = 1 WHERE id = ${id}`);
      await visit(s, 'console', '/console');
      await shot(s, 'console', lang, viewport);
      await s.click('#account-summary');
      await check(s, 'console with the account menu open');
      await visit(s, 'home signed in', '/');
      await visit(s, 'code build', '/build');
      await visit(s, 'code build, GitHub', '/build?p=github');
      await visit(s, 'image registry', '/registry');
      await shot(s, 'registry', lang, viewport);
      await visit(s, 'resources', '/resources');
      await visit(s, 'settings', '/settings');
      await shot(s, 'settings', lang, viewport);
      for (const section of ['username', 'email', 'password', 'tokens', 'sessions', 'activity', 'language']) {
        assert.ok(await s.$(`#${section}`), `${where} settings: the section #${section} (checked with the page)`);
      }
      await visit(s, 'linked accounts', '/settings/accounts');
      await s.click('#ask-unbind-github');
      await check(s, 'linked accounts, unbind question');
      await visit(s, 'security', '/settings/security');
      await visit(s, 'apps', '/settings/apps');
      await visit(s, 'new access token', '/settings/tokens/new');
      await visit(s, 'deletion', '/settings/delete');
      await visit(s, 're-authentication', '/reauth?next=/settings/delete');
      await visit(s, 'bind WeChat', '/auth/wechat?intent=bind');
      await visit(s, '404 signed in', '/no/such/page', 404);
      await ctx.close();
    }
    assert.deepEqual(problems, []);
  });
}
