// Three daoid nodes on one PostgreSQL database behind nginx (round robin, no sticky sessions):
// the email flow, GitHub and WeChat sign-up with their requests spread over the nodes, the
// sign-in limit counted across them, racing sign-ups, mail delivered exactly once while SMTP
// flaps, and a node killed with SIGKILL in the middle of the load.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startDevsim, startDaoid, newPage, stopAll, fillSignup, linkIn, waitFor, sleep, freePort, skipTour, PASSWORD } from './lib/harness.mjs';
import { pgDatabase, psql, startNginx } from './lib/cluster.mjs';
import { Client, signupForm, catalog } from './lib/forms.mjs';
import { oauthEnv, registerCallbacks, newUser, startAt, authorize, completeAccount } from './lib/oauth.mjs';
import { wechatEnv, callbackTo, qrUrl, phoneScan, shown, wxState } from './lib/wechat.mjs';

const zh = catalog('zh-CN');

let sim, db, nodes = [], lb;

function count(query) {
  return Number(psql(db, query)[0][0]);
}

before(async () => {
  sim = await startDevsim();
  db = pgDatabase();
  // the balancer's port is picked first: every node is told that public address
  const lbPort = await freePort();
  const env = {
    DAOID_DATABASE: db, DAOID_PUBLIC_URL: `http://127.0.0.1:${lbPort}`, DAOID_ACCESS_LOG: '1',
    DAOID_MAIL_TIMEOUT: '3s', DAOID_MAIL_RETRY_BASE: '1s', DAOID_TRUSTED_PROXIES: '127.0.0.1',
    DAOID_LIMIT_LOGIN_IP: '5/1h',
    // hash_wait_ms is daoid's default (2 s): each node serves 4 requests at once on 2 hash
    // slots, so a request of the racing burst waits for about one hash (at the tests' cost,
    // a few ms), however many are queued at nginx. The 503 (every slot taken, nothing
    // written) is limits.test.mjs's.
    ...oauthEnv(sim, ['github']), ...wechatEnv(sim),
  };
  for (let i = 0; i < 3; i++) nodes.push(await startDaoid({ devsim: sim, env }));
  lb = await startNginx(nodes.map((n) => n.port), lbPort);
  await registerCallbacks(sim, lb.url);
  await callbackTo(sim, { base: lb.url });
});

after(async () => {
  await lb.stop();
  for (const n of nodes) if (n) await n.stop().catch((e) => { if (!n.killed) throw e; });
  await stopAll();
});

const served = (n) => (n.proc.out.match(/ access /g) || []).length;

test('the email flow works whichever node each request lands on', async () => {
  const before0 = nodes.map(served);
  const { ctx, page } = await newPage();
  await page.goto(lb.url + '/signup');
  await fillSignup(page, { email: 'spread@example.com', username: 'spread' });
  assert.match(page.url(), /\/console$/);
  assert.ok(await page.isVisible('#verify-reminder'));
  await skipTour(page);
  const [mail] = await sim.waitMail('spread@example.com');
  await page.goto(linkIn(mail));
  assert.equal(await page.textContent('#notice-title'), '邮箱激活成功');
  for (let i = 0; i < 6; i++) {
    await page.goto(lb.url + '/console');
    assert.match(await page.textContent('#fact-email'), /已验证/, 'the session is valid on every node');
  }
  await page.click('#account-summary'); // the account menu
  await Promise.all([page.waitForURL(lb.url + '/'), page.click('#logout')]);
  await page.goto(lb.url + '/login');
  await page.fill('#identifier', 'spread@example.com');
  await page.fill('#password', PASSWORD);
  await Promise.all([page.waitForURL(/\/console$/), page.click('#signin')]);
  await ctx.close();
  // access lines are buffered (up to access_log_flush_ms): wait until they are written
  const per = await spreadOver(before0, (p) => p.every((n) => n >= 3));
  for (const [i, n] of per.entries()) assert.ok(n >= 3, `node ${i} served ${n} requests (${per})`);
});

// Requests of each node since counts were taken (the access log's lines).
const spread = (before) => nodes.map((n, i) => served(n) - before[i]);
// The spread once ok(spread) holds; access lines are buffered for up to access_log_flush_ms, so
// it is waited for (15 s at most: then the spread as it is, for the assertion to show).
const spreadOver = (before, ok) =>
  waitFor(() => { const p = spread(before); return ok(p) && p; }, 'the access lines', 15000).catch(() => spread(before));

