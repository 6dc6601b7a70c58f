// A node:test reporter (run.sh adds it beside the spec reporter): when the run ends, one line
// per test file, slowest first — `duration_ms N file` — with the file's whole time in its own
// process (start-up, hooks and tests, as node:test measured it).
// It is how the suite's time is watched (make test must stay well under CI's 30 minutes). The
// same times go to out/durations.txt (`SECONDS NAME` lines, NAME as in durations.txt): copied
// over tests/e2e/durations.txt, they are the order in which run.sh starts the files next time.
import { relative } from 'node:path';
import { mkdirSync, writeFileSync } from 'node:fs';

// The name of a file as durations.txt knows it: run.sh starts every file through a generated
// out/order/NNN.NAME.test.mjs (or NNN.pg.NAME.test.mjs for the PostgreSQL pass).
export function fileName(path) {
  const m = /(?:^|\/)out\/order\/\d+\.(pg\.)?(.+)$/.exec(path);
  if (m) return (m[1] ? 'pg/' : '') + m[2];
  return path.replace(/^out\//, '');
}

export default async function* durations(source) {
  const files = [];
  for await (const ev of source) {
    const d = ev.data;
    // the test node:test makes for each file is named by the file's path
    if (ev.type === 'test:complete' && d?.file && d.name === d.file)
      files.push({ file: fileName(relative(process.cwd(), d.file)), ms: d.details?.duration_ms ?? 0, ok: d.details?.passed });
  }
  files.sort((a, b) => b.ms - a.ms);
  yield '\n# test files by duration\n';
  for (const f of files) yield `duration_ms ${f.ms.toFixed(0).padStart(7)} ${f.file}${f.ok === false ? ' (failed)' : ''}\n`;
  try {
    mkdirSync('out', { recursive: true });
    writeFileSync('out/durations.txt', files.map((f) => `${Math.round(f.ms / 1000)} ${f.file}\n`).join(''));
  } catch { /* the lines above are what counts */ }
}
