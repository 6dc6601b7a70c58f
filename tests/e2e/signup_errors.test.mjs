// Sign-up refusals: every bad input gets its catalog message at its own field (zh-CN, some in
// English), the right status, and writes nothing (no account, no outbox row, no token); a
// captcha is good for one submission; CSRF and cross-site posts get 403; an unverified email
// claim does not block the address's owner; passwords compare in NFKC.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startDevsim, startDaoid, newPage, stopAll, linkIn, skipTour, PASSWORD, CAPTCHA } from './lib/harness.mjs';
import { Client, catalog, counts, fieldErrors, parsePage, signupClient, signupForm, submitSignup, submitClick } from './lib/forms.mjs';

const zh = catalog('zh-CN');
const en = catalog('en');

let sim, d;
before(async () => {
  sim = await startDevsim();
  d = await startDaoid({ devsim: sim });
  // alice exists (unverified); owner@example.com is verified by the account "mingzhu".
  const a = await signupClient(d.base, { email: 'alice@example.com', username: 'alice' });
  assert.equal(a.res.status, 303);
  const o = await signupClient(d.base, { email: 'owner@example.com', username: 'mingzhu' });
  assert.equal(o.res.status, 303);
  const [mail] = await sim.waitMail('owner@example.com');
  const link = new URL(linkIn(mail));
  const v = await o.client.get(link.pathname + link.search);
  assert.equal(v.status, 200);
  assert.deepEqual(d.sql("SELECT email_verified FROM accounts WHERE username = 'mingzhu'"), [['1']]);
});
after(async () => {
  await d.stop();
  await stopAll();
});

// Valid values for the fields a case does not test.
const OK = { email: 'fresh@example.com', username: 'fresh-user', password: PASSWORD, captcha: CAPTCHA, terms: true };

// Submits the sign-up form with fields over OK, through `via`: a browser page (typed and
// clicked) or a Client (the same form posted over HTTP, for long lists of cases), and checks
// the answer: status 400, the summary, exactly the expected field errors (field → catalog key
// in the language t, or a RegExp the text matches) with their inputs marked invalid, the page
// still the form, and no new rows.
async function refused(via, fields, expected, { t = zh } = {}) {
  const before = counts(d);
  const what = `sign-up with ${JSON.stringify(fields)}`;
  let got, errors, summary, invalid;
  if (via instanceof Client) {
    const { terms, ...rest } = { ...OK, ...fields };
    const form = await signupForm(via, { ...rest, terms: terms ? '1' : undefined });
    const r = await via.post('/signup', form);
    got = r.status;
    errors = r.page.errors;
    summary = r.page.formError;
    invalid = [...r.text.matchAll(/<input id="(\w+)"[^>]* aria-invalid="true"/g)].map((m) => m[1]);
  } else {
    await via.goto(d.base + '/signup');
    got = await submitSignup(via, { ...OK, ...fields });
    assert.match(via.url(), /\/signup$/, what);
    errors = await fieldErrors(via);
    summary = await via.textContent('#form-error');
    invalid = await via.$$eval('input[aria-invalid="true"]', (els) => els.map((e) => e.id));
  }
  const report = `${what}: ${got} ${JSON.stringify(errors)}`;
  assert.equal(got, 400, report);
  assert.deepEqual(Object.keys(errors).sort(), Object.keys(expected).sort(), report);
  for (const [f, k] of Object.entries(expected)) {
    if (k instanceof RegExp) assert.match(errors[f], k, report);
    else assert.equal(errors[f], t(k), report);
  }
  assert.equal(summary, t('signup.err.summary'), report);
  assert.deepEqual(invalid.sort(), Object.keys(expected).sort(), `inputs marked invalid: ${report}`);
  assert.deepEqual(counts(d), before, `nothing written: ${report}`);
}