test('GitHub sign-up across the nodes: the state made on one node is checked on another', async () => {
  const before0 = nodes.map(served);
  const user = await newUser(sim, 'github', { login: 'Spread.Hub', email: 'spreadhub@example.com' });
  const { ctx, page } = await newPage();
  await startAt(page, lb.url, 'github');
  await authorize(page, lb.url, user.login);
  assert.match(page.url(), /\/auth\/complete$/);
  assert.equal(await page.inputValue('#username'), 'spread-hub');
  await completeAccount(page);
  assert.match(page.url(), /\/console$/);
  await skipTour(page);
  for (let i = 0; i < 3; i++) {
    const me = await (await page.request.get(lb.url + '/api/v1/me')).json();
    assert.equal(me.username, 'spread-hub');
    assert.deepEqual(me.identities.map((x) => x.provider), ['github']);
  }
  await ctx.close();
  const per = await spreadOver(before0, (p) => p.filter((n) => n > 0).length >= 2);
  assert.ok(per.filter((n) => n > 0).length >= 2, `the flow's requests went to several nodes (${per})`);
  assert.equal(count("SELECT COUNT(*) FROM oauth_states"), 0, 'the state was used up');
});

test('WeChat sign-up across the nodes: push, polls and registration land anywhere; one access token', async () => {
  const before0 = nodes.map(served);
  const phone = (await newPage({ locale: 'en' })).page;
  const { ctx, page } = await newPage();
  await page.goto(lb.url + '/auth/wechat');
  const r = await phoneScan(phone, sim, { user: 'spread-wx', url: await qrUrl(page), action: 'follow' });
  assert.equal(r.reply, zh('wechat.reply.scanned'));
  await shown(page, '#wx-bound');
  await page.fill('#wx-username', 'spreadwx');
  await page.check('#wx-terms');
  await Promise.all([page.waitForURL(lb.url + '/console'), page.click('#wx-register')]);
  const me = await (await page.request.get(lb.url + '/api/v1/me')).json();
  assert.equal(me.username, 'spreadwx');
  assert.deepEqual(me.resources, { base: 2, bonus: 1, total: 3 });
  await ctx.close();
  await phone.context().close();
  const per = await spreadOver(before0, (p) => p.filter((n) => n > 0).length >= 2);
  assert.ok(per.filter((n) => n > 0).length >= 2, `the flow's requests went to several nodes (${per})`);
  assert.equal((await wxState(sim)).counts.stable_token, 1, 'one token fetch for three nodes');
});

test('the sign-in limit per address counts across the nodes', async () => {
  const before0 = nodes.map(served);
  const ip = '203.0.113.77';
  const statuses = [];
  for (let i = 0; i < 7; i++) {
    const c = new Client(lb.url, { headers: { 'X-Forwarded-For': ip } });
    const form = await c.get('/login');
    const r = await c.post('/login', { csrf: form.page.csrf, identifier: 'nobody-limit', password: `wrong guess ${i}` });
    statuses.push(r.status);
  }
  assert.deepEqual(statuses.slice(0, 5), [401, 401, 401, 401, 401]);
  assert.deepEqual(statuses.slice(5), [429, 429], `past 5 per address, on whichever node (${statuses})`);
  const per = await spreadOver(before0, (p) => p.every((n) => n > 0));
  assert.ok(per.every((n) => n > 0), `every node answered some of them (${per})`);
  // another address is not affected
  const other = new Client(lb.url, { headers: { 'X-Forwarded-For': '203.0.113.78' } });
  const form = await other.get('/login');
  assert.equal((await other.post('/login', { csrf: form.page.csrf, identifier: 'spread', password: PASSWORD })).status, 303);
});

test('100 racing sign-ups for 10 usernames across the nodes make exactly 10 accounts', async () => {
  const names = Array.from({ length: 10 }, (_, i) => `race${i}`);
  const prepared = [];
  for (let k = 0; k < 100; k++) {
    const c = new Client(lb.url);
    const name = names[k % 10];
    prepared.push([c, await signupForm(c, { username: name, email: `${name}-${k}@example.com` })]);
  }
  const results = await Promise.all(prepared.map(([c, form]) => c.post('/signup', form)));
  const created = results.filter((r) => r.status === 303 && r.location === '/console').length;
  assert.equal(created, 10);
  for (const r of results.filter((x) => x.status !== 303)) {
    assert.equal(r.status, 400);
    assert.match(r.page.errors.username, /已被占用/);
  }
  assert.equal(count("SELECT COUNT(*) FROM accounts WHERE username LIKE 'race%'"), 10);
  assert.equal(count("SELECT COUNT(*) FROM outbox o JOIN accounts a ON a.id = o.account_id WHERE a.username LIKE 'race%'"), 10);
});

