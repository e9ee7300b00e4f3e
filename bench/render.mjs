// Writes BENCHMARKS.md's generated parts again from the raw results a `npm run bench` saved
// (BENCH_JSON, default aob-bench-<time>.json in the temp folder), without running anything: for
// a change to the report's wording, the figures stay those of the run that measured them.
// Usage: node bench/render.mjs RESULTS.json [OUT.md]
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { REPO } from './lib/bridge.mjs';
import { markdown, summaryRows } from './lib/report.mjs';
import { writeReport } from './lib/write-report.mjs';

const [file, outArg] = process.argv.slice(2);
if (!file) {
  process.stderr.write('usage: node bench/render.mjs RESULTS.json [OUT.md]\n');
  process.exit(2);
}
const saved = JSON.parse(readFileSync(file, 'utf8'));
if (typeof saved.durationMs !== 'number' || !Array.isArray(saved.env)) {
  process.stderr.write(`${file}: saved by an older bench (no durationMs or env); run npm run bench again\n`);
  process.exit(2);
}
const { results, settings, machine, env, durationMs } = saved;
const rows = summaryRows(results);
const report = markdown({
  results,
  settings,
  machine,
  rows,
  command: 'npm run bench',
  env,
  startedAt: new Date(saved.startedAt),
  durationMs,
  diskProbe: results.diskProbe,
});
const out = resolve(REPO, outArg ?? settings.out);
writeReport(out, [
  ['summary', report.summary],
  ['details', report.details],
]);
process.stderr.write(`wrote ${out} from ${file}\n`);