test('a wrong or missing captcha answer is refused at the captcha field', async () => {
  const { ctx, page } = await newPage();
  await refused(page, { captcha: 'WRONG' }, { captcha: 'captcha.err.wrong' });
  assert.equal(await page.textContent('#captcha-err'), '验证码不正确，请填写新的验证码');
  const first = await page.inputValue('#captcha-id');
  await refused(page, { captcha: '' }, { captcha: 'captcha.err.missing' });
  assert.equal(await page.textContent('#captcha-err'), '请填写验证码');
  assert.notEqual(await page.inputValue('#captcha-id'), first, 'each answer page brings a new captcha');
  await refused(new Client(d.base), { captcha: '  ' }, { captcha: 'captcha.err.missing' });
  await refused(new Client(d.base), { captcha: undefined }, { captcha: 'captcha.err.missing' });
  const enp = await newPage({ locale: 'en-US' });
  await refused(enp.page, { captcha: 'NOPE9' }, { captcha: 'captcha.err.wrong' }, { t: en });
  assert.equal(await enp.page.textContent('#captcha-err'), 'The captcha was wrong; please type the new one');
  await enp.ctx.close();
  await ctx.close();
});

test('a captcha is good for one submission, whatever its outcome', async () => {
  const { ctx, page } = await newPage();
  await page.goto(d.base + '/signup');
  const csrf = await page.inputValue('input[name=csrf]');
  const captchaId = await page.inputValue('#captcha-id');
  const form = { csrf, captcha_id: captchaId, captcha: CAPTCHA, email: 'once@example.com', username: 'once', password: PASSWORD, terms: '1' };
  const post = async (f) => {
    const r = await page.request.post(d.base + '/signup', { form: f, maxRedirects: 0 });
    return { status: r.status(), location: r.headers().location, page: parsePage(await r.text()) };
  };

  // The first try fails on the password: the captcha is used up all the same.
  let before = counts(d);
  let r = await post({ ...form, password: 'password123' });
  assert.equal(r.status, 400);
  assert.deepEqual(r.page.errors, { password: zh('signup.err.password_common') });
  r = await post(form);
  assert.equal(r.status, 400);
  assert.deepEqual(r.page.errors, { captcha: zh('captcha.err.expired') });
  assert.deepEqual(counts(d), before, 'the replay wrote nothing');

  // A wrong answer uses it up too: the right answer cannot follow on the same image.
  await page.goto(d.base + '/signup');
  const guessed = { ...form, captcha_id: await page.inputValue('#captcha-id') };
  r = await post({ ...guessed, captcha: 'AAAAA' });
  assert.deepEqual(r.page.errors, { captcha: zh('captcha.err.wrong') });
  r = await post(guessed);
  assert.deepEqual(r.page.errors, { captcha: zh('captcha.err.expired') });
  assert.deepEqual(counts(d), before, 'nothing written');

  // A sign-up that worked cannot be replayed with the same captcha either.
  await page.goto(d.base + '/signup');
  const fresh = { ...form, captcha_id: await page.inputValue('#captcha-id') };
  r = await post(fresh);
  assert.equal(r.status, 303);
  assert.equal(r.location, '/console');
  before = counts(d);
  // (signed in now, the browser has a new CSRF cookie: the replay brings its token)
  await page.goto(d.base + '/console');
  const renewed = await page.inputValue('input[name=csrf] >> nth=0');
  assert.notEqual(renewed, csrf, 'the CSRF cookie is renewed at sign-in');
  r = await post({ ...fresh, csrf: renewed, email: 'twice@example.com', username: 'twice' });
  assert.equal(r.status, 400);
  assert.deepEqual(r.page.errors, { captcha: zh('captcha.err.expired') });
  assert.deepEqual(counts(d), before, 'the replay wrote nothing');
  assert.deepEqual(d.sql("SELECT COUNT(*) FROM accounts WHERE username IN ('once', 'twice')"), [['1']]);
  await ctx.close();
});

test('a taken username is refused, also in another case or in fullwidth letters', async () => {
  const { ctx, page } = await newPage();
  await refused(page, { username: 'ａｌｉｃｅ' }, { username: 'signup.err.username_taken' });
  assert.equal(await page.textContent('#username-err'), '这个用户名已被占用，请换一个');
  assert.equal(await page.inputValue('#username'), 'ａｌｉｃｅ', 'the form keeps what was typed');
  for (const username of ['alice', 'Alice', 'ALICE', 'Ａｌｉｃｅ', ' alice '])
    await refused(new Client(d.base), { username }, { username: 'signup.err.username_taken' });
  const enp = await newPage({ locale: 'en-GB' });
  await refused(enp.page, { username: 'Alice' }, { username: 'signup.err.username_taken' }, { t: en });
  assert.equal(await enp.page.textContent('#username-err'), 'This username is taken; please choose another');
  await enp.ctx.close();
  await ctx.close();
});

