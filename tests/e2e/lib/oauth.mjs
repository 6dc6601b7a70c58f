// Helpers for the OAuth2 sign-in tests (GitHub, Bitbucket, Coding): daoid configured for the
// simulator's fake providers, the simulator's control endpoint (/_ctl/oauth: fault modes,
// registered callbacks, test users), and the clicks a person makes on a provider's
// authorize page.
import { startDevsim, startDaoid } from './harness.mjs';
import { submitClick } from './forms.mjs';
import { wechatEnv } from './wechat.mjs';

// The simulator's test clients (tools/devsim/devsim_oauth.c).
export const CLIENTS = {
  github: { id: 'devsim-github-client', secret: 'devsim-github-secret' },
  bitbucket: { id: 'devsim-bitbucket-key', secret: 'devsim-bitbucket-secret' },
  coding: { id: 'devsim-coding-client', secret: 'devsim-coding-secret' },
};

export const LABELS = { github: 'GitHub', bitbucket: 'Bitbucket', coding: 'Coding' };

// daoid's settings for the simulator's providers (by default all three).
export function oauthEnv(sim, providers = ['github', 'bitbucket', 'coding']) {
  const env = {};
  for (const p of providers) {
    const P = p.toUpperCase();
    env[`DAOID_${P}_CLIENT_ID`] = CLIENTS[p].id;
    env[`DAOID_${P}_CLIENT_SECRET`] = CLIENTS[p].secret;
  }
  if (providers.includes('github')) {
    env.DAOID_GITHUB_URL = `${sim.url}/github`;
    env.DAOID_GITHUB_API_URL = `${sim.url}/github/api`;
  }
  if (providers.includes('bitbucket')) {
    env.DAOID_BITBUCKET_URL = `${sim.url}/bitbucket`;
    env.DAOID_BITBUCKET_API_URL = `${sim.url}/bitbucket/api`;
  }
  if (providers.includes('coding')) env.DAOID_CODING_URL = `${sim.url}/coding`;
  return env;
}

async function ctl(sim, path, body) {
  const r = await fetch(`${sim.url}/_ctl/oauth${path}`, body === undefined ? {} : { method: 'POST', body: JSON.stringify(body) });
  const j = await r.json();
  if (!r.ok) throw new Error(`_ctl/oauth${path}: ${r.status} ${JSON.stringify(j)}`);
  return j;
}

// Registers base (daoid's public URL) as the clients' callback base.
export function registerCallbacks(sim, base) {
  return ctl(sim, '/apps', { callback_base: base });
}

// Fault mode of the token and user endpoints: 'up', 'slow' (delayMs), 'error' (500), 'badjson'.
export function providerMode(sim, mode, delayMs) {
  return ctl(sim, '', delayMs === undefined ? { mode } : { mode, delay_ms: delayMs });
}

// {mode, delay_ms, token_calls, api_calls, last_user_agent, users}
export function providerStatus(sim) {
  return ctl(sim, '');
}

let seq = 0;
// A new test user at provider with a unique id; login and emails as given. emails: a list of
// {email, primary, verified}, or `email` for one primary address (verified unless told).
// Returns {login, id, email}.
export async function newUser(sim, provider, { login, email, verified = true, emails, name, id } = {}) {
  seq += 1;
  const uid = id ?? (provider === 'bitbucket' ? `{e2e-${process.pid}-${seq}}` : 900000 + seq * 7 + (process.pid % 7));
  login = login ?? `${provider}-user-${seq}`;
  emails = emails ?? (email ? [{ email, primary: true, verified }] : []);
  await ctl(sim, '/users', { provider, id: uid, login, name: name ?? `Test ${login}`, emails });
  return { login, id: String(uid), email };
}

// daoid's settings for the simulator's providers (its WeChat service account too with
// wechat: true), env over them.
function oauthServerEnv(sim, { env = {}, providers, wechat = false }) {
  return { ...oauthEnv(sim, providers), ...(wechat ? wechatEnv(sim) : {}), ...env };
}

// Starts the simulator and daoid configured for it (its WeChat service account too with
// wechat: true); registers daoid's callback URLs.
export async function startOAuth(opts = {}) {
  const sim = await startDevsim();
  const d = await startDaoid({ devsim: sim, env: oauthServerEnv(sim, opts) });
  await registerCallbacks(sim, d.base);
  return { sim, d };
}

