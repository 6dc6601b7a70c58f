// Lighthouse 12 (desktop preset) on the home, sign-up, sign-in, console and settings pages, in
// one daoid and, per page, a Chromium of its own (chrome-launcher, the flags of
// lib/harness.mjs): prints every page's scores; accessibility, best practices and SEO below 98
// fail. Performance depends on the machine's load, so it is printed, not gated. For the
// signed-in pages the session cookie is put in Chromium's cookie jar (over CDP; Chromium drops
// a Cookie given as an extra header). Lighthouse is told not to clear the origin's storage: it
// clears it after a run with a 5 s protocol timeout, and on a loaded machine the clearing went
// on after the timeout and took the next run's session cookie with it (the signed-in page was
// then the sign-in page). A new profile per page leaves nothing to clear.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import lighthouse from 'lighthouse';
import desktopConfig from 'lighthouse/core/config/desktop-config.js';
import * as chromeLauncher from 'chrome-launcher';
import { chromium } from 'playwright-core';
import { startDevsim, startDaoid, stopAll } from './lib/harness.mjs';
import { account, csrfOf } from './lib/console.mjs';

const GATED = ['accessibility', 'best-practices', 'seo'];
// The desktop preset without what costs time and scores nothing: the screenshots (a full-page
// one and the filmstrip). The quiet periods after the load stay: without them the trace can end
// before the largest paint, and the performance score reads 0.
const config = {
  ...desktopConfig,
  settings: {
    ...desktopConfig.settings,
    disableFullPageScreenshot: true,
    skipAudits: ['screenshot-thumbnails', 'final-screenshot'],
  },
};
let sim, d, jar;
before(async () => {
  sim = await startDevsim();
  d = await startDaoid({ devsim: sim });
  const c = await account(d, sim, 'lighthouse', { verify: false });
  const r = await c.post('/console/tour', { csrf: await csrfOf(c, '/console'), action: 'skip' });
  assert.equal(r.status, 303);
  jar = [...c.jar].map(([name, value]) => ({ name, value, url: d.base }));
});
after(async () => {
  await d.stop();
  await stopAll();
});

// What a failing audit found, for the failure message: its explanation or error, and the
// items it lists (a console error's text, an element's selector), cut to a readable length.
function describe(audit) {
  const items = (audit.details?.items || []).map((i) => i.description || i.source?.url || i.node?.selector || i.url || JSON.stringify(i));
  return [audit.explanation, audit.errorMessage, ...items].filter(Boolean).join(' | ').slice(0, 600);
}

const PAGES = [['/', false], ['/signup', false], ['/login', false], ['/console', true], ['/settings', true]];
for (const [path, signedIn] of PAGES) {
  test(`Lighthouse ${path}${signedIn ? ' (signed in)' : ''}`, async () => {
    const chrome = await chromeLauncher.launch({
      chromePath: process.env.CHROMIUM || '/usr/bin/chromium',
      chromeFlags: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking',
        '--disable-component-update', '--no-first-run', '--disable-sync', '--disable-quic'],
    });
    let lhr;
    try {
      if (signedIn) {
        const cdp = await chromium.connectOverCDP(`http://127.0.0.1:${chrome.port}`);
        await cdp.contexts()[0].addCookies(jar);
        await cdp.close();
      }
      const flags = { port: chrome.port, output: 'json', logLevel: 'error', locale: 'en', disableStorageReset: true };
      ({ lhr } = await lighthouse(d.base + path, flags, config));
    } finally {
      await chrome.kill();
    }
    assert.equal(new URL(lhr.finalDisplayedUrl).pathname, path, `${path} was not redirected (signed in: ${signedIn})`);
    const scores = Object.fromEntries(Object.entries(lhr.categories).map(([k, c]) => [k, Math.round(c.score * 100)]));
    console.log(`lighthouse ${path}: ${JSON.stringify(scores)}`);
    const low = GATED.filter((k) => scores[k] < 98);
    const failing = low.flatMap((k) => lhr.categories[k].auditRefs
      .filter((a) => a.weight > 0 && lhr.audits[a.id].score !== null && lhr.audits[a.id].score < 1)
      .map((a) => `${k}: ${a.id} (${lhr.audits[a.id].title}) ${describe(lhr.audits[a.id])}`));
    const why = lhr.runtimeError ? ` runtime error: ${lhr.runtimeError.code} ${lhr.runtimeError.message}` : '';
    assert.deepEqual(low, [], `${path}:${why} ${failing.join('; ')}`);
  });
}
