#!/usr/bin/env node
// `npm run bench`: every row of issue 12's performance table, ours next to its peer and its limit
// in one run. Writes bench/RESULTS.md and bench/results.json.
//   --only <id>[,<id>]  run these rows (merged into the existing results.json)
//   --quick             fewer, shorter rounds (prints only, unless --write)
//   --smoke             one tiny round per row, checks numbers come out, writes nothing
//   --profile <id>      run one row with our servers under `node --cpu-prof` and write
//                       bench/profiles/<id>.md (top self time, mapped to src/)
//   --list              print the row ids
//   --render            rewrite RESULTS.md from results.json (no measuring)
//   --summary           print the short table the README's performance section shows
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildSources, removeBuild } from './lib/build.mjs';
import { killAllChildren, profiling } from './lib/child.mjs';
import { load, machine } from './lib/machine.mjs';
import { summarizeProfiles } from './lib/profile.mjs';
import { readmeTable, renderResults } from './lib/report.mjs';
import { roundOptions } from './lib/rounds.mjs';
import { ROWS } from './rows/index.mjs';

const here = fileURLToPath(new URL('.', import.meta.url));
const args = process.argv.slice(2);
const flag = (name) => args.includes(name);
const option = (name) => {
  const index = args.indexOf(name);
  return index >= 0 ? args[index + 1] : undefined;
};

if (flag('--list')) {
  for (const row of ROWS) console.log(`${row.id.padEnd(20)} ${row.title}`);
  process.exit(0);
}

if (flag('--render') || flag('--summary')) {
  const saved = JSON.parse(readFileSync(join(here, 'results.json'), 'utf8'));
  if (flag('--summary')) console.log(readmeTable(saved));
  else writeFileSync(join(here, 'RESULTS.md'), renderResults(withBounds(saved)));
  process.exit(0);
}

const mode = flag('--smoke') ? 'smoke' : flag('--quick') ? 'quick' : 'full';
const profileRow = option('--profile');
const only = profileRow ? [profileRow] : option('--only')?.split(',');
const unknown = only?.filter((id) => !ROWS.some((row) => row.id === id));
if (unknown?.length) {
  console.error(`unknown row ${unknown.join(', ')}; rows: ${ROWS.map((row) => row.id).join(', ')}`);
  process.exit(2);
}
const selected = only ? ROWS.filter((row) => only.includes(row.id)) : ROWS;
// How long a row may run: each is ≤ 60 s in full mode (issue 12); a hard stop 20 s later.
const ROW_BUDGET_MS = { full: 55_000, quick: 25_000, smoke: 8_000 }[mode];
const scale = { full: { rounds: 5, time: 1 }, quick: { rounds: 3, time: 0.4 }, smoke: { rounds: 1, time: 0.1 } }[mode];

const buildDir = await buildSources();
const profileDir = profileRow ? mkdtempSync(join(tmpdir(), 'bench-prof-')) : undefined;
const startedAt = new Date().toISOString();
const results = { startedAt, mode: only ? `${mode}, --only ${only.join(',')}` : mode, machine: machine(), load: { start: load() }, rows: [] };
console.log(`bench (${mode}) on ${results.machine.cpu}, ${results.machine.cores} cores, Node ${results.machine.node}; load ${results.load.start.join(', ')}`);
const runStart = performance.now();

for (const row of selected) {
  const rowStart = performance.now();
  // A row may set its own budget per mode (kafka.bench.mjs runs its fixed phases in turn).
  const budget = row.budgetMs?.[mode] ?? ROW_BUDGET_MS;
  const record = { id: row.id, title: row.title, goalText: row.goal, ...(row.bound ? { bound: row.bound } : {}), startedAt: new Date().toISOString(), load: { start: load() } };
  if (profileRow) {
    profiling.dir = profileDir;
    profiling.roles = new Set(row.profileRoles ?? []);
    roundOptions.oursOnly = !row.profileAll;
  }
  const ctx = {
    mode,
    rounds: scale.rounds,
    warmup: mode !== 'smoke',
    /** A round length: `ms` in full mode, shorter in quick and smoke. */
    roundMs: (ms) => Math.max(100, Math.round(ms * scale.time)),
    deadline: rowStart + budget,
    notes: [],
  };
  let hardStop;
  try {
    const outcome = await Promise.race([
      row.run(ctx),
      new Promise((_, reject) => (hardStop = setTimeout(() => reject(new Error(`row exceeded ${budget + 20_000} ms`)), budget + 20_000))),
    ]);
    record.cases = outcome;
  } catch (error) {
    record.error = error?.stack ?? String(error);
    killAllChildren();
  } finally {
    clearTimeout(hardStop);
  }
  record.notes = ctx.notes;
  record.durationMs = Math.round(performance.now() - rowStart);
  record.load.end = load();
  results.rows.push(record);
  printRow(record);
}
results.durationMs = Math.round(performance.now() - runStart);
results.load.end = load();