// The same servers for all of a test file's tests: useServers' options (lib/harness.mjs) for
// what startOAuth starts; ready(servers) runs once the callbacks are registered, other options
// go to useServers as they are.
export function oauthServers({ env, providers, wechat, ready, ...more } = {}) {
  return {
    ...more,
    env: (sim) => oauthServerEnv(sim, { env, providers, wechat }),
    async ready(s) {
      await registerCallbacks(s.sim, s.d.base);
      if (ready) await ready(s);
    },
  };
}

// The page is on a provider's authorize page (simulator): picks the test user `login` (the
// first one when undefined) and clicks "Authorize application" (or "Cancel"); resolves once
// the browser is back on daoid and the page has loaded.
export async function authorize(page, base, login, { cancel = false } = {}) {
  await page.waitForSelector('#authorize');
  if (login !== undefined) await page.check(`input[data-login="${login}"]`);
  await Promise.all([
    page.waitForURL((u) => u.href.startsWith(base + '/')),
    page.click(cancel ? '#cancel' : '#authorize'),
  ]);
  await page.waitForLoadState('load');
}

// Binds provider's test user login to the signed-in page's account from the linked-accounts
// page; resolves once daoid says it is bound.
export async function bindWith(page, base, provider, login) {
  await page.goto(base + '/settings/accounts');
  await Promise.all([page.waitForSelector('#authorize'), page.click(`#bind-${provider}`)]);
  await authorize(page, base, login);
  if (!page.url().endsWith('/settings/accounts')) throw new Error(`not bound: at ${page.url()}`);
}

// From daoid's sign-in page, clicks the provider's icon; resolves on the authorize page.
export async function startAt(page, base, provider, from = '/login') {
  await page.goto(base + from);
  await Promise.all([page.waitForSelector('#authorize'), page.click(`#social-${provider}`)]);
}

// Signs in (or starts a sign-up) with provider as login, from the sign-in page.
export async function signInWith(page, base, provider, login) {
  await startAt(page, base, provider);
  await authorize(page, base, login);
}

// Completes the "complete your account" form (fields left undefined keep what is there);
// resolves once the next page has loaded, with the POST's response.
export async function completeAccount(page, { username, email, terms = true } = {}) {
  if (username !== undefined) await page.fill('#username', username);
  if (email !== undefined) await page.fill('#email', email);
  if (terms) await page.check('#terms');
  return submitClick(page, '#register');
}

// A full sign-up with provider as login, keeping the suggested username and the email unless
// given; resolves on the page after "Register".
export async function signUpWith(page, base, provider, login, fields = {}) {
  await signInWith(page, base, provider, login);
  if (!page.url().endsWith('/auth/complete')) throw new Error(`expected the complete-account form, at ${page.url()}`);
  await completeAccount(page, fields);
}

// On a provider's authorize page, authorizes as login and returns the URL of daoid's
// callback that the provider sends the browser to. With pass the browser follows it (and the
// page ends where daoid sends it); without, the decision is posted from here (the form's own
// fields) and the browser stays on the authorize page, so the state and the code stay unused.
export async function catchCallback(page, base, provider, login, { pass = false } = {}) {
  const isCallback = (url) => url.startsWith(`${base}/auth/${provider}/callback`);
  if (pass) {
    const [req] = await Promise.all([page.waitForRequest((r) => isCallback(r.url())), authorize(page, base, login)]);
    return req.url();
  }
  await page.waitForSelector('#authorize');
  const fields = await page.$$eval('form input[type=hidden]', (els) => els.map((e) => [e.name, e.value]));
  const users = await page.$$eval('input[name=user]', (els) => els.map((e) => [e.dataset.login, e.value]));
  const user = login === undefined ? users[0] : users.find(([l]) => l === login);
  if (!user) throw new Error(`no test user ${login} on the authorize page`);
  const body = new URLSearchParams([...fields, ['user', user[1]], ['decision', 'authorize']]);
  const r = await fetch(page.url(), { method: 'POST', body, redirect: 'manual' });
  const url = r.headers.get('location');
  if (r.status !== 302 || !url || !isCallback(url)) throw new Error(`authorize answered ${r.status} ${url}`);
  return url;
}
