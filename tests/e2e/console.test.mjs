// The console (issue: console, items 1, 2, 4 and the Code Build list of item 3): the left
// navigation and reminders, the first-visit tour (once, on any device; skip; Esc; keyboard-only
// with focus kept in the dialog and given back; without JavaScript every step and one "Got
// it"; "show the tour again"), the Code Build and Image Registry pages, and /api/v1/me's
// tour_done. Screenshot of the console with its tour for the README.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { mkdirSync } from 'node:fs';
import { useServers, startDaoid, newPage, signup, skipTour, linkIn, PASSWORD, SHOTS } from './lib/harness.mjs';
import { account, signedIn, scalar } from './lib/console.mjs';
import { catalog } from './lib/forms.mjs';
import { oauthEnv, registerCallbacks, newUser, authorize } from './lib/oauth.mjs';

const zh = catalog('zh-CN');
const en = catalog('en');
const srv = useServers();

const tourDone = (username) => scalar(srv.d, `SELECT tour_done_at FROM accounts WHERE username = '${username}'`);

// Waits for the tour's state to be saved by the script (POST /console/tour).
function saved(page) {
  return page.waitForResponse((r) => new URL(r.url()).pathname === '/console/tour' && r.request().method() === 'POST');
}

test('the console: navigation, reminders, and the tour shown once, on any device', async () => {
  mkdirSync(SHOTS, { recursive: true });
  const { ctx, page } = await newPage();
  await signup(page, srv.d.base, { email: 'tina@example.com', username: 'tina' });
  assert.match(page.url(), /\/console$/);

  // the left navigation
  const nav = await page.$$eval('nav.side-nav a', (as) => as.map((a) => [a.id, a.getAttribute('href'), a.textContent.trim()]));
  assert.deepEqual(nav, [
    ['nav-home', '/console', zh('cnav.home')],
    ['nav-build', '/build', '代码构建'],
    ['nav-registry', '/registry', '镜像仓库'],
    ['nav-resources', '/resources', '资源'],
    ['nav-settings', '/settings', '账号设置'],
  ]);
  assert.equal(await page.getAttribute('#nav-home', 'aria-current'), 'page');
  assert.match(await page.textContent('.greeting'), /tina/);
  assert.match(await page.textContent('#verify-reminder'), /验证邮件已发送至 tina@example.com/);
  assert.equal(await page.$('#github-reminder'), null, 'GitHub is not offered on this site: no reminder');

  // the tour: a dimmed modal dialog at the first step, pointing at Code Build
  assert.ok(await page.isVisible('#tour'));
  assert.equal(await page.getAttribute('#tour', 'role'), 'dialog');
  assert.equal(await page.getAttribute('#tour', 'aria-modal'), 'true');
  assert.ok(await page.isVisible('#tour-step-1'));
  assert.ok(!(await page.isVisible('#tour-step-2')));
  assert.match(await page.textContent('#tour-step-1'), /GitHub、Bitbucket、Coding/);
  assert.ok(await page.$eval('#nav-build', (a) => a.classList.contains('tour-target')));
  assert.ok(!(await page.isVisible('#tour-back')), 'no Back on the first step');
  assert.ok(!(await page.isVisible('#tour-gotit')), 'the no-script button gives way to the steps');
  const bg = await page.$eval('#tour', (t) => getComputedStyle(t).backgroundColor);
  assert.match(bg, /rgba\(15, 37, 68, 0\.6/, 'the page behind is dimmed');
  const [panel, target] = await Promise.all([page.$eval('#tour-panel', (p) => p.getBoundingClientRect().toJSON()),
    page.$eval('#nav-build', (a) => a.getBoundingClientRect().toJSON())]);
  assert.ok(panel.left >= target.right, 'the step stands beside its target');
  await page.screenshot({ path: join(SHOTS, 'console-tour.png') });

  await page.click('#tour-next');
  assert.ok(await page.isVisible('#tour-step-2'));
  assert.match(await page.textContent('#tour-step-2'), /Docker Hub 官方镜像/);
  assert.ok(await page.$eval('#nav-registry', (a) => a.classList.contains('tour-target')));
  assert.ok(!(await page.$eval('#nav-build', (a) => a.classList.contains('tour-target'))));
  await page.click('#tour-back');
  assert.ok(await page.isVisible('#tour-step-1'));
  await page.click('#tour-next');
  await Promise.all([saved(page), page.click('#tour-done')]);
  assert.ok(!(await page.isVisible('#tour')));
  assert.ok(tourDone('tina') > 0, 'finishing is saved for the account');
  const me = await (await page.request.get(srv.d.base + '/api/v1/me')).json();
  assert.equal(me.tour_done, true);

  await page.reload();
  assert.ok(!(await page.isVisible('#tour')), 'not again after a reload');
  await ctx.close();

  // another device: never again
  const other = await signedIn(srv.d, 'tina');
  assert.ok(!(await other.page.isVisible('#tour')));
  await other.ctx.close();
});

test('skipping persists across a new browser context; "show the tour again" brings it back', async () => {
  await account(srv.d, srv.sim, 'sven', { verify: false });
  const a = await signedIn(srv.d, 'sven');
  assert.ok(await a.page.isVisible('#tour'), 'not seen yet: the tour shows');
  await Promise.all([saved(a.page), a.page.click('#tour-skip')]);
  assert.ok(!(await a.page.isVisible('#tour')));
  await a.ctx.close();

  const b = await signedIn(srv.d, 'sven');
  assert.ok(!(await b.page.isVisible('#tour')), 'skipped on one device, gone on another');
  assert.equal((await b.page.textContent('#tour-again')).trim(), '再看一遍引导');
  await b.page.focus('#tour-again');
  await Promise.all([saved(b.page), b.page.keyboard.press('Enter')]);
  assert.ok(await b.page.isVisible('#tour'), 'opens in place');
  assert.equal(tourDone('sven'), 0, 'and shows on the next visit too');
  await Promise.all([saved(b.page), b.page.keyboard.press('Escape')]);
  assert.ok(!(await b.page.isVisible('#tour')));
  assert.equal(await b.page.evaluate(() => document.activeElement.id), 'tour-again', 'focus goes back to the link');
  assert.ok(tourDone('sven') > 0);
  await b.ctx.close();
});

// The id of the focused element.
const focused = (page) => page.evaluate(() => document.activeElement && document.activeElement.id);
const insideTour = (page) => page.evaluate(() => document.getElementById('tour-panel').contains(document.activeElement));

test('the tour works by keyboard alone: Tab order, focus kept in the dialog, Esc, focus returned', async () => {
  await account(srv.d, srv.sim, 'kai', { verify: false });
  const { ctx, page } = await signedIn(srv.d, 'kai', { locale: 'en-US' });
  assert.ok(await page.isVisible('#tour'));
  assert.equal(await focused(page), 'tour-next', 'the dialog takes focus');
  assert.equal((await page.textContent('#tour-title')).trim(), en('tour.title', { site_name: 'DaoCloud' }));

  // step 1: Skip, Next (Tab wraps; Shift+Tab wraps back)
  await page.keyboard.press('Tab');
  assert.equal(await focused(page), 'tour-skip');
  await page.keyboard.press('Tab');
  assert.equal(await focused(page), 'tour-next');
  await page.keyboard.press('Shift+Tab');
  assert.equal(await focused(page), 'tour-skip');
  await page.keyboard.press('Shift+Tab');
  assert.equal(await focused(page), 'tour-next');

  // step 2: Skip, Back, Done
  await page.keyboard.press('Enter');
  assert.ok(await page.isVisible('#tour-step-2'));
  assert.equal(await focused(page), 'tour-done');
  const order = [];
  for (let i = 0; i < 6; i++) {
    await page.keyboard.press('Tab');
    order.push(await focused(page));
    assert.ok(await insideTour(page), 'focus stays in the dialog');
  }
  assert.deepEqual(order, ['tour-skip', 'tour-back', 'tour-done', 'tour-skip', 'tour-back', 'tour-done']);
  await page.keyboard.press('Shift+Tab');
  assert.equal(await focused(page), 'tour-back');
  await page.keyboard.press('Enter');
  assert.ok(await page.isVisible('#tour-step-1'), 'Back goes to step 1');
  assert.equal(await focused(page), 'tour-next');

  // Esc closes (skips); focus goes back to the page
  await Promise.all([saved(page), page.keyboard.press('Escape')]);
  assert.ok(!(await page.isVisible('#tour')));
  assert.equal(await focused(page), 'console-title');
  assert.ok(tourDone('kai') > 0, 'Esc counts as skipping');
  await ctx.close();
});

test('without JavaScript the tour shows every step and one "Got it" button', async () => {
  await account(srv.d, srv.sim, 'nora', { verify: false });
  const { ctx, page } = await signedIn(srv.d, 'nora', { javaScriptEnabled: false });
  assert.ok(await page.isVisible('#tour'));
  assert.ok(await page.isVisible('#tour-step-1'));
  assert.ok(await page.isVisible('#tour-step-2'));
  assert.ok(!(await page.isVisible('#tour-buttons')), 'no step buttons without a script');
  const buttons = await page.$$eval('#tour button', (bs) => bs.filter((b) => b.offsetParent !== null).map((b) => b.textContent.trim()));
  assert.deepEqual(buttons, ['知道了']);
  await Promise.all([page.waitForURL(/\/console$/), page.click('#tour-gotit')]);
  assert.ok(!(await page.isVisible('#tour')));
  assert.ok(tourDone('nora') > 0);
  // "show the tour again" is a form too
  await Promise.all([page.waitForURL(/\/console$/), page.click('#tour-again')]);
  assert.ok(await page.isVisible('#tour'));
  assert.equal(tourDone('nora'), 0);
  await ctx.close();
});

test('the tour endpoint refuses an unknown action and requests without the CSRF token', async () => {
  const c = await account(srv.d, srv.sim, 'otto', { verify: false });
  const csrf = (await c.get('/console')).page.csrf;
  const bad = await c.post('/console/tour', { csrf, action: 'explode' });
  assert.equal(bad.status, 400);
  assert.equal(bad.page.noticeMessage, zh('console.err.action'));
  const forged = await c.post('/console/tour', { action: 'done' });
  assert.equal(forged.status, 403);
  assert.equal(tourDone('otto'), 0);
  const ok = await c.post('/console/tour', { csrf, action: 'done' }, { headers: { Accept: 'application/json' } });
  assert.equal(ok.status, 200);
  assert.deepEqual(JSON.parse(ok.text), { tour_done: true });
  const me = JSON.parse((await c.get('/api/v1/me')).text);
  assert.equal(me.tour_done, true);
});

test('Code Build lists the Git platforms and what is bound; Image Registry shows the namespace', async () => {
  await account(srv.d, srv.sim, 'bea', { verify: false });
  srv.d.sql(`INSERT INTO identities (provider, subject, login, account_id, created_at, updated_at)
         SELECT 'coding', 'c-77', 'bea-coding', id, 1, 1 FROM accounts WHERE username = 'bea'`);
  srv.d.sql("UPDATE accounts SET tour_done_at = 1 WHERE username = 'bea'");
  const { ctx, page } = await signedIn(srv.d, 'bea');
  await page.click('#nav-build');
  await page.waitForURL(/\/build$/);
  assert.equal((await page.textContent('h1')).trim(), '代码构建');
  assert.equal(await page.getAttribute('#nav-build', 'aria-current'), 'page');
  const names = await page.$$eval('.platform-name', (e) => e.map((x) => x.textContent));
  assert.deepEqual(names, ['GitHub', 'Bitbucket', 'Coding']);
  assert.equal((await page.textContent('#bound-coding')).trim(), '已绑定');
  assert.equal((await page.textContent('#off-github')).trim(), zh('build.not_offered'));
  assert.equal(await page.$('#bind-github'), null);

  await page.click('#nav-registry');
  await page.waitForURL(/\/registry$/);
  assert.equal((await page.textContent('#namespace')).trim(), 'bea');
  assert.equal((await page.textContent('#push-unavailable')).trim(), zh('registry.not_yet'));
  await ctx.close();
});

test('where GitHub is offered: the console reminds to bind it, Code Build has the bind button', async () => {
  const d2 = await startDaoid({ devsim: srv.sim, env: oauthEnv(srv.sim, ['github']) });
  try {
    await registerCallbacks(srv.sim, d2.base);
    const gh = await newUser(srv.sim, 'github', { login: 'gil-gh', email: 'gil-gh@example.com' });
    const { ctx, page } = await newPage({ locale: 'en-US' });
    await signup(page, d2.base, { email: 'gil@example.com', username: 'gil', password: PASSWORD });
    assert.equal(await page.$('#github-reminder'), null, 'one reminder at a time: verifying comes first');
    await skipTour(page);
    const [mail] = await srv.sim.waitMail('gil@example.com');
    await page.goto(linkIn(mail));
    await page.goto(d2.base + '/console');
    assert.match(await page.textContent('#github-reminder'), /With GitHub bound, you can build images/);
    assert.equal(await page.getAttribute('#bind-github', 'href'), '/auth/github?intent=bind');
    await page.goto(d2.base + '/build');
    assert.equal(await page.getAttribute('#bind-github', 'href'), '/auth/github?intent=bind&access=repos&next=%2Fbuild%3Fp%3Dgithub',
      'a bind from Code Build asks for repository access and comes back');
    assert.equal((await page.textContent('#bind-github')).trim(), 'Bind GitHub');
    assert.ok(await page.isVisible('#off-bitbucket'));
    // the reminder's link binds through GitHub (the simulator's OAuth flow)
    await page.goto(d2.base + '/console');
    await skipTour(page);
    await Promise.all([page.waitForSelector('#authorize'), page.click('#bind-github')]);
    await authorize(page, d2.base, gh.login);
    assert.match(page.url(), /\/settings\/accounts$/);
    assert.equal(await page.textContent('#notice'), en('oauth.accounts.bound_ok', { provider: 'GitHub' }));
    assert.deepEqual(d2.sql("SELECT i.login FROM identities i JOIN accounts a ON a.id = i.account_id WHERE a.username = 'gil'"), [['gil-gh']]);
    await page.goto(d2.base + '/console');
    assert.equal(await page.$('#github-reminder'), null, 'bound: no reminder');
    await ctx.close();
  } finally {
    await d2.stop();
  }
});
