// The email sign-up flow end to end, as a person clicks it (issue: email sign-up, steps 1–5):
// home → join → sign-up form → console with the verification reminder → the mail in the
// simulator's inbox → verify → sign out → sign in by username and by email → language switch.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { useServers, newPage, fillSignup, linkIn, skipTour, PASSWORD, SHOTS } from './lib/harness.mjs';
import { oauthEnv } from './lib/oauth.mjs';
import { wechatEnv } from './lib/wechat.mjs';
import { catalog } from './lib/forms.mjs';
import { join } from 'node:path';
import { mkdirSync } from 'node:fs';

// GitHub and WeChat are offered
const srv = useServers({ env: (devsim) => ({ ...oauthEnv(devsim, ['github']), ...wechatEnv(devsim) }) });

test('home → sign-up → verification mail → verified → sign out → sign in', async () => {
  const { ctx, page } = await newPage();
  await page.goto(srv.d.base + '/');
  assert.equal(await page.textContent('h1'), catalog('zh-CN')('home.headline'));
  assert.equal((await page.textContent('#join')).trim(), '加入');
  assert.match(await page.textContent('.hero'), /用其他账号注册/);
  assert.equal(await page.getAttribute('#social-github', 'href'), '/auth/github');
  assert.equal(await page.getAttribute('#social-wechat', 'href'), '/auth/wechat');

  await page.fill('#join-email', 'mei@example.com');
  await Promise.all([page.waitForURL(/\/signup\?email=mei%40example.com/), page.click('#join')]);
  assert.equal(await page.inputValue('#email'), 'mei@example.com');
  assert.ok(await page.isVisible('#captcha-img'));
  assert.equal(await page.getAttribute('a[href="/terms"]', 'href'), '/terms');

  mkdirSync(SHOTS, { recursive: true });
  await page.fill('#username', 'mei');
  await page.fill('#password', PASSWORD);
  await page.fill('#captcha', 'TEST7');
  await page.click('h1');
  await page.screenshot({ path: join(SHOTS, 'signup.png'), fullPage: true });
  await fillSignup(page, { password: PASSWORD });
  assert.match(page.url(), /\/console$/);
  const reminder = await page.textContent('#verify-reminder');
  assert.match(reminder, /验证邮件已发送至 mei@example.com/);
  assert.ok(await page.isVisible('#resend'));
  await skipTour(page);

  const [mail] = await srv.sim.waitMail('mei@example.com');
  assert.match(mail.subject, /验证您的 DaoCloud 邮箱/);
  assert.match(mail.html, /立即验证邮箱/);
  const link = linkIn(mail);
  assert.ok(mail.html.includes(link.replace(/&/g, '&amp;')), 'the same link is the button in the HTML part');

  // Open the link from the mail's HTML part, as a reader would.
  await page.setContent(mail.html);
  await Promise.all([page.waitForURL(/\/verify\?token=/), page.click('text=立即验证邮箱')]);
  assert.equal(await page.textContent('#notice-title'), '邮箱激活成功');
  await page.goto(srv.d.base + '/console');
  assert.equal(await page.$('#verify-reminder'), null, 'the console no longer nags');
  assert.match(await page.textContent('#fact-email'), /已验证/);

  await page.click('#account-summary'); // the account menu
  await Promise.all([page.waitForURL(srv.d.base + '/'), page.click('#logout')]);
  const me = await page.request.get(srv.d.base + '/api/v1/me');
  assert.equal(me.status(), 401);
  assert.deepEqual(await me.json(), { error: 'unauthenticated' });

  for (const identifier of ['mei', 'MEI@example.com']) {
    await page.goto(srv.d.base + '/login');
    await page.fill('#identifier', identifier);
    await page.fill('#password', PASSWORD);
    await Promise.all([page.waitForURL(/\/console$/), page.click('#signin')]);
    const r = await page.request.get(srv.d.base + '/api/v1/me');
    assert.equal(r.status(), 200);
    const body = await r.json();
    assert.equal(body.username, 'mei');
    assert.equal(body.email, 'mei@example.com');
    assert.equal(body.email_verified, true);
    assert.equal(typeof body.created_at, 'number');
    await page.click('#account-summary'); // the account menu
    await Promise.all([page.waitForURL(srv.d.base + '/'), page.click('#logout')]);
  }
  await ctx.close();
});

test('the language follows Accept-Language, then the switch (cookie)', async () => {
  const en = await newPage({ locale: 'en-US' });
  await en.page.goto(srv.d.base + '/signup');
  assert.equal(await en.page.getAttribute('html', 'lang'), 'en');
  assert.equal((await en.page.textContent('h1')).trim(), 'Sign up');
  await Promise.all([en.page.waitForURL(/\/signup$/), en.page.click('a[hreflang="zh-CN"]')]);
  assert.equal(await en.page.getAttribute('html', 'lang'), 'zh-CN');
  assert.equal((await en.page.textContent('h1')).trim(), '注册');
  await en.page.goto(srv.d.base + '/');
  assert.equal((await en.page.textContent('#join')).trim(), '加入', 'the choice sticks');
  await en.ctx.close();

  const none = await newPage({ locale: 'fr-FR' });
  await none.page.goto(srv.d.base + '/');
  assert.equal(await none.page.getAttribute('html', 'lang'), 'zh-CN', 'default is zh-CN');
  await Promise.all([none.page.waitForURL(srv.d.base + '/'), none.page.click('a[hreflang="en"]')]);
  assert.equal((await none.page.textContent('#join')).trim(), 'Join');
  await none.ctx.close();
});

test('an English sign-up gets an English mail', async () => {
  const { ctx, page } = await newPage({ locale: 'en-GB' });
  await page.goto(srv.d.base + '/signup');
  await fillSignup(page, { email: 'ann@example.com', username: 'ann-lee' });
  assert.match(await page.textContent('#verify-reminder'), /A verification mail was sent to ann@example.com/);
  const [mail] = await srv.sim.waitMail('ann@example.com');
  assert.equal(mail.subject, 'Verify your DaoCloud email');
  assert.match(mail.html, /Verify email now/);
  assert.match(mail.text, /Open the link below/);
  assert.doesNotMatch(mail.text, /button/, 'the text part does not speak of a button');
  await ctx.close();
});