test('reserved usernames and the site name are refused', async () => {
  const { ctx, page } = await newPage();
  await refused(page, { username: 'admin' }, { username: 'signup.err.username_reserved' });
  assert.equal(await page.textContent('#username-err'), '这个用户名被保留了，请换一个');
  await refused(page, { username: 'daocloud' }, { username: 'signup.err.username_reserved' });
  for (const username of ['Admin', 'DaoCloud', 'ｄａｏｃｌｏｕｄ', 'root', 'console', 'no-reply'])
    await refused(new Client(d.base), { username }, { username: 'signup.err.username_reserved' });
  await ctx.close();
});

test('malformed usernames are refused with the rule they break', async () => {
  const { ctx, page } = await newPage();
  await refused(page, { username: 'a' }, { username: 'signup.err.username_length' });
  assert.equal(await page.textContent('#username-err'), '用户名长度应为 3–30 个字符');
  await refused(page, { username: '张三丰' }, { username: 'signup.err.username_chars' });
  assert.equal(await page.textContent('#username-err'), '用户名只能包含小写字母、数字，以及字母数字之间的单个 - 或 _');
  const cases = [
    ['', 'signup.err.username_empty'],
    ['ab', 'signup.err.username_length'],
    ['a'.repeat(31), 'signup.err.username_length'],
    ['-ab', 'signup.err.username_chars'],
    ['ab-', 'signup.err.username_chars'],
    ['a--b', 'signup.err.username_chars'],
    ['a-_b', 'signup.err.username_chars'],
    ['ab_', 'signup.err.username_chars'],
    ['_ab', 'signup.err.username_chars'],
    ['has space', 'signup.err.username_chars'],
    ['dot.name', 'signup.err.username_chars'],
    ['中文用户名也不能用在这里', 'signup.err.username_chars'],
  ];
  for (const [username, key] of cases) await refused(new Client(d.base), { username }, { username: key });
  const enp = await newPage({ locale: 'en-US' });
  await refused(enp.page, { username: 'a--b' }, { username: 'signup.err.username_chars' }, { t: en });
  assert.equal(await enp.page.textContent('#username-err'), 'Use only lowercase letters, digits, and single - or _ between them');
  await enp.ctx.close();
  await ctx.close();
});

test('usernames at the limits of the rules are accepted', async () => {
  for (const [i, username] of ['abc', 'a'.repeat(30), 'a-b_c', 'x9-y8_z7'].entries()) {
    const { res } = await signupClient(d.base, { email: `limits${i}@example.com`, username });
    assert.equal(res.status, 303, `${username} accepted`);
  }
  assert.deepEqual(d.sql(`SELECT COUNT(*) FROM accounts WHERE username IN ('abc', '${'a'.repeat(30)}', 'a-b_c', 'x9-y8_z7')`), [['4']]);
});

test('malformed email addresses are refused', async () => {
  const { ctx, page } = await newPage();
  await refused(page, { email: 'no-at' }, { email: 'signup.err.email_invalid' });
  assert.equal(await page.textContent('#email-err'), '邮箱地址格式不正确');
  for (const email of ['a@b', 'a@@b.com', 'a@b@c.com', '@example.com', 'a@.com', 'a b@example.com', 'a..b@example.com'])
    await refused(new Client(d.base), { email }, { email: 'signup.err.email_invalid' });
  await refused(new Client(d.base), { email: '' }, { email: 'signup.err.email_empty' });

  // 255 characters: past the form's maxlength, so a client that ignores it is what counts.
  const long = `${'a'.repeat(64)}@${'b'.repeat(63)}.${'c'.repeat(63)}.${'d'.repeat(58)}.com`;
  assert.equal(long.length, 255);
  await page.goto(d.base + '/signup');
  await page.$eval('#email', (e) => e.removeAttribute('maxlength'));
  await page.fill('#email', long);
  assert.equal(await page.inputValue('#email'), long);
  const before = counts(d);
  assert.equal(await submitSignup(page, { ...OK, email: undefined }), 400);
  assert.deepEqual(await fieldErrors(page), { email: zh('signup.err.email_long') });
  assert.equal(await page.textContent('#email-err'), '邮箱地址太长（最多 254 个字符）');
  assert.deepEqual(counts(d), before);
  await refused(new Client(d.base), { email: `${'x'.repeat(300)}@example.com` }, { email: 'signup.err.email_long' });

  const enp = await newPage({ locale: 'en-US' });
  await refused(enp.page, { email: 'a@@b.com' }, { email: 'signup.err.email_invalid' }, { t: en });
  assert.equal(await enp.page.textContent('#email-err'), 'This does not look like an email address');
  await enp.ctx.close();
  await ctx.close();
});

