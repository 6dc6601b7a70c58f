// Pieces for the WeChat browser tests: daoid's settings for the simulator's fake WeChat
// official account, the simulator's control calls (/_ctl/wechat) and its "phone" page.
import { readdirSync, readFileSync } from 'node:fs';
import { waitFor } from './harness.mjs';

// The service account the simulator plays (tools/devsim/devsim.h, DWECHAT_*).
export const WX = {
  appid: 'wx5d3e1c0b2a9f8e7d',
  secret: 'devsim-wechat-secret',
  token: 'devsimtoken',
  aesKey: 'DevsimWeChatEncodingAESKey0123456789abcdefg',
};

// daoid's environment for WeChat through the simulator sim.
export function wechatEnv(sim, extra = {}) {
  return {
    DAOID_WECHAT_APP_ID: WX.appid,
    DAOID_WECHAT_APP_SECRET: WX.secret,
    DAOID_WECHAT_TOKEN: WX.token,
    DAOID_WECHAT_AES_KEY: WX.aesKey,
    DAOID_WECHAT_API_URL: sim.url,
    DAOID_LIMIT_WECHAT_QR_IP: '10000/10m',
    ...extra,
  };
}

async function json(res, what) {
  if (!res.ok && res.status !== 400) throw new Error(`${what}: HTTP ${res.status}`);
  return res.json();
}

// Changes the simulator's WeChat settings ({callback, mode, push_timeout_ms, invalidate, …}).
export async function wxSet(sim, body) {
  return json(await fetch(`${sim.url}/_ctl/wechat`, { method: 'POST', body: JSON.stringify(body) }), 'wechat settings');
}

// The simulator's WeChat state: counts, QR codes issued, users, the last push.
export async function wxState(sim) {
  return json(await fetch(`${sim.url}/_ctl/wechat`), 'wechat state');
}

// A phone action without the page ({user, action, url}); answers the push's result.
export async function wxPush(sim, body) {
  return json(await fetch(`${sim.url}/_ctl/wechat/push`, { method: 'POST', body: JSON.stringify(body) }), 'wechat push');
}

// Points the simulator's pushes at daoid d.
export function callbackTo(sim, d) {
  return wxSet(sim, { callback: `${d.base}/wechat/callback` });
}

// The content of the QR code shown on page (which must be the WeChat page).
export async function qrUrl(page) {
  await page.waitForSelector('#wx-qr svg');
  return page.getAttribute('#wx-qr', 'data-url');
}

// On phone (a page of its own), as WeChat user `user`, scans url and presses the button of
// action (follow, scan, nofollow); resolves once the simulator's answer page has loaded, with
// what the chat shows and how the push went.
export async function phoneScan(phone, sim, { user, url, action = 'follow' }) {
  await phone.goto(`${sim.url}/wechat/phone`);
  await phone.fill('#user', user);
  await phone.fill('#url', url);
  await Promise.all([phone.waitForURL(`${sim.url}/wechat/phone`), phone.click(`#${action}`)]);
  const text = async (sel) => ((await phone.$(sel)) ? (await phone.textContent(sel)).trim() : null);
  return {
    reply: await text('#push-reply'),
    status: await text('#push-status'),
    attempts: await text('#push-attempts'),
    note: await text('#push-note'),
  };
}

// Presses one of the phone's buttons that repeat the last push (dup, badsig).
export async function phoneRepeat(phone, sim, action) {
  await phone.goto(`${sim.url}/wechat/phone`);
  await Promise.all([phone.waitForURL(`${sim.url}/wechat/phone`), phone.click(`#${action}`)]);
  return {
    reply: (await phone.textContent('#push-reply')).trim(),
    status: (await phone.textContent('#push-status')).trim(),
  };
}

// Waits until page shows element sel (hidden attribute gone); returns the time it took.
export async function shown(page, sel, ms = 5000) {
  const t0 = Date.now();
  await page.waitForSelector(`${sel}:not([hidden])`, { state: 'visible', timeout: ms });
  return Date.now() - t0;
}

// Stops process pid (SIGSTOP) and resolves once every one of its threads has stopped (a stop
// signal takes effect asynchronously: a busy thread may still answer a request meanwhile).
export async function freeze(pid) {
  process.kill(pid, 'SIGSTOP');
  const stopped = () => readdirSync(`/proc/${pid}/task`).every((t) => {
    const stat = readFileSync(`/proc/${pid}/task/${t}/stat`, 'utf8');
    return /^[Tt]$/.test(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[0]);
  });
  await waitFor(stopped, `process ${pid} stopped`, 5000, 10);
}

export { waitFor };
