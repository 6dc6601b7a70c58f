// Secrets in logs: every process the harness starts leaves its stdout and stderr in
// tests/e2e/out/logs (one file per process), and the secrets the tests used — passwords and
// captcha answers they typed, tokens and codes in links and mails, cookie values daoid set —
// are noted beside them (secrets-PID.txt, one JSON string a line). scanLogs() reads both and
// returns every log line that holds a secret; `node lib/logscan.mjs [DIR]` (run.sh, after
// the suite) prints them and fails.
import { appendFileSync, mkdirSync, readdirSync, readFileSync, writeFileSync, existsSync } from 'node:fs';
import { join, resolve, dirname, basename } from 'node:path';
import { fileURLToPath } from 'node:url';

export const LOG_DIR = resolve(dirname(fileURLToPath(import.meta.url)), '../out/logs');
const MIN = 5; // shorter values ("1", "on") are no secrets and would match by chance
const noted = new Set();

// Notes a secret the test used (ignored when too short or seen already).
export function noteSecret(value) {
  if (typeof value !== 'string' || value.length < MIN || noted.has(value)) return;
  noted.add(value);
  mkdirSync(LOG_DIR, { recursive: true });
  appendFileSync(join(LOG_DIR, `secrets-${process.pid}.txt`), JSON.stringify(value) + '\n');
}

const SECRET_FIELD = /pass|secret|token|captcha|code|state|ticket|csrf/i;
// The values of fields that carry secrets in a form body or query (URLSearchParams-able).
export function noteFields(params) {
  for (const [k, v] of new URLSearchParams(params)) if (SECRET_FIELD.test(k)) noteSecret(v);
}
// Cookie values from Set-Cookie lines.
export function noteSetCookies(lines) {
  for (const line of lines) {
    const pair = line.split(';')[0];
    const eq = pair.indexOf('=');
    const name = pair.slice(0, eq).trim();
    if (eq > 0 && name !== 'lang') noteSecret(pair.slice(eq + 1).trim());
  }
}
// Tokens in a mail's text (links' query values).
export function noteMail(text) {
  for (const m of String(text).matchAll(/[?&](?:token|code)=([A-Za-z0-9_-]+)/g)) noteSecret(m[1]);
}

let seq = 0;
// Writes a finished process's output next to the others.
export function saveLog(name, out, err) {
  mkdirSync(LOG_DIR, { recursive: true });
  const test = basename(process.argv[1] || 'node').replace(/\.test\.mjs$/, '');
  writeFileSync(join(LOG_DIR, `${test}-${name}-${process.pid}-${seq++}.log`), `${out}${out && !out.endsWith('\n') ? '\n' : ''}${err}`);
}

// Whether line holds secret s as a whole value: not inside a longer run of letters and digits
// (a six-digit code used by a test is also a piece of many hexadecimal request ids).
const ALNUM = /[A-Za-z0-9]/;
function holds(line, s) {
  for (let i = line.indexOf(s); i >= 0; i = line.indexOf(s, i + 1)) {
    const before = i > 0 ? line[i - 1] : '', after = line[i + s.length] || '';
    if (!ALNUM.test(before) && !ALNUM.test(after)) return true;
  }
  return false;
}

// Every log line in dir that holds one of the noted secrets (or extra ones): [{file, line, secret}].
export function scanLogs(dir = LOG_DIR, extra = []) {
  if (!existsSync(dir)) return [];
  const files = readdirSync(dir);
  const secrets = new Set(extra);
  for (const f of files.filter((f) => f.startsWith('secrets-')))
    for (const l of readFileSync(join(dir, f), 'utf8').split('\n')) if (l) secrets.add(JSON.parse(l));
  const hits = [];
  // daoid's logs: the simulator and the other tools print what they were sent on purpose
  for (const f of files.filter((f) => /-daoid-\d+-\d+\.log$/.test(f))) {
    const lines = readFileSync(join(dir, f), 'utf8').split('\n');
    for (const line of lines)
      for (const s of secrets) if (holds(line, s)) hits.push({ file: f, line, secret: s });
  }
  return hits;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const dir = resolve(process.argv[2] || LOG_DIR);
  const logs = existsSync(dir) ? readdirSync(dir).filter((f) => /-daoid-\d+-\d+\.log$/.test(f)).length : 0;
  const hits = scanLogs(dir);
  for (const h of hits.slice(0, 50)) console.log(`${h.file}: ${JSON.stringify(h.secret)} in: ${h.line.slice(0, 300)}`);
  console.log(`logscan: ${logs} daoid log files, ${hits.length} line(s) with a secret`);
  process.exit(hits.length ? 1 : 0);
}