test('an address verified by another account is not refused: the answer is a free address\'s, the owner hears of it (security_findings)', async () => {
  const before = (await sim.messages('owner@example.com')).length;
  for (const [i, email] of ['Owner@Example.COM', ' OWNER@example.com '].entries()) {
    const { res } = await signupClient(d.base, { ...OK, terms: '1', email, username: `not-owner-${i}` });
    assert.equal(res.status, 303, `${email}: ${JSON.stringify(res.page.errors)}`);
    assert.equal(res.location, '/console');
  }
  const mails = await sim.waitMail('owner@example.com', before + 2);
  assert.ok(mails.slice(0, 2).every((m) => !/\/verify\?token=/.test(m.text)), 'no verification link goes to the owner');
  assert.deepEqual(d.sql("SELECT username, email_verified FROM accounts WHERE email_norm = 'owner@example.com' ORDER BY id"),
    [['mingzhu', '1'], ['not-owner-0', '0'], ['not-owner-1', '0']]);
});

test('an address only claimed (unverified) by another account is accepted; verifying it ends the claim', async () => {
  const addr = 'mei.li@example.com';
  const squatter = await newPage();
  const owner = await newPage();
  await squatter.page.goto(d.base + '/signup');
  assert.equal(await submitSignup(squatter.page, { email: addr, username: 'squatter' }), 303);
  const before = counts(d);
  await owner.page.goto(d.base + '/signup');
  assert.equal(await submitSignup(owner.page, { email: 'Mei.Li@example.com', username: 'meili' }), 303);
  assert.match(owner.page.url(), /\/console$/);
  assert.match(await owner.page.textContent('#verify-reminder'), /验证邮件已发送至 Mei\.Li@example\.com/);
  assert.deepEqual(counts(d), { accounts: before.accounts + 1, outbox: before.outbox + 1, tokens: before.tokens + 1 });

  const mails = (await sim.waitMail(addr, 2)).sort((a, b) => a.id - b.id);
  const [squatterLink, ownerLink] = mails.map(linkIn);
  await owner.page.goto(ownerLink);
  assert.equal(await owner.page.textContent('#notice-title'), zh('verify.ok.title'));

  const me = await squatter.page.request.get(d.base + '/api/v1/me');
  assert.equal(me.status(), 200);
  const body = await me.json();
  assert.equal(body.username, 'squatter');
  assert.equal(body.email, null, 'the squatter lost the claim');
  assert.equal(body.email_verified, false);
  await squatter.page.goto(d.base + '/console');
  assert.equal(await squatter.page.$('#verify-reminder'), null);
  assert.ok(await squatter.page.isVisible('#email-reminder'));
  // The squatter's own link died with the claim.
  const v = await squatter.page.goto(squatterLink);
  assert.equal(v.status(), 404);
  assert.equal(await squatter.page.textContent('#notice-message'), zh('verify.err.unknown'));

  const mine = await (await owner.page.request.get(d.base + '/api/v1/me')).json();
  assert.deepEqual([mine.username, mine.email, mine.email_verified], ['meili', 'Mei.Li@example.com', true]);
  // Sign-in by that address now means the owner.
  const c = new Client(d.base);
  const form = await c.get('/login');
  const r = await c.post('/login', { csrf: form.page.csrf, identifier: addr, password: PASSWORD });
  assert.equal(r.status, 303);
  assert.equal(JSON.parse((await c.get('/api/v1/me')).text).username, 'meili');
  await squatter.ctx.close();
  await owner.ctx.close();
});

