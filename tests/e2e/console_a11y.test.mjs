// Phone screens and accessibility of the console's pages (issue: console, "Also"): every page of
// the console, settings, re-authentication, password reset and deletion, in both languages,
// has no serious or critical axe-core finding (WCAG 2.x A/AA: labels, contrast, names, ARIA)
// and nothing that scrolls sideways on a 375×667 phone screen. Screenshot of the tour on a phone.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { mkdirSync } from 'node:fs';
import { useServers, SHOTS } from './lib/harness.mjs';
import { account, signedIn, mailLink, axeProblems, overflow, waitFor } from './lib/console.mjs';
import { Client } from './lib/forms.mjs';

const PHONE = { width: 375, height: 667 };
const srv = useServers({ env: { DAOID_TRUSTED_PROXIES: '127.0.0.1' } });

// A fresh reset link for address.
async function resetLink(address) {
  const c = new Client(srv.d.base);
  const form = await c.get('/password/forgot');
  const before = (await srv.sim.messages(address)).filter((m) => /\/password\/reset/.test(m.text)).length;
  await c.post('/password/forgot', { csrf: form.page.csrf, email: address });
  const ms = await waitFor(async () => {
    const m = (await srv.sim.messages(address)).filter((x) => /\/password\/reset/.test(x.text));
    return m.length > before ? m : null;
  }, 'a reset mail');
  return mailLink(ms[0], '/password/reset');
}

// Opens each page (a path, or a function that brings the page there) and checks it.
async function checkPages(page, pages, where) {
  const problems = [];
  for (const [name, go] of pages) {
    if (typeof go === 'string') {
      const r = await page.goto(srv.d.base + go);
      assert.ok(r.status() < 500, `${name}: ${r.status()}`);
    } else {
      await go();
    }
    for (const p of await axeProblems(page)) problems.push(`${where} ${name}: ${p}`);
    for (const o of await overflow(page)) problems.push(`${where} ${name}: wider than the screen: ${o}`);
  }
  return problems;
}

for (const [locale, lang] of [['zh-CN', 'zh-CN'], ['en-US', 'en']]) {
  test(`every console page passes axe and fits a phone (${lang})`, async () => {
    const user = `a11y-${lang.toLowerCase().replace(/[^a-z]/g, '')}`;
    await account(srv.d, srv.sim, user, { lang });
    const problems = [];
    for (const viewport of [{ width: 1100, height: 820 }, PHONE]) {
      const where = `${viewport.width}px`;
      srv.d.sql(`UPDATE accounts SET tour_done_at = 0 WHERE username = '${user}'`);
      const { ctx, page } = await signedIn(srv.d, user, { locale, viewport });
      assert.ok(await page.isVisible('#tour'), 'the tour is open');
      problems.push(...await checkPages(page, [['console with the tour', async () => {}]], where));
      if (viewport === PHONE && lang === 'zh-CN') {
        mkdirSync(SHOTS, { recursive: true });
        await page.screenshot({ path: join(SHOTS, 'console-tour-phone.png') });
      }
      await page.keyboard.press('Escape');
      const link = await resetLink(`${user}@example.com`);
      problems.push(...await checkPages(page, [
        ['console', '/console'],
        ['code build', '/build'],
        ['image registry', '/registry'],
        ['settings', '/settings'],
        ['settings with an error', async () => {
          await page.goto(srv.d.base + '/settings');
          await page.fill('#new-username', 'x');
          await Promise.all([page.waitForLoadState('load'), page.click('#save-username')]);
          assert.ok(await page.isVisible('#username-err'));
        }],
        ['deletion', '/settings/delete'],
        ['deletion with an error', async () => {
          await page.fill('#confirm', 'nope');
          await Promise.all([page.waitForLoadState('load'), page.click('#confirm-delete')]);
          assert.ok(await page.isVisible('#confirm-err'));
        }],
        ['re-authentication', '/reauth?next=/settings/delete'],
        ['email link refused', '/email/confirm?token=nonsense'],
        ['reset link', link],
        ['forgot password', '/password/forgot'],
        ['forgot password sent', async () => {
          await page.fill('#email', 'someone@example.com');
          await Promise.all([page.waitForLoadState('load'), page.click('#send-reset')]);
          assert.ok(await page.isVisible('#notice'));
        }],
      ].map(([n, go]) => [n, typeof go === 'string' && go.startsWith('http') ? async () => { await page.goto(go); } : go]), where));
      await ctx.close();
    }
    assert.deepEqual(problems, []);
  });
}
