// A node:test reporter (run.sh adds it beside the spec reporter): when the run ends, one line
// per test file, slowest first — `duration_ms N file` — with the file's whole time in its own
// process (start-up, hooks and tests, as node:test measured it).
// It is how the suite's time is watched (make test must stay well under CI's 30 minutes).
import { relative } from 'node:path';

export default async function* durations(source) {
  const files = [];
  for await (const ev of source) {
    const d = ev.data;
    // the test node:test makes for each file is named by the file's path
    if (ev.type === 'test:complete' && d?.file && d.name === d.file)
      files.push({ file: relative(process.cwd(), d.file), ms: d.details?.duration_ms ?? 0, ok: d.details?.passed });
  }
  files.sort((a, b) => b.ms - a.ms);
  yield '\n# test files by duration\n';
  for (const f of files) yield `duration_ms ${f.ms.toFixed(0).padStart(7)} ${f.file}${f.ok === false ? ' (failed)' : ''}\n`;
}