test('weak passwords are refused at the password field', async () => {
  const { ctx, page } = await newPage();
  // (the wording of the length messages is the next test's)
  await refused(page, { password: 'Ab3$xyz' }, { password: /^密码太短，至少需要 .+ 个字符$/ });
  await refused(page, { password: 'password123' }, { password: 'signup.err.password_common' });
  assert.equal(await page.textContent('#password-err'), '这个密码太常见，很容易被猜到，请换一个');
  await refused(page, { username: 'zhangwei', password: 'ZhangWei-rocks-77' }, { password: 'signup.err.password_context' });
  assert.equal(await page.textContent('#password-err'), '密码不能包含用户名、邮箱或网站名称');
  const http = new Client(d.base);
  await refused(http, { password: 'x'.repeat(129) }, { password: /^密码太长，最多 .+ 个字符$/ });
  await refused(http, { password: 'ä'.repeat(129) }, { password: /^密码太长，最多 .+ 个字符$/ });
  await refused(http, { password: '长'.repeat(129) }, { password: /^密码太长，最多 .+ 个字符$/ });
  await refused(http, { password: 'x'.repeat(5000) }, { password: /^密码太长，最多 .+ 个字符$/ });
  for (const password of ['PASSWORD123', 'ｐａｓｓｗｏｒｄ１２３', '12345678'])
    await refused(http, { password }, { password: 'signup.err.password_common' });
  await refused(http, { username: 'zhangwei', password: 'my zhangwei 2024!' }, { password: 'signup.err.password_context' });
  await refused(http, { username: 'zhangwei', password: 'ｚｈａｎｇｗｅｉ 2024!' }, { password: 'signup.err.password_context' });
  await refused(http, { email: 'meiling@example.com', password: 'hello meiling 99' }, { password: 'signup.err.password_context' });
  await refused(http, { password: 'i love DaoCloud 2024' }, { password: 'signup.err.password_context' });
  const enp = await newPage({ locale: 'en-US' });
  await refused(enp.page, { password: 'password123' }, { password: 'signup.err.password_common' }, { t: en });
  assert.equal(await enp.page.textContent('#password-err'), 'This password is too common and easy to guess; please choose another');
  await enp.ctx.close();
  await ctx.close();
});

test('the too-short and too-long password messages state the limits (8 and 128)', async () => {
  const got = [];
  const want = [];
  for (const [lang, t] of [['zh-CN', zh], ['en', en]]) {
    for (const [password, key] of [['Ab3$xyz', 'signup.err.password_short'], ['x'.repeat(129), 'signup.err.password_long']]) {
      const c = new Client(d.base, { lang });
      const r = await c.post('/signup', await signupForm(c, { email: 'limits@example.com', username: 'limits', password }));
      assert.equal(r.status, 400);
      got.push(r.page.errors.password);
      want.push(t(key, { pw_min: 8, pw_max: 128 }));
    }
  }
  // e.g. '密码太短，至少需要 8 个字符', as the hint under the field says '至少 8 个字符'
  assert.deepEqual(got, want);
});

test('passwords at the length limits are accepted', async () => {
  for (const [i, password] of ['Ab3$xyz!', 'ä'.repeat(128), 'q'.repeat(128)].entries()) {
    const { res } = await signupClient(d.base, { email: `pwlen${i}@example.com`, username: `pwlen${i}`, password });
    assert.equal(res.status, 303, `${password.length} code points accepted`);
  }
});

test('a password typed in fullwidth characters signs in typed in ASCII (NFKC)', async () => {
  const { ctx, page } = await newPage();
  await page.goto(d.base + '/signup');
  assert.equal(await submitSignup(page, { email: 'wide@example.com', username: 'wide', password: 'Ｔｉｇｅｒ－Ｌｉｌｙ－２０２４' }), 303);
  await skipTour(page);
  await page.click('#account-summary'); // the account menu
  await Promise.all([page.waitForURL(d.base + '/'), page.click('#logout')]);
  await page.goto(d.base + '/login');
  await page.fill('#identifier', 'wide');
  await page.fill('#password', 'Tiger-Lily-2024');
  await Promise.all([page.waitForURL(/\/console$/), page.click('#signin')]);
  assert.equal(await page.textContent('#fact-username'), 'wide');
  await ctx.close();
});