test('mails are delivered exactly once while SMTP flaps', async () => {
  let flapping = true;
  const flap = (async () => {
    let down = false;
    while (flapping) {
      down = !down;
      await sim.smtpMode(down ? 'down' : 'up');
      await sleep(250);
    }
    await sim.smtpMode('up');
  })();
  const addrs = [];
  for (let k = 0; k < 30; k += 6) {
    await Promise.all(Array.from({ length: 6 }, async (_, j) => {
      const name = `flap${k + j}`;
      const c = new Client(lb.url);
      const r = await c.post('/signup', await signupForm(c, { username: name, email: `${name}@example.com` }));
      assert.equal(r.status, 303, `sign-up of ${name}: ${r.status} ${r.page.formError}`);
      addrs.push(`${name}@example.com`);
    }));
    await sleep(200);
  }
  flapping = false;
  await flap;
  await waitFor(() => count("SELECT COUNT(*) FROM outbox WHERE rcpt LIKE 'flap%' AND status = 'sent'") === 30, 'all 30 mails sent', 60000, 200);
  for (const a of addrs) {
    const got = await sim.messages(a);
    assert.equal(got.length, 1, `${a} got ${got.length} mails`);
  }
  assert.equal(count("SELECT COUNT(*) FROM outbox WHERE rcpt LIKE 'flap%' AND status <> 'sent'"), 0);
});

test('a node killed with SIGKILL mid-load loses no mail and leaves no half-written account', async () => {
  let stop = false, ok = 0, failed = 0, k = 0;
  const worker = async () => {
    while (!stop) {
      const name = `kill${k++}`;
      const c = new Client(lb.url);
      try {
        const form = await signupForm(c, { username: name, email: `${name}@example.com` });
        const r = await c.post('/signup', form);
        if (r.status === 303) ok++; else failed++;
      } catch { failed++; }
    }
  };
  const workers = Array.from({ length: 6 }, worker);
  await waitFor(() => ok >= 15, '15 sign-ups before the kill', 30000, 20);
  nodes[1].killed = true;
  await nodes[1].kill();
  const okAtKill = ok;
  await waitFor(() => ok >= okAtKill + 15, '15 sign-ups after the kill', 30000, 20);
  stop = true;
  await Promise.all(workers);

  // every account has its verification mail queued, and no mail lacks its account
  assert.equal(count(`SELECT COUNT(*) FROM accounts a WHERE a.username LIKE 'kill%'
    AND NOT EXISTS (SELECT 1 FROM outbox o WHERE o.account_id = a.id AND o.kind = 'verify')`), 0);
  assert.equal(count(`SELECT COUNT(*) FROM outbox o WHERE o.rcpt LIKE 'kill%'
    AND NOT EXISTS (SELECT 1 FROM accounts a WHERE a.id = o.account_id)`), 0);
  const accounts = psql(db, "SELECT email FROM accounts WHERE username LIKE 'kill%'").map((r) => r[0]);
  assert.ok(accounts.length >= ok, `${accounts.length} accounts for ${ok} successful sign-ups`);
  // the survivors deliver everything, including what the dead node had claimed (its lease ends)
  await waitFor(() => count("SELECT COUNT(*) FROM outbox WHERE rcpt LIKE 'kill%' AND status <> 'sent'") === 0,
    'every mail sent', 60000, 250);
  // What is guaranteed: every mail arrives; a mail arrives twice only after a kill between
  // the SMTP server's acceptance and the row being marked sent. The killed node's log marks
  // that window ("#ID to SMTP, Message-ID M" before the final dot, "#ID recorded as sent" after
  // the row is marked), so a copy is allowed only for a mail it handed to SMTP and did not
  // record, with the same Message-ID; and no mail is recorded as sent twice (a conversation
  // after the row was marked would be).
  const ids = new Map(psql(db, "SELECT rcpt, id FROM outbox WHERE rcpt LIKE 'kill%' AND kind = 'verify'"));
  const killedLog = nodes[1].proc.err;
  const logs = nodes.map((n) => n.proc.err).join('\n');
  let copies = 0;
  for (const a of accounts) {
    const got = await sim.messages(a);
    const id = ids.get(a);
    const recorded = logs.split(`mail: #${id} recorded as sent`).length - 1;
    assert.ok(recorded <= 1, `${a} (#${id}) recorded as sent ${recorded} times`);
    assert.ok(got.length >= 1, `${a} (#${id}) got no mail`);
    if (got.length === 1) continue;
    assert.equal(got.length, 2, `${a} (#${id}) got ${got.length} mails`);
    assert.equal(got[0].message_id, got[1].message_id, `${a}: a copy keeps the Message-ID`);
    const handed = [...killedLog.matchAll(new RegExp(`mail: #${id} to SMTP, Message-ID (\\S+)`, 'g'))]
      .some((m) => m[1] === got[0].message_id.trim());
    const marked = killedLog.includes(`mail: #${id} recorded as sent`);
    assert.ok(handed && !marked, `${a} (#${id}) got 2 mails outside the killed node's window`);
    copies++;
  }
  assert.ok(copies <= 1, `${copies} mails sent twice: the killed node had one conversation at a time`);
});