if (profileRow && results.rows[0].error) {
  console.error('no profile written: the row failed');
  process.exitCode = 1;
} else if (profileRow) {
  const row = selected[0];
  const out = profileTarget(join(here, 'profiles', `${profileRow}.md`));
  const generated = row.profileMarkdown ? await row.profileMarkdown() : summarizeProfiles(profileDir, buildDir, row, results);
  writeFileSync(out.path, out.keep + generated);
  rmSync(profileDir, { recursive: true, force: true });
  console.log(`wrote ${out.path}`);
}
removeBuild(buildDir);

if (profileRow) {
  // A profiled run measures ours alone, slowed by the profiler: its numbers are not results.
} else if (mode === 'smoke') {
  const missing = results.rows.filter((row) => row.error || !row.cases?.length || row.cases.some((c) => !Object.values(c.contestants).every((x) => Number.isFinite(x.median))));
  if (missing.length) {
    console.error(`smoke: no numbers from ${missing.map((row) => row.id).join(', ')}`);
    process.exitCode = 1;
  } else console.log(`smoke: ${results.rows.length} rows produced numbers`);
} else if (mode === 'full' || flag('--write')) {
  writeOut(results);
} else {
  console.log('\n(quick run: results printed, files left as they are; --write to merge them in)');
}
process.exit();

function printRow(record) {
  if (record.error) return console.log(`\n${record.title}: FAILED\n${record.error}`);
  console.log(`\n${record.title} (${Math.round(record.durationMs / 1000)} s)`);
  for (const c of record.cases) {
    const parts = Object.entries(c.contestants).map(([key, x]) => `${key} ${x.median?.toFixed?.(1)}`);
    const ratio = c.ratio ? ` ratio ${c.ratio.value.toFixed(2)}` : '';
    const goal = c.goal ? ` goal ${c.goal.text} ${c.goal.met ? 'met' : 'NOT met'}` : '';
    console.log(`  ${c.label.padEnd(34)} ${c.unit.padEnd(12)} ${parts.join('  ')}${ratio}${goal}`);
  }
  for (const note of record.notes.filter((text) => text.startsWith('Share of a core') || text.startsWith('CPU µs'))) console.log(`  ${note}`);
}

function writeOut(current) {
  const jsonPath = join(here, 'results.json');
  let merged = current;
  if (only && existsSync(jsonPath)) {
    // A partial run replaces its rows in the last full results and keeps the others (each row
    // carries its own time and load).
    const previous = JSON.parse(readFileSync(jsonPath, 'utf8'));
    const byId = new Map(previous.rows.map((row) => [row.id, row]));
    for (const row of current.rows) byId.set(row.id, row);
    merged = { ...previous, rows: ROWS.map((row) => byId.get(row.id)).filter(Boolean), partialRuns: [...(previous.partialRuns ?? []), { startedAt, rows: only, load: current.load }] };
  }
  writeFileSync(jsonPath, `${JSON.stringify(merged, null, 1)}\n`);
  writeFileSync(join(here, 'RESULTS.md'), renderResults(withBounds(merged)));
  console.log(`\nwrote bench/RESULTS.md and bench/results.json`);
}

/**
 * Where a profile goes without erasing a write-up: a file with the marker line keeps what is above
 * it; a hand-written file without one is left alone and the profile goes beside it.
 */
function profileTarget(path) {
  const MARK = '<!-- generated by `node bench/run.mjs --profile` below this line -->';
  if (!existsSync(path)) return { path, keep: '' };
  const text = readFileSync(path, 'utf8');
  const at = text.indexOf(MARK);
  if (at >= 0) return { path, keep: `${text.slice(0, at + MARK.length)}\n\n` };
  if (text.startsWith('# CPU profile')) return { path, keep: '' };
  return { path: path.replace(/\.md$/, '.profile.md'), keep: '' };
}

/** Each row's `bound` as the row file says it now: explanations are text, not measurements. */
function withBounds(results) {
  const bounds = new Map(ROWS.map((row) => [row.id, row.bound]));
  return { ...results, rows: results.rows.map((row) => (bounds.get(row.id) ? { ...row, bound: bounds.get(row.id) } : row)) };
}