test('the terms must be accepted', async () => {
  const { ctx, page } = await newPage();
  await refused(page, { terms: false }, { terms: 'signup.err.terms' });
  assert.equal(await page.textContent('#terms-err'), '请阅读并同意服务条款');
  // several errors at once, each at its own field
  await refused(page, { terms: false, username: 'a', email: 'no-at', captcha: '' },
    { terms: 'signup.err.terms', username: 'signup.err.username_length', email: 'signup.err.email_invalid', captcha: 'captcha.err.missing' });
  const enp = await newPage({ locale: 'en-US' });
  await refused(enp.page, { terms: false }, { terms: 'signup.err.terms' }, { t: en });
  assert.equal(await enp.page.textContent('#terms-err'), 'Please read and accept the terms of service');
  await enp.ctx.close();
  await ctx.close();
});

test('a sign-up without the CSRF token gets 403 and writes nothing', async () => {
  const { ctx, page } = await newPage();
  await page.goto(d.base + '/signup');
  await page.$eval('input[name=csrf]', (e) => e.remove());
  for (const [sel, v] of [['#email', 'nocsrf@example.com'], ['#username', 'nocsrf'], ['#password', PASSWORD], ['#captcha', CAPTCHA]]) await page.fill(sel, v);
  await page.check('#terms');
  const before = counts(d);
  assert.equal((await submitClick(page, '#register')).status(), 403);
  assert.equal(await page.textContent('#notice-title'), zh('error.title'));
  assert.equal(await page.textContent('#notice-message'), '表单已过期或来自其他网站。请刷新页面后重新提交。');
  assert.deepEqual(counts(d), before);

  // the same by hand: no token, a wrong token, a token of another browser
  await page.goto(d.base + '/signup');
  const form = { email: 'nocsrf@example.com', username: 'nocsrf', password: PASSWORD, captcha_id: await page.inputValue('#captcha-id'), captcha: CAPTCHA, terms: '1' };
  const other = await new Client(d.base).get('/signup');
  for (const csrf of [undefined, '', 'x'.repeat(43), other.page.csrf]) {
    const r = await page.request.post(d.base + '/signup', { form: csrf === undefined ? form : { ...form, csrf }, maxRedirects: 0 });
    assert.equal(r.status(), 403, `csrf ${csrf}`);
    assert.equal(parsePage(await r.text()).noticeMessage, zh('error.csrf'));
  }
  assert.deepEqual(counts(d), before);
  await ctx.close();
});

test('a cross-site sign-up gets 403 and writes nothing', async () => {
  const { ctx, page } = await newPage({ locale: 'en-US' });
  await page.goto(d.base + '/signup');
  const form = { csrf: await page.inputValue('input[name=csrf]'), email: 'xsite@example.com', username: 'xsite', password: PASSWORD, captcha_id: await page.inputValue('#captcha-id'), captcha: CAPTCHA, terms: '1' };
  const before = counts(d);
  for (const headers of [{ Origin: 'https://evil.example' }, { Origin: 'null' }, { 'Sec-Fetch-Site': 'cross-site' }, { 'Sec-Fetch-Site': 'same-site' }]) {
    const r = await page.request.post(d.base + '/signup', { form, headers: { 'Accept-Language': 'en-US', ...headers }, maxRedirects: 0 });
    assert.equal(r.status(), 403, JSON.stringify(headers));
    assert.equal(parsePage(await r.text()).noticeMessage, en('error.csrf'));
  }
  assert.deepEqual(counts(d), before);

  // the same form from this origin goes through
  const r = await page.request.post(d.base + '/signup', { form, headers: { Origin: d.base, 'Sec-Fetch-Site': 'same-origin' }, maxRedirects: 0 });
  assert.equal(r.status(), 303);

  // a page elsewhere that submits a form (even with a leaked token): the browser says where
  // it comes from
  const after = counts(d);
  await page.goto('about:blank');
  await page.setContent(`<form method="post" action="${d.base}/signup">${Object.entries({ ...form, username: 'xsite2', email: 'xsite2@example.com' })
    .map(([k, v]) => `<input type="hidden" name="${k}" value="${v}">`).join('')}<button id="go">go</button></form>`);
  const resp = await submitClick(page, '#go');
  assert.equal((await resp.request().allHeaders())['sec-fetch-site'], 'cross-site');
  assert.equal(resp.status(), 403);
  assert.equal(await page.textContent('#notice-message'), en('error.csrf'));
  assert.deepEqual(counts(d), after);
  await ctx.close();
});
